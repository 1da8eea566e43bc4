import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { coordinationRedis } from '../../../shared/redis/coordination';
import { routeBatch } from '../../../shared/batch/routers';
import { failedBase } from '../helpers/outcome';
import { AirtableApi } from '../transport';
import { airtableSettings } from './common.descriptions';
import * as event from './event';
import * as registration from './registration';

/** Runs the selected operation over every input item at once; one paired item comes out per input item. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeBatch<AirtableApi>(this, {
		operations: { event, registration },
		client: async () =>
			await AirtableApi.fromContext(this, {
				...airtableSettings(this),
				redis: await coordinationRedis(this),
			}),
		failedBase,
		landedAs: 'written or found',
	});
}
