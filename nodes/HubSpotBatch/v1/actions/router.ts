import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { BatchOperation } from '../../../shared/batch/routers';
import { asNodeError, routeBatch } from '../../../shared/batch/routers';
import { coordinationRedis } from '../../../shared/redis/coordination';
import { failedBase } from '../helpers/outcome';
import { HubSpotApi } from '../transport';
import { retryOptions } from './common.descriptions';
import * as association from './association';
import * as contact from './contact';
import * as list from './list';
import * as note from './note';
import * as object from './object';
import * as property from './property';
import * as queue from './queue';

export const operations: Record<string, Record<string, { execute: BatchOperation<HubSpotApi> }>> = {
	association: { batchCreate: association.batchCreate },
	contact: { upsert: contact.upsert },
	list: { addMembers: list.addMembers, removeMembers: list.removeMembers },
	note: { batchCreate: note.batchCreate },
	object: {
		batchCreate: object.batchCreate,
		batchRead: object.batchRead,
		batchUpsert: object.batchUpsert,
	},
	property: { ensure: property.ensure },
	queue: { enqueue: queue.enqueue, flush: queue.flush, stats: queue.stats },
};

/** Operations that talk only to Redis, so they need no HubSpot credential. */
const REDIS_ONLY = new Set(['queue.enqueue', 'queue.stats']);

/** Runs the batch operation; every input item comes out once, paired (shared/batch/routers.ts). */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeBatch<HubSpotApi>(this, {
		operations,
		client: async (resource, operation) =>
			REDIS_ONLY.has(`${resource}.${operation}`)
				? (undefined as unknown as HubSpotApi) // never read by Enqueue and Stats
				: await HubSpotApi.fromContext(this, retryOptions(this), {
						redis: await coordinationRedis(this),
					}),
		toNodeError: (api, error) => api?.toNodeError(error) ?? asNodeError(this, error),
		failedBase: (items, itemIndex) => failedBase(items, itemIndex),
		landedAs: 'written or unchanged',
	});
}
