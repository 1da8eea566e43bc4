import type { IDataObject, IDisplayOptions, INodeProperties, JsonObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BatchOperation } from '../../../../shared/batch/routers';
import { ParameterReader } from '../../../../shared/parameters';
import type { Group, WriteOptions, WriteRow } from '../../helpers/batchWrite';
import { addToGroup, writeRecords } from '../../helpers/batchWrite';
import { combineWindowMs, writeWithOthers } from '../../helpers/combine';
import { ItemValues } from '../../helpers/inputFields';
import type { FieldNames } from '../../helpers/names';
import { checkChoices, exactNames, fieldsInTable, lackingField } from '../../helpers/names';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem, writeOutcomes } from '../../helpers/outcome';
import type { AirtableApi } from '../../transport';
import {
	batchSettings,
	retryOptions,
	typecastOption,
	unknownChoiceRule,
} from '../common.descriptions';

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

/** The sync_status / sync_error / hubspot_contact_id fields of one item, under the table's names. */
export function syncStatusFields(
	parameters: ParameterReader,
	values: ItemValues,
	itemIndex: number,
	names: FieldNames = exactNames,
): JsonObject {
	const fields: JsonObject = {
		[names.name('sync_status')]: String(parameters.get('syncStatus', itemIndex)),
	};
	const syncError = values.text('syncError', 'syncErrorInputField', 'error', itemIndex);
	fields[names.name('sync_error')] = syncError === '' ? null : syncError;
	const contactId = values
		.text('hubspotContactId', 'hubspotContactIdInputField', 'hubspot_id', itemIndex)
		.trim();
	if (contactId !== '')
		fields[names.name('hubspot_contact_id')] = /^\d+$/.test(contactId)
			? Number(contactId)
			: contactId;
	return fields;
}

/** Landed items that had select values left out say which (`skipped_choices`). */
export function withSkippedChoices(
	outcomes: RowOutcome[],
	skipped: Map<number, JsonObject>,
): RowOutcome[] {
	for (const outcome of outcomes) {
		const left = skipped.get(outcome.itemIndex);
		if (left !== undefined && outcome.error === undefined)
			outcome.json.skipped_choices = left as IDataObject;
	}
	return outcomes;
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

export const execute: BatchOperation<AirtableApi> = async function (items, api) {
	const settings = batchSettings(this);
	const parameters = new ParameterReader(this);
	const schema = api.schemaAware ? await api.table(api.registrationsTable) : undefined;
	const names = await api.names(api.registrationsTable);
	if (schema !== undefined) {
		const lacking = lackingField(schema, names, ['sync_status']);
		if (lacking !== undefined) throw new NodeOperationError(this.getNode(), lacking);
	}
	const rule = unknownChoiceRule(this);
	const values = new ItemValues(this, items, parameters);
	const skippedChoices = new Map<number, JsonObject>();
	const outcomes: RowOutcome[] = [];
	// The same record twice: one write, the later item's values win.
	const groups = new Map<string, Group>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const recordId = values.text('recordId', 'recordIdInputField', 'airtable_id', itemIndex).trim();
		if (!RECORD_ID.test(recordId)) {
			outcomes.push(
				failedItem(
					this,
					items,
					itemIndex,
					`Field 'recordId': "${recordId}" is not an Airtable record ID (rec…)`,
					{ field: 'recordId' },
				),
			);
			continue;
		}
		let fields = syncStatusFields(parameters, values, itemIndex, names);
		let typecast = false;
		if (schema !== undefined) {
			// A base without sync_error or hubspot_contact_id still takes the status.
			fields = fieldsInTable(schema, fields, [names.name('sync_status')]).fields;
			const checked = checkChoices(schema, fields, rule);
			if (checked.refused !== undefined) {
				outcomes.push(
					failedItem(this, items, itemIndex, checked.refused.message, {
						field: checked.refused.field,
					}),
				);
				continue;
			}
			({ fields, typecast } = checked);
			if (Object.keys(checked.skipped).length > 0) skippedChoices.set(itemIndex, checked.skipped);
		}
		addToGroup(groups, recordId, fields, itemIndex, typecast);
	}

	const rows: WriteRow[] = [...groups.entries()].map(([id, g]) => ({
		key: id,
		id,
		fields: g.fields,
		typecast: g.typecast,
	}));
	const writeOptions = (client: AirtableApi): WriteOptions => ({
		concurrency: settings.concurrency,
		send: async (batch) =>
			await client.request({
				method: 'PATCH',
				path: client.tablePath(client.registrationsTable),
				body: {
					records: batch.map((row) => ({ id: row.id, fields: row.fields })),
					...(settings.typecast || batch.some((row) => row.typecast) ? { typecast: true } : {}),
				},
			}),
		keyOf: (record) => record.id,
	});
	// With Combine on, concurrent executions' updates of this table share calls (helpers/combine.ts).
	const results =
		combineWindowMs(this) > 0
			? await writeWithOthers(
					this,
					api,
					[
						'update',
						api.registrationsTable,
						settings.typecast,
						unknownChoiceRule(this),
						settings.concurrency,
					],
					rows,
					writeOptions,
				)
			: await writeRecords(api, rows, writeOptions(api));

	outcomes.push(
		...withSkippedChoices(
			writeOutcomes(this, api, items, groups, results, ({ record }) => ({
				airtable_id: record.id,
				status: 'updated',
				sync_status: record.fields[names.name('sync_status')] ?? null,
			})),
			skippedChoices,
		),
	);
	return outcomes;
};
