import type { INodeProperties } from 'n8n-workflow';

import * as get from './get.operation';
import * as getMany from './getMany.operation';

export { get, getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['guest'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description: 'Get a guest of an event by ID or email',
				action: 'Get a guest',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List the guests of an event',
				action: 'Get many guests',
			},
		],
		default: 'get',
	},
	...get.description,
	...getMany.description,
];
