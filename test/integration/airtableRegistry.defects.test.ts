/**
 * Airtable Registry under concurrency and faults, through the node (n8n-core in-process, or one
 * child process per "queue-mode worker") against the Airtable emulator and real Redis:
 * - Event › Find or Create serialises find + create per event, within a process and across workers;
 * - Airtable applies a write request all or nothing, and every row of a refused batch lands once;
 * - Airtable's answer is tied to rows by key, whatever order its records come in;
 * - a create whose answer never came is not sent again; the event it made is adopted;
 * - with Coordinate Workers Through Redis, workers share the base's 5 requests/s.
 * Overlaps are made certain by the emulator (held lookups) and a start barrier, not by timing.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import { airtableCredentials, airtableWorkflow } from '../harness/airtableRegistry';
import { runWorkflow } from '../harness/inProcess';
import {
	cleanupPrefix,
	ensureRedis,
	repoRoot,
	testRedis,
	testRedisCredentials,
} from '../harness/redis';

let emulator: AirtableEmulator;
const redis = testRedis('airtable-defects-test');

beforeAll(async () => {
	await ensureRedis();
});
beforeEach(async () => {
	emulator = await startAirtableEmulator();
});
afterEach(async () => {
	// Locks and the shared window of this emulator's base (its URL names the base).
	await cleanupPrefix(redis, `mkops:lock:{airtable:${emulator.url}#`);
	await cleanupPrefix(redis, `mkops:ratelimit:{airtable:${emulator.url}#`);
	await emulator.close();
	resetRateLimiters();
});
afterAll(async () => {
	await redis.quit();
});

const credentials = () => ({
	airtableRegistryApi: airtableCredentials(emulator),
	redis: { ...testRedisCredentials(), database: 0, ssl: false },
});

async function run(rows: IDataObject[], parameters: IDataObject) {
	// Under "Continue": every item comes out on the main output, failed ones with `error`.
	const result = await runWorkflow(airtableWorkflow(parameters, 'continueRegularOutput'), {
		startItems: rows.map((json) => ({ json })),
		credentials: credentials(),
	});
	expect(result.error).toBeUndefined();
	return result.json('Airtable');
}

interface WorkerResult {
	status: string;
	error: string | null;
	outputs: IDataObject[][];
}

/**
 * One n8n worker in its own process (test/fixtures/airtable-registry-worker.js). `ready` resolves
 * once it has loaded; it runs the node when `go()` is called.
 */
function startWorker(parameters: IDataObject, items: IDataObject[]) {
	const child = spawn(
		process.execPath,
		[
			path.join(repoRoot, 'test', 'fixtures', 'airtable-registry-worker.js'),
			JSON.stringify({ parameters, credentials: credentials(), items }),
		],
		{ cwd: repoRoot, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] },
	);
	let stdout = '';
	let stderr = '';
	const lines: IDataObject[] = [];
	const waiters: Array<() => void> = [];
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
		for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
			const line = stdout.slice(0, nl);
			stdout = stdout.slice(nl + 1);
			try {
				lines.push(JSON.parse(line) as IDataObject);
			} catch {
				continue;
			}
			for (const wake of waiters.splice(0)) wake();
		}
	});
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	// 'close': the process has ended and its output has been read to the end.
	const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
	const nth = async (n: number): Promise<IDataObject> => {
		for (;;) {
			if (lines.length > n) return lines[n];
			const woken = new Promise<void>((resolve) => waiters.push(resolve));
			const code = await Promise.race([woken.then(() => undefined), exited]);
			if (code !== undefined && lines.length <= n)
				throw new Error(`worker exited (${code}) early: ${stderr}`);
		}
	};
	return {
		ready: nth(0),
		go: () => child.stdin.end('go\n'),
		result: nth(1) as Promise<unknown> as Promise<WorkerResult>,
	};
}

/** Starts `count` workers, waits until all have loaded, then releases them at once. */
async function workersAtOnce(runs: Array<{ parameters: IDataObject; items: IDataObject[] }>) {
	const workers = runs.map((r) => startWorker(r.parameters, r.items));
	await Promise.all(workers.map(async (w) => await w.ready));
	for (const w of workers) w.go();
	return await Promise.all(workers.map(async (w) => await w.result));
}

const findOrCreate = (extra: IDataObject = {}) => ({
	resource: 'event',
	operation: 'findOrCreate',
	...extra,
});
const newEvent = {
	event_id: 'evt-launch',
	event_name: 'Launch Night',
	event_date: '2030-05-01T18:00:00Z',
};
const upsert = (extra: IDataObject = {}) => ({
	resource: 'registration',
	operation: 'upsert',
	columns: { mappingMode: 'autoMapInputData', value: null },
	...extra,
});
const registrant = (i: number, event = 'evt-a') => ({
	email: `person${i}@example.com`,
	first_name: `First${i}`,
	event_id: event,
});

