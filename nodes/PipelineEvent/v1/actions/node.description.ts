import type { INodeTypeBaseDescription, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { DEFAULT_PIPELINE_SCHEMA } from '../../../shared/pipeline/schema';
import * as event from './event';

export const versionDescription: Omit<INodeTypeDescription, keyof INodeTypeBaseDescription> &
	Partial<INodeTypeDescription> = {
	version: 1,
	subtitle: '={{ $parameter["operation"] }}',
	defaults: { name: 'Pipeline Event' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		// n8n's built-in Postgres credential, on purpose (the package is for self-hosted n8n).
		{ name: 'postgres', required: true, testedBy: 'testPipelinePostgres' },
	],
	properties: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			default: 'complete',
			options: [
				{
					name: 'Apply Schema',
					value: 'applySchema',
					action: 'Create the pipeline tables',
					description:
						'Create the pipeline tables, trigger function and monitoring views (safe to run again)',
				},
				{
					name: 'Attach to Table',
					value: 'attachToTable',
					action: 'Emit an event for a table s rows',
					description: "Make a table's inserts or updates emit a pipeline event",
				},
				{
					name: 'Complete',
					value: 'complete',
					action: 'Complete an event',
					description: 'Mark the event done, optionally emitting the next stage’s event',
				},
				{
					name: 'Emit',
					value: 'emit',
					action: 'Emit an event',
					description: 'Insert a pipeline event for each item',
				},
				{
					name: 'Fail',
					value: 'fail',
					action: 'Fail an event',
					description:
						'Record the error in pipeline_errors, then retry the event later or dead-letter it',
				},
				{
					name: 'Get Stats',
					value: 'stats',
					action: 'Get pipeline stats',
					description: 'The monitoring views as items, or the alert conditions that hold now',
				},
				{
					name: 'Purge Old Events',
					value: 'purge',
					action: 'Delete old done events',
					description: 'Delete done events and resolved errors past their retention',
				},
			],
		},
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: DEFAULT_PIPELINE_SCHEMA,
			description: 'The schema that holds pipeline_events',
		},
		...event.complete.description,
		...event.fail.description,
		...event.emit.description,
		...event.stats.description,
		...event.applySchema.description,
		...event.attachToTable.description,
		...event.purge.description,
	],
};
