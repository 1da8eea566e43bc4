/**
 * Remembers the deliveries a webhook trigger has accepted, so the same signed delivery never starts
 * a second execution. In Redis (SET NX PX) when the node is given one, so the memory holds across
 * every n8n process behind a load balancer; in this process's memory otherwise.
 */
import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

export const REPLAY_KEY_PREFIX = 'mkops:webhook-delivery:';

/** Keys carry a hash only: no workflow, node or sender-chosen text reaches Redis. */
export function replayKey(scope: string[], deliveryKey: string): string {
	const hash = createHash('sha256').update(JSON.stringify([...scope, deliveryKey])).digest('hex');
	return `${REPLAY_KEY_PREFIX}${hash}`;
}

const remembered = new Map<string, number>();
let sweepAt = 1024;

/** Expired entries go when the map has doubled since the last sweep: amortized O(1) per claim. */
function sweep(now: number): void {
	if (remembered.size < sweepAt) return;
	for (const [key, expires] of remembered) if (expires <= now) remembered.delete(key);
	sweepAt = Math.max(1024, remembered.size * 2);
}

function claimInMemory(key: string, ttlMs: number, now: number): boolean {
	const expires = remembered.get(key);
	if (expires !== undefined && expires > now) return false;
	sweep(now);
	remembered.set(key, now + ttlMs);
	return true;
}

/**
 * True when this is the first time the delivery is seen within `ttlMs`; false for a replay.
 * A Redis error is thrown: without the shared memory a replay could not be refused.
 */
export async function claimDelivery(
	key: string,
	ttlMs: number,
	redis?: Redis,
	now = Date.now(),
): Promise<boolean> {
	const ttl = Math.max(1000, Math.ceil(ttlMs));
	if (redis === undefined) return claimInMemory(key, ttl, now);
	return (await redis.set(key, '1', 'PX', ttl, 'NX')) === 'OK';
}

/** Forgets every in-memory delivery (tests). */
export function resetReplayMemory(): void {
	remembered.clear();
	sweepAt = 1024;
}
