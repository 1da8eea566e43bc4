/**
 * A reliable work queue in Redis: a Stream with one consumer group (XADD / XREADGROUP / XACK /
 * XAUTOCLAIM), with every state change done by one Lua script so it is atomic.
 *
 * Why the list sketch (LPUSH, then LRANGE 0 99 … HubSpot call … LTRIM n -1) is wrong, and why this is not:
 * - It loses and repeats items when producers race the flush. LRANGE reads a snapshot; producers
 *   LPUSH meanwhile, so LTRIM then removes positions that now hold *new, unprocessed* items, while
 *   the processed ones shift down and are sent again on the next flush. Here an item is removed only
 *   by XACK of its own id (then XDEL), so what producers do in between cannot change what is removed.
 * - Two flushes can read the same range. XREADGROUP hands each entry to exactly one consumer of the
 *   group (the group's last-delivered id advances inside Redis), so two workers never get the same
 *   new item.
 * - A crash after LRANGE keeps the items but nobody knows they were half-done; a crash after LTRIM
 *   and before the HubSpot call loses them. Here a claimed item stays in the group's pending entries
 *   list (PEL) with its owner and delivery time until it is acked. XAUTOCLAIM atomically transfers
 *   entries idle longer than `claimIdleMs` to the caller, and its claim resets their idle time, so a
 *   stale item is taken over by exactly one consumer.
 * - A poison item blocks the list sketch forever. Here each claim counts an attempt, `fail()` retries
 *   an item until `maxAttempts` and then moves it with its last error to a dead-letter set.
 *
 * Why a Stream rather than LMOVE into a processing list: a processing list records neither who holds
 * an item nor since when, so recovering a dead worker's items needs per-worker lists plus heartbeats,
 * and removing a finished item is an O(n) LREM by value (ambiguous for equal payloads). The PEL keeps
 * owner, idle time and delivery count per entry id, and XAUTOCLAIM is exactly a visibility timeout.
 *
 * Delivery is at-least-once. A consumer that dies after writing to HubSpot and before `ack()` gets
 * its items re-delivered (with `attempts` + 1) to the next consumer, so the HubSpot side must be
 * idempotent: batch upserts by a unique property, association creation (creating an existing
 * association is a no-op), notes carrying an idempotency property (e.g. the queue item id or a
 * business key) that is checked or used as the upsert key. After `ack()` an item is gone for good and
 * is never delivered again. A consumer that keeps an item longer than `claimIdleMs` without renewing
 * its claim is treated as dead, so a live one renews it while it works (`keepClaimed()`, `extend()`),
 * and a slow batch (timeouts, 429 pauses) keeps its items. An item a consumer claimed but never sent
 * goes back with `release()` (no attempt counted); one that must not be tried again, with `deadLetter()`.
 *
 * Keys (the `{name}` hash tag keeps them in one Redis Cluster slot):
 *   <prefix>{name}:stream    the stream; fields p (payload JSON) and t (enqueued at, server ms)
 *   <prefix>{name}:attempts  hash id -> deliveries so far
 *   <prefix>{name}:errors    hash id -> last error
 *   <prefix>{name}:retry     zset id -> enqueuedAt of failed items waiting to be claimed again
 *   <prefix>{name}:dead      zset id -> dead-lettered at;  <prefix>{name}:dead:items  hash id -> record
 *   <prefix>{name}:counters  hash processed / failed / retried / reclaimed
 */
import type { Redis } from 'ioredis';

import { LUA_NOW_MS, LuaScript } from '../redis/luaScript';

export interface QueueItem<T> {
	/** Stream entry id: unique per enqueue (a requeued dead letter gets a new one). */
	id: string;
	payload: T;
	/** Times the item has been handed out, this claim included (1 on its first claim). */
	attempts: number;
	/** When the item was first enqueued (Redis server clock, epoch ms). */
	enqueuedAt: number;
	/** Error from the last `fail()`, or why it was taken from a consumer that stopped. */
	lastError?: string;
}

