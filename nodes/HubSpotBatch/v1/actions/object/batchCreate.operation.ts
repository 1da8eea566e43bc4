import type {
	IDataObject,
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
import type { PropertyDefinition } from '../../helpers/properties';
import { getPropertyDefinitions, isWritable, toHubSpotValue } from '../../helpers/properties';
import { HubSpotApi } from '../../transport';
import {
	batchOptions,
	batchSettings,
	combineOption,
	combineWindowMs,
} from '../common.descriptions';
import { fillTemplate } from './inputFields';

const show = { resource: ['object'], operation: ['batchCreate'] };

/** Properties composed from the item's fields without an expression per item. */
export const propertyTemplatesOption: INodeProperties = {
	displayName: 'Property Templates',
	name: 'propertyTemplates',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Property',
	default: {},
	description:
		"Properties built from each item without an expression: {field} in the text is replaced by that field of the item (a dot path reaches into objects). A template that is only {field} sends the field's value. An item without a value for a placeholder is refused, naming the field. A template wins over a mapped field of the same name.",
	options: [
		{
			displayName: 'Property',
			name: 'template',
			values: [
				{
					displayName: 'Property Name or ID',
					name: 'property',
					type: 'options',
					typeOptions: {
						loadOptionsMethod: 'getObjectPropertyOptions',
						loadOptionsDependsOn: ['objectType'],
					},
					default: '',
					description:
						'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
				},
				{
					displayName: 'Template',
					name: 'text',
					type: 'string',
					default: '',
					placeholder: 'Booking: {exam_name} on {exam_date}',
					description: 'The value, with {field} placeholders filled from the item',
				},
			],
		},
	],
};

/** Where a created item's new ID goes: hubspot_id, as later steps expect by default, or a name of your own. */
export const idFieldOption: INodeProperties = {
	displayName: 'Output ID Field',
	name: 'idField',
	type: 'string',
	default: 'hubspot_id',
	placeholder: 'booking_id',
	description:
		"Field of each created item that gets the new record's ID. Later HubSpot Batch steps read hubspot_id by default; a webhook can answer with a name of its own (booking_id) without a Rename Keys step.",
};

/** The Property Templates option, checked against the object type's writable properties. */
function readTemplates(
	ctx: IExecuteFunctions,
	objectType: string,
	definitions: Map<string, PropertyDefinition>,
): Array<{ property: string; text: string }> {
	const raw = ctx.getNodeParameter('options.propertyTemplates.template', 0, []) as Array<{
		property?: unknown;
		text?: unknown;
	}>;
	return raw.map(({ property, text }) => {
		const name = String(property ?? '').trim();
		const definition = definitions.get(name);
		if (definition === undefined || !isWritable(definition)) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Field 'propertyTemplates': ${objectType} has no writable property "${name}"`,
			);
		}
		return { property: name, text: String(text ?? '') };
	});
}

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
		options: [...batchOptions, combineOption, idFieldOption, propertyTemplatesOption],
	},
];

/** Fills the templates into `properties`; the first placeholder without a value, if any. */
function applyTemplates(
	properties: Record<string, string>,
	templates: Array<{ property: string; text: string }>,
	json: IDataObject,
	definitions: Map<string, PropertyDefinition>,
): { field: string; property: string } | undefined {
	for (const { property, text } of templates) {
		const filled = fillTemplate(text, json);
		if ('missing' in filled) return { field: filled.missing, property };
		const value = toHubSpotValue(filled.value, definitions.get(property));
		if (value === undefined) delete properties[property];
		else properties[property] = value;
	}
	return undefined;
}

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
	const templates = readTemplates(this, objectType, definitions);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const properties = mappedObjectProperties(this, items[itemIndex], itemIndex, definitions);
		const missing = applyTemplates(properties, templates, items[itemIndex].json, definitions);
		if (missing !== undefined) {
			outcomes.push(
				failedItem(
					this,
					items,
					itemIndex,
					`Field '${missing.field}': missing; the template of property ${missing.property} needs a value`,
					{ field: missing.field },
				),
			);
			continue;
		}
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
	const idField = String(this.getNodeParameter('options.idField', 0, 'hubspot_id') ?? '').trim();
	const results = createdItems(this, items, created, written);
	if (idField !== '' && idField !== 'hubspot_id') {
		for (const outcome of results) {
			if (outcome.error !== undefined) continue;
			const { hubspot_id: id, ...rest } = outcome.json;
			outcome.json = { ...rest, [idField]: id };
		}
	}
	return [...outcomes, ...results];
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
