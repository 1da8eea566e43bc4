/** Dedupe & Normalize executed by n8n-core in-process, and the shipped backfill workflow against the Luma emulator. */
import { readFileSync } from 'fs';
import { join } from 'path';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IDataDeduplicator,
	IExecuteFunctions,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { DedupeNormalize } from '../../nodes/DedupeNormalize/DedupeNormalize.node';
import { claimTesting } from '../../nodes/DedupeNormalize/memory';
import { keyLocks } from '../../nodes/shared/locks';
import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { startLumaEmulator, type LumaEmulator } from '../emulators/luma/server';
import {
	InMemoryProcessedDataStore,
	RedisCredentialType,
	registerCredentialType,
	registerNodeType,
	runWorkflow,
	type RunWorkflowOptions,
	type RunWorkflowResult,
	startThen,
	type WorkflowJson,
} from '../harness/inProcess';
import { cleanupPrefix, ensureRedis, testRedis, testRedisCredentials } from '../harness/redis';

registerNodeType('n8n-nodes-marketing-ops.dedupeNormalize', new DedupeNormalize());

let counter = 0;
function workflow(parameters: IDataObject, extra: Partial<WorkflowJson> = {}): WorkflowJson {
	return startThen(
		{ id: 'dedupe-node', name: 'Dedupe', type: 'n8n-nodes-marketing-ops.dedupeNormalize', parameters },
		{ id: extra.id ?? `wf-dedupe-${++counter}` },
	);
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
		// The backfill remembers under its own Memory Key, apart from a live flow's memory.
		const remembered = (store.get(wf.id as string, 'workflow')?.data ?? []) as unknown[];
		expect(remembered).toHaveLength(360);
		expect(remembered.every((k) => String(k).startsWith('luma-backfill'))).toBe(true);

		// Its Forget step, connected to Run now once, makes every guest new again.
		const forget = 'Forget What the Backfill Remembers';
		const forgetRun = { ...wf, connections: { 'Run now': { main: [[{ node: forget, type: 'main', index: 0 }]] } } } as WorkflowJson;
		expect((await runWorkflow(forgetRun, { credentials, processedDataStore: store, startNode: 'Run now' })).error).toBeUndefined();
		const third = await runWorkflow(wf, { credentials, processedDataStore: store, startNode: 'Run now' });
		expect(third.outputs('Dedupe & Normalize')[0]).toHaveLength(360);
	});
});

// ---------------------------------------------------------------------------------------------
// Version 2: a key counts as processed only once a Confirm Processed node has seen its row land.

registerCredentialType(new RedisCredentialType());

/** A promise the test opens when it chooses. */
function gate() {
	let open!: () => void;
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { open, opened };
}

/** What the next executions' write step does, in the order they reach it. */
interface WriteStep {
	fail?: boolean;
	/** Held until the test opens it. */
	waitFor?: Promise<void>;
	/** Called once the step has been reached. */
	reached?: () => void;
}
const writes = { plan: [] as WriteStep[], landed: [] as string[] };

/** Stands for Airtable + HubSpot: lands each row (output 0), or fails it (output 1). */
class FakeWriter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Fake Writer',
		name: 'fakeWriter',
		group: ['output'],
		version: 1,
		description: 'test node',
		defaults: { name: 'Write' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const step = writes.plan.shift() ?? {};
		step.reached?.();
		await step.waitFor;
		const items = this.getInputData().map((item, i) => ({ json: item.json, pairedItem: { item: i } }));
		if (step.fail) return [[], items.map((item) => ({ ...item, json: { ...item.json, error: 'Airtable refused the row' } }))];
		writes.landed.push(...items.map((item) => String(item.json.email)));
		return [items, []];
	}
}
registerNodeType('test.fakeWriter', new FakeWriter());

const redisCredentials: RunWorkflowOptions['credentials'] = {
	redis: { ...testRedisCredentials() } as unknown as ICredentialDataDecryptedObject,
};

