/**
 * WebinarJam registrants → `webinar_registrants`: the transform (API values → column values) and
 * the chunk upsert with change detection, for a direct Postgres connection and for Supabase.
 *
 * Transform rules (seed 002's sketch, made strict):
 * - `Yes`/`No` and `1`/`0` → booleans; an empty value is `false`; anything else fails the row.
 * - `HH:MM:SS` → a Postgres interval (canonical `HH:MM:SS`); empty → NULL; anything else fails.
 * - Revenue → an exact decimal string with two places (`"97.00"`); empty → 0; non-numeric fails.
 * - Dates (`YYYY-MM-DD HH:MM[:SS]`, local time of the webinar) → timestamptz (ISO, UTC), read in
 *   the webinar's time zone with luxon: IANA names and EverWebinar's `GMT-5` style. An ISO value
 *   with an offset keeps its offset. Empty (and MySQL's zero date `0000-00-00 00:00:00`, which means
 *   "none") → NULL. A date that does not parse fails the row: it never becomes "now", and the row
 *   is never dropped silently.
 * - Email: the shared normalizer (trimmed, lower-cased, syntax-checked); no email or no id fails.
 *
 * Change detection: an unchanged row is not touched at all (no new tuple, updated_at and
 * last_synced_at keep their values). Postgres: one `INSERT … SELECT … FROM json_populate_recordset
 * … ON CONFLICT … DO UPDATE … WHERE (old) IS DISTINCT FROM (new) RETURNING (xmax = 0)` per chunk.
 * Supabase (PostgREST runs no custom SQL): read the chunk's rows by `in('webinarjam_id', …)`,
 * compare, and upsert only the new and changed ones. A chunk the database rejects is split in
 * halves down to single rows: good rows land, each bad row is reported with the database's message.
 */
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { sleep } from 'n8n-workflow';
import type pg from 'pg';

import { normalizeEmail } from '../normalize/email';
import { backoffDelay } from '../transport/retry';
import {
	type AnySupabaseClient,
	DatabaseError,
	describePostgresError,
	describeSupabaseError,
	type PostgresCredentials,
	quoteIdent,
	type SupabaseCredentials,
} from './connection';
import { REGISTRANT_COLUMNS, TABLES } from './schema';

// ------------------------------------------------------------------------------------------------
// Types

export type ColumnValue = string | number | boolean | null;

/** One `webinar_registrants` row, keyed by REGISTRANT_COLUMNS names. */
export type RegistrantRow = Record<string, ColumnValue>;

