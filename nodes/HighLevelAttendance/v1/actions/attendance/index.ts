import type { INodeProperties } from 'n8n-workflow';

import * as checkAndTag from './checkAndTag.operation';

export { checkAndTag };

/** The Attendance resource's parameters; version 2 adds Check and Tag's Input. */
export const attendanceProperties = (version: 1 | 2): INodeProperties[] => [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['attendance'] } },
		options: [
			{
				name: 'Check and Tag',
				value: 'checkAndTag',
				description:
					'Look up the registrant’s WebinarJam attendance in Postgres or Supabase, tag the HighLevel contact attended or no-show, and log the check',
				action: 'Check attendance and tag the contact',
			},
		],
		default: 'checkAndTag',
	},
	{
		displayName: 'Database',
		name: 'database',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['attendance'] } },
		options: [
			{
				name: 'Postgres',
				value: 'postgres',
				description:
					'A direct connection (n8n’s Postgres credential; for Supabase, its pooler host)',
			},
			{
				name: 'Supabase',
				value: 'supabase',
				description: 'Through the Supabase Data API (n8n’s Supabase credential)',
			},
		],
		default: 'postgres',
		description: 'Where the WebinarJam sync writes webinar_registrants',
	},
	{
		displayName: 'Schema',
		name: 'schema',
		type: 'string',
		default: 'public',
		displayOptions: { show: { resource: ['attendance'] } },
		description:
			'The schema holding webinar_registrants and attendance_checks. In Supabase mode it must be an exposed schema.',
	},
	...checkAndTag.checkAndTagProperties(version),
];

export const description: INodeProperties[] = attendanceProperties(1);
