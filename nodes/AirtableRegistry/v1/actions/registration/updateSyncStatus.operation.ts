import type {
	IDisplayOptions,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';

import type { WriteRow } from '../../helpers/batchWrite';
import { writeInBatches } from '../../helpers/batchWrite';
import type { RowOutcome } from '../../helpers/outcome';
import { causeOf, failedRow } from '../../helpers/outcome';
import type { AirtableApi } from '../../transport';
import { batchSettings, retryOptions, typecastOption } from '../common.descriptions';
import { ParameterReader } from '../../../../shared/parameters';

const show = { resource: ['registration'], operation: ['updateSyncStatus'] };
const RECORD_ID = /^rec[A-Za-z0-9]{3,}$/;

export const SYNC_STATUSES = ['Pending', 'Synced to HubSpot', 'Synced to SFDC', 'Error'];

/** Sync Status, Sync Error and HubSpot Contact ID, shown where `show` matches (also used by Upsert). */
export function syncStatusProperties(
	show: NonNullable<IDisplayOptions['show']>,
): INodeProperties[] {
	return [
		{
			displayName: 'Sync Status',
			name: 'syncStatus',
			type: 'options',
			options: SYNC_STATUSES.map((s) => ({ name: s, value: s })),
			default: 'Synced to HubSpot',
			description: 'Written to sync_status',
			displayOptions: { show },
		},
		{
			displayName: 'Sync Error',
			name: 'syncError',
			type: 'string',
			default: '',
			description:
				'Written to sync_error; empty clears it (so a successful sync removes an old error)',
			displayOptions: { show },
		},
		{
			displayName: 'HubSpot Contact ID',
			name: 'hubspotContactId',
			type: 'string',
			default: '={{ $json.hubspot_id ?? "" }}',
			description:
				'Written to hubspot_contact_id (a number field); empty leaves the field as it is',
			displayOptions: { show },
		},
	];
}

/** The sync_status / sync_error / hubspot_contact_id fields of one item, as Airtable takes them. */
export function syncStatusFields(parameters: ParameterReader, itemIndex: number): JsonObject {
	const fields: JsonObject = {
		sync_status: String(parameters.get('syncStatus', itemIndex)),
	};
	const syncError = String(parameters.get('syncError', itemIndex, '') ?? '');
	fields.sync_error = syncError === '' ? null : syncError;
	const contactId = String(parameters.get('hubspotContactId', itemIndex, '') ?? '').trim();
	if (contactId !== '')
		fields.hubspot_contact_id = /^\d+$/.test(contactId) ? Number(contactId) : contactId;
	return fields;
}

export const description: INodeProperties[] = [
	{
		displayName: 'Record ID',
		name: 'recordId',
		type: 'string',
		default: '={{ $json.airtable_id }}',
		required: true,
		description: 'The Registrations record (rec…) to update',
		displayOptions: { show },
	},
	...syncStatusProperties(show),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [typecastOption, ...retryOptions],
	},
];

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: AirtableApi,
): Promise<RowOutcome[]> {
	const settings = batchSettings(this);
	const parameters = new ParameterReader(this);
	const outcomes: RowOutcome[] = [];
	const groups = new Map<string, { fields: JsonObject; itemIndexes: number[] }>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const recordId = String(parameters.get('recordId', itemIndex, '') ?? '').trim();
		if (!RECORD_ID.test(recordId)) {
			outcomes.push(
				failedRow(
					this,
					items,
					itemIndex,
					`Field 'recordId': "${recordId}" is not an Airtable record ID (rec…)`,
					{ field: 'recordId' },
				),
			);
			continue;
		}
		const fields = syncStatusFields(parameters, itemIndex);
		// The same record twice: one write, the later item's values win.
		const group = groups.get(recordId);
		if (group === undefined) groups.set(recordId, { fields, itemIndexes: [itemIndex] });
		else {
			Object.assign(group.fields, fields);
			group.itemIndexes.push(itemIndex);
		}
	}

	const rows: WriteRow[] = [...groups.entries()].map(([id, g]) => ({
		key: id,
		id,
		fields: g.fields,
	}));
	const results = await writeInBatches(api, rows, {
		batchSize: settings.batchSize,
		concurrency: settings.concurrency,
		send: async (batch) =>
			await api.request({
				method: 'PATCH',
				path: api.tablePath(api.registrationsTable),
				body: {
					records: batch.map((row) => ({ id: row.id, fields: row.fields })),
					...(settings.typecast ? { typecast: true } : {}),
				},
			}),
	});

	for (const [id, group] of groups) {
		const result = results.get(id);
		for (const itemIndex of group.itemIndexes) {
			if (result?.ok) {
				outcomes.push({
					itemIndex,
					json: {
						...items[itemIndex].json,
						airtable_id: result.record.id,
						status: 'updated',
						sync_status: result.record.fields.sync_status ?? null,
					},
				});
			} else {
				outcomes.push(
					failedRow(this, items, itemIndex, result?.message ?? 'No result for this row', {
						field: result?.field,
						type: result?.type,
						cause: causeOf(api, result, itemIndex),
					}),
				);
			}
		}
	}
	return outcomes;
}
