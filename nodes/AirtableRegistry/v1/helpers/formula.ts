/** A string literal for an Airtable formula: double-quoted, with `"` and `\` escaped. */
export function formulaString(value: string): string {
	return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `{field}` reference; field names with `}` cannot be referenced this way. */
export function fieldRef(name: string): string {
	if (name.includes('}')) throw new Error(`Field name "${name}" cannot be used in a formula`);
	return `{${name}}`;
}

/** The date part (YYYY-MM-DD, UTC, like Airtable's DATETIME_FORMAT) of an ISO date/time, or undefined. */
export function utcDay(value: unknown): string | undefined {
	if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
	const text = value instanceof Date ? value.toISOString() : value.trim();
	if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
	const time = Date.parse(text);
	return Number.isNaN(time) ? undefined : new Date(time).toISOString().slice(0, 10);
}

/**
 * The default Events table's utm_campaign formula, evaluated here the way Airtable does:
 * `"event_" & LOWER(SUBSTITUTE({event_name}, " ", "-")) & "_" & DATETIME_FORMAT({event_date}, 'YYYY-MM-DD')`.
 * Only spaces become dashes (punctuation stays), unlike Dedupe & Normalize's slug.
 */
export function defaultUtmCampaign(eventName: string, eventDate: unknown): string | undefined {
	const day = utcDay(eventDate);
	if (day === undefined) return undefined;
	return `event_${eventName.split(' ').join('-').toLowerCase()}_${day}`;
}
