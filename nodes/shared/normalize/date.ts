import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { fail, ok, type Normalized } from './result';
import { isBlank, quoted } from './text';

export type DayMonthOrder = 'MDY' | 'DMY';

const LUXON_UTC = { zone: 'utc' } as const;

const DIGITS = /^\d+$/;
const NEG_NUMBER = /^-\d+(?:\.\d+)?$/;
/**
 * ISO 8601 calendar date with optional time (T or space), optional seconds, fraction and offset.
 * Groups: 1 year, 2 month, 3 day, 4 hour, 5 minute, 6 second, 7 fraction, 8 'Z' or sign, 9 offset hours, 10 offset minutes.
 */
const ISO =
	/^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-]\d{2})(?::?(\d{2}))?)?)?$/;
/** Optional time tail used by slash / dash / dot dates: HH:mm[:ss][ AM|PM]. */
const TIME_TAIL = '(?:(?:\\s+|T)(\\d{1,2}):(\\d{2})(?::(\\d{2}))?\\s*([AaPp]\\.?[Mm]\\.?)?)?';
/** Groups: 1 first, 2 separator, 3 second, 4 year, 5.. time. */
const SLASH_DASH = new RegExp('^(\\d{1,2})([/-])(\\d{1,2})\\2(\\d+)' + TIME_TAIL + '$');
/** Groups: 1 day, 2 month, 3 year, 4.. time. */
const DOT = new RegExp('^(\\d{1,2})\\.(\\d{1,2})\\.(\\d+)' + TIME_TAIL + '$');
/** Groups: 1 year, 2 month, 3 day, 4.. time. */
const YMD_SLASH = new RegExp('^(\\d{4})/(\\d{1,2})/(\\d{1,2})' + TIME_TAIL + '$');
/** Something that looks like an RFC 2822 / HTTP / asctime date (has a month name). */
const TEXTUAL = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/i;
/** RFC 2822 / RFC 850 date with a two-digit year ("01 Dec 25", "01-Dec-25"). */
const TEXTUAL_TWO_DIGIT_YEAR = /(?:^|[\s,])\d{1,2}[\s-][a-z]{3}[\s-]\d{2}(?!\d)/i;

const S_MIN = 1e9; // 10-digit epoch seconds: 2001-09-09 .. 2286-11-20
const S_MAX = 1e10;
const MS_MIN = 1e12; // 13-digit epoch milliseconds: same range
const MS_MAX = 1e13;
const EPOCH_DIGITS_REASON = 'expected 10-digit seconds or 13-digit milliseconds';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
	if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
	return DAYS_IN_MONTH[month - 1];
}

function invalidDate(raw: string | number): Normalized<string> {
	return fail(`'${raw}' is not a valid date`);
}

function twoDigitYear(raw: string | number): Normalized<string> {
	return fail(`'${raw}' has a two-digit year, which is ambiguous (century unknown); use a four-digit year`);
}