export interface DeadLetter<T> extends QueueItem<T> {
	deadLetteredAt: number;
}

export interface QueueStats {
	/** Waiting to be claimed: never claimed yet, or failed and waiting for a retry. */
	length: number;
	/** Claimed and not yet acked or failed. */
	pending: number;
	deadLetters: number;
	/** Age of the oldest waiting item (by its first enqueue), or null when nothing waits. */
	oldestAgeMs: number | null;
	/** Items acked (lifetime of the queue). */
	processed: number;
	/** Items moved to the dead-letter set (lifetime of the queue). */
	failed: number;
	/** Failures that were put back for another attempt. */
	retried: number;
	/** Items taken over from a consumer that held them past `claimIdleMs` without ack or fail. */
	reclaimed: number;
}

export interface ReliableQueueOptions {
	name: string;
	/** Key prefix, default 'mkops:queue:'. */
	prefix?: string;
	/** Consumer group, default 'workers'. */
	group?: string;
	/** This consumer's name; unique per worker process (or execution). */
	consumer: string;
	/** Items held longer than this by a consumer are reclaimed by the next claim, default 30000. */
	claimIdleMs?: number;
	/** Attempts before an item is dead-lettered, default 3. */
	maxAttempts?: number;
	/** A failed item becomes claimable again this long after `fail()`, default 0 (next claim). */
	retryDelayMs?: number;
}

export interface FailResult {
	retried: string[];
	deadLettered: string[];
	/** Ids this consumer does not hold (already acked, or reclaimed by another consumer): untouched. */
	ignored: string[];
}

/** How the last error of an item taken over from a consumer that stopped begins. */
const RECLAIMED = 'not acknowledged within ';

// KEYS: 1 stream, 2 attempts, 3 errors, 4 retry, 5 dead, 6 dead:items, 7 counters
const LUA_COMMON = `${LUA_NOW_MS}
local function field(fields, name)
	for i = 1, #fields, 2 do
		if fields[i] == name then return fields[i + 1] end
	end
	return nil
end
local function forget(id)
	redis.call('HDEL', KEYS[2], id)
	redis.call('HDEL', KEYS[3], id)
	redis.call('ZREM', KEYS[4], id)
end
local function deadLetter(group, id, fields, attempts, err)
	local record = { id = id, p = field(fields, 'p'), t = field(fields, 't'), a = attempts, e = err, d = now }
	redis.call('HSET', KEYS[6], id, cjson.encode(record))
	redis.call('ZADD', KEYS[5], now, id)
	redis.call('XACK', KEYS[1], group, id)
	redis.call('XDEL', KEYS[1], id)
	forget(id)
	redis.call('HINCRBY', KEYS[7], 'failed', 1)
end
-- True when this consumer holds the id (claimed, not yet acked, failed or released).
local function holds(group, consumer, id)
	local p = redis.call('XPENDING', KEYS[1], group, id, id, 1)
	return #p > 0 and p[1][2] == consumer and not redis.call('ZSCORE', KEYS[4], id)
end
-- Back to the waiting items, claimable by the next claim once it has been idle retryIdle less.
local function putBack(group, consumer, id, fields, err, retryIdle)
	redis.call('HSET', KEYS[3], id, err)
	-- Back-date the delivery so the next XAUTOCLAIM (min idle = claimIdleMs) takes it.
	redis.call('XCLAIM', KEYS[1], group, consumer, 0, id, 'IDLE', retryIdle, 'JUSTID')
	redis.call('ZADD', KEYS[4], tonumber(field(fields, 't')) or now, id)
end
`;

const ENQUEUE = new LuaScript(`${LUA_NOW_MS}
local ids = {}
for i = 1, #ARGV do
	ids[i] = redis.call('XADD', KEYS[1], '*', 'p', ARGV[i], 't', now)
end
return ids
`);

