/**
 * Airtable Registry's "Combine With Concurrent Executions": many executions of one registration
 * each (the Luma sync), run by n8n-core in-process at the same moment, over real HTTP against the
 * Airtable emulator (5 requests/s per base, 30 s penalty after a 429). Groups fill to 10 rows and
 * go at once; the window only closes a group that does not fill. Each execution answers for its
 * own rows only. Races are ordered by gates (the coalescer's waiting count), never by timing.
 */
import { WorkflowExecute } from 'n8n-core';
import type { IDataObject, INodeExecutionData, Workflow } from 'n8n-workflow';

import { forgetSharedSchemas } from '../../nodes/AirtableRegistry/v1/transport';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { waitingSubmitters } from '../../nodes/shared/transport/coalescer';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import {
	startAirtableEmulator,
	type AirtableEmulator,
	type RequestLogEntry,
} from '../emulators/airtable/server';
import { pickedBase, tokenOnlyCredentials } from '../harness/airtableRegistry';
import { runWorkflow, startThen, type NodeUnderTest } from '../harness/inProcess';
import { sleep } from '../harness/redis';

/** The runs in progress, by workflow id: `.cancel()` is what n8n's Stop calls. */
const running = new Map<string, { cancel(): void }>();
const processRun = WorkflowExecute.prototype.processRunExecutionData;
let emulator: AirtableEmulator;

beforeAll(() => {
	jest.spyOn(WorkflowExecute.prototype, 'processRunExecutionData').mockImplementation(function (
		this: WorkflowExecute,
		workflow: Workflow,
	) {
		const run = processRun.call(this, workflow);
		running.set(String(workflow.id), run);
		return run;
	});
});
afterAll(() => jest.restoreAllMocks());
beforeEach(async () => {
	emulator = await startAirtableEmulator();
});
afterEach(async () => {
	running.clear();
	await emulator.close();
	resetRateLimiters();
	forgetLearnedLimits();
	forgetSharedSchemas();
});

const LONG_WINDOW = 10000;

const table = (name: string) => ({ __rl: true, mode: 'name', value: name });

/** A version 2.1 node (Input › Fields by Name by default) on the emulator's base. */
const airtableNode = (
	id: string,
	name: string,
	parameters: IDataObject,
	onError: NodeUnderTest['onError'] = 'continueErrorOutput',
): NodeUnderTest => ({
	id: `${id}-${name.replace(/\W+/g, '-')}`,
	name,
	type: 'n8n-nodes-marketing-ops.airtableRegistry',
	typeVersion: 2.1,
	parameters: { base: pickedBase(emulator.baseId), ...parameters },
	credentials: { airtableRegistryApi: { id: '1', name: 'Airtable' } },
	onError,
});

const upsert = (options: IDataObject = {}, extra: IDataObject = {}) => ({
	resource: 'registration',
	operation: 'upsert',
	registrationsTable: table('Registrations'),
	fieldsToMergeOn: 'dedupe_key',
	columns: { mappingMode: 'autoMapInputData', value: null },
	options: { combineWithinMs: LONG_WINDOW, unknownChoice: 'leaveEmpty', ...options },
	...extra,
});

const updateSyncStatus = (options: IDataObject = {}) => ({
	resource: 'registration',
	operation: 'updateSyncStatus',
	registrationsTable: table('Registrations'),
	syncStatus: 'Synced to HubSpot',
	options: { combineWithinMs: LONG_WINDOW, unknownChoice: 'leaveEmpty', ...options },
});

const findOrCreate = (options: IDataObject = {}) => ({
	resource: 'event',
	operation: 'findOrCreate',
	eventsTable: table('Events'),
	eventType: 'Luma Event',
	eventTier: '',
	host: '',
	utmSource: 'luma',
	utmMedium: 'event',
	options: { combineWithinMs: LONG_WINDOW, unknownChoice: 'leaveEmpty', ...options },
});

/** One execution (one webhook call) of Start → `nodes`, with `rows` as its input. */
function execution(id: string, nodes: NodeUnderTest[], rows: IDataObject[]) {
	return runWorkflow(startThen(nodes, { id, startId: `${id}-start` }), {
		mode: 'webhook',
		startItems: rows.map((json) => ({ json })),
		credentials: { airtableRegistryApi: tokenOnlyCredentials(emulator) as never },
	});
}

