/* eslint-disable n8n-nodes-base/node-filename-against-convention -- versioned-node layout: description of v1 */
import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { coordinateWorkersProperties, redisCredential } from '../../../shared/redis/coordination';
import * as event from './event';
import * as registration from './registration';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Airtable Registry',
	name: 'airtableRegistry',
	group: ['output'],
	version: 1,
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description:
		'Find or create events and upsert registrations in the Airtable event registry, 10 records per request, within the 5 requests/s limit',
	defaults: {
		name: 'Airtable Registry',
	},
	usableAsTool: true,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{
			name: 'airtableRegistryApi',
			required: true,
			testedBy: 'airtableRegistryApiTest',
		},
		// Spread: n8n's lint rules read credential entries as object literals (a bare name crashes them).
		{ ...redisCredential },
	],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Event', value: 'event' },
				{ name: 'Registration', value: 'registration' },
			],
			default: 'registration',
		},
		...event.description,
		...registration.description,
		...coordinateWorkersProperties(),
	],
};
