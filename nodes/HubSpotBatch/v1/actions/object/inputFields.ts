/**
 * Values read from an input item by field name, and `{field}` templates filled from it. They let a
 * flow name its fields as plain text instead of writing `{{ $json.x }}` expressions: n8n then builds
 * no expression isolate for the execution, which is most of what a webhook execution costs.
 */
import type { IDataObject } from 'n8n-workflow';

/**
 * The value at `path` in an item's JSON: the field of that exact name first (names may hold dots),
 * else a dot path into objects and arrays (`body.contact_id`, `emails.0`).
 */
export function readInputField(json: IDataObject, path: string): unknown {
	const name = path.trim();
	if (name === '') return undefined;
	if (Object.prototype.hasOwnProperty.call(json, name)) return json[name];
	let value: unknown = json;
	for (const part of name.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

/** The last part of a field path, the name errors and outputs use for it (`body.contact_id` → `contact_id`). */
export function fieldLabel(path: string): string {
	const parts = path.trim().split('.');
	return parts[parts.length - 1];
}

/** A value as text for a template; undefined when it is missing or empty. */
export function asText(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (value instanceof Date) return value.toISOString();
	const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
	return text.trim() === '' ? undefined : text;
}

/** `{field}` or `{field:date}`: a field name or dot path between braces, no braces or line breaks inside. */
const PLACEHOLDER = /\{([^{}\r\n]+)\}/g;

/** A placeholder's field and format: `{event_date:date}` is the calendar day of the field's value. */
function placeholder(raw: string): { field: string; date: boolean } {
	const text = raw.trim();
	const date = /^(.+?)\s*:\s*date$/.exec(text);
	return date ? { field: date[1], date: true } : { field: text, date: false };
}

/**
 * The calendar day of an ISO date or date-time as written (`2025-12-15T18:00:00-05:00` → `2025-12-15`),
 * or the UTC day of epoch milliseconds or a Date. Other text is no date (JavaScript's lenient parser
 * would read "Exam 3" as a day in 2001).
 */
export function calendarDayOf(value: unknown): string | undefined {
	if (value instanceof Date)
		return Number.isNaN(value.getTime()) ? undefined : value.toISOString().slice(0, 10);
	const text = asText(value)?.trim();
	if (text === undefined) return undefined;
	const written = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(text);
	if (written) return written[1];
	if (!/^\d{12,}$/.test(text)) return undefined;
	const day = new Date(Number(text));
	return Number.isNaN(day.getTime()) ? undefined : day.toISOString().slice(0, 10);
}

/** The field paths a template names, in order, each once. */
export function templateFields(template: string): string[] {
	return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => placeholder(m[1]).field))];
}

/**
 * A template with each `{field}` replaced by the item's value (`{field:date}`: its calendar day). A
 * template that is one placeholder alone gives the value itself (a number stays a number). A
 * placeholder whose field is missing or empty (or no date, for `:date`) makes the result
 * `{ missing: <field> }`: the caller refuses the item rather than send text with a hole in it.
 */
export function fillTemplate(
	template: string,
	json: IDataObject,
): { value: unknown } | { missing: string } {
	const valueOf = (raw: string): { value: unknown; text?: string; field: string } => {
		const { field, date } = placeholder(raw);
		const value = readInputField(json, field);
		const text = date ? calendarDayOf(value) : asText(value);
		return { value: date ? text : value, text, field };
	};
	const whole = /^\{([^{}\r\n]+)\}$/.exec(template.trim());
	if (whole) {
		const { value, text, field } = valueOf(whole[1]);
		return text === undefined ? { missing: field } : { value };
	}
	let missing: string | undefined;
	const text = template.replace(PLACEHOLDER, (_, raw: string) => {
		const { text: filled, field } = valueOf(raw);
		if (filled === undefined) missing ??= field;
		return filled ?? '';
	});
	return missing === undefined ? { value: text } : { missing };
}

/** An ISO 8601 date or date-time, epoch milliseconds or a Date as an ISO instant; undefined otherwise. */
export function toInstant(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (value instanceof Date) value = value.getTime();
	const text = String(value).trim();
	let ms = Number.NaN;
	if (/^-?\d+$/.test(text)) ms = Number(text);
	else if (/^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(text)) ms = Date.parse(text);
	return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
