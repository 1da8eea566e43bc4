import type { INodeTypeBaseDescription, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { coordinateWorkersProperties, redisCredential } from '../../../shared/redis/coordination';
import * as sync from './sync';

const QUEUE = ['queueAppChanges', 'flush'];

export const versionDescription: Omit<INodeTypeDescription, keyof INodeTypeBaseDescription> &
	Partial<INodeTypeDescription> = {
	version: 1,
	subtitle: '={{ $parameter["operation"] }}',
	defaults: { name: 'HubSpot Record Sync' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
	outputNames: ['Done', 'Review'],
	credentials: [
		// n8n's built-in Postgres credential: the app's table and the sync's own tables.
		{ name: 'postgres', required: true, testedBy: 'testPostgres' },
		{
			name: 'hubSpotBatchApi',
			required: true,
			displayOptions: { hide: { operation: ['applySchema', 'queueAppChanges'] } },
		},
		{ ...redisCredential },
	],
	properties: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			default: 'applyHubSpotChanges',
			options: [
				{
					name: 'Apply HubSpot Changes',
					value: 'applyHubSpotChanges',
					action: 'Apply hub spot changes to the app',
					description:
						"Apply a HubSpot Signed Trigger's events to the app table by the field rules",
				},
				{
					name: 'Apply Schema',
					value: 'applySchema',
					action: 'Create the sync tables',
					description: "Create the sync's tables (safe to run again)",
				},
				{
					name: 'Create With Rollback',
					value: 'createWithRollback',
					action: 'Create a record in both systems or neither',
					description:
						'Insert the app row and create the HubSpot record in one transaction; roll back when HubSpot refuses',
				},
				{
					name: 'Flush App Changes',
					value: 'flush',
					action: 'Send queued app changes to hub spot',
					description: 'Send the queued app changes to HubSpot in batches of 100',
				},
				{
					name: 'Queue App Changes',
					value: 'queueAppChanges',
					action: 'Queue app changes for hub spot',
					description: 'Queue changed app rows in Redis for the next flush',
				},
				{
					name: 'Reconcile',
					value: 'reconcile',
					action: 'Compare every record on both sides',
					description:
						'Compare every app record with its HubSpot record and apply the rules (or report only)',
				},
			],
		},
		...sync.applySchema.description,
		...sync.createWithRollback.description,
		...sync.applyHubSpotChanges.description,
		...sync.queueAppChanges.description,
		...sync.flush.description,
		...sync.reconcile.description,
		...coordinateWorkersProperties({ operation: QUEUE }),
	],
};