/** A real calendar day and clock time (no leap seconds). */
function validParts(year: number, month: number, day: number, hour: number, minute: number, second: number) {
	return (
		month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59
	);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** ISO string for a UTC instant, or null when out of the representable range. */
function isoFromMillis(ms: number): string | null {
	if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
	return new Date(ms).toISOString();
}

/**
 * Validate calendar/clock parts and return the UTC instant as an ISO string.
 * `offsetMinutes` is the local offset east of UTC (e.g. +330 for +05:30).
 */
function fromParts(
	raw: string,
	year: number,
	month: number,
	day: number,
	hour: number,
	minute: number,
	second: number,
	millis: number,
	offsetMinutes: number,
): Normalized<string> {
	if (!validParts(year, month, day, hour, minute, second)) return invalidDate(raw);
	// Already UTC and validated: format directly; Date#toISOString dominated 100k-row profiles.
	if (offsetMinutes === 0 && year >= 1000) {
		return ok(
			`${year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`,
		);
	}
	let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
	if (year < 100) {
		// Date.UTC maps years 0..99 to 1900..1999; put the real year back
		const d = new Date(ms);
		d.setUTCFullYear(year);
		ms = d.getTime();
	}
	const iso = isoFromMillis(ms - offsetMinutes * 60000);
	return iso === null ? invalidDate(raw) : ok(iso);
}

/** Apply the optional HH:mm[:ss][ AM|PM] groups starting at `i`, then build the instant (UTC). */
function withTime(raw: string, year: number, month: number, day: number, m: RegExpExecArray, i: number) {
	if (m[i] === undefined) return fromParts(raw, year, month, day, 0, 0, 0, 0, 0);
	let hour = +m[i];
	const minute = +m[i + 1];
	const second = m[i + 2] !== undefined ? +m[i + 2] : 0;
	const meridiem = m[i + 3];
	if (meridiem !== undefined) {
		if (hour < 1 || hour > 12) return invalidDate(raw);
		const pm = meridiem.charCodeAt(0) === 80 || meridiem.charCodeAt(0) === 112; // P / p
		if (hour === 12) hour = pm ? 12 : 0;
		else if (pm) hour += 12;
	}
	return fromParts(raw, year, month, day, hour, minute, second, 0, 0);
}

function fromEpoch(n: number, raw: string | number): Normalized<string> {
	if (!Number.isFinite(n)) return fail(`'${raw}' is not a valid epoch timestamp`);
	if (n < 0) return fail(`'${raw}' is a negative epoch timestamp`);
	if (n >= S_MIN && n < S_MAX) return ok(new Date(Math.round(n * 1000)).toISOString());
	if (n >= MS_MIN && n < MS_MAX) return ok(new Date(Math.round(n)).toISOString());
	return fail(`'${raw}' is not a valid epoch timestamp (${EPOCH_DIGITS_REASON})`);
}

function parseIso(raw: string, m: RegExpExecArray): Normalized<string> {
	let millis = 0;
	const fraction = m[7];
	if (fraction !== undefined) millis = +(fraction + '00').slice(0, 3); // truncate to milliseconds
	let offset = 0;
	if (m[9] !== undefined) {
		const oh = +m[9]; // signed
		const om = m[10] !== undefined ? +m[10] : 0;
		if (oh > 18 || oh < -18 || om > 59) return invalidDate(raw);
		offset = oh * 60 + (m[9].charCodeAt(0) === 45 /* - */ ? -om : om);
	}
	return fromParts(
		raw,
		+m[1],
		+m[2],
		+m[3],
		m[4] !== undefined ? +m[4] : 0,
		m[5] !== undefined ? +m[5] : 0,
		m[6] !== undefined ? +m[6] : 0,
		millis,
		offset,
	);
}

function parseString(raw: string, order: DayMonthOrder): Normalized<string> {
	const s = raw.trim();
	if (s.length === 0) return fail('date is empty');

	if (DIGITS.test(s)) {
		if (s.length !== 10 && s.length !== 13) {
			return fail(`'${raw}' is not a valid epoch timestamp (${EPOCH_DIGITS_REASON})`);
		}
		return fromEpoch(+s, raw);
	}
	if (NEG_NUMBER.test(s)) return fail(`'${raw}' is a negative epoch timestamp`);

	let m = ISO.exec(s);
	if (m) return parseIso(raw, m);

	m = SLASH_DASH.exec(s);
	if (m) {
		const yearText = m[4];
		if (yearText.length === 2) return twoDigitYear(raw);
		if (yearText.length !== 4) return invalidDate(raw);
		const a = +m[1];
		const b = +m[3];
		if (a > 12 && b > 12) return invalidDate(raw);
		// one part above 12 can only be the day; otherwise the caller's order decides
		const dayFirst = a > 12 || (b <= 12 && order === 'DMY');
		return withTime(raw, +yearText, dayFirst ? b : a, dayFirst ? a : b, m, 5);
	}

	m = DOT.exec(s);
	if (m) {
		if (m[3].length === 2) return twoDigitYear(raw);
		if (m[3].length !== 4) return invalidDate(raw);
		return withTime(raw, +m[3], +m[2], +m[1], m, 4);
	}

	m = YMD_SLASH.exec(s);
	if (m) return withTime(raw, +m[1], +m[2], +m[3], m, 4);

	if (TEXTUAL.test(s)) {
		if (TEXTUAL_TWO_DIGIT_YEAR.test(s)) return twoDigitYear(raw);
		let dt = DateTime.fromRFC2822(s, LUXON_UTC);
		if (!dt.isValid) dt = DateTime.fromHTTP(s, LUXON_UTC);
		// a month name was recognised, so a failure means a bad date (Feb 30, a weekday that does not match, ...)
		const iso = dt.isValid ? isoFromMillis(dt.toMillis()) : null;
		return iso === null ? invalidDate(raw) : ok(iso);
	}

	return fail(`'${raw}' is not a recognised date format`);
}

/**
 * Normalize a date/time to an ISO 8601 UTC string with milliseconds (e.g. "2025-12-01T14:32:00.000Z").
 * Accepts ISO 8601 (no offset = UTC), RFC 2822 / HTTP dates, numeric slash/dash/dot dates (taken as UTC)
 * and epoch seconds (10 digits) / milliseconds (13 digits). `order` only decides slash/dash dates where
 * both day and month are 12 or less. Never falls back to "now".
 */
export function normalizeDate(raw: string | number, order: DayMonthOrder): Normalized<string> {
	try {
		if (typeof raw === 'number') return fromEpoch(raw, raw);
		if (typeof raw !== 'string') return fail('date is neither a string nor a number');
		return parseString(raw, order === 'DMY' ? 'DMY' : 'MDY');
	} catch {
		return invalidDate(raw);
	}
}

// ---- Vendor dates: local date-times in the time zone the vendor names.

/** A time zone that could be resolved, or why not. */
export type ZoneOrReason = Zone | { reason: string };

const GMT_OFFSET = /^(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$/i;

/** IANA names ("America/New_York"), and offsets as EverWebinar gives them ("GMT-5", "GMT+5:30", "UTC"). */
export function resolveZone(timezone: unknown): ZoneOrReason {
	const tz = typeof timezone === 'string' ? timezone.trim() : '';
	if (tz === '') return { reason: 'the webinar has no time zone' };
	if (/^(?:GMT|UTC|Z)$/i.test(tz)) return FixedOffsetZone.utcInstance;
	const m = GMT_OFFSET.exec(tz);
	if (m) {
		const hours = Number(m[2]);
		const minutes = m[3] === undefined ? 0 : Number(m[3]);
		if (hours > 14 || minutes > 59) return { reason: `time zone '${tz}' is not a valid offset` };
		return FixedOffsetZone.instance((m[1] === '-' ? -1 : 1) * (hours * 60 + minutes));
	}
	if (IANAZone.isValidZone(tz)) return IANAZone.create(tz);
	return {
		reason: `time zone '${tz}' is neither an IANA name (America/New_York) nor a GMT offset (GMT-5)`,
	};
}

const isZone = (zone: ZoneOrReason): zone is Zone => !('reason' in zone);

/** MySQL's zero date, which vendors on MySQL send for "none". */
const ZERO_DATE = /^0000-00-00(?:[ T]00:00(?::00)?)?$/;

/**
 * A vendor's date → the instant, or null when empty (or MySQL's zero date). `YYYY-MM-DD[ HH:MM[:SS]]`
 * without an offset is a local time in `zone`, read around DST jumps as Postgres reads it (a
 * skipped time takes the offset before the jump, a repeated time the offset after it); with `Z` or
 * an offset it keeps that offset. Read by the same ISO grammar as normalizeDate; anything else is a
 * reason, never "now".
 */
export function parseDateInZone(value: unknown, zone: ZoneOrReason): Normalized<DateTime | null> {
	if (isBlank(value)) return ok(null);
	if (typeof value !== 'string') return fail(`${quoted(value)} is not a date`);
	const text = value.trim();
	if (ZERO_DATE.test(text)) return ok(null);
	const m = ISO.exec(text);
	if (!m) return fail(`${quoted(text)} is not a date (expected YYYY-MM-DD HH:MM:SS)`);
	if (m[8] !== undefined || m[9] !== undefined) {
		const iso = parseIso(text, m);
		return iso.ok ? ok(DateTime.fromISO(iso.value, LUXON_UTC)) : iso;
	}
	const [year, month, day] = [+m[1], +m[2], +m[3]];
	const [hour, minute, second] = [m[4] ?? 0, m[5] ?? 0, m[6] ?? 0].map(Number);
	if (!validParts(year, month, day, hour, minute, second)) return fail(`${quoted(text)} is not a valid date`);
	if (!isZone(zone)) return fail(`${quoted(text)} cannot be placed in time: ${zone.reason}`);
	const millisecond = m[7] === undefined ? 0 : +`${m[7]}00`.slice(0, 3);
	const dt = DateTime.fromObject({ year, month, day, hour, minute, second, millisecond }, { zone });
	return dt.isValid ? ok(dt) : fail(`${quoted(text)} is not a valid date (${dt.invalidExplanation ?? dt.invalidReason})`);
}
