import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import * as sync from './sync';

type Operation = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

const OPERATIONS: Record<string, Operation> = {
	applySchema: sync.applySchema.execute,
	createWithRollback: sync.createWithRollback.execute,
	applyHubSpotChanges: sync.applyHubSpotChanges.execute,
	queueAppChanges: sync.queueAppChanges.execute,
	flush: sync.flush.execute,
	reconcile: sync.reconcile.execute,
};

/** Runs the operation; it returns [Done, Review]. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[operation];
	if (run === undefined)
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	if (this.getInputData().length === 0) return [[], []];
	return await run.call(this);
}
