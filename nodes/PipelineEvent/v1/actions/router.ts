import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeOperation, type WholeOperation } from '../../../shared/batch/routers';
import * as event from './event';

const OPERATIONS: Record<string, WholeOperation> = {
	complete: event.complete.execute,
	fail: event.fail.execute,
	emit: event.emit.execute,
	stats: event.stats.execute,
	applySchema: event.applySchema.execute,
	attachToTable: event.attachToTable.execute,
	purge: event.purge.execute,
};

/**
 * Runs the operation. A failure of the whole run (the database unreachable, no pipeline tables)
 * becomes an error item for every input item under "Continue": thrown, n8n would pass the input
 * items on as if they had been completed.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeOperation(this, OPERATIONS, { outputs: 1, code: 'PIPELINE_FAILED' });
}
