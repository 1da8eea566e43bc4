/**
 * Airtable Registry (Event › Find or Create, Registration › Upsert / Update Sync Status), run by
 * n8n-core in-process over real HTTP (through the `airtable` package) against the Airtable emulator.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import {
	startAirtableEmulator,
	type AirtableEmulator,
	type RequestLogEntry,
	type StartAirtableEmulatorOptions,
} from '../emulators/airtable/server';
import {
	airtableCredentials,
	airtableWorkflow as workflow,
	type OnError,
} from '../harness/airtableRegistry';
import { runWorkflow } from '../harness/inProcess';

let emulator: AirtableEmulator;
afterEach(async () => {
	await emulator?.close();
	resetRateLimiters();
});

async function start(opts: StartAirtableEmulatorOptions = {}) {
	emulator = await startAirtableEmulator(opts);
	return emulator;
}

const credentials = (token = emulator.defaultToken) => ({
	airtableRegistryApi: airtableCredentials(emulator, token),
});

async function run(
	rows: IDataObject[],
	parameters: IDataObject,
	onError?: OnError,
	token?: string,
) {
	return await runWorkflow(workflow(parameters, onError), {
		startItems: rows.map((json) => ({ json })),
		credentials: credentials(token),
	});
}

const upsert = (options: IDataObject = {}) => ({
	resource: 'registration',
	operation: 'upsert',
	columns: { mappingMode: 'autoMapInputData', value: null },
	options,
});

const paired = (items: INodeExecutionData[]) =>
	items.map(
		(i) =>
			(Array.isArray(i.pairedItem) ? i.pairedItem[0] : (i.pairedItem as { item: number })).item,
	);

const registrant = (i: number, event = 'evt-a') => ({
	email: `Person${i}@Example.com `,
	first_name: `First${i}`,
	last_name: `Last${i}`,
	company: 'Acme',
	event_id: event,
	registration_source: 'Luma API',
});

const writes = (method: 'PATCH' | 'POST', table = 'Registrations') =>
	emulator.requests({ method, table } as Partial<RequestLogEntry>);
const status429 = () => emulator.requests({ status: 429 });

describe('Registration › Upsert', () => {
	it('creates in ceil(n/10) calls keyed by dedupe_key, then updates the same records', async () => {
		await start();
		const rows = Array.from({ length: 25 }, (_, i) => registrant(i));
		const first = await run(rows, upsert());
		expect(first.error).toBeUndefined();
		const [out] = first.outputs('Airtable');
		expect(out).toHaveLength(25);
		expect(paired(out)).toEqual(rows.map((_, i) => i));
		expect(out.map((o) => o.json.status)).toEqual(rows.map(() => 'created'));
		expect(writes('PATCH').map((r) => r.recordCount)).toEqual([10, 10, 5]);
		expect(writes('PATCH').every((r) => r.upsert === true && r.status === 200)).toBe(true);
		const stored = emulator.records('Registrations');
		expect(stored).toHaveLength(25);
		const r0 = stored.find((r) => r.id === out[0].json.airtable_id)!;
		// email|event, email lower-cased and trimmed; Luma's event_id is not a record link, so it is not mapped.
		expect(r0.fields).toMatchObject({
			dedupe_key: 'person0@example.com|evt-a',
			email: 'Person0@Example.com ',
			first_name: 'First0',
			registration_source: 'Luma API',
			sync_status: 'Pending',
		});
		expect(r0.fields).not.toHaveProperty('event_id');

		const again = rows.slice(0, 12).map((r) => ({ ...r, company: 'Renamed' }));
		const second = await run(again, upsert());
		const [out2] = second.outputs('Airtable');
		expect(out2.map((o) => o.json.status)).toEqual(again.map(() => 'updated'));
		expect(out2.map((o) => o.json.airtable_id)).toEqual(
			out.slice(0, 12).map((o) => o.json.airtable_id),
		);
		expect(emulator.records('Registrations')).toHaveLength(25);
		expect(
			emulator.records('Registrations').filter((r) => r.fields.company === 'Renamed'),
		).toHaveLength(12);
		expect(writes('PATCH')).toHaveLength(3 + 2);
	});

	it('links the registration to the event record and merges items with the same key into one write', async () => {
		await start();
		const [event] = emulator.seed('Events', [
			{ event_name: 'Demo', event_date: '2030-03-14T18:00:00Z' },
		]);
		const rows = [registrant(1), { ...registrant(1), job_title: 'CFO' }, registrant(2)];
		const result = await run(rows, { ...upsert(), eventRecordId: event.id });
		const [out] = result.outputs('Airtable');
		expect(out.map((o) => o.json.status)).toEqual(['created', 'created', 'created']);
		expect(out[0].json.airtable_id).toBe(out[1].json.airtable_id);
		expect(writes('PATCH').map((r) => r.recordCount)).toEqual([2]);
		const stored = emulator.records('Registrations');
		expect(stored).toHaveLength(2);
		const one = stored.find((r) => r.id === out[0].json.airtable_id)!;
		expect(one.fields).toMatchObject({ event_id: [event.id], job_title: 'CFO' });
		// Lookups from the linked event (computed by Airtable).
		expect(one.fields.utm_campaign).toEqual(['event_demo_2030-03-14']);
	});

	it('splits a batch Airtable rejects with 422: good rows land, each bad row gets its message and field', async () => {
		await start();
		const rows: IDataObject[] = Array.from({ length: 10 }, (_, i) => registrant(i));
		rows[3] = { ...rows[3], registration_date: 'not a date' };
		rows[7] = { ...rows[7], attendance_status: 'Maybe' };
		const result = await run(rows, upsert(), 'continueErrorOutput');
		expect(result.error).toBeUndefined();
		const [ok, failed] = result.outputs('Airtable');
		expect(ok).toHaveLength(8);
		expect(failed).toHaveLength(2);
		expect(paired(failed)).toEqual([3, 7]);
		expect(failed[0].json.error).toBe(
			'Airtable rejected this record (INVALID_VALUE_FOR_COLUMN): Cannot parse date value "not a date" for field registration_date',
		);
		expect(failed[0].json.details).toMatchObject({
			error_field: 'registration_date',
			status: 'error',
		});
		expect(failed[1].json.error).toContain('INVALID_MULTIPLE_CHOICE_OPTIONS');
		expect(failed[1].json.details).toMatchObject({ error_field: 'attendance_status' });
		expect(
			emulator
				.records('Registrations')
				.map((r) => r.fields.first_name)
				.sort(),
		).toEqual(['First0', 'First1', 'First2', 'First4', 'First5', 'First6', 'First8', 'First9']);
		// Every write accounted for: the first batch of 10 was refused, then halves down to the bad rows.
		expect(writes('PATCH')[0]).toMatchObject({ recordCount: 10, status: 422 });
	});

	it('with Typecast, Airtable adds the unknown select option instead of refusing the row', async () => {
		await start();
		const rows = [{ ...registrant(1), attendance_status: 'Maybe' }];
		const strict = await run(rows, upsert(), 'continueRegularOutput');
		expect(strict.outputs('Airtable')[0][0].json).toMatchObject({
			status: 'error',
			error_field: 'attendance_status',
		});
		const loose = await run(rows, upsert({ typecast: true }));
		expect(loose.outputs('Airtable')[0][0].json.status).toBe('created');
		expect(emulator.records('Registrations')[0].fields.attendance_status).toBe('Maybe');
	});

	it('fails the node without continue-on-fail, after the good rows landed', async () => {
		await start();
		const rows: IDataObject[] = [
			registrant(1),
			{ ...registrant(2), enriched_company_size: 'lots' },
		];
		const result = await run(rows, upsert());
		expect(result.error?.message).toBe(
			'1 of 2 items failed (1 written or found). First: item 1: Airtable rejected this record (INVALID_VALUE_FOR_COLUMN): Field "enriched_company_size" cannot accept the provided value',
		);
		expect(emulator.records('Registrations')).toHaveLength(1);
	});

	it('paces 60 records (6 calls) to 5 requests/s per base: no 429, the 6th call waits for the window', async () => {
		await start({ penaltyMs: 3000 });
		const rows = Array.from({ length: 60 }, (_, i) => registrant(i));
		const t0 = Date.now();
		const result = await run(rows, upsert({ rateLimitWaitMs: 3000 }));
		const elapsed = Date.now() - t0;
		expect(result.error).toBeUndefined();
		expect(result.outputs('Airtable')[0].every((o) => o.json.status === 'created')).toBe(true);
		expect(writes('PATCH')).toHaveLength(6);
		expect(status429()).toHaveLength(0);
		// 7 requests (schema read + 6 writes) at 5 per sliding second: the 6th starts ≥ 1 s after the first.
		const times = emulator.requests().map((r) => r.time);
		expect(times).toHaveLength(7);
		expect(times[5] - times[0]).toBeGreaterThanOrEqual(1000);
		expect(elapsed).toBeGreaterThanOrEqual(1000);
		for (let i = 5; i < times.length; i++)
			expect(times[i] - times[i - 5]).toBeGreaterThanOrEqual(1000);
	});

	it('a 429 pauses every request for the penalty, then the call is retried and succeeds', async () => {
		await start({ penaltyMs: 1500 });
		emulator.setFaults({ force429: 1 });
		const t0 = Date.now();
		const result = await run([registrant(1)], upsert({ rateLimitWaitMs: 1500 }));
		expect(result.error).toBeUndefined();
		expect(result.outputs('Airtable')[0][0].json.status).toBe('created');
		const log = emulator.requests();
		expect(log.map((r) => r.status)).toEqual([429, 200, 200]);
		// No request inside the penalty (which would have been another 429).
		expect(log[1].time - log[0].time).toBeGreaterThanOrEqual(1500);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
	});

	it('retries a 5xx with backoff', async () => {
		await start();
		emulator.setFaults({ force5xx: 2, status5xx: 503 });
		const result = await run([registrant(1)], upsert());
		expect(result.error).toBeUndefined();
		expect(emulator.requests().map((r) => r.status)).toEqual([503, 503, 200, 200]);
		expect(emulator.records('Registrations')).toHaveLength(1);
	});

	it('a base URL nobody answers: every item says so in words, after the tries, without the token', async () => {
		await start();
		const result = await runWorkflow(workflow(upsert(), 'continueRegularOutput'), {
			startItems: [{ json: registrant(1) }],
			credentials: {
				airtableRegistryApi: {
					...credentials().airtableRegistryApi,
					baseUrl: 'http://127.0.0.1:1',
				},
			},
		});
		const [item] = result.outputs('Airtable')[0];
		expect(item.json).toMatchObject({
			status: 'error',
			airtable_id: null,
			error:
				'Airtable could not be reached at http://127.0.0.1:1 (connection refused) after 3 tries',
		});
		expect(JSON.stringify(result.run.data)).not.toContain(emulator.defaultToken);
	});

	it('a revoked token stops the node, and with the error output every item carries the 401', async () => {
		await start();
		emulator.setFaults({ revokeToken: emulator.defaultToken });
		const result = await run([registrant(1), registrant(2)], upsert(), 'continueErrorOutput');
		const [ok, failed] = result.outputs('Airtable');
		expect(ok).toHaveLength(0);
		expect(failed.map((f) => f.json.error)).toEqual([
			'Airtable rejected the access token (401): token revoked or invalid',
			'Airtable rejected the access token (401): token revoked or invalid',
		]);
		expect(emulator.requests()).toHaveLength(1);
	});
});

describe('Event › Find or Create', () => {
	const findOrCreate = (extra: IDataObject = {}) => ({
		resource: 'event',
		operation: 'findOrCreate',
		...extra,
	});
	const lumaEvent = (id: string, name: string, date: string) => ({
		event_id: id,
		event_name: name,
		event_date: date,
	});

	it('finds by Luma event ID, by name and date (recording the Luma ID), creates the missing one; returns utm_campaign', async () => {
		await start();
		const [byId] = emulator.seed('Events', [
			{
				event_name: 'Founders Breakfast',
				event_date: '2030-01-10T15:00:00Z',
				luma_event_id: 'evt-1',
			},
		]);
		const [byName] = emulator.seed('Events', [
			{ event_name: 'Partner Mixer', event_date: '2030-02-01T23:30:00Z' },
		]);
		const rows = [
			lumaEvent('evt-1', 'Founders Breakfast (renamed in Luma)', '2030-01-10T15:00:00Z'),
			lumaEvent('evt-2', 'Partner Mixer', '2030-02-01T23:30:00.000Z'),
			lumaEvent('evt-3', 'CFO Roundtable: Banking Stack Optimization', '2025-12-15T18:00:00Z'),
			lumaEvent('evt-3', 'CFO Roundtable: Banking Stack Optimization', '2025-12-15T18:00:00Z'),
		];
		const result = await run(
			rows,
			findOrCreate({ additionalFields: { event_location: 'Virtual' } }),
		);
		expect(result.error).toBeUndefined();
		const [out] = result.outputs('Airtable');
		expect(out.map((o) => [o.json.status, o.json.airtable_id])).toEqual([
			['found', byId.id],
			['found', byName.id],
			['created', out[2].json.airtable_id],
			['created', out[2].json.airtable_id],
		]);
		expect(out[0].json.utm_campaign).toBe('event_founders-breakfast_2030-01-10');
		expect(out[1].json.utm_campaign).toBe('event_partner-mixer_2030-02-01');
		// The seed's formula: only spaces become dashes.
		expect(out[2].json.utm_campaign).toBe(
			'event_cfo-roundtable:-banking-stack-optimization_2025-12-15',
		);
		expect(emulator.records('Events').find((e) => e.id === byName.id)!.fields.luma_event_id).toBe(
			'evt-2',
		);
		const created = emulator.records('Events').find((e) => e.id === out[2].json.airtable_id)!;
		expect(created.fields).toMatchObject({
			event_name: 'CFO Roundtable: Banking Stack Optimization',
			event_date: '2025-12-15T18:00:00.000Z',
			event_type: 'Luma Event',
			event_tier: 'Tier 2 (Strategic)',
			host: 'Growth',
			utm_source: 'luma',
			utm_medium: 'event',
			event_location: 'Virtual',
			luma_event_id: 'evt-3',
			status: 'Planned',
			utm_campaign: out[2].json.utm_campaign,
		});
		expect(out[2].json.event).toMatchObject({
			id: created.id,
			utm_campaign: out[2].json.utm_campaign,
		});
		expect(emulator.records('Events')).toHaveLength(3);
		// evt-3 twice: looked up and created once.
		expect(writes('POST', 'Events')).toHaveLength(1);
	});

	it('reports an item without a usable date, naming the parameter', async () => {
		await start();
		const result = await run(
			[lumaEvent('evt-9', 'Broken', 'someday')],
			findOrCreate(),
			'continueRegularOutput',
		);
		expect(result.outputs('Airtable')[0][0].json).toMatchObject({
			status: 'error',
			error: `Field 'eventDate': "someday" is not a date`,
			error_field: 'eventDate',
		});
		expect(emulator.requests()).toHaveLength(0);
	});
});

describe('Registration › Update Sync Status', () => {
	it('writes sync_status, sync_error and hubspot_contact_id, 10 records per call; an unknown record ID is reported', async () => {
		await start();
		const seeded = emulator.seed(
			'Registrations',
			Array.from({ length: 12 }, (_, i) => ({
				email: `p${i}@example.com`,
				sync_error: 'old error',
			})),
		);
		const rows: IDataObject[] = seeded.map((r, i) => ({
			airtable_id: r.id,
			hubspot_id: String(1000 + i),
		}));
		rows.push({ airtable_id: 'recDoesNotExist01', hubspot_id: '5' });
		const result = await run(
			rows,
			{ resource: 'registration', operation: 'updateSyncStatus', syncStatus: 'Synced to HubSpot' },
			'continueRegularOutput',
		);
		const [out] = result.outputs('Airtable');
		expect(out).toHaveLength(13);
		expect(out.slice(0, 12).every((o) => o.json.status === 'updated')).toBe(true);
		expect(out[12].json).toMatchObject({ status: 'error', error_type: 'ROW_DOES_NOT_EXIST' });
		expect(String(out[12].json.error)).toContain('recDoesNotExist01');
		const stored = emulator.records('Registrations');
		for (const [i, r] of seeded.entries()) {
			const now = stored.find((s) => s.id === r.id)!;
			expect(now.fields.sync_status).toBe('Synced to HubSpot');
			expect(now.fields.hubspot_contact_id).toBe(1000 + i);
			expect(now.fields).not.toHaveProperty('sync_error');
		}
		const patches = writes('PATCH');
		expect(patches[0]).toMatchObject({ recordCount: 10, status: 200 });
		expect(patches[1]).toMatchObject({ recordCount: 3, status: 422 });
	});

	it('sets Error with the message', async () => {
		await start();
		const [rec] = emulator.seed('Registrations', [{ email: 'x@example.com' }]);
		const result = await run([{ airtable_id: rec.id, message: 'HubSpot said no' }], {
			resource: 'registration',
			operation: 'updateSyncStatus',
			syncStatus: 'Error',
			syncError: '={{ $json.message }}',
			hubspotContactId: '',
		});
		expect(result.outputs('Airtable')[0][0].json).toMatchObject({
			status: 'updated',
			sync_status: 'Error',
		});
		expect(emulator.records('Registrations')[0].fields).toMatchObject({
			sync_status: 'Error',
			sync_error: 'HubSpot said no',
		});
		expect(emulator.records('Registrations')[0].fields).not.toHaveProperty('hubspot_contact_id');
	});
});
