import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeBatch } from '../../../shared/batch/routers';
import { HighLevelApi } from '../transport';
import * as attendance from './attendance';
import { retrySettings } from './common.descriptions';
import * as contact from './contact';

/**
 * Every operation takes all input items at once and accounts for each: one paired item per input
 * item, failed ones with `error`. A run of one item (one webhook call) fails with its own error.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeBatch<HighLevelApi>(this, {
		operations: { attendance, contact },
		client: async () => await HighLevelApi.fromContext(this, retrySettings(this)),
		failedBase: () => ({}),
		singleItemThrowsOwnError: true,
	});
}
