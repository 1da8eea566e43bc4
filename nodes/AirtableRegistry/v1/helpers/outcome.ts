import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { FailureDetails, RowOutcome } from '../../../shared/batch/outcomes';
import { failedRow } from '../../../shared/batch/outcomes';
import type { RowFailure, RowResult } from '../../../shared/batch/writeInBatches';
import { AttemptError } from '../../../shared/transport/attempt';
import type { AirtableApi } from '../transport';
import type { Group, Written } from './batchWrite';

export type { RowOutcome } from '../../../shared/batch/outcomes';

/** What a failed item keeps: its input fields, and no record. */
export const failedBase = (items: INodeExecutionData[], itemIndex: number): IDataObject => ({
	...items[itemIndex].json,
	airtable_id: null,
});

/** A failed item: the input fields, `airtable_id: null`, `status: 'error'`, `error` (and `error_field`). */
export function failedItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	itemIndex: number,
	message: string,
	details: Omit<FailureDetails, 'base'> = {},
): RowOutcome {
	return failedRow(ctx, itemIndex, message, { ...details, base: failedBase(items, itemIndex) });
}

/** A row the write could not land, with Airtable's error (when it answered one) as the cause. */
function failedWrite(
	ctx: IExecuteFunctions,
	api: AirtableApi,
	items: INodeExecutionData[],
	itemIndex: number,
	failure: RowFailure,
): RowOutcome {
	return failedItem(ctx, items, itemIndex, failure.message, {
		field: failure.field,
		type: failure.type,
		cause:
			failure.error instanceof AttemptError ? api.toNodeError(failure.error, itemIndex) : undefined,
	});
}

/** One outcome per item of each group: done, with what `landed` makes of its record, or the failure. */
export function writeOutcomes(
	ctx: IExecuteFunctions,
	api: AirtableApi,
	items: INodeExecutionData[],
	groups: Map<string, Group>,
	results: Map<string, RowResult<Written>>,
	landed: (written: Written) => IDataObject,
): RowOutcome[] {
	const outcomes: RowOutcome[] = [];
	for (const [key, group] of groups) {
		const result = results.get(key);
		if (result === undefined) continue;
		for (const itemIndex of group.itemIndexes) {
			outcomes.push(
				result.ok
					? { itemIndex, json: { ...items[itemIndex].json, ...landed(result.value) } }
					: failedWrite(ctx, api, items, itemIndex, result),
			);
		}
	}
	return outcomes;
}
