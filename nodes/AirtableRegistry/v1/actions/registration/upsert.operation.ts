import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BatchOperation } from '../../../../shared/batch/routers';
import { ParameterReader } from '../../../../shared/parameters';
import type { Group, WriteRow } from '../../helpers/batchWrite';
import { addToGroup, mergeKey, writeRecords } from '../../helpers/batchWrite';
import { mappedFields } from '../../helpers/fields';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem, writeOutcomes } from '../../helpers/outcome';
import type { AirtableApi, TableSchema } from '../../transport';
import { batchSettings, retryOptions, typecastOption } from '../common.descriptions';
import { syncStatusFields, syncStatusProperties } from './updateSyncStatus.operation';

const show = { resource: ['registration'], operation: ['upsert'] };
const RECORD_ID = /^rec[A-Za-z0-9]{3,}$/;

export const description: INodeProperties[] = [
	{
		displayName: 'Fields to Merge On',
		name: 'fieldsToMergeOn',
		type: 'string',
		default: 'dedupe_key',
		required: true,
		description:
			'One to three Registrations fields (comma-separated) that identify a registration. A record whose values match is updated; otherwise one is created.',
		displayOptions: { show },
	},
	{
		displayName: 'Dedupe Key',
		name: 'dedupeKey',
		type: 'string',
		default:
			'={{ String($json.email ?? "").trim().toLowerCase() + "|" + String($json.event_id ?? "") }}',
		description:
			'Written to the dedupe_key field when Fields to Merge On includes dedupe_key: email|event by default. Leave empty to take dedupe_key from the mapping.',
		displayOptions: { show },
	},
	{
		displayName: 'Event Record ID',
		name: 'eventRecordId',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.airtable_id }} from Event › Find or Create',
		description:
			'The Events record (rec…) this registration links to, written to the event_id link field. Leave empty to not set the link.',
		displayOptions: { show },
	},
	{
		displayName: 'Fields',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['fieldsToMergeOn'],
			resourceMapper: {
				resourceMapperMethod: 'getRegistrationColumns',
				mode: 'add',
				fieldWords: { singular: 'field', plural: 'fields' },
				addAllFields: false,
				multiKeyMatch: false,
				supportAutoMap: true,
			},
		},
		description:
			"Registrations fields to write. Automatic mapping sends every input field named like a writable field of the table (read from the base's schema); a link field only when it holds record IDs.",
		displayOptions: { show },
	},
	{
		displayName: 'Write Sync Status',
		name: 'writeSyncStatus',
		type: 'boolean',
		default: false,
		description:
			'Whether to also write sync_status, sync_error and hubspot_contact_id in the same request. Use it when HubSpot runs before Airtable (CSV import): one Airtable pass instead of an upsert followed by Update Sync Status.',
		displayOptions: { show },
	},
	...syncStatusProperties({ ...show, writeSyncStatus: [true] }),
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

function fieldsToMergeOn(ctx: IExecuteFunctions): string[] {
	const mergeOn = String(ctx.getNodeParameter('fieldsToMergeOn', 0))
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	if (mergeOn.length < 1 || mergeOn.length > 3) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Field 'fieldsToMergeOn': Airtable merges on 1 to 3 fields, got ${mergeOn.length} ("${mergeOn.join(', ')}")`,
		);
	}
	return mergeOn;
}

/** Each item's fields, checked and grouped by merge key; items that cannot be written are reported. */
function groupByMergeKey(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	table: TableSchema,
	mergeOn: string[],
	outcomes: RowOutcome[],
): Map<string, Group> {
	const writeSyncStatus = ctx.getNodeParameter('writeSyncStatus', 0, false) === true;
	const parameters = new ParameterReader(ctx);
	const linkField = table.fields.find(
		(f) => f.name === 'event_id' && f.type === 'multipleRecordLinks',
	);
	const groups = new Map<string, Group>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const fields = mappedFields(ctx, items[itemIndex], itemIndex, table);
		if (writeSyncStatus) Object.assign(fields, syncStatusFields(parameters, itemIndex));
		if (mergeOn.includes('dedupe_key')) {
			const key = String(parameters.get('dedupeKey', itemIndex, '') ?? '').trim();
			if (key !== '') fields.dedupe_key = key;
		}
		const eventRecordId = String(parameters.get('eventRecordId', itemIndex, '') ?? '').trim();
		if (eventRecordId !== '') {
			if (!RECORD_ID.test(eventRecordId) || linkField === undefined) {
				outcomes.push(
					failedItem(
						ctx,
						items,
						itemIndex,
						linkField === undefined
							? `Field 'eventRecordId': the Registrations table has no event_id link field`
							: `Field 'eventRecordId': "${eventRecordId}" is not an Airtable record ID (rec…)`,
						{ field: 'eventRecordId' },
					),
				);
				continue;
			}
			fields[linkField.name] = [eventRecordId];
		}
		const missing = mergeOn.filter((name) => {
			const v = fields[name];
			return v === undefined || v === null || v === '';
		});
		if (missing.length > 0) {
			outcomes.push(
				failedItem(
					ctx,
					items,
					itemIndex,
					`No value for ${missing.map((m) => `"${m}"`).join(', ')}, which the upsert merges on`,
					{ field: missing[0] },
				),
			);
			continue;
		}
		addToGroup(groups, mergeKey(fields, mergeOn), fields, itemIndex);
	}
	return groups;
}

export const execute: BatchOperation<AirtableApi> = async function (items, api) {
	const settings = batchSettings(this);
	const mergeOn = fieldsToMergeOn(this);
	const table = await api.table(api.registrationsTable);
	const outcomes: RowOutcome[] = [];
	const groups = groupByMergeKey(this, items, table, mergeOn, outcomes);

	const rows: WriteRow[] = [...groups.entries()].map(([key, g]) => ({ key, fields: g.fields }));
	const results = await writeRecords(api, rows, {
		concurrency: settings.concurrency,
		send: async (batch) =>
			await api.request({
				method: 'PATCH',
				path: api.tablePath(api.registrationsTable),
				body: {
					performUpsert: { fieldsToMergeOn: mergeOn },
					records: batch.map((row) => ({ fields: row.fields })),
					...(settings.typecast ? { typecast: true } : {}),
				},
			}),
		// Airtable's answer names each record by the values it was merged on.
		keyOf: (record) => mergeKey(record.fields, mergeOn),
	});

	outcomes.push(
		...writeOutcomes(this, api, items, groups, results, ({ record, created }) => ({
			airtable_id: record.id,
			status: created ? 'created' : 'updated',
		})),
	);
	return outcomes;
};
