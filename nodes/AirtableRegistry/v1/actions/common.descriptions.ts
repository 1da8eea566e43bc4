import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { RetrySettings } from '../transport';
import { DEFAULT_RETRY, RECORDS_PER_REQUEST } from '../transport';

export const typecastOption: INodeProperties = {
	displayName: 'Typecast',
	name: 'typecast',
	type: 'boolean',
	default: false,
	description:
		'Whether Airtable converts values to the field types (text to numbers, dates, new select options). Off: a wrong type or an unknown select option is reported for that row.',
};

/** Retry and pacing settings shared by every operation's Options collection. */
export const retryOptions: INodeProperties[] = [
	{
		displayName: 'Parallel Requests',
		name: 'concurrency',
		type: 'number',
		default: 5,
		typeOptions: { minValue: 1, maxValue: 10 },
		description: 'Requests in flight at once; the 5 requests per second per base still apply',
	},
	{
		displayName: 'Rate-Limit Retries',
		name: 'maxRateLimitRetries',
		type: 'number',
		default: 3,
		typeOptions: { minValue: 0 },
		description: 'Times a request refused with 429 is retried, each after the rate-limit wait',
	},
	{
		displayName: 'Rate-Limit Wait (Ms)',
		name: 'rateLimitWaitMs',
		type: 'number',
		default: 30000,
		typeOptions: { minValue: 0 },
		description:
			'How long every request to the base waits after a 429. Airtable refuses requests for 30 seconds after one.',
	},
	{
		displayName: 'Server Error Tries',
		name: 'maxServerErrorTries',
		type: 'number',
		default: 3,
		typeOptions: { minValue: 1 },
		description:
			'Tries for a request that fails with a 5xx or a network error, with exponential backoff',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeoutMs',
		type: 'number',
		default: 30000,
		typeOptions: { minValue: 1000 },
		description: 'How long to wait for one Airtable response',
	},
];

export function retrySettings(ctx: IExecuteFunctions): RetrySettings {
	const get = (name: keyof RetrySettings) =>
		Number(ctx.getNodeParameter(`options.${name}`, 0, DEFAULT_RETRY[name]));
	return {
		...DEFAULT_RETRY,
		maxRateLimitRetries: Math.max(0, get('maxRateLimitRetries')),
		rateLimitWaitMs: Math.max(0, get('rateLimitWaitMs')),
		maxServerErrorTries: Math.max(1, get('maxServerErrorTries')),
		timeoutMs: Math.max(1000, get('timeoutMs')),
	};
}

export function batchSettings(ctx: IExecuteFunctions): {
	batchSize: number;
	concurrency: number;
	typecast: boolean;
} {
	return {
		batchSize: RECORDS_PER_REQUEST,
		concurrency: Math.max(1, Math.floor(Number(ctx.getNodeParameter('options.concurrency', 0, 5)))),
		typecast: ctx.getNodeParameter('options.typecast', 0, false) === true,
	};
}
