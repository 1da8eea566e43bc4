/**
 * The one Redis module: how a connection is opened from n8n's built-in `redis` credential (or a URL),
 * and the one connection per server that the queue, the shared rate limit and the key locks share.
 *
 * Why it is shaped like this:
 * - Fail fast: a workflow that points at a wrong host should fail its execution in seconds with a
 *   message naming `host:port`, not hang. `connectTimeout` is short and `maxRetriesPerRequest` small,
 *   so a command issued while Redis is down is rejected after a couple of reconnect attempts.
 * - Keep reconnecting: the client itself keeps retrying (capped backoff) so a connection that is
 *   cached for the life of a worker heals after a Redis restart; callers `quit()` when done.
 * - ioredis' own messages ("Reached the max retries per request limit", "Connection is closed.")
 *   do not say which server; every rejected command here gets `Redis at host:port …` plus the last
 *   socket error (e.g. `connect ECONNREFUSED`). Messages never contain the password, and an `error`
 *   listener is always attached so ioredis does not print "Unhandled error event" to the n8n log.
 */
import { createHash } from 'node:crypto';

import { type Command, Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

/** ioredis options with RESP2-shaped replies (the `Redis` type's default reply mapping). */
export type RedisOptions = IoRedisOptions & { replyMapping?: 'legacy' };

/** The fields of n8n's built-in `redis` credential. */
export interface RedisCredentials {
	host: string;
	port: number;
	password?: string;
	user?: string;
	database?: number;
	ssl?: boolean;
}

export interface ConnectRedisOptions {
	lazyConnect?: boolean;
	connectionName?: string;
}

/** Connect timeout of one attempt, in ms. */
export const REDIS_CONNECT_TIMEOUT_MS = 5000;

/** Reconnect attempts a queued command waits through before it is rejected. */
export const REDIS_MAX_RETRIES_PER_REQUEST = 2;

const CONNECTION_ERRORS =
	/ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|Connection is closed|max retries per request|connect timeout|Stream isn't writeable/i;
const AUTH_ERRORS = /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username/i;

class MarketingOpsRedis extends Redis {
	lastConnectionError: string | undefined;

	constructor(
		private readonly endpoint: string,
		options: RedisOptions,
		reached = { ever: false },
	) {
		// A connection that has never reached its server (a wrong host or port) gives up once the
		// commands waiting on it are rejected, instead of reconnecting for the life of the process;
		// sharedRedis() opens a new one on next use. One that was connected keeps trying (a restart).
		super({
			...options,
			retryStrategy: (times: number) =>
				reached.ever || times <= REDIS_MAX_RETRIES_PER_REQUEST ? options.retryStrategy?.(times) : null,
		});
		this.on('error', (error: Error) => {
			this.lastConnectionError = redact(error.message, options.password);
		});
		this.on('ready', () => {
			reached.ever = true;
			this.lastConnectionError = undefined;
		});
	}

	sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
		const promise = (command as unknown as { promise?: Promise<unknown> }).promise;
		// Runs before the caller's handlers (registered first) and rewrites the message in place.
		promise?.catch((error: unknown) => this.describe(error));
		return super.sendCommand(command, stream);
	}

	private describe(error: unknown): void {
		if (!(error instanceof Error) || error.message.startsWith('Redis at ')) return;
		const password = (this.options as RedisOptions).password;
		if (AUTH_ERRORS.test(error.message)) {
			error.message = `Redis at ${this.endpoint} rejected the credentials: ${redact(error.message, password)}`;
		} else if (CONNECTION_ERRORS.test(error.message)) {
			const cause =
				this.lastConnectionError !== undefined && !error.message.includes(this.lastConnectionError)
					? ` (${this.lastConnectionError})`
					: '';
			error.message = `Redis at ${this.endpoint} is unreachable${cause}: ${redact(error.message, password)}`;
		}
	}
}

function redact(message: string, password: string | undefined): string {
	return password ? message.split(password).join('***') : message;
}

/** `host:port` as used in error messages (IPv6 hosts in brackets). */
export function redisEndpoint(creds: Pick<RedisCredentials, 'host' | 'port'>): string {
	const host =
		creds.host.includes(':') && !creds.host.startsWith('[') ? `[${creds.host}]` : creds.host;
	return `${host}:${creds.port}`;
}