/** Start → Dedupe & Normalize (v2) → Write → Confirm Processed, and its failures → Release. */
function v2Flow(id: string, options: IDataObject = {}, coordinate = false, historySize = 100): WorkflowJson {
	const shared = coordinate
		? { credentials: { redis: { id: 'redis-1', name: 'Redis' } } }
		: {};
	const node = (name: string, parameters: IDataObject, x: number) => ({
		id: `node-${name.replace(/\W+/g, '-')}`,
		name,
		type: 'n8n-nodes-marketing-ops.dedupeNormalize',
		typeVersion: 2,
		position: [x, 0] as [number, number],
		parameters: { ...parameters, coordinateWorkers: coordinate } as INodeParameters,
		...shared,
	});
	return {
		id,
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			node('Dedupe', { ...csvParams(), options: { ...(csvParams().options as IDataObject), ...options } }, 200),
			{ id: 'write', name: 'Write', type: 'test.fakeWriter', typeVersion: 1, position: [400, 0], parameters: {} },
			node('Confirm', { operation: 'confirm', historySize }, 600),
			node('Release', { operation: 'release' }, 600),
		],
		connections: {
			Start: { main: [[{ node: 'Dedupe', type: 'main', index: 0 }]] },
			Dedupe: { main: [[{ node: 'Write', type: 'main', index: 0 }], [], []] },
			Write: {
				main: [[{ node: 'Confirm', type: 'main', index: 0 }], [{ node: 'Release', type: 'main', index: 0 }]],
			},
		},
	};
}

const ann = { Email: 'Ann@Example.com', 'First Name': 'ann' };
const annKey = 'ann@example.com\u001fev-2025-042';
/** A claim's lease in the tests that let it pass: several fit in a test, a busy machine renews in time. */
const SHORT_LEASE_MS = 4000;

/** Valid / Duplicate emails of one execution's Dedupe node. */
const split = (result: RunWorkflowResult) => {
	const [valid, duplicate] = result.outputs('Dedupe');
	return { valid: valid.map((i) => i.json.email), duplicate: duplicate.map((i) => i.json.email) };
};
/**
 * Starts `run` and resolves once its claim on Ann was refused because another execution holds it,
 * at a moment `when` accepts (the node reports each refusal through its test seam). Fails if the run
 * finishes first: it was not kept waiting. Resolves with the run's result still to come.
 */
async function seenWaiting(
	run: () => Promise<RunWorkflowResult>,
	when: () => boolean = () => true,
): Promise<{ result: Promise<RunWorkflowResult> }> {
	let listener!: (event: { keys: string[] }) => void;
	const refused = new Promise<void>((resolve) => {
		listener = (event) => {
			if (event.keys.includes(annKey) && when()) resolve();
		};
		claimTesting.events.on('refused', listener);
	});
	const result = run();
	try {
		await Promise.race([
			refused,
			result.then(() => {
				throw new Error('The delivery finished while another execution held the registration');
			}),
		]);
	} finally {
		claimTesting.events.off('refused', listener);
	}
	return { result };
}

/**
 * Two deliveries at once: the first is held at its write step, holding the claim, until the second's
 * claim was refused (and `until` agrees), then let go. Resolves with both executions.
 */
async function twoAtOnce(
	startFirst: () => Promise<RunWorkflowResult>,
	startSecond: () => Promise<RunWorkflowResult>,
	firstWrite: WriteStep = {},
	until?: (firstReachedAt: number) => () => boolean,
): Promise<RunWorkflowResult[]> {
	const hold = gate();
	const reached = gate();
	writes.plan = [{ ...firstWrite, waitFor: hold.opened, reached: reached.open }, {}];
	const first = startFirst();
	await reached.opened;
	// The first holds the claim from here: any refusal is the second's.
	const second = await seenWaiting(startSecond, until?.(Date.now()));
	hold.open();
	return await Promise.all([first, second.result]);
}

