/**
 * Real-PostgreSQL helpers for integration tests.
 *
 * `ensurePostgres()` makes sure a PostgreSQL server answers on POSTGRES_HOST:POSTGRES_PORT
 * (default 127.0.0.1:5432, user postgres, trust auth): if it does not, it runs
 * scripts/ensure-services.sh (which starts an installed cluster) and, failing that, throws saying
 * what to install. The test database (POSTGRES_DATABASE, default `test`) is created when missing.
 * Tests never skip.
 *
 * `testPostgres(label)` gives every test run its own freshly created schema (`mkops_t_<label>_<hex>`)
 * in that database, with a pool whose search_path is that schema; `cleanup()` drops it (CASCADE)
 * and ends the pool.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { QueryResult, QueryResultRow } from 'pg';
import { Client, Pool } from 'pg';

export const repoRoot = path.resolve(__dirname, '..', '..');

export interface PostgresConnection {
	host: string;
	port: number;
	database: string;
	user: string;
	password: string;
}

export function testPostgresConnection(database?: string): PostgresConnection {
	return {
		host: process.env.POSTGRES_HOST ?? '127.0.0.1',
		port: Number(process.env.POSTGRES_PORT ?? 5432),
		database: database ?? process.env.POSTGRES_DATABASE ?? 'test',
		user: process.env.POSTGRES_USER ?? 'postgres',
		password: process.env.POSTGRES_PASSWORD ?? '',
	};
}

/** Double-quotes an SQL identifier (embedded quotes doubled). */
export function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

type Probe = { ok: true } | { ok: false; code?: string; message: string };

async function probe(connection: PostgresConnection): Promise<Probe> {
	const client = new Client({ ...connection, connectionTimeoutMillis: 5000 });
	try {
		await client.connect();
		await client.query('SELECT 1');
		return { ok: true };
	} catch (err) {
		const e = err as { code?: string; message?: string };
		return { ok: false, code: e.code, message: String(e.message ?? err) };
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** 3D000 invalid_catalog_name: the server is up but the test database does not exist yet. */
async function createDatabase(connection: PostgresConnection): Promise<void> {
	const admin = new Client({ ...connection, database: 'postgres', connectionTimeoutMillis: 5000 });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${quoteIdent(connection.database)}`);
	} catch (err) {
		if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
	} finally {
		await admin.end();
	}
}

let ensured: Promise<void> | undefined;

/** Resolves once the test database answers; starts PostgreSQL with scripts/ensure-services.sh if needed. */
export async function ensurePostgres(): Promise<void> {
	ensured ??= (async () => {
		const connection = testPostgresConnection();
		let result = await probe(connection);
		let script: ReturnType<typeof spawnSync> | undefined;
		if (!result.ok && result.code !== '3D000') {
			script = spawnSync('bash', [path.join(repoRoot, 'scripts', 'ensure-services.sh')], {
				encoding: 'utf8',
				timeout: 90000,
			});
			result = await probe(connection);
		}
		if (!result.ok && result.code === '3D000') {
			await createDatabase(connection);
			result = await probe(connection);
		}
		if (result.ok) return;
		const { host, port, database, user } = connection;
		throw new Error(
			`PostgreSQL is not reachable as ${user}@${host}:${port}/${database} (${result.message}) and ` +
				'scripts/ensure-services.sh did not start it. Install PostgreSQL >= 13 with trust auth for ' +
				'local connections (Debian/Ubuntu: apt-get install postgresql), or point ' +
				'POSTGRES_HOST/POSTGRES_PORT/POSTGRES_USER/POSTGRES_PASSWORD at a running server.' +
				(script
					? `\nensure-services.sh exit ${script.status}: ${String(script.stdout ?? '') + String(script.stderr ?? '')}`.trimEnd()
					: ''),
		);
	})();
	try {
		await ensured;
	} catch (err) {
		ensured = undefined; // let a later call try again
		throw err;
	}
}

/** A schema name unique to this run, e.g. `mkops_t_upsert_1a2b3c4d5e`. */
export function testSchemaName(label: string): string {
	const clean = label
		.toLowerCase()
		.replace(/[^a-z0-9_]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.slice(0, 30);
	return `mkops_t_${clean ? `${clean}_` : ''}${randomBytes(5).toString('hex')}`;
}

export interface TestPostgres {
	/** Connection settings for the test database (what a node credential or the PostgREST double needs). */
	connection: PostgresConnection;
	/** The run's own schema; the pool's search_path is `<schema>, public`. */
	schema: string;
	/** `"<schema>"."<name>"`, for SQL written in tests. */
	qualified: (name: string) => string;
	pool: Pool;
	query: <R extends QueryResultRow = QueryResultRow>(
		sql: string,
		params?: unknown[],
	) => Promise<QueryResult<R>>;
	/** Drops the schema (CASCADE) and ends the pool; safe to call twice. */
	cleanup: () => Promise<void>;
}

/** Creates a fresh, uniquely named schema in the test database for one test file / run. */
export async function testPostgres(
	label: string,
	opts: { poolSize?: number } = {},
): Promise<TestPostgres> {
	await ensurePostgres();
	const connection = testPostgresConnection();
	const schema = testSchemaName(label);
	const pool = new Pool({
		...connection,
		max: opts.poolSize ?? 4,
		application_name: `mkops-test-${label}`.slice(0, 63),
		options: `-c search_path=${schema},public`,
	});
	pool.on('error', () => undefined);
	try {
		await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
	} catch (err) {
		await pool.end();
		throw err;
	}
	let cleaned: Promise<void> | undefined;
	return {
		connection,
		schema,
		qualified: (name) => `${quoteIdent(schema)}.${quoteIdent(name)}`,
		pool,
		query: async <R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]) =>
			await pool.query<R>(sql, params),
		cleanup: async () => {
			cleaned ??= (async () => {
				try {
					await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
				} finally {
					await pool.end();
				}
			})();
			await cleaned;
		},
	};
}
