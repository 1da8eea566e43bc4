import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { emitRowOutcomes } from '../../../shared/rowOutcomes';
import type { RowOutcome } from '../helpers/outcome';
import { failedRow } from '../helpers/outcome';
import { HighLevelApi } from '../transport';
import * as attendance from './attendance';
import { retrySettings } from './common.descriptions';
import * as contact from './contact';

/** An operation takes every input item at once and accounts for each one. */
export type ItemsOperation = (
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HighLevelApi,
) => Promise<RowOutcome[]>;

export const operations: Record<string, Record<string, { execute: ItemsOperation }>> = {
	attendance: { checkAndTag: attendance.checkAndTag },
	contact: {
		addTags: contact.addTags,
		findByEmail: contact.findByEmail,
		removeTags: contact.removeTags,
	},
};

/**
 * Runs the operation, then emits exactly one paired item per input item. Failed items carry
 * `error`, which n8n routes to the error output under "Continue (using error output)". Without
 * continue-on-fail the node fails, but only after the other items were done.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const handler = operations[resource]?.[operation];
	if (handler === undefined) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" is not supported for resource "${resource}"`,
		);
	}
	if (items.length === 0) return [[]];

	const api = await HighLevelApi.fromContext(this, retrySettings(this));
	let outcomes: RowOutcome[];
	try {
		outcomes = await handler.execute.call(this, items, api);
	} catch (error) {
		const nodeError = api.toNodeError(error);
		if (!this.continueOnFail()) throw nodeError;
		outcomes = items.map((_, itemIndex) => failedRow(this, itemIndex, nodeError.message));
	}

	return emitRowOutcomes(this, items, outcomes, {
		missing: (itemIndex) => failedRow(this, itemIndex, 'No result was produced for this item'),
		singleItemThrowsOwnError: true,
	});
}
