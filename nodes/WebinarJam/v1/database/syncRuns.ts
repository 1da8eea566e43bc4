/**
 * `sync_runs`: one row per sync. A run is written as
 * `running` when it starts and finished as `success`, `partial` (some rows or webinars failed) or
 * `failed` (the sync stopped), with its counts, the first errors as JSON and its duration.
 */
import type pg from 'pg';

import {
	type AnySupabaseClient,
	DatabaseError,
	describePostgresError,
	describeSupabaseError,
	type PostgresCredentials,
	quoteIdent,
	type SupabaseCredentials,
} from '../../../shared/database/connection';
import { TABLES } from '../../../shared/database/schema';

export type SyncRunStatus = 'running' | 'success' | 'partial' | 'failed';

export interface SyncRunStart {
	/** e.g. 'webinarjam' or 'everwebinar'. */
	source: string;
	/** The webinars the run covers, comma-separated (or "all"). */
	webinarIds: string;
}

export interface SyncRunResult {
	status: Exclude<SyncRunStatus, 'running'>;
	pages: number;
	fetched: number;
	inserted: number;
	updated: number;
	unchanged: number;
	failed: number;
	/** Stored as JSONB; callers keep it short (the first 100). */
	errors: unknown[];
	durationMs: number;
}

export interface SyncRunStore {
	start(run: SyncRunStart): Promise<number>;
	finish(id: number, result: SyncRunResult): Promise<void>;
}

/** At most this many errors are stored in a run's `errors` column. */
export const MAX_STORED_ERRORS = 100;

const missingTable = (where: string, schema: string, detail: string) =>
	new DatabaseError(
		`${where}: table ${schema}.${TABLES.syncRuns} is missing (${detail}). Run WebinarJam › Database › Apply Schema for schema "${schema}" first.`,
	);

const clampInt = (n: number) => Math.max(0, Math.min(2_147_483_647, Math.round(n)));

export class PostgresSyncRuns implements SyncRunStore {
	private readonly table: string;

	constructor(
		private readonly pool: pg.Pool,
		private readonly credentials: PostgresCredentials,
		private readonly schema: string,
	) {
		this.table = `${quoteIdent(schema, 'Schema')}.${quoteIdent(TABLES.syncRuns)}`;
	}

	private fail(error: unknown, action: string): DatabaseError {
		const described = describePostgresError(error, this.credentials, action);
		const code = (error as { code?: string })?.code;
		if (code === '42P01' || code === '3F000') {
			return missingTable(`PostgreSQL at ${this.credentials.host}`, this.schema, described.message);
		}
		return described;
	}

	async start(run: SyncRunStart): Promise<number> {
		try {
			const result = await this.pool.query<{ id: string }>(
				`INSERT INTO ${this.table} (source, status, webinar_ids) VALUES ($1, 'running', $2) RETURNING id`,
				[run.source, run.webinarIds],
			);
			return Number(result.rows[0].id);
		} catch (error) {
			throw this.fail(error, 'recording the sync run failed');
		}
	}

	async finish(id: number, r: SyncRunResult): Promise<void> {
		try {
			await this.pool.query(
				`UPDATE ${this.table} SET status = $2, pages = $3, fetched = $4, inserted = $5, updated = $6,
	unchanged = $7, failed = $8, errors = $9::jsonb, duration_ms = $10, finished_at = now() WHERE id = $1`,
				[
					id,
					r.status,
					clampInt(r.pages),
					clampInt(r.fetched),
					clampInt(r.inserted),
					clampInt(r.updated),
					clampInt(r.unchanged),
					clampInt(r.failed),
					JSON.stringify(r.errors.slice(0, MAX_STORED_ERRORS)),
					clampInt(r.durationMs),
				],
			);
		} catch (error) {
			throw this.fail(error, `finishing sync run ${id} failed`);
		}
	}
}

interface SupabaseErrorLike {
	code?: string;
	message?: string;
}

export class SupabaseSyncRuns implements SyncRunStore {
	constructor(
		private readonly client: AnySupabaseClient,
		private readonly credentials: SupabaseCredentials,
		private readonly schema: string,
	) {}

	private fail(error: SupabaseErrorLike, action: string): DatabaseError {
		const described = describeSupabaseError(error, this.credentials, action);
		if (error.code === '42P01' || error.code === 'PGRST205' || error.code === 'PGRST106') {
			return missingTable(`Supabase at ${this.credentials.host}`, this.schema, described.message);
		}
		return described;
	}

	async start(run: SyncRunStart): Promise<number> {
		const { data, error } = await this.client
			.from(TABLES.syncRuns)
			.insert({ source: run.source, status: 'running', webinar_ids: run.webinarIds })
			.select('id')
			.single();
		if (error) throw this.fail(error, 'recording the sync run failed');
		return Number((data as { id: number | string }).id);
	}

	async finish(id: number, r: SyncRunResult): Promise<void> {
		const { error } = await this.client
			.from(TABLES.syncRuns)
			.update({
				status: r.status,
				pages: clampInt(r.pages),
				fetched: clampInt(r.fetched),
				inserted: clampInt(r.inserted),
				updated: clampInt(r.updated),
				unchanged: clampInt(r.unchanged),
				failed: clampInt(r.failed),
				errors: r.errors.slice(0, MAX_STORED_ERRORS),
				duration_ms: clampInt(r.durationMs),
				finished_at: new Date().toISOString(),
			})
			.eq('id', id);
		if (error) throw this.fail(error, `finishing sync run ${id} failed`);
	}
}