// ARGV: group, consumer, count, claimIdleMs, maxAttempts
const CLAIM = new LuaScript(`${LUA_COMMON}
local group, consumer = ARGV[1], ARGV[2]
local count, minIdle, maxAttempts = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
local function take(id, fields, stale)
	local attempts = redis.call('HINCRBY', KEYS[2], id, 1)
	local err = redis.call('HGET', KEYS[3], id)
	if stale then
		if redis.call('ZREM', KEYS[4], id) == 0 then
			-- Not a retry put back by fail(): its holder stopped without ack or fail.
			redis.call('HINCRBY', KEYS[7], 'reclaimed', 1)
			local earlier = err and (string.match(err, '^not acknowledged .-; earlier error: (.*)$') or
				(string.find(err, '^not acknowledged ') and '' or err)) or ''
			err = '${RECLAIMED}' .. minIdle .. ' ms by the consumer that claimed it (attempt ' ..
				(attempts - 1) .. ')' .. (earlier ~= '' and ('; earlier error: ' .. earlier) or '')
			redis.call('HSET', KEYS[3], id, err)
		end
		if attempts > maxAttempts then
			deadLetter(group, id, fields, attempts - 1, err)
			return
		end
	end
	out[#out + 1] = { id, field(fields, 'p'), field(fields, 't'), attempts, err or false }
end
-- 1. Items held too long by a stopped consumer, and failed items due for a retry.
local cursor, rounds = '0-0', 0
repeat
	local res = redis.call('XAUTOCLAIM', KEYS[1], group, consumer, minIdle, cursor, 'COUNT', count - #out)
	cursor = res[1]
	for _, entry in ipairs(res[2]) do
		if entry[2] then take(entry[1], entry[2], true) else redis.call('XACK', KEYS[1], group, entry[1]); forget(entry[1]) end
	end
	if res[3] then
		for _, id in ipairs(res[3]) do forget(id) end
	end
	rounds = rounds + 1
until cursor == '0-0' or #out >= count or rounds >= 10
-- 2. New items, each handed to exactly one consumer of the group.
if #out < count then
	local res = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count - #out, 'STREAMS', KEYS[1], '>')
	if res then
		for _, entry in ipairs(res[1][2]) do take(entry[1], entry[2], false) end
	end
end
return out
`);

// ARGV: group, id...
const ACK = new LuaScript(`${LUA_COMMON}
local n = 0
for i = 2, #ARGV do
	local id = ARGV[i]
	if redis.call('XACK', KEYS[1], ARGV[1], id) == 1 then
		redis.call('XDEL', KEYS[1], id)
		forget(id)
		n = n + 1
	end
end
if n > 0 then redis.call('HINCRBY', KEYS[7], 'processed', n) end
return n
`);

// ARGV: group, consumer, maxAttempts, retryIdleMs, then id, error pairs
const FAIL = new LuaScript(`${LUA_COMMON}
local group, consumer = ARGV[1], ARGV[2]
local maxAttempts, retryIdle = tonumber(ARGV[3]), tonumber(ARGV[4])
local retried, dead, ignored = {}, {}, {}
for i = 5, #ARGV, 2 do
	local id, err = ARGV[i], ARGV[i + 1]
	local entry = redis.call('XRANGE', KEYS[1], id, id)
	if not holds(group, consumer, id) then
		ignored[#ignored + 1] = id
	elseif #entry == 0 then
		redis.call('XACK', KEYS[1], group, id)
		forget(id)
		ignored[#ignored + 1] = id
	else
		local attempts = tonumber(redis.call('HGET', KEYS[2], id) or '0')
		if attempts >= maxAttempts then
			deadLetter(group, id, entry[1][2], attempts, err)
			dead[#dead + 1] = id
		else
			putBack(group, consumer, id, entry[1][2], err, retryIdle)
			redis.call('HINCRBY', KEYS[7], 'retried', 1)
			retried[#retried + 1] = id
		end
	end
end
return { retried, dead, ignored }
`);

