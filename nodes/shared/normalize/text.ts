const WS_RUN = /\s+/g;
const NEEDS_COLLAPSE = /\s\s|[\t\n\r\f\v\u00a0]/;

/** Trim and collapse inner whitespace to single spaces, allocating only when there is something to collapse. */
export function collapseWhitespace(raw: string): string {
	const trimmed = raw.trim();
	return NEEDS_COLLAPSE.test(trimmed) ? trimmed.replace(WS_RUN, ' ') : trimmed;
}

/** Missing, null, or text that is only whitespace. */
export const isBlank = (value: unknown): boolean =>
	value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** A value as it appears in a reason: quoted, long values cut to 60 characters. */
export function quoted(value: unknown): string {
	const text = String(typeof value === 'string' ? value : JSON.stringify(value));
	return `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
}
