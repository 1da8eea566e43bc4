import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';

import { coalesce, uniqueKeyPrefix } from '../../../../shared/transport/coalescer';
import type { RowResult, WriteRow } from '../../helpers/batchWrite';
import { writeHubSpotBatches } from '../../helpers/batchWrite';
import { mappedObjectProperties, readObjectType } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { createdItems, failedItem } from '../../helpers/outcome';
import { getPropertyDefinitions } from '../../helpers/properties';
import type { HubSpotApi } from '../../transport';
import {
	batchOptions,
	batchSettings,
	combineOption,
	combineWindowMs,
} from '../common.descriptions';

const show = { resource: ['object'], operation: ['batchCreate'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Properties',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['objectType'],
			resourceMapper: {
				resourceMapperMethod: 'getObjectColumns',
				mode: 'add',
				fieldWords: { singular: 'property', plural: 'properties' },
				addAllFields: false,
				multiKeyMatch: false,
				supportAutoMap: true,
			},
		},
		description:
			'Properties of each new record. Automatic mapping sends every input field whose name is a writable property of the object type. Every input item creates one record: there is no duplicate check.',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [...batchOptions, combineOption],
	},
];

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const objectType = readObjectType(this);
	const settings = batchSettings(this);
	const definitions = new Map(
		(await getPropertyDefinitions(api, objectType)).map((d) => [d.name, d]),
	);

	const outcomes: RowOutcome[] = [];
	const rows: Array<WriteRow<Record<string, string>>> = [];
	// Keys double as objectWriteTraceId and must not collide with other executions' rows in a combined batch.
	const prefix = uniqueKeyPrefix();
	const indexOf = (key: string) => Number(key.slice(prefix.length));
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const properties = mappedObjectProperties(this, items[itemIndex], itemIndex, definitions);
		if (Object.keys(properties).length === 0) {
			outcomes.push(
				failedItem(
					this,
					items,
					itemIndex,
					`Field 'columns': no property to write; no input field is named like a writable ${objectType} property`,
					{ field: 'columns' },
				),
			);
			continue;
		}
		rows.push({ key: `${prefix}${itemIndex}`, input: properties });
	}

	const send = async (combined: typeof rows) =>
		await writeHubSpotBatches(api, combined, {
			batchSize: settings.batchSize,
			concurrency: settings.concurrency,
			send: async (batch) =>
				await api.request({
					method: 'POST',
					path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/create`,
					body: {
						inputs: batch.map((row) => ({ properties: row.input, objectWriteTraceId: row.key })),
					},
					// After a 5xx, a timeout or a lost connection the create may have been applied: sent once.
					idempotent: false,
				}),
		});
	const written =
		rows.length === 0
			? new Map<string, RowResult<JsonObject>>()
			: await coalesce(
					`create|${api.limiterKey}|${objectType}|${settings.batchSize}|${settings.concurrency}`,
					rows,
					{ lingerMs: combineWindowMs(this), maxRows: settings.batchSize, flush: send },
				);
	const created = rows.map((row) => ({ key: row.key, itemIndex: indexOf(row.key) }));
	return [...outcomes, ...createdItems(this, items, created, written)];
}