// ARGV: group, consumer, retryIdleMs, then id, reason pairs
const RELEASE = new LuaScript(`${LUA_COMMON}
local group, consumer, retryIdle = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 4, #ARGV, 2 do
	local id = ARGV[i]
	local entry = redis.call('XRANGE', KEYS[1], id, id)
	if #entry > 0 and holds(group, consumer, id) then
		-- Never sent: this claim does not count as an attempt.
		if tonumber(redis.call('HINCRBY', KEYS[2], id, -1)) <= 0 then redis.call('HDEL', KEYS[2], id) end
		putBack(group, consumer, id, entry[1][2], ARGV[i + 1], retryIdle)
		out[#out + 1] = id
	end
end
return out
`);

// ARGV: group, consumer, id...
const EXTEND = new LuaScript(`${LUA_COMMON}
local out = {}
for i = 3, #ARGV do
	local id = ARGV[i]
	if holds(ARGV[1], ARGV[2], id) then
		redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID')
		out[#out + 1] = id
	end
end
return out
`);

// ARGV: group
const STATS = new LuaScript(`${LUA_COMMON}
local group = ARGV[1]
local lastId = '0-0'
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
for _, g in ipairs(groups) do
	local name, last
	for i = 1, #g, 2 do
		if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end
	end
	if name == group then lastId = last end
end
local oldest = nil
local first = redis.call('XRANGE', KEYS[1], '(' .. lastId, '+', 'COUNT', 1)
if #first > 0 then oldest = tonumber(field(first[1][2], 't')) end
local r = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if #r > 0 and (oldest == nil or tonumber(r[2]) < oldest) then oldest = tonumber(r[2]) end
local pending = redis.call('XPENDING', KEYS[1], group)
return {
	redis.call('XLEN', KEYS[1]), pending[1], redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5]),
	redis.call('HGETALL', KEYS[7]), oldest and tostring(oldest) or false, tostring(now)
}
`);

// ARGV: 'all' | 'ids', id...
const REQUEUE = new LuaScript(`${LUA_COMMON}
local ids = {}
if ARGV[1] == 'all' then ids = redis.call('ZRANGE', KEYS[5], 0, -1) else
	for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
end
local n = 0
for _, id in ipairs(ids) do
	local raw = redis.call('HGET', KEYS[6], id)
	if raw then
		local record = cjson.decode(raw)
		redis.call('XADD', KEYS[1], '*', 'p', record.p, 't', record.t or now)
		redis.call('HDEL', KEYS[6], id)
		redis.call('ZREM', KEYS[5], id)
		n = n + 1
	end
end
return n
`);

// ARGV: group, consumer
const RETIRE = new LuaScript(`
local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
for _, c in ipairs(consumers) do
	local name, pending
	for i = 1, #c, 2 do
		if c[i] == 'name' then name = c[i + 1] elseif c[i] == 'pending' then pending = c[i + 1] end
	end
	if name == ARGV[2] then
		if pending > 0 then return 0 end
		redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
		return 1
	end
end
return 1
`);

/** Payloads per EVALSHA when enqueueing (keeps one script run short). */
const ENQUEUE_CHUNK = 500;

export class ReliableQueue<T> {
	readonly name: string;

	readonly group: string;

	readonly consumer: string;

	readonly claimIdleMs: number;

	readonly maxAttempts: number;

	readonly retryDelayMs: number;

	private readonly keys: string[];

	private groupReady: Promise<void> | undefined;

