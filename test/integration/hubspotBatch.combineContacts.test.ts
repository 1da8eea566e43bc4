/**
 * Contact › Upsert's "Combine With Concurrent Executions" and its Canonical Contact input: one-item
 * executions run by n8n-core in-process against the HubSpot emulator over real HTTP, as the Luma sync
 * runs one execution per registration. A barrier node holds every execution until all have arrived,
 * so they reach HubSpot together (the combine window is only the upper bound for the last batch).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { WorkflowExecute } from 'n8n-core';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	Workflow,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { waitingSubmitters } from '../../nodes/shared/transport/coalescer';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen } from '../harness/inProcess';
import {
	cleanupPrefix,
	ensureRedis,
	repoRoot,
	sleep,
	testPrefix,
	testRedis,
	testRedisCredentials,
} from '../harness/redis';

const TOKEN = 'pat-emulator-token';
const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const READ = '/crm/v3/objects/contacts/batch/read';
const WORKER = path.join(repoRoot, 'test', 'fixtures', 'hubspot-shared-limit-worker.js');

/** The shipped Luma sync's merge rules. */
const SHIPPED_RULES = {
	rule: [
		{ property: 'contact_recent_event_name', mode: 'append', maxItems: 10, maxLength: 1000 },
		{ property: 'contact_first_event_date', mode: 'setOnce' },
		{ property: 'contact_total_events_attended', mode: 'increment', incrementBy: 1 },
		{ property: 'contact_recent_event_date', mode: 'max' },
	],
};

/** Releases every waiter once `count` have arrived. */
class Barrier {
	private readonly waiting: Array<() => void> = [];

	constructor(private readonly count: number) {}

	async arrive(): Promise<void> {
		await new Promise<void>((resolve) => {
			this.waiting.push(resolve);
			if (this.waiting.length >= this.count) for (const go of this.waiting.splice(0)) go();
		});
	}
}

function barrierNode(barrier: Barrier): INodeType {
	return {
		description: {
			displayName: 'Barrier',
			name: 'barrier',
			group: ['transform'],
			version: 1,
			description: 'Test barrier',
			defaults: { name: 'Barrier' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			await barrier.arrive();
			return [this.getInputData()];
		},
	};
}

/** A canonical contact as Dedupe & Normalize outputs it (after Airtable added its own utm_campaign). */
function registration(i: number, overrides: IDataObject = {}): IDataObject {
	return {
		email: `guest${i}@example.com`,
		first_name: `Guest${i}`,
		last_name: 'Example',
		phone: '+14155550100',
		company: 'Acme',
		job_title: 'Engineer',
		event_id: 'evt-launch',
		event_name: 'Launch: Day',
		event_date: '2026-03-05T18:00:00.000Z',
		utm_source: '',
		utm_medium: '',
		utm_campaign: 'event_launch:-day_2026-03-05',
		...overrides,
	};
}

const canonical = {
	resource: 'contact',
	operation: 'upsert',
	contactInput: 'canonical',
	mergeRules: SHIPPED_RULES,
};

/** The runs in progress, by workflow id: `.cancel()` is what n8n's Stop calls. */
const running = new Map<string, { cancel(): void }>();
const processRun = WorkflowExecute.prototype.processRunExecutionData;
let emulator: HubSpotEmulator;

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
	emulator = await startHubSpotEmulator();
});
afterEach(async () => {
	running.clear();
	await emulator.close();
	resetRateLimiters();
	forgetLearnedLimits();
});

/** Starts one execution (a webhook's one item) that waits at `barrier` before HubSpot. */
async function execution(
	id: string,
	row: IDataObject,
	barrier: Barrier,
	parameters: IDataObject,
	onError?: 'continueErrorOutput',
) {
	return await runWorkflow(
		startThen(
			[
				{ name: 'Barrier', type: 'test.barrier' },
				hubSpotNode(parameters, { id: `${id}-hubspot`, onError }),
			],
			{ id, startId: `${id}-start` },
		),
		{
			mode: 'webhook',
			nodeTypes: { 'test.barrier': barrierNode(barrier) },
			startItems: [{ json: row }],
			credentials: {
				hubSpotBatchApi: { accessToken: TOKEN, tier: 'professional', baseUrl: emulator.url },
			},
		},
	);
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await sleep(10);
	}
}

