import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BatchOperation } from '../../../../shared/batch/routers';
import { ParameterReader } from '../../../../shared/parameters';
import type { Group, WriteOptions, WriteRow } from '../../helpers/batchWrite';
import { addToGroup, mergeKey, writeRecords } from '../../helpers/batchWrite';
import { combineWindowMs, writeWithOthers } from '../../helpers/combine';
import { ItemValues, itemField, registrationDedupeKey } from '../../helpers/inputFields';
import { mappedFields } from '../../helpers/fields';
import type { FieldNames } from '../../helpers/names';
import { checkChoices, fieldsInTable, lackingField } from '../../helpers/names';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem, writeOutcomes } from '../../helpers/outcome';
import type { AirtableApi, TableSchema } from '../../transport';
import {
	batchSettings,
	retryOptions,
	typecastOption,
	unknownChoiceRule,
} from '../common.descriptions';
import {
	syncStatusFields,
	syncStatusProperties,
	withSkippedChoices,
} from './updateSyncStatus.operation';

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

/**
 * The item's dedupe key: the Dedupe Key parameter, or (Fields by Name) the email and Luma event ID
 * fields made into `email|event` as the Luma flow's expression did; no email field: none.
 */
function dedupeKeyOf(values: ItemValues, item: INodeExecutionData, itemIndex: number): string {
	if (values.mode === 'defineBelow') return values.text('dedupeKey', '', '', itemIndex);
	const emailField = values.fieldName('emailInputField', 'email');
	if (emailField === '') return '';
	const eventField = values.fieldName('lumaEventIdInputField', 'event_id');
	return registrationDedupeKey(
		itemField(item, emailField),
		eventField === '' ? '' : itemField(item, eventField),
	);
}

/** Each item's fields, checked and grouped by merge key; items that cannot be written are reported. */
function groupByMergeKey(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	table: TableSchema,
	names: FieldNames,
	schemaAware: boolean,
	mergeOn: string[],
	outcomes: RowOutcome[],
	skippedChoices: Map<number, JsonObject>,
): Map<string, Group> {
	const writeSyncStatus = ctx.getNodeParameter('writeSyncStatus', 0, false) === true;
	const parameters = new ParameterReader(ctx);
	const values = new ItemValues(ctx, items, parameters);
	const rule = unknownChoiceRule(ctx);
	const linkName = names.name('event_id');
	const linkField = table.fields.find(
		(f) => f.name === linkName && f.type === 'multipleRecordLinks',
	);
	const dedupeField = names.name('dedupe_key');
	const groups = new Map<string, Group>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let fields = mappedFields(ctx, items[itemIndex], itemIndex, table, schemaAware);
		if (writeSyncStatus) {
			const sync = syncStatusFields(parameters, values, itemIndex, names);
			// Version 2: a base without sync_error or hubspot_contact_id still takes the status.
			Object.assign(
				fields,
				schemaAware ? fieldsInTable(table, sync, [names.name('sync_status')]).fields : sync,
			);
		}
		if (mergeOn.includes(dedupeField)) {
			const key = dedupeKeyOf(values, items[itemIndex], itemIndex).trim();
			if (key !== '') fields[dedupeField] = key;
		}
		const eventRecordId = values
			.text('eventRecordId', 'eventRecordIdInputField', 'airtable_id', itemIndex)
			.trim();
		if (eventRecordId !== '') {
			if (!RECORD_ID.test(eventRecordId) || linkField === undefined) {
				outcomes.push(
					failedItem(
						ctx,
						items,
						itemIndex,
						linkField === undefined
							? `Field 'eventRecordId': the Registrations table has no ${linkName} link field`
							: `Field 'eventRecordId': "${eventRecordId}" is not an Airtable record ID (rec…)`,
						{ field: 'eventRecordId' },
					),
				);
				continue;
			}
			fields[linkField.name] = [eventRecordId];
		}
		let typecast = false;
		if (schemaAware) {
			const checked = checkChoices(table, fields, rule);
			if (checked.refused !== undefined) {
				outcomes.push(
					failedItem(ctx, items, itemIndex, checked.refused.message, {
						field: checked.refused.field,
					}),
				);
				continue;
			}
			fields = checked.fields;
			typecast = checked.typecast;
			if (Object.keys(checked.skipped).length > 0) skippedChoices.set(itemIndex, checked.skipped);
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
		addToGroup(groups, mergeKey(fields, mergeOn), fields, itemIndex, typecast);
	}
	return groups;
}

export const execute: BatchOperation<AirtableApi> = async function (items, api) {
	const settings = batchSettings(this);
	const table = await api.table(api.registrationsTable);
	const names = await api.names(api.registrationsTable);
	const mergeNames = fieldsToMergeOn(this);
	if (api.schemaAware) {
		// Version 2: the fields every record needs are named before anything is sent.
		const needed =
			this.getNodeParameter('writeSyncStatus', 0, false) === true ? ['sync_status'] : [];
		const lacking = lackingField(table, names, [...mergeNames, ...needed]);
		if (lacking !== undefined) throw new NodeOperationError(this.getNode(), lacking);
	}
	const mergeOn = mergeNames.map((name) => names.name(name));
	const outcomes: RowOutcome[] = [];
	const skippedChoices = new Map<number, JsonObject>();
	const groups = groupByMergeKey(
		this,
		items,
		table,
		names,
		api.schemaAware,
		mergeOn,
		outcomes,
		skippedChoices,
	);

	const rows: WriteRow[] = [...groups.entries()].map(([key, g]) => ({
		key,
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
					performUpsert: { fieldsToMergeOn: mergeOn },
					records: batch.map((row) => ({ fields: row.fields })),
					...(settings.typecast || batch.some((row) => row.typecast) ? { typecast: true } : {}),
				},
			}),
		// Airtable's answer names each record by the values it was merged on.
		keyOf: (record) => mergeKey(record.fields, mergeOn),
	});
	// With Combine on, concurrent executions' upserts on the same merge fields share calls; the same
	// merge values from two executions become one record of the call (helpers/combine.ts).
	const results =
		combineWindowMs(this) > 0
			? await writeWithOthers(
					this,
					api,
					[
						'upsert',
						api.registrationsTable,
						JSON.stringify(mergeOn),
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
			writeOutcomes(this, api, items, groups, results, ({ record, created }) => ({
				airtable_id: record.id,
				status: created ? 'created' : 'updated',
			})),
			skippedChoices,
		),
	);
	return outcomes;
};
