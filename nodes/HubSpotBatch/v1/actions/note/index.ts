import type { INodeProperties } from 'n8n-workflow';

import * as batchCreate from './batchCreate.operation';

export { batchCreate };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['note'] } },
		options: [
			{
				name: 'Batch Create',
				value: 'batchCreate',
				description:
					'Create one note per input item with its associations, 100 per request (never retried blindly)',
				action: 'Create notes in batches',
			},
		],
		default: 'batchCreate',
	},
	...batchCreate.description,
];