/** Options handed to ioredis (exported for tests; contains the password, never log it). */
export function redisOptions(
	creds: RedisCredentials,
	opts: ConnectRedisOptions = {},
): RedisOptions {
	const host = (creds.host ?? '').trim() || '127.0.0.1';
	const port = Number(creds.port) || 6379;
	return {
		host,
		port,
		username: creds.user ? creds.user : undefined,
		password: creds.password ? creds.password : undefined,
		db: Number.isInteger(creds.database) ? creds.database : 0,
		tls: creds.ssl ? { servername: host } : undefined,
		connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
		maxRetriesPerRequest: REDIS_MAX_RETRIES_PER_REQUEST,
		retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
		lazyConnect: opts.lazyConnect ?? false,
		connectionName: opts.connectionName,
	};
}

/**
 * Opens (or, with `lazyConnect`, prepares) a connection. The caller owns it and must `quit()` it.
 * Commands sent while Redis is unreachable reject within a few seconds with
 * `Redis at host:port is unreachable (…)`.
 */
export function connectRedis(creds: RedisCredentials, opts: ConnectRedisOptions = {}): Redis {
	const options = redisOptions(creds, opts);
	return new MarketingOpsRedis(
		redisEndpoint({ host: options.host!, port: options.port! }),
		options,
	);
}

// ---- One connection per Redis server, database and login for the whole process.

const shared = new Map<string, Redis>();

function connectionKey(creds: RedisCredentials): string {
	// The login is part of the key as a hash only: the map's keys are never secret-bearing.
	const login = createHash('sha256')
		.update(JSON.stringify([creds.user ?? '', creds.password ?? '']))
		.digest('hex');
	return JSON.stringify([
		creds.host,
		Number(creds.port),
		creds.database ?? 0,
		creds.ssl ?? false,
		login,
	]);
}

/**
 * The process's connection to this Redis (opened on first use, reopened after `quit()`). The queue,
 * the shared rate limit and the key locks all use it: opening one per execution would add a TCP and
 * AUTH round trip to every webhook request.
 */
export function sharedRedis(creds: RedisCredentials): Redis {
	const key = connectionKey(creds);
	let redis = shared.get(key);
	if (redis === undefined || redis.status === 'end') {
		redis = connectRedis(creds, { connectionName: 'n8n-nodes-marketing-ops' });
		shared.set(key, redis);
	}
	return redis;
}

/** Closes every shared connection (tests; a worker shutting down). */
export async function closeSharedRedis(): Promise<void> {
	const all = [...shared.values()];
	shared.clear();
	// An ended connection has nothing to close: quit() on it would arm ioredis' 2 s socket timer.
	const open = all.filter((r) => r.status !== 'end');
	await Promise.all(open.map(async (r) => await r.quit().catch(() => r.disconnect())));
}

/** The fields of n8n's built-in Redis credential (`redis`), as connectRedis takes them. */
export function redisCredentialsOf(data: ICredentialDataDecryptedObject): RedisCredentials {
	const database = Number(data.database ?? 0);
	return {
		host: String(data.host ?? '').trim() || '127.0.0.1',
		port: Number(data.port ?? 6379) || 6379,
		user: data.user ? String(data.user) : undefined,
		password: data.password ? String(data.password) : undefined,
		database: Number.isInteger(database) ? database : 0,
		ssl: data.ssl === true,
	};
}

/**
 * `redis://[user:password@]host:port/db` (or `rediss://`) as connection fields, or why it is not one.
 * The URL itself is never repeated: it holds the password.
 */
export function redisCredentialsFromUrl(url: string): RedisCredentials | string {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return 'not a URL (expected redis://[:password@]host:port/db)';
	}
	if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
		return `must start with redis:// or rediss://, not ${parsed.protocol}//`;
	}
	const database = parsed.pathname.replace(/^\//, '');
	return {
		host: parsed.hostname || '127.0.0.1',
		port: parsed.port ? Number(parsed.port) : 6379,
		user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
		password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
		database: database === '' ? 0 : Number(database),
		ssl: parsed.protocol === 'rediss:',
	};
}
