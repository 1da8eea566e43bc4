/**
 * Airtable Registry version 2 (base and tables picked in the node, names and choices from the
 * base's schema), run by n8n-core in-process over real HTTP against the Airtable emulator, which
 * holds the default base and another team's base (otherBase.js) at once.
 */
import type {
	ICredentialTestFunctions,
	IDataObject,
	ILoadOptionsFunctions,
	INodeExecutionData,
} from 'n8n-workflow';

import { airtableRegistryApiTest } from '../../nodes/AirtableRegistry/v1/methods/credentialTest';
import { baseSearch, tableSearch } from '../../nodes/AirtableRegistry/v2/methods/listSearch';
import { fieldNameLookups } from '../../nodes/AirtableRegistry/v2/methods/fieldNames';
import {
	getEventTypes,
	getSyncStatuses,
	getUtmSources,
} from '../../nodes/AirtableRegistry/v2/methods/loadOptions';
import { getRegistrationColumns } from '../../nodes/AirtableRegistry/v2/methods/resourceMapping';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { OTHER_BASE_NAME, otherBaseSpec } from '../emulators/airtable/otherBase';
import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import {
	airtableCredentials,
	airtableWorkflow,
	pickedBase,
	tokenOnlyCredentials,
	type OnError,
} from '../harness/airtableRegistry';
import { createLoadOptionsContext, runWorkflow } from '../harness/inProcess';

let emulator: AirtableEmulator;
let other: { id: string };

beforeEach(async () => {
	emulator = await startAirtableEmulator();
	other = emulator.createBase(otherBaseSpec());
});
afterEach(async () => {
	await emulator?.close();
	resetRateLimiters();
});

const v2 = (parameters: IDataObject, baseId = other.id) => ({
	base: pickedBase(baseId),
	...parameters,
});

async function run(
	rows: IDataObject[],
	parameters: IDataObject,
	{ onError, typeVersion = 2, credentials = tokenOnlyCredentials(emulator) } = {} as {
		onError?: OnError;
		typeVersion?: number;
		credentials?: IDataObject;
	},
) {
	return await runWorkflow(airtableWorkflow(parameters, onError, typeVersion), {
		startItems: rows.map((json) => ({ json })),
		credentials: { airtableRegistryApi: credentials as never },
	});
}

const picker = (parameters: IDataObject): ILoadOptionsFunctions =>
	createLoadOptionsContext(airtableWorkflow(parameters, undefined, 2), 'Airtable', {
		credentials: { airtableRegistryApi: tokenOnlyCredentials(emulator) as never },
	});

const findOrCreate = (options: IDataObject = {}, extra: IDataObject = {}) => ({
	resource: 'event',
	operation: 'findOrCreate',
	eventType: 'Luma Event',
	eventTier: '',
	host: '',
	utmSource: 'luma',
	utmMedium: 'event',
	options,
	...extra,
});

const event = {
	event_id: 'evt-1',
	event_name: 'Founders Night',
	event_date: '2030-05-02T18:00:00Z',
};

const errorOutput = (items: INodeExecutionData[][]) => items[1] ?? [];

describe('base and table pickers (list search over the meta API)', () => {
	it('lists every base the token reaches, following the offset page by page, and filters by name', async () => {
		emulator.createBase({ ...otherBaseSpec(), name: 'Sales Pipeline' });
		emulator.setFaults({ basesPageSize: 2 });
		const ctx = picker({});
		const first = await baseSearch.call(ctx);
		expect(first.results.map((r) => r.name)).toEqual(['Event Registry', OTHER_BASE_NAME]);
		expect(first.paginationToken).toBe('itr2');
		const second = await baseSearch.call(ctx, undefined, first.paginationToken as string);
		expect(second.results.map((r) => r.name)).toEqual(['Sales Pipeline']);
		expect(second.paginationToken).toBeUndefined();
		expect(first.results[1]).toEqual({
			name: OTHER_BASE_NAME,
			value: other.id,
			url: `https://airtable.com/${other.id}`,
		});
		const filtered = await baseSearch.call(ctx, 'growth');
		expect(filtered.results.map((r) => r.value)).toEqual([other.id]);
		expect(emulator.requests({ path: '/v0/meta/bases' }).length).toBeGreaterThanOrEqual(2);
	});

	it("lists the picked base's tables, with their IDs", async () => {
		const result = await tableSearch.call(picker(v2({ resource: 'event' })));
		expect(result.results.map((r) => r.name)).toEqual(['events', 'registrations']);
		expect(result.results[0].value).toMatch(/^tbl[A-Za-z0-9]{14}$/);
		const defaults = await tableSearch.call(picker(v2({ resource: 'event' }, emulator.baseId)));
		expect(defaults.results.map((r) => r.name)).toEqual(['Events', 'Registrations']);
	});

	it("a base the token cannot reach is refused with Airtable's 403, named in the message", async () => {
		await expect(
			tableSearch.call(picker(v2({ resource: 'event' }, 'appNoAccess000000'))),
		).rejects.toThrow(/refused the request \(403\).*base appNoAccess000000/);
	});
});

