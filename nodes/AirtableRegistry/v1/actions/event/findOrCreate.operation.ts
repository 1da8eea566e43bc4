import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { KeyLocks } from '../../../../shared/locks';
import type { BatchOperation } from '../../../../shared/batch/routers';
import { ParameterReader } from '../../../../shared/parameters';
import { AttemptError } from '../../../../shared/transport/attempt';
import { chunk, mapWithConcurrency } from '../../../../shared/transport/batcher';
import { uniqueKeyPrefix } from '../../../../shared/transport/coalescer';
import type { WriteAnswer } from '../../helpers/batchWrite';
import { isRejection, rejectedRecord } from '../../helpers/batchWrite';
import { fieldRef, formulaString, defaultUtmCampaign, utcDay } from '../../helpers/formula';
import type { FieldNames } from '../../helpers/names';
import { checkChoices, fieldsInTable, lackingField } from '../../helpers/names';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import { combineWindowMs, sendCombined } from '../../helpers/combine';
import { ItemValues } from '../../helpers/inputFields';
import type { AirtableApi, AirtableRecord, TableSchema } from '../../transport';
import { RECORDS_PER_REQUEST } from '../../transport';
import {
	batchSettings,
	retryOptions,
	typecastOption,
	unknownChoiceRule,
} from '../common.descriptions';

