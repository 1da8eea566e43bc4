import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { redisCredentialsOf, sharedRedis } from '../../../../shared/redis/connection';
import type { RowOutcome } from '../../helpers/outcome';

export const description: INodeProperties[] = [
	{
		displayName:
			'Passes the items through unchanged when the queue’s Redis answers, and fails them otherwise. Put it before a create whose follow-up jobs are queued, with the error output answering 503: nothing is then created that could not be followed up.',
		name: 'checkNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['queue'], operation: ['check'] } },
	},
];

/** One PING on the connection Enqueue will use; a Redis that is down fails every item. */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<RowOutcome[]> {
	const redis = sharedRedis(redisCredentialsOf(await this.getCredentials('redis')));
	try {
		await redis.ping();
	} catch (error) {
		// Worded here: n8n replaces a message naming ECONNREFUSED with one that names no service.
		const detail = (error as Error).message;
		const endpoint = /^Redis at (\S+)/.exec(detail)?.[1];
		throw new NodeOperationError(
			this.getNode(),
			`The queue's Redis${endpoint ? ` at ${endpoint}` : ''} did not answer`,
			{ description: detail },
		);
	}
	return items.map((item, itemIndex) => ({ itemIndex, json: item.json }));
}
