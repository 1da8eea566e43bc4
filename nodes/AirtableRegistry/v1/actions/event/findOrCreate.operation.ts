import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';

import { mapWithConcurrency } from '../../../../shared/transport/batcher';
import { blamedField } from '../../helpers/batchWrite';
import { fieldRef, formulaString, seedUtmCampaign, utcDay } from '../../helpers/formula';
import type { RowOutcome } from '../../helpers/outcome';
import { failedRow } from '../../helpers/outcome';
import type { AirtableApi, AirtableRecord } from '../../transport';
import { AirtableCallError } from '../../transport';
import { batchSettings, retryOptions, typecastOption } from '../common.descriptions';
import { ParameterReader } from '../../../../shared/parameters';

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
					'Events text field that holds the Luma event ID (not part of the seed schema; add it to the table)',
			},
			typecastOption,
			...retryOptions,
		],
	},
];

interface EventQuery {
	lumaEventId: string;
	name: string;
	day: string;
	date: string;
	itemIndexes: number[];
	create: JsonObject;
}

type Found = { record: AirtableRecord; status: 'found' | 'created' };

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: AirtableApi,
): Promise<RowOutcome[]> {
	const settings = batchSettings(this);
	const lumaField = String(
		this.getNodeParameter('options.lumaEventIdField', 0, 'luma_event_id'),
	).trim();
	const outcomes: RowOutcome[] = [];
	// Items naming the same event are looked up (and created) once.
	const queries = new Map<string, EventQuery>();
	const parameters = new ParameterReader(this);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const get = (name: string) => String(parameters.get(name, itemIndex, '') ?? '').trim();
		const lumaEventId = get('lumaEventId');
		const name = get('eventName');
		const date = get('eventDate');
		const day = utcDay(date);
		if (name === '' || day === undefined) {
			const field = name === '' ? 'eventName' : 'eventDate';
			outcomes.push(
				failedRow(
					this,
					items,
					itemIndex,
					name === ''
						? "Field 'eventName': an event needs a name"
						: `Field 'eventDate': "${date}" is not a date`,
					{ field },
				),
			);
			continue;
		}
		const key = lumaEventId !== '' ? `luma:${lumaEventId}` : `name:${name}|${day}`;
		const existing = queries.get(key);
		if (existing !== undefined) {
			existing.itemIndexes.push(itemIndex);
			continue;
		}
		const additional = parameters.get<IDataObject>('additionalFields', itemIndex, {});
		const create: JsonObject = {
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
			if (value !== '' && value !== undefined) create[field] = value as JsonObject[string];
		}
		if (lumaEventId !== '') create[lumaField] = lumaEventId;
		queries.set(key, { lumaEventId, name, day, date, itemIndexes: [itemIndex], create });
	}

	const table = api.tablePath(api.eventsTable);
	const byNameAndDay = (q: EventQuery) =>
		`AND(${fieldRef('event_name')} = ${formulaString(q.name)}, DATETIME_FORMAT(${fieldRef('event_date')}, 'YYYY-MM-DD') = ${formulaString(q.day)})`;

	const findOrCreate = async (q: EventQuery): Promise<Found> => {
		if (q.lumaEventId !== '') {
			const [hit] = await api.list(
				api.eventsTable,
				`${fieldRef(lumaField)} = ${formulaString(q.lumaEventId)}`,
				1,
			);
			if (hit !== undefined) return { record: hit, status: 'found' };
		}
		const [hit] = await api.list(api.eventsTable, byNameAndDay(q), 1);
		if (hit !== undefined) {
			if (q.lumaEventId === '' || hit.fields[lumaField] !== undefined)
				return { record: hit, status: 'found' };
			// Entered by hand without the Luma event ID: record it, so the next lookup is one call.
			const body = await api.request<{ records: AirtableRecord[] }>({
				method: 'PATCH',
				path: table,
				body: { records: [{ id: hit.id, fields: { [lumaField]: q.lumaEventId } }] },
			});
			return { record: body.records?.[0] ?? hit, status: 'found' };
		}
		const body = await api.request<{ records: AirtableRecord[] }>({
			method: 'POST',
			path: table,
			idempotent: false,
			body: { records: [{ fields: q.create }], ...(settings.typecast ? { typecast: true } : {}) },
		});
		return { record: body.records[0], status: 'created' };
	};

	const list = [...queries.values()];
	const results = await mapWithConcurrency(list, settings.concurrency, async (q) => {
		try {
			return { ok: true as const, found: await findOrCreate(q) };
		} catch (error) {
			if (error instanceof AirtableCallError && error.isFatal) throw api.toNodeError(error);
			return { ok: false as const, error };
		}
	});

	list.forEach((q, i) => {
		const result = results[i];
		for (const itemIndex of q.itemIndexes) {
			if (result.ok) {
				const { record, status } = result.found;
				const computed = record.fields.utm_campaign;
				outcomes.push({
					itemIndex,
					json: {
						...items[itemIndex].json,
						airtable_id: record.id,
						status,
						// Airtable's formula value; computed here the same way if the field is missing or errored.
						utm_campaign:
							typeof computed === 'string'
								? computed
								: (seedUtmCampaign(
										String(record.fields.event_name ?? q.name),
										record.fields.event_date ?? q.date,
									) ?? null),
						event: {
							id: record.id,
							createdTime: record.createdTime,
							...record.fields,
						} as IDataObject,
					},
				});
			} else {
				const nodeError = api.toNodeError(result.error, itemIndex);
				const e = result.error;
				const message =
					e instanceof AirtableCallError && e.status === 422
						? `Airtable rejected the event (${e.type}): ${e.serverMessage}`
						: nodeError.message;
				outcomes.push(
					failedRow(this, items, itemIndex, message, {
						cause: nodeError,
						type: e instanceof AirtableCallError ? e.type : undefined,
						field:
							e instanceof AirtableCallError && e.status === 422
								? blamedField(e.serverMessage, q.create)
								: undefined,
					}),
				);
			}
		}
	});
	return outcomes;
}
