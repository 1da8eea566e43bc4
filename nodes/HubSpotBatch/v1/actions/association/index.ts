import type { INodeProperties } from 'n8n-workflow';

import * as batchCreate from './batchCreate.operation';

export { batchCreate };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['association'] } },
		options: [
			{
				name: 'Batch Create',
				value: 'batchCreate',
				description:
					'Associate pairs of records (v4), default or labelled, up to 2,000 pairs per request',
				action: 'Create associations in batches',
			},
		],
		default: 'batchCreate',
	},
	...batchCreate.description,
];
