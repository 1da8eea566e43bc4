/**
 * WebinarJam registrant → one `webinar_registrants` row (the original sketch, made strict). The value
 * rules are the shared parsers (nodes/shared/normalize):
 * - `Yes`/`No` and `1`/`0` → booleans; an empty value is `false`; anything else fails the row.
 * - `HH:MM:SS` → a Postgres interval; empty → NULL; anything else fails.
 * - Revenue → an exact decimal with two places (`"97.00"`); empty → 0; non-numeric fails.
 * - Dates (`YYYY-MM-DD HH:MM[:SS]`, local time of the webinar) → timestamptz (ISO, UTC), read in the
 *   webinar's time zone (IANA names and EverWebinar's `GMT-5`). Empty and MySQL's zero date → NULL.
 *   A date that does not parse fails the row: it never becomes "now", and no row is dropped silently.
 * - Email: the shared normalizer (trimmed, lower-cased, syntax-checked); no email or no id fails.
 */
import type { DateTime } from 'luxon';

import {
	intervalSeconds,
	normalizeEmail,
	parseDateInZone,
	parseDuration,
	parseId,
	parseMoney,
	parseYesNo,
	resolveZone,
	type ZoneOrReason,
} from '../../../shared/normalize';

export type ColumnValue = string | number | boolean | null;

/** One `webinar_registrants` row, keyed by REGISTRANT_COLUMNS names. */
export type RegistrantRow = Record<string, ColumnValue>;

/** A registrant that could not be written, and why. */
export interface RegistrantFailure {
	webinarjam_id: number | string | null;
	email: string | null;
	/** The API field (transform) or column (database) at fault, when known. */
	field: string | null;
	reason: string;
	webinar_id?: number | null;
}

/** A registrant as /registrants serves it (only the fields the transform reads). */
export type RawRegistrant = Record<string, unknown>;

export interface ScheduleInfo {
	/** Session starts of this schedule id, as instants. */
	sessions: DateTime[];
	comment: string | null;
}

/** What the transform needs to know about the webinar a page belongs to. */
export interface WebinarContext {
	webinarId: number;
	name: string | null;
	/** The time zone as WebinarJam gave it. */
	timezone: string;
	/** Resolved zone, or the reason it could not be resolved. */
	zone: ZoneOrReason;
	schedules: Map<number, ScheduleInfo>;
	/** The schedule_id a page was requested for (rows without `schedule` take it). */
	requestedScheduleId?: number;
}

/** /webinar → `webinar`, the fields used here. */
export interface WebinarDetailsInput {
	webinar_id: number | string;
	name?: string | null;
	timezone?: string | null;
	schedules?: Array<{ date?: string; schedule?: number | string; comment?: string | null }>;
}

const NUL = String.fromCharCode(0);

/** Trimmed text without NUL characters (Postgres refuses them); empty → NULL. */
export function cleanText(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	const text = (typeof value === 'string' ? value : String(value)).split(NUL).join('').trim();
	return text === '' ? null : text;
}

/** timestamptz text for an instant: ISO 8601 in UTC. */
const toTimestamptz = (dt: DateTime | null): string | null =>
	dt === null ? null : (dt.toUTC().toISO() as string);

/** The transform's view of a /webinar answer: id, name, zone and the session dates per schedule. */
export function webinarContext(details: WebinarDetailsInput): WebinarContext {
	const timezone = String(details.timezone ?? '').trim();
	const zone = resolveZone(timezone);
	const schedules = new Map<number, ScheduleInfo>();
	for (const entry of details.schedules ?? []) {
		const id = Number(entry.schedule);
		if (!Number.isInteger(id)) continue;
		const info = schedules.get(id) ?? { sessions: [], comment: cleanText(entry.comment) };
		const date = parseDateInZone(entry.date, zone);
		if (date.ok && date.value !== null) info.sessions.push(date.value);
		schedules.set(id, info);
	}
	for (const info of schedules.values()) info.sessions.sort((a, b) => a.toMillis() - b.toMillis());
	return {
		webinarId: Number(details.webinar_id),
		name: cleanText(details.name),
		timezone,
		zone,
		schedules,
	};
}

export type TransformResult =
	| { ok: true; row: RegistrantRow }
	| { ok: false; failure: RegistrantFailure };

/**
 * The session a registrant belongs to: the live session they entered (date_live − entered_live),
 * else the schedule's one session, else (a series) the first session after they signed up.
 */
function sessionStart(
	info: ScheduleInfo | undefined,
	dateLive: DateTime | null,
	enteredLive: string | null,
	signup: DateTime | null,
): DateTime | null {
	if (dateLive !== null && enteredLive !== null) {
		const seconds = intervalSeconds(enteredLive);
		if (Number.isFinite(seconds)) return dateLive.minus({ seconds });
	}
	if (info === undefined || info.sessions.length === 0) return null;
	if (info.sessions.length === 1) return info.sessions[0];
	if (signup === null) return null;
	const after = signup.toMillis();
	return (
		info.sessions.find((s) => s.toMillis() >= after) ?? info.sessions[info.sessions.length - 1]
	);
}

