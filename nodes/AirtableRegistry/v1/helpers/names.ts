/**
 * How the registry's default names meet a base's own (version 2). The node speaks the default
 * schema's names (event_name, sync_status, …); a base may spell them its own way ("Event Name",
 * "Sync Status"). A name matches a field of the same name, else the one field whose name is equal
 * ignoring case, spaces, underscores and dashes. Select values match the field's choices the same way
 * and are written with the table's spelling. Version 1 uses the names as they are.
 */
import type { JsonObject } from 'n8n-workflow';

import type { TableField, TableSchema } from '../transport';

/** `Event Name`, `event_name` and `event-name` are one name. */
export const normalizedName = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');

export const sameName = (a: string, b: string): boolean => normalizedName(a) === normalizedName(b);

export interface FieldNames {
	/** The table's name for a default field name (the default name when the table has none). */
	name(defaultName: string): string;
	/** The table's field for a default name; undefined without a schema or a match. */
	field(defaultName: string): TableField | undefined;
}

/** Version 1: the default names as they are. */
export const exactNames: FieldNames = {
	name: (defaultName) => defaultName,
	field: () => undefined,
};

/** The field named `name`, else the only field whose normalized name is the same. */
export function matchField(fields: TableField[], name: string): TableField | undefined {
	const exact = fields.find((f) => f.name === name);
	if (exact !== undefined) return exact;
	const loose = fields.filter((f) => sameName(f.name, name));
	return loose.length === 1 ? loose[0] : undefined;
}

export function schemaNames(table: TableSchema): FieldNames {
	return {
		name: (defaultName) => matchField(table.fields, defaultName)?.name ?? defaultName,
		field: (defaultName) => matchField(table.fields, defaultName),
	};
}

/**
 * Version 2: the fields the table has; the others (an optional field the base does not keep, such
 * as event_tier) are left out and named in `missing`, so a base without them still takes the record.
 * `always` are sent regardless: Airtable names them if the table lacks them.
 */
export function fieldsInTable(
	table: TableSchema,
	fields: JsonObject,
	always: string[] = [],
): { fields: JsonObject; missing: string[] } {
	const out: JsonObject = {};
	const missing: string[] = [];
	for (const [name, value] of Object.entries(fields)) {
		if (always.includes(name) || table.fields.some((f) => f.name === name)) out[name] = value;
		else missing.push(name);
	}
	return { fields: out, missing };
}

/** A select field's choices, as the meta API lists them. */
export const choicesOf = (field: TableField): string[] =>
	((field.options?.choices ?? []) as Array<{ name?: string }>)
		.map((c) => String(c.name ?? ''))
		.filter((name) => name !== '');

const SELECT_TYPES = ['singleSelect', 'multipleSelects'];

/**
 * What to do with a select value that is none of the field's choices:
 * - `error`: the item goes to the error output, naming the field and the choices;
 * - `leaveEmpty`: the field is left out (the record keeps or takes the field's default), and the
 *   item lists it in `skipped_choices`;
 * - `addChoice`: sent with typecast, so Airtable adds the choice to the field.
 */
export type UnknownChoice = 'error' | 'leaveEmpty' | 'addChoice';

export interface ChoiceCheck {
	fields: JsonObject;
	/** Field → the value left out (`leaveEmpty`). */
	skipped: JsonObject;
	/** Some value is to be added as a new choice: the request needs typecast. */
	typecast: boolean;
	/** The first value refused (`error`). */
	refused?: { field: string; message: string };
}

/**
 * The fields with every select value in the table's spelling of its choice; values that are no
 * choice at all handled by `rule`. Fields that are not selects pass unchanged.
 */
export function checkChoices(
	table: TableSchema,
	fields: JsonObject,
	rule: UnknownChoice,
): ChoiceCheck {
	const out: JsonObject = {};
	const skipped: JsonObject = {};
	let typecast = false;
	for (const [name, value] of Object.entries(fields)) {
		const field = table.fields.find((f) => f.name === name);
		if (field === undefined || !SELECT_TYPES.includes(field.type) || value === null) {
			out[name] = value;
			continue;
		}
		const choices = choicesOf(field);
		const pick = (v: unknown): string | undefined => {
			const text = String(v ?? '');
			return choices.find((c) => c === text) ?? choices.find((c) => sameName(c, text));
		};
		const values = Array.isArray(value) ? value : [value];
		const unknown = values.filter((v) => pick(v) === undefined && String(v ?? '') !== '');
		const matched = values.map((v) => pick(v)).filter((v): v is string => v !== undefined);
		if (unknown.length === 0) {
			if (matched.length > 0 || values.length === 0)
				out[name] = Array.isArray(value) ? matched : (matched[0] ?? null);
			else out[name] = null;
			continue;
		}
		if (rule === 'addChoice') {
			out[name] = value;
			typecast = true;
		} else if (rule === 'leaveEmpty') {
			skipped[name] = value;
			if (Array.isArray(value) && matched.length > 0) out[name] = matched;
		} else {
			return {
				fields: out,
				skipped,
				typecast,
				refused: {
					field: name,
					message: `Field '${name}': "${String(unknown[0])}" is not one of its choices (${choices.join(', ') || 'none'})`,
				},
			};
		}
	}
	return { fields: out, skipped, typecast };
}
