import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type {
	ClaimHeartbeat,
	QueueItem,
	ReliableQueue,
} from '../../../../shared/queue/reliableQueue';
import { wasReclaimed } from '../../../../shared/queue/reliableQueue';
import type { WriteRow } from '../../helpers/batchWrite';
import type { RowOutcome } from '../../helpers/outcome';
import type { AssociationJob, HubSpotQueues, NoteJob } from '../../helpers/queue';
import { NOTE_KEY_PROPERTY, openQueues } from '../../helpers/queue';
import type { HubSpotApi } from '../../transport';
import { isFatal } from '../../transport';
import type { AssociationType, Pair } from '../association/batchCreate.operation';
import { pairKey, sendAssociations } from '../association/batchCreate.operation';
import { findNotesByKey, hasUniqueNoteProperty, sendNotes } from '../note/batchCreate.operation';
import { batchOptions } from '../common.descriptions';
import { queueNameProperty } from './enqueue.operation';
import { queueAlerts, stats } from './stats.operation';

const show = { resource: ['queue'], operation: ['flush'] };
const PER_BATCH = 100;

export const description: INodeProperties[] = [
	queueNameProperty(['flush']),
	{
		displayName:
			'Notes are created once each when notes have the unique property mkops_note_key (run Property › Ensure for notes, as the HubSpot setup workflow does). Without it, a note whose create may have reached HubSpot (no answer in time, a 5xx) goes to the dead-letter queue instead of being sent again.',
		name: 'noteKeyNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
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
					'Jobs claimed by a flush that died (n8n restarted, worker killed) are taken over after this long. A running flush renews its claim while it waits on HubSpot, so a slow round keeps its jobs.',
			},
			...batchOptions.filter((o) => o.name !== 'batchSize' && o.name !== 'concurrency'),
		],
	},
];

/** Marks a job put back because its create may have been applied: it is looked up before any resend. */
const MAY_EXIST = 'May already be in HubSpot: ';

const NOT_DEDUPED =
	`Not sent again: HubSpot does not deduplicate notes, and notes have no unique ${NOTE_KEY_PROPERTY} ` +
	"property to look this one up by (create it with Property › Ensure for notes, as the HubSpot setup workflow does). Check the record's timeline before creating the note again.";

interface Tally {
	sent: number;
	done: number;
	retried: number;
	deadLettered: number;
	/** Jobs put back unsent because HubSpot refused the token or the daily limit was hit. */
	held: number;
	/** Jobs another flush took over from this one (it had stopped renewing them in time). */
	takenOver: number;
}

interface NoteTally extends Tally {
	/** Notes found already created (by their key) and completed without sending them again. */
	found: number;
}

const tally = (): Tally => ({
	sent: 0,
	done: 0,
	retried: 0,
	deadLettered: 0,
	held: 0,
	takenOver: 0,
});

/** One flush: its client, queues and tallies, and what stopped it. */
interface FlushRun {
	api: HubSpotApi;
	queues: HubSpotQueues;
	associations: Tally;
	notes: NoteTally;
	/** Whether notes have the unique NOTE_KEY_PROPERTY: looked up once, when the first notes are due. */
	keyedNotes?: boolean;
	/** The failure no later call could succeed after (bad token, scope, daily limit). */
	stoppedBy?: unknown;
}

/** How a round's jobs end: done, back for a retry, or to the dead-letter queue. */
interface Settlement {
	ack: string[];
	retry: Array<{ id: string; error: string }>;
	deadLetter: Array<{ id: string; error: string }>;
}

const settlement = (): Settlement => ({ ack: [], retry: [], deadLetter: [] });

async function settle<T>(
	queue: ReliableQueue<T>,
	claims: ClaimHeartbeat,
	count: Tally,
	outcome: Settlement,
): Promise<void> {
	claims.settle([
		...outcome.ack,
		...outcome.retry.map((f) => f.id),
		...outcome.deadLetter.map((f) => f.id),
	]);
	count.done += await queue.ack(outcome.ack);
	const failed = await queue.fail(outcome.retry);
	count.retried += failed.retried.length;
	count.deadLettered += failed.deadLettered.length;
	count.deadLettered += (await queue.deadLetter(outcome.deadLetter)).deadLettered.length;
}

