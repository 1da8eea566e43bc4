/**
 * ReliableQueue against a real Redis (started by the harness if needed; nothing is skipped).
 * Every run uses its own key prefix and deletes it afterwards.
 */
import type { Redis } from 'ioredis';

import type { QueueItem } from '../../nodes/shared/queue/reliableQueue';
import { ReliableQueue } from '../../nodes/shared/queue/reliableQueue';
import {
	cleanupPrefix,
	ensureRedis,
	sleep,
	startFixture,
	testPrefix,
	testRedis,
} from '../harness/redis';

interface Payload {
	producer: number;
	seq: number;
	email: string;
}

describe('ReliableQueue (Redis Streams + consumer group, real Redis)', () => {
	let redis: Redis;
	let prefix: string;
	const extra: Redis[] = [];

	const connection = (name: string) => {
		const r = testRedis(name);
		extra.push(r);
		return r;
	};

	beforeAll(async () => {
		await ensureRedis();
		redis = testRedis('jest-redisQueue');
		prefix = testPrefix('queue');
	});

	afterAll(async () => {
		await cleanupPrefix(redis, prefix);
		expect(await redis.keys(`${prefix}*`)).toEqual([]);
		await Promise.all(extra.map(async (r) => await r.quit()));
		await redis.quit();
	});

	/**
	 * A barrier for `parties` tasks, reusable round after round: `wait()` resolves once all of them
	 * called it. It makes the race a fixed interleaving instead of whatever the scheduler does.
	 */
	function cyclicBarrier(parties: number) {
		let waiting: Array<() => void> = [];
		return async () =>
			await new Promise<void>((resolve) => {
				waiting.push(resolve);
				if (waiting.length < parties) return;
				const all = waiting;
				waiting = [];
				for (const release of all) release();
			});
	}

	/**
	 * Makes Redis see `ids` as held by `consumer` for `idleMs` already: the time a slow round takes,
	 * without waiting for it (and without a claim window short enough for load to break).
	 */
	async function backDate(name: string, consumer: string, ids: string[], idleMs: number) {
		await redis.xclaim(
			`${prefix}{${name}}:stream`,
			'workers',
			consumer,
			0,
			...ids,
			'IDLE',
			idleMs,
			'JUSTID',
		);
	}

	/** How long each of `ids` has been idle in its holder's pending list. */
	async function idleOf(name: string, ids: string[]): Promise<number[]> {
		const pending = (await redis.xpending(
			`${prefix}{${name}}:stream`,
			'workers',
			'-',
			'+',
			100,
		)) as Array<[string, string, number, number]>;
		return ids.map((id) => pending.find(([pendingId]) => pendingId === id)?.[2] ?? Infinity);
	}

	it('producers racing the flush: every item is processed exactly once (ids and payloads), none lost, none twice', async () => {
		const name = 'race';
		const PRODUCERS = 4;
		const CONSUMERS = 3;
		const ROUNDS = 60;

		const enqueued = new Map<string, Payload>();
		const processed = new Map<string, Payload>();
		const claimedBy = new Map<string, string>();
		/** Per round: the ids of the producers' first and second halves. */
		const firstHalves = Array.from({ length: ROUNDS }, () => new Set<string>());
		const secondHalves = Array.from({ length: ROUNDS }, () => new Set<string>());
		/** Per round: the claims made between the halves, and how much of the second half existed then. */
		const between = Array.from(
			{ length: ROUNDS },
			() => [] as Array<{ ids: string[]; secondHalfSent: number }>,
		);
		let duplicateDeliveries = 0;
		let payloadMismatches = 0;
		let failedOnce = 0;
		// Every round is a fixed interleaving: (1) the queue is empty, producers add the first half of
		// their batch; (2) each consumer claims once while producers wait with the second half unsent;
		// (3) producers add the second half while consumers process what was there before; (4) consumers
		// drain everything. Nothing is left to the scheduler.
		const barrier = cyclicBarrier(PRODUCERS + CONSUMERS);

		const producer = async (p: number) => {
			const q = new ReliableQueue<Payload>(connection(`producer-${p}`), {
				name,
				prefix,
				consumer: `producer-${p}`,
			});
			let seq = 0;
			const enqueue = async (batch: Payload[], half: Set<string>) => {
				const ids = await q.enqueue(batch);
				expect(ids).toHaveLength(batch.length);
				ids.forEach((id, i) => {
					expect(enqueued.has(id)).toBe(false);
					enqueued.set(id, batch[i]);
					half.add(id);
				});
			};
			for (let round = 0; round < ROUNDS; round++) {
				const size = 2 + Math.floor(Math.random() * 11);
				const batch = Array.from({ length: size }, () => {
					seq++;
					return { producer: p, seq, email: `p${p}-${seq}@example.com` };
				});
				const half = Math.floor(size / 2);
				await barrier(); // 1: the queue is drained
				await enqueue(batch.slice(0, half), firstHalves[round]);
				await barrier(); // 2: every first half is in
				await barrier(); // 3: every consumer has claimed once
				await enqueue(batch.slice(half), secondHalves[round]);
				await barrier(); // 4: every second half is in
			}
		};

		const consumer = async (c: number) => {
			const consumerName = `consumer-${c}`;
			const q = new ReliableQueue<Payload>(connection(consumerName), {
				name,
				prefix,
				consumer: consumerName,
				maxAttempts: 5,
			});
			const handle = async (batch: Array<QueueItem<Payload>>) => {
				const done: Array<QueueItem<Payload>> = [];
				const failures: Array<{ id: string; error: string }> = [];
				for (const item of batch) {
					if (claimedBy.has(item.id) && item.attempts === 1) duplicateDeliveries++;
					claimedBy.set(item.id, consumerName);
					// Some items fail on their first attempt and must come back (to any consumer).
					if (item.attempts === 1 && item.payload.seq % 37 === 0) {
						failures.push({ id: item.id, error: 'simulated 502' });
						failedOnce++;
						continue;
					}
					done.push(item);
				}
				for (const item of done) {
					// ack one by one so that each id's ack count is known exactly
					const acked = await q.ack([item.id]);
					if (acked !== 1 || processed.has(item.id)) duplicateDeliveries++;
					const expected = enqueued.get(item.id);
					if (expected !== undefined && JSON.stringify(expected) !== JSON.stringify(item.payload))
						payloadMismatches++;
					processed.set(item.id, item.payload);
				}
				if (failures.length > 0) {
					const result = await q.fail(failures);
					expect(result.retried.sort()).toEqual(failures.map((f) => f.id).sort());
				}
			};
			const drain = async (target: number) => {
				while (processed.size < target) {
					const batch = await q.claim(1 + Math.floor(Math.random() * 40));
					if (batch.length === 0)
						await sleep(1); // held by another consumer, or its retry is due
					else await handle(batch);
				}
			};
			for (let round = 0; round < ROUNDS; round++) {
				await barrier(); // 1
				await barrier(); // 2
				const early = await q.claim(1 + Math.floor(Math.random() * 40));
				between[round].push({
					ids: early.map((i) => i.id),
					secondHalfSent: secondHalves[round].size,
				});
				await handle(early);
				const firstHalvesIn = enqueued.size;
				await barrier(); // 3
				await drain(firstHalvesIn); // while the producers add their second halves
				await barrier(); // 4
				await drain(enqueued.size);
			}
		};

		await Promise.all([
			...Array.from({ length: PRODUCERS }, async (_, p) => await producer(p)),
			...Array.from({ length: CONSUMERS }, async (_, c) => await consumer(c)),
		]);

		const total = enqueued.size;
		expect(duplicateDeliveries).toBe(0);
		expect(payloadMismatches).toBe(0);
		expect(processed.size).toBe(total);
		for (const [id, payload] of enqueued) expect(processed.get(id)).toEqual(payload);
		const distinctPayloads = new Set([...processed.values()].map((p) => `${p.producer}:${p.seq}`));
		expect(distinctPayloads.size).toBe(total);
		expect(failedOnce).toBeGreaterThan(0);
		// The flush raced the producers in every round: claims returned items of the first half while
		// the second half was still unsent, and only items of that first half (the queue was empty).
		for (let round = 0; round < ROUNDS; round++) {
			const claimed = between[round].flatMap((claim) => claim.ids);
			expect(claimed.length).toBeGreaterThan(0);
			expect(claimed.filter((id) => !firstHalves[round].has(id))).toEqual([]);
			expect(between[round].map((claim) => claim.secondHalfSent)).toEqual([0, 0, 0]);
			expect(secondHalves[round].size).toBeGreaterThan(0);
		}
		const claimedBetween = between.flat().reduce((n, claim) => n + claim.ids.length, 0);

		const stats = await new ReliableQueue<Payload>(redis, {
			name,
			prefix,
			consumer: 'observer',
		}).stats();
		expect(stats).toMatchObject({
			length: 0,
			pending: 0,
			deadLetters: 0,
			oldestAgeMs: null,
			processed: total,
			failed: 0,
			retried: failedOnce,
			reclaimed: 0,
		});
		// Acked entries are deleted, so the stream does not grow with history.
		expect(await redis.xlen(`${prefix}{${name}}:stream`)).toBe(0);
		console.log(
			`race: ${PRODUCERS} producers x ${ROUNDS} rounds (${total} items), ${CONSUMERS} consumers gated into each round: ${claimedBetween} claimed while the producers held their second halves, ${processed.size} processed once each, ${failedOnce} retried once, 0 lost, 0 twice`,
		);
	});

	it('control: the seed sketch (LRANGE 0 99, HubSpot call, LTRIM n -1) loses and repeats items when a producer pushes during the flush', async () => {
		const key = `${prefix}sketch:assoc_queue`;
		for (let i = 1; i <= 5; i++) await redis.lpush(key, `old-${i}`);
		const flushed = await redis.lrange(key, 0, 99); // flush reads 5 items
		await connection('sketch-producer').lpush(key, 'new-1', 'new-2'); // a producer races the HubSpot call
		await redis.ltrim(key, flushed.length, -1); // ... then trims 5 positions
		const left = await redis.lrange(key, 0, -1);
		expect(left).not.toContain('new-1'); // never processed, gone
		expect(left).not.toContain('new-2');
		expect(left.filter((v) => flushed.includes(v)).length).toBeGreaterThan(0); // processed, still there
	});

	it('concurrent claims never hand the same item to two live consumers', async () => {
		const name = 'disjoint';
		const producer = new ReliableQueue<number>(redis, { name, prefix, consumer: 'producer' });
		await producer.enqueue(Array.from({ length: 1000 }, (_, i) => i));
		const seen = new Map<string, number>();
		await Promise.all(
			Array.from({ length: 6 }, async (_, c) => {
				const q = new ReliableQueue<number>(connection(`disjoint-${c}`), {
					name,
					prefix,
					consumer: `c${c}`,
				});
				for (;;) {
					const items = await q.claim(17);
					if (items.length === 0) return;
					for (const item of items) seen.set(item.id, (seen.get(item.id) ?? 0) + 1);
				}
			}),
		);
		expect(seen.size).toBe(1000);
		expect([...seen.values()].every((n) => n === 1)).toBe(true);
		expect(await producer.stats()).toMatchObject({ length: 0, pending: 1000 });
	});

	it('killed flush: a consumer SIGKILLed before ack loses nothing; after claimIdleMs the next flush reclaims its items (attempts 2) and completes them once', async () => {
		const name = 'crash';
		const claimIdleMs = 1500;
		const writesKey = `${prefix}crash:hubspot-writes`;
		const q = new ReliableQueue<Payload>(redis, {
			name,
			prefix,
			consumer: 'survivor',
			claimIdleMs,
		});
		const ids = await q.enqueue(
			Array.from({ length: 20 }, (_, i) => ({
				producer: 0,
				seq: i + 1,
				email: `c${i + 1}@example.com`,
			})),
		);

		const child = startFixture('queue-crash-consumer.js', {
			prefix,
			name,
			consumer: 'doomed',
			count: 10,
			claimIdleMs,
			writesKey,
		});
		const report = await child.firstJson<{
			claimed: Array<{ id: string; attempts: number }>;
			written: string[];
		}>();
		const killedAt = Date.now();
		child.child.kill('SIGKILL');
		expect((await child.exited).signal).toBe('SIGKILL');

		const held = report.claimed.map((c) => c.id);
		expect(held).toEqual(ids.slice(0, 10));
		expect(report.claimed.every((c) => c.attempts === 1)).toBe(true);
		expect(report.written).toEqual(ids.slice(0, 5)); // half of the batch was written, nothing acked
		expect(await q.stats()).toMatchObject({ length: 10, pending: 10, processed: 0 });

		// Right away the dead consumer's items are still within claimIdleMs: only new items come.
		const fresh = await q.claim(50);
		expect(fresh.map((i) => i.id)).toEqual(ids.slice(10));
		expect(fresh.every((i) => i.attempts === 1)).toBe(true);
		for (const item of fresh) await redis.hincrby(writesKey, item.id, 1);
		expect(await q.ack(fresh.map((i) => i.id))).toBe(10);
		expect(await q.claim(50)).toEqual([]);

		// After claimIdleMs the next flush takes them over.
		let reclaimed: Array<QueueItem<Payload>> = [];
		while (reclaimed.length === 0) {
			await sleep(100);
			reclaimed = await q.claim(50);
		}
		// Not before its claim window had passed (the child claimed them before it reported).
		expect(Date.now() - killedAt).toBeGreaterThanOrEqual(claimIdleMs - 1000);
		expect(reclaimed.map((i) => i.id)).toEqual(held);
		expect(reclaimed.every((i) => i.attempts === 2)).toBe(true);
		expect(reclaimed[0].lastError).toMatch(/not acknowledged within 1500 ms/);
		expect(reclaimed.map((i) => i.payload.seq)).toEqual(
			Array.from({ length: 10 }, (_, i) => i + 1),
		);
		for (const item of reclaimed) await redis.hincrby(writesKey, item.id, 1); // idempotent write, again
		for (const item of reclaimed) expect(await q.ack([item.id])).toBe(1);

		// Acked means gone: no later claim, and a second ack is a no-op.
		expect(await q.ack(ids)).toBe(0);
		expect(await q.claim(50)).toEqual([]);
		await sleep(claimIdleMs + 100);
		expect(await q.claim(50)).toEqual([]);
		expect(await q.stats()).toMatchObject({
			length: 0,
			pending: 0,
			processed: 20,
			failed: 0,
			reclaimed: 10,
			deadLetters: 0,
		});

		// At-least-once: the 5 items written before the crash were written again after the reclaim
		// (HubSpot writes must be idempotent); every other item exactly once.
		const writes = await redis.hgetall(writesKey);
		expect(Object.keys(writes).sort()).toEqual([...ids].sort());
		for (const id of ids) expect(Number(writes[id])).toBe(report.written.includes(id) ? 2 : 1);
	});

	it('poison item: fails 3 times, then sits in the DLQ with its last error; stats and deadLetters() show it; requeue puts it back', async () => {
		const name = 'poison';
		const q = new ReliableQueue<{ email: string }>(redis, { name, prefix, consumer: 'w1' });
		const [goodA, poison, goodB] = await q.enqueue([
			{ email: 'a@example.com' },
			{ email: 'not-an-email' },
			{ email: 'b@example.com' },
		]);

		const outcomes: Array<{ retried: string[]; deadLettered: string[] }> = [];
		const attemptsSeen: number[] = [];
		for (let round = 1; round <= 3; round++) {
			const items = await q.claim(10);
			const bad = items.find((i) => i.id === poison)!;
			attemptsSeen.push(bad.attempts);
			if (round > 1) expect(bad.lastError).toBe(`HubSpot 400: invalid email (try ${round - 1})`);
			const ok = items.filter((i) => i.id !== poison).map((i) => i.id);
			if (ok.length > 0) expect(await q.ack(ok)).toBe(ok.length);
			outcomes.push(
				await q.fail([{ id: poison, error: `HubSpot 400: invalid email (try ${round})` }]),
			);
		}
		expect(attemptsSeen).toEqual([1, 2, 3]);
		expect(outcomes.map((o) => [o.retried, o.deadLettered])).toEqual([
			[[poison], []],
			[[poison], []],
			[[], [poison]],
		]);
		expect(await q.claim(10)).toEqual([]);

		const stats = await q.stats();
		expect(stats).toMatchObject({
			length: 0,
			pending: 0,
			deadLetters: 1,
			processed: 2,
			failed: 1,
			retried: 2,
			oldestAgeMs: null,
		});
		const dead = await q.deadLetters();
		expect(dead).toHaveLength(1);
		expect(dead[0]).toMatchObject({
			id: poison,
			payload: { email: 'not-an-email' },
			attempts: 3,
			lastError: 'HubSpot 400: invalid email (try 3)',
		});
		expect(dead[0].enqueuedAt).toBeLessThanOrEqual(dead[0].deadLetteredAt);
		expect([goodA, goodB]).not.toContain(poison);

		expect(await q.requeueDeadLetters()).toBe(1);
		expect(await q.stats()).toMatchObject({ length: 1, deadLetters: 0 });
		const again = await q.claim(10);
		expect(again).toHaveLength(1);
		expect(again[0]).toMatchObject({ payload: { email: 'not-an-email' }, attempts: 1 });
		expect(again[0].enqueuedAt).toBe(dead[0].enqueuedAt);
		expect(await q.ack([again[0].id])).toBe(1);
	});

	it('an item whose consumers keep dying is dead-lettered once it has been claimed maxAttempts times', async () => {
		const name = 'crashloop';
		const opts = { name, prefix, claimIdleMs: 200, maxAttempts: 2 };
		const [id] = await new ReliableQueue<string>(redis, { ...opts, consumer: 'p' }).enqueue([
			'kills workers',
		]);
		expect(
			(await new ReliableQueue<string>(redis, { ...opts, consumer: 'a' }).claim(5))[0].attempts,
		).toBe(1);
		await sleep(250);
		const second = await new ReliableQueue<string>(redis, { ...opts, consumer: 'b' }).claim(5);
		expect(second[0]).toMatchObject({ id, attempts: 2 });
		await sleep(250);
		const c = new ReliableQueue<string>(redis, { ...opts, consumer: 'c' });
		expect(await c.claim(5)).toEqual([]);
		const [dead] = await c.deadLetters();
		expect(dead).toMatchObject({ id, payload: 'kills workers', attempts: 2 });
		expect(dead.lastError).toMatch(/not acknowledged within 200 ms/);
		expect(await c.stats()).toMatchObject({
			length: 0,
			pending: 0,
			deadLetters: 1,
			failed: 1,
			reclaimed: 2,
		});
	});

	it('stats(): waiting length, pending, DLQ length, age of the oldest waiting item, processed and failed counters', async () => {
		const name = 'stats';
		const q = new ReliableQueue<number>(redis, { name, prefix, consumer: 's1', maxAttempts: 2 });
		expect(await q.stats()).toEqual({
			length: 0,
			pending: 0,
			deadLetters: 0,
			oldestAgeMs: null,
			processed: 0,
			failed: 0,
			retried: 0,
			reclaimed: 0,
		});
		const beforeFirst = Date.now();
		const ids = await q.enqueue([1, 2, 3, 4, 5]);
		await sleep(120);
		const late = await q.enqueue([6]);
		let s = await q.stats();
		expect(s).toMatchObject({ length: 6, pending: 0 });
		expect(s.oldestAgeMs).toBeGreaterThanOrEqual(110);
		// The age of item 1, not of anything older (one clock on this host; 1 ms for rounding).
		expect(s.oldestAgeMs).toBeLessThanOrEqual(Date.now() - beforeFirst + 1);

		const claimed = await q.claim(3); // 1, 2, 3
		expect(claimed.map((i) => i.id)).toEqual(ids.slice(0, 3));
		s = await q.stats();
		expect(s).toMatchObject({ length: 3, pending: 3 });
		expect(s.oldestAgeMs).toBeGreaterThanOrEqual(110); // item 4, same age as 1

		expect(await q.ack([ids[0]])).toBe(1);
		await q.fail([{ id: ids[1], error: 'boom' }]); // retry: waiting again, and the oldest
		s = await q.stats();
		expect(s).toMatchObject({ length: 4, pending: 1, processed: 1, failed: 0, retried: 1 });

		await q.claim(5); // retry of 2 (attempt 2) first, then 4, 5, 6
		s = await q.stats();
		expect(s).toMatchObject({ length: 0, pending: 5, oldestAgeMs: null });
		expect(await q.fail([{ id: ids[1], error: 'boom again' }])).toEqual({
			retried: [],
			deadLettered: [ids[1]],
			ignored: [],
		});
		expect(await q.ack([ids[2], ids[3], ids[4], late[0]])).toBe(4);
		expect(await q.stats()).toEqual({
			length: 0,
			pending: 0,
			deadLetters: 1,
			oldestAgeMs: null,
			processed: 5,
			failed: 1,
			retried: 1,
			reclaimed: 0,
		});
	});

	it('a consumer that lost an item to a reclaim cannot fail or extend it; extend() keeps a slow batch from being reclaimed', async () => {
		const name = 'ownership';
		const opts = { name, prefix, claimIdleMs: 60000 };
		const slow = new ReliableQueue<string>(redis, { ...opts, consumer: 'slow' });
		const other = new ReliableQueue<string>(redis, { ...opts, consumer: 'other' });
		const [a, b] = await slow.enqueue(['a', 'b']);
		await slow.claim(2);
		// A slow batch, held past the claim window; the consumer renews a (its heartbeat), not b.
		await backDate(name, 'slow', [a, b], 2 * opts.claimIdleMs);
		expect(await slow.extend([a])).toEqual([a]);
		const taken = await other.claim(5);
		expect(taken.map((t) => t.id)).toEqual([b]);
		expect(await slow.fail([{ id: b, error: 'late' }])).toEqual({
			retried: [],
			deadLettered: [],
			ignored: [b],
		});
		expect(await slow.extend([b])).toEqual([]);
		// A late ack by the old holder still completes the item (its write happened), once.
		expect(await slow.ack([b])).toBe(1);
		expect(await other.ack([b])).toBe(0);
		expect(await slow.ack([a])).toBe(1);
		expect(await slow.retire()).toBe(true);
		expect(await other.stats()).toMatchObject({ length: 0, pending: 0, processed: 2 });
	});

	it('keepClaimed(): a live consumer whose round outlasts claimIdleMs keeps its items; once it stops renewing (it died), they are reclaimed, and it learns it lost them', async () => {
		const name = 'heartbeat';
		const claimIdleMs = 60000;
		const opts = { name, prefix, claimIdleMs };
		const slow = new ReliableQueue<string>(redis, { ...opts, consumer: 'slow' });
		const next = new ReliableQueue<string>(connection('heartbeat-next'), {
			...opts,
			consumer: 'next',
		});
		// The renewals keepClaimed() makes, passed through: the test waits for them, never for time.
		const renewals: Array<Promise<string[]>> = [];
		const extend = slow.extend.bind(slow);
		jest.spyOn(slow, 'extend').mockImplementation(async (ids) => {
			const renewal = extend(ids);
			renewals.push(renewal);
			return await renewal;
		});
		const ids = await slow.enqueue(['a', 'b']);
		const claims = slow.keepClaimed(
			(await slow.claim(2)).map((i) => i.id),
			100,
		);
		try {
			// Two claim windows into a slow round, as Redis sees it: renewed by the heartbeat alone.
			await backDate(name, 'slow', ids, 2 * claimIdleMs);
			while ((await idleOf(name, ids)).some((idle) => idle >= claimIdleMs)) await sleep(20);
			expect(await next.claim(5)).toEqual([]);
			expect(claims.remaining).toEqual(ids);
			expect(claims.lost.size).toBe(0);
		} finally {
			claims.stop();
		}
		await Promise.allSettled(renewals);
		const renewed = renewals.length;
		// Stopped renewing, as a dead consumer does: once the window has passed, taken over.
		await backDate(name, 'slow', ids, 2 * claimIdleMs);
		const taken = await next.claim(5);
		expect(taken.map((i) => i.id)).toEqual(ids);
		expect(taken.every((i) => i.attempts === 2)).toBe(true);
		expect(renewals).toHaveLength(renewed); // stop() ended the background renewals
		await claims.beat();
		expect([...claims.lost]).toEqual(ids);
		expect(claims.holds(ids[0])).toBe(false);
		expect(await next.ack(ids)).toBe(2);
	});

	it('release(): an item claimed but never sent goes back at once without counting the try; deadLetter(): one that must not be tried again leaves at once with its reason', async () => {
		const name = 'release';
		const q = new ReliableQueue<string>(redis, { name, prefix, consumer: 'r1', maxAttempts: 2 });
		const other = new ReliableQueue<string>(redis, {
			name,
			prefix,
			consumer: 'r2',
			maxAttempts: 2,
		});
		const [unsent, doubtful] = await q.enqueue(['unsent', 'doubtful']);
		// Released three times (more than maxAttempts): never dead-lettered, always attempt 1.
		for (let i = 1; i <= 3; i++) {
			const [item] = (await q.claim(1)).filter((x) => x.id === unsent);
			expect(item).toMatchObject({ id: unsent, attempts: 1 });
			if (i > 1) expect(item.lastError).toBe(`Not sent: token revoked (${i - 1})`);
			expect(await q.release([{ id: unsent, reason: `Not sent: token revoked (${i})` }])).toEqual([
				unsent,
			]);
			expect(await q.stats()).toMatchObject({ deadLetters: 0, reclaimed: 0 });
		}
		// Only the holder can release; another consumer picks it up at once.
		expect(await q.release([{ id: doubtful, reason: 'x' }])).toEqual([]);
		const taken = await other.claim(5);
		expect(taken.map((i) => [i.id, i.attempts])).toEqual([
			[unsent, 1],
			[doubtful, 1],
		]);
		expect(await other.deadLetter([{ id: doubtful, error: 'may have been created' }])).toEqual({
			retried: [],
			deadLettered: [doubtful],
			ignored: [],
		});
		const [dead] = await q.deadLetters();
		expect(dead).toMatchObject({ id: doubtful, attempts: 1, lastError: 'may have been created' });
		expect(await other.ack([unsent])).toBe(1);
		expect(await q.stats()).toMatchObject({
			length: 0,
			pending: 0,
			deadLetters: 1,
			processed: 1,
			failed: 1,
			retried: 0,
		});
	});

	it('recreates its stream and group when its keys were deleted underneath it (e.g. FLUSHDB)', async () => {
		const name = 'recreate';
		const q = new ReliableQueue<string>(redis, { name, prefix, consumer: 'r1' });
		await q.enqueue(['before']);
		await redis.del(...q.redisKeys);
		const [id] = await q.enqueue(['after']);
		const items = await q.claim(5);
		expect(items.map((i) => [i.id, i.payload])).toEqual([[id, 'after']]);
		expect(await q.ack([id])).toBe(1);
	});
});
