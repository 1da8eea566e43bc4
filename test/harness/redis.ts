/**
 * Real-Redis helpers for integration tests.
 *
 * `ensureRedis()` makes sure a Redis server answers on REDIS_HOST:REDIS_PORT (default
 * 127.0.0.1:6379): if it does not, it runs scripts/ensure-services.sh (which starts an installed
 * redis-server) and, failing that, throws saying what to install. Tests never skip.
 *
 * Every test run works under its own key prefix (`testPrefix()`), deleted by `cleanupPrefix()`.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { Redis } from 'ioredis';

import type { RedisCredentials } from '../../nodes/shared/redis/connection';
import { connectRedis } from '../../nodes/shared/redis/connection';

export const repoRoot = path.resolve(__dirname, '..', '..');

export function testRedisCredentials(): RedisCredentials {
	return {
		host: process.env.REDIS_HOST ?? '127.0.0.1',
		port: Number(process.env.REDIS_PORT ?? 6379),
		password: process.env.REDIS_PASSWORD || undefined,
	};
}

async function ping(): Promise<boolean> {
	const redis = connectRedis(testRedisCredentials(), { lazyConnect: true });
	try {
		await redis.connect();
		return (await redis.ping()) === 'PONG';
	} catch {
		return false;
	} finally {
		redis.disconnect();
	}
}

let ensured: Promise<void> | undefined;

/** Resolves once Redis answers; starts it with scripts/ensure-services.sh if needed. */
export async function ensureRedis(): Promise<void> {
	ensured ??= (async () => {
		if (await ping()) return;
		const script = path.join(repoRoot, 'scripts', 'ensure-services.sh');
		const result = spawnSync('bash', [script], { encoding: 'utf8', timeout: 60000 });
		if (await ping()) return;
		const { host, port } = testRedisCredentials();
		throw new Error(
			`Redis is not reachable on ${host}:${port} and scripts/ensure-services.sh did not start it. ` +
				'Install Redis >= 6.2 (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), ' +
				'or point REDIS_HOST/REDIS_PORT at a running server.\n' +
				`ensure-services.sh exit ${result.status}: ${(result.stdout ?? '') + (result.stderr ?? '')}`.trim(),
		);
	})();
	await ensured;
}

/** A fresh connection to the test server (caller quits it). */
export function testRedis(connectionName?: string): Redis {
	return connectRedis(testRedisCredentials(), { connectionName });
}

/** A key prefix unique to this run, e.g. `mkops:test:queue:12345:9f1c2a:`. */
export function testPrefix(label: string): string {
	return `mkops:test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix`; returns how many. */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
	let cursor = '0';
	let deleted = 0;
	const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
	do {
		const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
		cursor = next;
		if (keys.length > 0) deleted += await redis.del(...keys);
	} while (cursor !== '0');
	return deleted;
}

export const sleep = async (ms: number) =>
	await new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export interface FixtureProcess {
	child: ChildProcess;
	/** Resolves with the first stdout line that parses as JSON. */
	firstJson: <R>() => Promise<R>;
	/** Resolves with the exit code / signal once the process ended. */
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `test/fixtures/<name>` with this process's Node (the Node 24 that runs jest). */
export function startFixture(name: string, arg: unknown): FixtureProcess {
	const child = spawn(
		process.execPath,
		[path.join(repoRoot, 'test', 'fixtures', name), JSON.stringify(arg)],
		{
			cwd: repoRoot,
			env: process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	let stdout = '';
	let stderr = '';
	const lineWaiters: Array<(line: string) => void> = [];
	const lines: string[] = [];
	child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
		stdout += chunk;
		let nl: number;
		while ((nl = stdout.indexOf('\n')) >= 0) {
			const line = stdout.slice(0, nl);
			stdout = stdout.slice(nl + 1);
			lines.push(line);
			for (const waiter of lineWaiters.splice(0)) waiter(line);
		}
	});
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const exited = new Promise<{
		code: number | null;
		signal: NodeJS.Signals | null;
		stderr: string;
	}>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
	const firstJson = async <R>(): Promise<R> =>
		await new Promise<R>((resolve, reject) => {
			const tryLine = (line: string) => {
				try {
					resolve(JSON.parse(line) as R);
					return true;
				} catch {
					return false;
				}
			};
			for (const line of lines) if (tryLine(line)) return;
			const wait = () =>
				lineWaiters.push((line) => {
					if (!tryLine(line)) wait();
				});
			wait();
			void exited.then(({ code, signal }) =>
				reject(
					new Error(
						`fixture ${name} exited (code ${code}, signal ${signal}) without JSON output: ${stderr}`,
					),
				),
			);
		});
	return { child, firstJson, exited };
}
