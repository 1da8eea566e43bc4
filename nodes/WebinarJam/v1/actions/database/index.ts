import type { INodeProperties } from 'n8n-workflow';

import * as applySchema from './applySchema.operation';

export { applySchema };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['database'] } },
		options: [
			{
				name: 'Apply Schema',
				value: 'applySchema',
				description:
					'Create webinar_registrants, attendance_checks, sync_runs, their indexes and views (safe to run again)',
				action: 'Apply the database schema',
			},
		],
		default: 'applySchema',
	},
	...applySchema.description,
];
