/* eslint-disable n8n-nodes-base/node-filename-against-convention -- versioned-node layout: description of v2 */
import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { coordinateWorkersProperties, redisCredential } from '../../../shared/redis/coordination';
import { baseRLC, fieldsNotice } from './common.descriptions';
import * as event from './event';
import * as registration from './registration';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Airtable Registry',
	name: 'airtableRegistry',
	group: ['output'],
	// 2.1: Input defaults to Fields by Name (no expression per item); otherwise the same as 2.
	version: [2, 2.1],
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description:
		'Find or create events and upsert registrations in any Airtable base you pick, 10 records per request, within the 5 requests/s limit',
	defaults: {
		name: 'Airtable Registry',
	},
	// One quick, single-output write an agent can sensibly ask for (find an event, record a registration).
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
		fieldsNotice,
		baseRLC,
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
