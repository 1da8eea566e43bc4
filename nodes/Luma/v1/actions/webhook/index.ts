import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as deleteWebhook from './delete.operation';
import * as list from './list.operation';

// `delete` is a reserved word, so the module is imported under another name and re-keyed here.
export { create, list, deleteWebhook as delete };

/**
 * As an AI agent's tool the node only lists webhooks: creating or deleting one changes where Luma
 * sends guest data, which no agent should decide.
 */
export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['webhook'], '@tool': [false] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Register a webhook URL with Luma',
				action: 'Create a webhook',
			},
			{
				name: 'Delete',
				value: 'delete',
				description: 'Remove a webhook from Luma',
				action: 'Delete a webhook',
			},
			{
				name: 'List',
				value: 'list',
				description: 'List the webhooks registered for the calendar',
				action: 'List webhooks',
			},
		],
		default: 'list',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['webhook'], '@tool': [true] } },
		options: [
			{
				name: 'List',
				value: 'list',
				description: 'List the webhooks registered for the calendar',
				action: 'List webhooks',
			},
		],
		default: 'list',
	},
	...create.description,
	...deleteWebhook.description,
	...list.description,
];
