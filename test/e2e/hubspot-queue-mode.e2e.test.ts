/**
 * Real n8n 2.40.7 in queue mode: `n8n start` (main, takes the webhooks and enqueues them in Bull on real
 * Redis) and two `n8n worker` processes that run the executions, all on one fresh PostgreSQL database.
 * Both workers write to one HubSpot account (the emulator, 20 requests per 10 s) through HubSpot Batch ›
 * Object › Batch Create, one call per row. With the credential's Share Rate Limit Across Workers on, the
 * workers draw from one window in Redis and together stay within the account's limit (0 × 429); with it
 * off, each worker paces itself to the whole budget and together they overrun it.
 */
import { randomBytes } from 'crypto';
import { writeFileSync } from 'fs';
import { join } from 'path';

import { rateLimiterKey } from '../../nodes/shared/transport/rateLimiter';
import {
	startHubSpotEmulator,
	type HubSpotEmulator,
	type RequestLogEntry,
} from '../emulators/hubspot/server';
import { cleanupPrefix, ensureRedis, testRedis } from '../harness/redis';
import {
	createPostgresDatabase,
	installPackage,
	N8n,
	type Execution,
	type N8nWorker,
} from './harness/n8n';

const LIMIT = 20; // the account's requests per window (emulator) = the credential's Custom tier
const WINDOW_MS = 10000;
const EXECUTIONS = 12; // webhook calls, fired at once
const ROWS = 5; // rows per call; batch size 1, so one HubSpot call per row: 60 creates ≈ 3 × LIMIT
const REDIS_URL = `redis://${process.env.REDIS_HOST ?? '127.0.0.1'}:${process.env.REDIS_PORT ?? 6379}/0`;
const RUN = randomBytes(4).toString('hex');

interface Scenario {
	label: string;
	shared: boolean;
	token: string;
	credentialId: string;
	workflowId: string;
	path: string;
	hubspot: HubSpotEmulator;
}

let n8n: N8n;
let db: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
let workers: N8nWorker[] = [];
const redis = testRedis('hubspot-queue-mode-e2e');
const scenarios: Record<'shared' | 'unshared', Scenario> = {} as never;

function workflow(s: Scenario) {
	return {
		id: s.workflowId,
		name: `Queue mode HubSpot (${s.label})`,
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
		pinData: {},
		tags: [],
		nodes: [
			{
				id: `${s.workflowId}-webhook`,
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				parameters: { httpMethod: 'POST', path: s.path, responseMode: 'onReceived', options: {} },
				webhookId: `7c1e2d3f-4a5b-4c6d-8e9f-${s.shared ? '0a1b2c3d4e71' : '0a1b2c3d4e72'}`,
			},
			{
				id: `${s.workflowId}-split`,
				name: 'Rows',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [220, 0],
				parameters: { fieldToSplitOut: 'body.rows', include: 'noOtherFields', options: {} },
			},
			{
				id: `${s.workflowId}-hubspot`,
				name: 'HubSpot: Create Contacts',
				type: 'n8n-nodes-marketing-ops.hubSpotBatch',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					resource: 'object',
					operation: 'batchCreate',
					objectType: 'contacts',
					columns: { mappingMode: 'autoMapInputData', value: null },
					options: { batchSize: 1, concurrency: 4 },
				},
				credentials: { hubSpotBatchApi: { id: s.credentialId, name: `HubSpot ${s.label}` } },
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Rows', type: 'main', index: 0 }]] },
			Rows: { main: [[{ node: 'HubSpot: Create Contacts', type: 'main', index: 0 }]] },
		},
	};
}

/** Most requests whose arrival falls in any window of WINDOW_MS (sliding over every request). */
function maxPerWindow(entries: RequestLogEntry[]): number {
	const times = entries.map((e) => e.time).sort((a, b) => a - b);
	let max = 0;
	for (let i = 0, j = 0; i < times.length; i++) {
		while (times[i] - times[j] >= WINDOW_MS) j++;
		max = Math.max(max, i - j + 1);
	}
	return max;
}

