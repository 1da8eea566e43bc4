import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeItems } from '../../../shared/batch/routers';
import { WebinarJamClient } from '../transport';
import * as database from './database';
import * as registrant from './registrant';
import * as webinar from './webinar';

/**
 * Per-item operations run once per input item, paired to it; Sync to Database and Apply Schema run
 * once for the whole input and output one summary item.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeItems<WebinarJamClient>(this, {
		operations: { webinar, registrant },
		runOnce: {
			registrant: { syncToDatabase: registrant.syncToDatabase },
			database: { applySchema: database.applySchema },
		},
		client: async () => await WebinarJamClient.create(this),
	});
}
