/**
 * RedisSlidingWindowLimiter against a real Redis: separate OS processes (test/fixtures/
 * queue-limiter-worker.js, each with its own ioredis connection) share one budget.
 */
import type { Redis } from 'ioredis';

import { RedisSlidingWindowLimiter } from '../../nodes/shared/transport/redisRateLimiter';
import {
	cleanupPrefix,
	ensureRedis,
	sleep,
	startFixture,
	testPrefix,
	testRedis,
} from '../harness/redis';

interface Grant {
	server: number;
	client: number;
	late?: boolean;
}

interface WorkerReport {
	grants: Grant[];
	pause?: { setAtServer: number; until: number };
}

/** Most grants found in any half-open interval [t, t + windowMs). */
function maxInAnyWindow(times: number[], windowMs: number): number {
	const sorted = [...times].sort((a, b) => a - b);
	let max = 0;
	let start = 0;
	for (let end = 0; end < sorted.length; end++) {
		while (sorted[end] - sorted[start] >= windowMs) start++;
		max = Math.max(max, end - start + 1);
	}
	return max;
}

describe('RedisSlidingWindowLimiter (real Redis, several processes)', () => {
	let redis: Redis;
	let prefix: string;

	beforeAll(async () => {
		await ensureRedis();
		redis = testRedis('jest-redisRateLimiter');
		prefix = testPrefix('ratelimit');
	});

	afterAll(async () => {
		await cleanupPrefix(redis, prefix);
		expect(await redis.keys(`${prefix}*`)).toEqual([]);
		await redis.quit();
	});

	const runWorkers = async (
		key: string,
		workers: Array<{ concurrency: number; pauseAfter?: number; pauseMs?: number; gapMs?: number }>,
		durationMs: number,
		limit = 20,
	): Promise<WorkerReport[]> => {
		const startAt = Date.now() + 2500; // after every child has loaded and connected
		const children = workers.map((w) =>
			startFixture('queue-limiter-worker.js', {
				prefix,
				key,
				limit,
				windowMs: 1000,
				startAt,
				durationMs,
				...w,
			}),
		);
		const reports = await Promise.all(children.map(async (c) => await c.firstJson<WorkerReport>()));
		const exits = await Promise.all(children.map(async (c) => await c.exited));
		for (const exit of exits) expect(exit.code).toBe(0);
		return reports;
	};

	it('three processes, limit 20 per 1000 ms for 3 s: never more than 20 grants in any 1000 ms, throughput >= 80% of the limit', async () => {
		const durationMs = 3000;
		const reports = await runWorkers(
			'shared-budget',
			[{ concurrency: 3 }, { concurrency: 3 }, { concurrency: 2 }],
			durationMs,
		);
		const all = reports.flatMap((r) => r.grants);
		const counted = all.filter((g) => !g.late);
		for (const r of reports) expect(r.grants.filter((g) => !g.late).length).toBeGreaterThan(0);

		// The limiter's own record (Redis server clock, where grants are decided): strict.
		const serverMax = maxInAnyWindow(
			all.map((g) => g.server),
			1000,
		);
		expect(serverMax).toBeLessThanOrEqual(20);
		// As the workers saw it (their clock, when acquire() resolved): same bound.
		const clientMax = maxInAnyWindow(
			all.map((g) => g.client),
			1000,
		);
		expect(clientMax).toBeLessThanOrEqual(20);

		const ideal = 20 * Math.ceil(durationMs / 1000);
		expect(counted.length).toBeGreaterThanOrEqual(Math.ceil(0.8 * ideal));
		console.log(
			`shared limiter: ${reports.length} processes, ${counted.length} grants in ${durationMs} ms (ideal ${ideal}, ${Math.round((100 * counted.length) / ideal)}%), ` +
				`per process ${reports.map((r) => r.grants.filter((g) => !g.late).length).join('/')}, ` +
				`max in any 1000 ms: ${serverMax} (server clock), ${clientMax} (worker clock)`,
		);
	});

	it('pauseUntil from one process delays the others until the pause ends', async () => {
		// Demand (2 x 50/s) below the limit (200/s): only the pause can hold the workers back.
		const limit = 200;
		const [pauser, other] = await runWorkers(
			'shared-pause',
			[
				{ concurrency: 1, pauseAfter: 10, pauseMs: 700, gapMs: 20 },
				{ concurrency: 1, gapMs: 20 },
			],
			2000,
			limit,
		);
		expect(pauser.pause).toBeDefined();
		const { setAtServer, until } = pauser.pause!;
		expect(until - setAtServer).toBeGreaterThan(500);
		expect(until - setAtServer).toBeLessThanOrEqual(700);
		const merged = [...pauser.grants, ...other.grants].map((g) => g.server).sort((a, b) => a - b);
		expect(merged.filter((t) => t > setAtServer - 1000 && t <= setAtServer).length).toBeLessThan(
			limit / 2,
		);

		const during = (r: WorkerReport) =>
			r.grants.filter((g) => g.server > setAtServer && g.server < until);
		expect(during(other)).toEqual([]);
		expect(during(pauser)).toEqual([]);
		// The other process was acquiring before the pause and carried on as soon as it ended.
		expect(other.grants.some((g) => g.server <= setAtServer)).toBe(true);
		const after = other.grants.filter((g) => g.server >= until).map((g) => g.server);
		expect(after.length).toBeGreaterThan(0);
		expect(Math.min(...after) - until).toBeLessThan(100);
		console.log(
			`shared pause: set at ${setAtServer} for ${until - setAtServer} ms; other process: ${other.grants.filter((g) => g.server <= setAtServer).length} grants before, 0 during, first after ${Math.min(...after) - until} ms past the end`,
		);
	});

	it('waits by sleeping until the oldest grant leaves the window, not by polling Redis', async () => {
		const limiter = new RedisSlidingWindowLimiter(redis, {
			key: 'no-spin',
			limit: 3,
			windowMs: 600,
			prefix,
		});
		const evalsha = jest.spyOn(redis, 'evalsha');
		try {
			const started = Date.now();
			const times: number[] = [];
			for (let i = 0; i < 5; i++) times.push(await limiter.acquireAt());
			const elapsed = Date.now() - started;
			expect(times[3] - times[0]).toBeGreaterThanOrEqual(600);
			expect(times[4] - times[1]).toBeGreaterThanOrEqual(600);
			expect(elapsed).toBeGreaterThanOrEqual(590);
			expect(elapsed).toBeLessThan(1200);
			// Acquire-script runs (2 keys; releases use 1): 5 grants plus a wait answer or two for the
			// 4th and 5th, however long the wait; polling would be hundreds.
			const acquireRuns = evalsha.mock.calls.filter((call) => Number(call[1]) === 2).length;
			expect(acquireRuns).toBeGreaterThanOrEqual(6);
			expect(acquireRuns).toBeLessThanOrEqual(8);
		} finally {
			evalsha.mockRestore();
		}
	});

	it('concurrent acquire() calls in one process are served in order and share the budget; reconfigure applies to later calls', async () => {
		const limiter = new RedisSlidingWindowLimiter(redis, {
			key: 'fifo',
			limit: 4,
			windowMs: 400,
			prefix,
		});
		const order: number[] = [];
		const times = await Promise.all(
			Array.from({ length: 8 }, async (_, i) => {
				const t = await limiter.acquireAt();
				order.push(i);
				return t;
			}),
		);
		expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
		expect(maxInAnyWindow(times, 400)).toBeLessThanOrEqual(4);
		expect(times[4] - times[0]).toBeGreaterThanOrEqual(400);

		await limiter.reset();
		limiter.reconfigure(2, 300);
		expect([limiter.limit, limiter.windowMs]).toEqual([2, 300]);
		const started = Date.now();
		await limiter.acquire();
		await limiter.acquire();
		await limiter.acquire();
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		expect(() => limiter.reconfigure(0, 1000)).toThrow(RangeError);
	});

	it('absorb() counts requests made elsewhere; a pause is never shortened', async () => {
		const limiter = new RedisSlidingWindowLimiter(redis, {
			key: 'absorb',
			limit: 5,
			windowMs: 500,
			prefix,
		});
		await limiter.absorb(5);
		const started = Date.now();
		await limiter.acquire();
		expect(Date.now() - started).toBeGreaterThanOrEqual(450);

		await limiter.pauseUntil(Date.now() + 800);
		const long = await limiter.pausedUntil();
		await limiter.pauseUntil(Date.now() + 100);
		expect(await limiter.pausedUntil()).toBe(long);
		await sleep(10);
		const before = Date.now();
		await limiter.acquire();
		expect(Date.now() - before).toBeGreaterThanOrEqual(700);
	});
});
