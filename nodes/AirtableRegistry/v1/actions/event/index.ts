import type { INodeProperties } from 'n8n-workflow';

import * as findOrCreate from './findOrCreate.operation';

export { findOrCreate };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['event'] } },
		options: [
			{
				name: 'Find or Create',
				value: 'findOrCreate',
				description:
					'Find the event by Luma event ID, or by name and date; create it when missing, one execution at a time per event. Returns its utm_campaign.',
				action: 'Find or create an event',
			},
		],
		default: 'findOrCreate',
	},
	...findOrCreate.description,
];
