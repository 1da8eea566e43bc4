import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { coordinateWorkersProperties, redisCredential } from '../shared/redis/coordination';
import { CANONICAL_FIELDS, FIELD_LABELS, type MappableField } from './canonical';
import { DEFAULT_CLAIM_TIMEOUT_SECONDS, dedupeAndNormalize } from './execute';
import {
	clearMemory,
	confirmProcessed,
	DEFAULT_HISTORY_SIZE,
	DEFAULT_KEY_FIELD,
	releaseClaims,
} from './settle';

const canonicalOptions = CANONICAL_FIELDS.map((value) => ({ name: FIELD_LABELS[value], value }));
const mappableOptions = (Object.keys(FIELD_LABELS) as MappableField[])
	.map((value) => ({ name: FIELD_LABELS[value], value }))
	.sort((a, b) => a.name.localeCompare(b.name));

/** Version 2's steps that end a flow or clear memory: one output, items passed through. */
const SETTLE = ['confirm', 'release', 'clear'];
const onlyNormalize = { hide: { operation: SETTLE } };
const v1 = { show: { '@version': [1] } };
const v2 = { show: { '@version': [2] } };

const operations = {
	normalize: dedupeAndNormalize,
	confirm: confirmProcessed,
	release: releaseClaims,
	clear: clearMemory,
};

