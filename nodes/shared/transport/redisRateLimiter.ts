/**
 * A sliding-window rate limiter whose window lives in Redis, so every n8n process (main and queue-mode
 * workers) that uses one account draws from one budget: at most `limit` grants in any `windowMs`.
 *
 * Why it is correct across processes:
 * - The window is a sorted set of grant times. One Lua script drops entries older than the window,
 *   counts the rest and, if there is room, adds the new grant. Redis runs a script atomically, so two
 *   processes can never both see "19 of 20" and both take the last slot (a GET-then-INCR from the
 *   client could).
 * - Time is the Redis server's clock (TIME inside the script), so workers on hosts with skewed clocks
 *   still agree about which grants are inside the window. Clients only ever sleep for a duration the
 *   script returns.
 * - A grant at server time s occupies (s - windowMs, s]: it is dropped once now >= s + windowMs.
 *   When the window is full the script returns how long until the entry that has to leave does
 *   (the (n - limit + 1)-th oldest), and the caller sleeps exactly that long: no busy polling.
 * - A pause (e.g. from a 429's Retry-After) is a key holding the server time it ends, set with a
 *   script that never shortens it; every acquire checks it first, in the same atomic step.
 * - Inside one process acquisitions queue FIFO behind one another, so only one of them talks to Redis
 *   at a time instead of a herd of timers waking together.
 *
 * - Like the in-process SlidingWindowRateLimiter, a grant counts from the moment it is made until
 *   `windowMs` after it is *released*, not after it was granted: the server sees the request
 *   somewhere in between, and a grant counted from its grant time alone would let a request that
 *   left late (slow event loop, first-call script load) share a window with the next burst. While a
 *   slot is held its entry carries a provisional score `grant + holdMs` (so a process that dies
 *   holding it blocks that slot for at most holdMs + windowMs); `release()` re-scores it to the
 *   server's time of release. `acquire()` releases on the next macrotask, after the caller's
 *   synchronous continuation (typically: send the request) has run; `acquireSlot()` lets the caller
 *   release when the response arrives, which is strict whatever the latency.
 */
import { randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

import { LUA_NOW_MS, LuaScript } from '../redis/luaScript';

export interface RedisSlidingWindowLimiterOptions {
	/** Identifies the budget, e.g. `rateLimiterKey(baseUrl, token)` (never the token itself). */
	key: string;
	limit: number;
	windowMs: number;
	/** Key prefix, default 'mkops:ratelimit:'. */
	prefix?: string;
	/** Longest a slot can stay unreleased before its window starts anyway, default 60000. */
	holdMs?: number;
}

/** A granted permit; `release()` when the request has finished (success or not). */
export interface RedisRateLimitSlot {
	/** Grant time on the Redis server's clock (epoch ms). */
	grantedAt: number;
	release(): Promise<void>;
}

// KEYS: 1 window zset, 2 pause key. ARGV: limit, windowMs, member, holdMs.
// Scores: released grants hold their release time; held ones grant time + holdMs (in the future).
// Returns { granted (1|0), grant time or ms to wait }.
const ACQUIRE = new LuaScript(`${LUA_NOW_MS}
local limit, windowMs, holdMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local pausedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < pausedUntil then return { 0, pausedUntil - now } end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
	redis.call('ZADD', KEYS[1], now + holdMs, ARGV[3])
	redis.call('PEXPIRE', KEYS[1], holdMs + windowMs + 1000)
	return { 1, now }
end
-- The (used - limit + 1)-th smallest score has to leave before there is room.
local leaving = tonumber(redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')[2])
local wait = math.max(1, leaving + windowMs - now)
-- Still held (release imminent for acquire()): look again shortly rather than at the hold's end.
if leaving > now then wait = math.min(wait, 20) end
return { 0, wait }
`);

// KEYS: 1 window zset. ARGV: member, windowMs. The window of a released grant starts now.
const RELEASE = new LuaScript(`${LUA_NOW_MS}
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now, ARGV[1]) == 1 and redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) + 1000 then
	redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
end
return now
`);

// KEYS: 1 pause key. ARGV: pause length ms (from now, server clock). Returns the pause end.
const PAUSE = new LuaScript(`${LUA_NOW_MS}
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then
	redis.call('SET', KEYS[1], string.format('%d', untilMs), 'PX', tonumber(ARGV[1]) + 1000)
	return untilMs
end
return current
`);

// KEYS: 1 window zset. ARGV: count, windowMs, member prefix.
const ABSORB = new LuaScript(`${LUA_NOW_MS}
for i = 1, tonumber(ARGV[1]) do
	redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
return now
`);

const sleep = async (ms: number) =>
	await new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export class RedisSlidingWindowLimiter {
	private limitValue: number;

	private readonly holdMs: number;

	private windowMsValue: number;

	private readonly windowKey: string;

	private readonly pauseKey: string;

	/** Unique per limiter instance, so grant members never collide across processes. */
	private readonly token = randomBytes(8).toString('hex');

	private sequence = 0;

	/** Tail of this process's FIFO of acquisitions. */
	private tail: Promise<unknown> = Promise.resolve();

	constructor(
		private readonly redis: Redis,
		opts: RedisSlidingWindowLimiterOptions,
	) {
		RedisSlidingWindowLimiter.validate(opts.limit, opts.windowMs);
		this.limitValue = opts.limit;
		this.windowMsValue = opts.windowMs;
		this.holdMs = Math.max(1, Math.floor(opts.holdMs ?? 60000));
		const base = `${opts.prefix ?? 'mkops:ratelimit:'}{${opts.key}}`;
		this.windowKey = `${base}:window`;
		this.pauseKey = `${base}:pause`;
	}

	get limit(): number {
		return this.limitValue;
	}

	get windowMs(): number {
		return this.windowMsValue;
	}

	/** Waits until the shared window has room, then records one grant. */
	async acquire(): Promise<void> {
		await this.acquireAt();
	}

	/**
	 * Like `acquire()`, and resolves with the grant's time on the Redis server's clock (epoch ms).
	 * The slot is released on the next macrotask, i.e. after the caller's synchronous continuation.
	 */
	async acquireAt(): Promise<number> {
		const slot = await this.acquireSlot();
		setImmediate(() => {
			slot.release().catch(() => undefined); // unreleased: it expires after holdMs + windowMs
		});
		return slot.grantedAt;
	}

	/** Waits for a permit that keeps counting until `windowMs` after `release()`. */
	async acquireSlot(): Promise<RedisRateLimitSlot> {
		const turn = this.tail.then(async () => await this.grantNow());
		this.tail = turn.catch(() => undefined);
		return await turn;
	}

	/**
	 * Pauses every process sharing this budget until `epochMs` (this process's clock; converted to a
	 * duration, so clock skew between hosts does not matter). Never shortens a longer pause.
	 */
	async pauseUntil(epochMs: number): Promise<void> {
		if (!Number.isFinite(epochMs)) return;
		const ms = Math.ceil(epochMs - Date.now());
		if (ms <= 0) return;
		await PAUSE.run(this.redis, [this.pauseKey], [ms]);
	}

	/** End of the shared pause on the Redis server's clock (epoch ms), or 0 when not paused. */
	async pausedUntil(): Promise<number> {
		return Number((await this.redis.get(this.pauseKey)) ?? 0);
	}

	/** Counts `count` requests made elsewhere (reported by the server) as made now. */
	async absorb(count: number): Promise<void> {
		if (!Number.isFinite(count) || count < 1) return;
		await ABSORB.run(
			this.redis,
			[this.windowKey],
			[Math.floor(count), this.windowMsValue, `${this.token}:a${++this.sequence}`],
		);
	}

	/**
	 * Applies new settings to this process's later acquisitions. Processes sharing a key should use
	 * the same settings: each enforces its own `limit` against the shared window.
	 */
	reconfigure(limit: number, windowMs: number): void {
		RedisSlidingWindowLimiter.validate(limit, windowMs);
		this.limitValue = limit;
		this.windowMsValue = windowMs;
	}

	/** Deletes the shared window and pause (tests, or resetting an account's budget). */
	async reset(): Promise<void> {
		await this.redis.del(this.windowKey, this.pauseKey);
	}

	private async grantNow(): Promise<RedisRateLimitSlot> {
		const member = `${this.token}:${++this.sequence}`;
		for (;;) {
			const [granted, value] = (await ACQUIRE.run(
				this.redis,
				[this.windowKey, this.pauseKey],
				[this.limitValue, this.windowMsValue, member, this.holdMs],
			)) as [number, number];
			if (Number(granted) === 1) {
				let released: Promise<void> | undefined;
				const windowMs = this.windowMsValue;
				return {
					grantedAt: Number(value),
					release: async () => {
						released ??= RELEASE.run(this.redis, [this.windowKey], [member, windowMs]).then(
							() => undefined,
						);
						await released;
					},
				};
			}
			await sleep(Math.max(1, Number(value)));
		}
	}

	private static validate(limit: number, windowMs: number) {
		if (!Number.isInteger(limit) || limit < 1) {
			throw new RangeError(`Rate limit must be a positive integer, got ${limit}`);
		}
		if (!Number.isInteger(windowMs) || windowMs <= 0) {
			throw new RangeError(`Rate limit window must be a positive integer of ms, got ${windowMs}`);
		}
	}
}
