import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { PropertyDefinition } from './properties';
import { isWritable, toHubSpotValue } from './properties';

/** HubSpot's standard CRM objects, by the name the v3 objects API takes in its path. */
export const STANDARD_OBJECT_TYPES: Array<{ name: string; value: string; typeId: string }> = [
	{ name: 'Calls', value: 'calls', typeId: '0-48' },
	{ name: 'Companies', value: 'companies', typeId: '0-2' },
	{ name: 'Contacts', value: 'contacts', typeId: '0-1' },
	{ name: 'Deals', value: 'deals', typeId: '0-3' },
	{ name: 'Emails', value: 'emails', typeId: '0-49' },
	{ name: 'Line Items', value: 'line_items', typeId: '0-8' },
	{ name: 'Meetings', value: 'meetings', typeId: '0-47' },
	{ name: 'Notes', value: 'notes', typeId: '0-46' },
	{ name: 'Products', value: 'products', typeId: '0-7' },
	{ name: 'Quotes', value: 'quotes', typeId: '0-14' },
	{ name: 'Tasks', value: 'tasks', typeId: '0-27' },
	{ name: 'Tickets', value: 'tickets', typeId: '0-5' },
];

/** Property definitions as HubSpot returns them, with the uniqueness flag the upsert id needs. */
export type ObjectPropertyDefinition = PropertyDefinition & { hasUniqueValue?: boolean };

/** HubSpot record IDs (hs_object_id) are numeric. */
export const RECORD_ID = /^\d+$/;

export const OBJECT_TYPE = /^[A-Za-z0-9_-]+$/;

/**
 * An object-type parameter, checked: a standard name (`contacts`), an objectTypeId (`0-1`, `2-12345`)
 * or a custom object's fully qualified name (`p12345_pets`). Read once, for the first item.
 */
export function readObjectType(ctx: IExecuteFunctions, parameter = 'objectType'): string {
	const raw = ctx.getNodeParameter(parameter, 0, '') as unknown;
	const value = String(raw ?? '').trim();
	if (value === '') {
		throw new NodeOperationError(
			ctx.getNode(),
			`Field '${parameter}': missing; choose an object type or enter its ID (for example 2-12345)`,
		);
	}
	if (!OBJECT_TYPE.test(value)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Field '${parameter}': "${value}" is not a HubSpot object type name or ID (for example deals, 0-3 or 2-12345)`,
		);
	}
	return value;
}

/** A record-ID parameter of one item, as a string; undefined when empty. */
export function readRecordId(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const text = String(value).trim();
	return text === '' ? undefined : text;
}

/** An input field sent under a property's name (Contact › Upsert's Field Aliases). */
export interface FieldAlias {
	inputField: string;
	property: string;
}

/**
 * The HubSpot properties one item maps to, as HubSpot strings. Automatic mapping takes the input
 * fields named like a writable property of the object type (or aliased to one) and ignores the rest.
 */
export function mappedObjectProperties(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	definitions: Map<string, PropertyDefinition>,
	aliases: FieldAlias[] = [],
): Record<string, string> {
	const mode = ctx.getNodeParameter('columns.mappingMode', itemIndex) as string;
	let source: IDataObject =
		mode === 'autoMapInputData'
			? item.json
			: ((ctx.getNodeParameter('columns.value', itemIndex, {}) as IDataObject | null) ?? {});
	if (aliases.length > 0) {
		source = { ...source };
		// An input field already named like the property wins over its alias.
		for (const { inputField, property } of aliases)
			if (source[property] === undefined && item.json[inputField] !== undefined)
				source[property] = item.json[inputField];
	}
	const out: Record<string, string> = {};
	for (const [field, value] of Object.entries(source)) {
		const definition = definitions.get(field);
		if (mode === 'autoMapInputData' && (definition === undefined || !isWritable(definition))) {
			continue;
		}
		const converted = toHubSpotValue(value, definition);
		if (converted !== undefined) out[field] = converted;
	}
	return out;
}
