/**
 * Database connections for the WebinarJam sync and the attendance checker, from n8n's own built-in
 * credentials: `postgres` (host, port, database, user, password, ssl) and `supabaseApi` (host +
 * service role key).
 *
 * - One pg pool per credential per process, shared by every execution: the attendance checker's
 *   lookup must not pay a TCP + auth handshake per webhook call.
 * - Messages name `host:port/database` and never the password or the service key.
 */
import { createHash } from 'node:crypto';

import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { ICredentialDataDecryptedObject, INodeCredentialTestResult } from 'n8n-workflow';
import pg from 'pg';

/** The fields of n8n's built-in `postgres` credential that a direct connection uses. */
export interface PostgresCredentials {
	host: string;
	port: number;
	database: string;
	user: string;
	password?: string;
	ssl?: 'disable' | 'allow' | 'require';
	allowUnauthorizedCerts?: boolean;
	maxConnections?: number;
	sshTunnel?: boolean;
}

/** The fields of n8n's built-in `supabaseApi` credential. */
export interface SupabaseCredentials {
	host: string;
	serviceRole: string;
}

export const DEFAULT_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;

/** A database failure with a message that is safe to show (no secrets) and says where it happened. */
export class DatabaseError extends Error {
	constructor(
		message: string,
		readonly code?: string,
		readonly detail?: string,
	) {
		super(message);
		this.name = 'DatabaseError';
	}
}

export function postgresCredentials(raw: ICredentialDataDecryptedObject): PostgresCredentials {
	const host = String(raw.host ?? '').trim();
	if (!host) throw new DatabaseError('Postgres credential: Host is empty');
	if (raw.sshTunnel === true)
		throw new DatabaseError(
			'Postgres credential: SSH tunnels are not supported by this node; connect directly (for Supabase, use the connection pooler host)',
		);
	return {
		host,
		port: Number(raw.port ?? 5432) || 5432,
		database: String(raw.database ?? 'postgres'),
		user: String(raw.user ?? 'postgres'),
		password: raw.password === undefined ? undefined : String(raw.password),
		ssl: (raw.ssl as PostgresCredentials['ssl']) ?? 'disable',
		allowUnauthorizedCerts: raw.allowUnauthorizedCerts === true,
		maxConnections: Number(raw.maxConnections ?? DEFAULT_POOL_SIZE) || DEFAULT_POOL_SIZE,
	};
}

export const endpointOf = (c: Pick<PostgresCredentials, 'host' | 'port' | 'database'>) =>
	`${c.host}:${c.port}/${c.database}`;

function sslOption(c: PostgresCredentials): pg.PoolConfig['ssl'] {
	if (c.ssl === undefined || c.ssl === 'disable') return false;
	// 'allow' (n8n's wording): TLS without verifying the certificate, like allowUnauthorizedCerts.
	return { rejectUnauthorized: c.ssl === 'require' && !c.allowUnauthorizedCerts };
}

/** How to reach the server, for a pool or a dedicated client (a LISTEN connection). */
export function postgresClientConfig(c: PostgresCredentials): pg.ClientConfig {
	return {
		host: c.host,
		port: c.port,
		database: c.database,
		user: c.user,
		password: c.password,
		ssl: sslOption(c),
		connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
		application_name: 'n8n-nodes-marketing-ops',
	};
}

const pools = new Map<string, pg.Pool>();

