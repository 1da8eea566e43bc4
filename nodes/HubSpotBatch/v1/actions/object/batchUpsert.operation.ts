import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { normalizeEmail } from '../../../../shared/normalize/email';
import type { WriteRow } from '../../helpers/batchWrite';
import { writeHubSpotBatches } from '../../helpers/batchWrite';
import type { ObjectPropertyDefinition } from '../../helpers/objectTypes';
import { mappedObjectProperties, readObjectType } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import { getPropertyDefinitions, toHubSpotValue } from '../../helpers/properties';
import type { HubSpotApi } from '../../transport';
import { batchOptions, batchSettings } from '../common.descriptions';

const show = { resource: ['object'], operation: ['batchUpsert'] };

export const description: INodeProperties[] = [
	{
		displayName: 'ID Property Name or ID',
		name: 'idProperty',
		type: 'options',
		typeOptions: {
			loadOptionsMethod: 'getObjectIdPropertyOptions',
			loadOptionsDependsOn: ['objectType'],
		},
		default: '',
		required: true,
		description:
			'The property that identifies a record. HubSpot upserts only by a property with unique values (or by email for contacts); its value is read from the input field of the same name. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show },
	},
	{
		displayName: 'Properties',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['objectType', 'idProperty'],
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
			'Properties to write. Automatic mapping sends every input field whose name is a writable property of the object type; the ID property is required.',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [...batchOptions],
	},
];

interface Group {
	key: string;
	id: string;
	itemIndexes: number[];
	properties: Record<string, string>;
}

/** Checks the chosen ID property against the account's definitions before anything is written. */
function checkIdProperty(
	ctx: IExecuteFunctions,
	objectType: string,
	idProperty: string,
	definition: ObjectPropertyDefinition | undefined,
): void {
	if (definition === undefined) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Field 'idProperty': "${idProperty}" is not a property of ${objectType} in this HubSpot account`,
		);
	}
	const byEmail = objectType === 'contacts' && idProperty === 'email';
	if (!byEmail && definition.hasUniqueValue !== true) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Field 'idProperty': "${idProperty}" does not hold unique values in HubSpot, so ${objectType} cannot be upserted by it`,
			{
				description:
					'Choose a property created with "unique values" (hasUniqueValue), or use Batch Create for new records.',
			},
		);
	}
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const objectType = readObjectType(this);
	const idProperty = String(this.getNodeParameter('idProperty', 0, '') ?? '').trim();
	if (idProperty === '') {
		throw new NodeOperationError(
			this.getNode(),
			"Field 'idProperty': missing; choose the unique property that identifies records",
		);
	}
	const settings = batchSettings(this);
	const definitionList = (await getPropertyDefinitions(
		api,
		objectType,
	)) as ObjectPropertyDefinition[];
	const definitions = new Map(definitionList.map((d) => [d.name, d]));
	const idDefinition = definitions.get(idProperty);
	checkIdProperty(this, objectType, idProperty, idDefinition);
	const byEmail = objectType === 'contacts' && idProperty === 'email';
	// HubSpot matches emails without regard to case; the shared rule decides which ones are valid.
	const normalize = (id: string) => {
		if (!byEmail) return id;
		const email = normalizeEmail(id);
		return email.ok ? email.value : undefined;
	};

	const outcomes: RowOutcome[] = [];
	const groups = new Map<string, Group>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const row = mappedObjectProperties(this, items[itemIndex], itemIndex, definitions);
		const raw = row[idProperty] ?? toHubSpotValue(items[itemIndex].json[idProperty], idDefinition);
		const reject = (reason: string) =>
			outcomes.push(
				failedItem(this, items, itemIndex, `Field '${idProperty}': ${reason}`, {
					field: idProperty,
				}),
			);
		if (raw === undefined) {
			reject(
				`missing; ${objectType} are upserted by ${idProperty} (the ID Property), read from the input field of that name`,
			);
			continue;
		}
		const id = normalize(raw);
		if (id === undefined) {
			reject(`"${raw}" is not a valid email address`);
			continue;
		}
		delete row[idProperty];
		let group = groups.get(id);
		if (group === undefined) {
			group = { key: String(groups.size), id, itemIndexes: [], properties: {} };
			groups.set(id, group);
		}
		// Rows with the same ID merge into one write; a later row's value wins.
		group.itemIndexes.push(itemIndex);
		Object.assign(group.properties, row);
	}

	const rows: Array<WriteRow<Group>> = [...groups.values()].map((g) => ({ key: g.key, input: g }));
	const written = await writeHubSpotBatches(api, rows, {
		batchSize: settings.batchSize,
		concurrency: settings.concurrency,
		send: async (batch) =>
			await api.request({
				method: 'POST',
				path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/upsert`,
				body: {
					inputs: batch.map((row) => ({
						id: row.input.id,
						idProperty,
						objectWriteTraceId: row.key,
						properties: row.input.properties,
					})),
				},
			}),
		fallbackKey: (entry, batch) => {
			const props = entry.properties as JsonObject | undefined;
			const ids = (entry.context as JsonObject | undefined)?.id;
			const value = props?.[idProperty] ?? (Array.isArray(ids) ? ids[0] : undefined);
			if (value === undefined || value === null) return undefined;
			const id = normalize(String(value));
			return batch.find((row) => row.input.id === id)?.key;
		},
	});

	for (const group of groups.values()) {
		const result = written.get(group.key);
		for (const itemIndex of group.itemIndexes) {
			if (result?.ok) {
				const record = result.value;
				outcomes.push({
					itemIndex,
					json: {
						...items[itemIndex].json,
						hubspot_id: String(record.id),
						status: record.new === true ? 'created' : 'updated',
					},
				});
				continue;
			}
			outcomes.push(
				failedItem(this, items, itemIndex, result?.message ?? 'Not written', {
					field: result?.field,
				}),
			);
		}
	}
	return outcomes;
}