/** `n` executions of one node at once, execution i with `row(i)`. */
const burst = (
	n: number,
	parameters: (i: number) => IDataObject,
	row: (i: number) => IDataObject,
) =>
	Promise.all(
		Array.from({ length: n }, (_, i) =>
			execution(`wf-${i}`, [airtableNode(`wf-${i}`, 'Airtable', parameters(i))], [row(i)]),
		),
	);

type Result = Awaited<ReturnType<typeof execution>>;
const main = (r: Result, node = 'Airtable'): INodeExecutionData[] => r.outputs(node)[0] ?? [];
const failed = (r: Result, node = 'Airtable'): INodeExecutionData[] => r.outputs(node)[1] ?? [];

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await sleep(10);
	}
}

const calls = (filter: Partial<RequestLogEntry>) =>
	emulator.requests(filter).filter((r) => r.status !== 0);
const upserts = () => calls({ method: 'PATCH', table: 'Registrations', upsert: true });
const metaReads = () => calls({ path: `/v0/meta/bases/${emulator.baseId}/tables` });
const tooMany = () => emulator.requests().filter((r) => r.status === 429);

const registration = (i: number, extra: IDataObject = {}) => ({
	email: `guest-${i}@example.com`,
	first_name: `Guest${i}`,
	event_id: 'evt-launch',
	...extra,
});
const byKey = () =>
	new Map(emulator.records('Registrations').map((r) => [String(r.fields.dedupe_key), r]));

