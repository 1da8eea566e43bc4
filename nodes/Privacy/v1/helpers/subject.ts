/**
 * The person a request is about: the email, normalized once (the package's one email rule), its
 * hash for the audit row, and the two ways a stored value can hold it:
 * - as a value: a string that is the address (any case), at any depth of a JSON value;
 * - as a mention: the whole address inside longer text (an error message). "jane@x.com" is not
 *   mentioned by "mary.jane@x.com": the characters around it must not belong to an address.
 * Messages never carry the address; `redact()` takes it out of anything a vendor said.
 */
import { createHash } from 'node:crypto';

import { normalizeEmail } from '../../../shared/normalize/email';

export interface Subject {
	/** Trimmed, lower-cased, checked. */
	email: string;
	/** sha256 hex of `email`: what the audit row keeps instead of the address. */
	hash: string;
}

/** The subject for a raw Email parameter, or undefined when it is not an email address. */
export function subjectOf(raw: unknown): Subject | undefined {
	if (typeof raw !== 'string') return undefined;
	const normalized = normalizeEmail(raw);
	if (!normalized.ok) return undefined;
	const email = normalized.value;
	return { email, hash: createHash('sha256').update(email, 'utf8').digest('hex') };
}

/** The Redis key suffix this package's locks and claims use for a key that is the email alone. */
export function lockHashOf(email: string): string {
	return createHash('sha256').update(email, 'utf8').digest('hex').slice(0, 32);
}

// Characters that may stand next to an address without being part of it.
const LOCAL_CHAR = /[a-z0-9!#$%&'*+/=?^_`{|}~.-]/i;
const DOMAIN_CHAR = /[a-z0-9-]/i;

/** Offsets where `email` occurs in `text` as a whole address (any case). */
function wholeMentions(text: string, email: string): number[] {
	const lower = text.toLowerCase();
	const found: number[] = [];
	let from = 0;
	for (;;) {
		const at = lower.indexOf(email, from);
		if (at === -1) return found;
		const before = at === 0 ? '' : lower[at - 1];
		const end = at + email.length;
		const after = lower[end] ?? '';
		// A dot after the domain ends the address only when no label follows it ("x.com." ends a sentence).
		const continues =
			DOMAIN_CHAR.test(after) || (after === '.' && DOMAIN_CHAR.test(lower[end + 1] ?? ''));
		if (!(before !== '' && LOCAL_CHAR.test(before)) && !continues) found.push(at);
		from = at + 1;
	}
}

/** True when `text` holds the address as a whole (inside longer text or alone). */
export function mentions(text: string, email: string): boolean {
	return wholeMentions(text, email).length > 0;
}

export const ERASED = '[erased]';

/** `text` with every whole occurrence of the address replaced by `[erased]`. */
export function eraseMentions(text: string, email: string): string {
	const at = wholeMentions(text, email);
	if (at.length === 0) return text;
	let out = '';
	let last = 0;
	for (const start of at) {
		out += text.slice(last, start) + ERASED;
		last = start + email.length;
	}
	return out + text.slice(last);
}

/** A message safe to show and store: the address (also URL-encoded) replaced by `[subject]`. */
export function redact(message: string, email: string): string {
	let out = message;
	// The address as text, URL-encoded (%40, %2B…) and form-encoded (+ for spaces), compared lower-cased.
	const encoded = encodeURIComponent(email).toLowerCase();
	for (const form of new Set([email, encoded, encoded.replace(/%20/g, '+')])) {
		const lower = out.toLowerCase();
		let result = '';
		let last = 0;
		for (let at = lower.indexOf(form); at !== -1; at = lower.indexOf(form, at + form.length)) {
			result += `${out.slice(last, at)}[subject]`;
			last = at + form.length;
		}
		out = result + out.slice(last);
	}
	return out;
}

/** The string parsed as JSON when it looks like an object or array, else undefined. */
export function parsedJson(text: string): unknown {
	const first = text.trimStart()[0];
	if (first !== '{' && first !== '[') return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * True when `value` holds the address as a string value at any depth; a string that is itself JSON
 * (a queue payload kept as text inside a record) is looked into too. `visit` sees every object met.
 */
export function holdsEmail(
	value: unknown,
	email: string,
	visit?: (object: Record<string, unknown>) => boolean,
	depth = 0,
): boolean {
	if (depth > 64) return false;
	if (typeof value === 'string') {
		if (value.length === email.length || value.trim().length === email.length)
			if (value.trim().toLowerCase() === email) return true;
		const nested = value.length > email.length ? parsedJson(value) : undefined;
		return nested !== undefined && holdsEmail(nested, email, visit, depth + 1);
	}
	if (Array.isArray(value)) return value.some((v) => holdsEmail(v, email, visit, depth + 1));
	if (value !== null && typeof value === 'object') {
		const object = value as Record<string, unknown>;
		if (visit?.(object) === true) return true;
		return Object.values(object).some((v) => holdsEmail(v, email, visit, depth + 1));
	}
	return false;
}
