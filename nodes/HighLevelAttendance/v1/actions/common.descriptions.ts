import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { RetrySettings } from '../transport';
import { DEFAULT_RETRY } from '../transport';

export const DEFAULT_CONCURRENCY = 10;

/** Pacing and retry settings shared by every operation's Options collection. */
export const requestOptions: INodeProperties[] = [
	{
		displayName: 'Parallel Items',
		name: 'concurrency',
		type: 'number',
		default: DEFAULT_CONCURRENCY,
		typeOptions: { minValue: 1, maxValue: 50 },
		description:
			'Input items processed at once. HighLevel’s 100 requests per 10 seconds still apply: the shared limiter paces every call.',
	},
	{
		displayName: 'Rate-Limit Retries',
		name: 'maxRateLimitRetries',
		type: 'number',
		default: 5,
		typeOptions: { minValue: 0 },
		description:
			'Times a call refused with 429 is retried, each after Retry-After or HighLevel’s 10-second interval',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeoutMs',
		type: 'number',
		default: 15000,
		typeOptions: { minValue: 1000 },
		description: 'How long to wait for one HighLevel response (and, in Supabase mode, one query)',
	},
];

export function retrySettings(ctx: IExecuteFunctions): RetrySettings {
	const get = (name: keyof RetrySettings) =>
		Number(ctx.getNodeParameter(`options.${name}`, 0, DEFAULT_RETRY[name]));
	return {
		...DEFAULT_RETRY,
		maxRateLimitRetries: Math.max(0, Math.floor(get('maxRateLimitRetries')) || 0),
		timeoutMs: Math.max(1000, get('timeoutMs') || DEFAULT_RETRY.timeoutMs),
	};
}

export function concurrencyOf(ctx: IExecuteFunctions): number {
	const value = Math.floor(
		Number(ctx.getNodeParameter('options.concurrency', 0, DEFAULT_CONCURRENCY)),
	);
	return Number.isFinite(value) ? Math.min(50, Math.max(1, value)) : DEFAULT_CONCURRENCY;
}
