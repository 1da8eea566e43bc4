import type { INodeProperties } from 'n8n-workflow';

import * as addTags from './addTags.operation';
import * as findByEmail from './findByEmail.operation';
import * as removeTags from './removeTags.operation';

export { addTags, findByEmail, removeTags };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [
			{
				name: 'Add Tags',
				value: 'addTags',
				description: 'Add tags to a contact (POST /contacts/:contactId/tags)',
				action: 'Add tags to a contact',
			},
			{
				name: 'Find by Email',
				value: 'findByEmail',
				description:
					'Find the location’s contact with an email (returns found: false when there is none)',
				action: 'Find a contact by email',
			},
			{
				name: 'Remove Tags',
				value: 'removeTags',
				description: 'Remove tags from a contact (DELETE /contacts/:contactId/tags)',
				action: 'Remove tags from a contact',
			},
		],
		default: 'addTags',
	},
	...addTags.description,
	...findByEmail.description,
	...removeTags.description,
];
