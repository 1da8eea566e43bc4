import type { JsonObject } from 'n8n-workflow';

import { chunk, mapWithConcurrency } from '../../../shared/transport/batcher';
import type { HubSpotApi, HubSpotResponse } from '../transport';
import { HubSpotAttemptError, isFatal } from '../transport';

/** One record to write. `key` doubles as HubSpot's objectWriteTraceId. */
export interface WriteRow<I> {
	key: string;
	input: I;
}

export type RowResult =
	| { ok: true; record: JsonObject }
	| {
			ok: false;
			message: string;
			property?: string;
			error: unknown;
			fatal?: boolean;
	  };

export interface BatchBody {
	results?: JsonObject[];
	errors?: JsonObject[];
}

export interface WriteOptions<I> {
	batchSize: number;
	concurrency: number;
	/** Sends one batch; inputs carry their row key as objectWriteTraceId where the endpoint accepts one. */
	send(rows: Array<WriteRow<I>>): Promise<HubSpotResponse<BatchBody>>;
	/** Row key for a result or an error that came back without objectWriteTraceId (e.g. by email). */
	fallbackKey?(entry: JsonObject, rows: Array<WriteRow<I>>): string | undefined;
	/** Whole-batch rejections worth splitting; HubSpot uses 400 for bad input. */
	splitOn?: number[];
}

function traceIdOf(entry: JsonObject): string | undefined {
	if (typeof entry.objectWriteTraceId === 'string') return entry.objectWriteTraceId;
	const context = entry.context as JsonObject | undefined;
	const fromContext = context?.objectWriteTraceId;
	if (Array.isArray(fromContext) && typeof fromContext[0] === 'string') return fromContext[0];
	return undefined;
}

/** The property HubSpot blamed, from `context.propertyName` or the "Property values were not valid: [...]" text. */
export function blamedProperty(entry: JsonObject | undefined): string | undefined {
	if (entry === undefined) return undefined;
	const context = entry.context as JsonObject | undefined;
	const named = context?.propertyName;
	if (Array.isArray(named) && typeof named[0] === 'string') return named[0];
	const nested = entry.errors;
	if (Array.isArray(nested)) {
		for (const e of nested as JsonObject[]) {
			const found = blamedProperty(e);
			if (found) return found;
		}
	}
	const message = typeof entry.message === 'string' ? entry.message : '';
	const start = message.indexOf('[');
	if (start >= 0) {
		try {
			const parsed = JSON.parse(message.slice(start)) as Array<{
				name?: string;
			}>;
			const name = parsed.find((p) => typeof p?.name === 'string')?.name;
			if (name) return name;
		} catch {
			// not JSON: fall through
		}
	}
	// HubSpot's own "Property values were not valid" must not yield "values".
	const match = /\bproperty (?:named )?["']?(?!values\b)([a-z0-9_]+)["']?\s/i.exec(message);
	return match?.[1];
}

/** HubSpot's message for one rejected row, with the offending value's reason when it names one. */
export function rowMessage(entry: JsonObject | undefined, fallback: string): string {
	const message = typeof entry?.message === 'string' ? entry.message : fallback;
	const start = message.indexOf('[');
	if (start >= 0) {
		try {
			const parsed = JSON.parse(message.slice(start)) as Array<{
				name?: string;
				message?: string;
			}>;
			const reasons = parsed
				.filter((p) => p?.message)
				.map((p) => (p.name ? `${p.name}: ${p.message}` : p.message));
			if (reasons.length > 0)
				return `${message.slice(0, start).replace(/[:\s]+$/, '')}: ${reasons.join('; ')}`;
		} catch {
			// keep HubSpot's text as is
		}
	}
	return message;
}

/**
 * Writes rows in batches and accounts for every one of them:
 * - results and per-input errors (207) are matched back by objectWriteTraceId;
 * - a batch rejected as a whole (400) is split in halves down to single rows, so good rows land
 *   and each bad row gets HubSpot's own message;
 * - a fatal failure (401, 403, daily limit) stops further sends, and every row not yet written
 *   gets that error.
 */
export async function writeInBatches<I>(
	api: HubSpotApi,
	rows: Array<WriteRow<I>>,
	options: WriteOptions<I>,
): Promise<Map<string, RowResult>> {
	const outcome = new Map<string, RowResult>();
	const splitOn = new Set(options.splitOn ?? [400]);
	let fatal: unknown;

	const fail = (batch: Array<WriteRow<I>>, error: unknown, isFatalError = false) => {
		const message = api.toNodeError(error).message;
		for (const row of batch)
			outcome.set(row.key, { ok: false, message, error, fatal: isFatalError });
	};

	const sendBatch = async (batch: Array<WriteRow<I>>): Promise<void> => {
		if (fatal !== undefined) return fail(batch, fatal, true);
		let response: HubSpotResponse<BatchBody>;
		try {
			response = await options.send(batch);
		} catch (error) {
			if (isFatal(error)) {
				fatal ??= error;
				return fail(batch, error, true);
			}
			if (error instanceof HubSpotAttemptError && splitOn.has(error.status ?? 0)) {
				if (batch.length === 1) {
					const body = error.body;
					outcome.set(batch[0].key, {
						ok: false,
						message: rowMessage(body, error.message),
						property: blamedProperty(body),
						error,
					});
					return;
				}
				const half = Math.ceil(batch.length / 2);
				await sendBatch(batch.slice(0, half));
				await sendBatch(batch.slice(half));
				return;
			}
			return fail(batch, error);
		}
		const byKey = new Map(batch.map((row) => [row.key, row]));
		const keyOf = (entry: JsonObject): string | undefined => {
			const id = traceIdOf(entry);
			if (id !== undefined && byKey.has(id)) return id;
			return options.fallbackKey?.(entry, batch);
		};
		for (const record of response.body?.results ?? []) {
			const key = keyOf(record);
			if (key !== undefined) outcome.set(key, { ok: true, record });
		}
		for (const entry of response.body?.errors ?? []) {
			const key = keyOf(entry);
			const keys = key !== undefined ? [key] : [];
			// An error HubSpot could not tie to one input: every unmatched row of the batch carries it.
			if (keys.length === 0) for (const row of batch) if (!outcome.has(row.key)) keys.push(row.key);
			for (const k of keys) {
				if (outcome.get(k)?.ok) continue;
				outcome.set(k, {
					ok: false,
					message: rowMessage(entry, 'HubSpot rejected this row'),
					property: blamedProperty(entry),
					error: entry,
				});
			}
		}
		for (const row of batch) {
			if (!outcome.has(row.key)) {
				outcome.set(row.key, {
					ok: false,
					message: 'HubSpot returned no result for this row; it may not have been written',
					error: undefined,
				});
			}
		}
	};

	await mapWithConcurrency(chunk(rows, options.batchSize), options.concurrency, sendBatch);
	return outcome;
}
