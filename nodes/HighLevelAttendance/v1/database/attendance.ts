/**
 * The attendance checker's two database calls, for both connection modes:
 *
 * - `lookup`: the attendance lookup (the newest registration of this email for the webinar and
 *   schedule), one probe of idx_webinar_registrants_lookup. Postgres mode runs it as a named
 *   prepared statement on the credential's shared pool (parsed and planned once per connection);
 *   Supabase mode sends the same filter, order and limit through supabase-js (PostgREST).
 * - `recordCheck` / `markFailed`: the attendance_checks audit row.
 *
 * Both modes return the same JSON shapes: ids and money as numbers, timestamps as ISO 8601 (UTC),
 * intervals as Postgres writes them ('01:02:03').
 */
import { createHash } from 'node:crypto';

import pg from 'pg';

import type {
	AnySupabaseClient,
	PostgresCredentials,
	SupabaseCredentials,
} from '../../../shared/database/connection';
import {
	DatabaseError,
	DEFAULT_POOL_SIZE,
	describePostgresError,
	describeSupabaseError,
	endpointOf,
	postgresPool,
	quoteIdent,
	supabaseClient,
} from '../../../shared/database/connection';
import { TABLES } from '../../../shared/database/schema';
import { normalizeEmail } from '../../../shared/normalize/email';
import type { Normalized } from '../../../shared/normalize/result';

/** The attendance lookup's columns, plus attended_replay for "Replay Counts as Attended". */
export const LOOKUP_COLUMNS = [
	'id',
	'email',
	'first_name',
	'last_name',
	'webinar_name',
	'webinar_id',
	'schedule_id',
	'attended_live',
	'date_live',
	'time_live',
	'purchased_live',
	'revenue_live',
	'attended_replay',
] as const;

export interface Registrant {
	id: number;
	email: string;
	first_name: string | null;
	last_name: string | null;
	webinar_name: string | null;
	webinar_id: number;
	schedule_id: number;
	attended_live: boolean;
	/** ISO 8601, UTC. */
	date_live: string | null;
	/** Postgres interval text, e.g. '00:42:10'. */
	time_live: string | null;
	purchased_live: boolean;
	revenue_live: number;
	attended_replay: boolean;
}

export interface AttendanceQuery {
	/** Already normalized (see lookupEmail). */
	email: string;
	webinarId: number;
	/** Omitted: the newest registration for the webinar, any schedule. */
	scheduleId?: number;
}

export type AttendanceStatus = 'attended' | 'no_show' | 'not_found' | 'error';

/** One attendance_checks row (the columns of schema.ts). */
export interface AttendanceCheckRow {
	registrantId: number | null;
	ghlContactId: string | null;
	email: string;
	webinarId: number | null;
	scheduleId: number | null;
	attended: boolean | null;
	status: AttendanceStatus;
	tagAdded: string | null;
	tagRemoved: string | null;
	error: string | null;
	responseTimeMs: number;
}

export interface AttendanceStore {
	readonly mode: 'postgres' | 'supabase';
	/** Where the data lives, for messages: `PostgreSQL at host:port/db` or `Supabase at https://…`. */
	readonly where: string;
	lookup(query: AttendanceQuery): Promise<Registrant | null>;
	/** Inserts the audit row; resolves to its id. */
	recordCheck(row: AttendanceCheckRow): Promise<number>;
	/** Turns an earlier row into an 'error' row (a tag call failed after the row was written). */
	markFailed(id: number, error: string, responseTimeMs: number): Promise<void>;
}

/**
 * The email as the sync stores it: through the shared email rule (trimmed, unwrapped, lower-cased,
 * syntax-checked), so an address the sync would refuse is refused before the lookup too.
 */
export function lookupEmail(raw: unknown): Normalized<string> {
	return normalizeEmail(raw === undefined || raw === null ? '' : String(raw));
}

