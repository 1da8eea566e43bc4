/**
 * Combining for Contact › Upsert and List › Add Members: the rows of executions running at the same
 * moment in this n8n process go out in shared calls (shared/transport/coalescer.ts).
 *
 * Unlike Object › Batch Create's option (common.descriptions.ts, at most 1 s), these allow up to
 * 10 s: they sit after a webhook that has already answered (the Luma sync), so a longer wait costs
 * no caller anything and lets batches fill at burst rates.
 */
import type { Redis } from 'ioredis';
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { CoalescedRow } from '../../../../shared/transport/coalescer';
import {
	CancelledBeforeSendError,
	coalesce,
	idleAfterMs,
} from '../../../../shared/transport/coalescer';
import type { PropertyDefinition } from '../../helpers/properties';
import { getPropertyDefinitions } from '../../helpers/properties';
import { HubSpotApi } from '../../transport';

export const MAX_COMBINE_WINDOW_MS = 10_000;

/** Options › Combine With Concurrent Executions (Ms); `what` names the rows ("contacts", "list members"). */
export function combineWindowOption(what: string, perCall: string): INodeProperties {
	return {
		displayName: 'Combine With Concurrent Executions (Ms)',
		name: 'combineWithinMs',
		type: 'number',
		default: 0,
		typeOptions: { minValue: 0, maxValue: MAX_COMBINE_WINDOW_MS },
		description: `Wait up to this long for other executions in the same n8n process (same HubSpot account and settings) to add their ${what}, and send them together, ${perCall} (a full batch goes at once, and a batch no other execution has joined for a fifth of the window, at least 1 s, goes then). 0 sends this execution's ${what} alone. Each execution gets its own items' results; one stopped while it waits sends nothing. For flows that have already answered their webhook, such as the Luma registration sync: 2,000–5,000 ms fills batches during a burst. The cost: items wait that long in memory; if n8n crashes meanwhile, the waiting items of every execution in this process are not written (they fail with the crash; the Luma sync's Dedupe claim then expires and Luma's next delivery retries). In queue mode each worker combines its own executions.`,
	};
}

/** The option's value, 0 (off) to 10 s. */
export function combineWindow(ctx: IExecuteFunctions): number {
	const raw = Number(ctx.getNodeParameter('options.combineWithinMs', 0, 0)) || 0;
	return Math.max(0, Math.min(MAX_COMBINE_WINDOW_MS, raw));
}

/**
 * This execution's HubSpot access without its cancel signal. n8n aborts an execution's requests
 * when it is stopped; a combined call also carries other executions' rows, so one Stop must not
 * abort it.
 */
export async function detachedSender(ctx: IExecuteFunctions, api: HubSpotApi): Promise<HubSpotApi> {
	const detached = Object.create(ctx, {
		getExecutionCancelSignal: { value: () => undefined },
	}) as IExecuteFunctions;
	return await HubSpotApi.fromContext(detached, api.retry, { redis: api.redis });
}

const redisIds = new WeakMap<Redis, number>();
let nextRedisId = 1;

/**
 * What executions must share to share a call: the account, the batch and retry settings (one
 * execution's short timeout must not fail another's rows) and the Redis their locks live in.
 */
export function sharedSettingsKey(
	api: HubSpotApi,
	settings: { batchSize: number; concurrency: number },
): string {
	let redis = 'process';
	if (api.redis !== undefined) {
		if (!redisIds.has(api.redis)) redisIds.set(api.redis, nextRedisId++);
		redis = `redis${redisIds.get(api.redis)}`;
	}
	const { maxRateLimitRetries, maxServerErrorTries, timeoutMs } = api.retry;
	return [
		api.limiterKey,
		settings.batchSize,
		settings.concurrency,
		maxRateLimitRetries,
		maxServerErrorTries,
		timeoutMs,
		redis,
	].join('|');
}

/**
 * Joins `rows` to the open group `groupKey` (or sends them alone when the window is 0) and returns
 * this execution's results. Stopped while waiting: nothing of it is sent, and the node fails saying so.
 */
export async function sendCombined<R extends CoalescedRow, T>(
	ctx: IExecuteFunctions,
	api: HubSpotApi,
	groupKey: string,
	rows: R[],
	options: {
		lingerMs: number;
		maxRows: number;
		sendKey?(row: R): string;
		flush(rows: R[]): Promise<Map<string, T>>;
	},
): Promise<Map<string, T>> {
	try {
		return await coalesce(groupKey, rows, {
			...options,
			idleMs: idleAfterMs(options.lingerMs),
			signal: ctx.getExecutionCancelSignal(),
		});
	} catch (error) {
		throw error instanceof CancelledBeforeSendError
			? new NodeOperationError(ctx.getNode(), error.message)
			: api.toNodeError(error);
	}
}

const readingDefinitions = new Map<string, Promise<PropertyDefinition[]>>();

/**
 * The object type's property definitions, read once for every execution asking at the same moment
 * (a burst would otherwise send one read per execution before the cache fills). Only with a
 * detached sender: one execution's Stop must not fail the others' read.
 */
export async function sharedDefinitions(
	sender: HubSpotApi,
	objectType: string,
): Promise<PropertyDefinition[]> {
	const key = `${sender.limiterKey}|${objectType}`;
	let reading = readingDefinitions.get(key);
	if (reading === undefined) {
		reading = getPropertyDefinitions(sender, objectType).finally(() =>
			readingDefinitions.delete(key),
		);
		readingDefinitions.set(key, reading);
	}
	return await reading;
}
