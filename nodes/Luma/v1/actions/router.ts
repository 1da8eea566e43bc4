import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import * as event from './event';
import * as guest from './guest';
import * as webhook from './webhook';

type OperationFn = (this: IExecuteFunctions, itemIndex: number) => Promise<IDataObject[]>;

const resources: Record<string, Record<string, { execute: OperationFn }>> = {
	event: { get: event.get, getMany: event.getMany },
	guest: { get: guest.get, getMany: guest.getMany },
	webhook: { create: webhook.create, delete: webhook.delete, list: webhook.list },
};

function asNodeError(
	node: INode,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	return new NodeOperationError(node, error as Error, { itemIndex });
}

/** Runs the selected operation once per input item; every output item is paired to its input. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const handler = resources[resource]?.[operation];
	if (handler === undefined) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" is not supported for resource "${resource}"`,
		);
	}

	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let failure: unknown;
		try {
			const results = await handler.execute.call(this, itemIndex);
			returnData.push(
				...this.helpers.constructExecutionMetaData(this.helpers.returnJsonArray(results), {
					itemData: { item: itemIndex },
				}),
			);
		} catch (error) {
			failure = error;
		}
		if (failure === undefined) continue;

		const nodeError = asNodeError(this.getNode(), failure, itemIndex);
		if (!this.continueOnFail()) throw nodeError;
		const json: IDataObject = { error: nodeError.message };
		if (nodeError.description) json.description = nodeError.description;
		if (nodeError instanceof NodeApiError && nodeError.httpCode) json.httpCode = nodeError.httpCode;
		returnData.push({ json, pairedItem: { item: itemIndex } });
	}
	return [returnData];
}