	constructor(
		private readonly redis: Redis,
		opts: ReliableQueueOptions,
	) {
		if (!opts.name) throw new TypeError('ReliableQueue needs a name');
		if (!opts.consumer) throw new TypeError('ReliableQueue needs a consumer name');
		this.name = opts.name;
		this.group = opts.group ?? 'workers';
		this.consumer = opts.consumer;
		this.claimIdleMs = positiveInteger('claimIdleMs', opts.claimIdleMs ?? 30000);
		this.maxAttempts = positiveInteger('maxAttempts', opts.maxAttempts ?? 3);
		this.retryDelayMs = Math.min(Math.max(0, Math.floor(opts.retryDelayMs ?? 0)), this.claimIdleMs);
		const base = `${opts.prefix ?? 'mkops:queue:'}{${opts.name}}`;
		this.keys = ['stream', 'attempts', 'errors', 'retry', 'dead', 'dead:items', 'counters'].map(
			(suffix) => `${base}:${suffix}`,
		);
	}

	/** Every Redis key this queue uses. */
	get redisKeys(): string[] {
		return [...this.keys];
	}

	/** Adds items at the tail; returns their ids in order. */
	async enqueue(payloads: T[]): Promise<string[]> {
		const encoded = payloads.map((payload, index) => {
			const json = JSON.stringify(payload);
			if (json === undefined)
				throw new TypeError(`Queue payload ${index} is not JSON-serializable`);
			return json;
		});
		const ids: string[] = [];
		for (let i = 0; i < encoded.length; i += ENQUEUE_CHUNK) {
			const chunk = encoded.slice(i, i + ENQUEUE_CHUNK);
			ids.push(...((await this.run(ENQUEUE, chunk)) as string[]));
		}
		return ids;
	}

	/**
	 * Up to `count` items for this consumer: first items held past `claimIdleMs` by a consumer that
	 * stopped, and failed items due for a retry (attempts + 1), then new items. An item whose attempts
	 * would exceed `maxAttempts` is dead-lettered instead of returned.
	 */
	async claim(count: number): Promise<Array<QueueItem<T>>> {
		const n = Math.floor(count);
		if (!(n >= 1)) return [];
		const rows = (await this.run(CLAIM, [
			this.group,
			this.consumer,
			n,
			this.claimIdleMs,
			this.maxAttempts,
		])) as Array<[string, string, string, number, string | null]>;
		return rows.map(([id, payload, enqueuedAt, attempts, lastError]) => {
			const item: QueueItem<T> = {
				id,
				payload: JSON.parse(payload) as T,
				attempts: Number(attempts),
				enqueuedAt: Number(enqueuedAt),
			};
			if (lastError !== null && lastError !== undefined) item.lastError = lastError;
			return item;
		});
	}

	/** Marks items done: they are removed for good. Returns how many were still pending. */
	async ack(ids: string[]): Promise<number> {
		if (ids.length === 0) return 0;
		return Number(await this.run(ACK, [this.group, ...ids]));
	}

	/**
	 * Reports failed items held by this consumer. Below `maxAttempts` they are claimable again after
	 * `retryDelayMs`; at `maxAttempts` they move to the dead-letter set with this error.
	 */
	async fail(failures: Array<{ id: string; error: string }>): Promise<FailResult> {
		return await this.failWith(failures, this.maxAttempts);
	}

	/**
	 * Moves items this consumer holds to the dead-letter set now, whatever their attempts: for an
	 * item that must not be tried again (a create that may have been applied and cannot be checked).
	 */
	async deadLetter(failures: Array<{ id: string; error: string }>): Promise<FailResult> {
		return await this.failWith(failures, 0);
	}

	/**
	 * Puts back items this consumer holds but never sent (it stopped first): claimable by the next
	 * claim at once, and this claim is not counted as an attempt. Returns the ids put back.
	 */
	async release(items: Array<{ id: string; reason: string }>): Promise<string[]> {
		if (items.length === 0) return [];
		const args: Array<string | number> = [this.group, this.consumer, this.claimIdleMs];
		for (const { id, reason } of items) args.push(id, String(reason ?? ''));
		return (await this.run(RELEASE, args)) as string[];
	}

	/** Resets the idle time of items this consumer still holds (a heartbeat for long batches). */
	async extend(ids: string[]): Promise<string[]> {
		if (ids.length === 0) return [];
		return (await this.run(EXTEND, [this.group, this.consumer, ...ids])) as string[];
	}

