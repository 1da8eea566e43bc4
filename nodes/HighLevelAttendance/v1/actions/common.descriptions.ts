import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { RetrySettings } from '../../../shared/transport/policy';
import { highLevelPolicy } from '../transport';

export const DEFAULT_CONCURRENCY = 10;

const DEFAULTS = highLevelPolicy.retry;

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
		// highLevelPolicy.retry.maxRateLimitRetries (the linter wants a literal here).
		default: 5,
		typeOptions: { minValue: 0 },
		description:
			'Times a call refused with 429 is retried, each after Retry-After or HighLevel’s 10-second interval',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeoutMs',
		type: 'number',
		// highLevelPolicy.retry.timeoutMs.
		default: 15000,
		typeOptions: { minValue: 1000 },
		description: 'How long to wait for one HighLevel response (and, in Supabase mode, one query)',
	},
];

/** The node's Options over the policy's retry defaults. */
export function retrySettings(ctx: IExecuteFunctions): RetrySettings {
	const get = (name: keyof RetrySettings) =>
		Number(ctx.getNodeParameter(`options.${name}`, 0, DEFAULTS[name]));
	return {
		...DEFAULTS,
		maxRateLimitRetries: Math.max(0, Math.floor(get('maxRateLimitRetries')) || 0),
		timeoutMs: Math.max(1000, get('timeoutMs') || DEFAULTS.timeoutMs),
	};
}

export function concurrencyOf(ctx: IExecuteFunctions): number {
	const value = Math.floor(
		Number(ctx.getNodeParameter('options.concurrency', 0, DEFAULT_CONCURRENCY)),
	);
	return Number.isFinite(value) ? Math.min(50, Math.max(1, value)) : DEFAULT_CONCURRENCY;
}
