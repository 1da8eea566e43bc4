import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeBatch } from '../../../shared/batch/routers';
import { coordinationRedis } from '../../../shared/redis/coordination';
import { airtableSettings } from '../../v1/actions/common.descriptions';
import { combineWindowMs } from '../../v1/helpers/combine';
import { failedBase } from '../../v1/helpers/outcome';
import type { AirtableApi } from '../../v1/transport';
import { SCHEMA_MEMORY_MS } from '../../v1/transport';
import { registryApi } from '../transport';
import * as event from './event';
import * as registration from './registration';

/** Runs the selected operation over every input item at once, on the base and table picked. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeBatch<AirtableApi>(this, {
		operations: { event, registration },
		client: async (resource) => {
			const api = await registryApi(this, {
				...airtableSettings(this),
				redis: await coordinationRedis(this),
				// Executions that combine share the base's schema too: one read, not one per execution.
				schemaMemoryMs: combineWindowMs(this) > 0 ? SCHEMA_MEMORY_MS : 0,
			});
			await api.resolveTable(resource === 'event' ? 'eventsTable' : 'registrationsTable');
			return api;
		},
		failedBase,
		landedAs: 'written or found',
	});
}