	/**
	 * Keeps `ids` claimed while this consumer works on them: extends them every `intervalMs` (a
	 * third of `claimIdleMs` by default) until `stop()`. See ClaimHeartbeat.
	 */
	keepClaimed(ids: string[], intervalMs = Math.floor(this.claimIdleMs / 3)): ClaimHeartbeat {
		return new ClaimHeartbeat(this, ids, intervalMs);
	}

	async stats(): Promise<QueueStats> {
		const [streamLength, pelCount, retryCount, deadCount, counterPairs, oldest, now] =
			(await this.run(STATS, [this.group])) as [
				number,
				number,
				number,
				number,
				string[],
				string | null,
				string,
			];
		const counters: Record<string, number> = {};
		for (let i = 0; i + 1 < counterPairs.length; i += 2) {
			counters[counterPairs[i]] = Number(counterPairs[i + 1]);
		}
		return {
			length: Number(streamLength) - Number(pelCount) + Number(retryCount),
			pending: Number(pelCount) - Number(retryCount),
			deadLetters: Number(deadCount),
			oldestAgeMs: oldest === null ? null : Math.max(0, Number(now) - Number(oldest)),
			processed: counters.processed ?? 0,
			failed: counters.failed ?? 0,
			retried: counters.retried ?? 0,
			reclaimed: counters.reclaimed ?? 0,
		};
	}

	/** Dead-lettered items, oldest first. */
	async deadLetters(limit = 100): Promise<Array<DeadLetter<T>>> {
		const n = Math.floor(limit);
		if (!(n >= 1)) return [];
		const ids = await this.redis.zrange(this.keys[4], '0', String(n - 1));
		if (ids.length === 0) return [];
		const raws = await this.redis.hmget(this.keys[5], ...ids);
		const out: Array<DeadLetter<T>> = [];
		for (const raw of raws) {
			if (raw === null) continue;
			const record = JSON.parse(raw) as {
				id: string;
				p: string;
				t?: string | number;
				a?: number;
				e?: string;
				d?: number;
			};
			const item: DeadLetter<T> = {
				id: record.id,
				payload: JSON.parse(record.p) as T,
				attempts: Number(record.a ?? 0),
				enqueuedAt: Number(record.t ?? 0),
				deadLetteredAt: Number(record.d ?? 0),
			};
			if (typeof record.e === 'string') item.lastError = record.e;
			out.push(item);
		}
		return out;
	}

	/** Puts dead letters (all, or the given ids) back at the tail with fresh attempts and new ids. */
	async requeueDeadLetters(ids?: string[]): Promise<number> {
		if (ids !== undefined && ids.length === 0) return 0;
		return Number(await this.run(REQUEUE, ids === undefined ? ['all'] : ['ids', ...ids]));
	}

	/**
	 * Removes this consumer from the group when it holds nothing (workers named per execution would
	 * otherwise accumulate in XINFO CONSUMERS). Returns false while it still holds items.
	 */
	async retire(): Promise<boolean> {
		return Number(await this.run(RETIRE, [this.group, this.consumer], [this.keys[0]])) === 1;
	}

	/** Deletes every key of this queue (items, dead letters, counters). */
	async destroy(): Promise<void> {
		await this.redis.del(...this.keys);
		this.groupReady = undefined;
	}

	/** fail() with this many attempts allowed: 0 dead-letters every item. */
	private async failWith(
		failures: Array<{ id: string; error: string }>,
		maxAttempts: number,
	): Promise<FailResult> {
		if (failures.length === 0) return { retried: [], deadLettered: [], ignored: [] };
		const args: Array<string | number> = [
			this.group,
			this.consumer,
			maxAttempts,
			this.claimIdleMs - this.retryDelayMs,
		];
		for (const { id, error } of failures) args.push(id, String(error ?? ''));
		const [retried, deadLettered, ignored] = (await this.run(FAIL, args)) as [
			string[],
			string[],
			string[],
		];
		return { retried, deadLettered, ignored };
	}