// Not an agent tool: three outputs, and it changes what later executions treat as new.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class DedupeNormalize implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dedupe & Normalize',
		name: 'dedupeNormalize',
		icon: { light: 'file:dedupeNormalize.svg', dark: 'file:dedupeNormalize.dark.svg' },
		group: ['transform'],
		version: [1, 2],
		defaultVersion: 2,
		subtitle:
			'={{ {"confirm": "Confirm Processed", "release": "Release", "clear": "Clear Memory"}[$parameter["operation"]] ?? $parameter["source"] }}',
		description:
			'Maps registrations to one canonical contact, normalizes email, names, phone and dates, and splits them into Valid, Duplicate and Invalid',
		defaults: { name: 'Dedupe & Normalize' },
		inputs: [NodeConnectionTypes.Main],
		// Confirm Processed and Release pass their items through one output.
		outputs: `={{ ${JSON.stringify(SETTLE)}.includes($parameter.operation) ? [{ type: "${NodeConnectionTypes.Main}" }] : ["Valid", "Duplicate", "Invalid"].map((displayName) => ({ type: "${NodeConnectionTypes.Main}", displayName })) }}`,
		credentials: [{ ...redisCredential }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'normalize',
				displayOptions: v2,
				options: [
					{
						name: 'Clear Memory',
						value: 'clear',
						action: 'Forget remembered registrations',
						description:
							'Forget registrations so their next delivery is new again: those on the input, or everything this workflow remembers',
					},
					{
						name: 'Confirm Processed',
						value: 'confirm',
						action: 'Confirm registrations were processed',
						description:
							'Place after the step where a row has landed: its registration now counts as processed, so later deliveries go to Duplicate',
					},
					{
						name: 'Normalize and Dedupe',
						value: 'normalize',
						action: 'Normalize and dedupe registrations',
						description: 'Split rows into Valid, Duplicate and Invalid',
					},
					{
						name: 'Release',
						value: 'release',
						action: 'Release registrations for a retry',
						description:
							'Place on failure branches: the registration does not count as processed, so its next delivery is tried again',
					},
				],
			},
			{
				displayName:
					'Valid rows count as processed only once they reach a Dedupe & Normalize node set to Confirm Processed, after the step where they land. Until then each is held for this execution, however long it runs: another delivery of the same registration waits for it. Put a node set to Release on failure branches so the next delivery tries again. If n8n stops mid-flow, the registration is free again within a minute; a flow that ends without Confirm Processed or Release holds it until Claim Timeout (Options).',
				name: 'claimNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { '@version': [2], operation: ['normalize'], acrossRuns: [true] } },
			},
			{
				displayName: 'Forget',
				name: 'clearMode',
				type: 'options',
				default: 'input',
				displayOptions: { show: { '@version': [2], operation: ['clear'] } },
				options: [
					{
						name: 'Registrations on the Input',
						value: 'input',
						description:
							'The registrations of the input items (connect a Dedupe & Normalize output), under this node’s Memory Key',
					},
					{
						name: 'Everything This Workflow Remembers',
						value: 'all',
						description:
							'Every registration this workflow’s Dedupe & Normalize nodes remember, whatever their Memory Key',
					},
				],
			},
			{
				displayName: 'Key Field',
				name: 'keyField',
				type: 'string',
				default: DEFAULT_KEY_FIELD,
				displayOptions: { show: { '@version': [2], operation: SETTLE }, hide: { clearMode: ['all'] } },
				description:
					'Field holding the key Dedupe & Normalize wrote to each Valid row. The nodes of this package keep it on their outputs.',
			},
			{
				displayName: 'History Size',
				name: 'historySize',
				type: 'number',
				default: DEFAULT_HISTORY_SIZE,
				typeOptions: { minValue: 1 },
				displayOptions: { show: { '@version': [2], operation: ['confirm', 'release'] } },
				description:
					'How many processed registrations n8n remembers for this workflow; the oldest are forgotten first. Use the same number in Confirm Processed and Release: Release records rows whose write may have been applied.',
			},
			{
				displayName: 'Source',
				name: 'source',
				displayOptions: onlyNormalize,
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
				displayOptions: onlyNormalize,
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
				displayOptions: onlyNormalize,
				type: 'multiOptions',
				default: ['email', 'event_id'],
				options: canonicalOptions,
				description: 'A row missing any of these goes to the Invalid output',
			},
			{
				displayName: 'Dedupe Key',
				name: 'dedupeKey',
				displayOptions: onlyNormalize,
				type: 'multiOptions',
				default: ['email', 'event_id'],
				options: canonicalOptions,
				description: 'Rows with the same normalized values in these fields are the same registration',
			},
			{
				displayName: 'Within This Run Keep',
				name: 'keep',
				displayOptions: onlyNormalize,
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
				displayOptions: onlyNormalize,
				type: 'boolean',
				default: true,
				description:
					'Whether to send rows already seen in an earlier execution to Duplicate. Uses n8n’s processed-data store, so it survives restarts and works in queue mode.',
			},
			{
				displayName: 'Memory Key',
				name: 'memoryKey',
				type: 'string',
				default: '',
				placeholder: 'e.g. backfill',
				displayOptions: {
					show: { '@version': [2] },
					hide: { acrossRuns: [false], clearMode: ['all'] },
				},
				description:
					'Keeps this flow’s memory apart from other flows in the same workflow: nodes with the same Memory Key (here, in Confirm Processed, Release and Clear Memory) share one memory. Leave empty for the workflow’s memory.',
			},
			{
				displayName:
					'Manual executions are remembered too: rows of a test run count as processed, and later executions send them to Duplicate. Turn this off while testing, or forget them afterwards with a node set to Clear Memory.',
				name: 'manualRunNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { acrossRuns: [true] }, hide: { operation: SETTLE } },
			},
			...coordinateWorkersProperties().map((property) => ({
				...property,
				description:
					'Whether executions on other n8n processes (queue-mode workers, webhook processes) wait for each other’s registrations through n8n’s Redis credential. Turn it on in every Dedupe & Normalize node of the workflow, or none. Leave off for a single n8n process.',
				displayOptions: { show: { '@version': [2] }, hide: { acrossRuns: [false] } },
			})),
			{
				displayName: 'Options',
				name: 'options',
				displayOptions: onlyNormalize,
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
						displayName: 'Claim Timeout (Seconds)',
						name: 'claimTimeout',
						type: 'number',
						default: DEFAULT_CLAIM_TIMEOUT_SECONDS,
						typeOptions: { minValue: 1 },
						displayOptions: v2,
						description:
							'The longest a registration can be held by a flow that never confirms or releases it (a step failed without an error branch, or the flow ended elsewhere). While the execution runs it keeps its registrations, up to this long; if n8n stops, they are free again within a minute. A delivery of a held registration waits at most this long.',
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
						displayOptions: v1,
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
						displayOptions: v1,
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
		const operation = this.getNodeParameter('operation', 0, 'normalize') as keyof typeof operations;
		return await operations[operation].call(this);
	}
}
