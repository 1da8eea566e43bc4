/**
 * Writes transformed registrants into `webinar_registrants`, touching only new and changed rows (an
 * unchanged row gets no new tuple; updated_at and last_synced_at keep their values):
 * - Postgres: one `INSERT … SELECT … FROM json_populate_recordset … ON CONFLICT … DO UPDATE … WHERE
 *   (old) IS DISTINCT FROM (new) RETURNING webinarjam_id, (xmax = 0)` per chunk;
 * - Supabase (PostgREST runs no custom SQL): read the chunk's rows by `in('webinarjam_id', …)`,
 *   compare, and upsert only the new and changed ones.
 * A chunk the database rejects because of one row goes through the shared batch core, which splits
 * it down to that row: the good rows land, the bad one is reported with the database's message.
 * Results are matched to rows by webinarjam_id.
 */
import type pg from 'pg';

import type { BatchRow, RowResult } from '../../../shared/batch/writeInBatches';
import { writeInBatches } from '../../../shared/batch/writeInBatches';
import {
	type AnySupabaseClient,
	DatabaseError,
	describePostgresError,
	describeSupabaseError,
	type PostgresCredentials,
	quoteIdent,
	type SupabaseCredentials,
} from '../../../shared/database/connection';
import { REGISTRANT_COLUMNS, TABLES } from '../../../shared/database/schema';
import { decimalToCents, intervalSeconds } from '../../../shared/normalize';
import { withRetry } from '../../../shared/transport/retry';
import { dedupeChunk, type RegistrantFailure, type RegistrantRow } from './transform';

export interface ChunkResult {
	/** Distinct rows of the chunk (after dropping earlier duplicates). */
	rows: number;
	inserted: number;
	updated: number;
	unchanged: number;
	/** Rows replaced by a later row with the same id in the same chunk. */
	duplicates: number;
	failures: RegistrantFailure[];
}

export interface RegistrantWriter {
	readonly kind: 'postgres' | 'supabase';
	/** Upserts one chunk; rows the database rejects come back in `failures`, the rest land. */
	write(rows: readonly RegistrantRow[]): Promise<ChunkResult>;
}

type Landed = 'inserted' | 'updated' | 'unchanged';

/** Rows the database refused because of their data (Postgres classes 22 and 23). */
class RowRejection extends Error {
	constructor(
		message: string,
		readonly code: string | undefined,
		readonly column?: string,
	) {
		super(message);
	}
}

/** Data errors belong to the rows (split to find them); anything else is about the database. */
const isRowLevelCode = (code: string | undefined) =>
	code !== undefined && /^(22|23)[0-9A-Z]{3}$/.test(code);

/** Tries a statement again while the failure is about the connection, not the statement. */
async function retryTransient<T>(
	maxTries: number,
	transient: (error: unknown) => boolean,
	attempt: () => Promise<T>,
): Promise<T> {
	return await withRetry(attempt, {
		maxAttempts: maxTries,
		baseDelayMs: 200,
		maxDelayMs: 2000,
		isRetryable: transient,
		retryAfterMs: () => undefined,
	});
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
	return undefined;
}

/** Rows a whole chunk rejected with one and the same error: the table, not the rows, is wrong. */
const SYSTEMATIC_MIN_ROWS = 8;

const missingTableHint = (schema: string) =>
	` Run WebinarJam › Database › Apply Schema for schema "${schema}" first.`;

interface KeyedRow extends BatchRow {
	row: RegistrantRow;
}

/**
 * Lands `rows` with `upsert` (what became of each row it changed, by webinarjam_id; throws a
 * RowRejection when a row's data is refused, anything else when the database is) through the
 * shared batch core. Counts go into `result`; refused rows come back.
 */
