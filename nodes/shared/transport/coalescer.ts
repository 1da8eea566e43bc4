/**
 * Combines the rows that concurrent executions submit within a short window into shared batch calls.
 *
 * Why: a webhook workflow runs one execution per request, each with one item, so a burst of 200
 * requests would otherwise be 200 single-row batch calls. Executions in the same process that
 * submit to the same group within `lingerMs` of the first are flushed together; a group that fills
 * to `maxRows` is flushed at once, and one that no submitter joined for `idleMs` goes early.
 *
 * Each submitter stays responsible for its own rows:
 * - it gets the results of its own rows only (a failed row fails its own submitter, no other);
 * - a submitter whose execution is cancelled before the group goes out is taken out of it: nothing
 *   of it is sent, and it learns so at once;
 * - the group goes out with the flush of a submitter still waiting. That flush must not be tied to
 *   its execution (n8n aborts an execution's requests when it is stopped): a submitter cancelled
 *   while the call is in flight then cannot fail the others' rows.
 * What a crash costs: rows wait in this process's memory only, so a crash in the linger window
 * loses the rows of every execution waiting in it (they die with the process; nothing was sent).
 */

/**
 * For nodes after a webhook that has already answered (long windows): a group also goes once no
 * execution has joined it for a fifth of the window (at least 1 s), so a lone row does not wait the
 * whole window, while rows arriving in the bursts of a rate-limited step before keep it filling.
 */
export function idleAfterMs(lingerMs: number): number {
	return Math.max(1000, Math.round(lingerMs / 5));
}

export interface CoalescedRow {
	/** Unique across every submitter of a group: how each submitter finds its own results. */
	key: string;
}

export interface CoalesceOptions<R extends CoalescedRow, T> {
	/** How long the first row of a group waits for company, at most. */
	lingerMs: number;
	/**
	 * A group also goes when no submitter has joined it for this long (under `lingerMs`): a burst
	 * keeps its group filling for the whole window, a lone row does not wait all of it.
	 */
	idleMs?: number;
	/** A group this size is flushed without waiting. */
	maxRows: number;
	/**
	 * What one write of the flush covers, when rows can share one (a contact several executions
	 * submit): the group is then full at `maxRows` distinct values, not rows, so a batch that leaves
	 * repeats for later still goes out full.
	 */
	sendKey?(row: R): string;
	/**
	 * Writes the combined rows and returns a result per row key. Submitters of one group must pass
	 * interchangeable flushes (same account and settings), not tied to their own execution.
	 */
	flush(rows: R[]): Promise<Map<string, T>>;
	/** The submitter's cancellation (n8n: `getExecutionCancelSignal()`). */
	signal?: AbortSignal;
}

/** The submitter was cancelled before its rows were sent: none of them was written. */
export class CancelledBeforeSendError extends Error {
	constructor() {
		super('The execution was stopped before its rows were sent: none of them was written');
		this.name = 'CancelledBeforeSendError';
	}
}

interface Submitter<R, T> {
	rows: R[];
	flush(rows: R[]): Promise<Map<string, T>>;
	resolve(result: Map<string, T>): void;
	reject(error: unknown): void;
	/** Stops listening for the submitter's cancellation. */
	detach(): void;
}

interface Group<R, T> {
	submitters: Array<Submitter<R, T>>;
	/** Rows per send key (each row its own key without `sendKey`); the group's size is its key count. */
	sizes: Map<string, number>;
	sendKey(row: R): string;
	timer?: ReturnType<typeof setTimeout>;
	idleTimer?: ReturnType<typeof setTimeout>;
}

const groups = new Map<string, Group<CoalescedRow, unknown>>();

let sequence = 0;

/** A prefix that makes row keys unique across the executions sharing a flush. */
export function uniqueKeyPrefix(): string {
	sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
	return `x${sequence.toString(36)}:`;
}

/** Executions waiting in an open group, in this process (for tests and diagnostics). */
export function waitingSubmitters(): number {
	let n = 0;
	for (const group of groups.values()) n += group.submitters.length;
	return n;
}

