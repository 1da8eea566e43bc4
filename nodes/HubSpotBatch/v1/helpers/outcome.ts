/**
 * HubSpot Batch's items in the one outcome shape (shared/batch/outcomes.ts): a failed item keeps its
 * input fields with `hubspot_id: null`, since no HubSpot record answers for it, and repeats
 * `error_field` as `error_property`.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';

import type { FailureDetails, RowOutcome } from '../../../shared/batch/outcomes';
import { failedRow } from '../../../shared/batch/outcomes';
import type { RowResult } from './batchWrite';

export type { RowOutcome } from '../../../shared/batch/outcomes';

/** The fields a failed item keeps: its input (or `base`), and no HubSpot ID. */
export function failedBase(
	items: INodeExecutionData[],
	itemIndex: number,
	base?: IDataObject,
): IDataObject {
	return { ...(base ?? items[itemIndex].json), hubspot_id: null };
}

/**
 * A failed HubSpot Batch item over `details.base` as given. `error_property` is a deprecated alias of
 * `error_field` (the field's name before the shared outcome shape), kept so that users'
 * `$json.error_property` expressions go on working.
 */
export function failedHubSpotRow(
	ctx: IExecuteFunctions,
	itemIndex: number,
	message: string,
	details: FailureDetails = {},
): RowOutcome {
	const outcome = failedRow(ctx, itemIndex, message, details);
	if (details.field !== undefined) outcome.json.error_property = details.field;
	return outcome;
}

/** A failed item: `status: 'error'`, `error` and `error_field` (and its alias) over its failedBase. */
export function failedItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	itemIndex: number,
	message: string,
	details: FailureDetails = {},
): RowOutcome {
	return failedHubSpotRow(ctx, itemIndex, message, {
		...details,
		base: failedBase(items, itemIndex, details.base),
	});
}

/** Each created row's item: `created` with its new ID, or the reason it was not (or may not have been) written. */
export function createdItems(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	rows: Array<{ key: string; itemIndex: number }>,
	written: Map<string, RowResult<JsonObject>>,
): RowOutcome[] {
	return rows.map(({ key, itemIndex }) => {
		const result = written.get(key);
		if (result?.ok) {
			return {
				itemIndex,
				json: { ...items[itemIndex].json, hubspot_id: String(result.value.id), status: 'created' },
			};
		}
		return failedItem(ctx, items, itemIndex, result?.message ?? 'Not written', {
			field: result?.field,
			mayHaveLanded: result?.uncertain === true,
		});
	});
}