const show = { resource: ['event'], operation: ['findOrCreate'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Luma Event ID',
		name: 'lumaEventId',
		type: 'string',
		default: '={{ $json.event_id }}',
		description:
			'Looked up in the Luma event ID field first. Leave empty to find the event by name and date only.',
		displayOptions: { show },
	},
	{
		displayName: 'Event Name',
		name: 'eventName',
		type: 'string',
		default: '={{ $json.event_name }}',
		required: true,
		description: 'Written to event_name; with the date, finds an event that has no Luma event ID',
		displayOptions: { show },
	},
	{
		displayName: 'Event Date',
		name: 'eventDate',
		type: 'string',
		default: '={{ $json.event_date }}',
		required: true,
		description:
			'Written to event_date (ISO 8601). Events match on the UTC day, as DATETIME_FORMAT does.',
		displayOptions: { show },
	},
	{
		displayName: 'Event Type',
		name: 'eventType',
		type: 'options',
		default: 'Luma Event',
		options: [
			{ name: 'Luma Event', value: 'Luma Event' },
			{ name: 'Partner Event', value: 'Partner Event' },
			{ name: 'Internal Roundtable', value: 'Internal Roundtable' },
			{ name: 'Webinar', value: 'Webinar' },
		],
		description: 'Written to event_type when the event is created',
		displayOptions: { show },
	},
	{
		displayName: 'Event Tier',
		name: 'eventTier',
		type: 'options',
		default: 'Tier 2 (Strategic)',
		options: [
			{ name: 'Tier 1 (Flagship)', value: 'Tier 1 (Flagship)' },
			{ name: 'Tier 2 (Strategic)', value: 'Tier 2 (Strategic)' },
			{ name: 'Tier 3 (Tactical)', value: 'Tier 3 (Tactical)' },
		],
		description: 'Written to event_tier when the event is created',
		displayOptions: { show },
	},
	{
		displayName: 'Host',
		name: 'host',
		type: 'options',
		default: 'Growth',
		options: [
			{ name: 'Growth', value: 'Growth' },
			{ name: 'Sales', value: 'Sales' },
			{ name: 'Partnerships', value: 'Partnerships' },
			{ name: 'Customer Success', value: 'Customer Success' },
		],
		description: 'Written to host when the event is created',
		displayOptions: { show },
	},
	{
		displayName: 'UTM Source',
		name: 'utmSource',
		type: 'options',
		default: 'luma',
		options: [
			{ name: 'Luma', value: 'luma' },
			{ name: 'Partner Stripe', value: 'partner_stripe' },
			{ name: 'Partner Mercury', value: 'partner_mercury' },
			{ name: 'Direct', value: 'direct' },
		],
		description: 'Written to utm_source when the event is created',
		displayOptions: { show },
	},
	{
		displayName: 'UTM Medium',
		name: 'utmMedium',
		type: 'options',
		default: 'event',
		options: [
			{ name: 'Event', value: 'event' },
			{ name: 'Webinar', value: 'webinar' },
			{ name: 'Roundtable', value: 'roundtable' },
			{ name: 'Partner Event', value: 'partner_event' },
		],
		description: 'Written to utm_medium when the event is created',
		displayOptions: { show },
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		description: 'More fields for a new event',
		displayOptions: { show },
		options: [
			{
				displayName: 'Event Location',
				name: 'event_location',
				type: 'string',
				default: '',
				description: 'Venue address or "Virtual"',
			},
			{
				displayName: 'Luma URL',
				name: 'luma_url',
				type: 'string',
				default: '',
			},
			{
				displayName: 'Requires Nurture',
				name: 'requires_nurture',
				type: 'boolean',
				default: true,
				description: 'Whether automated follow-up is enabled',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				default: 'Planned',
				options: [
					{ name: 'Planned', value: 'Planned' },
					{ name: 'Registration Open', value: 'Registration Open' },
					{ name: 'Completed', value: 'Completed' },
					{ name: 'Cancelled', value: 'Cancelled' },
				],
				description: 'Written to status when the event is created',
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
			{
				displayName: 'Luma Event ID Field',
				name: 'lumaEventIdField',
				type: 'string',
				default: 'luma_event_id',
				description:
					'Events text field that holds the Luma event ID (add it to the table if it has none)',
			},
			typecastOption,
			...retryOptions,
		],
	},
];

/** One event the items name; items naming the same event share it (looked up and created once). */
interface EventQuery {
	/** Its Luma event ID, else its name and day: items (and combined executions) with one key share it. */
	key: string;
	lumaEventId: string;
	name: string;
	day: string;
	date: string;
	itemIndexes: number[];
	/** The fields of the event, should it have to be created (the table's names). */
	create: JsonObject;
	/** Select values left out because they are none of the field's choices (version 2). */
	skipped: JsonObject;
	/** Fields left out because the table has none of that name (version 2). */
	missing: string[];
	/** A value is to be added as a new choice. */
	typecast: boolean;
}

interface Found {
	record: AirtableRecord;
	status: 'found' | 'created';
}

/** What every step needs: the API, the Events field holding the Luma event ID, Typecast, the locks. */
interface Events {
	api: AirtableApi;
	/** The Events table's names for the default ones (as they are in version 1). */
	names: FieldNames;
	lumaField: string;
	typecast: boolean;
	/** Per event, across workers when the node coordinates them through Redis. */
	locks: KeyLocks;
}

const lumaKey = (lumaEventId: string) => `luma:${lumaEventId}`;
const nameKey = (name: string, day: string) => `name:${name}|${day}`;

/** An event is looked up by its Luma event ID and by name and day: whoever creates it holds both. */
const lockKeys = (q: EventQuery) =>
	q.lumaEventId !== ''
		? [lumaKey(q.lumaEventId), nameKey(q.name, q.day)]
		: [nameKey(q.name, q.day)];

/** The events the items name; items without a name or a date are reported. */
function eventQueries(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	{ names, lumaField }: Pick<Events, 'names' | 'lumaField'>,
	schema: TableSchema | undefined,
	outcomes: RowOutcome[],
): EventQuery[] {
	const rule = unknownChoiceRule(ctx);
	const queries = new Map<string, EventQuery>();
	const parameters = new ParameterReader(ctx);
	const values = new ItemValues(ctx, items, parameters);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const get = (name: string) => String(parameters.get(name, itemIndex, '') ?? '').trim();
		const lumaEventId = values
			.text('lumaEventId', 'lumaEventIdInputField', 'event_id', itemIndex)
			.trim();
		const name = values.text('eventName', 'eventNameInputField', 'event_name', itemIndex).trim();
		const date = values.text('eventDate', 'eventDateInputField', 'event_date', itemIndex).trim();
		const day = utcDay(date);
		if (name === '' || day === undefined) {
			outcomes.push(
				failedItem(
					ctx,
					items,
					itemIndex,
					name === ''
						? "Field 'eventName': an event needs a name"
						: `Field 'eventDate': "${date}" is not a date`,
					{ field: name === '' ? 'eventName' : 'eventDate' },
				),
			);
			continue;
		}
		const key = lumaEventId !== '' ? lumaKey(lumaEventId) : nameKey(name, day);
		const existing = queries.get(key);
		if (existing !== undefined) {
			existing.itemIndexes.push(itemIndex);
			continue;
		}
		const additional = parameters.get<IDataObject>('additionalFields', itemIndex, {});
		const wanted: JsonObject = {
			event_name: name,
			event_date: new Date(
				Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date),
			).toISOString(),
			event_type: get('eventType'),
			event_tier: get('eventTier'),
			host: get('host'),
			utm_source: get('utmSource'),
			utm_medium: get('utmMedium'),
		};
		for (const [field, value] of Object.entries(additional)) {
			if (value !== '' && value !== undefined) wanted[field] = value as JsonObject[string];
		}
		let create: JsonObject = {};
		for (const [field, value] of Object.entries(wanted)) {
			// Version 2 leaves an empty select to the field's default; version 1 sends what it has.
			if (schema !== undefined && value === '') continue;
			create[names.name(field)] = value;
		}
		if (lumaEventId !== '') create[lumaField] = lumaEventId;
		let skipped: JsonObject = {};
		let missing: string[] = [];
		let typecast = false;
		if (schema !== undefined) {
			const always = [names.name('event_name'), names.name('event_date'), lumaField];
			({ fields: create, missing } = fieldsInTable(schema, create, always));
			const checked = checkChoices(schema, create, rule);
			if (checked.refused !== undefined) {
				outcomes.push(
					failedItem(ctx, items, itemIndex, checked.refused.message, {
						field: checked.refused.field,
					}),
				);
				continue;
			}
			({ fields: create, skipped, typecast } = checked);
		}
		queries.set(key, {
			key,
			lumaEventId,
			name,
			day,
			date,
			itemIndexes: [itemIndex],
			create,
			skipped,
			missing,
			typecast,
		});
	}
	return [...queries.values()];
}

