import type { INodeProperties } from 'n8n-workflow';

import * as updateSyncStatus from './updateSyncStatus.operation';
import * as upsert from './upsert.operation';

export { updateSyncStatus, upsert };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['registration'] } },
		options: [
			{
				name: 'Create or Update',
				value: 'upsert',
				description: 'Create a new record, or update the current one if it already exists (upsert)',
				action: 'Upsert registrations in batches',
			},
			{
				name: 'Update Sync Status',
				value: 'updateSyncStatus',
				description:
					'Set sync_status, sync_error and hubspot_contact_id by record ID, 10 per request',
				action: 'Update sync status of registrations',
			},
		],
		default: 'upsert',
	},
	...upsert.description,
	...updateSyncStatus.description,
];
