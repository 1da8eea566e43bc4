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
		displayOptions: { show: { resource: ['webinar'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description: 'Get a webinar with its schedules and time zone',
				action: 'Get a webinar',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List the webinars of the account',
				action: 'Get many webinars',
			},
		],
		default: 'getMany',
	},
	...get.description,
	...getMany.description,
];