describe('select values from the table (no fixed option lists)', () => {
	it("offers the picked table's own choices, and the default base's on the default base", async () => {
		const names = async (fn: typeof getEventTypes, baseId: string, resource = 'event') =>
			(await fn.call(picker(v2({ resource }, baseId)))).map((o) => o.value);
		expect(await names(getEventTypes, other.id)).toEqual(['', 'Meetup', 'Conference', 'Webinar']);
		expect(await names(getUtmSources, other.id)).toEqual(['', 'newsletter', 'LUMA']);
		expect(await names(getEventTypes, emulator.baseId)).toEqual([
			'',
			'Luma Event',
			'Partner Event',
			'Internal Roundtable',
			'Webinar',
		]);
		expect(await names(getSyncStatuses, other.id, 'registration')).toEqual([
			'',
			'pending',
			'synced to hubspot',
			'error',
		]);
	});
});

describe('field mapping (resource mapper from the table schema)', () => {
	it("lists the picked table's writable fields, the merge field under the table's own name required", async () => {
		const { fields } = await getRegistrationColumns.call(
			picker(v2({ resource: 'registration', operation: 'upsert', fieldsToMergeOn: 'dedupe_key' })),
		);
		expect(fields.map((f) => f.id)).toContain('First Name');
		expect(fields.find((f) => f.id === 'Dedupe Key')?.required).toBe(true);
		expect(fields.find((f) => f.id === 'Sync Status')?.options?.map((o) => o.value)).toEqual([
			'pending',
			'synced to hubspot',
			'error',
		]);
	});
});

describe('Event › Find or Create on another base', () => {
	it("writes under the base's field names, matches choices loosely and reports a value that is no choice", async () => {
		const result = await run([event], v2(findOrCreate()), { onError: 'continueErrorOutput' });
		expect(result.error).toBeUndefined();
		const outputs = result.outputs('Airtable');
		expect(outputs[0]).toHaveLength(0);
		const [failed] = errorOutput(outputs);
		expect(String(failed.json.error)).toBe(
			`Field 'Event Type': "Luma Event" is not one of its choices (Meetup, Conference, Webinar)`,
		);
		expect(emulator.records('events', other.id)).toHaveLength(0);
	});

	it('Leave the Field Empty: the event is created without it and the item says so', async () => {
		const result = await run(
			[event, { ...event }],
			v2(findOrCreate({ unknownChoice: 'leaveEmpty' })),
		);
		expect(result.error).toBeUndefined();
		const [out] = result.outputs('Airtable');
		expect(out.map((i) => i.json.status)).toEqual(['created', 'created']);
		expect(out[0].json.skipped_choices).toEqual({ 'Event Type': 'Luma Event' });
		expect(out[0].json.utm_campaign).toBe('evt-founders-night-2030-05-02');
		const records = emulator.records('events', other.id);
		expect(records).toHaveLength(1);
		expect(records[0].fields).toEqual(
			expect.objectContaining({
				'Event Name': 'Founders Night',
				'Event Date': '2030-05-02T18:00:00.000Z',
				'Luma Event ID': 'evt-1',
				'UTM Source': 'LUMA',
				'UTM Medium': 'Event',
			}),
		);
		expect(records[0].fields['Event Type']).toBeUndefined();
		// The default base is not touched.
		expect(emulator.records('Events')).toHaveLength(0);

		const again = await run([event], v2(findOrCreate({ unknownChoice: 'leaveEmpty' })));
		expect(again.json('Airtable')[0]).toEqual(
			expect.objectContaining({ status: 'found', airtable_id: records[0].id }),
		);
		expect(emulator.records('events', other.id)).toHaveLength(1);
	});

	it('Add It as a New Choice: sent with typecast, the field gains the choice', async () => {
		const result = await run([event], v2(findOrCreate({ unknownChoice: 'addChoice' })));
		expect(result.error).toBeUndefined();
		expect(emulator.records('events', other.id)[0].fields['Event Type']).toBe('Luma Event');
		const types = (await getEventTypes.call(picker(v2({ resource: 'event' })))).map((o) => o.value);
		expect(types).toContain('Luma Event');
	});

	it("by the table's ID (From List) it reaches the same table", async () => {
		const [events] = (await tableSearch.call(picker(v2({ resource: 'event' })))).results;
		const result = await run(
			[event],
			v2(
				findOrCreate(
					{ unknownChoice: 'leaveEmpty' },
					{ eventsTable: { __rl: true, mode: 'list', value: events.value } },
				),
			),
		);
		expect(result.error).toBeUndefined();
		expect(emulator.records('events', other.id)).toHaveLength(1);
	});
});