/** The event by its Luma event ID, else by name and UTC day (recording the Luma event ID on it). */
async function findEvent(
	{ api, names, lumaField }: Events,
	q: EventQuery,
): Promise<AirtableRecord | undefined> {
	if (q.lumaEventId !== '') {
		const [hit] = await api.list(
			api.eventsTable,
			`${fieldRef(lumaField)} = ${formulaString(q.lumaEventId)}`,
			1,
		);
		if (hit !== undefined) return hit;
	}
	const [hit] = await api.list(
		api.eventsTable,
		`AND(${fieldRef(names.name('event_name'))} = ${formulaString(q.name)}, DATETIME_FORMAT(${fieldRef(names.name('event_date'))}, 'YYYY-MM-DD') = ${formulaString(q.day)})`,
		1,
	);
	if (hit === undefined || q.lumaEventId === '' || hit.fields[lumaField] !== undefined) return hit;
	// Entered by hand without the Luma event ID: record it, so the next lookup is one call.
	const answer = await api.request<WriteAnswer>({
		method: 'PATCH',
		path: api.tablePath(api.eventsTable),
		body: { records: [{ id: hit.id, fields: { [lumaField]: q.lumaEventId } }] },
	});
	return answer.records?.find((r) => r.id === hit.id) ?? hit;
}

/** True for the record made for `q`: the answer is tied to the event by key, not by position. */
function isEventOf(record: AirtableRecord, q: EventQuery, { names, lumaField }: Events): boolean {
	return q.lumaEventId !== ''
		? record.fields[lumaField] === q.lumaEventId
		: record.fields[names.name('event_name')] === q.name &&
				utcDay(record.fields[names.name('event_date')]) === q.day;
}

class UnconfirmedEvent extends Error {
	constructor() {
		super(
			"Airtable's answer did not include the new event: it may have been created, check the Events table",
		);
	}
}

/**
 * Creates the event, once. A create is not idempotent: when its outcome is unknown (timeout, 5xx,
 * lost connection) it is not sent again, the event is looked up instead and adopted if it was made.
 */
