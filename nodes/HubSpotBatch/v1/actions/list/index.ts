import type { INodeProperties } from 'n8n-workflow';

import * as addMembers from './addMembers.operation';
import * as removeMembers from './removeMembers.operation';

export { addMembers, removeMembers };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['list'] } },
		options: [
			{
				name: 'Add Members',
				value: 'addMembers',
				description: 'Add contacts to a list, creating the list if it is missing',
				action: 'Add contacts to a list',
			},
			{
				name: 'Remove Members',
				value: 'removeMembers',
				description: 'Remove contacts from a list',
				action: 'Remove contacts from a list',
			},
		],
		default: 'addMembers',
	},
	...addMembers.description,
	...removeMembers.description,
];
