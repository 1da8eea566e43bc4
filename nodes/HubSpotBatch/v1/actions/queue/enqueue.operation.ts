import { randomUUID } from 'node:crypto';

import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { OBJECT_TYPE, readObjectType, readRecordId, RECORD_ID } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import type { AssociationJob, NoteJob } from '../../helpers/queue';
import { DEFAULT_QUEUE_NAME, openQueues, rescope } from '../../helpers/queue';
import * as association from '../association/batchCreate.operation';
import * as note from '../note/batchCreate.operation';
import { asText, fillTemplate, readInputField, toInstant } from '../object/inputFields';

const show = { resource: ['queue'], operation: ['enqueue'] };

export const queueNameProperty = (operations: string[]): INodeProperties => ({
	displayName: 'Queue Name',
	name: 'queueName',
	type: 'string',
	default: DEFAULT_QUEUE_NAME,
	required: true,
	description:
		'Redis keys start with mkops:queue: followed by this name. Enqueue and Flush must use the same name.',
	displayOptions: { show: { resource: ['queue'], operation: operations } },
});

/** Parameters that take a value or an expression per item: hidden when the values come from input fields. */
const PER_ITEM_PARAMETERS = new Set(['fromId', 'toId', 'timestamp', 'associations']);

const fromParameters = (p: INodeProperties): INodeProperties =>
	PER_ITEM_PARAMETERS.has(p.name)
		? {
				...p,
				displayOptions: {
					...p.displayOptions,
					show: { ...(p.displayOptions?.show ?? {}), source: ['parameters'] },
				},
			}
		: p;

const inputFields = { ...show, source: ['inputFields'] };
const CATEGORIES = ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'];

