/**
 * A PostgreSQL cluster of a test's own (initdb + pg_ctl on a free port in a temp dir, trust auth),
 * for tests that must stop the database: the machine's shared server is never stopped.
 * Runs the server binaries as the `postgres` user when the tests run as root (initdb refuses root).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { QueryResult, QueryResultRow } from 'pg';
import { Pool } from 'pg';

import type { PostgresConnection, TestPostgres } from './postgres';
import { quoteIdent } from './postgres';

function binDir(): string {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root)
		? readdirSync(root)
				.filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}/*/bin`);
	return join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
	});
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a server binary, as `postgres` when we are root. */
function pgRun(bin: string, args: string[]): void {
	const cmd = asRoot ? 'runuser' : bin;
	const argv = asRoot ? ['-u', 'postgres', '--', bin, ...args] : args;
	execFileSync(cmd, argv, { stdio: 'pipe', timeout: 120_000 });
}

export interface PrivatePostgres extends Omit<TestPostgres, 'pool'> {
	/** Stops the server (fast shutdown): connections fail from then on. */
	stop: () => Promise<void>;
	/** Starts it again on the same port and data directory. */
	start: () => void;
}

export async function privatePostgres(): Promise<PrivatePostgres> {
	const bin = binDir();
	const dir = mkdtempSync(join(tmpdir(), 'mkops-pg-'));
	chmodSync(dir, 0o777);
	const data = join(dir, 'data');
	const port = await freePort();
	pgRun(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
	const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
	const start = () =>
		pgRun(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-w', '-l', join(dir, 'log'), 'start']);
	start();
	const connection: PostgresConnection = {
		host: '127.0.0.1',
		port,
		database: 'postgres',
		user: 'postgres',
		password: '',
	};
	let pool = new Pool({ ...connection, max: 3 });
	let stopped = false;
	const stop = async () => {
		await pool.end().catch(() => undefined);
		pgRun(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
		stopped = true;
	};
	const schema = 'public';
	return {
		connection,
		schema,
		qualified: (name) => `${quoteIdent(schema)}.${quoteIdent(name)}`,
		query: async <R extends QueryResultRow = QueryResultRow>(
			sql: string,
			params?: unknown[],
		): Promise<QueryResult<R>> => await pool.query<R>(sql, params),
		stop,
		start: () => {
			start();
			stopped = false;
			pool = new Pool({ ...connection, max: 3 });
		},
		cleanup: async () => {
			if (!stopped) await stop().catch(() => undefined);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