	private async ensureGroup(): Promise<void> {
		this.groupReady ??= this.redis
			.xgroup('CREATE', this.keys[0], this.group, '0-0', 'MKSTREAM')
			.then(
				() => undefined,
				(error: Error) => {
					if (!String(error?.message).includes('BUSYGROUP')) {
						this.groupReady = undefined;
						throw error;
					}
				},
			);
		await this.groupReady;
	}

	private async run(
		script: LuaScript,
		args: Array<string | number>,
		keys: string[] = this.keys,
	): Promise<unknown> {
		await this.ensureGroup();
		let failure: unknown;
		try {
			return await script.run(this.redis, keys, args);
		} catch (error) {
			failure = error;
		}
		// The stream or group was deleted underneath us (e.g. FLUSHDB): recreate once and retry.
		if (!(failure instanceof Error) || !failure.message.includes('NOGROUP')) throw failure;
		this.groupReady = undefined;
		await this.ensureGroup();
		return await script.run(this.redis, keys, args);
	}
}

/**
 * True when the item was taken over from a consumer that stopped (or stopped renewing its claim)
 * without ack or fail: whatever that consumer did with it is unknown.
 */
export function wasReclaimed(item: Pick<QueueItem<unknown>, 'lastError'>): boolean {
	return (item.lastError ?? '').startsWith(RECLAIMED);
}

/**
 * The claims a live consumer holds, renewed in the background and on demand, so a round that outlasts
 * `claimIdleMs` (slow answers, rate-limit waits) does not lose its items to the next consumer, while a
 * consumer that died stops renewing and its items are reclaimed as before.
 * - `beat()` renews now; call it before each step that acts on the items (a vendor call), then act
 *   only on the ids `holds()` still confirms: an item the queue gave to another consumer is `lost`.
 * - `settle(ids)` before acking, failing or releasing them: they are no longer renewed.
 */
export class ClaimHeartbeat {
	private readonly held: Set<string>;

	/** Ids another consumer took over (this consumer must not act on them any more). */
	readonly lost = new Set<string>();

	private timer: ReturnType<typeof setInterval> | undefined;

	private beating: Promise<void> | undefined;

	constructor(
		private readonly queue: Pick<ReliableQueue<unknown>, 'extend'>,
		ids: string[],
		intervalMs: number,
	) {
		this.held = new Set(ids);
		this.timer = setInterval(
			() => {
				// A missed background beat is retried by the next one, or surfaces at the next beat().
				this.beat().catch(() => undefined);
			},
			Math.max(100, intervalMs),
		);
		this.timer.unref?.();
	}

	/** True while this consumer still holds `id` and has not settled it. */
	holds(id: string): boolean {
		return this.held.has(id);
	}

	/** The ids still held and not settled. */
	get remaining(): string[] {
		return [...this.held];
	}

	/** Renews every held claim now (one renewal at a time; a call during one waits for it). */
	async beat(): Promise<void> {
		this.beating ??= this.renew().finally(() => {
			this.beating = undefined;
		});
		await this.beating;
	}

	/** Stops renewing these ids (call before acking, failing or releasing them). */
	settle(ids: Iterable<string>): void {
		for (const id of ids) this.held.delete(id);
	}

	stop(): void {
		if (this.timer !== undefined) clearInterval(this.timer);
		this.timer = undefined;
	}

	private async renew(): Promise<void> {
		const ids = [...this.held];
		if (ids.length === 0) return;
		const kept = new Set(await this.queue.extend(ids));
		for (const id of ids) if (!kept.has(id) && this.held.delete(id)) this.lost.add(id);
	}
}

function positiveInteger(name: string, value: number): number {
	if (!Number.isInteger(value) || value < 1) {
		throw new RangeError(`ReliableQueue ${name} must be a positive integer, got ${value}`);
	}
	return value;
}
