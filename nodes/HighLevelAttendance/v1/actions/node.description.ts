/* eslint-disable n8n-nodes-base/node-filename-against-convention -- versioned-node layout: description of v1 */
import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as attendance from './attendance';
import * as contact from './contact';

export const versionDescription: INodeTypeDescription = {
	displayName: 'HighLevel Attendance',
	name: 'highLevelAttendance',
	group: ['transform'],
	version: 1,
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description:
		'Tag HighLevel contacts attended or no-show from WebinarJam attendance in Postgres or Supabase, within HighLevel’s 100 requests per 10 seconds',
	defaults: {
		name: 'HighLevel Attendance',
	},
	usableAsTool: true,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{
			name: 'highLevelAttendanceApi',
			required: true,
			testedBy: 'highLevelAttendanceApiTest',
		},
		{
			// n8n's built-in Postgres credential: the attendance data lives in the user's database.
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			name: 'postgres',
			required: true,
			testedBy: 'highLevelAttendancePostgresTest',
			displayOptions: { show: { resource: ['attendance'], database: ['postgres'] } },
		},
		{
			// n8n's built-in Supabase credential (project URL + secret key).
			name: 'supabaseApi',
			required: true,
			displayOptions: { show: { resource: ['attendance'], database: ['supabase'] } },
		},
	],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Attendance', value: 'attendance' },
				{ name: 'Contact', value: 'contact' },
			],
			default: 'attendance',
		},
		...attendance.description,
		...contact.description,
	],
};
