import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeOperation, type WholeOperation } from '../../../shared/batch/routers';
import * as sync from './sync';

const OPERATIONS: Record<string, WholeOperation> = {
	applySchema: sync.applySchema.execute,
	createWithRollback: sync.createWithRollback.execute,
	applyHubSpotChanges: sync.applyHubSpotChanges.execute,
	queueAppChanges: sync.queueAppChanges.execute,
	flush: sync.flush.execute,
	reconcile: sync.reconcile.execute,
};

/**
 * Runs the operation; it returns [Done, Review]. A failure of the whole run (a table that does not
 * exist, HubSpot refusing the token) becomes an error item for every input item under "Continue":
 * thrown, n8n would pass the input items on to Done, and a webhook flow would answer as if created.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeOperation(this, OPERATIONS, { outputs: 2, code: 'SYNC_FAILED' });
}