/** The attendance lookup against `schema`; without a schedule it matches email + webinar. */
export function lookupSql(schema: string, withSchedule: boolean): string {
	const table = `${quoteIdent(schema, 'Schema')}.${quoteIdent(TABLES.registrants)}`;
	return [
		`SELECT ${LOOKUP_COLUMNS.join(', ')}`,
		`FROM ${table}`,
		`WHERE email = $1 AND webinar_id = $2${withSchedule ? ' AND schedule_id = $3' : ''}`,
		'ORDER BY event_date DESC',
		'LIMIT 1',
	].join(' ');
}

const AUDIT_COLUMNS = [
	'registrant_id',
	'ghl_contact_id',
	'email',
	'webinar_id',
	'schedule_id',
	'attended',
	'attendance_status',
	'tag_added',
	'tag_removed',
	'error',
	'response_time_ms',
] as const;

export function recordCheckSql(schema: string): string {
	const table = `${quoteIdent(schema, 'Schema')}.${quoteIdent(TABLES.checks)}`;
	const params = AUDIT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
	return `INSERT INTO ${table} (${AUDIT_COLUMNS.join(', ')}) VALUES (${params}) RETURNING id`;
}

function markFailedSql(schema: string): string {
	const table = `${quoteIdent(schema, 'Schema')}.${quoteIdent(TABLES.checks)}`;
	return `UPDATE ${table} SET attendance_status = 'error', error = $2, response_time_ms = $3 WHERE id = $1`;
}

// Column widths in schema.ts: a longer value would fail the insert, and the audit row matters more.
const clip = (value: string | null, max: number) =>
	value === null ? null : value.length > max ? value.slice(0, max) : value;

function auditValues(row: AttendanceCheckRow): unknown[] {
	return [
		row.registrantId,
		clip(row.ghlContactId, 255),
		clip(row.email, 255) ?? '',
		row.webinarId,
		row.scheduleId,
		row.attended,
		row.status,
		clip(row.tagAdded, 100),
		clip(row.tagRemoved, 100),
		row.error,
		Math.max(0, Math.round(row.responseTimeMs)),
	];
}

function isoOrNull(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	const date = value instanceof Date ? value : new Date(String(value));
	return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

const numberOr = (value: unknown, fallback: number) => {
	const n = typeof value === 'number' ? value : Number(value);
	return Number.isFinite(n) ? n : fallback;
};

const textOrNull = (value: unknown) =>
	value === null || value === undefined ? null : String(value);

/** One shape for both modes (pg rows and PostgREST JSON differ in dates, numerics and bigints). */
export function toRegistrant(row: Record<string, unknown>): Registrant {
	return {
		id: numberOr(row.id, 0),
		email: String(row.email ?? ''),
		first_name: textOrNull(row.first_name),
		last_name: textOrNull(row.last_name),
		webinar_name: textOrNull(row.webinar_name),
		webinar_id: numberOr(row.webinar_id, 0),
		schedule_id: numberOr(row.schedule_id, 0),
		attended_live: row.attended_live === true,
		date_live: isoOrNull(row.date_live),
		time_live: textOrNull(row.time_live),
		purchased_live: row.purchased_live === true,
		revenue_live: numberOr(row.revenue_live, 0),
		attended_replay: row.attended_replay === true,
	};
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const INTERVAL_OID = 1186;

/** Keeps bigint, numeric and interval as text (toRegistrant converts), everything else as pg does. */
const lookupTypes: pg.CustomTypesConfig = {
	getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
		if (oid === INT8_OID || oid === NUMERIC_OID || oid === INTERVAL_OID)
			return (value: string) => value;
		return pg.types.getTypeParser(oid, format);
	}) as pg.CustomTypesConfig['getTypeParser'],
};