describe('Event › Find or Create: the same new event asked for twice at the same moment', () => {
	/** Both executions' first lookups are held by the emulator until both arrived (or 3 s passed). */
	const holdBothLookups = () =>
		emulator.setFaults({ holdLookups: { table: 'Events', until: 2, maxWaitMs: 3000 } });

	/** One Event record, both items on it: one created it, the other found it. */
	function expectOneEvent(outputs: IDataObject[][]) {
		const events = emulator.records('Events');
		expect(events).toHaveLength(1);
		expect(emulator.requests({ method: 'POST' })).toHaveLength(1);
		expect(outputs.map((o) => o[0].airtable_id)).toEqual([events[0].id, events[0].id]);
		expect(outputs.map((o) => o[0].status).sort()).toEqual(['created', 'found']);
		// The second lookup was let through only after the first execution's create: no overlap.
		const lookups = emulator.requests({ method: 'GET', table: 'Events' });
		expect(lookups[0].held).toBe('timeout');
		const create = emulator.requests({ method: 'POST' })[0];
		expect(lookups.filter((l) => l.seq > create.seq).length).toBeGreaterThan(0);
	}

	it('two executions in one n8n process create one Event record', async () => {
		holdBothLookups();
		const outputs = await Promise.all([
			run([newEvent], findOrCreate()),
			run([newEvent], findOrCreate()),
		]);
		expectOneEvent(outputs);
	});

	it('two queue-mode workers (own processes and Redis connections) coordinating through Redis create one Event record', async () => {
		holdBothLookups();
		const parameters = findOrCreate({ coordinateWorkers: true });
		const results = await workersAtOnce([
			{ parameters, items: [newEvent] },
			{ parameters, items: [newEvent] },
		]);
		for (const r of results) expect(r).toMatchObject({ status: 'success', error: null });
		expectOneEvent(results.map((r) => r.outputs[0]));
	});
});

describe('all-or-nothing writes', () => {
	it('Airtable writes nothing of a request it refuses (the emulator as Airtable does)', async () => {
		// Two records already share a merge value: upserting it matches both, which Airtable refuses.
		emulator.seed('Registrations', [
			{ dedupe_key: 'dup|evt-a', email: 'dup@example.com' },
			{ dedupe_key: 'dup|evt-a', email: 'dup@example.com' },
		]);
		const response = await fetch(`${emulator.url}/v0/${emulator.baseId}/Registrations`, {
			method: 'PATCH',
			headers: {
				authorization: `Bearer ${emulator.defaultToken}`,
				'content-type': 'application/json',
			},
			body: JSON.stringify({
				performUpsert: { fieldsToMergeOn: ['dedupe_key'] },
				typecast: true,
				records: [
					{ fields: { dedupe_key: 'a|evt-a', attendance_status: 'Maybe' } },
					{ fields: { dedupe_key: 'b|evt-a' } },
					{ fields: { dedupe_key: 'dup|evt-a' } },
				],
			}),
		});
		expect(response.status).toBe(422);
		expect(await response.json()).toEqual({
			error: {
				type: 'INVALID_VALUE_FOR_COLUMN',
				message: 'More than one record matches fieldsToMergeOn (dedupe_key)',
			},
		});
		// Neither record before the bad one was written, nor the select option typecast added.
		expect(emulator.records('Registrations').map((r) => r.fields.dedupe_key)).toEqual([
			'dup|evt-a',
			'dup|evt-a',
		]);
		const [, registrations] = (
			(await (
				await fetch(`${emulator.url}/v0/meta/bases/${emulator.baseId}/tables`, {
					headers: { authorization: `Bearer ${emulator.defaultToken}` },
				})
			).json()) as { tables: Array<{ fields: Array<{ name: string; options?: IDataObject }> }> }
		).tables;
		const attendance = registrations.fields.find((f) => f.name === 'attendance_status')!;
		expect((attendance.options!.choices as IDataObject[]).map((c) => c.name)).not.toContain(
			'Maybe',
		);
	});

	it('a batch with one bad record: the others are created exactly once, the bad one is reported with Airtable’s message', async () => {
		emulator.seed('Registrations', [
			{ dedupe_key: 'dup@example.com|evt-a', email: 'dup@example.com' },
			{ dedupe_key: 'dup@example.com|evt-a', email: 'dup@example.com' },
		]);
		const rows: IDataObject[] = Array.from({ length: 10 }, (_, i) => registrant(i));
		rows[6] = { ...rows[6], email: 'dup@example.com' };
		const out = await run(rows, upsert());
		expect(out).toHaveLength(10);
		expect(out[6]).toMatchObject({
			status: 'error',
			airtable_id: null,
			error:
				'Airtable rejected this record (INVALID_VALUE_FOR_COLUMN): More than one record matches fieldsToMergeOn (dedupe_key)',
			error_type: 'INVALID_VALUE_FOR_COLUMN',
		});
		// Created, each once, by this run: no record was written by the refused first request.
		const good = out.filter((_, i) => i !== 6);
		expect(good.map((o) => o.status)).toEqual(good.map(() => 'created'));
		const stored = emulator.records('Registrations');
		expect(stored).toHaveLength(2 + 9);
		for (const [i, o] of out.entries()) {
			if (i === 6) continue;
			const mine = stored.filter((r) => r.fields.dedupe_key === `person${i}@example.com|evt-a`);
			expect(mine.map((r) => r.id)).toEqual([o.airtable_id]);
		}
		expect(emulator.requests({ method: 'PATCH' })[0]).toMatchObject({
			recordCount: 10,
			status: 422,
		});
	});
});

