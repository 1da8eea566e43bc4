/**
 * The one outcome shape: every input item comes out once, paired, either done or with its error.
 * Failed items go to n8n's error output, stay on the main output ("Continue"), or fail the node
 * only after the other items were done.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** What became of one input item: done (json) or reported (json + error). */
export interface RowOutcome {
	itemIndex: number;
	json: IDataObject;
	error?: NodeApiError | NodeOperationError;
}

export interface EmitOptions {
	/** The outcome for an item no operation accounted for: reported, never dropped. */
	missing(itemIndex: number): RowOutcome;
	/** What the other items became, for the failure summary, e.g. "written or unchanged". */
	landedAs?: string;
	/** A run of one item (one webhook call) fails with that item's own error, not a summary. */
	singleItemThrowsOwnError?: boolean;
}

export interface FailureDetails {
	/** Output fields to keep next to the error (the input item's fields, ids known so far). */
	base?: IDataObject;
	/** The input field, parameter or vendor field at fault: `error_field`. */
	field?: string;
	/** The vendor's error type: `error_type`. */
	type?: string;
	/** The n8n error to report; without one a NodeOperationError carries the message. */
	cause?: unknown;
	/**
	 * The write may have been applied although it failed (no answer, a 5xx): `may_have_landed`, so a
	 * later step does not treat the row as never written (Dedupe & Normalize's Release keeps it).
	 */
	mayHaveLanded?: boolean;
}

/** A failed item: `base`, then `status: 'error'`, `error` (and `error_field`, `error_type`). */
export function failedRow(
	ctx: IExecuteFunctions,
	itemIndex: number,
	message: string,
	details: FailureDetails = {},
): RowOutcome {
	const json: IDataObject = { ...details.base, status: 'error', error: message };
	if (details.field !== undefined) json.error_field = details.field;
	if (details.type !== undefined) json.error_type = details.type;
	if (details.mayHaveLanded === true) json.may_have_landed = true;
	const cause = details.cause;
	const error =
		cause instanceof NodeApiError || cause instanceof NodeOperationError
			? cause
			: new NodeOperationError(ctx.getNode(), message, { itemIndex });
	error.context.itemIndex = itemIndex;
	return { itemIndex, json, error };
}

/** `Field 'x': reason`, the form an item error takes when a parameter or input field is at fault. */
export const fieldError = (field: string, reason: string) => `Field '${field}': ${reason}`;

/**
 * An item for a failure under "Continue" in nodes that emit items of their own (not one per input).
 * n8n sends an item to the error output when its json has only `error`, `message` and `details`, so
 * the extra fields go into `details` there and next to `error` on the main output.
 */
export function errorItem(
	ctx: IExecuteFunctions,
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
	extra: IDataObject = {},
): INodeExecutionData {
	const details: IDataObject = { ...extra };
	if (error.description) details.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) details.httpCode = error.httpCode;
	const json: IDataObject =
		ctx.getNode().onError === 'continueErrorOutput'
			? { error: error.message, details }
			: { ...details, error: error.message };
	return { json, pairedItem: { item: itemIndex } };
}

/** Orders outcomes by input item (an item may have several), then applies the node's On Error setting. */
export function emitRowOutcomes(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	outcomes: RowOutcome[],
	options: EmitOptions,
): INodeExecutionData[][] {
	const byItem = new Map<number, RowOutcome[]>();
	for (const outcome of outcomes) {
		const list = byItem.get(outcome.itemIndex) ?? [];
		list.push(outcome);
		byItem.set(outcome.itemIndex, list);
	}
	const ordered: RowOutcome[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++)
		ordered.push(...(byItem.get(itemIndex) ?? [options.missing(itemIndex)]));

	const failed = ordered.filter((o) => o.error !== undefined);
	if (failed.length > 0 && !ctx.continueOnFail()) {
		const first = failed[0];
		if (options.singleItemThrowsOwnError && items.length === 1 && first.error !== undefined)
			throw first.error;
		const landed =
			options.landedAs === undefined
				? ''
				: ` (${ordered.length - failed.length} ${options.landedAs})`;
		const lines = failed.slice(0, 10).map((o) => `item ${o.itemIndex}: ${String(o.json.error)}`);
		throw new NodeOperationError(
			ctx.getNode(),
			`${failed.length} of ${items.length} items failed${landed}. First: item ${first.itemIndex}: ${String(first.json.error)}`,
			{
				itemIndex: first.itemIndex,
				description: `${lines.join('\n')}${failed.length > 10 ? `\n… and ${failed.length - 10} more` : ''}\nTurn on "Continue (using error output)" to route failed items instead of stopping.`,
			},
		);
	}

	// n8n moves an item to the error output when its json holds only error/message/details, and then
	// merges the input item's fields back in; with "Continue" the full row stays on the main output.
	const toErrorOutput = ctx.getNode().onError === 'continueErrorOutput';
	return [
		ordered.map((o) => {
			if (o.error !== undefined && toErrorOutput) {
				const { error, ...rest } = o.json;
				const details = Object.fromEntries(
					Object.entries(rest).filter(
						([key]) => !(key in items[o.itemIndex].json) || key === 'status',
					),
				);
				return { json: { error, details }, pairedItem: { item: o.itemIndex } };
			}
			return { json: o.json, pairedItem: { item: o.itemIndex } };
		}),
	];
}
