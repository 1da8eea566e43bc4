import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getRequiredString } from '../../helpers/utils';
import { lumaApiRequest } from '../../transport';

const properties: INodeProperties[] = [
	{
		displayName: 'Webhook ID',
		name: 'webhookId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'whk-AbC123xyz',
		description: 'ID of the webhook to delete',
	},
];

const displayOptions = { show: { resource: ['webhook'], operation: ['delete'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const webhookId = getRequiredString.call(this, 'webhookId', 'Webhook ID', itemIndex);
	await lumaApiRequest.call(this, 'POST', '/v1/webhooks/delete', {
		body: { id: webhookId },
		itemIndex,
		notFoundMessage: `Webhook '${webhookId}' not found`,
		// Deleting twice does no harm (the second answers 404), so it may be retried.
		idempotent: true,
	});
	return [{ id: webhookId, deleted: true }];
}
