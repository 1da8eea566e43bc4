import type {
	FieldType,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	JsonObject,
	ResourceMapperField,
} from 'n8n-workflow';

import type { TableField, TableSchema } from '../transport';
import { COMPUTED_FIELD_TYPES } from '../transport';
import { matchField } from './names';

export const isWritable = (field: TableField) => !COMPUTED_FIELD_TYPES.includes(field.type);

const NUMBER_TYPES = ['number', 'currency', 'percent', 'duration', 'rating'];
const RECORD_ID = /^rec[A-Za-z0-9]{3,}$/;

function mapperType(field: TableField): FieldType {
	if (NUMBER_TYPES.includes(field.type)) return 'number';
	if (field.type === 'checkbox') return 'boolean';
	if (field.type === 'date' || field.type === 'dateTime') return 'dateTime';
	if (field.type === 'singleSelect') return 'options';
	if (field.type === 'multipleRecordLinks' || field.type === 'multipleSelects') return 'array';
	return 'string';
}

/** Resource-mapper columns: the table's writable fields. */
export function toMapperFields(table: TableSchema, required: string[] = []): ResourceMapperField[] {
	return table.fields.filter(isWritable).map((field) => {
		const choices = (field.options?.choices ?? []) as Array<{ name: string }>;
		return {
			id: field.name,
			displayName: field.name,
			required: required.includes(field.name),
			defaultMatch: false,
			display: true,
			type: mapperType(field),
			...(field.type === 'singleSelect'
				? { options: choices.map((c) => ({ name: c.name, value: c.name })) }
				: {}),
		};
	});
}

/**
 * One input value as Airtable expects it: numeric text for number fields becomes a number,
 * 'true'/'false' for checkboxes a boolean, a record ID for a link field a one-element array, and
 * an empty string for a non-text field null. Returns undefined to leave the field out.
 */
export function toAirtableValue(value: unknown, field: TableField): unknown {
	if (value === undefined) return undefined;
	if (value === '' && field.type !== 'singleLineText' && field.type !== 'multilineText')
		return null;
	if (NUMBER_TYPES.includes(field.type) && typeof value === 'string') {
		const n = Number(value.trim());
		return value.trim() !== '' && Number.isFinite(n) ? n : value;
	}
	if (field.type === 'checkbox' && typeof value === 'string') {
		if (/^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
	}
	if (field.type === 'multipleRecordLinks' && typeof value === 'string') return [value];
	return value;
}

/** A link field is auto-mapped only when it holds record IDs (an input event_id from Luma does not). */
function holdsRecordIds(value: unknown): boolean {
	if (typeof value === 'string') return RECORD_ID.test(value);
	return (
		Array.isArray(value) &&
		value.length > 0 &&
		value.every((v) => typeof v === 'string' && RECORD_ID.test(v))
	);
}

/**
 * The fields to write for one item. Automatic mapping takes every input field named like a writable
 * field of the table (link fields only when they hold record IDs); manual mapping takes the
 * mapper's values. `loose` (version 2): an input field also matches a field whose name differs
 * only in case, spaces or underscores (first_name → First Name), and is written under the table's name.
 */
export function mappedFields(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	table: TableSchema,
	loose = false,
): JsonObject {
	const mode = ctx.getNodeParameter('columns.mappingMode', itemIndex) as string;
	const auto = mode === 'autoMapInputData';
	const source: IDataObject = auto
		? item.json
		: ((ctx.getNodeParameter('columns.value', itemIndex, {}) as IDataObject | null) ?? {});
	const byName = new Map(table.fields.map((f) => [f.name, f]));
	const out: JsonObject = {};
	for (const [name, value] of Object.entries(source)) {
		const field = byName.get(name) ?? (loose ? matchField(table.fields, name) : undefined);
		if (field === undefined) {
			// Manual mapping: let Airtable name the unknown field (UNKNOWN_FIELD_NAME).
			if (!auto && value !== undefined) out[name] = value as JsonObject[string];
			continue;
		}
		if (
			auto &&
			(!isWritable(field) || (field.type === 'multipleRecordLinks' && !holdsRecordIds(value)))
		) {
			continue;
		}
		const converted = toAirtableValue(value, field);
		// An exact name wins over a loose match of another input field.
		if (converted !== undefined && (field.name === name || !(field.name in out)))
			out[field.name] = converted as JsonObject[string];
	}
	return out;
}