describe('a base that keeps fewer fields', () => {
	it('optional fields the base lacks are left out and named; the records still land', async () => {
		const minimal = emulator.createBase({
			name: 'Minimal',
			tables: [
				{
					name: 'Events',
					fields: [
						{ name: 'event_name', type: 'singleLineText' },
						{ name: 'event_date', type: 'date' },
						{ name: 'luma_event_id', type: 'singleLineText' },
					],
				},
				{
					name: 'Registrations',
					fields: [
						{ name: 'dedupe_key', type: 'singleLineText' },
						{ name: 'email', type: 'email' },
						{
							name: 'sync_status',
							type: 'singleSelect',
							options: { choices: ['Synced to HubSpot'] },
						},
					],
				},
			],
		});
		const created = await run([event], v2(findOrCreate(), minimal.id));
		expect(created.error).toBeUndefined();
		expect(created.json('Airtable')[0].skipped_fields).toEqual([
			'event_type',
			'utm_source',
			'utm_medium',
		]);
		expect(emulator.records('Events', minimal.id).map((r) => r.fields)).toEqual([
			{ event_name: 'Founders Night', event_date: '2030-05-02', luma_event_id: 'evt-1' },
		]);

		const upserted = await run(
			[{ email: 'a@example.com', event_id: 'evt-1', hubspot_id: '77' }],
			v2(
				{
					resource: 'registration',
					operation: 'upsert',
					fieldsToMergeOn: 'dedupe_key',
					eventRecordId: '',
					columns: { mappingMode: 'autoMapInputData', value: null },
					writeSyncStatus: true,
					syncStatus: 'Synced to HubSpot',
					syncError: '',
					hubspotContactId: '={{ $json.hubspot_id }}',
					options: {},
				},
				minimal.id,
			),
		);
		expect(upserted.error).toBeUndefined();
		expect(emulator.records('Registrations', minimal.id).map((r) => r.fields)).toEqual([
			{
				dedupe_key: 'a@example.com|evt-1',
				email: 'a@example.com',
				sync_status: 'Synced to HubSpot',
			},
		]);
	});
});