export const description: INodeProperties[] = [
	{
		displayName:
			'Queued jobs are sent by Queue › Flush: publish the HubSpot queue flush workflow with the same Redis credential and queue name. Run the HubSpot setup workflow once first, so that each queued note is created only once.',
		name: 'flushNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	queueNameProperty(['enqueue']),
	{
		displayName: 'Job',
		name: 'kind',
		type: 'options',
		default: 'association',
		options: [
			{
				name: 'Association',
				value: 'association',
				description: 'A v4 association between two records',
			},
			{ name: 'Note', value: 'note', description: 'A timeline note with its associations' },
		],
		displayOptions: { show },
	},
	{
		displayName: 'Take Values From',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		default: 'parameters',
		options: [
			{
				name: 'Parameters',
				value: 'parameters',
				description: 'The fields below, each a fixed value or an expression per item',
			},
			{
				name: 'Input Fields by Name',
				value: 'inputFields',
				description:
					'Name the input fields that hold the record IDs; a note body fills {field} placeholders from the item. No expression is evaluated, which keeps a webhook flow fast.',
			},
		],
		displayOptions: { show },
	},
	...rescope(association.description, { ...show, kind: ['association'] }, (p) =>
		p.name === 'options' ? undefined : fromParameters(p),
	),
	{
		displayName: 'From ID Field',
		name: 'fromIdField',
		type: 'string',
		default: 'hubspot_id',
		required: true,
		placeholder: 'hubspot_id',
		description:
			'Input field holding the HubSpot ID of the record to associate from; a dot path reaches into objects. The default is the hubspot_id an earlier HubSpot Batch step returned.',
		displayOptions: { show: { ...inputFields, kind: ['association'] } },
	},
	{
		displayName: 'To ID Field',
		name: 'toIdField',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'contact_id',
		description:
			'Input field holding the HubSpot ID of the record to associate to; a dot path reaches into objects (body.contact_id)',
		displayOptions: { show: { ...inputFields, kind: ['association'] } },
	},
	{
		displayName: 'Also Associate With',
		name: 'moreTargets',
		placeholder: 'Add Record',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		description:
			"More records the same record is associated with (HubSpot's default, unlabelled association each), queued in the same Redis call. An item with a missing or malformed ID has none of its associations queued.",
		displayOptions: { show: { ...inputFields, kind: ['association'] } },
		options: [
			{
				displayName: 'Record',
				name: 'target',
				values: [
					{
						displayName: 'ID Field',
						name: 'idField',
						type: 'string',
						default: '',
						placeholder: 'exam_id',
						description: 'Input field holding the HubSpot ID of the record',
					},
					{
						displayName: 'Object Type Name or ID',
						name: 'objectType',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getObjectTypes' },
						default: '',
						description:
							'Object type of the record. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
				],
			},
		],
	},
	...rescope(note.description, { ...show, kind: ['note'] }, (p) =>
		p.name === 'options'
			? { ...p, options: (p.options ?? []).filter((o) => 'name' in o && o.name === 'ownerId') }
			: p.name === 'noteBody'
				? {
						...p,
						description:
							'Text of the note (hs_note_body); HubSpot accepts simple HTML. With Take Values From › Input Fields by Name, each {field} is replaced by that field of the item (a dot path reaches into objects); an item without a value for one is refused.',
					}
				: fromParameters(p),
	),
	{
		displayName: 'Timestamp Field',
		name: 'timestampField',
		type: 'string',
		default: '',
		placeholder: 'registered_at',
		description:
			'Input field holding when the note happened (ISO 8601 or epoch milliseconds). Empty: the time the job is queued.',
		displayOptions: { show: { ...inputFields, kind: ['note'] } },
	},
	{
		displayName: 'Contact ID Field',
		name: 'contactIdField',
		type: 'string',
		default: 'hubspot_id',
		placeholder: 'contact_id',
		description:
			'Input field holding the HubSpot ID of the contact the note is attached to (association type 202). Empty: none.',
		displayOptions: { show: { ...inputFields, kind: ['note'] } },
	},
	{
		displayName: 'Other Records',
		name: 'recordFields',
		placeholder: 'Add Record',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		description: 'Other records the note is attached to, each ID taken from an input field',
		displayOptions: { show: { ...inputFields, kind: ['note'] } },
		options: [
			{
				displayName: 'Record',
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
						displayName: 'ID Field',
						name: 'idField',
						type: 'string',
						default: '',
						placeholder: 'deal_id',
						description: 'Input field holding the HubSpot ID of the record',
					},
					{
						displayName: 'Object Type Name or ID',
						name: 'objectType',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getObjectTypes' },
						default: '',
						description:
							'Object type of the record. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
				],
			},
		],
	},
];

/** An ID read from an input field, checked; `field` names the input field in the error. */
function idFromField(
	json: IDataObject,
	field: string,
): { id: string } | { problem: { field: string; reason: string } } {
	const raw = readInputField(json, field);
	const id = typeof raw === 'object' && raw !== null ? undefined : readRecordId(raw);
	if (id === undefined)
		return { problem: { field, reason: 'missing; a HubSpot record ID is required' } };
	if (!RECORD_ID.test(id))
		return { problem: { field, reason: `"${id}" is not a HubSpot record ID (digits only)` } };
	return { id };
}

/** A labelled association's type, read like Association › Batch Create reads it. */
function labelledType(
	ctx: IExecuteFunctions,
	itemIndex: number,
): AssociationJob['types'][number] | { problem: { field: string; reason: string } } {
	const category = String(ctx.getNodeParameter('associationCategory', itemIndex, '') ?? '');
	const typeId = Number(
		ctx.getNodeParameter('associationTypeId', itemIndex, 0, { extractValue: true }),
	);
	if (!CATEGORIES.includes(category))
		return {
			problem: {
				field: 'associationCategory',
				reason: `"${category}" is not one of ${CATEGORIES.join(', ')}`,
			},
		};
	if (!Number.isInteger(typeId) || typeId < 1)
		return {
			problem: { field: 'associationTypeId', reason: `"${typeId}" is not a positive whole number` },
		};
	return { associationCategory: category, associationTypeId: typeId };
}

/** One item's associations from its input fields: the main pair, then Also Associate With. */
function associationsFromFields(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	target: { fromType: string; toType: string; mode: 'default' | 'labelled' },
): AssociationJob[] | { problem: { field: string; reason: string } } {
	const from = idFromField(item.json, String(ctx.getNodeParameter('fromIdField', itemIndex, '')));
	if ('problem' in from) return from;
	const to = idFromField(item.json, String(ctx.getNodeParameter('toIdField', itemIndex, '')));
	if ('problem' in to) return to;
	let types: AssociationJob['types'] = [];
	if (target.mode === 'labelled') {
		const type = labelledType(ctx, itemIndex);
		if ('problem' in type) return type;
		types = [type];
	}
	const jobs: AssociationJob[] = [{ ...target, from: from.id, to: to.id, types }];
	const more = ctx.getNodeParameter('moreTargets.target', itemIndex, []) as IDataObject[];
	for (const extra of more) {
		const toType = String(extra.objectType ?? '').trim();
		if (!OBJECT_TYPE.test(toType))
			return {
				problem: {
					field: 'moreTargets',
					reason: `"${toType}" is not a HubSpot object type name or ID (for example tickets or 2-12345)`,
				},
			};
		const id = idFromField(item.json, String(extra.idField ?? ''));
		if ('problem' in id) return id;
		jobs.push({
			fromType: target.fromType,
			toType,
			mode: 'default',
			from: from.id,
			to: id.id,
			types: [],
		});
	}
	return jobs;
}

/** One item's note from its input fields and the body template. */
function noteFromFields(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
): note.NoteInput | note.RowProblem {
	const template = String(ctx.getNodeParameter('noteBody', itemIndex, '') ?? '');
	if (template.trim() === '')
		return new note.RowProblem('noteBody', 'empty; a note needs a body (hs_note_body)');
	const body = fillTemplate(template, item.json);
	if ('missing' in body)
		return new note.RowProblem(
			body.missing,
			`missing; the note body's {${body.missing}} needs a value`,
		);
	const properties: Record<string, string> = { hs_note_body: asText(body.value)!.trim() };

	const timeField = String(ctx.getNodeParameter('timestampField', itemIndex, '') ?? '').trim();
	if (timeField === '') {
		properties.hs_timestamp = new Date().toISOString();
	} else {
		const raw = readInputField(item.json, timeField);
		const instant = toInstant(raw);
		if (instant === undefined)
			return new note.RowProblem(
				timeField,
				`"${String(raw ?? '')}" is not a date and time (ISO 8601 or epoch milliseconds)`,
			);
		properties.hs_timestamp = instant;
	}
	const owner = String(ctx.getNodeParameter('options.ownerId', itemIndex, '') ?? '').trim();
	if (owner !== '') {
		if (!RECORD_ID.test(owner))
			return new note.RowProblem('ownerId', `"${owner}" is not a HubSpot owner ID (digits only)`);
		properties.hubspot_owner_id = owner;
	}

	const associations: note.NoteInput['associations'] = [];
	const contactField = String(ctx.getNodeParameter('contactIdField', itemIndex, '') ?? '').trim();
	if (contactField !== '') {
		const contact = idFromField(item.json, contactField);
		if ('problem' in contact)
			return new note.RowProblem(contact.problem.field, contact.problem.reason);
		associations.push({
			to: { id: contact.id },
			types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }],
		});
	}
	const records = ctx.getNodeParameter('recordFields.record', itemIndex, []) as IDataObject[];
	for (const record of records) {
		const objectType = String(record.objectType ?? '').trim();
		if (objectType === '')
			return new note.RowProblem(
				'objectType',
				'missing; choose the object type of the record to attach to',
			);
		const found = idFromField(item.json, String(record.idField ?? ''));
		if ('problem' in found) return new note.RowProblem(found.problem.field, found.problem.reason);
		const category = String(record.associationCategory ?? 'HUBSPOT_DEFINED');
		if (!CATEGORIES.includes(category))
			return new note.RowProblem(
				'associationCategory',
				`"${category}" is not one of ${CATEGORIES.join(', ')}`,
			);
		const given = Number(record.associationTypeId ?? 0);
		if (!Number.isInteger(given) || given < 0)
			return new note.RowProblem(
				'associationTypeId',
				`"${String(record.associationTypeId)}" is not a whole number`,
			);
		const typeId = given > 0 ? given : note.NOTE_ASSOCIATION_TYPES[objectType];
		if (typeId === undefined)
			return new note.RowProblem(
				'associationTypeId',
				`required for object type ${objectType}: HubSpot has no default note association for it`,
			);
		associations.push({
			to: { id: found.id },
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

/**
 * Validates each item like the immediate operation would, stores the HubSpot input in Redis and
 * answers at once; Queue › Flush sends it later in batches.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<RowOutcome[]> {
	const kind = this.getNodeParameter('kind', 0) as 'association' | 'note';
	const fromFields = this.getNodeParameter('source', 0, 'parameters') === 'inputFields';
	const outcomes: RowOutcome[] = [];
	const accepted: Array<{ itemIndex: number; jobs: Array<AssociationJob | NoteJob> }> = [];

	if (kind === 'association') {
		const fromType = readObjectType(this, 'fromObjectType');
		const toType = readObjectType(this, 'toObjectType');
		const mode = this.getNodeParameter('associationType', 0, 'default') as string;
		if (mode !== 'default' && mode !== 'labelled') {
			throw new NodeOperationError(
				this.getNode(),
				`Field 'associationType': "${mode}" is not default or labelled`,
			);
		}
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			if (fromFields) {
				const jobs = associationsFromFields(this, items[itemIndex], itemIndex, {
					fromType,
					toType,
					mode,
				});
				if ('problem' in jobs) {
					const { field, reason } = jobs.problem;
					outcomes.push(
						failedItem(this, items, itemIndex, `Field '${field}': ${reason}`, { field }),
					);
				} else accepted.push({ itemIndex, jobs });
				continue;
			}
			const read = association.readPairInput(this, itemIndex, mode);
			if ('problem' in read) {
				const { field, reason } = read.problem;
				outcomes.push(failedItem(this, items, itemIndex, `Field '${field}': ${reason}`, { field }));
				continue;
			}
			const job: AssociationJob = {
				fromType,
				toType,
				mode,
				from: read.ids.fromId,
				to: read.ids.toId,
				types: read.type ? [read.type] : [],
			};
			accepted.push({ itemIndex, jobs: [job] });
		}
	} else {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const input = fromFields
				? noteFromFields(this, items[itemIndex], itemIndex)
				: note.checkedNoteInput(this, itemIndex);
			if (input instanceof note.RowProblem) {
				outcomes.push(failedItem(this, items, itemIndex, input.message, { field: input.field }));
				continue;
			}
			// A key per note, fixed now: every later try of this note carries the same one.
			accepted.push({ itemIndex, jobs: [{ ...input, key: randomUUID() }] });
		}
	}

	if (accepted.length === 0) return outcomes;
	const queues = await openQueues(this, { producer: true });
	try {
		const queue = kind === 'association' ? queues.associations : queues.notes;
		// One call for the whole run: an item's jobs are queued together, or none of them.
		const ids = await (queue as { enqueue(p: unknown[]): Promise<string[]> }).enqueue(
			accepted.flatMap((a) => a.jobs),
		);
		let next = 0;
		for (const { itemIndex, jobs } of accepted) {
			const queued = ids.slice(next, next + jobs.length);
			next += jobs.length;
			const json: IDataObject = { ...items[itemIndex].json, queued: kind, queue_id: queued[0] };
			if (jobs.length > 1) json.queue_ids = queued;
			outcomes.push({ itemIndex, json });
		}
	} finally {
		await queues.close();
	}
	return outcomes;
}
