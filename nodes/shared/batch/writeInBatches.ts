/**
 * The one batch core: write rows in chunks and account for every one of them.
 * - chunks of `batchSize`, at most `concurrency` in flight;
 * - a chunk rejected as a whole because of one bad row (HubSpot's 400, Airtable's 422, a Postgres
 *   data error) is split in halves down to that row: the good rows land, the bad one gets its reason;
 * - a fatal failure (bad key, daily budget spent) stops every later send, and the rows not yet
 *   written carry it;
 * - results are tied to rows by key, never by position: vendors do not promise result order.
 */
import { chunk, mapWithConcurrency } from '../transport/batcher';

export interface BatchRow {
	/** Unique within one write; how a result finds its row. */
	key: string;
}

export interface RowSuccess<V> {
	ok: true;
	value: V;
}

export interface RowFailure {
	ok: false;
	message: string;
	/** What failed: a vendor error (AttemptError), a vendor's per-row error body, or a database error. */
	error: unknown;
	/** The field or property the vendor blamed. */
	field?: string;
	/** The vendor's error type (INVALID_VALUE_FOR_COLUMN, 23505, …). */
	type?: string;
	/** Nothing later could succeed either (bad key, daily budget). */
	fatal?: boolean;
	/** A create that may have been applied although it failed: it was not sent again. */
	uncertain?: boolean;
}

export type RowResult<V> = RowSuccess<V> | RowFailure;

export interface BatchWriteOptions<R extends BatchRow, A, V> {
	batchSize: number;
	concurrency: number;
	/** Sends one chunk; throws when the chunk fails as a whole. */
	send(rows: R[]): Promise<A>;
	/** The rows' results in an answer, by row key. A row the map leaves out is reported, not assumed. */
	results(answer: A, rows: R[]): Map<string, RowResult<V>>;
	/** A whole-chunk failure that one bad row can cause, worth splitting the chunk to find it. */
	isRowRejection(error: unknown): boolean;
	/** What a single row rejected as a whole becomes. */
	rejectedRow(error: unknown, row: R): RowFailure;
	/** A failure after which no later send can succeed. */
	isFatal(error: unknown): boolean;
	/** The message a chunk failure gives each of its rows. */
	describe(error: unknown): string;
	/** The message for a row the answer did not mention. */
	unconfirmedMessage: string;
}

const isUncertain = (error: unknown) =>
	typeof error === 'object' &&
	error !== null &&
	(error as { uncertain?: unknown }).uncertain === true;

export async function writeInBatches<R extends BatchRow, A, V>(
	rows: R[],
	options: BatchWriteOptions<R, A, V>,
): Promise<Map<string, RowResult<V>>> {
	const outcome = new Map<string, RowResult<V>>();
	let fatal: unknown;

	const failAll = (batch: R[], error: unknown, isFatal: boolean) => {
		const message = options.describe(error);
		const uncertain = isUncertain(error);
		for (const row of batch)
			outcome.set(row.key, { ok: false, message, error, fatal: isFatal, uncertain });
	};

	const sendChunk = async (batch: R[]): Promise<void> => {
		if (fatal !== undefined) return failAll(batch, fatal, true);
		let answer: A;
		try {
			answer = await options.send(batch);
		} catch (error) {
			if (options.isFatal(error)) {
				fatal ??= error;
				return failAll(batch, error, true);
			}
			if (!options.isRowRejection(error)) return failAll(batch, error, false);
			if (batch.length === 1) {
				outcome.set(batch[0].key, options.rejectedRow(error, batch[0]));
				return;
			}
			const half = Math.ceil(batch.length / 2);
			await sendChunk(batch.slice(0, half));
			await sendChunk(batch.slice(half));
			return;
		}
		const results = options.results(answer, batch);
		for (const row of batch) {
			outcome.set(
				row.key,
				results.get(row.key) ?? {
					ok: false,
					message: options.unconfirmedMessage,
					error: undefined,
					uncertain: true,
				},
			);
		}
	};

	await mapWithConcurrency(chunk(rows, options.batchSize), options.concurrency, sendChunk);
	return outcome;
}
