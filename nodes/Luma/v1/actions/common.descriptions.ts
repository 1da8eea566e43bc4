import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_MAX_REQUESTS_PER_MINUTE, DEFAULT_RATE_LIMIT_WINDOW_SECONDS } from '../transport';

export const eventRLC: INodeProperties = {
	displayName: 'Event',
	name: 'eventId',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The Luma event',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: {
				searchListMethod: 'searchEvents',
				searchable: true,
			},
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'evt-AbC123xyz',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: '^\\s*evt-[A-Za-z0-9]+\\s*$',
						errorMessage: 'Not a valid Luma event ID (it starts with "evt-")',
					},
				},
			],
		},
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder: 'https://luma.com/event/manage/evt-AbC123xyz',
			extractValue: {
				type: 'regex',
				regex: '(evt-[A-Za-z0-9]+)',
			},
			validation: [
				{
					type: 'regex',
					properties: {
						regex: '^https?://.*evt-[A-Za-z0-9]+.*$',
						errorMessage: 'Not a Luma URL that contains an event ID (evt-…)',
					},
				},
			],
		},
	],
};

export const returnAllOption: INodeProperties = {
	displayName: 'Return All',
	name: 'returnAll',
	type: 'boolean',
	default: false,
	description: 'Whether to return all results or only up to a given limit',
};

export const limitOption: INodeProperties = {
	displayName: 'Limit',
	name: 'limit',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 50,
	description: 'Max number of results to return',
	displayOptions: { show: { returnAll: [false] } },
};

/** Rate-limit settings shared by every operation's Options collection. */
export const rateLimitOptions: INodeProperties[] = [
	{
		displayName: 'Max Requests per Minute',
		name: 'maxRequestsPerMinute',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_MAX_REQUESTS_PER_MINUTE,
		description:
			'Upper bound on calls this n8n instance makes with this API key, shared by all Luma nodes and executions using it. Luma allows about 200 per minute.',
	},
	{
		displayName: 'Rate Limit Window (Seconds)',
		name: 'rateLimitWindowSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1, numberPrecision: 1 },
		default: DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
		description:
			'Length of the window that Max Requests per Minute applies to. Keep 60 unless your Luma plan or a proxy uses another window.',
	},
];

export function optionsCollection(extra: INodeProperties[] = []): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [...extra, ...rateLimitOptions],
	};
}