/** Renews the round's claims, then keeps only the jobs this flush still holds. */
async function stillHeld<J extends { id: string }>(
	claims: ClaimHeartbeat,
	jobs: J[],
): Promise<J[]> {
	await claims.beat();
	return jobs.filter((job) => claims.holds(job.id));
}

// ---- Associations: idempotent (creating an existing association changes nothing).

/** One v4 call per (from type, to type, default|labelled); a pair queued twice is sent once. */
function groupAssociations(jobs: Array<QueueItem<AssociationJob>>) {
	const groups = new Map<
		string,
		{ job: AssociationJob; pairs: Map<string, { pair: Pair; ids: string[] }> }
	>();
	for (const item of jobs) {
		const job = item.payload;
		const groupKey = `${job.fromType}|${job.toType}|${job.mode}`;
		const group = groups.get(groupKey) ?? {
			job,
			pairs: new Map<string, { pair: Pair; ids: string[] }>(),
		};
		const key = pairKey(job.from, job.to);
		const entry = group.pairs.get(key) ?? {
			pair: { from: job.from, to: job.to, types: [] as AssociationType[], itemIndexes: [] },
			ids: [],
		};
		for (const type of job.types) {
			const known = entry.pair.types.some(
				(t) =>
					t.associationTypeId === type.associationTypeId &&
					t.associationCategory === type.associationCategory,
			);
			if (!known) entry.pair.types.push(type);
		}
		entry.ids.push(item.id);
		group.pairs.set(key, entry);
		groups.set(groupKey, group);
	}
	return [...groups.values()];
}

async function sendAssociationJobs(
	run: FlushRun,
	jobs: Array<QueueItem<AssociationJob>>,
	claims: ClaimHeartbeat,
): Promise<void> {
	for (const { job, pairs } of groupAssociations(jobs)) {
		if (run.stoppedBy !== undefined) return;
		await claims.beat();
		const held = [...pairs].filter(([, e]) => e.ids.some((id) => claims.holds(id)));
		if (held.length === 0) continue;
		const rows: Array<WriteRow<Pair>> = held.map(([key, e]) => ({ key, input: e.pair }));
		run.associations.sent += rows.length;
		const written = await sendAssociations(run.api, job, rows, {
			batchSize: PER_BATCH,
			concurrency: 1,
		});
		const outcome = settlement();
		for (const [key, { ids }] of held) {
			const result = written.get(key);
			if (result?.ok) outcome.ack.push(...ids);
			else if (result && isFatal(result.error)) run.stoppedBy ??= result.error;
			else
				outcome.retry.push(
					...ids.map((id) => ({ id, error: result?.message ?? 'Not associated' })),
				);
		}
		await settle(run.queues.associations, claims, run.associations, outcome);
	}
}

// ---- Notes: creates HubSpot does not dedupe, unless they carry a unique key.

const keyOf = (run: FlushRun, job: QueueItem<NoteJob>) =>
	run.keyedNotes === true ? job.payload.key : undefined;

/** An earlier try of this job may have created the note (no answer, a 5xx, or a flush that stopped). */
const mayExist = (job: QueueItem<NoteJob>) =>
	wasReclaimed(job) || (job.lastError ?? '').startsWith(MAY_EXIST);

/**
 * Completes the keyed jobs whose note HubSpot already has (looked up by key) and returns the others.
 * A failed lookup puts the jobs back, still marked as possibly created.
 */
async function completeNotesFound(
	run: FlushRun,
	jobs: Array<QueueItem<NoteJob>>,
	claims: ClaimHeartbeat,
): Promise<Array<QueueItem<NoteJob>>> {
	const held = await stillHeld(claims, jobs);
	if (held.length === 0) return [];
	let found: Map<string, string>;
	try {
		found = await findNotesByKey(
			run.api,
			NOTE_KEY_PROPERTY,
			held.map((job) => keyOf(run, job)!),
		);
	} catch (error) {
		if (isFatal(error)) run.stoppedBy ??= error;
		else {
			const message = `${MAY_EXIST}could not look it up by its key: ${run.api.toNodeError(error).message}`;
			const outcome = settlement();
			outcome.retry.push(...held.map((job) => ({ id: job.id, error: message })));
			await settle(run.queues.notes, claims, run.notes, outcome);
		}
		return [];
	}
	const outcome = settlement();
	outcome.ack.push(...held.filter((job) => found.has(keyOf(run, job)!)).map((job) => job.id));
	run.notes.found += outcome.ack.length;
	await settle(run.queues.notes, claims, run.notes, outcome);
	return held.filter((job) => !found.has(keyOf(run, job)!));
}

