import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { emitRowOutcomes } from '../../../shared/rowOutcomes';
import type { RowOutcome } from '../helpers/outcome';
import { failedRow } from '../helpers/outcome';
import { AirtableApi } from '../transport';
import { retrySettings } from './common.descriptions';
import * as event from './event';
import * as registration from './registration';

/** An operation takes every input item at once (that is what makes it a batch) and accounts for each. */
export type BatchOperation = (
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: AirtableApi,
) => Promise<RowOutcome[]>;

export const operations: Record<string, Record<string, { execute: BatchOperation }>> = {
	event: { findOrCreate: event.findOrCreate },
	registration: {
		upsert: registration.upsert,
		updateSyncStatus: registration.updateSyncStatus,
	},
};

/**
 * Runs the operation, then emits exactly one paired item per input item. Failed rows carry
 * `error`, which n8n routes to the error output under "Continue (using error output)". Without
 * continue-on-fail the node fails, but only after the good rows have been written.
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

	const api = await AirtableApi.fromContext(this, retrySettings(this));
	let outcomes: RowOutcome[];
	try {
		outcomes = await handler.execute.call(this, items, api);
	} catch (error) {
		const nodeError = api.toNodeError(error);
		if (!this.continueOnFail()) throw nodeError;
		outcomes = items.map((_, itemIndex) =>
			failedRow(this, items, itemIndex, nodeError.message, { cause: nodeError }),
		);
	}

	return emitRowOutcomes(this, items, outcomes, {
		missing: (itemIndex) =>
			failedRow(this, items, itemIndex, 'No result was produced for this item'),
		landedAs: 'written or found',
	});
}