async function landRows(
	rows: RegistrantRow[],
	where: string,
	upsert: (rows: RegistrantRow[]) => Promise<Map<number, Landed>>,
	result: ChunkResult,
): Promise<void> {
	if (rows.length === 0) return;
	const keyed: KeyedRow[] = rows.map((row) => ({ key: String(row.webinarjam_id), row }));
	const outcomes = await writeInBatches<KeyedRow, Map<number, Landed>, Landed>(keyed, {
		batchSize: keyed.length,
		concurrency: 1,
		send: async (batch) => await upsert(batch.map((k) => k.row)),
		// A row the statement did not change is not in its answer: it was already up to date.
		results: (landed, batch) =>
			new Map(
				batch.map((k): [string, RowResult<Landed>] => [
					k.key,
					{ ok: true, value: landed.get(Number(k.row.webinarjam_id)) ?? 'unchanged' },
				]),
			),
		isRowRejection: (error) => error instanceof RowRejection,
		rejectedRow: (error, k) => {
			const rejection = error as RowRejection;
			return {
				ok: false,
				message: rejection.message,
				error,
				field: blamedColumn(k.row, rejection.column, rejection.code),
				type: rejection.code,
			};
		},
		isFatal: (error) => !(error instanceof RowRejection),
		describe: (error) => (error as Error).message,
		unconfirmedMessage: 'the database did not confirm this row',
	});
	const rejected: Array<{ row: RegistrantRow; failure: RegistrantFailure; code?: string }> = [];
	for (const { key, row } of keyed) {
		const outcome = outcomes.get(key);
		if (outcome?.ok) {
			result[outcome.value]++;
			continue;
		}
		// The database itself failed (unreachable, table missing): the sync stops.
		if (outcome === undefined || outcome.fatal)
			throw outcome?.error ?? new DatabaseError(`${where} did not answer for row ${key}`);
		rejected.push({
			row,
			code: outcome.type,
			failure: {
				webinarjam_id: row.webinarjam_id as number,
				email: (row.email as string | null) ?? null,
				field: outcome.field ?? null,
				reason: outcome.message,
				webinar_id: (row.webinar_id as number | null) ?? null,
			},
		});
	}
	const code = rejected[0]?.code;
	if (
		rows.length >= SYSTEMATIC_MIN_ROWS &&
		rejected.length === rows.length &&
		code !== undefined &&
		rejected.every((r) => r.code === code)
	) {
		throw new DatabaseError(
			`${where} rejected every row of a ${rows.length}-row chunk with the same error, so the table (not the data) is the problem; stopped. First: ${rejected[0].failure.reason}`,
			code,
		);
	}
	result.failures.push(...rejected.map((r) => r.failure));
}

