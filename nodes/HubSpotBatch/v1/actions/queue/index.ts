import type { INodeProperties } from 'n8n-workflow';

import * as check from './check.operation';
import * as enqueue from './enqueue.operation';
import * as flush from './flush.operation';
import * as stats from './stats.operation';

export { check, enqueue, flush, stats };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['queue'] } },
		options: [
			{
				name: 'Check Connection',
				value: 'check',
				description:
					"Fail when the queue's Redis does not answer, before anything is created that needs queued follow-ups",
				action: 'Check the queue is reachable',
			},
			{
				name: 'Enqueue',
				value: 'enqueue',
				description: 'Store associations or notes in Redis and answer at once',
				action: 'Enqueue associations or notes',
			},
			{
				name: 'Flush',
				value: 'flush',
				description:
					'Send queued associations and notes to HubSpot, 100 per call; each note once when notes have the mkops_note_key property',
				action: 'Send queued jobs',
			},
			{
				name: 'Stats',
				value: 'stats',
				description: 'Queue length, dead letters, oldest age, processed and failed counts',
				action: 'Get queue statistics',
			},
		],
		default: 'enqueue',
	},
	...check.description,
	...enqueue.description,
	...flush.description,
	...stats.description,
];