describe('Dedupe & Normalize version 2: processed only once the row has landed', () => {
	let store: InMemoryProcessedDataStore;
	let id: string;
	beforeEach(() => {
		store = new InMemoryProcessedDataStore();
		id = `wf-dedupe-v2-${process.pid}-${++counter}`;
		writes.plan = [];
		writes.landed = [];
	});
	afterEach(() => {
		// Nothing renews a claim past its test; the next test starts with the shipped lease.
		claimTesting.stopRenewing();
		claimTesting.leaseMs = 60_000;
	});
	const run = async (wf: WorkflowJson, json: IDataObject = ann, credentials?: RunWorkflowOptions['credentials']) =>
		await runWorkflow(wf, { startItems: [{ json }], processedDataStore: store, credentials });

	it('a registration whose write failed is not a Duplicate on its next delivery; once landed, it is', async () => {
		const wf = v2Flow(id);
		writes.plan = [{ fail: true }];
		const failed = await run(wf);
		expect(failed.error).toBeUndefined();
		expect(split(failed).valid).toEqual(['ann@example.com']);
		// Nothing was recorded for the failed row.
		expect(store.get(id, 'workflow')?.data ?? []).toEqual([]);

		const retried = await run(wf);
		expect(split(retried)).toEqual({ valid: ['ann@example.com'], duplicate: [] });
		expect(writes.landed).toEqual(['ann@example.com']);
		expect(failed.outputs('Release')[0].map((i) => i.json.error)).toEqual(['Airtable refused the row']);
		expect(store.get(id, 'workflow')?.data).toHaveLength(1);

		const again = await run(wf, { ...ann, Company: 'Acme' });
		expect(split(again)).toEqual({ valid: [], duplicate: ['ann@example.com'] });
		expect(writes.landed).toEqual(['ann@example.com']);
	});

	it('two deliveries at once: the second waits for the first, then is a Duplicate (one landing)', async () => {
		const wf = v2Flow(id);
		const [a, b] = await twoAtOnce(async () => await run(wf), async () => await run(wf));
		expect(split(a)).toEqual({ valid: ['ann@example.com'], duplicate: [] });
		expect(split(b)).toEqual({ valid: [], duplicate: ['ann@example.com'] });
		expect(writes.landed).toEqual(['ann@example.com']);
	});

	it('two deliveries at once, the first fails: the second takes over and lands (one landing)', async () => {
		const wf = v2Flow(id);
		const [a, b] = await twoAtOnce(async () => await run(wf), async () => await run(wf), { fail: true });
		expect(split(a).valid).toEqual(['ann@example.com']);
		expect(a.outputs('Release')[0]).toHaveLength(1);
		expect(split(b)).toEqual({ valid: ['ann@example.com'], duplicate: [] });
		expect(writes.landed).toEqual(['ann@example.com']);
	});

	it('a flow that ends without Confirm or Release holds the registration until Claim Timeout, then it is retried', async () => {
		const wf = v2Flow(id, { claimTimeout: 3 });
		// The first execution ends between the check and the write: it never confirms nor releases.
		const stopped = { ...wf, connections: { Start: wf.connections.Start } };
		const ended = await run(stopped);
		expect(split(ended).valid).toEqual(['ann@example.com']);
		const redelivery = await seenWaiting(async () => await run(wf));
		const redelivered = await redelivery.result;
		expect(split(redelivered)).toEqual({ valid: ['ann@example.com'], duplicate: [] });
		expect(writes.landed).toEqual(['ann@example.com']);
	});

	/**
	 * The first delivery is still writing two leases after it claimed the registration: its claim was
	 * renewed, so the second delivery is refused until then, and is a Duplicate once the first lands.
	 */
	const heldPastItsLease = async (coordinate: boolean) => {
		claimTesting.leaseMs = SHORT_LEASE_MS;
		const deliver = async () =>
			await run(v2Flow(id, {}, coordinate), ann, coordinate ? redisCredentials : undefined);
		const pastTwoLeases = (firstReachedAt: number) => () =>
			Date.now() >= firstReachedAt + 2 * SHORT_LEASE_MS;
		const [first, second] = await twoAtOnce(deliver, deliver, {}, pastTwoLeases);
		expect(split(first)).toEqual({ valid: ['ann@example.com'], duplicate: [] });
		expect(split(second)).toEqual({ valid: [], duplicate: ['ann@example.com'] });
		expect(writes.landed).toEqual(['ann@example.com']);
	};

	it('an execution still working past its lease keeps the registration: the second delivery waits, then is a Duplicate', async () => {
		await heldPastItsLease(false);
	}, 30_000);

	it('the check never pushes remembered keys out: History Size is applied by Confirm Processed', async () => {
		const wf = v2Flow(id, {}, false, 3);
		for (let n = 0; n < 3; n++) await run(wf, { Email: `p${n}@example.com` });
		expect(store.get(id, 'workflow')?.data).toHaveLength(3);
		writes.plan = [{ fail: true }];
		await run(wf, { Email: 'failed@example.com' });
		expect(store.get(id, 'workflow')?.data).toHaveLength(3);
		const again = await run(wf, { Email: 'p0@example.com' });
		expect(split(again).duplicate).toEqual(['p0@example.com']);
	});

	it('Confirm Processed without a dedupe key on the item says what to connect', async () => {
		const wf = v2Flow(id);
		wf.connections = { Start: { main: [[{ node: 'Confirm', type: 'main', index: 0 }]] } };
		const result = await run(wf, { email: 'x@example.com' });
		expect(result.error?.message).toBe('This item has no dedupe key to confirm');
	});

	it('version 1 keeps recording at the check; upgraded to version 2, the node still knows what it recorded', async () => {
		const wf = v2Flow(id);
		for (const n of wf.nodes) if (n.name === 'Dedupe') (n as { typeVersion: number }).typeVersion = 1;
		writes.plan = [{ fail: true }];
		await run(wf);
		const second = await run(wf);
		expect(split(second)).toEqual({ valid: [], duplicate: ['ann@example.com'] });

		const upgraded = await run(v2Flow(id), { ...ann, Company: 'Acme' });
		expect(split(upgraded)).toEqual({ valid: [], duplicate: ['ann@example.com'] });
		const bo = await run(v2Flow(id), { Email: 'bo@example.com' });
		expect(split(bo).valid).toEqual(['bo@example.com']);
		// The version 1 memory is only read, never grown.
		expect(store.get(id, 'node', 'node-Dedupe')?.data).toHaveLength(1);
	});

	describe('across workers, through Redis', () => {
		let otherWorker: ReturnType<typeof testRedis>;
		beforeAll(async () => {
			await ensureRedis();
			otherWorker = testRedis('dedupe-other-worker');
		});
		afterEach(async () => {
			await cleanupPrefix(otherWorker, `mkops:lock:{dedupe:${id}}`);
			await cleanupPrefix(otherWorker, `mkops:lock:{dedupe-store:${id}}`);
		});
		afterAll(async () => {
			await otherWorker.quit();
			await closeSharedRedis();
		});

		/** Another n8n worker, on its own Redis connection, in the middle of processing Ann. */
		const otherWorkerClaims = async () => {
			const claims = keyLocks(`dedupe:${id}`, otherWorker);
			expect(await claims.tryAcquire([annKey], 'execution:on-worker-2', 60_000)).toBe(true);
			return claims;
		};

		/** This worker's delivery of Ann, once it has been seen waiting for the other worker's claim. */
		const deliverWhileClaimed = async () =>
			await seenWaiting(async () => await run(v2Flow(id, {}, true), ann, redisCredentials));

		it('a registration another worker is processing: this worker waits, then finds it landed', async () => {
			const claims = await otherWorkerClaims();
			const mine = await deliverWhileClaimed();
			// The other worker's Confirm Processed: recorded in n8n's database, then released.
			await store.checkProcessedAndRecord([annKey], 'workflow', { workflow: { id } } as never, { mode: 'entries' });
			await claims.release([annKey], 'execution:on-worker-2');
			const result = await mine.result;
			expect(result.error).toBeUndefined();
			expect(split(result)).toEqual({ valid: [], duplicate: ['ann@example.com'] });
			expect(writes.landed).toEqual([]);
		});

		it('a registration another worker failed and released: this worker takes it and lands it', async () => {
			const claims = await otherWorkerClaims();
			const mine = await deliverWhileClaimed();
			await claims.release([annKey], 'execution:on-worker-2');
			const result = await mine.result;
			expect(split(result)).toEqual({ valid: ['ann@example.com'], duplicate: [] });
			expect(writes.landed).toEqual(['ann@example.com']);
			// Confirmed and released: the claim is gone from Redis, the key is in n8n's store.
			expect(await claims.tryAcquire([annKey], 'execution:on-worker-2', 1000)).toBe(true);
			expect(store.get(id, 'workflow')?.data).toHaveLength(1);
		});

		it('two executions through Redis at once: exactly one Valid and one landing', async () => {
			const deliver = async () => await run(v2Flow(id, {}, true), ann, redisCredentials);
			const results = await twoAtOnce(deliver, deliver);
			expect(results.flatMap((r) => split(r).valid)).toEqual(['ann@example.com']);
			expect(results.flatMap((r) => split(r).duplicate)).toEqual(['ann@example.com']);
			expect(writes.landed).toEqual(['ann@example.com']);
		});

		it('an execution still working past its lease keeps the registration on every worker: the second delivery waits, then is a Duplicate', async () => {
			await heldPastItsLease(true);
		}, 30_000);

		it('the claim of a worker that died (its renewal stopped) is taken after one lease, well before Claim Timeout', async () => {
			claimTesting.leaseMs = SHORT_LEASE_MS;
			const deliver = async () => await run(v2Flow(id, {}, true), ann, redisCredentials);
			const hold = gate();
			const reached = gate();
			// The first holds the claim at its write; were it let go later, its write would fail.
			writes.plan = [{ fail: true, waitFor: hold.opened, reached: reached.open }, {}];
			const first = deliver();
			await reached.opened;
			// Its worker dies: nothing renews the claim, nothing releases it.
			claimTesting.stopRenewing();
			const second = await seenWaiting(deliver);
			// Claim Timeout is an hour: only the lapsed lease lets the second in.
			const taken = await second.result;
			expect(split(taken)).toEqual({ valid: ['ann@example.com'], duplicate: [] });
			expect(writes.landed).toEqual(['ann@example.com']);
			hold.open();
			await first;
			expect(writes.landed).toEqual(['ann@example.com']);
		}, 30_000);
	});
});