/**
 * The notes to create: a job an earlier try may have created is looked up by its key first; one
 * without a key cannot be checked, so it goes to the dead-letter queue rather than be sent blindly.
 */
async function notesToCreate(
	run: FlushRun,
	jobs: Array<QueueItem<NoteJob>>,
	claims: ClaimHeartbeat,
): Promise<Array<QueueItem<NoteJob>>> {
	const doubtful = jobs.filter(mayExist);
	const fresh = jobs.filter((job) => !mayExist(job));
	const checkable = doubtful.filter((job) => keyOf(run, job) !== undefined);
	const outcome = settlement();
	for (const job of doubtful.filter((j) => keyOf(run, j) === undefined)) {
		const before = wasReclaimed(job)
			? `A flush that claimed this note stopped before HubSpot confirmed it (${job.lastError}).`
			: (job.lastError ?? '').slice(MAY_EXIST.length);
		outcome.deadLetter.push({ id: job.id, error: `${before} ${NOT_DEDUPED}` });
	}
	await settle(run.queues.notes, claims, run.notes, outcome);
	const notFound = checkable.length > 0 ? await completeNotesFound(run, checkable, claims) : [];
	return [...fresh, ...notFound];
}

async function createNotes(
	run: FlushRun,
	jobs: Array<QueueItem<NoteJob>>,
	claims: ClaimHeartbeat,
): Promise<void> {
	const held = await stillHeld(claims, jobs);
	if (held.length === 0) return;
	const rows: Array<WriteRow<NoteJob>> = held.map((job) => {
		const key = keyOf(run, job);
		const { properties, associations } = job.payload;
		return {
			key: job.id,
			input: {
				associations,
				properties: key === undefined ? properties : { ...properties, [NOTE_KEY_PROPERTY]: key },
			},
		};
	});
	run.notes.sent += rows.length;
	const written = await sendNotes(run.api, rows, { batchSize: PER_BATCH, concurrency: 1 });
	const outcome = settlement();
	const keyTaken: Array<QueueItem<NoteJob>> = [];
	for (const job of held) {
		const result = written.get(job.id);
		if (result?.ok) outcome.ack.push(job.id);
		else if (result && isFatal(result.error)) run.stoppedBy ??= result.error;
		else if (keyOf(run, job) !== undefined && result?.field === NOTE_KEY_PROPERTY) {
			// HubSpot refused the key as taken: an earlier try created this note.
			keyTaken.push(job);
		} else if (result?.uncertain && keyOf(run, job) !== undefined) {
			const error = `${MAY_EXIST}${result.message}; it is looked up by its key before it is sent again`;
			outcome.retry.push({ id: job.id, error });
		} else if (result?.uncertain) {
			outcome.deadLetter.push({ id: job.id, error: `${result.message}. ${NOT_DEDUPED}` });
		} else outcome.retry.push({ id: job.id, error: result?.message ?? 'Not created' });
	}
	await settle(run.queues.notes, claims, run.notes, outcome);
	if (keyTaken.length === 0) return;
	const missing = await completeNotesFound(run, keyTaken, claims);
	const unexplained = settlement();
	unexplained.retry.push(
		...missing.map((job) => ({
			id: job.id,
			error: `${MAY_EXIST}HubSpot refused its key as taken, yet no note carries it`,
		})),
	);
	await settle(run.queues.notes, claims, run.notes, unexplained);
}

async function sendNoteJobs(
	run: FlushRun,
	jobs: Array<QueueItem<NoteJob>>,
	claims: ClaimHeartbeat,
): Promise<void> {
	if (run.stoppedBy !== undefined) return;
	try {
		run.keyedNotes ??= await hasUniqueNoteProperty(run.api, NOTE_KEY_PROPERTY);
	} catch (error) {
		// Nothing was sent: the notes go back unsent, and the flush reports the error.
		run.stoppedBy = error;
		return;
	}
	const due = await notesToCreate(run, jobs, claims);
	if (run.stoppedBy === undefined && due.length > 0) await createNotes(run, due, claims);
}

