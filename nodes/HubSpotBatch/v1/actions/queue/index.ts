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
				name: 'Check',
				value: 'check',
				description:
					"Before anything is created that needs queued follow-ups: fail when the queue's Redis does not answer, or refuse items whose fields break your rules",
				action: 'Check the queue or the input',
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
