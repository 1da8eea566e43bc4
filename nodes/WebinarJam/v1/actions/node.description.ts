/* eslint-disable n8n-nodes-base/node-filename-against-convention -- versioned-node layout: description of v1 */
import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as database from './database';
import * as registrant from './registrant';
import * as webinar from './webinar';

export const versionDescription: INodeTypeDescription = {
	displayName: 'WebinarJam',
	name: 'webinarJam',
	group: ['transform'],
	version: 1,
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description:
		'Read WebinarJam and EverWebinar webinars and registrants, register people, and sync attendance into Postgres or Supabase',
	defaults: {
		name: 'WebinarJam',
	},
	// Not an agent tool: Sync to Database runs for minutes and Apply Schema changes the database.
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{
			name: 'webinarJamApi',
			required: true,
			testedBy: 'webinarJamApiTest',
			displayOptions: { hide: { resource: ['database'] } },
		},
		{
			// n8n's built-in Postgres credential (the issue asks for it); tested by connecting.
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			name: 'postgres',
			required: true,
			testedBy: 'webinarJamPostgresTest',
			displayOptions: {
				show: { operation: ['syncToDatabase', 'applySchema'], database: ['postgres'] },
			},
		},
		{
			// n8n's built-in Supabase credential (project URL + service role key).
			name: 'supabaseApi',
			required: true,
			displayOptions: {
				show: { operation: ['syncToDatabase', 'applySchema'], database: ['supabase'] },
			},
		},
	],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Database', value: 'database' },
				{ name: 'Registrant', value: 'registrant' },
				{ name: 'Webinar', value: 'webinar' },
			],
			default: 'registrant',
		},
		...database.description,
		...registrant.description,
		...webinar.description,
	],
};
