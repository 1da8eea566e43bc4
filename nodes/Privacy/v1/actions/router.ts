import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { errorItem } from '../../../shared/batch/outcomes';
import { asNodeError } from '../../../shared/batch/routers';
import * as request from './request';

type Operation = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

const OPERATIONS: Record<string, Operation> = {
	export: request.exportData.execute,
	erase: request.erase.execute,
};

/**
 * Runs the operation. A failure of the whole run (PostgreSQL unreachable, a setting it refuses)
 * becomes an error item for every input item under "Continue": thrown, n8n would pass the input
 * items on as if the requests had been carried out.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[operation];
	if (run === undefined)
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	const items = this.getInputData();
	if (items.length === 0) return [[]];
	let failure: ReturnType<typeof asNodeError>;
	try {
		return await run.call(this);
	} catch (error) {
		failure = asNodeError(this, error, 0);
	}
	if (!this.continueOnFail()) throw failure;
	return [
		items.map((_, itemIndex) => errorItem(this, failure, itemIndex, { code: 'PRIVACY_FAILED' })),
	];
}
