import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

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

	const byItem = new Map<number, RowOutcome>();
	for (const outcome of outcomes) byItem.set(outcome.itemIndex, outcome);
	const ordered: RowOutcome[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		// Defensive: an item no operation accounted for is reported, never dropped.
		ordered.push(
			byItem.get(itemIndex) ?? failedRow(this, itemIndex, 'No result was produced for this item'),
		);
	}

	const failed = ordered.filter((o) => o.error !== undefined);
	if (failed.length > 0 && !this.continueOnFail()) {
		const first = failed[0];
		// One item (one webhook): its own error, as it is.
		if (items.length === 1 && first.error !== undefined) throw first.error;
		const lines = failed.slice(0, 10).map((o) => `item ${o.itemIndex}: ${String(o.json.error)}`);
		throw new NodeOperationError(
			this.getNode(),
			`${failed.length} of ${items.length} items failed. First: item ${first.itemIndex}: ${String(first.json.error)}`,
			{
				itemIndex: first.itemIndex,
				description: `${lines.join('\n')}${failed.length > 10 ? `\n… and ${failed.length - 10} more` : ''}\nTurn on "Continue (using error output)" to route failed items instead of stopping.`,
			},
		);
	}

	// n8n moves an item to the error output when its json holds only error/message/details (and
	// merges the input item back in); with "Continue" the full row stays on the main output.
	const toErrorOutput = this.getNode().onError === 'continueErrorOutput';
	return [
		ordered.map((o) => {
			if (o.error !== undefined && toErrorOutput) {
				const { error, ...details } = o.json;
				return { json: { error, details }, pairedItem: { item: o.itemIndex } };
			}
			return { json: o.json, pairedItem: { item: o.itemIndex } };
		}),
	];
}
