/**
 * connectRedis (the connection helper the queue and the shared limiter use) against real Redis:
 * credential fields map onto the connection, and failures say which server, quickly, without the password.
 */
import { createServer } from 'node:net';

import type { Redis } from 'ioredis';

import { connectRedis } from '../../nodes/shared/redis/connection';
import { ensureRedis, testRedisCredentials } from '../harness/redis';

async function freePort(): Promise<number> {
	return await new Promise<number>((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/**
 * Drops the connection and waits until it is over: ioredis' disconnect() leaves a timer running
 * (up to 2 s) until the socket has closed, which would outlive the test run.
 */
async function closeNow(redis: Redis): Promise<void> {
	const ended =
		redis.status === 'end'
			? Promise.resolve()
			: new Promise<void>((resolve) => redis.once('end', () => resolve()));
	redis.disconnect();
	await ended;
}

describe('connectRedis (real Redis)', () => {
	beforeAll(async () => {
		await ensureRedis();
	});

	it('maps the n8n redis credential fields: database, connection name, lazyConnect', async () => {
		const redis = connectRedis(
			{ ...testRedisCredentials(), database: 3 },
			{ lazyConnect: true, connectionName: 'mkops-connection-test' },
		);
		try {
			expect(redis.status).toBe('wait');
			await redis.connect();
			const info = String(await redis.client('INFO'));
			expect(info).toMatch(/ name=mkops-connection-test /);
			expect(info).toMatch(/ db=3 /);
		} finally {
			await redis.quit();
		}
	});

	it('an unreachable server fails the command after its reconnect attempts (not queued until Redis returns), naming host:port and the socket error', async () => {
		const port = await freePort();
		const redis = connectRedis({ host: '127.0.0.1', port, password: 'hunter2-secret' });
		try {
			const error = await redis.ping().then(
				() => undefined,
				(e: Error) => e,
			);
			expect(error).toBeInstanceOf(Error);
			expect(error!.message).toContain(`Redis at 127.0.0.1:${port} is unreachable`);
			expect(error!.message).toContain('ECONNREFUSED');
			expect(error!.message).not.toContain('hunter2-secret');
		} finally {
			redis.disconnect();
			// Between reconnects ioredis still arms its 2 s "destroy the socket" timer for the socket
			// that already closed, and nothing clears it: wait it out, so it does not outlive the run.
			await new Promise((resolve) => setTimeout(resolve, 2100));
		}
	});

	it('rejected credentials say so, naming host:port and never the password', async () => {
		const { host, port } = testRedisCredentials();
		const redis = connectRedis({
			host,
			port,
			user: 'mkops-no-such-user',
			password: 'hunter2-secret',
		});
		try {
			const error = await redis.ping().then(
				() => undefined,
				(e: Error) => e,
			);
			expect(error).toBeInstanceOf(Error);
			expect(error!.message).toContain(`Redis at ${host}:${port} rejected the credentials`);
			expect(error!.message).toMatch(/WRONGPASS/);
			expect(error!.message).not.toContain('hunter2-secret');
		} finally {
			await closeNow(redis);
		}
	});
});
