/**
 * List › By Name Template: a list name with `{field}` placeholders filled from the item by the node,
 * so a per-event list needs no expression per item. `{event_date:date}` keeps the calendar day
 * (YYYY-MM-DD) of a date or date-time; `{event.name}` reads a nested field.
 */
import type { IDataObject } from 'n8n-workflow';

import { calendarDayOf, readInputField } from '../object/inputFields';

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

/** The list name for one item, or the field that left it incomplete. */
export function fillTemplate(
	template: string,
	json: IDataObject,
): { ok: true; name: string } | { ok: false; field: string; reason: string } {
	let failure: { field: string; reason: string } | undefined;
	const name = template.replace(PLACEHOLDER, (_whole, inner: string) => {
		const [field, format = ''] = inner.split(':').map((part) => part.trim());
		const raw = readInputField(json, field);
		const text =
			raw === undefined || raw === null || typeof raw === 'object' ? '' : String(raw).trim();
		if (text === '') {
			failure ??= { field, reason: 'empty or missing, and the list name needs it' };
			return '';
		}
		if (format === 'date') {
			const day = calendarDayOf(text);
			if (day === undefined) failure ??= { field, reason: `"${text.slice(0, 64)}" is not a date` };
			return day ?? '';
		}
		return text;
	});
	return failure ? { ok: false, ...failure } : { ok: true, name: name.trim() };
}
