/**
 * How the registry's default names meet a base's own (version 2). The node speaks the default
 * schema's names (event_name, sync_status, …); a base may spell them its own way ("Event Name",
 * "Sync Status"). A name matches a field of the same name, else the one field whose name is equal
 * ignoring case, spaces, underscores and dashes. Select values match the field's choices the same way
 * and are written with the table's spelling. A field the user picked for a default name (Options ›
 * Field Names) is taken instead of the match. Version 1 uses the names as they are.
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
	/** The field name the user picked for a default name, if any. */
	chosen(defaultName: string): string | undefined;
	/** The default names the user picked a field for. */
	readonly chosenFor: string[];
}

/** The fields the node itself writes or reads, by default name; version 2 lets the user pick each. */
export const OWN_FIELDS = {
	events: [
		'event_name',
		'event_date',
		'event_type',
		'event_tier',
		'host',
		'utm_source',
		'utm_medium',
		'status',
		'luma_event_id',
		'utm_campaign',
	],
	registrations: ['dedupe_key', 'event_id', 'sync_status', 'sync_error', 'hubspot_contact_id'],
} as const;

const isOwnField = (name: string) =>
	[...OWN_FIELDS.events, ...OWN_FIELDS.registrations].some((own) => own === name);

/** Default name → the table field the user picked for it (its name, or its ID by expression). */
export type ChosenNames = Record<string, string>;

/** Version 1: the default names as they are. */
export const exactNames: FieldNames = {
	name: (defaultName) => defaultName,
	field: () => undefined,
	chosen: () => undefined,
	chosenFor: [],
};

/** The field named `name`, else the only field whose normalized name is the same. */
export function matchField(fields: TableField[], name: string): TableField | undefined {
	const exact = fields.find((f) => f.name === name);
	if (exact !== undefined) return exact;
	const loose = fields.filter((f) => sameName(f.name, name));
	return loose.length === 1 ? loose[0] : undefined;
}

export function schemaNames(table: TableSchema, chosen: ChosenNames = {}): FieldNames {
	const picked = (defaultName: string) => {
		const name = chosen[defaultName]?.trim();
		return name ? name : undefined;
	};
	const field = (defaultName: string) => {
		const name = picked(defaultName);
		if (name === undefined) return matchField(table.fields, defaultName);
		return table.fields.find((f) => f.id === name) ?? matchField(table.fields, name);
	};
	return {
		// A picked name the table lacks stays as picked, so the error names what the user chose.
		name: (defaultName) => field(defaultName)?.name ?? picked(defaultName) ?? defaultName,
		field,
		chosen: picked,
		chosenFor: Object.keys(chosen).filter((defaultName) => picked(defaultName) !== undefined),
	};
}

/**
 * Version 2: why the table cannot serve `required` (default names, or names the user typed) or a
 * field the user picked, worded for the user; undefined when it has each. Checked before anything
 * is written, so a base that names a needed field otherwise gets no half-filled records.
 */
export function lackingField(
	table: TableSchema,
	names: FieldNames,
	required: string[],
): string | undefined {
	for (const defaultName of new Set([...required, ...names.chosenFor])) {
		if (names.field(defaultName) !== undefined) continue;
		const chosen = names.chosen(defaultName);
		if (chosen !== undefined)
			return `The ${table.name} table has no field "${chosen}", picked for ${defaultName} under Options › Field Names`;
		const lacking = `The ${table.name} table has no field ${defaultName} (nor one spelled alike, ignoring case, spaces, _ and -)`;
		return isOwnField(defaultName)
			? `${lacking}: pick the field that holds ${defaultName} under Options › Field Names`
			: lacking;
	}
	return undefined;
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
