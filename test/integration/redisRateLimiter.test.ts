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
	/** Grant time on the Redis server's clock. */
	server: number;
	/** The worker's clock when acquire() resolved. */
	client: number;
	/** Acquire-script runs the grant took (exact for a worker with one loop). */
	runs: number;
}

interface WorkerReport {
	grants: Grant[];
	/** The Redis server's clock just before and just after the pause was set, and the pause's end. */
	pause?: { before: number; until: number; after: number };
}

interface WorkerOptions {
	name: string;
	concurrency: number;
	gapMs?: number;
	stopAtTotal?: number;
	stopAfterPause?: number;
	pause?: { afterOwn: number; afterOthers?: string[]; others?: number; ms: number };
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

	/**
	 * Runs one worker process per entry on one shared budget. They start together once all are
	 * connected (a gate in Redis, however long each takes to load) and stop on counts, never on time.
	 */
	const runWorkers = async (
		key: string,
		workers: WorkerOptions[],
		limit: number,
	): Promise<WorkerReport[]> => {
		const gate = `${prefix}${key}:gate`;
		const children = workers.map((w) =>
			startFixture('queue-limiter-worker.js', {
				prefix,
				key,
				limit,
				windowMs: 1000,
				readyKey: `${gate}:ready`,
				goKey: `${gate}:go`,
				countKey: `${prefix}${key}:count`,
				pauseKey: `${prefix}${key}:pause-report`,
				...w,
			}),
		);
		while (Number((await redis.get(`${gate}:ready`)) ?? 0) < workers.length) await sleep(10);
		await redis.set(`${gate}:go`, '1');
		const reports = await Promise.all(children.map(async (c) => await c.firstJson<WorkerReport>()));
		const exits = await Promise.all(children.map(async (c) => await c.exited));
		for (const exit of exits) expect(exit.code).toBe(0);
		return reports;
	};

	it('three processes, limit 20 per 1000 ms: never more than 20 grants in any 1000 ms, every process served, and the whole budget usable in one window', async () => {
		const limit = 20;
		const total = 3 * limit;
		const reports = await runWorkers(
			'shared-budget',
			[
				{ name: 'a', concurrency: 3, stopAtTotal: total },
				{ name: 'b', concurrency: 3, stopAtTotal: total },
				{ name: 'c', concurrency: 2, stopAtTotal: total },
			],
			limit,
		);
		const all = reports.flatMap((r) => r.grants);
		expect(all.length).toBeGreaterThanOrEqual(total);
		for (const r of reports) expect(r.grants.length).toBeGreaterThan(0);

		// The limiter's own record (Redis server clock, where grants are decided): strict.
		const serverTimes = all.map((g) => g.server).sort((a, b) => a - b);
		const serverMax = maxInAnyWindow(serverTimes, 1000);
		expect(serverMax).toBeLessThanOrEqual(limit);
		// As the workers saw it (their clock, when acquire() resolved): same bound.
		const clientMax = maxInAnyWindow(
			all.map((g) => g.client),
			1000,
		);
		expect(clientMax).toBeLessThanOrEqual(limit);
		// One budget for all, not a share per process: eight loops asked at once on an empty window,
		// and all 20 slots went before anyone waited.
		expect(serverMax).toBe(limit);
		// Demand above the limit had to wait: 60 grants span at least two windows.
		expect(serverTimes[total - 1] - serverTimes[0]).toBeGreaterThanOrEqual(2000);
		console.log(
			`shared limiter: ${reports.length} processes, ${all.length} grants over ${serverTimes[serverTimes.length - 1] - serverTimes[0]} ms (server clock), ` +
				`per process ${reports.map((r) => r.grants.length).join('/')}, ` +
				`max in any 1000 ms: ${serverMax} (server clock), ${clientMax} (worker clock)`,
		);
	});

	it('pauseUntil from one process delays the others until the pause ends, and they wait for it in one sleep', async () => {
		// Demand (2 x at most 50/s) below the limit (200/s): only the pause can hold the workers back.
		const limit = 200;
		const pauseMs = 700;
		const [pauser, other] = await runWorkers(
			'shared-pause',
			[
				{
					name: 'pauser',
					concurrency: 1,
					gapMs: 20,
					// Once the other process has been served too, so it provably was acquiring before.
					pause: { afterOwn: 10, afterOthers: ['other'], others: 3, ms: pauseMs },
					stopAfterPause: 5,
				},
				{ name: 'other', concurrency: 1, gapMs: 20, stopAfterPause: 5 },
			],
			limit,
		);
		expect(pauser.pause).toBeDefined();
		const { before, until, after } = pauser.pause!;
		// The pause lasts what was asked, counted from when it was set (server clock, 1 ms rounding).
		expect(until - before).toBeGreaterThanOrEqual(pauseMs - 1);
		expect(until - after).toBeLessThanOrEqual(pauseMs);
		const merged = [...pauser.grants, ...other.grants].map((g) => g.server).sort((a, b) => a - b);
		expect(merged.filter((t) => t > before - 1000 && t <= before).length).toBeLessThan(limit / 2);

		// Set at until - pauseMs (give or take the 1 ms of rounding): nobody is served from then on
		// until it ends.
		const during = (r: WorkerReport) =>
			r.grants.filter((g) => g.server > until - pauseMs + 1 && g.server < until);
		expect(during(other)).toEqual([]);
		expect(during(pauser)).toEqual([]);
		// The other process was acquiring before the pause and carried on after it.
		expect(other.grants.filter((g) => g.server <= before).length).toBeGreaterThanOrEqual(3);
		const afterPause = other.grants.filter((g) => g.server >= until);
		expect(afterPause.length).toBeGreaterThanOrEqual(5);
		// It slept until the pause's end instead of polling: its first grant after the pause took one
		// refused run and the granted one (a third if its timer woke a millisecond early).
		expect(afterPause[0].runs).toBeLessThanOrEqual(3);
		console.log(
			`shared pause: set for ${until - before} ms; other process: ${other.grants.filter((g) => g.server <= before).length} grants before, 0 during, first after the end ${afterPause[0].server - until} ms past it in ${afterPause[0].runs} script runs`,
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

		// A pause far longer than any delay between these calls: a shorter one cannot end it sooner.
		await limiter.pauseUntil(Date.now() + 60000);
		const long = await limiter.pausedUntil();
		await limiter.pauseUntil(Date.now() + 100);
		expect(await limiter.pausedUntil()).toBe(long);

		await limiter.reset();
		await limiter.pauseUntil(Date.now() + 800);
		await sleep(10);
		const before = Date.now();
		await limiter.acquire();
		expect(Date.now() - before).toBeGreaterThanOrEqual(700);
	});
});