/** A prepared statement's name: unique per SQL text (a name bound to other text is an error in pg). */
function statementName(kind: string, sql: string): string {
	return `mkops_${kind}_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
}

/** Postgres mode: named prepared statements on the credential's process-wide pool. */
export function postgresAttendanceStore(
	credentials: PostgresCredentials,
	schema: string,
	poolSize = DEFAULT_POOL_SIZE,
): AttendanceStore {
	// Built (and the schema name checked) once per execution, not per item.
	const withSchedule = lookupSql(schema, true);
	const withoutSchedule = lookupSql(schema, false);
	const insert = recordCheckSql(schema);
	const update = markFailedSql(schema);
	const names = new Map(
		[withSchedule, withoutSchedule, insert, update].map((sql, i) => [
			sql,
			statementName(['lookup', 'lookupw', 'check', 'checkfail'][i], sql),
		]),
	);
	const pool = postgresPool(credentials, poolSize);
	const run = async (
		sql: string,
		values: unknown[],
		action: string,
		types?: pg.CustomTypesConfig,
	) => {
		try {
			return await pool.query({ name: names.get(sql), text: sql, values, types });
		} catch (error) {
			throw describePostgresError(error, credentials, action);
		}
	};
	return {
		mode: 'postgres',
		where: `PostgreSQL at ${endpointOf(credentials)}`,
		async lookup(query) {
			const sql = query.scheduleId === undefined ? withoutSchedule : withSchedule;
			const values: unknown[] = [query.email, query.webinarId];
			if (query.scheduleId !== undefined) values.push(query.scheduleId);
			const result = await run(sql, values, 'attendance lookup failed', lookupTypes);
			const row = result.rows[0] as Record<string, unknown> | undefined;
			return row === undefined ? null : toRegistrant(row);
		},
		async recordCheck(row) {
			const result = await run(insert, auditValues(row), 'audit row not written');
			return Number((result.rows[0] as { id: unknown }).id);
		},
		async markFailed(id, error, responseTimeMs) {
			await run(
				update,
				[id, error, Math.max(0, Math.round(responseTimeMs))],
				'audit row not updated',
			);
		},
	};
}

export interface SupabaseStoreOptions {
	/** Abort a request after this long (supabase-js has no timeout of its own). */
	timeoutMs?: number;
}

/** Supabase mode: the same lookup and audit writes through supabase-js (PostgREST). */
export function supabaseAttendanceStore(
	credentials: SupabaseCredentials,
	schema: string,
	options: SupabaseStoreOptions = {},
): AttendanceStore {
	quoteIdent(schema, 'Schema');
	const client: AnySupabaseClient = supabaseClient(credentials, schema);
	const timeoutMs = options.timeoutMs ?? 10_000;
	const signal = () => AbortSignal.timeout(timeoutMs);
	const fail = (error: unknown, action: string) => {
		const described = describeSupabaseError(error, credentials, action);
		// PostgREST only serves the schemas listed in the project's API settings.
		if (described.code === 'PGRST106')
			return new DatabaseError(
				`${described.message}. Add '${schema}' to Exposed schemas in Supabase › Project Settings › Data API, or use 'public'.`,
				described.code,
			);
		return described;
	};
	const select = LOOKUP_COLUMNS.join(',');
	return {
		mode: 'supabase',
		where: `Supabase at ${credentials.host}`,
		async lookup(query) {
			let builder = client
				.from(TABLES.registrants)
				.select(select)
				.eq('email', query.email)
				.eq('webinar_id', query.webinarId);
			if (query.scheduleId !== undefined) builder = builder.eq('schedule_id', query.scheduleId);
			const { data, error } = await builder
				.order('event_date', { ascending: false })
				.limit(1)
				.abortSignal(signal())
				.maybeSingle();
			if (error) throw fail(error, 'attendance lookup failed');
			return data ? toRegistrant(data as unknown as Record<string, unknown>) : null;
		},
		async recordCheck(row) {
			const values = auditValues(row);
			const record = Object.fromEntries(AUDIT_COLUMNS.map((column, i) => [column, values[i]]));
			const { data, error } = await client
				.from(TABLES.checks)
				.insert(record)
				.select('id')
				.abortSignal(signal())
				.single();
			if (error) throw fail(error, 'audit row not written');
			return Number((data as { id: unknown }).id);
		},
		async markFailed(id, error, responseTimeMs) {
			const { error: failure } = await client
				.from(TABLES.checks)
				.update({
					attendance_status: 'error',
					error,
					response_time_ms: Math.max(0, Math.round(responseTimeMs)),
				})
				.eq('id', id)
				.abortSignal(signal());
			if (failure) throw fail(failure, 'audit row not updated');
		},
	};
}