async function createEvent(events: Events, q: EventQuery): Promise<AirtableRecord> {
	const { api } = events;
	const typecast = events.typecast || q.typecast;
	let answer: WriteAnswer | undefined;
	let failure: unknown;
	try {
		answer = await api.request<WriteAnswer>({
			method: 'POST',
			path: api.tablePath(api.eventsTable),
			idempotent: false,
			body: { records: [{ fields: q.create }], ...(typecast ? { typecast: true } : {}) },
		});
	} catch (error) {
		failure = error;
	}
	if (answer === undefined) {
		const made =
			failure instanceof AttemptError && failure.uncertain ? await findEvent(events, q) : undefined;
		if (made !== undefined) return made;
		throw failure;
	}
	const record = answer.records?.find((r) => isEventOf(r, q, events));
	if (record === undefined) throw new UnconfirmedEvent();
	return record;
}

/** Find, else create, holding the event's keys so no other execution or worker creates it meanwhile. */
async function findOrCreateEvent(events: Events, q: EventQuery): Promise<Found> {
	return await events.locks.run(lockKeys(q), async () => {
		const found = await findEvent(events, q);
		if (found !== undefined) return { record: found, status: 'found' as const };
		return { record: await createEvent(events, q), status: 'created' as const };
	});
}

// ---- Combined with concurrent executions (Options › Combine With Concurrent Executions).

/** Distinct events per lookup: one OR formula, well within Airtable's URL length. */
const EVENTS_PER_LOOKUP = 10;
/** Records one combined lookup reads; an event not among them is then looked up alone. */
const LOOKUP_CAP = 100;

type Resolution = { ok: true; found: Found } | { ok: false; error: unknown };

interface EventRow {
	key: string;
	/** The execution that asked (its key prefix). */
	asker: string;
	query: EventQuery;
}

/** True for a record named as `q` on its UTC day (the exact name: Airtable's = is case-sensitive). */
function namedAs(record: AirtableRecord, q: EventQuery, { names }: Events): boolean {
	return (
		utcDay(record.fields[names.name('event_date')]) === q.day &&
		String(record.fields[names.name('event_name')] ?? '') === q.name
	);
}

const hasLumaId = (record: AirtableRecord, q: EventQuery, { lumaField }: Events) =>
	q.lumaEventId !== '' && String(record.fields[lumaField] ?? '') === q.lumaEventId;

/**
 * Every event of `queries` by its Luma event ID, else by name and UTC day, `EVENTS_PER_LOOKUP`
 * events per call (one OR formula); `byName` when only the name and day matched.
 */
async function lookUpAll(
	events: Events,
	queries: EventQuery[],
): Promise<Map<string, { record: AirtableRecord; byName: boolean }>> {
	const { api, names, lumaField } = events;
	const found = new Map<string, { record: AirtableRecord; byName: boolean }>();
	for (const part of chunk(queries, EVENTS_PER_LOOKUP)) {
		const terms = part.flatMap((q) => [
			...(q.lumaEventId !== '' ? [`${fieldRef(lumaField)} = ${formulaString(q.lumaEventId)}`] : []),
			`AND(${fieldRef(names.name('event_name'))} = ${formulaString(q.name)}, DATETIME_FORMAT(${fieldRef(names.name('event_date'))}, 'YYYY-MM-DD') = ${formulaString(q.day)})`,
		]);
		const formula = terms.length === 1 ? terms[0] : `OR(${terms.join(', ')})`;
		const records = await api.list(api.eventsTable, formula, LOOKUP_CAP);
		for (const q of part) {
			const byLuma = records.find((r) => hasLumaId(r, q, events));
			const byName = byLuma === undefined ? records.find((r) => namedAs(r, q, events)) : undefined;
			const record = byLuma ?? byName;
			if (record !== undefined) found.set(q.key, { record, byName: byLuma === undefined });
			// The answer may have been cut short: this event is looked up on its own.
			else if (records.length >= LOOKUP_CAP) {
				const alone = await findEvent(events, q);
				if (alone !== undefined) found.set(q.key, { record: alone, byName: false });
			}
		}
	}
	return found;
}

