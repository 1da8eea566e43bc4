import type { INodeProperties } from 'n8n-workflow';

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

/** An operation's Options collection. Pacing lives in the credential: one budget per API key. */
export function optionsCollection(extra: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: extra,
	};
}
