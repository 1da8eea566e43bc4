/**
 * Per-key locks, so a read-then-write on one key (a contact's email, an event's id) runs one at a time:
 * within this process always, and across every n8n process (queue-mode workers, webhook processes)
 * when the node is given Redis.
 *
 * A holder is named by a token. `run()` locks for the length of a section; `tryAcquire()` and
 * `release()` hold a key across steps (Dedupe & Normalize's claims, held from the check to the step
 * that confirms the row landed), and `renew()` keeps such a hold alive. Locks carry a lease, so a
 * holder that dies frees its keys when the lease ends; `run()` renews the lease while its section is
 * still working.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

import { LuaScript } from './redis/luaScript';

export interface KeyLocks {
	/** Runs `section` holding every key (locked together, so two callers never deadlock). */
	run<T>(keys: string[], section: () => Promise<T>): Promise<T>;
	/** Takes every key for `token` unless another token holds one: true, or ms until that one's lease ends. */
	tryAcquire(keys: string[], token: string, leaseMs: number): Promise<true | number>;
	/** Frees the keys `token` holds (others' are left alone). */
	release(keys: string[], token: string): Promise<void>;
	/**
	 * Extends to `leaseMs` from now the leases `token` still holds: false when one of the keys is no
	 * longer its own (its lease ended, or it was released).
	 */
	renew(keys: string[], token: string, leaseMs: number): Promise<boolean>;
}

export interface LockOptions {
	/** How long a lock outlives a holder that stopped without releasing it. */
	leaseMs?: number;
	/** How long `run()` waits for the keys before it fails. */
	maxWaitMs?: number;
}

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_MAX_WAIT_MS = 120_000;
/** Longest sleep between two looks at a key another process holds. */
const POLL_MS = 25;

const sleep = async (ms: number) =>
	await new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export class LockTimeoutError extends Error {
	constructor(waitedMs: number) {
		super(
			`Another execution kept the same record locked for ${Math.round(waitedMs / 1000)} s; try again once it has finished`,
		);
	}
}

// ---- Within this process.

interface Held {
	token: string;
	expiresAt: number;
}

/** FIFO per key within the process: each caller waits for the previous holder's section. */
const tails = new Map<string, Promise<void>>();
/** Keys held across steps by `tryAcquire`. */
const claims = new Map<string, Held>();

async function runInProcess<T>(keys: string[], section: () => Promise<T>): Promise<T> {
	const unique = [...new Set(keys)];
	const previous = unique.map((key) => tails.get(key) ?? Promise.resolve());
	let done!: () => void;
	const mine = new Promise<void>((resolve) => (done = resolve));
	// Registered for every key in the same tick: a later caller queues behind all of them at once.
	for (const key of unique) tails.set(key, mine);
	await Promise.all(previous);
	try {
		return await section();
	} finally {
		done();
		for (const key of unique) if (tails.get(key) === mine) tails.delete(key);
	}
}

class ProcessKeyLocks implements KeyLocks {
	constructor(private readonly namespace: string) {}

	async run<T>(keys: string[], section: () => Promise<T>): Promise<T> {
		return await runInProcess(
			keys.map((k) => `${this.namespace}:${k}`),
			section,
		);
	}

	async tryAcquire(keys: string[], token: string, leaseMs: number): Promise<true | number> {
		const now = Date.now();
		for (const key of keys) {
			const held = claims.get(`${this.namespace}:${key}`);
			if (held && held.token !== token && held.expiresAt > now) return held.expiresAt - now;
		}
		for (const key of keys)
			claims.set(`${this.namespace}:${key}`, { token, expiresAt: now + leaseMs });
		return true;
	}

	async release(keys: string[], token: string): Promise<void> {
		for (const key of keys) {
			const name = `${this.namespace}:${key}`;
			if (claims.get(name)?.token === token) claims.delete(name);
		}
	}

	async renew(keys: string[], token: string, leaseMs: number): Promise<boolean> {
		const now = Date.now();
		let all = true;
		for (const key of keys) {
			const held = claims.get(`${this.namespace}:${key}`);
			if (held?.token === token && held.expiresAt > now) held.expiresAt = now + leaseMs;
			else all = false;
		}
		return all;
	}
}

// ---- Across processes, in Redis.

