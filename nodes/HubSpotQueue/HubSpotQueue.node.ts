import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

// The queue's operations are HubSpot Batch's (version 1 had them as its Queue resource).
import * as queue from '../HubSpotBatch/v1/actions/queue';
import { queueRouter } from '../HubSpotBatch/v1/actions/router';
import * as listSearch from '../HubSpotBatch/v1/methods/listSearch';
import * as objects from '../HubSpotBatch/v1/methods/objects';
import { COORDINATE_WORKERS, redisCredential } from '../shared/redis/coordination';

/**
 * HubSpot Batch version 1's Queue resource as a node of its own, so that a webhook flow's checks
 * and enqueues carry only the queue's properties: n8n resolves every property of every node in a
 * workflow on each run, executed or not. A hidden `resource` keeps the operations' display rules.
 */
// Not usable as a tool, like HubSpot Batch: it guards creates, queues follow-ups and drains queues in batches.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class HubSpotQueue implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HubSpot Queue',
		name: 'hubSpotQueue',
		icon: { light: 'file:hubspot.svg', dark: 'file:hubspot.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description:
			'Check a request and the queue before a HubSpot create, queue its associations and notes in Redis, and send them in batches',
		defaults: {
			name: 'HubSpot Queue',
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'hubSpotBatchApi',
				required: true,
				displayOptions: { show: { operation: ['flush'] } },
			},
			// n8n's built-in Redis credential: the queue lives there.
			{ ...redisCredential },
		],
		properties: [
			{ displayName: 'Resource', name: 'resource', type: 'hidden', default: 'queue' },
			...queue.description,
			// The queue always lives in Redis, so a flush always shares the 10-second window through it.
			{ displayName: '', name: COORDINATE_WORKERS, type: 'hidden', default: true },
		],
	};

	// Enqueue reuses Association › Batch Create's fields: the same pickers. Without a HubSpot credential
	// (shown for Flush only) the object types are HubSpot's standard ones; labels need an ID typed in.
	methods = {
		listSearch: { searchAssociationLabels: listSearch.searchAssociationLabels },
		loadOptions: { getObjectTypes: objects.getObjectTypes },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await queueRouter.call(this);
	}
}
