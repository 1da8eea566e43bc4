import type { Redis } from 'ioredis';

import { LuaScript } from '../redis/luaScript';

/**
 * Decides, atomically across workers, whether a standing alert is posted now: when the set of alert
 * kinds differs from the one last posted, or the last post is older than the repeat interval. A flush
 * every 5 s with a standing backlog then posts once per interval, not 720 times an hour; a backlog that
 * clears and comes back is posted at once. The kinds, not the counts, are compared: a growing backlog
 * is one condition.
 */
const DECIDE = new LuaScript(`
if ARGV[1] == '' then
  redis.call('DEL', KEYS[1])
  return 0
end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** The kinds of alert that are on (e.g. `associations:backlog`); order does not matter. */
export async function shouldPostAlert(
	redis: Redis,
	key: string,
	kinds: string[],
	repeatAfterMs: number,
): Promise<boolean> {
	const signature = [...new Set(kinds)].sort().join(',');
	const ttl = Math.max(1000, Math.floor(repeatAfterMs));
	return (await DECIDE.run(redis, [key], [signature, ttl])) === 1;
}
