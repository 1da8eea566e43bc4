import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

export type { RowOutcome } from '../../../shared/rowOutcomes';
import type { RowOutcome } from '../../../shared/rowOutcomes';

export interface FailureDetails {
	/** The input field or HubSpot property at fault. */
	field?: string;
	value?: unknown;
	cause?: unknown;
	/** Output fields to keep (defaults to the input item's json). */
	base?: IDataObject;
}

/** An error outcome for one item: `status: 'error'` with the message, plus a NodeError for n8n's error output. */
export function failedRow(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	itemIndex: number,
	message: string,
	details: FailureDetails = {},
): RowOutcome {
	const json: IDataObject = {
		...(details.base ?? items[itemIndex].json),
		hubspot_id: null,
		status: 'error',
		error: message,
	};
	if (details.field !== undefined) json.error_property = details.field;
	const cause = details.cause;
	const error =
		cause instanceof NodeApiError || cause instanceof NodeOperationError
			? cause
			: new NodeOperationError(ctx.getNode(), message, { itemIndex });
	error.context.itemIndex = itemIndex;
	return { itemIndex, json, error };
}
