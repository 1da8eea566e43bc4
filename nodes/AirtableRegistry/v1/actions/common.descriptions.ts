import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { UnknownChoice } from '../helpers/names';
import type { AirtableSettings } from '../transport';
import { DEFAULT_RETRY, RATE_LIMIT_PENALTY_MS } from '../transport';

export const typecastOption: INodeProperties = {
	displayName: 'Typecast',
	name: 'typecast',
	type: 'boolean',
	default: false,
	description:
		'Whether Airtable converts values to the field types (text to numbers, dates, new select options). Off: a wrong type or an unknown select option is reported for that row.',
};

/** Version 2: what happens to a select value the table does not offer. */
export const unknownChoiceOption: INodeProperties = {
	displayName: 'Value Not Among the Choices',
	name: 'unknownChoice',
	type: 'options',
	default: 'error',
	options: [
		{
			name: 'Report the Item',
			value: 'error',
			description: 'The item goes to the error output, naming the field and its choices',
		},
		{
			name: 'Leave the Field Empty',
			value: 'leaveEmpty',
			description:
				'The record is written without that field (its default applies); the item lists it in skipped_choices',
		},
		{
			name: 'Add It as a New Choice',
			value: 'addChoice',
			description: 'Airtable adds the value to the field (sent with typecast)',
		},
	],
	description:
		"For a single select value that is none of the field's choices. Values that differ only in case, spaces or underscores match the choice and are written as the table spells it.",
};

export function unknownChoiceRule(ctx: IExecuteFunctions): UnknownChoice {
	const rule = ctx.getNodeParameter('options.unknownChoice', 0, 'error');
	return rule === 'leaveEmpty' || rule === 'addChoice' ? rule : 'error';
}

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
			'Tries for a read, update or upsert that fails with a 5xx, a timeout or a network error, with exponential backoff. A create is sent once: after such a failure it may have been applied.',
	},
	{
		displayName: 'Timeout (Ms)',
		name: 'timeoutMs',
		type: 'number',
		default: 30000,
		typeOptions: { minValue: 1000 },
		description: 'How long to wait for one Airtable response before the request is aborted',
	},
];

/** The Options collection's retry settings, over the policy's defaults. */
export function airtableSettings(ctx: IExecuteFunctions): AirtableSettings {
	const get = (name: string, fallback: number) =>
		Number(ctx.getNodeParameter(`options.${name}`, 0, fallback));
	return {
		retry: {
			maxRateLimitRetries: Math.max(
				0,
				get('maxRateLimitRetries', DEFAULT_RETRY.maxRateLimitRetries),
			),
			maxServerErrorTries: Math.max(
				1,
				get('maxServerErrorTries', DEFAULT_RETRY.maxServerErrorTries),
			),
			timeoutMs: Math.max(1000, get('timeoutMs', DEFAULT_RETRY.timeoutMs)),
		},
		rateLimitWaitMs: Math.max(0, get('rateLimitWaitMs', RATE_LIMIT_PENALTY_MS)),
	};
}

export function batchSettings(ctx: IExecuteFunctions): {
	concurrency: number;
	typecast: boolean;
} {
	return {
		concurrency: Math.max(1, Math.floor(Number(ctx.getNodeParameter('options.concurrency', 0, 5)))),
		typecast: ctx.getNodeParameter('options.typecast', 0, false) === true,
	};
}