describe('results tied to rows by key', () => {
	beforeEach(() => {
		emulator.setFaults({ shuffleResults: true });
	});

	it('Upsert: an answer in another order still gives each item its own record', async () => {
		const rows = Array.from({ length: 25 }, (_, i) => registrant(i));
		const out = await run(rows, upsert());
		expect(emulator.requests({ method: 'PATCH' }).map((r) => r.shuffled)).toEqual([
			true,
			true,
			true,
		]);
		const stored = new Map(emulator.records('Registrations').map((r) => [r.id, r]));
		expect(stored.size).toBe(25);
		for (const [i, o] of out.entries()) {
			expect(o.status).toBe('created');
			expect(stored.get(String(o.airtable_id))?.fields.email).toBe(`person${i}@example.com`);
		}
	});

	it('Update Sync Status: an answer in another order still gives each item its own record', async () => {
		const seeded = emulator.seed(
			'Registrations',
			Array.from({ length: 12 }, (_, i) => ({ email: `p${i}@example.com` })),
		);
		const out = await run(
			seeded.map((r, i) => ({ airtable_id: r.id, hubspot_id: String(1000 + i) })),
			{ resource: 'registration', operation: 'updateSyncStatus', syncStatus: 'Synced to HubSpot' },
		);
		expect(emulator.requests({ method: 'PATCH' }).map((r) => r.shuffled)).toEqual([true, true]);
		expect(out.map((o) => o.airtable_id)).toEqual(seeded.map((r) => r.id));
		const stored = new Map(emulator.records('Registrations').map((r) => [r.id, r]));
		for (const [i, r] of seeded.entries())
			expect(stored.get(r.id)?.fields.hubspot_contact_id).toBe(1000 + i);
	});
});

describe('a create whose answer never came', () => {
	it('is not sent again: the event it made is found and adopted', async () => {
		// The create is applied at once, but answered after the node's 1 s timeout.
		emulator.setFaults({ lateAnswers: 1, lateAnswerMs: 2500 });
		const out = await run([newEvent], findOrCreate({ options: { timeoutMs: 1000 } }));
		const events = emulator.records('Events');
		expect(events).toHaveLength(1);
		expect(out[0]).toMatchObject({ status: 'created', airtable_id: events[0].id });
		const posts = emulator.requests({ method: 'POST' });
		expect(posts).toHaveLength(1);
		expect(posts[0].late).toBe(true);
		// The late answer is written before the emulator closes.
		while (posts[0].status === 0) await new Promise((resolve) => setTimeout(resolve, 50));
	});
});

describe('Coordinate Workers Through Redis', () => {
	it("two workers share the base's 5 requests per second: Airtable never answers 429", async () => {
		// A 429 would cost 1 s for everyone; without the shared window, 2 × 5 requests land in one second.
		emulator.setFaults({ penaltyMs: 1000 });
		const parameters = upsert({ coordinateWorkers: true, options: { rateLimitWaitMs: 1000 } });
		const results = await workersAtOnce([
			{ parameters, items: Array.from({ length: 40 }, (_, i) => registrant(i, 'evt-a')) },
			{ parameters, items: Array.from({ length: 40 }, (_, i) => registrant(i, 'evt-b')) },
		]);
		for (const r of results) {
			expect(r).toMatchObject({ status: 'success', error: null });
			expect(r.outputs[0].map((o) => o.status)).toEqual(r.outputs[0].map(() => 'created'));
		}
		expect(emulator.records('Registrations')).toHaveLength(80);
		expect(emulator.requests({ status: 429 })).toHaveLength(0);
		// Each worker: the schema read and 4 writes of 10.
		expect(emulator.requests()).toHaveLength(10);
	});
});