const contact = (email: string) =>
	emulator.objects('contacts').filter((c) => c.properties.email === email);

async function seedContact(email: string, properties: Record<string, string>) {
	const res = await fetch(`${emulator.url}${UPSERT}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ inputs: [{ id: email, idProperty: 'email', properties }] }),
	});
	expect(res.status).toBe(200);
	emulator.state.log.length = 0;
}

describe('Contact › Upsert: Combine With Concurrent Executions', () => {
	it('250 one-registration executions go out in 3 upsert calls (and 3 reads); each gets its own contact', async () => {
		const n = 250;
		const barrier = new Barrier(n);
		const params = { ...canonical, options: { combineWithinMs: 2000 } };
		// HubSpot's 10-second limit refuses the first calls (429 with Retry-After): retried, never surfaced.
		emulator.setFaults({ force429: 3, retryAfterSeconds: 1 });
		const results = await Promise.all(
			Array.from(
				{ length: n },
				async (_, i) => await execution(`wf-combine-${i}`, registration(i), barrier, params),
			),
		);

		expect(emulator.requests({ status: 429 })).toHaveLength(3);
		const upserts = emulator.requests({ path: UPSERT, status: 200 });
		expect(upserts.map((r) => r.inputCount).sort((a, b) => a! - b!)).toEqual([50, 100, 100]);
		expect(emulator.requests({ path: READ }).filter((r) => r.status !== 429)).toHaveLength(3);
		expect(emulator.objects('contacts')).toHaveLength(n);
		results.forEach((result, i) => {
			expect(result.error).toBeUndefined();
			const [item] = result.json('HubSpot');
			const [stored] = contact(`guest${i}@example.com`);
			expect(item).toMatchObject({ email: `guest${i}@example.com`, status: 'created' });
			expect(item.hubspot_id).toBe(stored.id);
		});
		// The canonical mapping, with the plain defaults for empty UTM values and Dedupe's campaign slug.
		expect(contact('guest7@example.com')[0].properties).toMatchObject({
			firstname: 'Guest7',
			lastname: 'Example',
			phone: '+14155550100',
			company: 'Acme',
			jobtitle: 'Engineer',
			contact_recent_event_name: 'Launch: Day',
			contact_recent_event_date: '2026-03-05',
			contact_first_event_date: '2026-03-05',
			contact_total_events_attended: '1',
			utm_source: 'luma',
			utm_medium: 'event',
			utm_campaign: 'event_launch-day_2026-03-05',
		});
	}, 120_000);

	it('a contact HubSpot refuses fails only the execution that sent it', async () => {
		const barrier = new Barrier(3);
		const params = {
			resource: 'contact',
			operation: 'upsert',
			columns: { mappingMode: 'autoMapInputData', value: null },
			options: { combineWithinMs: 2000 },
		};
		const [a, bad, c] = await Promise.all([
			execution('wf-a', { email: 'a@example.com', firstname: 'A' }, barrier, params),
			execution(
				'wf-bad',
				{ email: 'bad@example.com', lifecyclestage: 'not-a-stage' },
				barrier,
				params,
				'continueErrorOutput',
			),
			execution('wf-c', { email: 'c@example.com', firstname: 'C' }, barrier, params),
		]);

		// One combined call, refused as a whole for the bad row, then split down to it.
		expect(emulator.requests({ path: UPSERT })[0].inputCount).toBe(3);
		expect(a.error).toBeUndefined();
		expect(c.error).toBeUndefined();
		expect(a.json('HubSpot')[0].status).toBe('created');
		expect(c.json('HubSpot')[0].status).toBe('created');
		expect(bad.error).toBeUndefined();
		const [ok, failed] = bad.outputs('HubSpot');
		expect(ok).toHaveLength(0);
		expect(failed).toHaveLength(1);
		expect(String(failed[0].json.error)).toMatch(/not-a-stage/);
		expect(contact('a@example.com')).toHaveLength(1);
		expect(contact('c@example.com')).toHaveLength(1);
		expect(contact('bad@example.com')).toHaveLength(0);
	}, 60_000);

	it('an execution stopped while it waits sends nothing; the others still land', async () => {
		const barrier = new Barrier(2);
		const params = { ...canonical, options: { combineWithinMs: 3000 } };
		const a = execution('wf-stop-a', registration(1), barrier, params);
		const b = execution('wf-stop-b', registration(2), barrier, params);
		await waitUntil(() => waitingSubmitters() === 2, 'both executions wait to be combined');
		running.get('wf-stop-a')!.cancel();
		const [stopped, other] = await Promise.all([a, b]);

		expect(stopped.error?.message).toBe(
			'The execution was stopped before its rows were sent: none of them was written',
		);
		expect(other.error).toBeUndefined();
		expect(other.json('HubSpot')[0].status).toBe('created');
		expect(emulator.requests({ path: UPSERT }).map((r) => r.inputCount)).toEqual([1]);
		expect(contact('guest1@example.com')).toHaveLength(0);
		expect(contact('guest2@example.com')).toHaveLength(1);
	}, 60_000);

	it('one person registering for two events in two executions: one contact, each merge rule applied once per registration', async () => {
		await seedContact('pat@example.com', {
			contact_recent_event_name: 'Old Event',
			contact_first_event_date: '2025-01-10',
			contact_recent_event_date: '2025-01-10',
			contact_total_events_attended: '5',
		});
		const barrier = new Barrier(2);
		const params = { ...canonical, options: { combineWithinMs: 2000 } };
		const [first, second] = await Promise.all([
			execution(
				'wf-pat-1',
				registration(0, {
					email: 'Pat@Example.com',
					event_name: 'Launch',
					event_date: '2026-03-05',
				}),
				barrier,
				params,
			),
			execution(
				'wf-pat-2',
				registration(0, {
					email: 'pat@example.com',
					event_name: 'Webinar',
					event_date: '2026-02-01',
				}),
				barrier,
				params,
			),
		]);

		expect([first.error, second.error]).toEqual([undefined, undefined]);
		const [stored] = contact('pat@example.com');
		expect(contact('pat@example.com')).toHaveLength(1);
		expect(first.json('HubSpot')[0]).toMatchObject({ hubspot_id: stored.id, status: 'updated' });
		expect(second.json('HubSpot')[0]).toMatchObject({ hubspot_id: stored.id, status: 'updated' });
		expect(stored.properties.contact_total_events_attended).toBe('7');
		const names = String(stored.properties.contact_recent_event_name).split(';');
		expect(names[0]).toBe('Old Event');
		expect(names.slice(1).sort()).toEqual(['Launch', 'Webinar']);
		expect(stored.properties.contact_first_event_date).toBe('2025-01-10');
		expect(stored.properties.contact_recent_event_date).toBe('2026-03-05');
		// Written once per execution, one after the other, each from a fresh read.
		expect(emulator.requests({ path: UPSERT }).map((r) => r.inputCount)).toEqual([1, 1]);
		expect(emulator.requests({ path: READ })).toHaveLength(2);
	}, 60_000);

	it('a batch is full at 100 contacts, not 100 rows: a repeated person waits for the next call without shrinking this one', async () => {
		const params = { ...canonical, options: { combineWithinMs: 10000 } };
		const run = (i: number, row: IDataObject, barrier: Barrier) =>
			execution(`wf-full-${i}`, row, barrier, params);
		// First wave, joined before the second by construction: guest0–guest49 and guest0 again
		// (another event): 51 rows, 50 contacts.
		const first = new Barrier(51);
		const firstWave = [
			...Array.from({ length: 50 }, (_, i) => run(i, registration(i), first)),
			run(100, registration(0, { event_name: 'Webinar', event_date: '2026-04-01' }), first),
		];
		// Second wave: guest50–guest99, parked until the test arrives as the 51st.
		const second = new Barrier(51);
		const secondWave = Array.from({ length: 50 }, (_, i) =>
			run(50 + i, registration(50 + i), second),
		);
		await waitUntil(() => waitingSubmitters() === 51, 'the first wave waits to be combined');
		await second.arrive();
		const results = await Promise.all([...firstWave, ...secondWave]);

		expect(results.map((r) => r.error).filter(Boolean)).toEqual([]);
		// Counting rows, the batch would have gone at the 100th row with 99 contacts ([99, 2]).
		// Counting contacts: 100 in the first call, guest0's second registration after it.
		expect(emulator.requests({ path: UPSERT }).map((r) => r.inputCount)).toEqual([100, 1]);
		expect(emulator.objects('contacts')).toHaveLength(100);
		const [guest0] = contact('guest0@example.com');
		expect(guest0.properties.contact_total_events_attended).toBe('2');
		expect(String(guest0.properties.contact_recent_event_name).split(';').sort()).toEqual([
			'Launch: Day',
			'Webinar',
		]);
	}, 60_000);

	it('executions with the option at 0 are not combined (existing behaviour)', async () => {
		const barrier = new Barrier(3);
		const results = await Promise.all(
			[1, 2, 3].map(
				async (i) => await execution(`wf-off-${i}`, registration(i), barrier, canonical),
			),
		);
		expect(results.map((r) => r.json('HubSpot')[0].status)).toEqual([
			'created',
			'created',
			'created',
		]);
		expect(emulator.requests({ path: UPSERT }).map((r) => r.inputCount)).toEqual([1, 1, 1]);
	}, 60_000);
});

describe('Contact › Upsert, combined, in two n8n processes coordinating through Redis', () => {
	it("each process's combined write holds the contact's lock: both increments land", async () => {
		await ensureRedis();
		const redis = testRedis('hubspot-combine-test');
		await seedContact('race@example.com', { contact_total_events_attended: '5' });
		// Without the lock, both reads would be answered together (both see 5).
		emulator.setFaults({ holdRequests: { path: READ, count: 2, timeoutMs: 5000 } });
		const go = `${testPrefix('hubspot-combine')}go`;
		const workers = [1, 2].map(() =>
			worker({
				mode: 'upsert',
				baseUrl: emulator.url,
				token: TOKEN,
				redis: testRedisCredentials(),
				go,
				parameters: {
					mergeRules: {
						rule: [{ property: 'contact_total_events_attended', mode: 'increment' }],
					},
					options: { combineWithinMs: 200 },
				},
				rows: [{ email: 'race@example.com' }],
			}),
		);
		try {
			expect(await Promise.all(workers.map(async (w) => await w.next()))).toEqual([
				{ ready: true },
				{ ready: true },
			]);
			await redis.rpush(go, 'go', 'go');
			expect(await Promise.all(workers.map(async (w) => await w.next()))).toEqual([
				{ statuses: ['updated'], errors: [] },
				{ statuses: ['updated'], errors: [] },
			]);
			expect(contact('race@example.com')[0].properties.contact_total_events_attended).toBe('7');
		} finally {
			for (const w of workers) w.stop();
			await cleanupPrefix(redis, go);
			await cleanupPrefix(redis, `mkops:ratelimit:{${emulator.url}`);
			await redis.quit();
		}
	}, 120_000);
});

/** A worker process (test/fixtures/hubspot-shared-limit-worker.js); `next()` gives its next JSON line. */
function worker(options: IDataObject) {
	const child = spawn(process.execPath, [WORKER, JSON.stringify(options)], {
		cwd: repoRoot,
		env: process.env,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const lines: unknown[] = [];
	const waiting: Array<(value: unknown) => void> = [];
	let buffer = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		buffer += chunk;
		let nl: number;
		while ((nl = buffer.indexOf('\n')) >= 0) {
			const line = buffer.slice(0, nl);
			buffer = buffer.slice(nl + 1);
			let parsed: unknown;
			try {
				parsed = JSON.parse(line);
			} catch {
				continue; // not ours (a library's log line)
			}
			const next = waiting.shift();
			if (next) next(parsed);
			else lines.push(parsed);
		}
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const exited = new Promise<never>((_, reject) =>
		child.on('exit', (code) => reject(new Error(`worker exited (${code}): ${stderr}`))),
	);
	return {
		next: async () =>
			await Promise.race([
				lines.length > 0
					? Promise.resolve(lines.shift())
					: new Promise<unknown>((resolve) => waiting.push(resolve)),
				exited,
			]),
		stop: () => {
			if (child.exitCode === null) child.kill();
		},
	};
}