describe('Registration › Upsert combined across executions', () => {
	it('25 concurrent executions: 3 calls of 10, 10 and 5; each execution gets its own record', async () => {
		const [event] = emulator.seed('Events', [
			{ event_name: 'Launch', event_date: '2030-05-02T18:00:00Z', luma_event_id: 'evt-launch' },
		]);
		const results = await burst(
			25,
			() => upsert(),
			(i) => registration(i, { airtable_id: event.id }),
		);

		expect(upserts().map((r) => r.recordCount)).toEqual([10, 10, 5]);
		// One schema read serves every execution (it counts in the base's 5 requests/s too).
		expect(metaReads()).toHaveLength(1);
		expect(tooMany()).toEqual([]);
		const records = byKey();
		expect(records.size).toBe(25);
		results.forEach((result, i) => {
			expect(result.error).toBeUndefined();
			const [item] = main(result);
			const record = records.get(`guest-${i}@example.com|evt-launch`)!;
			expect(item.json).toMatchObject({ email: `guest-${i}@example.com`, status: 'created' });
			expect(item.json.airtable_id).toBe(record.id);
			expect(record.fields.first_name).toBe(`Guest${i}`);
			// Event Record ID Input Field (airtable_id) set the link, with no expression.
			expect(record.fields.event_id).toEqual([event.id]);
		});
	});

	it('a row Airtable refuses fails only the execution it came from', async () => {
		const results = await burst(
			10,
			() => upsert(),
			(i) => registration(i, i === 3 ? { registration_date: 'not a date' } : {}),
		);

		// One combined call, refused as a whole for execution 3's row, then split down to it.
		expect(upserts()[0]).toMatchObject({ recordCount: 10, status: 422 });
		results.forEach((result, i) => {
			if (i === 3) {
				expect(main(result)).toEqual([]);
				expect(failed(result)[0].json).toMatchObject({
					email: 'guest-3@example.com',
					details: { airtable_id: null, error_field: 'registration_date' },
				});
				expect(String(failed(result)[0].json.error)).toMatch(/Cannot parse date value/);
			} else {
				expect(failed(result)).toEqual([]);
				expect(main(result)[0].json.airtable_id).toBe(
					byKey().get(`guest-${i}@example.com|evt-launch`)!.id,
				);
			}
		});
		expect(byKey().size).toBe(9);
		expect(byKey().has('guest-3@example.com|evt-launch')).toBe(false);
	});

	it('an execution stopped while its row waits sends nothing; the others’ rows still land', async () => {
		const options = { combineWithinMs: 1500 };
		const a = execution(
			'wf-a',
			[airtableNode('wf-a', 'Airtable', upsert(options))],
			[registration(1)],
		);
		await waitUntil(() => waitingSubmitters() === 1, 'A waits in the group');
		const b = execution(
			'wf-b',
			[airtableNode('wf-b', 'Airtable', upsert(options))],
			[registration(2)],
		);
		await waitUntil(() => waitingSubmitters() === 2, 'B joined the group');
		running.get('wf-a')!.cancel();
		// A leaves the group at once; B still waits for the window.
		await waitUntil(() => waitingSubmitters() === 1, 'A left the group');
		expect(upserts()).toEqual([]);
		const [stopped, other] = await Promise.all([a, b]);

		expect(stopped.status).toBe('canceled');
		expect(upserts().map((r) => r.recordCount)).toEqual([1]);
		expect(byKey().has('guest-1@example.com|evt-launch')).toBe(false);
		expect(main(other)[0].json.airtable_id).toBe(byKey().get('guest-2@example.com|evt-launch')!.id);
	});

	it('two executions with the same merge value: one record in the call, both get it', async () => {
		// Executions 0 and 5 register the same guest (Luma's guest.registered and guest.updated).
		const results = await burst(
			10,
			() => upsert(),
			(i) => (i === 5 ? registration(0, { company: 'Acme' }) : registration(i)),
		);

		// 9 records in the one call: Airtable would refuse two records matching one merge value.
		expect(upserts().map((r) => r.recordCount)).toEqual([9]);
		const record = byKey().get('guest-0@example.com|evt-launch')!;
		expect(main(results[0])[0].json.airtable_id).toBe(record.id);
		expect(main(results[5])[0].json.airtable_id).toBe(record.id);
		// Both executions' values are on the record, as two upserts in a row would leave it.
		expect(record.fields).toMatchObject({ first_name: 'Guest0', company: 'Acme' });
		expect(emulator.records('Registrations')).toHaveLength(9);
	});

	it('the same merge value with a value Airtable refuses: the other execution still lands', async () => {
		const results = await burst(
			10,
			() => upsert(),
			(i) => (i === 5 ? registration(0, { registration_date: 'not a date' }) : registration(i)),
		);

		// The merged record was refused; each execution's row was then sent alone.
		expect(failed(results[5])[0].json).toMatchObject({
			details: { error_field: 'registration_date' },
		});
		expect(failed(results[0])).toEqual([]);
		expect(main(results[0])[0].json.airtable_id).toBe(
			byKey().get('guest-0@example.com|evt-launch')!.id,
		);
		expect(emulator.records('Registrations')).toHaveLength(9);
		expect(byKey().get('guest-0@example.com|evt-launch')!.fields.registration_date).not.toBe(
			'not a date',
		);
	});

	it('a 429 on a combined call: it waits out the penalty and is sent again; each row lands once', async () => {
		// Another app spent the base's budget: the next request is refused and the base is closed 1 s.
		emulator.setFaults({ force429: 1, penaltyMs: 1000 });
		const results = await burst(
			10,
			() => upsert({ rateLimitWaitMs: 1000 }),
			(i) => registration(i),
		);

		expect(tooMany()).toHaveLength(1);
		for (const result of results) expect(result.error).toBeUndefined();
		expect(emulator.records('Registrations')).toHaveLength(10);
		// The refused call (the schema read or the upsert) was repeated once, never more.
		expect(emulator.requests().filter((r) => r.status === 200)).toHaveLength(2);
	});
});

describe('Registration › Update Sync Status combined across executions', () => {
	it('10 executions: one call; a record that does not exist fails only its own execution', async () => {
		const seeded = emulator.seed(
			'Registrations',
			Array.from({ length: 9 }, (_, i) => ({ dedupe_key: `k${i}`, sync_status: 'Pending' })),
		);
		const ids = [...seeded.map((r) => r.id), 'recDoesNotExist01'];
		const results = await burst(
			10,
			() => updateSyncStatus(),
			(i) => ({ airtable_id: ids[i], hubspot_id: String(1000 + i), error: '' }),
		);

		const updates = calls({ method: 'PATCH', table: 'Registrations' });
		expect(updates[0]).toMatchObject({ recordCount: 10, status: 422 });
		expect(failed(results[9])[0].json.error).toMatch(/ROW_DOES_NOT_EXIST/);
		for (let i = 0; i < 9; i++) {
			expect(main(results[i])[0].json).toMatchObject({ airtable_id: ids[i], status: 'updated' });
			const record = emulator.records('Registrations').find((r) => r.id === ids[i])!;
			expect(record.fields).toMatchObject({
				sync_status: 'Synced to HubSpot',
				hubspot_contact_id: 1000 + i,
			});
		}
	});
});