describe('Registration › Upsert and Update Sync Status on another base', () => {
	const registrant = (i: number) => ({
		email: `person${i}@example.com`,
		first_name: `First${i}`,
		last_name: `Last${i}`,
		event_id: 'evt-1',
		registration_source: 'Luma API',
	});
	const upsert = (eventRecordId: string, options: IDataObject = {}) =>
		v2({
			resource: 'registration',
			operation: 'upsert',
			fieldsToMergeOn: 'dedupe_key',
			eventRecordId,
			columns: { mappingMode: 'autoMapInputData', value: null },
			writeSyncStatus: true,
			syncStatus: 'Synced to HubSpot',
			syncError: '',
			hubspotContactId: '={{ $json.hubspot_id ?? "" }}',
			options,
		});

	it('auto-maps first_name to First Name, links the event, spells the sync status as the table does; a re-run updates', async () => {
		const created = await run([event], v2(findOrCreate({ unknownChoice: 'leaveEmpty' })));
		const eventId = String(created.json('Airtable')[0].airtable_id);
		const rows = [registrant(1), { ...registrant(2), hubspot_id: '901' }];
		const first = await run(rows, upsert(eventId, { unknownChoice: 'leaveEmpty' }));
		expect(first.error).toBeUndefined();
		const [out] = first.outputs('Airtable');
		expect(out.map((i) => i.json.status)).toEqual(['created', 'created']);
		expect(out[0].json.skipped_choices).toEqual({ 'Registration Source': 'Luma API' });
		const records = emulator.records('registrations', other.id);
		expect(records.map((r) => r.fields)).toEqual([
			{
				'Dedupe Key': 'person1@example.com|evt-1',
				'Event ID': [eventId],
				Email: 'person1@example.com',
				'First Name': 'First1',
				'Last Name': 'Last1',
				'Sync Status': 'synced to hubspot',
			},
			{
				'Dedupe Key': 'person2@example.com|evt-1',
				'Event ID': [eventId],
				Email: 'person2@example.com',
				'First Name': 'First2',
				'Last Name': 'Last2',
				'Sync Status': 'synced to hubspot',
				'HubSpot Contact ID': 901,
			},
		]);

		const second = await run(
			[{ ...registrant(1), last_name: 'Changed' }],
			upsert(eventId, { unknownChoice: 'leaveEmpty' }),
		);
		expect(second.json('Airtable')[0].status).toBe('updated');
		expect(emulator.records('registrations', other.id)).toHaveLength(2);
		expect(emulator.records('registrations', other.id)[0].fields['Last Name']).toBe('Changed');

		const marked = await run(
			[{ airtable_id: records[0].id }],
			v2({
				resource: 'registration',
				operation: 'updateSyncStatus',
				recordId: '={{ $json.airtable_id }}',
				syncStatus: 'Error',
				syncError: 'HubSpot said no',
				hubspotContactId: '',
				options: {},
			}),
		);
		expect(marked.error).toBeUndefined();
		expect(marked.json('Airtable')[0].sync_status).toBe('error');
		expect(emulator.records('registrations', other.id)[0].fields).toEqual(
			expect.objectContaining({ 'Sync Status': 'error', 'Sync Error': 'HubSpot said no' }),
		);
	});

	it('with the default rule, a value that is no choice reports the item and writes nothing for it', async () => {
		const result = await run([registrant(3)], upsert(''), { onError: 'continueErrorOutput' });
		const [failed] = errorOutput(result.outputs('Airtable'));
		expect(String(failed.json.error)).toMatch(
			/^Field 'Registration Source': "Luma API" is not one of its choices \(Luma, CSV\)$/,
		);
		expect(emulator.records('registrations', other.id)).toHaveLength(0);
	});
});

