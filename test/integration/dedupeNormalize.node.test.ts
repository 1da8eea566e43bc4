/** Dedupe & Normalize executed by n8n-core in-process, and the shipped backfill workflow against the Luma emulator. */
import { readFileSync } from 'fs';
import { join } from 'path';
import type { IDataObject, IDataDeduplicator, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { DedupeNormalize } from '../../nodes/DedupeNormalize/DedupeNormalize.node';
import { startLumaEmulator, type LumaEmulator } from '../emulators/luma/server';
import { InMemoryProcessedDataStore, registerNodeType, runWorkflow, type WorkflowJson } from '../harness/inProcess';

registerNodeType('n8n-nodes-marketing-ops.dedupeNormalize', new DedupeNormalize());

let counter = 0;
function workflow(parameters: IDataObject, extra: Partial<WorkflowJson> = {}): WorkflowJson {
	return {
		id: extra.id ?? `wf-dedupe-${++counter}`,
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'dedupe-node',
				name: 'Dedupe',
				type: 'n8n-nodes-marketing-ops.dedupeNormalize',
				typeVersion: 1,
				position: [200, 0],
				parameters: parameters as INodeParameters,
			},
		],
		connections: { Start: { main: [[{ node: 'Dedupe', type: 'main', index: 0 }]] } },
	};
}

const csvParams = (extra: IDataObject = {}) => ({
	source: 'csv',
	requiredFields: ['email', 'event_id'],
	dedupeKey: ['email', 'event_id'],
	keep: 'first',
	acrossRuns: true,
	options: { eventId: 'EV-2025-042', eventName: 'CFO Roundtable', eventDate: '2025-12-15T18:00:00Z' },
	...extra,
});

const rows: IDataObject[] = [
	{ Email: 'Ann@Example.com', 'First Name': 'ann', 'Last Name': 'lee', Phone: '(415) 555-2671', 'Registered At': '12/01/2025' },
	{ Email: 'bad-email', 'First Name': 'x' },
	{ Email: 'ann@example.com ', 'First Name': 'Ann', 'Last Name': 'Lee', 'Registered At': '12/02/2025' },
	{ Email: 'bo@example.com', Name: 'bo mcintyre', 'Registered At': '2025-13-45' },
	{ Email: 'cy@example.com', Name: 'Cy Twombly', 'Registered At': '1764599520' },
];

const indexes = (items: INodeExecutionData[]) =>
	items.map((i) => (Array.isArray(i.pairedItem) ? i.pairedItem[0] : (i.pairedItem as { item: number })).item);

