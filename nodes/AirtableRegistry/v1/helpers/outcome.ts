import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { AirtableApi } from '../transport';
import { AirtableCallError } from '../transport';
import type { RowResult } from './batchWrite';

export type { RowOutcome } from '../../../shared/rowOutcomes';
import type { RowOutcome } from '../../../shared/rowOutcomes';

export interface FailureDetails {
	/** The Airtable field (or node parameter) at fault. */
	field?: string;
	/** Airtable's error type, e.g. INVALID_VALUE_FOR_COLUMN. */
	type?: string;
	cause?: unknown;
}

/** An error outcome: the input fields plus `airtable_id: null`, `status: 'error'`, `error` (and `error_field`). */
export function failedRow(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	itemIndex: number,
	message: string,
	details: FailureDetails = {},
): RowOutcome {
	const json: IDataObject = {
		...items[itemIndex].json,
		airtable_id: null,
		status: 'error',
		error: message,
	};
	if (details.field !== undefined) json.error_field = details.field;
	if (details.type !== undefined) json.error_type = details.type;
	const cause = details.cause;
	const error =
		cause instanceof NodeApiError || cause instanceof NodeOperationError
			? cause
			: new NodeOperationError(ctx.getNode(), message, { itemIndex });
	error.context.itemIndex = itemIndex;
	return { itemIndex, json, error };
}

/** The n8n error for a failed write result, when Airtable answered with one. */
export function causeOf(
	api: AirtableApi,
	result: RowResult | undefined,
	itemIndex: number,
): NodeApiError | NodeOperationError | undefined {
	if (result === undefined || result.ok || !(result.error instanceof AirtableCallError))
		return undefined;
	return api.toNodeError(result.error, itemIndex);
}