describe('Event › Find or Create combined across executions', () => {
	it('20 executions naming 2 new events: 2 lookups, 2 creates, one record per event', async () => {
		const events = [
			{ event_id: 'evt-a', event_name: 'Founders Night', event_date: '2030-05-02T18:00:00Z' },
			{ event_id: 'evt-b', event_name: 'CFO Roundtable', event_date: '2030-06-10T17:00:00Z' },
		];
		const results = await burst(
			20,
			() => findOrCreate(),
			(i) => ({ email: `guest-${i}@example.com`, ...events[i % 2] }),
		);

		expect(calls({ method: 'GET', table: 'Events' })).toHaveLength(2);
		expect(calls({ method: 'POST', table: 'Events' })).toHaveLength(2);
		const records = emulator.records('Events');
		expect(records.map((r) => r.fields.luma_event_id).sort()).toEqual(['evt-a', 'evt-b']);
		const statuses = results.map((r) => main(r)[0].json.status);
		// The execution whose row created an event says so; the others found it.
		expect(statuses.filter((s) => s === 'created')).toHaveLength(2);
		expect(statuses.filter((s) => s === 'found')).toHaveLength(18);
		results.forEach((result, i) => {
			const record = records.find((r) => r.fields.luma_event_id === events[i % 2].event_id)!;
			expect(main(result)[0].json).toMatchObject({
				email: `guest-${i}@example.com`,
				airtable_id: record.id,
				utm_campaign: record.fields.utm_campaign,
			});
		});
	});

	it('an event entered by hand (no Luma event ID) is found by name and day and given the ID once', async () => {
		const [typed] = emulator.seed('Events', [
			{ event_name: 'Founders Night', event_date: '2030-05-02T18:00:00Z' },
		]);
		const results = await burst(
			10,
			() => findOrCreate(),
			() => ({ event_id: 'evt-a', event_name: 'Founders Night', event_date: '2030-05-02' }),
		);

		expect(calls({ method: 'GET', table: 'Events' })).toHaveLength(1);
		expect(calls({ method: 'PATCH', table: 'Events' }).map((r) => r.recordCount)).toEqual([1]);
		expect(calls({ method: 'POST', table: 'Events' })).toEqual([]);
		expect(emulator.records('Events')).toEqual([
			expect.objectContaining({
				id: typed.id,
				fields: expect.objectContaining({ luma_event_id: 'evt-a' }),
			}),
		]);
		for (const result of results)
			expect(main(result)[0].json).toMatchObject({ airtable_id: typed.id, status: 'found' });
	});
});

describe('the Luma flow’s three Airtable steps, without one expression', () => {
	it('Find or Create → Upsert → Update Sync Status read the canonical contact by field name', async () => {
		const nodes = (id: string) => [
			airtableNode(id, 'Find or Create Event', findOrCreate()),
			airtableNode(id, 'Upsert Registration', upsert()),
			airtableNode(id, 'Mark Synced', updateSyncStatus()),
		];
		const contact = (i: number) => ({
			email: ` Guest-${i}@Example.com `,
			first_name: `Guest${i}`,
			event_id: 'evt-a',
			event_name: 'Founders Night',
			event_date: '2030-05-02T18:00:00Z',
			// What HubSpot Batch adds before Mark Synced (its nodes pass the input fields through).
			hubspot_id: String(500 + i),
		});
		const results = await Promise.all(
			Array.from({ length: 10 }, (_, i) => execution(`wf-${i}`, nodes(`wf-${i}`), [contact(i)])),
		);

		const [event] = emulator.records('Events');
		const registrations = byKey();
		results.forEach((result, i) => {
			expect(result.error).toBeUndefined();
			const record = registrations.get(`guest-${i}@example.com|evt-a`)!;
			expect(record.fields).toMatchObject({
				event_id: [event.id],
				sync_status: 'Synced to HubSpot',
				hubspot_contact_id: 500 + i,
			});
			expect(main(result, 'Mark Synced')[0].json.airtable_id).toBe(record.id);
		});
		// 1 schema read, 1 lookup, 1 create, 1 upsert of 10, 1 update of 10.
		expect(
			emulator
				.requests()
				.map((r) => `${r.method} ${r.table ?? 'meta'} ${r.recordCount ?? ''}`.trim()),
		).toEqual([
			'GET meta',
			'GET Events',
			'POST Events 1',
			'PATCH Registrations 10',
			'PATCH Registrations 10',
		]);
	});
});
