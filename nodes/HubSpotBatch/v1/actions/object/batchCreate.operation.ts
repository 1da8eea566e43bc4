import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	CancelledBeforeSendError,
	coalesce,
	uniqueKeyPrefix,
} from '../../../../shared/transport/coalescer';
import type { RowResult, WriteRow } from '../../helpers/batchWrite';
import { writeHubSpotBatches } from '../../helpers/batchWrite';
import { mappedObjectProperties, readObjectType } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { createdItems, failedItem } from '../../helpers/outcome';
import { getPropertyDefinitions } from '../../helpers/properties';
import { HubSpotApi } from '../../transport';
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

	const written =
		rows.length === 0
			? new Map<string, RowResult<JsonObject>>()
			: await sendCombined(this, api, objectType, settings, rows);
	const created = rows.map((row) => ({ key: row.key, itemIndex: indexOf(row.key) }));
	return [...outcomes, ...createdItems(this, items, created, written)];
}

/**
 * This execution's context without its cancel signal. n8n aborts an execution's requests when it
 * is stopped; a combined call also carries other executions' rows, so one Stop must not abort it.
 */
function detachedFromCancel(ctx: IExecuteFunctions): IExecuteFunctions {
	return Object.create(ctx, {
		getExecutionCancelSignal: { value: () => undefined },
	}) as IExecuteFunctions;
}

/**
 * Sends the rows, combined with other executions' rows when the option is on (shared/transport/
 * coalescer.ts): this execution gets its own rows' results; stopped while waiting, it sends nothing.
 */
async function sendCombined(
	ctx: IExecuteFunctions,
	api: HubSpotApi,
	objectType: string,
	settings: { batchSize: number; concurrency: number },
	rows: Array<WriteRow<Record<string, string>>>,
): Promise<Map<string, RowResult<JsonObject>>> {
	const lingerMs = combineWindowMs(ctx);
	const sender =
		lingerMs > 0
			? await HubSpotApi.fromContext(detachedFromCancel(ctx), api.retry, { redis: api.redis })
			: api;
	const flush = async (combined: typeof rows) =>
		await writeHubSpotBatches(sender, combined, {
			batchSize: settings.batchSize,
			concurrency: settings.concurrency,
			send: async (batch) =>
				await sender.request({
					method: 'POST',
					path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/create`,
					body: {
						inputs: batch.map((row) => ({ properties: row.input, objectWriteTraceId: row.key })),
					},
					// After a 5xx, a timeout or a lost connection the create may have been applied: sent once.
					idempotent: false,
				}),
		});
	const { maxRateLimitRetries, maxServerErrorTries, timeoutMs } = api.retry;
	// Only executions with the same account, object type and settings share a call.
	const group = [
		'create',
		api.limiterKey,
		objectType,
		settings.batchSize,
		settings.concurrency,
		maxRateLimitRetries,
		maxServerErrorTries,
		timeoutMs,
	].join('|');
	try {
		return await coalesce(group, rows, {
			lingerMs,
			maxRows: settings.batchSize,
			flush,
			signal: ctx.getExecutionCancelSignal(),
		});
	} catch (error) {
		throw error instanceof CancelledBeforeSendError
			? new NodeOperationError(ctx.getNode(), error.message)
			: api.toNodeError(error);
	}
}