/** A field that does not parse; its name leads the reason ("date_live '…' is not a valid date"). */
class FieldProblem extends Error {
	constructor(
		readonly field: string,
		readonly reason: string,
	) {
		super(reason);
	}
}

/** Each field through its parser; the first one that does not parse fails the row. */
function parsed<T>(
	raw: RawRegistrant,
	fields: readonly string[],
	parse: (value: unknown) => { ok: true; value: T } | { ok: false; reason: string },
): Record<string, T> {
	const out: Record<string, T> = {};
	for (const field of fields) {
		const result = parse(raw[field]);
		if (!result.ok) throw new FieldProblem(field, `${field} ${result.reason}`);
		out[field] = result.value;
	}
	return out;
}

/** One API registrant → one row, or the reason it cannot be written. */
export function transformRegistrant(raw: RawRegistrant, ctx: WebinarContext): TransformResult {
	const rawId = raw.id ?? raw.user_id;
	const emailText = cleanText(raw.email);
	const id = parseId(rawId);
	const fail = (field: string, reason: string): TransformResult => ({
		ok: false,
		failure: {
			webinarjam_id: id.ok && id.value !== null ? id.value : (cleanText(rawId) ?? null),
			email: emailText === null ? null : emailText.toLowerCase(),
			field,
			reason,
			webinar_id: ctx.webinarId,
		},
	});
	if (!id.ok) return fail('id', `id ${id.reason}`);
	if (id.value === null) return fail('id', 'the registrant has no id');
	if (emailText === null) return fail('email', 'the registrant has no email');
	const email = normalizeEmail(emailText);
	if (!email.ok) return fail('email', email.reason);

	// A field that does not parse throws a FieldProblem out of `parsed`: the row's failure.
	let problem: unknown;
	try {
		const { lead_id: lead, schedule } = parsed(raw, ['lead_id', 'schedule'], (v) => parseId(v));
		const scheduleId = schedule ?? ctx.requestedScheduleId ?? null;
		if (scheduleId === null) return fail('schedule', 'the registrant has no schedule');
		const flags = parsed(
			raw,
			['attended_live', 'purchased_live', 'attended_replay', 'purchased_replay'],
			parseYesNo,
		);
		const durations = parsed(raw, ['entered_live', 'time_live', 'time_replay'], parseDuration);
		const revenue = parsed(raw, ['revenue_live', 'revenue_replay'], parseMoney);
		const dates = parsed(raw, ['signup_date', 'date_live', 'date_replay'], (v) =>
			parseDateInZone(v, ctx.zone),
		);
		const info = ctx.schedules.get(scheduleId);
		const event = sessionStart(info, dates.date_live, durations.entered_live, dates.signup_date);
		return {
			ok: true,
			row: {
				webinarjam_id: id.value,
				lead_id: lead,
				webinar_id: ctx.webinarId,
				schedule_id: scheduleId,
				event_id: null,
				email: email.value,
				first_name: cleanText(raw.first_name),
				last_name: cleanText(raw.last_name),
				phone_country_code: cleanText(raw.phone_country_code),
				phone_number: cleanText(raw.phone ?? raw.phone_number),
				webinar_name: cleanText(raw.webinar) ?? ctx.name,
				schedule: info?.comment ?? null,
				event_date: toTimestamptz(event),
				signup_date: toTimestamptz(dates.signup_date),
				attended_live: flags.attended_live,
				date_live: toTimestamptz(dates.date_live),
				entered_live: durations.entered_live,
				time_live: durations.time_live,
				purchased_live: flags.purchased_live,
				// WebinarJam leaves revenue empty when nothing was bought.
				revenue_live: revenue.revenue_live ?? '0.00',
				attended_replay: flags.attended_replay,
				date_replay: toTimestamptz(dates.date_replay),
				time_replay: durations.time_replay,
				purchased_replay: flags.purchased_replay,
				revenue_replay: revenue.revenue_replay ?? '0.00',
			},
		};
	} catch (error) {
		problem = error;
	}
	if (problem instanceof FieldProblem) return fail(problem.field, problem.reason);
	throw problem;
}

/** Duplicate ids inside a chunk: the last one wins. Rows come back ordered by id (stable locks). */
export function dedupeChunk(rows: readonly RegistrantRow[]): {
	rows: RegistrantRow[];
	duplicates: number;
} {
	const byId = new Map<number, RegistrantRow>();
	for (const row of rows) byId.set(Number(row.webinarjam_id), row);
	const unique = [...byId.values()].sort(
		(a, b) => Number(a.webinarjam_id) - Number(b.webinarjam_id),
	);
	return { rows: unique, duplicates: rows.length - unique.length };
}