function emptyResult(rows: number, duplicates: number): ChunkResult {
	return { rows, inserted: 0, updated: 0, unchanged: 0, duplicates, failures: [] };
}

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
RETURNING webinarjam_id, (xmax = 0) AS inserted`;
}

interface PgErrorLike {
	code?: string;
	column?: string;
}

const pgCode = (error: unknown) => (error as PgErrorLike | undefined)?.code;

/** Postgres errors worth another try: lost connection, deadlock, serialization, shutdown, overload. */
function isTransientPg(error: unknown): boolean {
	const code = pgCode(error);
	if (isRowLevelCode(code)) return false;
	return (
		code === undefined ||
		/^(08|53|57P0)/.test(code) ||
		code === '40001' ||
		code === '40P01' ||
		/^E[A-Z]+$/.test(code)
	);
}

export class PostgresRegistrantWriter implements RegistrantWriter {
	readonly kind = 'postgres' as const;

	private readonly sql: string;

	private readonly where: string;

	/** Statements sent (retries and split halves included). */
	statements = 0;

	constructor(
		private readonly pool: pg.Pool,
		private readonly credentials: PostgresCredentials,
		private readonly schema: string,
		private readonly maxTries = 3,
	) {
		this.sql = upsertStatement(schema);
		this.where = `PostgreSQL at ${credentials.host}`;
	}

	async write(chunk: readonly RegistrantRow[]): Promise<ChunkResult> {
		const { rows, duplicates } = dedupeChunk(chunk);
		const result = emptyResult(rows.length, duplicates);
		await landRows(rows, this.where, async (batch) => await this.upsert(batch), result);
		return result;
	}

	private async upsert(rows: RegistrantRow[]): Promise<Map<number, Landed>> {
		const payload = JSON.stringify(rows);
		const answer = await retryTransient(this.maxTries, isTransientPg, async () => {
			this.statements++;
			return await this.pool.query<{ webinarjam_id: string; inserted: boolean }>(this.sql, [
				payload,
			]);
		}).catch((error: unknown) => {
			throw this.refusal(error);
		});
		return new Map(
			answer.rows.map((r): [number, Landed] => [
				Number(r.webinarjam_id),
				r.inserted ? 'inserted' : 'updated',
			]),
		);
	}

	/** A failed statement: the rows' fault (split to find the row) or the database's (the sync stops). */
	private refusal(error: unknown): Error {
		const code = pgCode(error);
		if (isRowLevelCode(code)) {
			const reason = describePostgresError(error, this.credentials, 'rejected the row').message;
			return new RowRejection(reason, code, (error as PgErrorLike).column);
		}
		const described = describePostgresError(
			error,
			this.credentials,
			'upsert into webinar_registrants failed',
		);
		if (code === '42P01' || code === '3F000' || code === '42703' || code === '42704')
			return new DatabaseError(described.message + missingTableHint(this.schema), code);
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

/** supabase-js answers errors instead of throwing them: this carries one, so it can be retried. */
class SupabaseFailure extends Error {
	constructor(readonly answer: SupabaseAnswer<unknown> & { error: SupabaseErrorLike }) {
		super(answer.error.message ?? 'Supabase request failed');
	}

	get code(): string | undefined {
		return this.answer.error.code;
	}
}

/** PostgREST answers that are about the connection, not the request: try again. */
function isTransientSupabase(error: unknown): boolean {
	if (!(error instanceof SupabaseFailure)) return false;
	const status = error.answer.status ?? 0;
	const code = error.code ?? '';
	if (status >= 500 || status === 0 || status === 429) return !isRowLevelCode(code);
	return code === '' && /fetch failed|network|ECONN|socket|timed? ?out/i.test(error.message);
}

export class SupabaseRegistrantWriter implements RegistrantWriter {
	readonly kind = 'supabase' as const;

	private readonly where: string;

	/** HTTP requests sent (retries and split halves included). */
	requests = 0;

	constructor(
		private readonly client: AnySupabaseClient,
		private readonly credentials: SupabaseCredentials,
		private readonly schema: string,
		private readonly maxTries = 3,
	) {
		this.where = `Supabase at ${credentials.host}`;
	}

	/** One PostgREST call, retried while the failure is about the connection. */
	private async call<T>(run: () => PromiseLike<SupabaseAnswer<T>>): Promise<T | null> {
		const answer = await retryTransient(this.maxTries, isTransientSupabase, async () => {
			this.requests++;
			let answer: SupabaseAnswer<T>;
			try {
				answer = await run();
			} catch (error) {
				answer = { data: null, error: { message: (error as Error).message }, status: 0 };
			}
			if (answer.error) throw new SupabaseFailure({ ...answer, error: answer.error });
			return answer;
		});
		return answer.data;
	}

	private fail(error: unknown, action: string): Error {
		if (!(error instanceof SupabaseFailure)) return error as Error;
		const code = error.code;
		if (isRowLevelCode(code))
			return new RowRejection(
				describeSupabaseError(error.answer.error, this.credentials, 'rejected the row').message,
				code,
			);
		const described = describeSupabaseError(error.answer.error, this.credentials, action);
		if (code === '42P01' || code === 'PGRST205' || code === 'PGRST204' || code === '42703')
			return new DatabaseError(described.message + missingTableHint(this.schema), code);
		return described;
	}

	async write(chunk: readonly RegistrantRow[]): Promise<ChunkResult> {
		const { rows, duplicates } = dedupeChunk(chunk);
		const result = emptyResult(rows.length, duplicates);
		if (rows.length === 0) return result;
		const existing = await this.existing(rows);
		const changed: RegistrantRow[] = [];
		for (const row of rows) {
			const current = existing.get(row.webinarjam_id as number);
			if (current !== undefined && sameRow(current, row)) result.unchanged++;
			else changed.push(row);
		}
		const now = new Date().toISOString();
		await landRows(
			changed,
			this.where,
			async (batch) => {
				await this.upsert(batch, now);
				return new Map(
					batch.map((row): [number, Landed] => {
						const id = row.webinarjam_id as number;
						return [id, existing.has(id) ? 'updated' : 'inserted'];
					}),
				);
			},
			result,
		);
		return result;
	}

	/** The chunk's rows as they are stored now, by webinarjam_id. */
	private async existing(rows: RegistrantRow[]): Promise<Map<number, Record<string, unknown>>> {
		const ids = rows.map((r) => r.webinarjam_id as number);
		let data: Array<Record<string, unknown>> | null;
		try {
			data = await this.call(
				() =>
					this.client
						.from(TABLES.registrants)
						.select(WRITABLE.join(','))
						.in('webinarjam_id', ids) as unknown as PromiseLike<
						SupabaseAnswer<Array<Record<string, unknown>>>
					>,
			);
		} catch (error) {
			throw this.fail(error, 'reading webinar_registrants failed');
		}
		return new Map((data ?? []).map((r) => [Number(r.webinarjam_id), r]));
	}

	private async upsert(rows: RegistrantRow[], now: string): Promise<void> {
		const body = rows.map((row) => ({ ...row, updated_at: now, last_synced_at: now }));
		try {
			await this.call(
				() =>
					this.client
						.from(TABLES.registrants)
						.upsert(body, { onConflict: 'webinarjam_id' }) as unknown as PromiseLike<
						SupabaseAnswer<null>
					>,
			);
		} catch (error) {
			throw this.fail(error, 'upsert into webinar_registrants failed');
		}
	}
}
