/**
 * A redis-server of the test's own, on a free port, that the test may stop and start: how "Redis is
 * down" is tested without touching the machine's shared Redis on 6379. Nothing is saved to disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

import { connectRedis } from '../../nodes/shared/redis/connection';

async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

async function answers(port: number): Promise<boolean> {
	const redis = connectRedis({ host: '127.0.0.1', port }, { lazyConnect: true });
	redis.on('error', () => undefined);
	try {
		await redis.connect();
		return (await redis.ping()) === 'PONG';
	} catch {
		return false;
	} finally {
		redis.disconnect();
	}
}

export class PrivateRedis {
	private child: ChildProcess | undefined;

	private constructor(readonly port: number) {}

	static async start(): Promise<PrivateRedis> {
		const redis = new PrivateRedis(await freePort());
		await redis.start();
		return redis;
	}

	/** Starts (or restarts) the server on its port; resolves once it answers PING. */
	async start(): Promise<void> {
		if (this.child !== undefined) return;
		const child = spawn(
			'redis-server',
			['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
			{ stdio: 'ignore' },
		);
		this.child = child;
		for (let i = 0; i < 100; i++) {
			if (await answers(this.port)) return;
			if (child.exitCode !== null) break;
			await new Promise((r) => setTimeout(r, 100));
		}
		throw new Error(`redis-server did not start on port ${this.port}`);
	}

	/** Stops this server (only the process this harness started), waiting until it has exited. */
	async stop(): Promise<void> {
		const child = this.child;
		this.child = undefined;
		if (child === undefined || child.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			child.once('exit', () => resolve());
			child.kill('SIGTERM');
		});
	}
}
