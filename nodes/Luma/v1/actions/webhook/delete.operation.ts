import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { pathId } from '../../../../shared/transport/urlSafety';
import { refuseAgent } from '../../helpers/utils';
import { lumaApiRequest } from '../../transport';

const WEBHOOK_ID = '^\\s*whk-[A-Za-z0-9]+\\s*$';
/** Luma's webhook id format, checked again when the node runs: n8n enforces the field's regex in the editor only. */
const WEBHOOK_ID_FORMAT = /^whk-[A-Za-z0-9]+$/;

const properties: INodeProperties[] = [
	{
		displayName: 'Webhook ID',
		name: 'webhookId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'whk-AbC123xyz',
		description: 'ID of the webhook to delete',
		displayOptions: { show: { '@version': [1] } },
	},
	{
		displayName: 'Webhook',
		name: 'webhookId',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: 'The Luma webhook to delete',
		displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchWebhooks', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'whk-AbC123xyz',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: WEBHOOK_ID,
							errorMessage: 'Not a valid Luma webhook ID (it starts with "whk-")',
						},
					},
				],
			},
		],
	},
];

const displayOptions = { show: { resource: ['webhook'], operation: ['delete'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	refuseAgent.call(this, 'Deleting a Luma webhook', itemIndex);
	// Version 1 holds a string, version 2 a resource locator: extractValue reads both.
	const value = this.getNodeParameter('webhookId', itemIndex, '', { extractValue: true });
	if (String(value ?? '').trim() === '') {
		throw new NodeOperationError(this.getNode(), 'No webhook selected: pick one from the list or enter its ID', {
			itemIndex,
		});
	}
	let webhookId: string;
	try {
		webhookId = pathId(value, 'Webhook ID', WEBHOOK_ID_FORMAT);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex });
	}
	await lumaApiRequest.call(this, 'POST', '/v1/webhooks/delete', {
		body: { id: webhookId },
		itemIndex,
		notFoundMessage: `Webhook '${webhookId}' not found`,
		// Deleting twice does no harm (the second answers 404), so it may be retried.
		idempotent: true,
	});
	return [{ id: webhookId, deleted: true }];
}