describe('a base that names the fields otherwise (Options › Field Names)', () => {
	const select = (name: string, choices: string[]) => ({
		name,
		type: 'singleSelect',
		options: { choices },
	});
	let webinars: { id: string };
	beforeEach(() => {
		webinars = emulator.createBase({
			name: 'Webinars',
			tables: [
				{
					name: 'Events',
					fields: [
						{ name: 'Webinar Title', type: 'singleLineText' },
						{ name: 'Held On', type: 'dateTime', options: { timeZone: 'utc' } },
						{ name: 'luma_event_id', type: 'singleLineText' },
						select('Kind', ['Webinar', 'Meetup']),
						{
							name: 'Campaign',
							type: 'formula',
							options: {
								formula:
									'"web-" & LOWER(SUBSTITUTE({Webinar Title}, " ", "-")) & "-" & DATETIME_FORMAT({Held On}, \'YYYY-MM-DD\')',
								isValid: true,
								result: { type: 'singleLineText' },
							},
						},
					],
				},
				{
					name: 'Registrations',
					fields: [
						{ name: 'Unique Key', type: 'singleLineText' },
						{ name: 'Webinar', type: 'multipleRecordLinks', options: { linkedTable: 'Events' } },
						{ name: 'email', type: 'email' },
						select('State', ['Synced to HubSpot', 'Error']),
						{ name: 'sync_error', type: 'multilineText' },
					],
				},
			],
		});
	});

	const eventNames = {
		event_name: 'Webinar Title',
		event_date: 'Held On',
		event_type: 'Kind',
		utm_campaign: 'Campaign',
	};
	const findEvent = (names: IDataObject | undefined, extra: IDataObject = {}) =>
		v2(
			findOrCreate(names === undefined ? {} : { fieldNames: { names } }, {
				eventType: 'Webinar',
				...extra,
			}),
			webinars.id,
		);
	const registrationNames = { dedupe_key: 'Unique Key', event_id: 'Webinar', sync_status: 'State' };
	const upsert = (names: IDataObject | undefined, eventRecordId = '') =>
		v2(
			{
				resource: 'registration',
				operation: 'upsert',
				fieldsToMergeOn: 'dedupe_key',
				eventRecordId,
				columns: { mappingMode: 'autoMapInputData', value: null },
				writeSyncStatus: true,
				syncStatus: 'synced to hubspot',
				syncError: '',
				hubspotContactId: '',
				options: names === undefined ? {} : { fieldNames: { names } },
			},
			webinars.id,
		);
	const writes = () => emulator.requests().filter((r) => r.method !== 'GET');
	const lookups = () =>
		emulator
			.requests({ method: 'GET' })
			.filter((r) => !r.path.startsWith('/v0/meta'))
			.map((r) => r.query.filterByFormula);

	it('Find or Create writes under the picked fields and finds by them: by name and date, then by Luma event ID', async () => {
		const byName = { event_name: 'Founders Night', event_date: '2030-05-02T18:00:00Z' };
		const created = await run([byName], findEvent(eventNames));
		expect(created.error).toBeUndefined();
		const [out] = created.json('Airtable');
		expect(out).toEqual(
			expect.objectContaining({
				status: 'created',
				// The picked formula field's value, not the default formula.
				utm_campaign: 'web-founders-night-2030-05-02',
				// Fields neither picked nor in the table are named; the picked ones are not.
				skipped_fields: ['utm_source', 'utm_medium'],
			}),
		);
		const records = emulator.records('Events', webinars.id);
		expect(records.map((r) => r.fields)).toEqual([
			{
				'Webinar Title': 'Founders Night',
				'Held On': '2030-05-02T18:00:00.000Z',
				Kind: 'Webinar',
				Campaign: 'web-founders-night-2030-05-02',
			},
		]);

		// Same name and day, now with a Luma event ID: found by the picked fields, the ID recorded on it.
		const found = await run([event], findEvent(eventNames));
		expect(found.error).toBeUndefined();
		expect(found.json('Airtable')[0]).toEqual(
			expect.objectContaining({ status: 'found', airtable_id: records[0].id }),
		);
		// A new name, the same Luma event ID: found by that ID.
		const renamed = await run([{ ...event, event_name: 'Renamed' }], findEvent(eventNames));
		expect(renamed.json('Airtable')[0]).toEqual(
			expect.objectContaining({ status: 'found', airtable_id: records[0].id }),
		);
		expect(emulator.records('Events', webinars.id)).toHaveLength(1);
		expect(emulator.records('Events', webinars.id)[0].fields.luma_event_id).toBe('evt-1');
		expect(lookups()).toEqual([
			`AND({Webinar Title} = "Founders Night", DATETIME_FORMAT({Held On}, 'YYYY-MM-DD') = "2030-05-02")`,
			'{luma_event_id} = "evt-1"',
			`AND({Webinar Title} = "Founders Night", DATETIME_FORMAT({Held On}, 'YYYY-MM-DD') = "2030-05-02")`,
			'{luma_event_id} = "evt-1"',
		]);
	});

	it('the editor offers the table fields for each field, and the picked select field’s choices', async () => {
		const ctx = (names?: IDataObject) =>
			picker(
				v2(
					{ resource: 'event', options: names === undefined ? {} : { fieldNames: { names } } },
					webinars.id,
				),
			);
		const eventName = await fieldNameLookups.fieldForEventName.call(ctx());
		expect(eventName.map((o) => [o.name, o.value])).toEqual([
			['By Name (No Such Field)', ''],
			['Webinar Title', 'Webinar Title'],
			['Held On', 'Held On'],
			['luma_event_id', 'luma_event_id'],
			['Kind', 'Kind'],
			['Campaign', 'Campaign'],
		]);
		const luma = await fieldNameLookups.fieldForLumaEventId.call(ctx());
		expect(luma[0]).toEqual(
			expect.objectContaining({ name: 'By Name (luma_event_id)', value: '' }),
		);
		// The event type's choices: none until its field is picked, then that field's.
		expect((await getEventTypes.call(ctx())).map((o) => o.value)).toEqual(['']);
		expect((await getEventTypes.call(ctx(eventNames))).map((o) => o.value)).toEqual([
			'',
			'Webinar',
			'Meetup',
		]);
		const { fields } = await getRegistrationColumns.call(
			picker(
				v2(
					{
						resource: 'registration',
						operation: 'upsert',
						fieldsToMergeOn: 'dedupe_key',
						options: { fieldNames: { names: registrationNames } },
					},
					webinars.id,
				),
			),
		);
		expect(fields.filter((f) => f.required).map((f) => f.id)).toEqual(['Unique Key']);
	});

	it('Upsert merges on the picked key field and links the picked link field; a re-run updates, with no duplicate', async () => {
		const created = await run([event], findEvent(eventNames));
		const eventId = String(created.json('Airtable')[0].airtable_id);
		const row = { email: 'a@example.com', event_id: 'evt-1' };
		const first = await run([row], upsert(registrationNames, eventId));
		expect(first.error).toBeUndefined();
		expect(first.json('Airtable')[0].status).toBe('created');
		const expected = {
			'Unique Key': 'a@example.com|evt-1',
			Webinar: [eventId],
			email: 'a@example.com',
			State: 'Synced to HubSpot',
		};
		expect(emulator.records('Registrations', webinars.id).map((r) => r.fields)).toEqual([expected]);

		const again = await run([row], upsert(registrationNames, eventId));
		expect(again.error).toBeUndefined();
		expect(again.json('Airtable')[0]).toEqual(
			expect.objectContaining({
				status: 'updated',
				airtable_id: first.json('Airtable')[0].airtable_id,
			}),
		);
		expect(emulator.records('Registrations', webinars.id).map((r) => r.fields)).toEqual([expected]);
		const upserts = emulator.requests({ method: 'PATCH', upsert: true });
		expect(upserts).toHaveLength(2);

		const marked = await run(
			[{ airtable_id: first.json('Airtable')[0].airtable_id }],
			v2(
				{
					resource: 'registration',
					operation: 'updateSyncStatus',
					recordId: '={{ $json.airtable_id }}',
					syncStatus: 'error',
					syncError: 'HubSpot said no',
					hubspotContactId: '',
					options: { fieldNames: { names: { sync_status: 'State' } } },
				},
				webinars.id,
			),
		);
		expect(marked.error).toBeUndefined();
		expect(marked.json('Airtable')[0].sync_status).toBe('Error');
		expect(emulator.records('Registrations', webinars.id)[0].fields).toEqual(
			expect.objectContaining({ State: 'Error', sync_error: 'HubSpot said no' }),
		);
	});

	it.each([
		[
			'Find or Create without the fields picked',
			() => findEvent(undefined),
			'The Events table has no field event_name (nor one spelled alike, ignoring case, spaces, _ and -): pick the field that holds event_name under Options › Field Names',
		],
		[
			'Find or Create with a picked field the table lacks',
			() => findEvent({ ...eventNames, event_date: 'Held' }),
			'The Events table has no field "Held", picked for event_date under Options › Field Names',
		],
		[
			'Upsert without the key field picked',
			() => upsert(undefined),
			'The Registrations table has no field dedupe_key (nor one spelled alike, ignoring case, spaces, _ and -): pick the field that holds dedupe_key under Options › Field Names',
		],
		[
			'Update Sync Status without the status field picked',
			() =>
				v2(
					{
						resource: 'registration',
						operation: 'updateSyncStatus',
						recordId: 'recAAAAAAAAAAAAAA',
						syncStatus: 'Error',
						syncError: '',
						hubspotContactId: '',
						options: {},
					},
					webinars.id,
				),
			'The Registrations table has no field sync_status (nor one spelled alike, ignoring case, spaces, _ and -): pick the field that holds sync_status under Options › Field Names',
		],
	])('%s: the node names the field and writes nothing', async (_label, parameters, message) => {
		const failed = await run([event], parameters());
		expect(failed.error?.message).toBe(message);
		expect(writes()).toEqual([]);
		expect(lookups()).toEqual([]);

		// Under "Continue (using error output)" every item is reported with it.
		const reported = await run([event, { ...event, event_id: 'evt-2' }], parameters(), {
			onError: 'continueErrorOutput',
		});
		const [landed, errors] = reported.outputs('Airtable');
		expect(landed).toEqual([]);
		expect(errors.map((i) => i.json.error)).toEqual([message, message]);
		expect(writes()).toEqual([]);
		expect(emulator.records('Events', webinars.id)).toEqual([]);
		expect(emulator.records('Registrations', webinars.id)).toEqual([]);
	});
});

