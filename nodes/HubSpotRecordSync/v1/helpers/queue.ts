/**
 * The app's queued changes, in a reliable Redis queue per app table (shared/queue/reliableQueue):
 * a change stays queued until a flush has synced it, is retried on failure, and goes to the
 * dead-letter set after the last attempt.
 */
import { hostname } from 'node:os';

import type { Redis } from 'ioredis';

import { ReliableQueue } from '../../../shared/queue/reliableQueue';
import type { SyncSettings } from './engine';

export interface AppChange {
	/** The app row's key. */
	key: string;
	/** Changed columns; empty: every field with a rule. */
	fields: string[];
	/** When the app changed it (epoch ms). */
	at: number;
}

/** Attempts in all: the first and three retries, then the dead-letter set. */
export const MAX_ATTEMPTS = 4;

export const queueName = (settings: SyncSettings) =>
	`hubspot-sync:${settings.app.schema}.${settings.app.table}:${settings.objectType}`;

export function changeQueue(
	redis: Redis,
	settings: SyncSettings,
	options: { retryDelayMs?: number; claimIdleMs?: number } = {},
) {
	return new ReliableQueue<AppChange>(redis, {
		name: queueName(settings),
		consumer: `n8n-${hostname()}-${process.pid}`,
		maxAttempts: MAX_ATTEMPTS,
		claimIdleMs: options.claimIdleMs ?? 120_000,
		retryDelayMs: options.retryDelayMs ?? 30_000,
	});
}
