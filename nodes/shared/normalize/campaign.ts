import { normalizeDate } from './date';

const COMBINING_MARKS = /\p{M}+/gu;
/** Letters that NFKD does not decompose into an ASCII base letter. */
const SPECIAL_LETTERS = /[ßæøœđłþðı]/g;
const SPECIAL_MAP: Readonly<Record<string, string>> = {
	ß: 'ss', æ: 'ae', ø: 'o', œ: 'oe', đ: 'd', ł: 'l', þ: 'th', ð: 'd', ı: 'i',
};
const NON_ALNUM_RUN = /[^a-z0-9]+/g;
const EDGE_DASHES = /^-+|-+$/g;

/** Lower-case, strip diacritics, turn every run of non [a-z0-9] into one '-', trim '-' at the ends. */
export function slugify(text: string): string {
	if (typeof text !== 'string') return '';
	return text
		.normalize('NFKD')
		.replace(COMBINING_MARKS, '')
		.toLowerCase()
		.replace(SPECIAL_LETTERS, (c) => SPECIAL_MAP[c])
		.replace(NON_ALNUM_RUN, '-')
		.replace(EDGE_DASHES, '');
}

/**
 * UTM campaign for an event: `event_<slug>_<YYYY-MM-DD in UTC>`.
 * If the date cannot be parsed the date part is omitted (`event_<slug>`) rather than throwing.
 */
export function utmCampaign(eventName: string, eventDateIso: string): string {
	const slug = slugify(eventName);
	const date = normalizeDate(eventDateIso, 'MDY');
	return date.ok ? `event_${slug}_${date.value.slice(0, 10)}` : `event_${slug}`;
}