/** A row that could not be written, and why. */
export interface RowFailure {
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
	zone: Zone | { reason: string };
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

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T = never>(reason: string): Parsed<T> => ({ ok: false, reason });

const show = (value: unknown) => {
	const text = typeof value === 'string' ? value : JSON.stringify(value);
	return `'${String(text).length > 60 ? `${String(text).slice(0, 57)}...` : text}'`;
};
const isEmpty = (value: unknown) =>
	value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

// ------------------------------------------------------------------------------------------------
// Value parsers (exported for unit tests)

const GMT_OFFSET = /^(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$/i;

/** IANA names ("America/New_York"), and EverWebinar's offsets ("GMT-5", "GMT+5:30", "UTC"). */
export function resolveZone(timezone: unknown): Zone | { reason: string } {
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

const isZone = (zone: WebinarContext['zone']): zone is Zone => !('reason' in zone);

const LOCAL_DATE =
	/^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?$/;
const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;
const ZERO_DATE = /^0000-00-00(?:[ T]00:00(?::00)?)?$/;

/**
 * A WebinarJam date → the instant, or NULL when empty. Local times are read in `zone`; around DST
 * jumps exactly as Postgres reads them (a skipped time takes the offset before the jump, a
 * repeated time the offset after it). An ISO value with `Z` or an offset keeps it. Anything else
 * is a reason, never "now".
 */
export function parseWebinarDate(
	value: unknown,
	zone: WebinarContext['zone'],
): Parsed<DateTime | null> {
	if (isEmpty(value)) return ok(null);
	if (typeof value !== 'string') return bad(`${show(value)} is not a date`);
	const text = value.trim();
	if (ZERO_DATE.test(text)) return ok(null);
	const m = LOCAL_DATE.exec(text);
	if (m) {
		if (!isZone(zone)) return bad(`${show(text)} cannot be placed in time: ${zone.reason}`);
		const dt = DateTime.fromObject(
			{
				year: Number(m[1]),
				month: Number(m[2]),
				day: Number(m[3]),
				hour: m[4] === undefined ? 0 : Number(m[4]),
				minute: m[5] === undefined ? 0 : Number(m[5]),
				second: m[6] === undefined ? 0 : Number(m[6]),
				millisecond: m[7] === undefined ? 0 : Number(`${m[7]}00`.slice(0, 3)),
			},
			{ zone },
		);
		if (!dt.isValid)
			return bad(
				`${show(text)} is not a valid date (${dt.invalidExplanation ?? dt.invalidReason})`,
			);
		return ok(dt);
	}
	if (/^\d{4}-\d{2}-\d{2}T/.test(text) && HAS_OFFSET.test(text)) {
		const dt = DateTime.fromISO(text, { setZone: true });
		if (!dt.isValid)
			return bad(
				`${show(text)} is not a valid date (${dt.invalidExplanation ?? dt.invalidReason})`,
			);
		return ok(dt);
	}
	return bad(`${show(text)} is not a date (expected YYYY-MM-DD HH:MM:SS)`);
}

/** timestamptz text for an instant: ISO 8601 in UTC. */
export const toTimestamptz = (dt: DateTime): string => dt.toUTC().toISO() as string;

/** `Yes`/`No`, `1`/`0`, `true`/`false` (any case) → boolean; empty → false. */
export function parseYesNo(value: unknown): Parsed<boolean> {
	if (value === true || value === 1) return ok(true);
	if (value === false || value === 0 || isEmpty(value)) return ok(false);
	const text = String(value).trim().toLowerCase();
	if (text === 'yes' || text === 'y' || text === '1' || text === 'true') return ok(true);
	if (text === 'no' || text === 'n' || text === '0' || text === 'false') return ok(false);
	return bad(`${show(value)} is not Yes/No or 1/0`);
}

const DURATION = /^(\d{1,4}):([0-5]?\d):([0-5]?\d)(?:\.\d+)?$/;

/** `HH:MM:SS` (hours may exceed 24) → canonical interval text `HH:MM:SS`; empty → NULL. */
export function parseDuration(value: unknown): Parsed<string | null> {
	if (isEmpty(value)) return ok(null);
	const m = DURATION.exec(String(value).trim());
	if (!m) return bad(`${show(value)} is not a duration (expected HH:MM:SS)`);
	const pad = (n: string) => n.padStart(2, '0');
	return ok(`${pad(String(Number(m[1])))}:${pad(m[2])}:${pad(m[3])}`);
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;
/** numeric(10,2): at most 8 digits before the point. */
const MAX_REVENUE_CENTS = 10_000_000_000;

/**
 * An amount → integer cents, rounded half away from zero on the decimal digits (no floating
 * point), or a reason. `$`, thousands separators and words are not numbers here.
 */
export function decimalToCents(value: unknown): Parsed<number> {
	const text = typeof value === 'number' ? String(value) : String(value ?? '').trim();
	const m = DECIMAL.exec(text);
	if (!m) return bad(`${show(value)} is not a number`);
	const fraction = (m[3] ?? '').padEnd(3, '0');
	let cents = Number(m[2]) * 100 + Number(fraction.slice(0, 2));
	if (Number(fraction[2]) >= 5) cents += 1;
	if (!Number.isSafeInteger(cents) || cents >= MAX_REVENUE_CENTS) {
		return bad(`${show(value)} is too large for numeric(10,2)`);
	}
	return ok(m[1] === '-' ? -cents : cents);
}

export const centsToDecimal = (cents: number): string => {
	const abs = Math.abs(cents);
	return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};

/** Revenue → exact decimal text with two places; empty → "0.00"; non-numeric is a reason. */
export function parseRevenue(value: unknown): Parsed<string> {
	if (isEmpty(value)) return ok('0.00');
	const cents = decimalToCents(value);
	return cents.ok ? ok(centsToDecimal(cents.value)) : cents;
}

/** A positive integer id (number or digit string), or a reason; empty → NULL. */
export function parseId(value: unknown): Parsed<number | null> {
	if (isEmpty(value)) return ok(null);
	const text = String(value).trim();
	if (!/^\d+$/.test(text)) return bad(`${show(value)} is not a whole number`);
	const n = Number(text);
	if (!Number.isSafeInteger(n) || n <= 0) return bad(`${show(value)} is out of range`);
	return ok(n);
}

const NUL = String.fromCharCode(0);

/** Trimmed text without NUL characters (Postgres refuses them); empty → NULL. */
export function cleanText(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	const text = (typeof value === 'string' ? value : String(value)).split(NUL).join('').trim();
	return text === '' ? null : text;
}

/**
 * Seconds of a Postgres interval as PostgREST prints it (`01:02:03`, `1 day 02:03:04`,
 * `-00:00:05`, ISO `P1DT2H`), or NaN.
 */
export function intervalSeconds(value: unknown): number {
	if (value === null || value === undefined) return NaN;
	const text = String(value).trim();
	const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
	if (iso && text !== 'P') {
		return (
			Number(iso[1] ?? 0) * 86400 +
			Number(iso[2] ?? 0) * 3600 +
			Number(iso[3] ?? 0) * 60 +
			Math.round(Number(iso[4] ?? 0))
		);
	}
	const m = /^(?:(-?\d+) days? ?)?(-)?(\d+):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(text);
	if (!m) return NaN;
	const clock = Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
	return Number(m[1] ?? 0) * 86400 + (m[2] === '-' ? -clock : clock);
}

// ------------------------------------------------------------------------------------------------
// Webinar context and the row transform

/** The transform's view of a /webinar answer: id, name, zone and the session dates per schedule. */
export function webinarContext(details: WebinarDetailsInput): WebinarContext {
	const timezone = String(details.timezone ?? '').trim();
	const zone = resolveZone(timezone);
	const schedules = new Map<number, ScheduleInfo>();
	for (const entry of details.schedules ?? []) {
		const id = Number(entry.schedule);
		if (!Number.isInteger(id)) continue;
		const info = schedules.get(id) ?? { sessions: [], comment: cleanText(entry.comment) };
		const date = parseWebinarDate(entry.date, zone);
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

export type TransformResult = { ok: true; row: RegistrantRow } | { ok: false; failure: RowFailure };

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

/** One API registrant → one row, or the reason it cannot be written. */
export function transformRegistrant(raw: RawRegistrant, ctx: WebinarContext): TransformResult {
	const rawId = raw.id ?? raw.user_id;
	const emailText = cleanText(raw.email);
	const parsedId = parseId(rawId);
	const fail = (field: string, reason: string): TransformResult => ({
		ok: false,
		failure: {
			webinarjam_id:
				parsedId.ok && parsedId.value !== null ? parsedId.value : (cleanText(rawId) ?? null),
			email: emailText === null ? null : emailText.toLowerCase(),
			field,
			reason,
			webinar_id: ctx.webinarId,
		},
	});
	if (!parsedId.ok) return fail('id', `id ${parsedId.reason}`);
	if (parsedId.value === null) return fail('id', 'the registrant has no id');
	if (emailText === null) return fail('email', 'the registrant has no email');
	const email = normalizeEmail(emailText);
	if (!email.ok) return fail('email', email.reason);

	const lead = parseId(raw.lead_id);
	if (!lead.ok) return fail('lead_id', `lead_id ${lead.reason}`);
	const schedule = parseId(raw.schedule);
	if (!schedule.ok) return fail('schedule', `schedule ${schedule.reason}`);
	const scheduleId = schedule.value ?? ctx.requestedScheduleId ?? null;
	if (scheduleId === null) return fail('schedule', 'the registrant has no schedule');

	const flags: Record<string, boolean> = {};
	for (const field of ['attended_live', 'purchased_live', 'attended_replay', 'purchased_replay']) {
		const parsed = parseYesNo(raw[field]);
		if (!parsed.ok) return fail(field, `${field} ${parsed.reason}`);
		flags[field] = parsed.value;
	}
	const durations: Record<string, string | null> = {};
	for (const field of ['entered_live', 'time_live', 'time_replay']) {
		const parsed = parseDuration(raw[field]);
		if (!parsed.ok) return fail(field, `${field} ${parsed.reason}`);
		durations[field] = parsed.value;
	}
	const revenue: Record<string, string> = {};
	for (const field of ['revenue_live', 'revenue_replay']) {
		const parsed = parseRevenue(raw[field]);
		if (!parsed.ok) return fail(field, `${field} ${parsed.reason}`);
		revenue[field] = parsed.value;
	}
	const dates: Record<string, DateTime | null> = {};
	for (const field of ['signup_date', 'date_live', 'date_replay']) {
		const parsed = parseWebinarDate(raw[field], ctx.zone);
		if (!parsed.ok) return fail(field, `${field} ${parsed.reason}`);
		dates[field] = parsed.value;
	}
	const info = ctx.schedules.get(scheduleId);
	const event = sessionStart(info, dates.date_live, durations.entered_live, dates.signup_date);
	const ts = (dt: DateTime | null) => (dt === null ? null : toTimestamptz(dt));

	return {
		ok: true,
		row: {
			webinarjam_id: parsedId.value,
			lead_id: lead.value,
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
			event_date: ts(event),
			signup_date: ts(dates.signup_date),
			attended_live: flags.attended_live,
			date_live: ts(dates.date_live),
			entered_live: durations.entered_live,
			time_live: durations.time_live,
			purchased_live: flags.purchased_live,
			revenue_live: revenue.revenue_live,
			attended_replay: flags.attended_replay,
			date_replay: ts(dates.date_replay),
			time_replay: durations.time_replay,
			purchased_replay: flags.purchased_replay,
			revenue_replay: revenue.revenue_replay,
		},
	};
}

// ------------------------------------------------------------------------------------------------
// Chunks

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

export interface ChunkResult {
	/** Distinct rows of the chunk (after dropping earlier duplicates). */
	rows: number;
	inserted: number;
	updated: number;
	unchanged: number;
	/** Rows replaced by a later row with the same id in the same chunk. */
	duplicates: number;
	failures: RowFailure[];
}

export interface RegistrantWriter {
	readonly kind: 'postgres' | 'supabase';
	/** Upserts one chunk; rows the database rejects come back in `failures`, the rest land. */
	write(rows: readonly RegistrantRow[]): Promise<ChunkResult>;
}

const VARCHAR = /^varchar\((\d+)\)$/;

/** The column a rejected row is at fault in: the one Postgres names, or the text too long. */
function blamedColumn(row: RegistrantRow, column: string | undefined, code: string | undefined) {
	if (column) return column;
	if (code === '22001') {
		for (const c of REGISTRANT_COLUMNS) {
			const m = VARCHAR.exec(c.type);
			const value = row[c.name];
			if (m && typeof value === 'string' && value.length > Number(m[1])) return c.name;
		}
	}
	return null;
}

/** Data errors belong to the rows (split to find them); anything else is about the database. */
const isRowLevelCode = (code: string | undefined) =>
	code !== undefined && /^(22|23)[0-9A-Z]{3}$/.test(code);

/** Postgres errors worth another try: lost connection, deadlock, serialization, shutdown, overload. */
const isTransientPgCode = (code: string | undefined) =>
	code === undefined ||
	/^(08|53|57P0)/.test(code) ||
	code === '40001' ||
	code === '40P01' ||
	/^E[A-Z]+$/.test(code);

/** Rows a whole chunk rejected with one and the same error: the table, not the rows, is wrong. */
const SYSTEMATIC_MIN_ROWS = 8;

interface RejectedRow {
	failure: RowFailure;
	code?: string;
}

function failureOf(row: RegistrantRow, reason: string, field: string | null): RowFailure {
	return {
		webinarjam_id: row.webinarjam_id as number,
		email: (row.email as string | null) ?? null,
		field,
		reason,
		webinar_id: (row.webinar_id as number | null) ?? null,
	};
}

function systematic(
	rejected: RejectedRow[],
	rows: number,
	what: string,
): DatabaseError | undefined {
	if (rows < SYSTEMATIC_MIN_ROWS || rejected.length !== rows) return undefined;
	const code = rejected[0].code;
	if (code === undefined || rejected.some((r) => r.code !== code)) return undefined;
	return new DatabaseError(
		`${what} rejected every row of a ${rows}-row chunk with the same error, so the table (not the data) is the problem; stopped. First: ${rejected[0].failure.reason}`,
		code,
	);
}

const missingTableHint = (schema: string) =>
	` Run WebinarJam › Database › Apply Schema for schema "${schema}" first.`;

const pause = async (ms: number) => await sleep(ms);

// ------------------------------------------------------------------------------------------------
// Postgres

const WRITABLE = REGISTRANT_COLUMNS.map((c) => c.name);
const UPDATABLE = WRITABLE.filter((name) => name !== 'webinarjam_id');

/** The one statement per chunk: insert new rows, update changed rows, leave unchanged rows alone. */
export function upsertStatement(schema: string): string {
	const table = `${quoteIdent(schema, 'Schema')}.${quoteIdent(TABLES.registrants)}`;
	const cols = WRITABLE.map((c) => quoteIdent(c)).join(', ');
	const set = UPDATABLE.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(', ');
	const target = UPDATABLE.map((c) => `t.${quoteIdent(c)}`).join(', ');
	const excluded = UPDATABLE.map((c) => `EXCLUDED.${quoteIdent(c)}`).join(', ');
	return `INSERT INTO ${table} AS t (${cols})
SELECT ${cols} FROM json_populate_recordset(NULL::${table}, $1::json)
ON CONFLICT (webinarjam_id) DO UPDATE SET ${set}, updated_at = now(), last_synced_at = now()
WHERE (${target}) IS DISTINCT FROM (${excluded})
RETURNING (xmax = 0) AS inserted`;
}

interface PgErrorLike {
	code?: string;
	column?: string;
	message?: string;
}

export class PostgresRegistrantWriter implements RegistrantWriter {
	readonly kind = 'postgres' as const;

	private readonly sql: string;

	/** Statements sent (retries and split halves included). */
	statements = 0;

	constructor(
		private readonly pool: pg.Pool,
		private readonly credentials: PostgresCredentials,
		private readonly schema: string,
		private readonly maxTries = 3,
	) {
		this.sql = upsertStatement(schema);
	}

	async write(chunk: readonly RegistrantRow[]): Promise<ChunkResult> {
		const { rows, duplicates } = dedupeChunk(chunk);
		const result: ChunkResult = {
			rows: rows.length,
			inserted: 0,
			updated: 0,
			unchanged: 0,
			duplicates,
			failures: [],
		};
		const rejected: RejectedRow[] = [];
		await this.writeRows(rows, result, rejected);
		const stop = systematic(rejected, rows.length, `PostgreSQL at ${this.credentials.host}`);
		if (stop) throw stop;
		result.failures.push(...rejected.map((r) => r.failure));
		return result;
	}

	private async writeRows(
		rows: RegistrantRow[],
		result: ChunkResult,
		rejected: RejectedRow[],
	): Promise<void> {
		if (rows.length === 0) return;
		let answer: pg.QueryResult<{ inserted: boolean }>;
		try {
			answer = await this.execute(rows);
		} catch (error) {
			const e = error as PgErrorLike;
			if (!isRowLevelCode(e.code)) throw this.describe(error);
			if (rows.length === 1) {
				const reason = describePostgresError(error, this.credentials, 'rejected the row').message;
				rejected.push({
					failure: failureOf(rows[0], reason, blamedColumn(rows[0], e.column, e.code)),
					code: e.code,
				});
				return;
			}
			const half = Math.ceil(rows.length / 2);
			await this.writeRows(rows.slice(0, half), result, rejected);
			await this.writeRows(rows.slice(half), result, rejected);
			return;
		}
		let inserted = 0;
		for (const r of answer.rows) if (r.inserted) inserted++;
		result.inserted += inserted;
		result.updated += answer.rows.length - inserted;
		result.unchanged += rows.length - answer.rows.length;
	}

	private async execute(rows: RegistrantRow[]): Promise<pg.QueryResult<{ inserted: boolean }>> {
		const payload = JSON.stringify(rows);
		for (let attempt = 1; ; attempt++) {
			this.statements++;
			let failure: unknown;
			try {
				return await this.pool.query<{ inserted: boolean }>(this.sql, [payload]);
			} catch (error) {
				failure = error;
			}
			const code = (failure as PgErrorLike).code;
			if (attempt >= this.maxTries || isRowLevelCode(code) || !isTransientPgCode(code))
				throw failure;
			await pause(backoffDelay(attempt, 200, 2000) + 50);
		}
	}

	private describe(error: unknown): DatabaseError {
		const described = describePostgresError(
			error,
			this.credentials,
			'upsert into webinar_registrants failed',
		);
		const code = (error as PgErrorLike).code;
		if (code === '42P01' || code === '3F000' || code === '42703' || code === '42704') {
			return new DatabaseError(described.message + missingTableHint(this.schema), code);
		}
		return described;
	}
}

// ------------------------------------------------------------------------------------------------
// Supabase

type Family = 'text' | 'int' | 'bool' | 'timestamptz' | 'interval' | 'numeric';

function familyOf(type: string): Family {
	if (type === 'bigint' || type === 'integer') return 'int';
	if (type === 'boolean') return 'bool';
	if (type === 'timestamptz') return 'timestamptz';
	if (type === 'interval') return 'interval';
	if (type.startsWith('numeric')) return 'numeric';
	return 'text';
}

const COMPARED = REGISTRANT_COLUMNS.filter((c) => c.name !== 'webinarjam_id').map((c) => ({
	name: c.name,
	family: familyOf(c.type),
}));

/** A value as something comparable across our text and what PostgREST returns. */
function comparable(value: unknown, family: Family): string | number | boolean | null {
	if (value === null || value === undefined) return null;
	switch (family) {
		case 'int':
			return Number(value);
		case 'bool':
			return value === true || value === 'true' || value === 't';
		case 'timestamptz': {
			const ms = Date.parse(String(value));
			return Number.isNaN(ms) ? String(value) : ms;
		}
		case 'interval': {
			const seconds = intervalSeconds(value);
			return Number.isNaN(seconds) ? String(value) : seconds;
		}
		case 'numeric': {
			const cents = decimalToCents(value);
			return cents.ok ? cents.value : String(value);
		}
		default:
			return String(value);
	}
}

/** True when writing `row` would change nothing in `existing` (a row as PostgREST returned it). */
export function sameRow(existing: Record<string, unknown>, row: RegistrantRow): boolean {
	for (const { name, family } of COMPARED) {
		if (comparable(existing[name], family) !== comparable(row[name], family)) return false;
	}
	return true;
}

interface SupabaseErrorLike {
	code?: string;
	message?: string;
	details?: string | null;
	hint?: string | null;
}

interface SupabaseAnswer<T> {
	data: T | null;
	error: SupabaseErrorLike | null;
	status?: number;
}

/** PostgREST answers that are about the connection, not the request: try again. */
function isTransientSupabase(answer: SupabaseAnswer<unknown>): boolean {
	const status = answer.status ?? 0;
	const code = answer.error?.code ?? '';
	if (status >= 500 || status === 0 || status === 429) return !isRowLevelCode(code);
	return (
		code === '' &&
		/fetch failed|network|ECONN|socket|timed? ?out/i.test(answer.error?.message ?? '')
	);
}

export class SupabaseRegistrantWriter implements RegistrantWriter {
	readonly kind = 'supabase' as const;

	/** HTTP requests sent (retries and split halves included). */
	requests = 0;

	constructor(
		private readonly client: AnySupabaseClient,
		private readonly credentials: SupabaseCredentials,
		private readonly schema: string,
		private readonly maxTries = 3,
	) {}

	private async call<T>(
		action: string,
		run: () => PromiseLike<SupabaseAnswer<T>>,
	): Promise<SupabaseAnswer<T>> {
		for (let attempt = 1; ; attempt++) {
			this.requests++;
			let answer: SupabaseAnswer<T>;
			try {
				answer = await run();
			} catch (error) {
				answer = {
					data: null,
					error: { message: (error as Error).message ?? String(error) },
					status: 0,
				};
			}
			if (!answer.error) return answer;
			if (attempt >= this.maxTries || !isTransientSupabase(answer)) {
				if (isRowLevelCode(answer.error.code)) return answer;
				const described = describeSupabaseError(answer.error, this.credentials, action);
				const code = answer.error.code;
				if (code === '42P01' || code === 'PGRST205' || code === 'PGRST204' || code === '42703') {
					throw new DatabaseError(described.message + missingTableHint(this.schema), code);
				}
				throw described;
			}
			await pause(backoffDelay(attempt, 200, 2000) + 50);
		}
	}

	async write(chunk: readonly RegistrantRow[]): Promise<ChunkResult> {
		const { rows, duplicates } = dedupeChunk(chunk);
		const result: ChunkResult = {
			rows: rows.length,
			inserted: 0,
			updated: 0,
			unchanged: 0,
			duplicates,
			failures: [],
		};
		if (rows.length === 0) return result;
		const ids = rows.map((r) => r.webinarjam_id as number);
		const read = await this.call<Array<Record<string, unknown>>>(
			'reading webinar_registrants failed',
			() =>
				this.client
					.from(TABLES.registrants)
					.select(WRITABLE.join(','))
					.in('webinarjam_id', ids) as unknown as PromiseLike<
					SupabaseAnswer<Array<Record<string, unknown>>>
				>,
		);
		const existing = new Map<number, Record<string, unknown>>();
		for (const r of read.data ?? []) existing.set(Number(r.webinarjam_id), r);

		const now = new Date().toISOString();
		const changed: Array<{ row: RegistrantRow; isNew: boolean }> = [];
		for (const row of rows) {
			const current = existing.get(row.webinarjam_id as number);
			if (current === undefined) changed.push({ row, isNew: true });
			else if (!sameRow(current, row)) changed.push({ row, isNew: false });
			else result.unchanged++;
		}
		const rejected: RejectedRow[] = [];
		await this.upsert(changed, now, result, rejected);
		const stop = systematic(rejected, changed.length, `Supabase at ${this.credentials.host}`);
		if (stop) throw stop;
		result.failures.push(...rejected.map((r) => r.failure));
		return result;
	}

	private async upsert(
		entries: Array<{ row: RegistrantRow; isNew: boolean }>,
		now: string,
		result: ChunkResult,
		rejected: RejectedRow[],
	): Promise<void> {
		if (entries.length === 0) return;
		const body = entries.map(({ row }) => ({ ...row, updated_at: now, last_synced_at: now }));
		const answer = await this.call<null>(
			'upsert into webinar_registrants failed',
			() =>
				this.client
					.from(TABLES.registrants)
					.upsert(body, { onConflict: 'webinarjam_id' }) as unknown as PromiseLike<
					SupabaseAnswer<null>
				>,
		);
		if (!answer.error) {
			for (const entry of entries) {
				if (entry.isNew) result.inserted++;
				else result.updated++;
			}
			return;
		}
		// Only row-level errors get here (call() throws the others).
		if (entries.length === 1) {
			const reason = describeSupabaseError(
				answer.error,
				this.credentials,
				'rejected the row',
			).message;
			rejected.push({
				failure: failureOf(
					entries[0].row,
					reason,
					blamedColumn(entries[0].row, undefined, answer.error.code),
				),
				code: answer.error.code,
			});
			return;
		}
		const half = Math.ceil(entries.length / 2);
		await this.upsert(entries.slice(0, half), now, result, rejected);
		await this.upsert(entries.slice(half), now, result, rejected);
	}
}
