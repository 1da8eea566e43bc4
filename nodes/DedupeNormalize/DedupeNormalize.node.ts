import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { CANONICAL_FIELDS, FIELD_LABELS, type MappableField } from './canonical';
import { dedupeAndNormalize } from './execute';

const canonicalOptions = CANONICAL_FIELDS.map((value) => ({ name: FIELD_LABELS[value], value }));
const mappableOptions = (Object.keys(FIELD_LABELS) as MappableField[])
	.map((value) => ({ name: FIELD_LABELS[value], value }))
	.sort((a, b) => a.name.localeCompare(b.name));

export class DedupeNormalize implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dedupe & Normalize',
		name: 'dedupeNormalize',
		icon: { light: 'file:dedupeNormalize.svg', dark: 'file:dedupeNormalize.dark.svg' },
		group: ['transform'],
		version: 1,
		usableAsTool: true,
		subtitle: '={{$parameter["source"]}}',
		description:
			'Maps registrations to one canonical contact, normalizes email, names, phone and dates, and splits them into Valid, Duplicate and Invalid',
		defaults: { name: 'Dedupe & Normalize' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Valid', 'Duplicate', 'Invalid'],
		properties: [
			{
				displayName: 'Source',
				name: 'source',
				type: 'options',
				default: 'lumaWebhook',
				description: 'Where the input items come from; each preset knows that source’s field names',
				options: [
					{ name: 'CSV Rows', value: 'csv', description: 'Common header names (Email, First Name, Phone, …), any case' },
					{ name: 'Custom', value: 'custom', description: 'Map each field yourself below' },
					{ name: 'Luma Guest (API)', value: 'lumaGuest', description: 'Items from the Luma node, Guest › Get Many' },
					{ name: 'Luma Webhook', value: 'lumaWebhook', description: 'Items from the Luma Trigger' },
					{ name: 'WebinarJam Registrant', value: 'webinarJamRegistrant' },
				],
			},
			{
				displayName: 'Field Mapping',
				name: 'fieldMapping',
				type: 'fixedCollection',
				placeholder: 'Add Field Mapping',
				typeOptions: { multipleValues: true },
				default: {},
				description:
					'Which input field fills each contact field. With a preset, entries here override the preset for that field.',
				options: [
					{
						name: 'mapping',
						displayName: 'Mapping',
						values: [
							{
								displayName: 'Contact Field',
								name: 'field',
								type: 'options',
								default: 'email',
								options: mappableOptions,
							},
							{
								displayName: 'Input Field',
								name: 'path',
								type: 'string',
								default: '',
								placeholder: 'e.g. Email or contact.email',
								description: 'Name of the input field; use dots for nested fields',
							},
						],
					},
				],
			},
			{
				displayName: 'Required Fields',
				name: 'requiredFields',
				type: 'multiOptions',
				default: ['email', 'event_id'],
				options: canonicalOptions,
				description: 'A row missing any of these goes to the Invalid output',
			},
			{
				displayName: 'Dedupe Key',
				name: 'dedupeKey',
				type: 'multiOptions',
				default: ['email', 'event_id'],
				options: canonicalOptions,
				description: 'Rows with the same normalized values in these fields are the same registration',
			},
			{
				displayName: 'Within This Run Keep',
				name: 'keep',
				type: 'options',
				default: 'first',
				options: [
					{ name: 'First', value: 'first', description: 'The first row wins; later ones go to Duplicate' },
					{ name: 'Latest', value: 'latest', description: 'The row with the latest registration date wins' },
					{
						name: 'Merged',
						value: 'merge',
						description: 'The first row, with its empty fields filled from later duplicates',
					},
				],
			},
			{
				displayName: 'Remember Across Executions',
				name: 'acrossRuns',
				type: 'boolean',
				default: true,
				description:
					'Whether to send rows already seen in an earlier execution to Duplicate. Uses n8n’s processed-data store, so it survives restarts and works in queue mode.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Ambiguous Dates Are',
						name: 'dateOrder',
						type: 'options',
						default: 'MDY',
						description: 'How to read 04/05/2025 when both parts could be the month',
						options: [
							{ name: 'Month First (MM/DD/YYYY)', value: 'MDY' },
							{ name: 'Day First (DD/MM/YYYY)', value: 'DMY' },
						],
					},
					{
						displayName: 'Attach Source Item',
						name: 'includeSource',
						type: 'boolean',
						default: false,
						description: 'Whether to keep the original input under "source" on Valid and Duplicate items',
					},
					{
						displayName: 'Default Phone Country',
						name: 'defaultCountry',
						type: 'string',
						default: 'US',
						description: 'ISO 3166 code used for phone numbers written without a +country prefix',
					},
					{
						displayName: 'Event Date',
						name: 'eventDate',
						type: 'string',
						default: '',
						description: 'Used when a row has no event date (e.g. a CSV for one event)',
					},
					{
						displayName: 'Event ID',
						name: 'eventId',
						type: 'string',
						default: '',
						description: 'Used when a row has no event ID',
					},
					{
						displayName: 'Event Name',
						name: 'eventName',
						type: 'string',
						default: '',
						description: 'Used when a row has no event name',
					},
					{
						displayName: 'History Size',
						name: 'historySize',
						type: 'number',
						default: 10000,
						typeOptions: { minValue: 1 },
						description: 'How many dedupe keys n8n remembers across executions; the oldest are forgotten first',
					},
					{
						displayName: 'Registration Source',
						name: 'registrationSource',
						type: 'string',
						default: '',
						placeholder: 'Luma API',
						description: 'Overrides the preset’s value (Luma API, CSV Upload, Webinar Platform, Manual Entry)',
					},
					{
						displayName: 'Remember Per',
						name: 'acrossRunsScope',
						type: 'options',
						default: 'node',
						options: [
							{ name: 'Node', value: 'node', description: 'Keys are private to this node' },
							{ name: 'Workflow', value: 'workflow', description: 'Keys are shared by nodes of this workflow' },
						],
					},
					{
						displayName: 'UTM Medium',
						name: 'utmMedium',
						type: 'string',
						default: '',
						description: 'Used when a row has none',
					},
					{
						displayName: 'UTM Source',
						name: 'utmSource',
						type: 'string',
						default: '',
						description: 'Used when a row has none',
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await dedupeAndNormalize.call(this);
	}
}
