/**
 * Load-options and resource-mapper methods of the Object, Association and Note resources. They read
 * the chosen `objectType` (loadOptionsDependsOn), so one list serves standard and custom objects.
 */
import type {
	ILoadOptionsFunctions,
	INodePropertyOptions,
	ResourceMapperFields,
} from 'n8n-workflow';

import type { ObjectPropertyDefinition } from '../helpers/objectTypes';
import { STANDARD_OBJECT_TYPES } from '../helpers/objectTypes';
import { getPropertyDefinitions } from '../helpers/properties';
import { AttemptError } from '../../../shared/transport/attempt';
import { HubSpotApi } from '../transport';
import { toMapperFields } from './resourceMapping';

interface SchemaSummary {
	objectTypeId?: string;
	name?: string;
	fullyQualifiedName?: string;
	archived?: boolean;
	labels?: { singular?: string; plural?: string };
}

function chosen(ctx: ILoadOptionsFunctions, parameter: string): string {
	const value = ctx.getNodeParameter(parameter, '') as unknown;
	return typeof value === 'string' ? value.trim() : '';
}

async function definitionsOf(
	ctx: ILoadOptionsFunctions,
	objectType: string,
): Promise<ObjectPropertyDefinition[]> {
	const api = await HubSpotApi.fromContext(ctx);
	try {
		return await getPropertyDefinitions(api, objectType, { fresh: true });
	} catch (error) {
		throw api.toNodeError(error);
	}
}

/**
 * HubSpot's standard objects, then the account's custom objects from `GET /crm/v3/schemas`. Without
 * the custom-object schema scope (403), or on a node with no HubSpot credential (HubSpot Queue's
 * Enqueue talks to Redis only), the standard list is still offered.
 */
export async function getObjectTypes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const standard: INodePropertyOptions[] = STANDARD_OBJECT_TYPES.map((t) => ({
		name: t.name,
		value: t.value,
		description: `Standard object (${t.typeId})`,
	}));
	if (this.getNode().credentials?.hubSpotBatchApi === undefined) return standard;
	const api = await HubSpotApi.fromContext(this);
	let schemas: SchemaSummary[] = [];
	try {
		const response = await api.request<{ results?: SchemaSummary[] }>({
			method: 'GET',
			path: '/crm/v3/schemas',
		});
		schemas = response.body?.results ?? [];
	} catch (error) {
		const scopeMissing =
			error instanceof AttemptError && (error.status === 403 || error.status === 404);
		if (!scopeMissing) throw api.toNodeError(error);
	}
	const custom: INodePropertyOptions[] = schemas
		.filter((s) => !s.archived && typeof s.objectTypeId === 'string')
		.map((s) => ({
			name: `${s.labels?.plural ?? s.name ?? s.objectTypeId} (Custom)`,
			value: s.objectTypeId as string,
			description: `Custom object ${s.fullyQualifiedName ?? s.name ?? ''} (${s.objectTypeId})`,
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
	return [...standard, ...custom];
}

/** Every property of the chosen object type (for the properties a read returns). */
export async function getObjectPropertyOptions(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const objectType = chosen(this, 'objectType');
	if (objectType === '') return [];
	return (await definitionsOf(this, objectType))
		.map((d) => ({ name: `${d.label} (${d.name})`, value: d.name, description: d.type }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Properties that can identify a record of the chosen type: those HubSpot marks `hasUniqueValue`,
 * email for contacts, and for reads the record ID.
 */
export async function getObjectIdPropertyOptions(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const objectType = chosen(this, 'objectType');
	if (objectType === '') return [];
	const operation = chosen(this, 'operation');
	const options: INodePropertyOptions[] = [];
	if (operation === 'batchRead') {
		options.push({
			name: 'Record ID (hs_object_id)',
			value: 'hs_object_id',
			description: "HubSpot's own ID; read from the input field hs_object_id or hubspot_id",
		});
	}
	const unique = (await definitionsOf(this, objectType))
		.filter((d) => d.hasUniqueValue === true || (objectType === 'contacts' && d.name === 'email'))
		.map((d) => ({
			name: `${d.label} (${d.name})`,
			value: d.name,
			description: d.name === 'email' ? 'Unique per contact' : 'Unique-value property',
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
	return [...options, ...unique];
}

/** The chosen object type's writable properties; for Batch Upsert the ID property comes first, required. */
export async function getObjectColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const objectType = chosen(this, 'objectType');
	if (objectType === '') return { fields: [] };
	const required: string[] = [];
	if (chosen(this, 'operation') === 'batchUpsert') {
		const idProperty = chosen(this, 'idProperty');
		if (idProperty !== '') required.push(idProperty);
	}
	return { fields: toMapperFields(await definitionsOf(this, objectType), required) };
}
