import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { chunk } from '../../../../shared/transport/batcher';
import { pathId } from '../../../../shared/transport/urlSafety';
import { readObjectType, RECORD_ID } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import type { HubSpotApi } from '../../transport';
import { batchOptions, batchSettings } from '../common.descriptions';

const show = { resource: ['object'], operation: ['batchArchive'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Record ID',
		name: 'recordId',
		type: 'string',
		default: '={{ $json.hubspot_id }}',
		required: true,
		description:
			'HubSpot ID of the record to archive, per item. Archived records go to the recycle bin in HubSpot, where they can be restored for 90 days.',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: batchOptions.filter((o) => o.name !== 'concurrency'),
	},
];

/**
 * Archives records, 100 per call. Archiving is idempotent (an archived or missing ID is no error),
 * so the call is retried like a read: that is what makes it safe to undo a create with.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const objectType = readObjectType(this);
	const { batchSize } = batchSettings(this);
	const outcomes: RowOutcome[] = [];
	const entries: Array<{ itemIndex: number; id: string }> = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const id = pathId(
				this.getNodeParameter('recordId', itemIndex, ''),
				"Field 'recordId'",
				RECORD_ID,
			);
			entries.push({ itemIndex, id });
		} catch (error) {
			outcomes.push(
				failedItem(this, items, itemIndex, (error as Error).message, { field: 'recordId' }),
			);
		}
	}
	for (const batch of chunk(entries, batchSize)) {
		try {
			await api.request({
				method: 'POST',
				path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/archive`,
				body: { inputs: [...new Set(batch.map((e) => e.id))].map((id) => ({ id })) },
			});
			for (const { itemIndex, id } of batch)
				outcomes.push({
					itemIndex,
					json: { ...items[itemIndex].json, hubspot_id: id, status: 'archived' },
				});
		} catch (error) {
			const message = api.toNodeError(error).message;
			for (const { itemIndex, id } of batch)
				outcomes.push(
					failedItem(this, items, itemIndex, `Record ${id} was not archived: ${message}`),
				);
		}
	}
	return outcomes;
}
