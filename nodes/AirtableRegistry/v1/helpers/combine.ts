/**
 * "Combine With Concurrent Executions": rows of executions running at the same moment in this n8n
 * process share Airtable calls (shared/transport/coalescer.ts), 10 records per call. A webhook
 * flow runs one execution per registration, so a burst of 300 would otherwise be 300 upserts of one
 * record each, at 5 requests per second per base.
 *
 * Each execution answers for its own rows only: a row Airtable refuses fails its own execution;
 * an execution stopped before its group goes out sends nothing; the call that carries the group
 * is not tied to any one execution's Stop. Two executions writing the same record (same merge
 * values, same record ID) become one record in the call, the later one's values winning as if
 * the two had been sent one after the other; if Airtable refuses that record, each execution's row
 * is sent again alone, so one execution's bad value does not fail the other.
 */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RowResult } from '../../../shared/batch/writeInBatches';
import type { CoalescedRow } from '../../../shared/transport/coalescer';
import {
	CancelledBeforeSendError,
	coalesce,
	uniqueKeyPrefix,
	idleAfterMs,
} from '../../../shared/transport/coalescer';
import type { AirtableApi } from '../transport';
import { RECORDS_PER_REQUEST } from '../transport';
import type { WriteOptions, WriteRow, Written } from './batchWrite';
import { isRejection, writeRecords } from './batchWrite';

/** The longest window: the Luma flow's trigger has answered already, so rows may wait this long. */
export const MAX_COMBINE_MS = 10_000;

export const combineOption: INodeProperties = {
	displayName: 'Combine With Concurrent Executions (Ms)',
	name: 'combineWithinMs',
	type: 'number',
	default: 0,
	typeOptions: { minValue: 0, maxValue: MAX_COMBINE_MS },
	description:
		"Wait up to this long for other executions in the same n8n process to add their rows, and send them together, 10 records per call (a full call goes at once, and one no other execution has joined for a fifth of the window, at least 1 s, goes then). 0 sends this execution's rows alone. For webhook flows that handle one registration per execution, such as the Luma sync: 1000–3000 ms. Each execution gets its own rows' results; one stopped while it waits sends nothing. The rows wait in memory: if n8n crashes in the window, the waiting rows are not written (their executions fail with the crash; in the Luma sync the registration's next delivery runs it again). In queue mode, executions combine within each worker.",
};

/** Options › Combine With Concurrent Executions, within 0 to 10 s (0 when the node has no such option). */
export function combineWindowMs(ctx: IExecuteFunctions): number {
	const value = Number(ctx.getNodeParameter('options.combineWithinMs', 0, 0));
	return Number.isFinite(value) ? Math.max(0, Math.min(MAX_COMBINE_MS, value)) : 0;
}

/**
 * Submits this execution's rows to the open group `group` (with the API's base, token and
 * settings) and resolves with their results; the group is sent by `flush` through an API not tied
 * to any execution's Stop.
 */
export async function sendCombined<R extends CoalescedRow, T>(
	ctx: IExecuteFunctions,
	api: AirtableApi,
	group: Array<string | number | boolean>,
	rows: R[],
	maxRows: number,
	flush: (sender: AirtableApi, rows: R[]) => Promise<Map<string, T>>,
): Promise<Map<string, T>> {
	let failure: unknown;
	try {
		return await coalesce(['airtable', api.combineKey, ...group].join('|'), rows, {
			lingerMs: combineWindowMs(ctx),
			idleMs: idleAfterMs(combineWindowMs(ctx)),
			maxRows,
			flush: async (all) => await flush(api.detached(), all),
			signal: ctx.getExecutionCancelSignal(),
		});
	} catch (error) {
		failure = error;
	}
	throw failure instanceof CancelledBeforeSendError
		? new NodeOperationError(ctx.getNode(), failure.message)
		: api.toNodeError(failure);
}

/** A row of a combined write: `target` is the record it writes (its merge values or record ID). */
export interface CombinedWrite extends WriteRow {
	target: string;
}

/**
 * Writes the rows of several executions: rows with the same target become one record (the later
 * row's fields over the earlier's, as two writes in a row would leave it). A merged record that
 * Airtable refuses is written again row by row, so each row gets its own answer; the refused
 * request wrote nothing, and upserts and updates by ID are idempotent.
 */
export async function writeCombined(
	api: AirtableApi,
	rows: CombinedWrite[],
	options: WriteOptions,
): Promise<Map<string, RowResult<Written>>> {
	const merged = new Map<string, { row: WriteRow; parts: CombinedWrite[] }>();
	for (const row of rows) {
		const same = merged.get(row.target);
		if (same === undefined) {
			merged.set(row.target, {
				row: { key: row.target, id: row.id, fields: { ...row.fields }, typecast: row.typecast },
				parts: [row],
			});
		} else {
			Object.assign(same.row.fields, row.fields);
			same.row.typecast = same.row.typecast === true || row.typecast === true;
			same.parts.push(row);
		}
	}
	const results = await writeRecords(
		api,
		[...merged.values()].map((m) => m.row),
		options,
	);
	const out = new Map<string, RowResult<Written>>();
	for (const [target, { parts }] of merged) {
		const result = results.get(target);
		if (result === undefined) continue;
		if (!result.ok && parts.length > 1 && isRejection(result.error)) {
			for (const part of parts) {
				const alone = await writeRecords(api, [{ ...part, key: target }], options);
				const own = alone.get(target);
				if (own !== undefined) out.set(part.key, own);
			}
			continue;
		}
		for (const part of parts) out.set(part.key, result);
	}
	return out;
}

/**
 * This execution's write rows (keyed by target), sent with concurrent executions' rows through
 * `options(sender)`; the results come back under the rows' own keys.
 */
export async function writeWithOthers(
	ctx: IExecuteFunctions,
	api: AirtableApi,
	group: Array<string | number | boolean>,
	rows: WriteRow[],
	options: (sender: AirtableApi) => WriteOptions,
): Promise<Map<string, RowResult<Written>>> {
	if (rows.length === 0) return new Map();
	// Keys must not collide with other executions' rows in the shared call.
	const prefix = uniqueKeyPrefix();
	const mine: CombinedWrite[] = rows.map((row) => ({
		...row,
		key: `${prefix}${row.key}`,
		target: row.key,
	}));
	const results = await sendCombined(
		ctx,
		api,
		group,
		mine,
		RECORDS_PER_REQUEST,
		async (sender, all) => await writeCombined(sender, all, options(sender)),
	);
	return new Map([...results].map(([key, result]) => [key.slice(prefix.length), result]));
}
