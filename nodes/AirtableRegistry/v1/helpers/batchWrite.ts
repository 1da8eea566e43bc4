import type { JsonObject } from 'n8n-workflow';

import type { BatchRow, RowFailure, RowResult } from '../../../shared/batch/writeInBatches';
import { writeInBatches } from '../../../shared/batch/writeInBatches';
import { AttemptError } from '../../../shared/transport/attempt';
import type { AirtableApi, AirtableRecord } from '../transport';
import { RECORDS_PER_REQUEST, errorTypeOf } from '../transport';

/** One record to write; `key` ties Airtable's answer back to it. */
export interface WriteRow extends BatchRow {
	fields: JsonObject;
	/** Record ID, for plain updates. */
	id?: string;
	/** A select value is to be added as a new choice: the request goes with typecast. */
	typecast?: boolean;
}

export interface Written {
	record: AirtableRecord;
	/** From an upsert's `createdRecords`; undefined for other writes. */
	created?: boolean;
}

/** The body of a create/update/upsert answer. */
export interface WriteAnswer {
	records?: AirtableRecord[];
	createdRecords?: string[];
}

/** Items that write the same record: one row, the later items' values win. */
export interface Group {
	fields: JsonObject;
	itemIndexes: number[];
	/** A select value is to be added as a new choice. */
	typecast?: boolean;
}

export function addToGroup(
	groups: Map<string, Group>,
	key: string,
	fields: JsonObject,
	itemIndex: number,
	typecast = false,
): void {
	const group = groups.get(key);
	if (group === undefined) groups.set(key, { fields, itemIndexes: [itemIndex], typecast });
	else {
		Object.assign(group.fields, fields);
		group.itemIndexes.push(itemIndex);
		group.typecast = group.typecast === true || typecast;
	}
}

export interface WriteOptions {
	concurrency: number;
	send(rows: WriteRow[]): Promise<WriteAnswer>;
	/** The key of the row a record of the answer was written for (merge values, record ID, …). */
	keyOf(record: AirtableRecord): string;
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

/** Airtable's 422: the request was refused as a whole (Airtable writes all of it or nothing). */
export const isRejection = (error: unknown): error is AttemptError =>
	error instanceof AttemptError && error.status === 422;

/** A record Airtable refused, with its message, the field at fault and the error type. */
export function rejectedRecord(
	error: AttemptError,
	fields: JsonObject,
	what = 'this record',
): RowFailure {
	const said = error.serverMessage ?? 'no message';
	const type = errorTypeOf(error);
	return {
		ok: false,
		message: `Airtable rejected ${what} (${type ?? error.status}): ${said}`,
		field: blamedField(said, fields),
		type,
		error,
	};
}

/**
 * A cell as text, for comparing what was sent with what Airtable answered: Airtable leaves out
 * empty cells and false checkboxes, and returns numbers for numeric text it typecast.
 */
const cellText = (value: unknown): string =>
	value === undefined || value === null || value === false
		? ''
		: Array.isArray(value)
			? value.map(cellText).join(',')
			: String(value);

/** The key of a record by the values of the fields an upsert merges on. */
export const mergeKey = (fields: JsonObject, mergeOn: string[]): string =>
	JSON.stringify(mergeOn.map((name) => cellText(fields[name])));

/**
 * Writes rows 10 per request through the shared batch core: a refused request is split down to
 * the row at fault (Airtable writes nothing of a refused request, so the others are sent again
 * safely), a bad token or base stops the rest, and Airtable's records are tied to rows by key.
 */
export async function writeRecords(
	api: AirtableApi,
	rows: WriteRow[],
	options: WriteOptions,
): Promise<Map<string, RowResult<Written>>> {
	return await writeInBatches<WriteRow, WriteAnswer, Written>(rows, {
		batchSize: RECORDS_PER_REQUEST,
		concurrency: options.concurrency,
		send: options.send,
		results: (answer) => {
			const created = answer.createdRecords ? new Set(answer.createdRecords) : undefined;
			const byKey = new Map<string, RowResult<Written>>();
			for (const record of answer.records ?? [])
				byKey.set(options.keyOf(record), {
					ok: true,
					value: { record, created: created?.has(record.id) },
				});
			return byKey;
		},
		isRowRejection: isRejection,
		rejectedRow: (error, row) => rejectedRecord(error as AttemptError, row.fields),
		isFatal: (error) => api.isFatal(error),
		describe: (error) => api.toNodeError(error).message,
		unconfirmedMessage:
			"Airtable's answer did not include this record: it may have been written, check the table",
	});
}
