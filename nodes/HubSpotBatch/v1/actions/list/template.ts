/**
 * List › By Name Template: a list name with `{field}` placeholders filled from the item by the node,
 * so a per-event list needs no expression per item. `{event_date:date}` keeps the calendar day
 * (YYYY-MM-DD) of a date or date-time; `{event.name}` reads a nested field.
 */
import type { IDataObject } from 'n8n-workflow';

export const DEFAULT_LIST_TEMPLATE = 'Event Registrations - {event_name} - {event_date:date}';

const PLACEHOLDER = /\{([^{}]*)\}/g;
const FORMATS = new Set(['', 'date']);

interface Placeholder {
	field: string;
	format: string;
}

/** The template's placeholders, or why it cannot be used (an empty or unknown placeholder). */
export function parseTemplate(template: string): Placeholder[] | string {
	const found: Placeholder[] = [];
	for (const match of template.matchAll(PLACEHOLDER)) {
		const [field, format = ''] = match[1].split(':').map((part) => part.trim());
		if (field === '') return `"${match[0]}" names no input field`;
		if (!FORMATS.has(format))
			return `"${match[0]}": unknown format "${format}" (only {${field}:date} is known)`;
		found.push({ field, format });
	}
	return found;
}

function fieldValue(json: IDataObject, path: string): unknown {
	if (path in json) return json[path];
	let value: unknown = json;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as IDataObject)[key];
	}
	return value;
}

/** The calendar day as written (`2025-12-15T18:00:00-05:00` → `2025-12-15`), else the UTC day. */
function calendarDay(text: string): string | undefined {
	const written = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(text);
	if (written) return written[1];
	const time = /^\d{12,}$/.test(text) ? Number(text) : Date.parse(text);
	return Number.isNaN(time) ? undefined : new Date(time).toISOString().slice(0, 10);
}

/** The list name for one item, or the field that left it incomplete. */
export function fillTemplate(
	template: string,
	json: IDataObject,
): { ok: true; name: string } | { ok: false; field: string; reason: string } {
	let failure: { field: string; reason: string } | undefined;
	const name = template.replace(PLACEHOLDER, (_whole, inner: string) => {
		const [field, format = ''] = inner.split(':').map((part) => part.trim());
		const raw = fieldValue(json, field);
		const text =
			raw === undefined || raw === null || typeof raw === 'object' ? '' : String(raw).trim();
		if (text === '') {
			failure ??= { field, reason: 'empty or missing, and the list name needs it' };
			return '';
		}
		if (format === 'date') {
			const day = calendarDay(text);
			if (day === undefined) failure ??= { field, reason: `"${text.slice(0, 64)}" is not a date` };
			return day ?? '';
		}
		return text;
	});
	return failure ? { ok: false, ...failure } : { ok: true, name: name.trim() };
}
