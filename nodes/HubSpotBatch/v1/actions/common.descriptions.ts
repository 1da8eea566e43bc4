import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { RetrySettings } from '../transport';
import { DEFAULT_RETRY } from '../transport';

/** Batch and retry settings shared by every operation's Options collection. */
export const batchOptions: INodeProperties[] = [
	{
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		default: 100,
		typeOptions: { minValue: 1, maxValue: 100 },
		description: 'Records per request; HubSpot accepts at most 100',
	},
	{
		displayName: 'Parallel Requests',
		name: 'concurrency',
		type: 'number',
		default: 4,
		typeOptions: { minValue: 1, maxValue: 20 },
		description: 'Batches in flight at once; the account rate limit still applies',
	},
	{
		displayName: 'Rate-Limit Retries',
		name: 'maxRateLimitRetries',
		type: 'number',
		default: 10,
		typeOptions: { minValue: 0 },
		description:
			"Times a request refused by HubSpot's 10-second limit (429) is retried after the window. A daily-limit 429 is never retried.",
	},
	{
		displayName: 'Server Error Tries',
		name: 'maxServerErrorTries',
		type: 'number',
		default: 3,
		typeOptions: { minValue: 1 },
		description:
			'Tries for a request that fails with a 5xx, a timeout or a network error, with exponential backoff. Creates are tried once: after such a failure they may have been applied, and are reported instead.',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeoutMs',
		type: 'number',
		default: 30000,
		typeOptions: { minValue: 1000 },
		description: 'How long to wait for one HubSpot response; the request is then cancelled',
	},
];

/** For webhook flows that create one record per execution (e.g. one booking per request). */
export const combineOption: INodeProperties = {
	displayName: 'Combine With Concurrent Executions (Ms)',
	name: 'combineWithinMs',
	type: 'number',
	default: 0,
	typeOptions: { minValue: 0, maxValue: 1000 },
	description:
		"Wait up to this long for other executions of this workflow in the same n8n process to add their rows, and send them in one batch call (filled batches go at once). 0 sends this execution's rows alone. Use 20–50 ms on webhook workflows that create one record per request: 200 simultaneous requests then cost 2 calls instead of 200. Each execution gets its own rows' results; one stopped while it waits sends nothing. The rows wait in memory: if n8n crashes within this window, the rows of every execution waiting in it in that process are not written (those executions fail with the crash).",
};

export function combineWindowMs(ctx: IExecuteFunctions): number {
	return Math.max(
		0,
		Math.min(1000, Number(ctx.getNodeParameter('options.combineWithinMs', 0, 0)) || 0),
	);
}

export function batchSettings(ctx: IExecuteFunctions): {
	batchSize: number;
	concurrency: number;
} {
	const batchSize = Math.min(
		100,
		Math.max(1, Math.floor(Number(ctx.getNodeParameter('options.batchSize', 0, 100)))),
	);
	const concurrency = Math.max(
		1,
		Math.floor(Number(ctx.getNodeParameter('options.concurrency', 0, 4))),
	);
	return { batchSize, concurrency };
}

/** The node's retry options, over the HubSpot policy's defaults. */
export function retryOptions(ctx: IExecuteFunctions): Partial<RetrySettings> {
	const get = (name: keyof RetrySettings) =>
		Number(ctx.getNodeParameter(`options.${name}`, 0, DEFAULT_RETRY[name]));
	return {
		maxRateLimitRetries: Math.max(0, get('maxRateLimitRetries')),
		maxServerErrorTries: Math.max(1, get('maxServerErrorTries')),
		timeoutMs: Math.max(1000, get('timeoutMs')),
	};
}
