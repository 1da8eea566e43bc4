/**
 * HubSpot's side of the one batch core (shared/batch/writeInBatches.ts): how HubSpot's batch answers
 * name their rows, which property a rejected row blames, and HubSpot's per-row wording.
 * - Results and per-input errors are matched by objectWriteTraceId, else by a key the operation reads
 *   from the record (`fallbackKey`: the email, the ID property, the from/to IDs). Never by position:
 *   HubSpot does not promise result order. A row nothing names is reported as unconfirmed.
 * - A batch rejected as a whole with a 400 is one bad row: the core splits the batch down to it.
 */
import type { JsonObject } from 'n8n-workflow';

import type { BatchRow, RowFailure, RowResult } from '../../../shared/batch/writeInBatches';
import { writeInBatches } from '../../../shared/batch/writeInBatches';
import { AttemptError } from '../../../shared/transport/attempt';
import type { HubSpotApi, HubSpotResponse } from '../transport';
import { isFatal } from '../transport';

export type { RowFailure, RowResult } from '../../../shared/batch/writeInBatches';

/** One record to write. `key` doubles as HubSpot's objectWriteTraceId. */
export interface WriteRow<I> extends BatchRow {
	input: I;
}

export interface BatchBody {
	results?: JsonObject[];
	errors?: JsonObject[];
}

export interface HubSpotBatchOptions<I> {
	batchSize: number;
	concurrency: number;
	/** Sends one batch; inputs carry their row key as objectWriteTraceId where the endpoint takes one. */
	send(rows: Array<WriteRow<I>>): Promise<HubSpotResponse<BatchBody>>;
	/** The row a result or error without objectWriteTraceId belongs to (e.g. by email). */
	fallbackKey?(entry: JsonObject, rows: Array<WriteRow<I>>): string | undefined;
	/** Whole-batch rejections worth splitting; HubSpot uses 400 for bad input. */
	splitOn?: number[];
}

function traceIdOf(entry: JsonObject): string | undefined {
	if (typeof entry.objectWriteTraceId === 'string') return entry.objectWriteTraceId;
	const fromContext = (entry.context as JsonObject | undefined)?.objectWriteTraceId;
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
			const parsed = JSON.parse(message.slice(start)) as Array<{ name?: string }>;
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
			const parsed = JSON.parse(message.slice(start)) as Array<{ name?: string; message?: string }>;
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

const rejected = (entry: JsonObject | undefined, fallback: string, error: unknown): RowFailure => ({
	ok: false,
	message: rowMessage(entry, fallback),
	field: blamedProperty(entry),
	error,
});

/** Each row's result in one batch answer (207s included), by key. */
function resultsByKey<I>(
	body: BatchBody | undefined,
	batch: Array<WriteRow<I>>,
	fallbackKey: HubSpotBatchOptions<I>['fallbackKey'],
): Map<string, RowResult<JsonObject>> {
	const keys = new Set(batch.map((row) => row.key));
	const keyOf = (entry: JsonObject): string | undefined => {
		const id = traceIdOf(entry);
		if (id !== undefined && keys.has(id)) return id;
		return fallbackKey?.(entry, batch);
	};
	const out = new Map<string, RowResult<JsonObject>>();
	let unmatchedResults = 0;
	for (const record of body?.results ?? []) {
		const key = keyOf(record);
		if (key === undefined) unmatchedResults++;
		else out.set(key, { ok: true, value: record });
	}
	for (const entry of body?.errors ?? []) {
		const key = keyOf(entry);
		// An error HubSpot tied to no input belongs to the rows left without a result, but only when
		// every result found its row: otherwise which rows failed is unknown, and they stay unconfirmed.
		const owners =
			key !== undefined
				? [key]
				: unmatchedResults > 0
					? []
					: batch.map((row) => row.key).filter((k) => !out.has(k));
		for (const owner of owners)
			if (!out.get(owner)?.ok) out.set(owner, rejected(entry, 'HubSpot rejected this row', entry));
	}
	return out;
}

/** Writes `rows` through the batch core, HubSpot's way; every row gets a result. */
export async function writeHubSpotBatches<I>(
	api: Pick<HubSpotApi, 'toNodeError'>,
	rows: Array<WriteRow<I>>,
	options: HubSpotBatchOptions<I>,
): Promise<Map<string, RowResult<JsonObject>>> {
	const splitOn = new Set(options.splitOn ?? [400]);
	return await writeInBatches(rows, {
		batchSize: options.batchSize,
		concurrency: options.concurrency,
		send: options.send,
		results: (answer, batch) => resultsByKey(answer.body, batch, options.fallbackKey),
		isRowRejection: (error) => error instanceof AttemptError && splitOn.has(error.status ?? 0),
		rejectedRow: (error) => rejected((error as AttemptError).body, (error as Error).message, error),
		isFatal,
		describe: (error) => api.toNodeError(error).message,
		unconfirmedMessage: 'HubSpot returned no result for this row; it may not have been written',
	});
}
