/**
 * Contact › Upsert reads a contact, then writes what the merge rules make of it. Two executions for
 * one email at the same moment must take turns, or one loses the other's increment (issue E). The
 * emulator holds the answers to contact reads until two have arrived (or a while has passed), so
 * without a lock both reads certainly see the same count; with one, the second read waits for the
 * first write. Once in one n8n process (no Redis), once in two processes through real Redis.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen } from '../harness/inProcess';
import {
	cleanupPrefix,
	ensureRedis,
	repoRoot,
	testPrefix,
	testRedis,
	testRedisCredentials,
} from '../harness/redis';

const TOKEN = 'pat-emulator-token';
const EMAIL = 'race@example.com';
const COUNT = 'contact_total_events_attended';
const READ = '/crm/v3/objects/contacts/batch/read';
const WORKER = path.join(repoRoot, 'test', 'fixtures', 'hubspot-shared-limit-worker.js');

/** Each registration adds one to the contact's event count. */
const incrementParameters = {
	mergeRules: { rule: [{ property: COUNT, mode: 'increment', incrementBy: 1 }] },
};

const redis = testRedis('hubspot-race-test');
let emulator: HubSpotEmulator;

beforeAll(async () => {
	await ensureRedis();
});
afterEach(async () => {
	await emulator?.close();
	resetRateLimiters();
});
afterAll(async () => {
	await redis.quit();
});

/** The contact as it stands before the race: 5 events. */
async function startWithContact() {
	emulator = await startHubSpotEmulator();
	const res = await fetch(`${emulator.url}/crm/v3/objects/contacts/batch/upsert`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({
			inputs: [{ id: EMAIL, idProperty: 'email', properties: { [COUNT]: '5' } }],
		}),
	});
	expect(res.status).toBe(200);
}

const storedCount = () =>
	emulator.objects('contacts').find((c) => c.properties.email === EMAIL)?.properties[COUNT];

describe('Contact › Upsert: two executions for one email at the same moment', () => {
	it('in one n8n process (no Redis), both increments land', async () => {
		await startWithContact();
		emulator.setFaults({ holdRequests: { path: READ, count: 2, timeoutMs: 2000 } });
		const run = async () =>
			await runWorkflow(
				startThen(
					hubSpotNode({
						resource: 'contact',
						operation: 'upsert',
						columns: { mappingMode: 'autoMapInputData', value: null },
						...incrementParameters,
					}),
					{ id: 'wf-hubspot-race' },
				),
				{
					startItems: [{ json: { email: EMAIL } }],
					credentials: {
						hubSpotBatchApi: { accessToken: TOKEN, tier: 'professional', baseUrl: emulator.url },
					},
				},
			);
		const [a, b] = await Promise.all([run(), run()]);
		expect([a.error, b.error]).toEqual([undefined, undefined]);
		expect([a.json('HubSpot')[0].status, b.json('HubSpot')[0].status]).toEqual([
			'updated',
			'updated',
		]);
		expect(emulator.requests({ method: 'POST', path: READ })).toHaveLength(2);
		expect(storedCount()).toBe('7');
	});

	it('in two n8n processes coordinating through Redis, both increments land', async () => {
		await startWithContact();
		// Generous: two processes started apart still send their reads within it when nothing locks.
		emulator.setFaults({ holdRequests: { path: READ, count: 2, timeoutMs: 5000 } });
		const go = `${testPrefix('hubspot-race')}go`;
		const workers = [1, 2].map(() =>
			worker({
				mode: 'upsert',
				baseUrl: emulator.url,
				token: TOKEN,
				redis: testRedisCredentials(),
				go,
				parameters: incrementParameters,
				rows: [{ email: EMAIL }],
			}),
		);
		try {
			// Both are loaded and waiting: let them go together.
			expect(await Promise.all(workers.map(async (w) => await w.next()))).toEqual([
				{ ready: true },
				{ ready: true },
			]);
			await redis.rpush(go, 'go', 'go');
			const results = await Promise.all(workers.map(async (w) => await w.next()));
			expect(results).toEqual([
				{ statuses: ['updated'], errors: [] },
				{ statuses: ['updated'], errors: [] },
			]);
			expect(emulator.requests({ method: 'POST', path: READ })).toHaveLength(2);
			expect(storedCount()).toBe('7');
		} finally {
			for (const w of workers) w.stop();
			await cleanupPrefix(redis, go);
			await cleanupPrefix(redis, `mkops:ratelimit:{${emulator.url}`);
		}
	}, 120_000);
});

/** A worker process; `next()` resolves with its next JSON line on stdout. */
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
