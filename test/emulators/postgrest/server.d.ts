import type { RequestHold } from './requestHold';

export type { RequestHold };

// PostgREST-protocol test double (PostgREST itself cannot be installed on these machines):
// the request shapes @supabase/supabase-js sends, turned into SQL on a real PostgreSQL.
import type { Pool } from 'pg';

/** A fixed JWT-looking string (not a verifiable JWT): the default service role key. */
export declare const DEFAULT_SERVICE_ROLE_KEY: string;

/** PostgREST's PostgreSQL error code → HTTP status table. */
export declare function pgErrorStatus(code: string, message?: string): number;
export declare function parseSelect(raw: string | undefined): unknown[];
export declare function parseOrder(raw: string): unknown[];
export declare function parseCondition(
	column: string,
	value: string,
	inLogicTree: boolean,
): unknown;
export declare function parseLogic(key: string, raw: string): unknown;

export interface PostgresConnectionOptions {
	host: string;
	port: number;
	database: string;
	user: string;
	password?: string;
}

export interface StartPostgrestDoubleOptions {
	port?: number;
	/** Default 127.0.0.1. */
	host?: string;
	connection: PostgresConnectionOptions;
	/** Default schema (used when a request carries no Accept-Profile / Content-Profile). Default `public`. */
	schema?: string;
	/** Exposed schemas (PostgREST's db-schemas); others get 406 PGRST106. Default `[schema]`. */
	schemas?: string[];
	/** The only key accepted in `apikey` and `Authorization: Bearer`. Default DEFAULT_SERVICE_ROLE_KEY. */
	serviceRoleKey?: string;
	/** Postgres connections the double may hold (default 10). */
	poolSize?: number;
}

export interface PostgrestFaults {
	/** The next N authenticated requests get `status5xx` without touching Postgres. */
	force5xx: number;
	/**
	 * Default 503 (answered as PGRST000). Note: supabase-js retries GET/HEAD on 503 and 520 up to
	 * 3 times (1 s, 2 s, 4 s) unless `.retry(false)`; writes are never retried.
	 */
	status5xx: number;
	/** Added before every response. */
	latencyMs: number;
}

export interface PostgrestRequestLogEntry {
	seq: number;
	method: string;
	path: string;
	/** Query parameters, without `apikey`. */
	query: Record<string, string>;
	schema: string | null;
	table: string | null;
	rpc: string | null;
	/** Rows returned or affected (upserts with ignore-duplicates: rows inserted); null on errors. */
	rows: number | null;
	/** POST to a table: rows in the request body. */
	bodyRows?: number;
	status: number;
	/** PostgREST / Postgres error code of an error response. */
	code?: string;
	forced?: boolean;
	time: number;
	durationMs: number;
}

export interface PostgrestStatementLogEntry {
	seq: number;
	requestSeq: number | null;
	/** `data`: the request's SQL; `catalog`: schema-cache look-ups; `tx`: BEGIN/COMMIT/set_config. */
	kind: 'data' | 'catalog' | 'tx';
	sql: string;
	paramCount: number;
	rowCount: number | null;
	durationMs: number;
	/** SQLSTATE when the statement failed. */
	error?: string;
}

export interface PostgrestDouble {
	/** The Supabase project URL: `createClient(url, serviceRoleKey)` (supabase-js appends /rest/v1). */
	url: string;
	/** `${url}/rest/v1`. */
	restUrl: string;
	port: number;
	serviceRoleKey: string;
	schema: string;
	schemas: string[];
	/** The double's own pool (for assertions about connections, not for test data). */
	pool: Pool;
	requests(filter?: Partial<PostgrestRequestLogEntry>): PostgrestRequestLogEntry[];
	statements(filter?: Partial<PostgrestStatementLogEntry>): PostgrestStatementLogEntry[];
	clearLogs(): void;
	setFaults(patch: Partial<PostgrestFaults>): PostgrestFaults;
	/**
	 * Holds matching requests (logged, not yet answered) until released; close() releases too.
	 * `reached(n)` resolves once n of them wait at the same time.
	 */
	hold(
		filter?:
			| Partial<PostgrestRequestLogEntry>
			| ((entry: PostgrestRequestLogEntry) => boolean),
	): RequestHold;
	/** Stops listening, drops open connections and ends the pool; safe to call twice. */
	close(): Promise<void>;
}

export declare function startPostgrestDouble(
	opts: StartPostgrestDoubleOptions,
): Promise<PostgrestDouble>;
