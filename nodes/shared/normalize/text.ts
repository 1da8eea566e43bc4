const WS_RUN = /\s+/g;
const NEEDS_COLLAPSE = /\s\s|[\t\n\r\f\v\u00a0]/;

/** Trim and collapse inner whitespace to single spaces, allocating only when there is something to collapse. */
export function collapseWhitespace(raw: string): string {
	const trimmed = raw.trim();
	return NEEDS_COLLAPSE.test(trimmed) ? trimmed.replace(WS_RUN, ' ') : trimmed;
}