/** Fires all webhook calls at once, waits for the executions and returns what happened. */
async function burst(s: Scenario) {
	const emails = (call: number) =>
		Array.from({ length: ROWS }, (_, row) => `q-${s.label}-${RUN}-${call}-${row}@example.com`);
	const started = Date.now();
	const responses = await Promise.all(
		Array.from({ length: EXECUTIONS }, async (_, call) => {
			const res = await fetch(`${n8n.baseUrl}/webhook/${s.path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({
					rows: emails(call).map((email, row) => ({ email, firstname: `Row ${call}.${row}` })),
				}),
			});
			return res.status;
		}),
	);
	const executions = await n8n.waitForExecutions(s.workflowId, EXECUTIONS, 240000);
	const ms = Date.now() - started;
	const all = s.hubspot.requests();
	const landed = new Map<string, number>();
	for (const c of s.hubspot.objects('contacts')) {
		const email = String(c.properties.email);
		landed.set(email, (landed.get(email) ?? 0) + 1);
	}
	const expected = Array.from({ length: EXECUTIONS }, (_, call) => emails(call)).flat();
	const byWorker = workers.map((w) => {
		const ids = new Set(w.executionIds());
		return executions.filter((e) => ids.has(String(e.id)));
	});
	return {
		ms,
		responses,
		executions,
		byWorker,
		calls: all.length,
		accepted: all.filter((r) => r.status !== 429),
		rateLimited: all.filter((r) => r.status === 429).length,
		maxAttempted: maxPerWindow(all),
		maxAccepted: maxPerWindow(all.filter((r) => r.status !== 429)),
		expected,
		missing: expected.filter((e) => landed.get(e) === undefined),
		duplicated: expected.filter((e) => (landed.get(e) ?? 0) > 1),
	};
}

/** True when some execution of one worker ran while one of the other worker's was running. */
function overlapped(a: Execution[], b: Execution[]): boolean {
	const span = (e: Execution) => [Date.parse(e.startedAt), Date.parse(e.stoppedAt)];
	return a.some((x) =>
		b.some((y) => {
			const [xs, xe] = span(x);
			const [ys, ye] = span(y);
			return xs < ye && ys < xe;
		}),
	);
}

const limiterKeys = (s: Scenario) => {
	const key = `mkops:ratelimit:{${rateLimiterKey(s.hubspot.url, s.token)}}`;
	return [`${key}:window`, `${key}:pause`];
};

beforeAll(async () => {
	await ensureRedis();
	db = await createPostgresDatabase('q');
	for (const shared of [true, false]) {
		const label = shared ? 'shared' : 'unshared';
		const token = `pat-e2e-queue-${label}-${RUN}`;
		scenarios[label] = {
			label,
			shared,
			token,
			credentialId: shared ? 'mkopsHsQShared01' : 'mkopsHsQNoShare1',
			workflowId: shared ? 'mkopsQModeShare1' : 'mkopsQModeNoShr1',
			path: `queue-mode-${label}`,
			hubspot: await startHubSpotEmulator({
				tokens: [token],
				limitPer10s: LIMIT,
				windowMs: WINDOW_MS,
			}),
		};
	}
	n8n = await N8n.create({
		postgres: db,
		queue: { prefix: `mkops-e2e-q-${RUN}` },
	});
	installPackage(n8n.userFolder);
	n8n.importCredentials(
		Object.values(scenarios).map((s) => ({
			id: s.credentialId,
			name: `HubSpot ${s.label}`,
			type: 'hubSpotBatchApi',
			data: {
				accessToken: s.token,
				tier: 'custom',
				customLimit: LIMIT,
				sharedRateLimit: s.shared,
				...(s.shared ? { redisUrlSecret: REDIS_URL } : {}),
				baseUrl: s.hubspot.url,
			},
		})),
	);
	for (const s of Object.values(scenarios)) {
		const file = join(n8n.userFolder, `${s.workflowId}.json`);
		writeFileSync(file, JSON.stringify(workflow(s)));
		n8n.importWorkflow(file);
		n8n.publish(s.workflowId);
	}
	await n8n.start();
	workers = [];
	for (let i = 0; i < 2; i++) workers.push(await n8n.startWorker({ concurrency: 5 }));
	await n8n.login();
}, 600000);

afterAll(async () => {
	await n8n?.stopWorkers();
	await n8n?.stop();
	for (const s of Object.values(scenarios)) {
		await redis.del(...limiterKeys(s));
		await s.hubspot.close();
	}
	if (n8n?.queue) await cleanupPrefix(redis, `${n8n.queue.prefix}:`);
	await redis.quit();
	await db?.drop();
}, 120000);

describe('HubSpot Batch in n8n queue mode (main + 2 workers, PostgreSQL, Redis)', () => {
	it(`Share Rate Limit Across Workers on: the two workers together stay within ${LIMIT} per 10 s, 0 × 429`, async () => {
		const s = scenarios.shared;
		const r = await burst(s);
		const [a, b] = r.byWorker;
		console.log(
			`queue mode: 2 workers, shared limiter: ${r.calls} calls (${r.expected.length} rows in ${EXECUTIONS} executions: ${a.length} on worker 1, ${b.length} on worker 2, overlapping ${overlapped(a, b)}), max ${r.maxAttempted} per 10 s (limit ${LIMIT}), ${r.rateLimited} × 429, ${r.ms} ms`,
		);
		expect(r.responses).toEqual(Array(EXECUTIONS).fill(200));
		expect(r.executions.map((e) => e.status)).toEqual(Array(EXECUTIONS).fill('success'));
		expect(r.missing).toEqual([]);
		expect(r.duplicated).toEqual([]);
		// Every execution ran on one of the two workers (none on main), and both ran some at the same time.
		expect(n8n.log()).not.toContain('Worker started execution');
		expect(a.length + b.length).toBe(EXECUTIONS);
		expect(a.length).toBeGreaterThan(0);
		expect(b.length).toBeGreaterThan(0);
		expect(overlapped(a, b)).toBe(true);
		// The account's view: never more than LIMIT in any 10 s, and nothing refused.
		expect(r.rateLimited).toBe(0);
		expect(r.maxAttempted).toBeLessThanOrEqual(LIMIT);
		expect(r.calls).toBeGreaterThanOrEqual(EXECUTIONS * ROWS);
	}, 300000);

	it('control, sharing off: each worker assumes the whole budget, and together they overrun it', async () => {
		const s = scenarios.unshared;
		const r = await burst(s);
		const [a, b] = r.byWorker;
		console.log(
			`queue mode: 2 workers, per-process limiters: ${r.calls} calls (${r.expected.length} rows in ${EXECUTIONS} executions: ${a.length} on worker 1, ${b.length} on worker 2, overlapping ${overlapped(a, b)}), max ${r.maxAttempted} attempted per 10 s (limit ${LIMIT}; ${r.maxAccepted} accepted), ${r.rateLimited} × 429, ${r.ms} ms; executions ${r.executions.filter((e) => e.status === 'success').length}/${EXECUTIONS} succeeded, ${r.expected.length - r.missing.length} rows landed`,
		);
		expect(a.length + b.length).toBe(EXECUTIONS);
		expect(a.length).toBeGreaterThan(0);
		expect(b.length).toBeGreaterThan(0);
		expect(r.maxAttempted > LIMIT || r.rateLimited > 0).toBe(true);
	}, 300000);
});