/** Records the Luma event ID on events found by name only (entered by hand), 10 per call. */
async function recordLumaIds(
	events: Events,
	queries: EventQuery[],
	found: Map<string, { record: AirtableRecord; byName: boolean }>,
	results: Map<string, Resolution>,
): Promise<void> {
	const { api, lumaField } = events;
	const patches = new Map<string, EventQuery>();
	for (const q of queries) {
		const hit = found.get(q.key);
		if (hit === undefined || !hit.byName || q.lumaEventId === '') continue;
		// Another event of this group took the record first: it is adopted as it is, as one at a time would.
		if (hit.record.fields[lumaField] !== undefined || patches.has(hit.record.id)) continue;
		patches.set(hit.record.id, q);
	}
	for (const part of chunk([...patches.entries()], RECORDS_PER_REQUEST)) {
		let answer: WriteAnswer | undefined;
		let failure: unknown;
		try {
			answer = await api.request<WriteAnswer>({
				method: 'PATCH',
				path: api.tablePath(api.eventsTable),
				body: {
					records: part.map(([id, q]) => ({ id, fields: { [lumaField]: q.lumaEventId } })),
				},
			});
		} catch (error) {
			failure = error;
		}
		if (answer === undefined) {
			// A bad token or base stops the group; another failure fails these events' items.
			if (api.isFatal(failure)) throw failure;
			for (const [, q] of part) results.set(q.key, { ok: false, error: failure });
			continue;
		}
		for (const [id, q] of part) {
			const record = answer.records?.find((r) => r.id === id);
			if (record !== undefined) found.set(q.key, { record, byName: true });
		}
	}
}

/**
 * The events of a combined group, holding every one's keys: one lookup for all of them, then each
 * missing event created once; an event created here serves the later ones that name it too.
 */
async function resolveLocked(
	events: Events,
	queries: EventQuery[],
): Promise<Map<string, Resolution>> {
	const results = new Map<string, Resolution>();
	const found = await lookUpAll(events, queries);
	await recordLumaIds(events, queries, found, results);
	const made: AirtableRecord[] = [];
	for (const q of queries) {
		if (results.has(q.key)) continue;
		const hit = found.get(q.key)?.record;
		const earlier =
			hit ?? made.find((r) => hasLumaId(r, q, events)) ?? made.find((r) => namedAs(r, q, events));
		if (earlier !== undefined) {
			results.set(q.key, { ok: true, found: { record: earlier, status: 'found' } });
			continue;
		}
		let failure: unknown;
		try {
			const record = await createEvent(events, q);
			made.push(record);
			results.set(q.key, { ok: true, found: { record, status: 'created' } });
		} catch (error) {
			failure = error;
		}
		if (failure === undefined) continue;
		if (events.api.isFatal(failure)) throw failure;
		results.set(q.key, { ok: false, error: failure });
	}
	return results;
}

/** The flush of a combined group: every row's event, or the failure that stopped the group. */
async function resolveGroup(events: Events, rows: EventRow[]): Promise<Map<string, Resolution>> {
	const distinct = new Map<string, EventQuery>();
	for (const { query } of rows) if (!distinct.has(query.key)) distinct.set(query.key, query);
	const queries = [...distinct.values()];
	let byQuery: Map<string, Resolution>;
	try {
		byQuery = await events.locks.run(
			queries.flatMap(lockKeys),
			async () => await resolveLocked(events, queries),
		);
	} catch (error) {
		byQuery = new Map(queries.map((q) => [q.key, { ok: false as const, error }]));
	}
	// The execution that asked first made a new event; the others found it, as one at a time would.
	const firstAsker = new Map<string, string>();
	const out = new Map<string, Resolution>();
	for (const row of rows) {
		const result = byQuery.get(row.query.key);
		if (result === undefined) continue;
		const first = firstAsker.get(row.query.key) ?? row.asker;
		firstAsker.set(row.query.key, first);
		out.set(
			row.key,
			result.ok && result.found.status === 'created' && row.asker !== first
				? { ok: true, found: { ...result.found, status: 'found' } }
				: result,
		);
	}
	return out;
}

/**
 * This execution's events, found or created with concurrent executions' in one group: executions
 * naming the same event get one answer from one lookup, and the event is created at most once.
 */
async function resolveWithOthers(
	ctx: IExecuteFunctions,
	events: Events,
	queries: EventQuery[],
	typecast: boolean,
): Promise<Resolution[]> {
	if (queries.length === 0) return [];
	const { api, names, lumaField } = events;
	const prefix = uniqueKeyPrefix();
	const rows: EventRow[] = queries.map((query, i) => ({
		key: `${prefix}${i}`,
		asker: prefix,
		query,
	}));
	const group = [
		'event',
		api.eventsTable,
		lumaField,
		names.name('event_name'),
		names.name('event_date'),
		typecast,
	];
	const byRow = await sendCombined(
		ctx,
		api,
		group,
		rows,
		EVENTS_PER_LOOKUP,
		async (sender, all) => await resolveGroup({ ...events, api: sender }, all),
	);
	return rows.map(
		(row): Resolution =>
			byRow.get(row.key) ?? {
				ok: false,
				error: new NodeOperationError(ctx.getNode(), 'No answer was produced for this event'),
			},
	);
}

