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
import { shouldPostAlert } from '../../../../shared/queue/alertThrottle';
import { queueAlertList, stats } from './stats.operation';

const show = { resource: ['queue'], operation: ['flush'] };
const PER_BATCH = 100;

export const description: INodeProperties[] = [
	queueNameProperty(['flush']),
	{
		displayName:
			'Notes are created once each when notes have the unique property mkops_note_key (run HubSpot Batch › Property › Ensure for notes, as the HubSpot setup workflow does). Without it, a note whose create may have reached HubSpot (no answer in time, a 5xx) goes to the dead-letter queue instead of being sent again.',
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
	"property to look this one up by (create it with HubSpot Batch › Property › Ensure for notes, as the HubSpot setup workflow does). Check the record's timeline before creating the note again.";

interface Tally {
	sent: number;
	done: number;
	retried: number;
	deadLettered: number;
	/** Jobs put back unsent because the flush stopped first (token refused, daily limit hit). */
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

/**
 * One queue's part of a round: the jobs, their claims (renewed while the round works) and which of
 * them went to HubSpot. A job never sent goes back when the round ends, however it ends.
 */
interface QueueRound<T> {
	queue: ReliableQueue<T>;
	jobs: Array<QueueItem<T>>;
	claims: ClaimHeartbeat;
	count: Tally;
	/** Jobs in a call HubSpot may have applied (not one it refused outright): never put back unsent. */
	sent: Set<string>;
	/** Jobs an earlier try may have applied: put back, they keep that mark. */
	doubtful: Set<string>;
}

/** How a round's jobs end: done, back for a retry, or to the dead-letter queue. */
interface Settlement {
	ack: string[];
	retry: Array<{ id: string; error: string }>;
	deadLetter: Array<{ id: string; error: string }>;
}

const settlement = (): Settlement => ({ ack: [], retry: [], deadLetter: [] });

async function settle<T>(round: QueueRound<T>, outcome: Settlement): Promise<void> {
	const { queue, claims, count } = round;
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
async function stillHeld<T, J extends { id: string }>(
	round: QueueRound<T>,
	jobs: J[],
): Promise<J[]> {
	await round.claims.beat();
	return jobs.filter((job) => round.claims.holds(job.id));
}

/**
 * HubSpot answered that this call applied nothing for these (a refused token, the daily limit, a key
 * already taken): the end of the round may put them back.
 */
function refused<T>(round: QueueRound<T>, ids: string[]): void {
	for (const id of ids) round.sent.delete(id);
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
	round: QueueRound<AssociationJob>,
): Promise<void> {
	const { claims } = round;
	for (const { job, pairs } of groupAssociations(round.jobs)) {
		if (run.stoppedBy !== undefined) return;
		await claims.beat();
		const held = [...pairs].filter(([, e]) => e.ids.some((id) => claims.holds(id)));
		if (held.length === 0) continue;
		const rows: Array<WriteRow<Pair>> = held.map(([key, e]) => ({ key, input: e.pair }));
		run.associations.sent += rows.length;
		for (const [, { ids }] of held) for (const id of ids) round.sent.add(id);
		const written = await sendAssociations(run.api, job, rows, {
			batchSize: PER_BATCH,
			concurrency: 1,
		});
		const outcome = settlement();
		for (const [key, { ids }] of held) {
			const result = written.get(key);
			if (result?.ok) outcome.ack.push(...ids);
			else if (result && isFatal(result.error)) {
				run.stoppedBy ??= result.error;
				refused(round, ids);
			} else
				outcome.retry.push(
					...ids.map((id) => ({ id, error: result?.message ?? 'Not associated' })),
				);
		}
		await settle(round, outcome);
	}
}

// ---- Notes: creates HubSpot does not dedupe, unless they carry a unique key.

const keyOf = (run: FlushRun, job: QueueItem<NoteJob>) =>
	run.keyedNotes === true ? job.payload.key : undefined;

/** An earlier try of this job may have created the note (no answer, a 5xx, or a flush that stopped). */
const mayExist = (job: QueueItem<NoteJob>) =>
	wasReclaimed(job) || (job.lastError ?? '').startsWith(MAY_EXIST);

const doubtfulOf = (jobs: Array<QueueItem<NoteJob>>) =>
	new Set(jobs.filter(mayExist).map((job) => job.id));

/**
 * Completes the keyed jobs whose note HubSpot already has (looked up by key) and returns the others.
 * A failed lookup puts the jobs back, still marked as possibly created.
 */
async function completeNotesFound(
	run: FlushRun,
	jobs: Array<QueueItem<NoteJob>>,
	round: QueueRound<NoteJob>,
): Promise<Array<QueueItem<NoteJob>>> {
	const held = await stillHeld(round, jobs);
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
			await settle(round, outcome);
		}
		return [];
	}
	const outcome = settlement();
	outcome.ack.push(...held.filter((job) => found.has(keyOf(run, job)!)).map((job) => job.id));
	run.notes.found += outcome.ack.length;
	await settle(round, outcome);
	return held.filter((job) => !found.has(keyOf(run, job)!));
}

/**
 * The notes to create: a job an earlier try may have created is looked up by its key first; one
 * without a key cannot be checked, so it goes to the dead-letter queue rather than be sent blindly.
 */
async function notesToCreate(
	run: FlushRun,
	round: QueueRound<NoteJob>,
): Promise<Array<QueueItem<NoteJob>>> {
	const doubtful = round.jobs.filter(mayExist);
	const fresh = round.jobs.filter((job) => !mayExist(job));
	const checkable = doubtful.filter((job) => keyOf(run, job) !== undefined);
	const outcome = settlement();
	for (const job of doubtful.filter((j) => keyOf(run, j) === undefined)) {
		const before = wasReclaimed(job)
			? `A flush that claimed this note stopped before HubSpot confirmed it (${job.lastError}).`
			: (job.lastError ?? '').slice(MAY_EXIST.length);
		outcome.deadLetter.push({ id: job.id, error: `${before} ${NOT_DEDUPED}` });
	}
	await settle(round, outcome);
	const notFound = checkable.length > 0 ? await completeNotesFound(run, checkable, round) : [];
	return [...fresh, ...notFound];
}

async function createNotes(
	run: FlushRun,
	jobs: Array<QueueItem<NoteJob>>,
	round: QueueRound<NoteJob>,
): Promise<void> {
	const held = await stillHeld(round, jobs);
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
	for (const job of held) round.sent.add(job.id);
	const written = await sendNotes(run.api, rows, { batchSize: PER_BATCH, concurrency: 1 });
	const outcome = settlement();
	const keyTaken: Array<QueueItem<NoteJob>> = [];
	for (const job of held) {
		const result = written.get(job.id);
		if (result?.ok) outcome.ack.push(job.id);
		else if (result && isFatal(result.error)) {
			run.stoppedBy ??= result.error;
			refused(round, [job.id]);
		} else if (keyOf(run, job) !== undefined && result?.field === NOTE_KEY_PROPERTY) {
			// HubSpot refused the key as taken: an earlier try created this note. It is looked up
			// below; should the flush stop first, it goes back marked as possibly created.
			keyTaken.push(job);
			refused(round, [job.id]);
			round.doubtful.add(job.id);
		} else if (result?.uncertain && keyOf(run, job) !== undefined) {
			const error = `${MAY_EXIST}${result.message}; it is looked up by its key before it is sent again`;
			outcome.retry.push({ id: job.id, error });
		} else if (result?.uncertain) {
			outcome.deadLetter.push({ id: job.id, error: `${result.message}. ${NOT_DEDUPED}` });
		} else outcome.retry.push({ id: job.id, error: result?.message ?? 'Not created' });
	}
	await settle(round, outcome);
	if (keyTaken.length === 0) return;
	const missing = await completeNotesFound(run, keyTaken, round);
	const unexplained = settlement();
	unexplained.retry.push(
		...missing.map((job) => ({
			id: job.id,
			error: `${MAY_EXIST}HubSpot refused its key as taken, yet no note carries it`,
		})),
	);
	await settle(round, unexplained);
}

async function sendNoteJobs(run: FlushRun, round: QueueRound<NoteJob>): Promise<void> {
	if (run.stoppedBy !== undefined) return;
	try {
		run.keyedNotes ??= await hasUniqueNoteProperty(run.api, NOTE_KEY_PROPERTY);
	} catch (error) {
		// Nothing was sent: the notes go back unsent, and the flush reports the error.
		run.stoppedBy = error;
		return;
	}
	const due = await notesToCreate(run, round);
	if (run.stoppedBy === undefined && due.length > 0) await createNotes(run, due, round);
}

// ---- Rounds.

/**
 * Puts back jobs this flush holds but never sent, without counting a try. A job an earlier try may
 * have created keeps that mark, so it is still looked up before a resend.
 */
async function putBack<T>(
	queue: ReliableQueue<T>,
	ids: string[],
	doubtful: Set<string>,
	cause: string,
): Promise<number> {
	if (ids.length === 0) return 0;
	const released = await queue.release(
		ids.map((id) => ({
			id,
			reason: doubtful.has(id) ? `${MAY_EXIST}not sent again yet: ${cause}` : `Not sent: ${cause}`,
		})),
	);
	return released.length;
}

/** Why jobs went back unsent: the error that ended the round, or the one that stopped the flush. */
function causeOf(run: FlushRun, failure?: { error: unknown }): string {
	const error = failure === undefined ? run.stoppedBy : failure.error;
	return error === undefined ? 'the flush stopped first' : run.api.toNodeError(error).message;
}

/** Renewed while the round waits on HubSpot, so another flush cannot take these jobs meanwhile. */
function startRound<T>(
	queue: ReliableQueue<T>,
	jobs: Array<QueueItem<T>>,
	count: Tally,
	doubtful = new Set<string>(),
): QueueRound<T> {
	const claims = queue.keepClaimed(jobs.map((job) => job.id));
	return { queue, jobs, claims, count, sent: new Set(), doubtful };
}

/**
 * Ends a round, however it went: stops renewing, and puts back the jobs still held that were never
 * sent. Jobs sent but not settled (the round broke off) stay claimed: what HubSpot did with them is
 * unknown, so they are reclaimed later and treated as possibly applied.
 */
async function endRound<T>(round: QueueRound<T>, cause: string): Promise<void> {
	const { claims, count } = round;
	claims.stop();
	const unsent = claims.remaining.filter((id) => !round.sent.has(id));
	claims.settle(unsent);
	try {
		count.held += await putBack(round.queue, unsent, round.doubtful, cause);
	} finally {
		count.takenOver += claims.lost.size;
	}
}

/** Both queues' next jobs; when one claim fails, what the other took goes back before the error surfaces. */
async function claimRound(
	run: FlushRun,
): Promise<[Array<QueueItem<AssociationJob>>, Array<QueueItem<NoteJob>>]> {
	const { associations, notes } = run.queues;
	const [assocJobs, noteJobs] = await Promise.allSettled([
		associations.claim(PER_BATCH),
		notes.claim(PER_BATCH),
	]);
	if (assocJobs.status === 'fulfilled' && noteJobs.status === 'fulfilled')
		return [assocJobs.value, noteJobs.value];
	const { reason } = [assocJobs, noteJobs].find(
		(claimed): claimed is PromiseRejectedResult => claimed.status === 'rejected',
	)!;
	const cause = causeOf(run, { error: reason });
	const claimedIds = <T>(claimed: PromiseSettledResult<Array<QueueItem<T>>>) =>
		claimed.status === 'fulfilled' ? claimed.value.map((job) => job.id) : [];
	const doubtful = doubtfulOf(noteJobs.status === 'fulfilled' ? noteJobs.value : []);
	await Promise.allSettled([
		putBack(associations, claimedIds(assocJobs), new Set(), cause),
		putBack(notes, claimedIds(noteJobs), doubtful, cause),
	]);
	throw reason;
}

/** Claims and sends one round; false when both queues had nothing to claim. */
async function flushRound(run: FlushRun): Promise<boolean> {
	const [assocJobs, noteJobs] = await claimRound(run);
	if (assocJobs.length === 0 && noteJobs.length === 0) return false;
	const associations = startRound(run.queues.associations, assocJobs, run.associations);
	const notes = startRound(run.queues.notes, noteJobs, run.notes, doubtfulOf(noteJobs));
	let failure: { error: unknown } | undefined;
	try {
		await sendAssociationJobs(run, associations);
		if (noteJobs.length > 0) await sendNoteJobs(run, notes);
	} catch (error) {
		// A Redis error mid-round, say: the jobs not sent yet must not wait for a reclaim, which
		// would count a try and make an unkeyed note look possibly created.
		failure = { error };
	}
	const cause = causeOf(run, failure);
	const ended = await Promise.allSettled([endRound(associations, cause), endRound(notes, cause)]);
	if (failure !== undefined) throw failure.error;
	for (const end of ended) if (end.status === 'rejected') throw end.reason;
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
		const found = queueAlertList(this, current);
		const repeatMinutes = Math.max(
			1,
			Number(this.getNodeParameter('alertRepeatMinutes', 0, 30)) || 30,
		);
		const notify = await shouldPostAlert(
			queues.redis,
			`mkops:queue:{${queues.name}:alerts}:posted`,
			found.map((a) => a.kind),
			repeatMinutes * 60_000,
		);
		const summary: IDataObject = {
			rounds,
			// This flush's tallies, and the queue as it stands afterwards (lifetime counters included).
			associations: { ...run.associations, queue: { ...current.associations } },
			notes: { ...run.notes, queue: { ...current.notes } },
			alerts: found.map((a) => a.message),
			// Post when true: an alert that starts or changes, or stands past the repeat interval.
			notify,
		};
		return items.map((_, itemIndex) => ({ itemIndex, json: { ...summary } }));
	} finally {
		await queues.close();
	}
}