function fingerprint(parts: unknown[]): string {
	return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The process-wide pool for these credentials, with at most `size` connections (and never more than the
 * credential's Maximum Number of Connections); a later caller asking for more grows it.
 */
export function postgresPool(c: PostgresCredentials, size = DEFAULT_POOL_SIZE): pg.Pool {
	const key = fingerprint([
		c.host,
		c.port,
		c.database,
		c.user,
		c.password,
		c.ssl,
		c.allowUnauthorizedCerts,
	]);
	let pool = pools.get(key);
	if (pool) {
		// Shared by nodes that ask for different sizes: grow to the largest asked, within the credential's cap.
		const wanted = Math.max(1, Math.min(size, c.maxConnections ?? size));
		if (wanted > (pool.options.max ?? 0)) pool.options.max = wanted;
		return pool;
	}
	pool = new pg.Pool({
		...postgresClientConfig(c),
		max: Math.max(1, Math.min(size, c.maxConnections ?? size)),
		idleTimeoutMillis: IDLE_TIMEOUT_MS,
		// An idle pool must not keep a CLI run (n8n execute) or a test process alive.
		allowExitOnIdle: true,
	});
	// A connection dropped while idle (server restart) is replaced on the next checkout; without a
	// listener pg would crash the process with an unhandled 'error'.
	pool.on('error', () => undefined);
	pools.set(key, pool);
	return pool;
}

/** Closes every pool (tests, or a worker shutting down). */
export async function closeAllPools(): Promise<void> {
	const all = [...pools.values()];
	pools.clear();
	await Promise.all(all.map(async (p) => await p.end().catch(() => undefined)));
}

interface PgErrorFields {
	code?: string;
	detail?: string;
	column?: string;
	table?: string;
	constraint?: string;
	message?: string;
}

const CONNECTION_CODES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH/;

/** Rewrites a pg (or socket) error into a message that names the server and the reason, never a secret. */
export function describePostgresError(
	error: unknown,
	c: PostgresCredentials,
	action = 'query failed',
): DatabaseError {
	if (error instanceof DatabaseError) return error;
	const e = (error ?? {}) as PgErrorFields & { errors?: PgErrorFields[] };
	// AggregateError (IPv4 + IPv6 both refused) carries the useful message inside.
	const inner = !e.message && Array.isArray(e.errors) && e.errors[0] ? e.errors[0] : e;
	let message = redact(String(inner.message ?? error), c.password);
	const where = `PostgreSQL at ${endpointOf(c)}`;
	if (e.code === '28P01' || e.code === '28000')
		return new DatabaseError(`${where} rejected user "${c.user}": ${message}`, e.code);
	if (e.code === '3D000') return new DatabaseError(`${where}: ${message}`, e.code);
	if (
		CONNECTION_CODES.test(message) ||
		CONNECTION_CODES.test(String(e.code ?? '')) ||
		/timeout/i.test(message)
	)
		return new DatabaseError(`${where} is unreachable: ${message}`, e.code);
	const detail = [
		e.table && `table ${e.table}`,
		e.column && `column ${e.column}`,
		e.constraint && `constraint ${e.constraint}`,
	]
		.filter(Boolean)
		.join(', ');
	if (e.detail) message += ` (${redact(e.detail, c.password)})`;
	return new DatabaseError(
		`${where}: ${action}: ${message}${e.code ? ` [${e.code}]` : ''}${detail ? ` [${detail}]` : ''}`,
		e.code,
		e.detail,
	);
}

function redact(text: string, secret: string | undefined): string {
	return secret && secret.length >= 3 ? text.split(secret).join('***') : text;
}

/** The credential Test button for n8n's `postgres` credential. */
export async function testPostgresConnection(
	raw: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
	let c: PostgresCredentials;
	try {
		c = postgresCredentials(raw);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	// A one-off client: a Test must not leave a pool behind.
	const client = new pg.Client({
		host: c.host,
		port: c.port,
		database: c.database,
		user: c.user,
		password: c.password,
		ssl: sslOption(c),
		connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
	});
	try {
		await client.connect();
		await client.query('SELECT 1');
		return { status: 'OK', message: `Connected to ${endpointOf(c)}` };
	} catch (error) {
		return { status: 'Error', message: describePostgresError(error, c, 'connect failed').message };
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** Safe SQL identifier: letters, digits, `_` and `$`, not starting with a digit. */
export function quoteIdent(name: string, what = 'identifier'): string {
	if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(name))
		throw new DatabaseError(
			`${what} '${name}' is not a plain SQL name (letters, digits and _ only, at most 63 characters)`,
		);
	return `"${name}"`;
}

export function supabaseCredentials(raw: ICredentialDataDecryptedObject): SupabaseCredentials {
	const host = String(raw.host ?? '')
		.trim()
		.replace(/\/+$/, '');
	const serviceRole = String(raw.serviceRole ?? '');
	if (!/^https?:\/\//.test(host))
		throw new DatabaseError(
			`Supabase credential: Host must be the project URL (https://<project>.supabase.co), got '${host}'`,
		);
	if (!serviceRole)
		throw new DatabaseError('Supabase credential: Secret Key (the service role key) is empty');
	return { host, serviceRole };
}

/** Schema-agnostic client type: the schema is chosen per credential at run time. */
export type AnySupabaseClient = SupabaseClient<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const supabaseClients = new Map<string, AnySupabaseClient>();

/** The process-wide supabase-js client for these credentials and schema (it is stateless). */
export function supabaseClient(c: SupabaseCredentials, schema = 'public'): AnySupabaseClient {
	const key = fingerprint([c.host, c.serviceRole, schema]);
	let client = supabaseClients.get(key);
	if (!client) {
		client = createClient(c.host, c.serviceRole, {
			db: { schema },
			auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		});
		supabaseClients.set(key, client);
	}
	return client;
}

interface PostgrestErrorFields {
	code?: string;
	message?: string;
	details?: string | null;
	hint?: string | null;
}

/** supabase-js answers `{error}` instead of throwing; this names the project and the reason. */
export function describeSupabaseError(
	error: unknown,
	c: SupabaseCredentials,
	action = 'request failed',
): DatabaseError {
	if (error instanceof DatabaseError) return error;
	const e = (error ?? {}) as PostgrestErrorFields;
	const parts = [redact(String(e.message ?? error), c.serviceRole)];
	if (e.details) parts.push(redact(String(e.details), c.serviceRole));
	if (e.hint) parts.push(`hint: ${redact(String(e.hint), c.serviceRole)}`);
	return new DatabaseError(
		`Supabase at ${c.host}: ${action}: ${parts.join('; ')}${e.code ? ` [${e.code}]` : ''}`,
		e.code,
		e.details ?? undefined,
	);
}
