import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeBatch, type Resources } from '../../../shared/batch/routers';
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

/** Operations that talk only to Redis, so they need no HubSpot credential. */
const REDIS_ONLY = new Set(['queue.check', 'queue.enqueue', 'queue.stats']);

/** Runs the batch operation; every input item comes out once, paired (shared/batch/routers.ts). */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await route(this, { association, contact, list, note, object, property, queue });
}

/** HubSpot Queue's operations: the same ones as HubSpot Batch version 1's Queue resource. */
export async function queueRouter(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await route(this, { queue });
}

async function route(
	ctx: IExecuteFunctions,
	operations: Resources,
): Promise<INodeExecutionData[][]> {
	return await routeBatch<HubSpotApi | undefined>(ctx, {
		operations,
		client: async (resource, operation) =>
			REDIS_ONLY.has(`${resource}.${operation}`)
				? undefined // Check, Enqueue and Stats never call HubSpot
				: await HubSpotApi.fromContext(ctx, retryOptions(ctx), {
						redis: await coordinationRedis(ctx),
					}),
		failedBase: (items, itemIndex) => failedBase(items, itemIndex),
		landedAs: 'written or unchanged',
	});
}
