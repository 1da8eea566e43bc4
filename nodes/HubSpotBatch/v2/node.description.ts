import type { INodeTypeDescription } from 'n8n-workflow';

import { coordinateWorkersProperties, redisCredential } from '../../shared/redis/coordination';
import {
	HUBSPOT_RESOURCES,
	hubSpotResourceProperties,
	resourceProperty,
	versionDescription as v1,
} from '../v1/actions/node.description';

/**
 * Version 1 without the Queue resource, which is its own node now (HubSpot Queue). n8n resolves
 * every property of every node in a workflow on each run, executed or not: the queue's 35
 * properties made every HubSpot Batch node in a webhook flow cost that much more per request.
 */
export const versionDescription: INodeTypeDescription = {
	...v1,
	version: 2,
	credentials: [{ name: 'hubSpotBatchApi', required: true }, { ...redisCredential }],
	properties: [
		resourceProperty(HUBSPOT_RESOURCES),
		...hubSpotResourceProperties,
		...coordinateWorkersProperties(),
	],
};
