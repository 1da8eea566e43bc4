import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

export type { RowOutcome } from '../../../shared/rowOutcomes';
import type { RowOutcome } from '../../../shared/rowOutcomes';

export interface FailureDetails {
	/** The node parameter at fault (e.g. 'email', 'contactId'). */
	field?: string;
	/** Output fields known so far (email, contact_id, …). */
	base?: IDataObject;
	cause?: unknown;
}

/** An error outcome: the fields known so far, `status: 'error'`, `error` and `error_field`. */
export function failedRow(
	ctx: IExecuteFunctions,
	itemIndex: number,
	message: string,
	details: FailureDetails = {},
): RowOutcome {
	const json: IDataObject = { ...(details.base ?? {}), status: 'error', error: message };
	if (details.field !== undefined) json.error_field = details.field;
	const cause = details.cause;
	const error =
		cause instanceof NodeApiError || cause instanceof NodeOperationError
			? cause
			: new NodeOperationError(ctx.getNode(), message, { itemIndex });
	error.context.itemIndex = itemIndex;
	return { itemIndex, json, error };
}

/** `Field 'x': reason`, the form every item error takes when a parameter is at fault. */
export const fieldError = (field: string, reason: string) => `Field '${field}': ${reason}`;
