import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when the server does not have it cached
 * (first use, after a restart or SCRIPT FLUSH). A script runs atomically: no other client's command
 * interleaves with it, which is what the queue and the shared limiter rely on.
 */
export class LuaScript {
	readonly sha1: string;

	constructor(readonly source: string) {
		this.sha1 = createHash('sha1').update(source, 'utf8').digest('hex');
	}

	async run(redis: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
		let failure: unknown;
		try {
			return await redis.evalsha(this.sha1, keys.length, ...keys, ...args);
		} catch (error) {
			failure = error;
		}
		// Decided outside the catch so any other error is rethrown untouched.
		if (!(failure instanceof Error) || !failure.message.includes('NOSCRIPT')) throw failure;
		return await redis.eval(this.source, keys.length, ...keys, ...args);
	}
}

/** Lua snippet: `now`, the Redis server's clock in ms, so every process shares one clock. */
export const LUA_NOW_MS =
	"local __t = redis.call('TIME')\nlocal now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)\n";
