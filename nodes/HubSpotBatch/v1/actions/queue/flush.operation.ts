import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { WriteRow } from '../../helpers/batchWrite';
import type { RowOutcome } from '../../helpers/outcome';
import type { AssociationJob, NoteJob } from '../../helpers/queue';
import { openQueues } from '../../helpers/queue';
import type { HubSpotApi } from '../../transport';
import { isFatal } from '../../transport';
import type { AssociationType, Pair } from '../association/batchCreate.operation';
import { pairKey, sendAssociations } from '../association/batchCreate.operation';
import { sendNotes } from '../note/batchCreate.operation';
import { batchOptions } from '../common.descriptions';
import { queueNameProperty } from './enqueue.operation';
import { queueAlerts, stats } from './stats.operation';

const show = { resource: ['queue'], operation: ['flush'] };
const PER_BATCH = 100;

export const description: INodeProperties[] = [
	queueNameProperty(['flush']),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Max Rounds',
				name: 'maxRounds',
				type: 'number',
				default: 20,
				typeOptions: { minValue: 1 },
				description:
					'Each round claims up to 100 associations and 100 notes and sends them; the flush stops early when both queues are empty',
			},
			{
				displayName: 'Retry Failed Jobs After (Ms)',
				name: 'retryDelayMs',
				type: 'number',
				default: 30000,
				typeOptions: { minValue: 0 },
				description:
					'A job HubSpot rejected is tried again by a flush after this long (3 tries in all, then the dead-letter queue). At most Reclaim After.',
			},
			{
				displayName: 'Reclaim After (Ms)',
				name: 'claimIdleMs',
				type: 'number',
				default: 60000,
				typeOptions: { minValue: 1000 },
				description:
					'Jobs claimed by a flush that died (n8n restarted, worker killed) are taken over after this long',
			},
			...batchOptions.filter((o) => o.name !== 'batchSize' && o.name !== 'concurrency'),
		],
	},
];

interface Tally {
	sent: number;
	done: number;
	retried: number;
	deadLettered: number;
	/** Jobs left claimed because HubSpot refused the token or the daily limit was hit. */
	held: number;
}

const tally = (): Tally => ({ sent: 0, done: 0, retried: 0, deadLettered: 0, held: 0 });

/**
 * Drains both queues in rounds. Each job is acknowledged only after HubSpot accepted it; a
 * rejected job is failed (retried by a later flush, dead-lettered after 3 tries). A bad token or
 * the daily limit stops the flush and leaves the claimed jobs to be reclaimed, not dead-lettered.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const maxRounds = Math.max(
		1,
		Math.floor(Number(this.getNodeParameter('options.maxRounds', 0, 20))),
	);
	const claimIdleMs = Number(this.getNodeParameter('options.claimIdleMs', 0, 60000));
	const retryDelayMs = Number(this.getNodeParameter('options.retryDelayMs', 0, 30000));
	const queues = await openQueues(this, { claimIdleMs, retryDelayMs });
	const associations = tally();
	const notes = tally();
	let stoppedBy: unknown;
	let rounds = 0;
	try {
		for (; rounds < maxRounds && stoppedBy === undefined; rounds++) {
			const [assocJobs, noteJobs] = await Promise.all([
				queues.associations.claim(PER_BATCH),
				queues.notes.claim(PER_BATCH),
			]);
			if (assocJobs.length === 0 && noteJobs.length === 0) break;

			// Associations: one v4 call per (from type, to type, default|labelled); a pair queued twice is sent once.
			const groups = new Map<
				string,
				{ job: AssociationJob; pairs: Map<string, { pair: Pair; ids: string[] }> }
			>();
			for (const item of assocJobs) {
				const job = item.payload;
				const groupKey = `${job.fromType}|${job.toType}|${job.mode}`;
				const group = groups.get(groupKey) ?? {
					job,
					pairs: new Map<string, { pair: Pair; ids: string[] }>(),
				};
				const key = pairKey(job.from, job.to);
				const entry: { pair: Pair; ids: string[] } = group.pairs.get(key) ?? {
					pair: { from: job.from, to: job.to, types: [], itemIndexes: [] },
					ids: [],
				};
				for (const type of job.types) {
					if (
						!entry.pair.types.some(
							(t: AssociationType) =>
								t.associationTypeId === type.associationTypeId &&
								t.associationCategory === type.associationCategory,
						)
					) {
						entry.pair.types.push(type);
					}
				}
				entry.ids.push(item.id);
				group.pairs.set(key, entry);
				groups.set(groupKey, group);
			}
			for (const { job, pairs } of groups.values()) {
				const rows: Array<WriteRow<Pair>> = [...pairs].map(([key, e]) => ({ key, input: e.pair }));
				associations.sent += rows.length;
				const written = await sendAssociations(api, job, rows, {
					batchSize: PER_BATCH,
					concurrency: 1,
				});
				const ack: string[] = [];
				const failures: Array<{ id: string; error: string }> = [];
				for (const [key, entry] of pairs) {
					const result = written.get(key);
					if (result?.ok) ack.push(...entry.ids);
					else if (result && isFatal(result.error)) {
						stoppedBy ??= result.error;
						associations.held += entry.ids.length;
					} else {
						for (const id of entry.ids)
							failures.push({ id, error: result?.message ?? 'Not associated' });
					}
				}
				associations.done += await queues.associations.ack(ack);
				const failed = await queues.associations.fail(failures);
				associations.retried += failed.retried.length;
				associations.deadLettered += failed.deadLettered.length;
			}

			if (noteJobs.length > 0 && stoppedBy === undefined) {
				const rows: Array<WriteRow<NoteJob>> = noteJobs.map((item) => ({
					key: item.id,
					input: item.payload,
				}));
				notes.sent += rows.length;
				const written = await sendNotes(api, rows, { batchSize: PER_BATCH, concurrency: 1 });
				const ack: string[] = [];
				const failures: Array<{ id: string; error: string }> = [];
				for (const row of rows) {
					const result = written.get(row.key);
					if (result?.ok) ack.push(row.key);
					else if (result && isFatal(result.error)) {
						stoppedBy ??= result.error;
						notes.held++;
					} else failures.push({ id: row.key, error: result?.message ?? 'Not created' });
				}
				notes.done += await queues.notes.ack(ack);
				const failed = await queues.notes.fail(failures);
				notes.retried += failed.retried.length;
				notes.deadLettered += failed.deadLettered.length;
			} else if (noteJobs.length > 0) {
				notes.held += noteJobs.length;
			}
		}
		if (stoppedBy !== undefined) throw stoppedBy;
		const current = await stats(queues);
		const summary: IDataObject = {
			rounds,
			// This flush's tallies, and the queue as it stands afterwards (lifetime counters included).
			associations: { ...associations, queue: { ...current.associations } },
			notes: { ...notes, queue: { ...current.notes } },
			alerts: queueAlerts(this, current),
		};
		return items.map((_, itemIndex) => ({ itemIndex, json: { ...summary } }));
	} finally {
		await queues.close();
	}
}
