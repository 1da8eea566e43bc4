/* eslint-disable n8n-nodes-base/node-filename-against-convention -- versioned-node layout: description of v1 */
import type { INodeProperties, INodePropertyOptions, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { coordinateWorkersProperties, redisCredential } from '../../../shared/redis/coordination';

import * as association from './association';
import * as contact from './contact';
import * as list from './list';
import * as note from './note';
import * as object from './object';
import * as property from './property';
import * as queue from './queue';

/** The resources that write to HubSpot itself (version 2 has only these; the queue is HubSpot Queue). */
export const HUBSPOT_RESOURCES: INodePropertyOptions[] = [
	{ name: 'Association', value: 'association' },
	{ name: 'Contact', value: 'contact' },
	{ name: 'List', value: 'list' },
	{ name: 'Note', value: 'note' },
	{ name: 'Object', value: 'object' },
	{ name: 'Property', value: 'property' },
];

export const hubSpotResourceProperties: INodeProperties[] = [
	...association.description,
	...contact.description,
	...list.description,
	...note.description,
	...object.description,
	...property.description,
];

export function resourceProperty(options: INodePropertyOptions[]): INodeProperties {
	return {
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options,
		default: 'contact',
	};
}

export const versionDescription: INodeTypeDescription = {
	displayName: 'HubSpot Batch',
	name: 'hubSpotBatch',
	group: ['output'],
	version: 1,
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description:
		'Write HubSpot contacts, objects, associations, notes and list memberships in batches of 100, within the rate limit',
	defaults: {
		name: 'HubSpot Batch',
	},
	// No usableAsTool: its operations write in batches, drain queues or set up the account; an agent
	// handling one record at a time is better served by n8n's own HubSpot node.
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{
			name: 'hubSpotBatchApi',
			required: true,
			displayOptions: { hide: { operation: ['check', 'enqueue', 'stats'] } },
		},
		// n8n's built-in Redis credential: the queue lives there, and with Coordinate Workers Through
		// Redis the 10-second window and the per-contact locks too.
		{ ...redisCredential },
	],
	properties: [
		resourceProperty([...HUBSPOT_RESOURCES, { name: 'Queue', value: 'queue' }]),
		...hubSpotResourceProperties,
		...queue.description,
		// The queue always lives in Redis: for it the option is on, hidden.
		...coordinateWorkersProperties({ resource: ['queue'] }),
	],
};
