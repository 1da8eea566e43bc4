import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { coordinationRedis } from '../../../../shared/redis/coordination';
import { appUpdatedAtOption, recordProperties } from '../common.descriptions';
import { openHubSpot, openPool } from '../../helpers/context';
import { compareRows, execute as carryOut, fieldJson } from '../../helpers/engine';
import { changeQueue } from '../../helpers/queue';
import { readSettings } from '../../helpers/settings';
import { rowsByKey } from '../../database/store';

const properties: INodeProperties[] = [
	...recordProperties,
	{
		displayName: 'Max Records',
		name: 'maxRecords',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000 },
		default: 1000,
		description: 'Most queued records sent by one run; the rest wait for the next run',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			appUpdatedAtOption,
			{
				displayName: 'First Retry Delay (Ms)',
				name: 'retryDelayMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 30000,
				description:
					'How long a failed record waits before a later run tries it again; the wait doubles with each attempt, up to 2 minutes (4 attempts in all, then the dead-letter set)',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['flush'] } }, properties);

/** The longest wait before a failed record is tried again (the queue's reclaim time). */
const MAX_RETRY_DELAY_MS = 120_000;

/**
 * The queued records, with the app's row and HubSpot's record as they are now: only fields the app
 * owns or shares go to HubSpot (a HubSpot-owned field is never sent), and a field HubSpot changed
 * too is settled by its rule. A record is acknowledged only once synced; a failure is retried.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const all = readSettings(this);
	const settings = { ...all, rules: all.rules.filter((r) => r.direction !== 'toApp') };
	const maxRecords = Math.max(
		1,
		Math.min(10000, Number(this.getNodeParameter('maxRecords', 0, 1000)) || 1000),
	);
	const retryDelayMs = Math.max(
		0,
		Number(this.getNodeParameter('options.retryDelayMs', 0, 30000)) || 0,
	);
	const redis = await coordinationRedis(this, true);
	if (redis === undefined)
		throw new NodeOperationError(this.getNode(), 'The queue needs a Redis credential');
	const queue = changeQueue(redis, all);
	const { pool } = await openPool(this);
	const hubspot = await openHubSpot(this, settings.objectType);

	const claimed = await queue.claim(maxRecords);
	const byKey = new Map<string, string[]>();
	for (const item of claimed)
		byKey.set(item.payload.key, [...(byKey.get(item.payload.key) ?? []), item.id]);
	const summary: IDataObject = {
		claimed: claimed.length,
		records: byKey.size,
		synced: 0,
		failed: 0,
		dead_lettered: 0,
		manual: 0,
	};
	const review: INodeExecutionData[] = [];
	if (claimed.length > 0) {
		const heartbeat = queue.keepClaimed(claimed.map((c) => c.id));
		try {
			const keys = [...byKey.keys()];
			const rows = new Map(
				(await rowsByKey(pool, settings.app, keys)).map((r) => [
					String(r[settings.app.keyColumn]),
					r,
				]),
			);
			const {
				planned: pairs,
				unlinked,
				notFound,
			} = await compareRows(pool, hubspot, settings, [...rows.values()]);
			const failures: Array<{ id: string; error: string }> = [];
			const fail = (key: string, error: string) => {
				for (const id of byKey.get(key) ?? []) failures.push({ id, error });
			};
			for (const key of keys) if (!rows.has(key)) fail(key, 'the app row no longer exists');
			for (const row of [...unlinked, ...notFound])
				fail(String(row[settings.app.keyColumn]), 'no HubSpot record for this row');
			const results = await carryOut(pool, hubspot, settings, pairs, { source: 'queue' });
			const acked: string[] = [];
			for (const r of results) {
				const ids = byKey.get(r.recordId) ?? [];
				if (r.error !== undefined) for (const id of ids) failures.push({ id, error: r.error });
				else {
					acked.push(...ids);
					summary.synced = Number(summary.synced) + 1;
				}
				if (r.manual) {
					summary.manual = Number(summary.manual) + 1;
					review.push({
						json: {
							record_id: r.recordId,
							hubspot_id: r.hubspotId,
							fields: r.fields.filter((f) => f.action === 'manual').map(fieldJson),
						},
						pairedItem: { item: 0 },
					});
				}
			}
			if (acked.length > 0) await queue.ack(acked);
			if (failures.length > 0) {
				// Backoff: the retry delay doubles with each attempt (within the queue's reclaim time).
				const attemptsOf = new Map(claimed.map((c) => [c.id, c.attempts]));
				const byAttempt = new Map<number, typeof failures>();
				for (const f of failures) {
					const attempt = attemptsOf.get(f.id) ?? 1;
					byAttempt.set(attempt, [...(byAttempt.get(attempt) ?? []), f]);
				}
				let deadLettered = 0;
				for (const [attempt, group] of byAttempt) {
					const delay = Math.min(retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
					deadLettered += (await changeQueue(redis, all, { retryDelayMs: delay }).fail(group))
						.deadLettered.length;
				}
				summary.failed = failures.length;
				summary.dead_lettered = deadLettered;
				summary.errors = failures.slice(0, 20) as unknown as IDataObject[];
			}
		} catch (error) {
			// Nothing acknowledged, and no attempt counted: a run that failed as a whole (HubSpot down, a
			// revoked token) leaves every change queued for a later run.
			await queue
				.release(claimed.map((c) => ({ id: c.id, reason: (error as Error).message })))
				.catch(() => undefined);
			throw new NodeOperationError(this.getNode(), `Flush failed: ${(error as Error).message}`, {
				description: `${claimed.length} queued changes stay queued and are retried by a later run.`,
			});
		} finally {
			heartbeat.stop();
		}
	}
	const stats = await queue.stats();
	summary.waiting = stats.length;
	summary.dead_letters = stats.deadLetters;
	summary.hubspot_reads = hubspot.reads;
	summary.hubspot_writes = hubspot.writes;
	return [[{ json: summary, pairedItem: { item: 0 } }], review];
}