// KEYS: lock keys. ARGV: token, lease ms. Returns {1} when taken, {0, ms left on a holder's lease}.
const ACQUIRE = new LuaScript(`
for i = 1, #KEYS do
	local holder = redis.call('GET', KEYS[i])
	if holder and holder ~= ARGV[1] then return { 0, redis.call('PTTL', KEYS[i]) } end
end
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', tonumber(ARGV[2])) end
return { 1 }
`);

// KEYS: lock keys. ARGV: token, lease ms. Extends the leases this token still holds; returns how many.
const RENEW = new LuaScript(`
local renewed = 0
for i = 1, #KEYS do
	if redis.call('GET', KEYS[i]) == ARGV[1] then
		redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2]))
		renewed = renewed + 1
	end
end
return renewed
`);

// KEYS: lock keys. ARGV: token. Deletes only what this token holds.
const RELEASE = new LuaScript(`
for i = 1, #KEYS do
	if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1
`);

class RedisKeyLocks implements KeyLocks {
	private readonly leaseMs: number;

	private readonly maxWaitMs: number;

	constructor(
		private readonly redis: Redis,
		private readonly namespace: string,
		options: LockOptions,
	) {
		this.leaseMs = Math.max(1000, options.leaseMs ?? DEFAULT_LEASE_MS);
		this.maxWaitMs = Math.max(0, options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
	}

	/**
	 * One Redis key per lock, named by a hash (keys are emails and the like, which Redis need not
	 * hold); the hash tag keeps a namespace's keys in one Cluster slot for the scripts.
	 */
	private keysOf(keys: string[]): string[] {
		const hashed = [...new Set(keys)].map((k) =>
			createHash('sha256').update(k, 'utf8').digest('hex').slice(0, 32),
		);
		return hashed.sort().map((h) => `mkops:lock:{${this.namespace}}:${h}`);
	}

	async run<T>(keys: string[], section: () => Promise<T>): Promise<T> {
		// This process's callers queue here first, so only one of them at a time asks Redis.
		return await runInProcess(
			keys.map((k) => `${this.namespace}:${k}`),
			async () => {
				const token = randomBytes(12).toString('hex');
				const started = Date.now();
				for (;;) {
					const taken = await this.tryAcquire(keys, token, this.leaseMs);
					if (taken === true) break;
					if (Date.now() - started > this.maxWaitMs)
						throw new LockTimeoutError(Date.now() - started);
					await sleep(Math.max(1, Math.min(POLL_MS, taken)));
				}
				const renew = setInterval(
					() => {
						void this.renew(keys, token, this.leaseMs).catch(() => undefined);
					},
					Math.floor(this.leaseMs / 3),
				);
				try {
					return await section();
				} finally {
					clearInterval(renew);
					await this.release(keys, token).catch(() => undefined);
				}
			},
		);
	}

	async tryAcquire(keys: string[], token: string, leaseMs: number): Promise<true | number> {
		if (keys.length === 0) return true;
		const [taken, leftMs] = (await ACQUIRE.run(this.redis, this.keysOf(keys), [
			token,
			Math.max(1, Math.floor(leaseMs)),
		])) as [number, number?];
		if (Number(taken) === 1) return true;
		// A key without an expiry (set by hand) is looked at again after one poll.
		return Math.max(1, Number(leftMs) > 0 ? Number(leftMs) : POLL_MS);
	}

	async release(keys: string[], token: string): Promise<void> {
		if (keys.length === 0) return;
		await RELEASE.run(this.redis, this.keysOf(keys), [token]);
	}

	async renew(keys: string[], token: string, leaseMs: number): Promise<boolean> {
		const locks = this.keysOf(keys);
		if (locks.length === 0) return true;
		const renewed = await RENEW.run(this.redis, locks, [token, Math.max(1, Math.floor(leaseMs))]);
		return Number(renewed) === locks.length;
	}
}

/**
 * Locks named `namespace` (e.g. the account plus what is locked: `hubspot:<account>:contact`).
 * With `redis` they hold across processes; without, within this process only.
 */
export function keyLocks(namespace: string, redis?: Redis, options: LockOptions = {}): KeyLocks {
	return redis === undefined
		? new ProcessKeyLocks(namespace)
		: new RedisKeyLocks(redis, namespace, options);
}
