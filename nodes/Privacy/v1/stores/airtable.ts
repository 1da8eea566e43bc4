/**
 * The person's registrations in Airtable, through the Airtable Registry's transport (5 requests per
 * second per base, Airtable's 30-second penalty, its error wording): found by a formula on the email
 * field, compared lower-cased and trimmed, and deleted 10 records per request (Airtable's limit).
 */
import type { JsonObject } from 'n8n-workflow';

import { fieldRef, formulaString } from '../../../AirtableRegistry/v1/helpers/formula';
import { AttemptError } from '../../../shared/transport/attempt';
import {
	type AirtableApi,
	type AirtableRecord,
	type AirtableRequest,
	RECORDS_PER_REQUEST,
} from '../../../AirtableRegistry/v1/transport';

/** More would be a table of one person: a safety stop, not a page size. */
const MAX_RECORDS = 10_000;

/** `LOWER(TRIM({email})) = "jane@example.com"`, the address quoted and escaped. */
export function emailFormula(field: string, email: string): string {
	return `LOWER(TRIM(${fieldRef(field)})) = ${formulaString(email)}`;
}

export async function findRecords(
	api: AirtableApi,
	table: string,
	field: string,
	email: string,
): Promise<AirtableRecord[]> {
	return await api.list(table, emailFormula(field, email), MAX_RECORDS);
}

/**
 * Airtable deletes with DELETE and the record IDs as `records[]` query parameters; the registry's
 * request type lists the methods its writes use, so the call is typed here once.
 */
async function send(api: AirtableApi, path: string, qs?: Record<string, string[]>) {
	const request = { method: 'DELETE', path, ...(qs ? { qs } : {}) } as unknown as AirtableRequest;
	return await api.request<JsonObject>(request);
}

const notFound = (error: unknown) => error instanceof AttemptError && error.status === 404;

/** Deletes the records; returns how many Airtable deleted (one gone meanwhile is not counted). */
export async function deleteRecords(
	api: AirtableApi,
	table: string,
	ids: string[],
): Promise<number> {
	let deleted = 0;
	for (let i = 0; i < ids.length; i += RECORDS_PER_REQUEST) {
		const chunk = ids.slice(i, i + RECORDS_PER_REQUEST);
		let failure: unknown;
		try {
			const body = await send(api, api.tablePath(table), { records: chunk });
			const records = Array.isArray(body.records) ? (body.records as JsonObject[]) : [];
			deleted += records.filter((r) => r.deleted === true).length;
			continue;
		} catch (error) {
			failure = error;
		}
		// Airtable refuses the whole request when one record is already gone: one at a time then.
		if (!notFound(failure)) throw failure;
		for (const id of chunk) {
			let single: unknown;
			try {
				const body = await send(api, `${api.tablePath(table)}/${encodeURIComponent(id)}`);
				if (body.deleted === true) deleted++;
				continue;
			} catch (error) {
				single = error;
			}
			if (!notFound(single)) throw single;
		}
	}
	return deleted;
}
