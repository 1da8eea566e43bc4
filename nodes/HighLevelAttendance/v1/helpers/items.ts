import type { IExecuteFunctions, NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { RowOutcome } from '../../../shared/batch/outcomes';
import { fieldError } from '../../../shared/batch/outcomes';
import { mapWithConcurrency } from '../../../shared/transport/batcher';
import type { HighLevelApi } from '../transport';
import { blamedField } from '../transport';

/** Set by the first fatal HighLevel failure (token, location, daily limit): later items make no calls. */
export interface FatalGate {
	error?: NodeApiError | NodeOperationError;
}

/**
 * Runs `fn` for every item, at most `concurrency` at once; `fn` accounts for its item and does not
 * throw. Once an item trips the gate, items that start later see `gate.error` and skip their calls.
 * Without continue-on-fail the fatal error is thrown, but only after every started item settled
 * (so no call or audit write is left running).
 */
export async function processItems(
	ctx: IExecuteFunctions,
	count: number,
	concurrency: number,
	fn: (itemIndex: number, gate: FatalGate) => Promise<RowOutcome>,
): Promise<RowOutcome[]> {
	const gate: FatalGate = {};
	const indexes = Array.from({ length: count }, (_, i) => i);
	const outcomes = await mapWithConcurrency(indexes, concurrency, async (i) => await fn(i, gate));
	if (gate.error !== undefined && !ctx.continueOnFail()) throw gate.error;
	return outcomes;
}

/** Milliseconds with two decimals (lookups take well under one). */
export const ms = (value: number) => Math.round(value * 100) / 100;

/** Why an email parameter is unusable, in the words of the shared email rule. */
export function emailProblem(raw: unknown, reason: string): string {
	const text = raw === undefined || raw === null ? '' : String(raw).trim();
	return text === '' ? 'no email given' : `"${text}" is ${reason}`;
}

/** An item's failure: its message, the parameter at fault, or the n8n error to report. */
export interface ItemFailure {
	message: string;
	field?: string;
	cause?: NodeApiError | NodeOperationError;
}

/**
 * A failed HighLevel call as the item's failure. A 400 about the contact blames the Contact ID; a
 * fatal one (token, location, daily limit) also closes the gate for the items after it.
 */
export function highLevelFailure(
	api: HighLevelApi,
	gate: FatalGate,
	itemIndex: number,
	error: unknown,
): ItemFailure {
	const nodeError = api.toNodeError(error, itemIndex);
	if (api.isFatal(error)) gate.error ??= nodeError;
	const field = blamedField(error);
	return field === undefined
		? { message: nodeError.message, cause: nodeError }
		: { message: fieldError(field, nodeError.message), field };
}
