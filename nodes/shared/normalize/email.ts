import { fail, ok, type Normalized } from './result';

const MAILTO = /^mailto:/i;
const WHITESPACE = /\s/;
// RFC 5322 "atext" plus dot; quoted local parts are intentionally not supported.
const LOCAL_CHARS = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const TLD = /^(?:[a-z]{2,}|xn--[a-z0-9-]+)$/;

const PREFIX = 'not a valid email address: ';

/**
 * Trim, unwrap `<...>` and `mailto:`, lower-case and syntax-check an email address.
 * Plus-addressing (`jane+tag@x.com`) is valid and kept as is.
 */
export function normalizeEmail(raw: string): Normalized<string> {
	if (typeof raw !== 'string') return fail(PREFIX + 'not a string');
	let s = raw.trim();
	if (s.length > 1 && s.charCodeAt(0) === 60 /* < */ && s.charCodeAt(s.length - 1) === 62 /* > */) {
		s = s.slice(1, -1).trim();
	}
	if (MAILTO.test(s)) {
		s = s.slice(7);
		const q = s.indexOf('?');
		if (q !== -1) s = s.slice(0, q);
		s = s.trim();
	}
	s = s.toLowerCase();

	if (s.length === 0) return fail(PREFIX + 'empty value');
	if (WHITESPACE.test(s)) return fail(PREFIX + 'contains whitespace');
	const at = s.indexOf('@');
	if (at === -1) return fail(PREFIX + "missing '@'");
	if (s.indexOf('@', at + 1) !== -1) return fail(PREFIX + "more than one '@'");

	const local = s.slice(0, at);
	const domain = s.slice(at + 1);

	if (local.length === 0) return fail(PREFIX + "empty local part before '@'");
	if (local.length > 64) return fail(PREFIX + 'local part is longer than 64 characters');
	if (local.charCodeAt(0) === 46 || local.charCodeAt(local.length - 1) === 46) {
		return fail(PREFIX + 'local part starts or ends with a dot');
	}
	if (s.includes('..')) return fail(PREFIX + 'consecutive dots');
	if (!LOCAL_CHARS.test(local)) return fail(PREFIX + 'invalid character in local part');

	if (domain.length === 0) return fail(PREFIX + "missing domain after '@'");
	if (domain.length > 253) return fail(PREFIX + 'domain is too long');
	const labels = domain.split('.');
	if (labels.length < 2) return fail(PREFIX + "domain '" + domain + "' has no dot");
	for (let i = 0; i < labels.length; i++) {
		const label = labels[i];
		if (label.length === 0) return fail(PREFIX + 'domain starts or ends with a dot');
		if (label.length > 63 || !DOMAIN_LABEL.test(label)) {
			return fail(PREFIX + "invalid domain label '" + label + "'");
		}
	}
	if (!TLD.test(labels[labels.length - 1])) {
		return fail(PREFIX + 'top-level domain must be at least 2 letters');
	}
	return ok(s);
}
