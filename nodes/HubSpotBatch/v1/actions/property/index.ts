import type { INodeProperties } from 'n8n-workflow';

import * as ensure from './ensure.operation';

export { ensure };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['property'] } },
		options: [
			{
				name: 'Ensure Group and Properties',
				value: 'ensure',
				description:
					'Create the property group and any missing custom properties; safe to run again',
				action: 'Ensure a property group and properties',
			},
		],
		default: 'ensure',
	},
	...ensure.description,
];
