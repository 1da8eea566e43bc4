/**
 * Queue mode: several n8n processes on one HubSpot account. Each process has its own in-process
 * limiter; with Share Rate Limit Across Workers they also share one window in real Redis.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import type { INode } from 'n8n-workflow';

import { HubSpotApi, type HubSpotContext } from '../../nodes/HubSpotBatch/v1/transport';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { cleanupPrefix, ensureRedis, testRedis, testRedisCredentials } from '../harness/redis';

const run = promisify(execFile);
const WORKER = path.join(__dirname, '../fixtures/hubspot-shared-limit-worker.js');
const redis = testRedis('hubspot-shared-limit-test');
let emulator: HubSpotEmulator;

beforeAll(async () => {
	await ensureRedis();
});
afterEach(async () => {
	await emulator?.close();
	await cleanupPrefix(redis, 'mkops:ratelimit:');
});
afterAll(async () => {
	await redis.quit();
});

/** Two worker processes, each allowed `limit` per 10 s, each sending `count` calls at the same instant. */
async function twoWorkers(shared: boolean, limit: number, count: number) {
	const startAt = Date.now() + 1500;
	const opts = {
		baseUrl: emulator.url,
		token: 'pat-emulator-token',
		limit,
		count,
		shared,
		redisUrl: `redis://${testRedisCredentials().host}:${testRedisCredentials().port}/0`,
		startAt,
	};
	const outputs = await Promise.all(
		[1, 2].map(async () => {
			const { stdout } = await run(process.execPath, [WORKER, JSON.stringify(opts)], {
				timeout: 60000,
			});
			return JSON.parse(stdout.trim().split('\n').pop()!) as {
				ok: number;
				rateLimited: number;
				errors: string[];
			};
		}),
	);
	return outputs;
}

describe('Share Rate Limit Across Workers', () => {
	it('control: two workers that each assume the whole budget together exceed it and meet 429s', async () => {
		emulator = await startHubSpotEmulator({ limitPer10s: 10 });
		const [a, b] = await twoWorkers(false, 10, 8);
		console.log(
			`shared limit off: worker calls ok ${a.ok}+${b.ok}, 429s ${a.rateLimited}+${b.rateLimited}`,
		);
		expect(emulator.requests({ status: 429 }).length).toBeGreaterThan(0);
		expect(a.rateLimited + b.rateLimited).toBeGreaterThan(0);
	});

	it('shared in Redis: the two workers together stay within 10 per 10 s and meet no 429', async () => {
		emulator = await startHubSpotEmulator({ limitPer10s: 10 });
		const started = Date.now();
		const [a, b] = await twoWorkers(true, 10, 8);
		const accepted = emulator.requests({ status: 200 });
		console.log(
			`shared limit on: worker calls ok ${a.ok}+${b.ok}, 429s ${emulator.requests({ status: 429 }).length}, ${accepted.length} accepted over ${Date.now() - started} ms`,
		);
		expect(a.errors).toEqual([]);
		expect(b.errors).toEqual([]);
		expect(a.ok + b.ok).toBe(16);
		// The emulator refuses an 11th call inside any 10 s window: none was refused.
		expect(emulator.requests({ status: 429 })).toHaveLength(0);
	}, 60000);

	it('a missing or malformed Redis URL is a clear error that never repeats the URL', () => {
		const node: INode = {
			id: 'n',
			name: 'HubSpot',
			type: 'x',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		const ctx = { getNode: () => node } as unknown as HubSpotContext;
		const make = (redisUrlSecret: string) => () =>
			new HubSpotApi(ctx, {
				accessToken: 't',
				tier: 'starter',
				baseUrl: 'http://127.0.0.1:1',
				sharedRateLimit: true,
				redisUrlSecret,
			});
		expect(make('')).toThrow(
			"The HubSpot credential shares its rate limit but has no Redis URL: set 'Redis URL', or turn on the node's Coordinate Workers Through Redis instead",
		);
		expect(make('http://:hunter2@redis:6379')).toThrow(
			"Field 'Redis URL': must start with redis:// or rediss://, not http://",
		);
		expect(() => make('http://:hunter2@redis:6379')()).not.toThrow(/hunter2/);
	});
});
