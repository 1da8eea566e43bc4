/**
 * HighLevel tags: the workflow "Webhook" action sends a contact's tags as one comma-separated string
 * ("vip, webinar-no-show"); n8n expressions may hand over an array instead. HighLevel stores tags
 * trimmed and lowercased, so comparisons use that form.
 */

/** The comparable form of a tag: trimmed and lowercased, as HighLevel stores it. */
export function normalizeTag(tag: string): string {
	return tag.trim().toLowerCase();
}

function pieces(value: unknown): string[] | undefined {
	if (value === undefined || value === null) return undefined;
	if (Array.isArray(value)) return value.flatMap((v) => pieces(v) ?? []);
	if (typeof value === 'string') {
		const text = value.trim();
		// An array that went through a string field: '["a","b"]'.
		if (text.startsWith('[') && text.endsWith(']')) {
			try {
				const parsed: unknown = JSON.parse(text);
				if (Array.isArray(parsed)) return pieces(parsed);
			} catch {
				// Not JSON: a tag list that happens to start with "[".
			}
		}
		return text.split(',');
	}
	if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
	return undefined;
}

/**
 * Tags as given (trimmed, empties and case-insensitive repeats dropped, first spelling kept), or
 * `undefined` when the value says nothing about the tags (missing, null, an object).
 */
export function parseTagList(value: unknown): string[] | undefined {
	const raw = pieces(value);
	if (raw === undefined) return undefined;
	const seen = new Set<string>();
	const out: string[] = [];
	for (const piece of raw) {
		const tag = piece.trim();
		const key = normalizeTag(tag);
		if (key === '' || seen.has(key)) continue;
		seen.add(key);
		out.push(tag);
	}
	return out;
}

/** The set of normalized tags, or `undefined` when unknown (so no call may be skipped). */
export function tagSet(value: unknown): Set<string> | undefined {
	const list = parseTagList(value);
	return list === undefined ? undefined : new Set(list.map(normalizeTag));
}
