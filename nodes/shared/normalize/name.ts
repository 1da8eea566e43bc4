import { collapseWhitespace } from './text';

const WS_RUN = /\s+/g;

const MC = /^mc(\p{L}{2,})$/u;
const MAC = /^mac(\p{L}{4,})$/u;
const ONE_LETTER_APOSTROPHE = /^(\p{L})(['\u2019])(\p{L}.*)$/u;
/** Characters after which the next letter starts a new capitalised segment. */
const SEGMENT_SEPARATOR = /([-.])/;

/** Name particles kept lower-case when they are not the first (or last) word. */
const PARTICLES: ReadonlySet<string> = new Set([
	'van', 'von', 'de', 'del', 'della', 'der', 'di', 'da', 'du', 'la', 'le',
	'bin', 'al', 'ten', 'ter', 'dos', 'das', 'do',
]);

/** Surnames that start with "mac" but are not Mac+Name (plain title case). */
const MAC_EXCEPTIONS: ReadonlySet<string> = new Set([
	'mack', 'macy', 'mace', 'maceo', 'macon', 'macias', 'mackey', 'machado', 'macedo',
	'machin', 'machuca', 'macchio', 'macaluso', 'macario', 'macaulay', 'macartney',
	'mackintosh', 'macklin', 'mackie', 'machiavelli', 'macek', 'macedonio', 'macri',
	'maciel', 'macha', 'machen', 'machida', 'mackel', 'macken', 'mackler',
]);

/** Generational / academic suffixes with a fixed spelling (keyed by lower-case form). */
const SUFFIX_CASE: ReadonlyMap<string, string> = new Map([
	['ii', 'II'], ['iii', 'III'], ['iv', 'IV'], ['vi', 'VI'], ['vii', 'VII'], ['viii', 'VIII'],
	['phd', 'PhD'],
]);

/** Suffixes that stay with the last name in splitFullName (lower-case, dots removed). */
const SPLIT_SUFFIXES: ReadonlySet<string> = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd']);

function isMixedCase(s: string): boolean {
	return s !== s.toLowerCase() && s !== s.toUpperCase();
}

function capFirst(lower: string): string {
	if (lower.length === 0) return lower;
	const cp = lower.codePointAt(0) as number;
	const n = cp > 0xffff ? 2 : 1;
	return lower.slice(0, n).toUpperCase() + lower.slice(n);
}

/** Title-case one hyphen/dot-free segment that is entirely lower-case. */
function caseSegment(lower: string): string {
	let m = MC.exec(lower);
	if (m) return 'Mc' + capFirst(m[1]);
	m = MAC.exec(lower);
	if (m && !MAC_EXCEPTIONS.has(lower)) return 'Mac' + capFirst(m[1]);
	m = ONE_LETTER_APOSTROPHE.exec(lower);
	if (m) return m[1].toUpperCase() + m[2] + capFirst(m[3]);
	return capFirst(lower);
}

function caseWord(word: string, position: 'first' | 'middle' | 'last'): string {
	const lower = word.toLowerCase();
	if (position === 'middle' && PARTICLES.has(lower)) return lower;
	if (position !== 'first') {
		const fixed = SUFFIX_CASE.get(lower);
		if (fixed !== undefined) return fixed;
		if (lower === 'ph.d.') return 'Ph.D.';
	}
	if (!SEGMENT_SEPARATOR.test(lower)) return caseSegment(lower);
	const parts = lower.split(SEGMENT_SEPARATOR);
	let out = '';
	for (let i = 0; i < parts.length; i++) {
		// odd indexes are the captured separators themselves
		out += i % 2 === 1 ? parts[i] : caseSegment(parts[i]);
	}
	return out;
}

/**
 * Trim, collapse whitespace and title-case a personal name.
 * Words that already mix upper and lower case (DeShawn, McKenzie) are kept as written.
 */
export function titleCaseName(raw: string): string {
	if (typeof raw !== 'string') return '';
	const collapsed = collapseWhitespace(raw);
	if (collapsed.length === 0) return '';
	const words = collapsed.split(' ');
	const last = words.length - 1;
	for (let i = 0; i < words.length; i++) {
		const w = words[i];
		if (isMixedCase(w)) continue; // people's own capitalisation wins
		words[i] = caseWord(w, i === 0 ? 'first' : i === last ? 'last' : 'middle');
	}
	return words.join(' ');
}

function isSuffix(word: string): boolean {
	// Every suffix is at most 5 characters with its dots ("Ph.D."): skip the work for ordinary names.
	return word.length <= 5 && SPLIT_SUFFIXES.has(word.toLowerCase().replace(/[.,]/g, ''));
}

/**
 * Split a full name into first and last parts (raw, not title-cased).
 * Handles "Last, First", lower-case particles (van, de, ...) and trailing suffixes (Jr., III, PhD).
 */
export function splitFullName(full: string): { first: string; last: string } {
	if (typeof full !== 'string') return { first: '', last: '' };
	let s = collapseWhitespace(full);
	const comma = s.indexOf(',');
	if (comma !== -1) {
		const before = s.slice(0, comma).trim();
		const after = s.slice(comma + 1).trim().replace(/,/g, ' ').replace(WS_RUN, ' ').trim();
		if (before.length > 0 && after.length > 0 && !after.split(' ').every(isSuffix)) {
			return { first: after, last: before };
		}
		// "King, Jr." style or a dangling comma: treat the comma as a space
		s = s.replace(/,/g, ' ').replace(WS_RUN, ' ').trim();
	}
	if (s.length === 0) return { first: '', last: '' };
	const words = s.split(' ');
	if (words.length === 1) return { first: words[0], last: '' };

	const lastParts: string[] = [];
	// trailing suffixes, as long as a first name and a surname remain
	while (words.length > 2 && isSuffix(words[words.length - 1])) {
		lastParts.unshift(words.pop() as string);
	}
	lastParts.unshift(words.pop() as string);
	// a name typed entirely in capitals has no case information, so particles are matched case-insensitively
	const caseless = s === s.toUpperCase();
	while (words.length > 1) {
		const w = words[words.length - 1];
		const lower = w.toLowerCase();
		if (!PARTICLES.has(lower) || (w !== lower && !caseless)) break;
		lastParts.unshift(words.pop() as string);
	}
	return { first: words.join(' '), last: lastParts.join(' ') };
}