/** Each submitter's own results out of the group's. */
function own<T>(rows: CoalescedRow[], all: Map<string, T>): Map<string, T> {
	const mine = new Map<string, T>();
	for (const row of rows) if (all.has(row.key)) mine.set(row.key, all.get(row.key) as T);
	return mine;
}

function release<R extends CoalescedRow, T>(groupKey: string, group: Group<R, T>): void {
	if (groups.get(groupKey) === (group as unknown as Group<CoalescedRow, unknown>))
		groups.delete(groupKey);
	if (group.timer) clearTimeout(group.timer);
	if (group.idleTimer) clearTimeout(group.idleTimer);
	const submitters = group.submitters;
	if (submitters.length === 0) return;
	// From here the rows are on their way: a cancellation no longer takes them out.
	for (const s of submitters) s.detach();
	submitters[0]
		.flush(submitters.flatMap((s) => s.rows))
		.then((result) => submitters.forEach((s) => s.resolve(own(s.rows, result))))
		.catch((error: unknown) => submitters.forEach((s) => s.reject(error)));
}

function withdraw<R extends CoalescedRow, T>(
	groupKey: string,
	group: Group<R, T>,
	submitter: Submitter<R, T>,
): void {
	const index = group.submitters.indexOf(submitter);
	if (index < 0) return;
	group.submitters.splice(index, 1);
	count(group, submitter.rows, -1);
	if (group.submitters.length === 0) {
		if (group.timer) clearTimeout(group.timer);
		if (group.idleTimer) clearTimeout(group.idleTimer);
		if (groups.get(groupKey) === (group as unknown as Group<CoalescedRow, unknown>))
			groups.delete(groupKey);
	}
	submitter.reject(new CancelledBeforeSendError());
}

function count<R extends CoalescedRow, T>(group: Group<R, T>, rows: R[], step: 1 | -1): void {
	for (const row of rows) {
		const key = group.sendKey(row);
		const n = (group.sizes.get(key) ?? 0) + step;
		if (n > 0) group.sizes.set(key, n);
		else group.sizes.delete(key);
	}
}

/**
 * Adds `rows` to the open group `groupKey` and resolves with the results of these rows. With
 * `lingerMs <= 0`, or rows enough to fill a batch, it flushes these rows alone.
 */
export async function coalesce<R extends CoalescedRow, T>(
	groupKey: string,
	rows: R[],
	options: CoalesceOptions<R, T>,
): Promise<Map<string, T>> {
	if (options.signal?.aborted) throw new CancelledBeforeSendError();
	const size = options.sendKey ? new Set(rows.map(options.sendKey)).size : rows.length;
	if (options.lingerMs <= 0 || size >= options.maxRows) return await options.flush(rows);
	return await new Promise<Map<string, T>>((resolve, reject) => {
		let group = groups.get(groupKey) as Group<R, T> | undefined;
		if (group === undefined) {
			const created: Group<R, T> = {
				submitters: [],
				sizes: new Map(),
				sendKey: options.sendKey ?? ((row) => row.key),
			};
			created.timer = setTimeout(() => release(groupKey, created), options.lingerMs);
			groups.set(groupKey, created as unknown as Group<CoalescedRow, unknown>);
			group = created;
		}
		const joined = group;
		const onAbort = () => withdraw(groupKey, joined, submitter);
		const submitter: Submitter<R, T> = {
			rows,
			flush: options.flush,
			resolve,
			reject,
			detach: () => options.signal?.removeEventListener('abort', onAbort),
		};
		options.signal?.addEventListener('abort', onAbort, { once: true });
		joined.submitters.push(submitter);
		count(joined, rows, 1);
		if (joined.sizes.size >= options.maxRows) release(groupKey, joined);
		else if (options.idleMs !== undefined && options.idleMs < options.lingerMs) {
			if (joined.idleTimer) clearTimeout(joined.idleTimer);
			joined.idleTimer = setTimeout(() => release(groupKey, joined), options.idleMs);
		}
	});
}
