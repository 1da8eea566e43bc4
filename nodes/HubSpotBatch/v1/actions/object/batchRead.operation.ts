import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { normalizeEmail } from '../../../../shared/normalize/email';
import { AttemptError } from '../../../../shared/transport/attempt';
import type { WriteRow } from '../../helpers/batchWrite';
import { writeHubSpotBatches } from '../../helpers/batchWrite';
import type { ObjectPropertyDefinition } from '../../helpers/objectTypes';
import { readObjectType, readRecordId, RECORD_ID } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import { getPropertyDefinitions } from '../../helpers/properties';
import type { HubSpotApi } from '../../transport';
import { batchOptions, batchSettings } from '../common.descriptions';

const show = { resource: ['object'], operation: ['batchRead'] };

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
			'The property that identifies each record: the record ID, or a property with unique values (or email for contacts). Its value is read from the input field of the same name; for the record ID, from hs_object_id or else hubspot_id. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show },
	},
	{
		displayName: 'Property Names or IDs',
		name: 'properties',
		type: 'multiOptions',
		typeOptions: {
			loadOptionsMethod: 'getObjectPropertyOptions',
			loadOptionsDependsOn: ['objectType'],
		},
		default: [],
		description:
			'Properties to return under "properties" in each output item. Leave empty for HubSpot\'s default properties (when reading by a unique property: that property and the system ones). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
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

interface Lookup {
	id: string;
	itemIndexes: number[];
}

function selectedProperties(ctx: IExecuteFunctions): string[] {
	const raw = ctx.getNodeParameter('properties', 0, []) as unknown;
	const list = Array.isArray(raw) ? raw : String(raw ?? '').split(',');
	return list.map((p) => String(p).trim()).filter((p) => p !== '');
}

/** HubSpot reports ids it has no record for as one OBJECT_NOT_FOUND error listing them (207). */
function isNotFound(error: unknown, id: string, normalize: (v: string) => string): boolean {
	if (error instanceof AttemptError || typeof error !== 'object' || error === null) {
		return false;
	}
	const entry = error as JsonObject;
	if (entry.category !== 'OBJECT_NOT_FOUND') return false;
	const ids = (entry.context as JsonObject | undefined)?.ids;
	return !Array.isArray(ids) || ids.some((v) => normalize(String(v)) === id);
}

/**
 * Reads records by ID, 100 per call. A found record comes back as `status: found` with its
 * properties; an ID HubSpot has no record for is `status: not_found` on the main output, not an error.
 */
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
			"Field 'idProperty': missing; choose the record ID or a unique property to read by",
		);
	}
	const byRecordId = idProperty === 'hs_object_id';
	const byEmail = objectType === 'contacts' && idProperty === 'email';
	// Also checks that the object type exists before any batch goes out.
	const definitions = (await getPropertyDefinitions(api, objectType)) as ObjectPropertyDefinition[];
	if (!byRecordId) {
		const definition = definitions.find((d) => d.name === idProperty);
		if (definition === undefined || (!byEmail && definition.hasUniqueValue !== true)) {
			throw new NodeOperationError(
				this.getNode(),
				definition === undefined
					? `Field 'idProperty': "${idProperty}" is not a property of ${objectType} in this HubSpot account`
					: `Field 'idProperty': "${idProperty}" does not hold unique values in HubSpot, so ${objectType} cannot be read by it`,
			);
		}
	}
	const settings = batchSettings(this);
	const wanted = selectedProperties(this);
	const properties =
		wanted.length === 0 && byRecordId
			? []
			: [...new Set([...wanted, ...(byRecordId ? [] : [idProperty])])];
	// An email is looked up in the canonical form writes use (shared/normalize/email.ts).
	const normalize = (v: string) => {
		if (!byEmail) return v;
		const email = normalizeEmail(v);
		return email.ok ? email.value : v.toLowerCase();
	};

	const outcomes: RowOutcome[] = [];
	const lookups = new Map<string, Lookup>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const json = items[itemIndex].json;
		const field = byRecordId && (json.hs_object_id ?? null) === null ? 'hubspot_id' : idProperty;
		const value = json[field];
		const reject = (reason: string) =>
			outcomes.push(failedItem(this, items, itemIndex, `Field '${field}': ${reason}`, { field }));
		if (value !== undefined && value !== null && typeof value === 'object') {
			reject('is an object or a list, not an ID');
			continue;
		}
		const id = readRecordId(value);
		if (id === undefined) {
			reject(
				byRecordId
					? 'missing; records are read by their ID, taken from hs_object_id or hubspot_id'
					: `missing; ${objectType} are read by ${idProperty} (the ID Property), read from the input field of that name`,
			);
			continue;
		}
		if (byRecordId && !RECORD_ID.test(id)) {
			reject(`"${id}" is not a HubSpot record ID (digits only)`);
			continue;
		}
		const key = normalize(id);
		const lookup = lookups.get(key) ?? { id, itemIndexes: [] };
		lookup.itemIndexes.push(itemIndex);
		lookups.set(key, lookup);
	}

	// One row per distinct ID; the key is the normalized ID itself.
	const rows: Array<WriteRow<Lookup>> = [...lookups].map(([key, input]) => ({ key, input }));
	// Reads go through the batch core too: chunks, a fatal stop, results matched by ID.
	const read = await writeHubSpotBatches(api, rows, {
		batchSize: settings.batchSize,
		concurrency: settings.concurrency,
		send: async (batch) =>
			await api.request({
				method: 'POST',
				path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/read`,
				body: {
					...(byRecordId ? {} : { idProperty }),
					properties,
					// The key: the ID as given, or an email in its canonical form.
					inputs: batch.map((row) => ({ id: row.key })),
				},
			}),
		fallbackKey: (entry, batch) => {
			// Results carry the record; errors (not found) apply to every row left without a result.
			if (entry.id === undefined || entry.properties === undefined) return undefined;
			const props = entry.properties as JsonObject;
			const value = byRecordId ? entry.id : props[idProperty];
			if (value === undefined || value === null) return undefined;
			const key = normalize(String(value));
			return batch.some((row) => row.key === key) ? key : undefined;
		},
	});

	for (const [key, lookup] of lookups) {
		const result = read.get(key);
		for (const itemIndex of lookup.itemIndexes) {
			const input = items[itemIndex].json;
			if (result?.ok) {
				outcomes.push({
					itemIndex,
					json: {
						...input,
						hubspot_id: String(result.value.id),
						status: 'found',
						properties: (result.value.properties ?? {}) as IDataObject,
					},
				});
			} else if (result !== undefined && isNotFound(result.error, key, normalize)) {
				outcomes.push({ itemIndex, json: { ...input, hubspot_id: null, status: 'not_found' } });
			} else {
				outcomes.push(
					failedItem(this, items, itemIndex, result?.message ?? 'Not read', { field: idProperty }),
				);
			}
		}
	}
	return outcomes;
}
