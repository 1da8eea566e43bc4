/**
 * Combines the rows that concurrent executions submit within a short window into shared batch calls.
 *
 * Why: a webhook workflow runs one execution per request, each with one item, so a burst of 200
 * requests would otherwise be 200 single-row batch calls. Executions in the same process that
 * submit to the same group within `lingerMs` of the first are flushed together; a group that fills
 * to `maxRows` is flushed at once. Every submitter gets the results of its own rows (or the
 * flush's error).
 */

export interface CoalesceOptions<R, T> {
	/** How long the first row of a group waits for company. */
	lingerMs: number;
	/** A group this size is flushed without waiting. */
	maxRows: number;
	/** Writes the combined rows; its result is shared by all submitters. */
	flush(rows: R[]): Promise<Map<string, T>>;
}

interface Group<R, T> {
	rows: R[];
	waiters: Array<{ resolve(result: Map<string, T>): void; reject(error: unknown): void }>;
	timer?: ReturnType<typeof setTimeout>;
	flush(rows: R[]): Promise<Map<string, T>>;
}

const groups = new Map<string, Group<unknown, unknown>>();

let sequence = 0;

/** A prefix that makes row keys unique across the executions sharing a flush. */
export function uniqueKeyPrefix(): string {
	sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
	return `x${sequence.toString(36)}:`;
}

function release<R, T>(key: string, group: Group<R, T>): void {
	if (groups.get(key) === (group as Group<unknown, unknown>)) groups.delete(key);
	if (group.timer) clearTimeout(group.timer);
	group
		.flush(group.rows)
		.then((result) => group.waiters.forEach((w) => w.resolve(result)))
		.catch((error: unknown) => group.waiters.forEach((w) => w.reject(error)));
}

/**
 * Adds `rows` to the open group `groupKey` (keys of R must be unique across submitters) and resolves
 * with the map the group's flush returned. With `lingerMs <= 0` it flushes these rows alone.
 */
export async function coalesce<R, T>(
	groupKey: string,
	rows: R[],
	options: CoalesceOptions<R, T>,
): Promise<Map<string, T>> {
	if (options.lingerMs <= 0 || rows.length >= options.maxRows) return await options.flush(rows);
	return await new Promise<Map<string, T>>((resolve, reject) => {
		let group = groups.get(groupKey) as Group<R, T> | undefined;
		if (group === undefined) {
			group = { rows: [], waiters: [], flush: options.flush };
			const created = group;
			created.timer = setTimeout(() => release(groupKey, created), options.lingerMs);
			groups.set(groupKey, created as Group<unknown, unknown>);
		}
		group.rows.push(...rows);
		group.waiters.push({ resolve, reject });
		if (group.rows.length >= options.maxRows) release(groupKey, group);
	});
}
