import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { handleRequests } from '../../helpers/request';

const properties: INodeProperties[] = [
	{
		displayName:
			'Deletes the person’s data in every store whose credential is set. It cannot be undone; run Export first if you need a copy.',
		name: 'eraseNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Delete Synced HubSpot Records',
		name: 'deleteSyncedRecords',
		type: 'boolean',
		default: false,
		description:
			'Whether to also archive the HubSpot records of other objects (a company) that HubSpot Record Sync linked to the person’s app rows. Off: they stay and the output lists them.',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['erase'] } }, properties);

/**
 * For each item: deletes what Export would find, store by store (PostgreSQL in one transaction).
 * A second Erase of the same person finds nothing and removes nothing.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await handleRequests(this, 'erase');
}
