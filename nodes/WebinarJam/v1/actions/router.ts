import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { errorItem } from '../helpers/errorItem';
import { WebinarJamClient } from '../transport';
import * as database from './database';
import * as registrant from './registrant';
import * as webinar from './webinar';

type ItemOperation = (
	this: IExecuteFunctions,
	itemIndex: number,
	client: WebinarJamClient,
) => Promise<IDataObject[]>;

type RunOnceOperation = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

/** Operations run once per input item; each output item is paired to its input item. */
const perItem: Record<string, Record<string, ItemOperation>> = {
	webinar: { get: webinar.get.execute, getMany: webinar.getMany.execute },
	registrant: { getMany: registrant.getMany.execute, register: registrant.register.execute },
};

/** Operations that run once for the whole input and output ONE summary item. */
const runOnce: Record<string, Record<string, RunOnceOperation>> = {
	registrant: { syncToDatabase: registrant.syncToDatabase.execute },
	database: { applySchema: database.applySchema.execute },
};

function errorDetails(error: NodeApiError | NodeOperationError): IDataObject {
	const details: IDataObject = {};
	if (error.description) details.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) details.httpCode = error.httpCode;
	return details;
}

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

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;

	const once = runOnce[resource]?.[operation];
	if (once !== undefined) {
		if (items.length === 0) return [[]];
		try {
			return await once.call(this);
		} catch (error) {
			const nodeError = asNodeError(this.getNode(), error, 0);
			if (!this.continueOnFail()) throw nodeError;
			return [[errorItem(this, nodeError.message, errorDetails(nodeError), 0)]];
		}
	}

	const handler = perItem[resource]?.[operation];
	if (handler === undefined) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" is not supported for resource "${resource}"`,
		);
	}
	const returnData: INodeExecutionData[] = [];
	let client: WebinarJamClient | undefined;
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let failure: unknown;
		try {
			client ??= await WebinarJamClient.create(this);
			const results = await handler.call(this, itemIndex, client);
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
		returnData.push(errorItem(this, nodeError.message, errorDetails(nodeError), itemIndex));
	}
	return [returnData];
}
