import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeOperation, type WholeOperation } from '../../../shared/batch/routers';
import * as request from './request';

const OPERATIONS: Record<string, WholeOperation> = {
	export: request.exportData.execute,
	erase: request.erase.execute,
};

/**
 * Runs the operation. A failure of the whole run (PostgreSQL unreachable, a setting it refuses)
 * becomes an error item for every input item under "Continue": thrown, n8n would pass the input
 * items on as if the requests had been carried out.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeOperation(this, OPERATIONS, { outputs: 1, code: 'PRIVACY_FAILED' });
}