describe('one credential, any base; version 1 unchanged', () => {
	it("a version 1 node writes to the credential's base while a version 2 node with the same credential writes to the picked one", async () => {
		const credentials = airtableCredentials(emulator);
		const v1Params = {
			resource: 'event',
			operation: 'findOrCreate',
			eventType: 'Luma Event',
			eventTier: 'Tier 2 (Strategic)',
			host: 'Growth',
			utmSource: 'luma',
			utmMedium: 'event',
			options: {},
		};
		const old = await run([event], v1Params, { typeVersion: 1, credentials });
		expect(old.error).toBeUndefined();
		expect(old.json('Airtable')[0].utm_campaign).toBe('event_founders-night_2030-05-02');
		expect(emulator.records('Events')[0].fields).toEqual(
			expect.objectContaining({ event_type: 'Luma Event', event_tier: 'Tier 2 (Strategic)' }),
		);
		// Version 1's find-or-create reads no schema: the same calls as before version 2 existed.
		expect(emulator.requests().filter((r) => r.path.startsWith('/v0/meta'))).toHaveLength(0);

		const picked = await run([event], v2(findOrCreate({ unknownChoice: 'leaveEmpty' })), {
			credentials,
		});
		expect(picked.error).toBeUndefined();
		expect(emulator.records('events', other.id)).toHaveLength(1);
		expect(emulator.records('Events')).toHaveLength(1);
	});
});