describe('Dedupe & Normalize memory: Clear Memory, Memory Key, manual executions', () => {
	let store: InMemoryProcessedDataStore;
	let id: string;
	beforeEach(() => {
		store = new InMemoryProcessedDataStore();
		id = `wf-dedupe-memory-${process.pid}-${++counter}`;
		writes.plan = [];
		writes.landed = [];
	});
	afterEach(() => claimTesting.stopRenewing());

	const bo = { Email: 'bo@example.com' };
	/** The flow of v2Flow, its three Dedupe & Normalize nodes under `memoryKey`. */
	const keyedFlow = (memoryKey: string) => {
		const wf = v2Flow(id);
		for (const n of wf.nodes)
			if (n.type.endsWith('dedupeNormalize')) n.parameters = { ...n.parameters, memoryKey };
		return wf;
	};
	/** Start → Dedupe & Normalize (no memory, it only computes keys) → Clear Memory. */
	const clearFlow = (clear: IDataObject) => {
		const wf = v2Flow(id);
		const dedupe = wf.nodes.find((n) => n.name === 'Dedupe')!;
		dedupe.parameters = { ...dedupe.parameters, acrossRuns: false };
		wf.nodes = [
			...wf.nodes.filter((n) => ['Start', 'Dedupe'].includes(n.name)),
			{ ...dedupe, id: 'node-Clear', name: 'Clear', position: [400, 0], parameters: { operation: 'clear', ...clear } },
		];
		wf.connections = {
			Start: wf.connections.Start,
			Dedupe: { main: [[{ node: 'Clear', type: 'main', index: 0 }], [], []] },
		};
		return wf;
	};
	const run = async (wf: WorkflowJson, items: IDataObject[], mode?: RunWorkflowOptions['mode']) =>
		await runWorkflow(wf, { startItems: items.map((json) => ({ json })), processedDataStore: store, mode });

	it('Clear Memory, registrations on the input: those are new again, the others stay Duplicate', async () => {
		await run(v2Flow(id), [ann, bo]);
		expect(writes.landed).toEqual(['ann@example.com', 'bo@example.com']);

		const cleared = await run(clearFlow({ clearMode: 'input' }), [ann]);
		expect(cleared.error).toBeUndefined();
		// Items pass through, paired to their input.
		expect(cleared.outputs('Clear')[0].map((i) => [i.json.email, i.pairedItem])).toEqual([['ann@example.com', { item: 0 }]]);

		const again = await run(v2Flow(id), [ann, bo]);
		expect(split(again)).toEqual({ valid: ['ann@example.com'], duplicate: ['bo@example.com'] });
		expect(writes.landed).toEqual(['ann@example.com', 'bo@example.com', 'ann@example.com']);
	});

	it('Clear Memory, everything: every remembered registration is new again', async () => {
		await run(v2Flow(id), [ann, bo]);
		// Run as a Manual Trigger would start it: one empty item, no dedupe key needed.
		const wf = clearFlow({ clearMode: 'all' });
		wf.connections = { Start: { main: [[{ node: 'Clear', type: 'main', index: 0 }]] } };
		expect((await run(wf, [{}])).error).toBeUndefined();
		expect(store.get(id, 'workflow')?.data ?? []).toEqual([]);
		expect(split(await run(v2Flow(id), [ann, bo]))).toEqual({ valid: ['ann@example.com', 'bo@example.com'], duplicate: [] });
	});

	it('Clear Memory on an item without a dedupe key says what to connect', async () => {
		const wf = clearFlow({ clearMode: 'input' });
		wf.connections = { Start: { main: [[{ node: 'Clear', type: 'main', index: 0 }]] } };
		const result = await run(wf, [{ email: 'x@example.com' }]);
		expect(result.error?.message).toBe('This item has no dedupe key to forget');
	});

	it('a Memory Key keeps a backfill apart from the live flow of the same workflow, and Clear Memory forgets only its own', async () => {
		await run(keyedFlow('backfill'), [ann]);
		// The live flow (no Memory Key) has not seen Ann: it lands her too.
		expect(split(await run(v2Flow(id), [ann]))).toEqual({ valid: ['ann@example.com'], duplicate: [] });
		expect(split(await run(keyedFlow('backfill'), [ann]))).toEqual({ valid: [], duplicate: ['ann@example.com'] });
		expect(writes.landed).toEqual(['ann@example.com', 'ann@example.com']);

		await run(clearFlow({ clearMode: 'input', memoryKey: 'backfill' }), [ann]);
		expect(split(await run(keyedFlow('backfill'), [ann])).valid).toEqual(['ann@example.com']);
		expect(split(await run(v2Flow(id), [ann])).duplicate).toEqual(['ann@example.com']);
	});

	it('a manual execution says on the output that its rows will be remembered; a production one says nothing', async () => {
		const hints = (result: RunWorkflowResult, node: string) =>
			(result.runData[node]?.[0]?.hints ?? []).map((h) => h.message);
		const manual = await run(v2Flow(id), [ann], 'manual');
		expect(hints(manual, 'Dedupe')).toEqual([expect.stringContaining('1 registration(s) will count as processed once they reach Confirm Processed')]);
		expect(hints(manual, 'Confirm')).toEqual([expect.stringContaining('Clear Memory')]);

		const production = await run(v2Flow(id), [bo], 'trigger');
		expect(hints(production, 'Dedupe')).toEqual([]);
		expect(hints(production, 'Confirm')).toEqual([]);

		// Version 1 records at the check: the hint counts the rows it just remembered.
		const v1 = workflow(csvParams());
		const first = await runWorkflow(v1, { startItems: [{ json: rows[0] }, { json: rows[4] }], processedDataStore: store, mode: 'manual' });
		expect(hints(first, 'Dedupe')).toEqual([expect.stringContaining('2 registration(s) now count as processed')]);
	});
});
