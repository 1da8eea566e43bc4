import type { JsonObject } from 'n8n-workflow';

import { chunk, mapWithConcurrency } from '../../../shared/transport/batcher';
import type { AirtableApi, AirtableRecord } from '../transport';
import { AirtableCallError } from '../transport';

/** One record to write; `key` ties the result back to the input rows. */
export interface WriteRow {
	key: string;
	fields: JsonObject;
	/** Record ID, for plain updates. */
	id?: string;
}

export type RowResult =
	| { ok: true; record: AirtableRecord; created?: boolean }
	| { ok: false; message: string; field?: string; type?: string; error: unknown };

/** The body of a create/update/upsert answer. */
export interface WriteResponse {
	records?: AirtableRecord[];
	createdRecords?: string[];
	updatedRecords?: string[];
}

export interface WriteOptions {
	batchSize: number;
	concurrency: number;
	send(rows: WriteRow[]): Promise<WriteResponse>;
}

/**
 * The field Airtable blamed: `Unknown field name: "x"`, `Field "x" cannot accept…`,
 * `Cannot parse date value "v" for field x`; for a select option (`…select option ""v""`, which
 * names no field) the row's field holding that value.
 */
export function blamedField(message: string, fields: JsonObject): string | undefined {
	const named =
		/field name: "([^"]+)"/i.exec(message) ??
		/\bfield "([^"]+)"/i.exec(message) ??
		/\bfor field "?([^"\s]+)"?/i.exec(message);
	if (named) return named[1];
	const option = /select option ""(.*)""/.exec(message);
	if (option) {
		const hit = Object.entries(fields).find(([, v]) => v === option[1]);
		if (hit) return hit[0];
	}
	return undefined;
}

/**
 * Writes rows 10 per request and accounts for every one. Airtable applies a request all or
 * nothing and its 422 does not say which record was bad, so a rejected batch is split in halves
 * down to single rows: the good rows land, the bad row gets Airtable's message and field. A fatal
 * error (401/403/404) stops further sends and every row not yet written carries it. Records come
 * back in request order, which is how results are matched to rows.
 */
export async function writeInBatches(
	api: AirtableApi,
	rows: WriteRow[],
	options: WriteOptions,
): Promise<Map<string, RowResult>> {
	const outcome = new Map<string, RowResult>();
	let fatal: unknown;

	const fail = (batch: WriteRow[], error: unknown) => {
		const message = api.toNodeError(error).message;
		for (const row of batch) outcome.set(row.key, { ok: false, message, error });
	};

	const sendBatch = async (batch: WriteRow[]): Promise<void> => {
		if (fatal !== undefined) return fail(batch, fatal);
		let response: WriteResponse;
		try {
			response = await options.send(batch);
		} catch (error) {
			if (error instanceof AirtableCallError && error.isFatal) {
				fatal ??= error;
				return fail(batch, error);
			}
			if (error instanceof AirtableCallError && error.status === 422) {
				if (batch.length === 1) {
					outcome.set(batch[0].key, {
						ok: false,
						message: `Airtable rejected this record (${error.type}): ${error.serverMessage}`,
						field: blamedField(error.serverMessage, batch[0].fields),
						type: error.type,
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
		const records = response.records ?? [];
		const created = new Set(response.createdRecords ?? []);
		batch.forEach((row, i) => {
			const record = records[i];
			if (record === undefined) {
				outcome.set(row.key, {
					ok: false,
					message: 'Airtable returned no record for this row; it may not have been written',
					error: undefined,
				});
				return;
			}
			outcome.set(row.key, {
				ok: true,
				record,
				created: response.createdRecords ? created.has(record.id) : undefined,
			});
		});
	};

	await mapWithConcurrency(chunk(rows, options.batchSize), options.concurrency, sendBatch);
	return outcome;
}