function foundOutcome(
	items: INodeExecutionData[],
	itemIndex: number,
	q: EventQuery,
	found: Found,
	names: FieldNames,
): RowOutcome {
	const { record, status } = found;
	const computed = record.fields[names.name('utm_campaign')];
	return {
		itemIndex,
		json: {
			...items[itemIndex].json,
			airtable_id: record.id,
			status,
			// Airtable's formula value; computed here the same way if the field is missing or errored.
			utm_campaign:
				typeof computed === 'string'
					? computed
					: (defaultUtmCampaign(
							String(record.fields[names.name('event_name')] ?? q.name),
							record.fields[names.name('event_date')] ?? q.date,
						) ?? null),
			event: { id: record.id, createdTime: record.createdTime, ...record.fields } as IDataObject,
			...(status === 'created' && Object.keys(q.skipped).length > 0
				? { skipped_choices: q.skipped as IDataObject }
				: {}),
			...(status === 'created' && q.missing.length > 0 ? { skipped_fields: q.missing } : {}),
		},
	};
}

function failedOutcome(
	ctx: IExecuteFunctions,
	api: AirtableApi,
	items: INodeExecutionData[],
	itemIndex: number,
	q: EventQuery,
	error: unknown,
): RowOutcome {
	const cause = api.toNodeError(error, itemIndex);
	if (isRejection(error)) {
		const { message, field, type } = rejectedRecord(error, q.create, 'the event');
		return failedItem(ctx, items, itemIndex, message, { cause, field, type });
	}
	const notFound =
		error instanceof AttemptError && error.uncertain
			? '; it was not found when looked up again, so it was not sent twice'
			: '';
	return failedItem(ctx, items, itemIndex, `${cause.message}${notFound}`, { cause });
}

export const execute: BatchOperation<AirtableApi> = async function (items, api) {
	const settings = batchSettings(this);
	const schema = api.schemaAware ? await api.table(api.eventsTable) : undefined;
	const names = await api.names(api.eventsTable);
	// Version 2 picks the field under Field Names; the option is version 1's.
	const lumaName =
		names.chosen('luma_event_id') !== undefined
			? 'luma_event_id'
			: String(this.getNodeParameter('options.lumaEventIdField', 0, 'luma_event_id')).trim();
	const events: Events = {
		api,
		names,
		lumaField: names.name(lumaName),
		typecast: settings.typecast,
		locks: api.locks('event'),
	};
	const outcomes: RowOutcome[] = [];
	const queries = eventQueries(this, items, events, schema, outcomes);
	if (schema !== undefined) {
		// Version 2: a table without a field the lookup needs is named before anything is sent.
		const needed = ['event_name', 'event_date'];
		if (queries.some((q) => q.lumaEventId !== '')) needed.push(lumaName);
		const lacking = lackingField(schema, names, needed);
		if (lacking !== undefined) throw new NodeOperationError(this.getNode(), lacking);
	}
	const results: Resolution[] =
		combineWindowMs(this) > 0
			? await resolveWithOthers(this, events, queries, settings.typecast)
			: await mapWithConcurrency(queries, settings.concurrency, async (q) => {
					try {
						return { ok: true as const, found: await findOrCreateEvent(events, q) };
					} catch (error) {
						// A bad token or base: no event can be found, every item carries it.
						if (api.isFatal(error)) throw api.toNodeError(error);
						return { ok: false as const, error };
					}
				});
	for (const result of results)
		if (!result.ok && api.isFatal(result.error)) throw api.toNodeError(result.error);
	queries.forEach((q, i) => {
		const result = results[i];
		for (const itemIndex of q.itemIndexes)
			outcomes.push(
				result.ok
					? foundOutcome(items, itemIndex, q, result.found, names)
					: failedOutcome(this, api, items, itemIndex, q, result.error),
			);
	});
	return outcomes;
};