// ---- Rounds.

/**
 * Jobs a round still holds at its end were never sent (the flush stopped first): back, unsent. A
 * job an earlier try may have created keeps that mark, so it is still looked up before a resend.
 */
async function putBackUnsent<T>(
	run: FlushRun,
	queue: ReliableQueue<T>,
	claims: ClaimHeartbeat,
	count: Tally,
	doubtful: Set<string> = new Set(),
): Promise<void> {
	const unsent = claims.remaining;
	if (unsent.length === 0) return;
	const cause =
		run.stoppedBy === undefined
			? 'the flush stopped first'
			: run.api.toNodeError(run.stoppedBy).message;
	claims.settle(unsent);
	const released = await queue.release(
		unsent.map((id) => ({
			id,
			reason: doubtful.has(id) ? `${MAY_EXIST}not sent again yet: ${cause}` : `Not sent: ${cause}`,
		})),
	);
	count.held += released.length;
}

/** Claims and sends one round; false when both queues had nothing to claim. */
async function flushRound(run: FlushRun): Promise<boolean> {
	const { associations, notes } = run.queues;
	const [assocJobs, noteJobs] = await Promise.all([
		associations.claim(PER_BATCH),
		notes.claim(PER_BATCH),
	]);
	if (assocJobs.length === 0 && noteJobs.length === 0) return false;
	// Renewed while this round waits on HubSpot, so another flush cannot take these jobs meanwhile.
	const assocClaims = associations.keepClaimed(assocJobs.map((job) => job.id));
	const noteClaims = notes.keepClaimed(noteJobs.map((job) => job.id));
	try {
		await sendAssociationJobs(run, assocJobs, assocClaims);
		if (noteJobs.length > 0) await sendNoteJobs(run, noteJobs, noteClaims);
		await putBackUnsent(run, associations, assocClaims, run.associations);
		const doubtful = new Set(noteJobs.filter(mayExist).map((job) => job.id));
		await putBackUnsent(run, notes, noteClaims, run.notes, doubtful);
	} finally {
		// After an unexpected error the jobs stay claimed and are reclaimed: what was sent is unknown.
		assocClaims.stop();
		noteClaims.stop();
		run.associations.takenOver += assocClaims.lost.size;
		run.notes.takenOver += noteClaims.lost.size;
	}
	return true;
}

function flushOptions(ctx: IExecuteFunctions) {
	return {
		maxRounds: Math.max(1, Math.floor(Number(ctx.getNodeParameter('options.maxRounds', 0, 20)))),
		claimIdleMs: Number(ctx.getNodeParameter('options.claimIdleMs', 0, 60000)),
		retryDelayMs: Number(ctx.getNodeParameter('options.retryDelayMs', 0, 30000)),
	};
}

/**
 * Drains both queues in rounds. Each job is acknowledged only after HubSpot accepted it; a
 * rejected job is failed (retried by a later flush, dead-lettered after 3 tries). A bad token or
 * the daily limit stops the flush and puts the jobs it did not send back, without counting a try.
 * A note that may have been created is never sent blindly: looked up by its key, or dead-lettered.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const { maxRounds, claimIdleMs, retryDelayMs } = flushOptions(this);
	const queues = await openQueues(this, { claimIdleMs, retryDelayMs });
	const run: FlushRun = { api, queues, associations: tally(), notes: { ...tally(), found: 0 } };
	let rounds = 0;
	try {
		while (rounds < maxRounds && run.stoppedBy === undefined && (await flushRound(run))) rounds++;
		if (run.stoppedBy !== undefined) throw run.stoppedBy;
		const current = await stats(queues);
		const summary: IDataObject = {
			rounds,
			// This flush's tallies, and the queue as it stands afterwards (lifetime counters included).
			associations: { ...run.associations, queue: { ...current.associations } },
			notes: { ...run.notes, queue: { ...current.notes } },
			alerts: queueAlerts(this, current),
		};
		return items.map((_, itemIndex) => ({ itemIndex, json: { ...summary } }));
	} finally {
		await queues.close();
	}
}
