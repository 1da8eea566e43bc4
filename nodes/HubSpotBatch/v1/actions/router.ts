import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { emitRowOutcomes } from '../../../shared/rowOutcomes';
import type { RowOutcome } from '../helpers/outcome';
import { failedRow } from '../helpers/outcome';
import { HubSpotApi } from '../transport';
import { retrySettings } from './common.descriptions';
import * as association from './association';
import * as contact from './contact';
import * as list from './list';
import * as note from './note';
import * as object from './object';
import * as property from './property';
import * as queue from './queue';

/** An operation takes every input item at once (that is what makes it a batch) and accounts for each. */
export type BatchOperation = (
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
) => Promise<RowOutcome[]>;

export const operations: Record<string, Record<string, { execute: BatchOperation }>> = {
	association: { batchCreate: association.batchCreate },
	contact: { upsert: contact.upsert },
	list: { addMembers: list.addMembers, removeMembers: list.removeMembers },
	note: { batchCreate: note.batchCreate },
	object: {
		batchCreate: object.batchCreate,
		batchRead: object.batchRead,
		batchUpsert: object.batchUpsert,
	},
	property: { ensure: property.ensure },
	queue: { enqueue: queue.enqueue, flush: queue.flush, stats: queue.stats },
};

/** Operations that talk only to Redis, so they need no HubSpot credential. */
const REDIS_ONLY = new Set(['queue.enqueue', 'queue.stats']);

/**
 * Runs the operation, then emits exactly one paired item per input item. Failed rows carry
 * `error`, which n8n routes to the error output under "Continue (using error output)". Without
 * continue-on-fail the node fails, but only after the good rows have landed.
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

	const api = REDIS_ONLY.has(`${resource}.${operation}`)
		? undefined
		: await HubSpotApi.fromContext(this, retrySettings(this));
	let outcomes: RowOutcome[];
	try {
		outcomes = await handler.execute.call(this, items, api as HubSpotApi);
	} catch (error) {
		const nodeError = api
			? api.toNodeError(error)
			: error instanceof NodeOperationError
				? error
				: new NodeOperationError(this.getNode(), error as Error);
		if (!this.continueOnFail()) throw nodeError;
		outcomes = items.map((_, itemIndex) =>
			failedRow(this, items, itemIndex, nodeError.message, { cause: nodeError }),
		);
	}

	return emitRowOutcomes(this, items, outcomes, {
		missing: (itemIndex) =>
			failedRow(this, items, itemIndex, 'No result was produced for this item'),
		landedAs: 'written or unchanged',
	});
}