describe('ids that go into URLs, and the credential test', () => {
	it.each([
		// Expressions: the editor's own checks (the ID mode's pattern, Required) do not see their values.
		[
			'a base that is not an ID',
			{ base: { __rl: true, mode: 'id', value: '={{ "app../../x" }}' } },
			/Base "app\.\.\/\.\.\/x" is not a valid id/,
		],
		['no base', { base: { __rl: true, mode: 'id', value: '={{ "" }}' } }, /No base is selected/],
		[
			'a table name that steps out',
			{ eventsTable: { __rl: true, mode: 'name', value: '..' } },
			/Events Table "\.\." is not a table/,
		],
		[
			'a table name with a slash',
			{ eventsTable: { __rl: true, mode: 'name', value: 'a/b' } },
			/Events Table "a\/b" is not a valid id/,
		],
	])('%s fails the node before any request', async (_label, params, message) => {
		const result = await run([event], { ...v2(findOrCreate()), ...params });
		expect(String(result.error?.message)).toMatch(message);
		expect(emulator.requests()).toHaveLength(0);
	});

	// The test sends with fetch: its context's helpers are never used.
	const tester = {} as ICredentialTestFunctions;

	const credential = (data: IDataObject) =>
		({ id: '1', name: 'Airtable', type: 'airtableRegistryApi', data }) as never;

	it('refuses a plain-http base URL before the token is sent; reads the version 1 base, or lists bases for a token-only credential', async () => {
		const refused = await airtableRegistryApiTest.call(
			tester,
			credential({ ...tokenOnlyCredentials(emulator), baseUrl: 'http://127.0.0.2.nip.io' }),
		);
		expect(refused).toEqual({
			status: 'Error',
			message: 'Base URL must start with https:// (plain http is allowed for localhost only)',
		});
		expect(emulator.requests()).toHaveLength(0);

		const ok = await airtableRegistryApiTest.call(
			tester,
			credential(airtableCredentials(emulator)),
		);
		expect(ok.status).toBe('OK');
		expect(emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
			`GET /v0/${emulator.baseId}/Events`,
		]);

		const onlyToken = await airtableRegistryApiTest.call(
			tester,
			credential(tokenOnlyCredentials(emulator)),
		);
		expect(onlyToken.status).toBe('OK');
		expect(emulator.requests().map((r) => r.path)).toEqual([
			`/v0/${emulator.baseId}/Events`,
			'/v0/meta/bases',
		]);

		const bad = await airtableRegistryApiTest.call(
			tester,
			credential({ ...tokenOnlyCredentials(emulator), accessToken: 'patWrong' }),
		);
		expect(bad).toEqual({ status: 'Error', message: 'Airtable rejected the access token (401)' });
	});
});
