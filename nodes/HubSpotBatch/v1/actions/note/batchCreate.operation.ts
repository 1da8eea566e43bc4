import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { chunk } from '../../../../shared/transport/batcher';

import type { WriteRow } from '../../helpers/batchWrite';
import { writeHubSpotBatches } from '../../helpers/batchWrite';
import { readRecordId, RECORD_ID } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { createdItems, failedItem } from '../../helpers/outcome';
import { getPropertyDefinitions } from '../../helpers/properties';
import type { HubSpotApi } from '../../transport';
import { batchOptions, batchSettings } from '../common.descriptions';

const show = { resource: ['note'], operation: ['batchCreate'] };

const CATEGORIES = ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'];

/** HubSpot-defined note → record association types (HUBSPOT_DEFINED), by object name and type ID. */
export const NOTE_ASSOCIATION_TYPES: Record<string, number> = {
	contacts: 202,
	'0-1': 202,
	companies: 190,
	'0-2': 190,
	deals: 214,
	'0-3': 214,
	tickets: 228,
	'0-5': 228,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Note Body',
		name: 'noteBody',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		description: 'Text of the note (hs_note_body); HubSpot accepts simple HTML',
		displayOptions: { show },
	},
	{
		displayName: 'Timestamp',
		name: 'timestamp',
		type: 'dateTime',
		default: '={{ $now.toISO() }}',
		required: true,
		description:
			'When the note happened (hs_timestamp): an ISO 8601 date and time or epoch milliseconds. Defaults to now.',
		displayOptions: { show },
	},
	{
		displayName: 'Associations',
		name: 'associations',
		placeholder: 'Add Association',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		description:
			'Records the note is attached to, created together with the note. A note without associations is not shown on any record.',
		displayOptions: { show },
		options: [
			{
				displayName: 'Contact',
				name: 'contact',
				values: [
					{
						displayName: 'Contact ID',
						name: 'contactId',
						type: 'string',
						default: '={{ $json.hubspot_id }}',
						description:
							'HubSpot ID of the contact (association type 202, HubSpot defined). The default takes the hubspot_id an earlier HubSpot Batch step returned.',
					},
				],
			},
			{
				displayName: 'Other Record',
				name: 'record',
				values: [
					{
						displayName: 'Association Category',
						name: 'associationCategory',
						type: 'options',
						default: 'HUBSPOT_DEFINED',
						options: [
							{ name: 'HubSpot Defined', value: 'HUBSPOT_DEFINED' },
							{ name: 'Integrator Defined', value: 'INTEGRATOR_DEFINED' },
							{ name: 'User Defined', value: 'USER_DEFINED' },
						],
						description: 'Who defined the association type',
					},
					{
						displayName: 'Association Type ID',
						name: 'associationTypeId',
						type: 'number',
						default: 0,
						typeOptions: { minValue: 0 },
						description:
							"Leave 0 for HubSpot's note association to companies (190), deals (214), tickets (228) or contacts (202); required for other object types",
					},
					{
						displayName: 'Object Type Name or ID',
						name: 'objectType',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getObjectTypes' },
						default: '',
						description:
							'Object type of the record to attach the note to. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Record ID',
						name: 'recordId',
						type: 'string',
						default: '',
						description: 'HubSpot ID of the record to attach the note to',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			...batchOptions,
			<INodeProperties>{
				displayName: 'Owner ID',
				name: 'ownerId',
				type: 'string',
				default: '',
				description: 'HubSpot user (owner) ID to set as the note owner (hubspot_owner_id)',
			},
		].sort((a, b) => a.displayName.localeCompare(b.displayName)),
	},
];

interface InlineAssociation {
	to: { id: string };
	types: Array<{ associationCategory: string; associationTypeId: number }>;
}

export interface NoteInput {
	properties: Record<string, string>;
	associations: InlineAssociation[];
}

/** An ISO string, epoch milliseconds, a Date or a luxon DateTime as an ISO instant; undefined if none. */
function toInstant(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const toISO = (value as { toISO?: () => string | null }).toISO;
	if (typeof value === 'object' && typeof toISO === 'function') value = toISO.call(value);
	if (value instanceof Date) value = value.getTime();
	const text = String(value).trim();
	const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
	return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export class RowProblem extends Error {
	constructor(
		readonly field: string,
		reason: string,
	) {
		super(`Field '${field}': ${reason}`);
	}
}

function recordIdOf(field: string, value: unknown): string {
	const id = typeof value === 'object' && value !== null ? undefined : readRecordId(value);
	if (id === undefined) throw new RowProblem(field, 'missing; a HubSpot record ID is required');
	if (!RECORD_ID.test(id))
		throw new RowProblem(field, `"${id}" is not a HubSpot record ID (digits only)`);
	return id;
}

function noteInput(ctx: IExecuteFunctions, itemIndex: number): NoteInput {
	const body = String(ctx.getNodeParameter('noteBody', itemIndex, '') ?? '').trim();
	if (body === '') throw new RowProblem('noteBody', 'empty; a note needs a body (hs_note_body)');
	const rawTime = ctx.getNodeParameter('timestamp', itemIndex, '') as unknown;
	const timestamp = toInstant(rawTime);
	if (timestamp === undefined) {
		throw new RowProblem(
			'timestamp',
			`"${String(rawTime)}" is not a date and time (ISO 8601 or epoch milliseconds)`,
		);
	}
	const properties: Record<string, string> = { hs_note_body: body, hs_timestamp: timestamp };
	const owner = String(ctx.getNodeParameter('options.ownerId', itemIndex, '') ?? '').trim();
	if (owner !== '') {
		if (!RECORD_ID.test(owner)) {
			throw new RowProblem('ownerId', `"${owner}" is not a HubSpot owner ID (digits only)`);
		}
		properties.hubspot_owner_id = owner;
	}

	const associations: InlineAssociation[] = [];
	const contacts = ctx.getNodeParameter('associations.contact', itemIndex, []) as IDataObject[];
	for (const contact of contacts) {
		associations.push({
			to: { id: recordIdOf('contactId', contact.contactId) },
			types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }],
		});
	}
	const records = ctx.getNodeParameter('associations.record', itemIndex, []) as IDataObject[];
	for (const record of records) {
		const objectType = String(record.objectType ?? '').trim();
		if (objectType === '') {
			throw new RowProblem(
				'objectType',
				'missing; choose the object type of the record to attach to',
			);
		}
		const id = recordIdOf('recordId', record.recordId);
		const category = String(record.associationCategory ?? 'HUBSPOT_DEFINED');
		if (!CATEGORIES.includes(category)) {
			throw new RowProblem(
				'associationCategory',
				`"${category}" is not one of ${CATEGORIES.join(', ')}`,
			);
		}
		const given = Number(record.associationTypeId ?? 0);
		if (!Number.isInteger(given) || given < 0) {
			throw new RowProblem(
				'associationTypeId',
				`"${String(record.associationTypeId)}" is not a whole number`,
			);
		}
		const typeId = given > 0 ? given : NOTE_ASSOCIATION_TYPES[objectType];
		if (typeId === undefined) {
			throw new RowProblem(
				'associationTypeId',
				`required for object type ${objectType}: HubSpot has no default note association for it`,
			);
		}
		associations.push({
			to: { id },
			types: [
				{
					associationCategory: given > 0 ? category : 'HUBSPOT_DEFINED',
					associationTypeId: typeId,
				},
			],
		});
	}
	return { properties, associations };
}

/** The item's note, or the problem that keeps it from being sent (other errors propagate). */
export function checkedNoteInput(
	ctx: IExecuteFunctions,
	itemIndex: number,
): NoteInput | RowProblem {
	try {
		return noteInput(ctx, itemIndex);
	} catch (error) {
		if (error instanceof RowProblem) return error;
		throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	}
}

/** Creates the notes, 100 per call; shared with Queue › Flush. */
export async function sendNotes(
	api: HubSpotApi,
	rows: Array<WriteRow<NoteInput>>,
	settings: { batchSize: number; concurrency: number },
) {
	return await writeHubSpotBatches(api, rows, {
		batchSize: settings.batchSize,
		concurrency: settings.concurrency,
		send: async (batch) =>
			await api.request({
				method: 'POST',
				path: '/crm/v3/objects/notes/batch/create',
				body: {
					inputs: batch.map((row) => ({
						properties: row.input.properties,
						associations: row.input.associations,
						objectWriteTraceId: row.key,
					})),
				},
				// HubSpot does not dedupe notes: one that may have been created is never sent again.
				idempotent: false,
			}),
	});
}

/**
 * True when notes have `property` with unique values (`hasUniqueValue`): HubSpot then refuses a
 * second note with the same value, so notes keyed by it can be looked up and are never created twice.
 */
export async function hasUniqueNoteProperty(api: HubSpotApi, property: string): Promise<boolean> {
	const definition = (await getPropertyDefinitions(api, 'notes')).find((d) => d.name === property);
	return (definition as { hasUniqueValue?: boolean } | undefined)?.hasUniqueValue === true;
}

/**
 * The notes that carry these values of a unique note property (`POST /crm/v3/objects/notes/batch/read`
 * with `idProperty`, 100 per call), as value → note ID. Values no note has are left out.
 */
export async function findNotesByKey(
	api: HubSpotApi,
	property: string,
	keys: string[],
): Promise<Map<string, string>> {
	const found = new Map<string, string>();
	for (const batch of chunk(keys, 100)) {
		const response = await api.request<{ results?: JsonObject[] }>({
			method: 'POST',
			path: '/crm/v3/objects/notes/batch/read',
			body: { idProperty: property, properties: [property], inputs: batch.map((id) => ({ id })) },
		});
		// Matched by the key each note carries: HubSpot does not promise result order.
		for (const note of response.body.results ?? []) {
			const key = (note.properties as JsonObject | undefined)?.[property];
			if (typeof key === 'string' && note.id !== undefined) found.set(key, String(note.id));
		}
	}
	return found;
}

/**
 * Creates one note per item (`POST /crm/v3/objects/notes/batch/create`, 100 per call) with its
 * associations inline. Not idempotent: after a 5xx or a timeout a note is reported, never resent.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const settings = batchSettings(this);
	const outcomes: RowOutcome[] = [];
	const rows: Array<WriteRow<NoteInput>> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const input = checkedNoteInput(this, itemIndex);
		if (input instanceof RowProblem) {
			outcomes.push(failedItem(this, items, itemIndex, input.message, { field: input.field }));
			continue;
		}
		rows.push({ key: String(itemIndex), input });
	}

	const written = await sendNotes(api, rows, settings);
	const created = rows.map((row) => ({ key: row.key, itemIndex: Number(row.key) }));
	return [...outcomes, ...createdItems(this, items, created, written)];
}
