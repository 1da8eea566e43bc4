/**
 * Runs async sections one at a time per key, within this process. n8n's processed-data store reads and then
 * writes without a lock, so two executions checking the same key at once could both see it as new.
 */
const tails = new Map<string, Promise<unknown>>();

export async function runExclusive<T>(key: string, section: () => Promise<T>): Promise<T> {
	const previous = tails.get(key) ?? Promise.resolve();
	const run = previous.then(section, section);
	const tail = run.catch(() => undefined);
	tails.set(key, tail);
	try {
		return await run;
	} finally {
		// Forget the key once nothing is queued behind this section.
		if (tails.get(key) === tail) tails.delete(key);
	}
}