describe('Dedupe & Normalize in n8n-core', () => {
	it('sends every input item out of exactly one of Valid / Duplicate / Invalid, with paired items', async () => {
		const result = await runWorkflow(workflow(csvParams()), { startItems: rows.map((json) => ({ json })), processedDataStore: new InMemoryProcessedDataStore() });
		expect(result.error).toBeUndefined();
		const [valid, duplicate, invalid] = result.outputs('Dedupe');
		expect(indexes(valid)).toEqual([0, 4]);
		expect(indexes(duplicate)).toEqual([2]);
		expect(indexes(invalid).sort()).toEqual([1, 3]);
		expect([...indexes(valid), ...indexes(duplicate), ...indexes(invalid)].sort()).toEqual([0, 1, 2, 3, 4]);

		expect(valid[0].json).toMatchObject({
			email: 'ann@example.com', first_name: 'Ann', last_name: 'Lee', phone: '+14155552671',
			registration_date: '2025-12-01T00:00:00.000Z', event_id: 'EV-2025-042',
			utm_campaign: 'event_cfo-roundtable_2025-12-15', registration_source: 'CSV Upload',
		});
		expect(valid[1].json.registration_date).toBe('2025-12-01T14:32:00.000Z');
		expect(duplicate[0].json).toMatchObject({ email: 'ann@example.com', duplicate: { reason: 'repeated in this run', kept_item: 0 } });

		const byIndex = new Map(invalid.map((i) => [indexes([i])[0], i.json.errors]));
		expect(byIndex.get(1)).toEqual([{ field: 'email', value: 'bad-email', reason: expect.stringContaining('email') }]);
		expect(byIndex.get(3)).toEqual([{ field: 'registration_date', value: '2025-13-45', reason: expect.any(String) }]);
	});

	it('remembers keys across executions in the processed-data store (node scope)', async () => {
		const store = new InMemoryProcessedDataStore();
		const wf = workflow(csvParams());
		await runWorkflow(wf, { startItems: [{ json: rows[0] }], processedDataStore: store });
		const second = await runWorkflow(wf, { startItems: [{ json: rows[2] }, { json: rows[4] }], processedDataStore: store });
		const [valid, duplicate] = second.outputs('Dedupe');
		expect(valid.map((i) => i.json.email)).toEqual(['cy@example.com']);
		expect(duplicate.map((i) => [i.json.email, (i.json.duplicate as IDataObject).reason])).toEqual([['ann@example.com', 'seen in an earlier execution']]);
		expect(store.get(wf.id as string, 'node', 'dedupe-node')?.data).toHaveLength(2);
	});

	it('keeps at most History Size keys', async () => {
		const store = new InMemoryProcessedDataStore();
		const wf = workflow(csvParams({ options: { ...csvParams().options as IDataObject, historySize: 2 } }));
		await runWorkflow(wf, { startItems: [rows[0], rows[4], { Email: 'd@example.com' }].map((json) => ({ json })), processedDataStore: store });
		expect(store.get(wf.id as string, 'node', 'dedupe-node')?.data).toHaveLength(2);
		// The oldest key was forgotten, so Ann is new again.
		const again = await runWorkflow(wf, { startItems: [{ json: rows[0] }], processedDataStore: store });
		expect(again.outputs('Dedupe')[0].map((i) => i.json.email)).toEqual(['ann@example.com']);
	});

	it('keep Latest and Merged choose the survivor as documented', async () => {
		const latest = await runWorkflow(workflow(csvParams({ keep: 'latest', acrossRuns: false })), { startItems: [rows[0], rows[2]].map((json) => ({ json })) });
		expect(latest.outputs('Dedupe')[0].map((i) => i.json.registration_date)).toEqual(['2025-12-02T00:00:00.000Z']);
		const merged = await runWorkflow(workflow(csvParams({ keep: 'merge', acrossRuns: false })), {
			startItems: [{ json: { Email: 'm@example.com' } }, { json: { Email: 'M@example.com', Company: 'Acme' } }],
		});
		const [valid, duplicate] = merged.outputs('Dedupe');
		expect(valid[0].json.company).toBe('Acme');
		expect(valid[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expect(indexes(duplicate)).toEqual([1]);
	});

	it('a Custom mapping without Email is a clear configuration error', async () => {
		const result = await runWorkflow(
			workflow({ source: 'custom', fieldMapping: { mapping: [{ field: 'first_name', path: 'fn' }] }, requiredFields: ['email'], dedupeKey: ['email'], keep: 'first', acrossRuns: false, options: {} }),
			{ startItems: [{ json: { fn: 'A' } }] },
		);
		expect(result.error?.message).toBe("Custom mapping needs a source field for 'Email'");
	});

	it('when the processed-data store fails: an error, or with Continue On Fail every row on Invalid with the reason', async () => {
		const broken: IDataDeduplicator = {
			checkProcessedAndRecord: async () => { throw new Error('database is locked'); },
			removeProcessed: async () => undefined,
			clearAllProcessedItems: async () => undefined,
			getProcessedDataCount: async () => 0,
		};
		const failing = await runWorkflow(workflow(csvParams()), { startItems: [{ json: rows[0] }], processedDataStore: broken });
		expect(failing.error?.message).toBe("Could not read n8n's processed-data store: database is locked");

		const wf = workflow(csvParams());
		(wf.nodes[1] as IDataObject).continueOnFail = true;
		const kept = await runWorkflow(wf, { startItems: [{ json: rows[0] }, { json: rows[4] }], processedDataStore: broken });
		const [valid, , invalid] = kept.outputs('Dedupe');
		expect(valid).toHaveLength(0);
		expect(indexes(invalid)).toEqual([0, 1]);
		expect((invalid[0].json.errors as IDataObject[])[0]).toMatchObject({ field: 'dedupe_key', reason: expect.stringContaining('database is locked') });
	});
});

describe('shipped workflow luma-backfill.json in n8n-core, against the Luma emulator', () => {
	let luma: LumaEmulator;
	beforeAll(async () => {
		luma = await startLumaEmulator();
	});
	afterAll(async () => luma.close());

	it('pages through every event and guest, and dedupes across runs', async () => {
		const seeded = luma.seed({ events: 3, guestsPerEvent: 120 });
		const wf = JSON.parse(readFileSync(join(__dirname, '../../workflows/luma-backfill.json'), 'utf8')) as WorkflowJson;
		wf.nodes = wf.nodes.filter((n) => !n.type.endsWith('stickyNote') && n.name !== 'Every night');
		const store = new InMemoryProcessedDataStore();
		const credentials = { lumaApi: { apiKey: luma.defaultApiKey, baseUrl: luma.url } };

		const first = await runWorkflow(wf, { credentials, processedDataStore: store, startNode: 'Run now' });
		expect(first.error).toBeUndefined();
		const [valid, duplicate, invalid] = first.outputs('Dedupe & Normalize');
		expect(invalid.map((i) => i.json.errors)).toEqual([]);
		expect(valid).toHaveLength(360);
		expect(duplicate).toHaveLength(0);
		const event = seeded.events[1];
		const sample = valid.find((i) => i.json.event_id === event.id)!.json;
		expect(sample.event_name).toBe(event.name);
		expect(sample.event_date).toBe(new Date(event.start_at).toISOString());
		expect(luma.requests({ path: '/v1/events/guests/list' })).toHaveLength(6);

		// A nightly re-run finds nothing new.
		const second = await runWorkflow(wf, { credentials, processedDataStore: store, startNode: 'Run now' });
		expect(second.outputs('Dedupe & Normalize')[0]).toHaveLength(0);
		expect(second.outputs('Dedupe & Normalize')[1]).toHaveLength(360);
	});
});
