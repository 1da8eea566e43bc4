import type {
	FieldType,
	ILoadOptionsFunctions,
	ResourceMapperField,
	ResourceMapperFields,
} from 'n8n-workflow';

import type { PropertyDefinition } from '../helpers/properties';
import { getPropertyDefinitions, isWritable } from '../helpers/properties';
import { HubSpotApi } from '../transport';

function fieldType(definition: PropertyDefinition): FieldType {
	switch (definition.type) {
		case 'number':
			return 'number';
		case 'bool':
			return 'boolean';
		// Dates stay strings: n8n would turn a dateTime field into a zoned DateTime and may shift the day.
		case 'enumeration':
			return definition.fieldType === 'checkbox' ? 'string' : 'options';
		default:
			return 'string';
	}
}

export function toMapperFields(
	definitions: PropertyDefinition[],
	required: string[] = [],
): ResourceMapperField[] {
	return definitions
		.filter(isWritable)
		.map((d) => {
			const type = fieldType(d);
			const field: ResourceMapperField = {
				id: d.name,
				displayName: `${d.label} (${d.name})`,
				required: required.includes(d.name),
				defaultMatch: required.includes(d.name),
				display: true,
				type,
				canBeUsedToMatch: false,
			};
			if (type === 'options')
				field.options = (d.options ?? []).map((o) => ({
					name: o.label,
					value: o.value,
				}));
			return field;
		})
		.sort(
			(a, b) =>
				Number(b.required) - Number(a.required) || a.displayName.localeCompare(b.displayName),
		);
}

/** The account's writable contact properties, email first. */
export async function getContactColumns(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	const api = await HubSpotApi.fromContext(this);
	try {
		return {
			fields: toMapperFields(await getPropertyDefinitions(api, 'contacts', { fresh: true }), [
				'email',
			]),
		};
	} catch (error) {
		throw api.toNodeError(error);
	}
}
