/**
 * The one vendor client (nodes/shared/transport/client.ts) over real HTTP, against a small local
 * server whose answers each test scripts, and real Redis for the shared window. The context's
 * request helper sends with fetch and honours `timeout` by aborting, as n8n's helper does.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IHttpRequestOptions, INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { AttemptError } from '../../nodes/shared/transport/attempt';
import type { RequestContext } from '../../nodes/shared/transport/client';
import { VendorClient, forgetLearnedLimits } from '../../nodes/shared/transport/client';
import type { VendorPolicy } from '../../nodes/shared/transport/policy';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { RedisSlidingWindowLimiter } from '../../nodes/shared/transport/redisRateLimiter';
import { cleanupPrefix, ensureRedis, testPrefix, testRedis } from '../harness/redis';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

/** A server that answers each request with the next scripted answer and records what happened. */
class ScriptedServer {
	readonly seen: Array<{ method: string; url: string; at: number }> = [];

	/** Requests whose connection the client closed before an answer was sent. */
	readonly aborted: Array<{ url: string; at: number }> = [];

	private script: Answer[] = [];

	private server = http.createServer((req, res) => {
		this.seen.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
		const answer = this.script.shift() ?? { status: 200, body: { ok: true } };
		req.resume();
		if (answer === 'hang') {
			res.on('close', () => {
				if (!res.writableEnded) this.aborted.push({ url: req.url ?? '', at: Date.now() });
			});
			return;
		}
		res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
		res.end(JSON.stringify(answer.body ?? {}));
	});

	url = '';

	async start(): Promise<void> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	answer(...answers: Answer[]): void {
		this.script.push(...answers);
	}

	reset(): void {
		this.script = [];
		this.seen.length = 0;
		this.aborted.length = 0;
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}

const node: INode = {
	id: 'n1',
	name: 'Vendor',
	type: 'test.vendor',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeTlsFiles } = require('../bench/hubspot-tls.js') as {
	makeTlsFiles(dir: string, hosts: string[]): { key: string; cert: string };
};

/** A context whose request helper sends for real (fetch) and aborts at `timeout`, like n8n's. */
function context(): RequestContext {
	const helper = async (_type: string, options: IHttpRequestOptions) => {
		const url = new URL(options.url);
		for (const [k, v] of Object.entries(options.qs ?? {})) url.searchParams.set(k, String(v));
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(), options.timeout ?? 300_000);
		options.abortSignal?.addEventListener?.('abort', () => controller.abort());
		try {
			const response = await fetch(url, {
				method: options.method,
				headers: { 'content-type': 'application/json', ...(options.headers as Record<string, string>) },
				body: options.body === undefined ? undefined : JSON.stringify(options.body),
				signal: controller.signal,
			});
			const text = await response.text();
			const headers: Record<string, string> = {};
			response.headers.forEach((v, k) => (headers[k] = v));
			return { statusCode: response.status, headers, body: text === '' ? {} : JSON.parse(text) };
		} catch (error) {
			// n8n wraps transport failures; the cause keeps the system code.
			throw controller.signal.aborted
				? Object.assign(new Error('timeout of Xms exceeded'), { code: 'ECONNABORTED' })
				: error;
		} finally {
			clearTimeout(timer);
		}
	};
	return {
		getNode: () => node,
		getCredentials: async () => ({ apiKey: 'k-secret-1234' }),
		helpers: { httpRequestWithAuthentication: helper },
	} as unknown as RequestContext;
}

function policy(url: string, overrides: Partial<VendorPolicy> = {}): VendorPolicy {
	return {
		vendor: 'Acme',
		credentialType: 'acmeApi',
		retry: {
			maxRateLimitRetries: 3,
			maxServerErrorTries: 3,
			timeoutMs: 2_000,
			baseDelayMs: 1,
			maxDelayMs: 5,
			maxRateLimitWaitMs: 5_000,
		},
		baseUrl: () => url,
		budget: (_c, baseUrl) => ({ key: `acme:${baseUrl}:${Math.random()}`, limit: 100, windowMs: 1000 }),
		rateHeaders: { limit: 'x-limit', windowMs: 'x-window', remaining: 'x-remaining' },
		isRateLimited: (e) => e.status === 429,
		isFatal: (e) => e.status === 401,
		rateLimitWaitMs: () => 50,
		messageOf: (body) => (typeof body?.message === 'string' ? body.message : undefined),
		secrets: (c) => [String(c.apiKey)],
		...overrides,
	};
}

const server = new ScriptedServer();

beforeAll(async () => {
	await server.start();
});
afterAll(async () => {
	await server.stop();
});
beforeEach(() => {
	server.reset();
	resetRateLimiters();
	forgetLearnedLimits();
});

describe('VendorClient over real HTTP', () => {
	it('waits out a 429 (Retry-After) and retries; a rate-limit answer is not counted as a try', async () => {
		server.answer({ status: 429, headers: { 'retry-after': '0' } }, { status: 200, body: { id: 7 } });
		const client = new VendorClient(context(), policy(server.url), { apiKey: 'k-secret-1234' });
		const { body } = await client.request<{ id: number }>({ method: 'GET', path: '/things' });
		expect(body.id).toBe(7);
		expect(server.seen).toHaveLength(2);
		expect(client.stats).toEqual({ calls: 2, rateLimited: 1, serverErrors: 0 });
	});

	it('retries an idempotent call after a 5xx, and says how many tries it took when they run out', async () => {
		server.answer({ status: 500 }, { status: 503 }, { status: 500, body: { message: 'boom' } });
		const client = new VendorClient(context(), policy(server.url), {});
		const error = await client.request({ method: 'GET', path: '/things' }).catch((e: unknown) => e);
		expect(server.seen).toHaveLength(3);
		const nodeError = client.toNodeError(error);
		expect(nodeError).toBeInstanceOf(NodeApiError);
		expect(nodeError.message).toBe('Acme server error 500 after 3 tries: boom');
	});

	it.each([500, 502, 503])(
		'never sends a create again after a %s: it is reported as "may have been applied"',
		async (status) => {
			server.answer({ status }, { status: 201, body: { id: 'second' } });
			const client = new VendorClient(context(), policy(server.url), {});
			const error = await client
				.request({ method: 'POST', path: '/things', body: { a: 1 }, idempotent: false })
				.catch((e: unknown) => e);
			expect(server.seen).toHaveLength(1);
			expect(error).toBeInstanceOf(AttemptError);
			expect((error as AttemptError).uncertain).toBe(true);
			expect(client.toNodeError(error).message).toContain('it may still have been applied');
		},
	);

	it('sends a create again when the connection was refused (nothing reached the vendor)', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const client = new VendorClient(context(), policy(`http://127.0.0.1:${port}`), {});
		const error = await client
			.request({ method: 'POST', path: '/things', idempotent: false })
			.catch((e: unknown) => e);
		expect((error as AttemptError).neverSent).toBe(true);
		expect((error as AttemptError).tries).toBe(3);
		expect((error as AttemptError).uncertain).toBe(false);
		const nodeError = client.toNodeError(error);
		expect(nodeError).toBeInstanceOf(NodeOperationError);
		expect(nodeError.message).toMatch(/could not be reached .*connection refused.* after 3 tries/);
	});

	it('aborts a request that does not answer in time, and frees its slot only once it has ended', async () => {
		server.answer('hang', { status: 200, body: { second: true } });
		const p = policy(server.url, {
			budget: () => ({ key: 'acme:one-at-a-time', limit: 1, windowMs: 1 }),
			retry: { ...policy(server.url).retry, timeoutMs: 300, maxServerErrorTries: 1 },
		});
		const client = new VendorClient(context(), p, {});
		const first = client.request({ method: 'GET', path: '/slow' }).catch((e: unknown) => e);
		// Queued behind the first: the limiter allows one call at a time.
		const second = client.request({ method: 'GET', path: '/after' });
		const error = await first;
		expect((error as AttemptError).kind).toBe('timeout');
		await second;
		expect(server.aborted.map((a) => a.url)).toEqual(['/slow']);
		const secondArrived = server.seen.find((s) => s.url === '/after')!.at;
		// The hung request's connection was closed before the next request was let through.
		expect(server.aborted[0].at).toBeLessThanOrEqual(secondArrived);
		expect(client.toNodeError(error).message).toBe('Acme did not answer within 300 ms');
	});

	it('stops at once on a fatal answer, without retrying, and repeats no key the vendor echoed', async () => {
		server.answer({
			status: 401,
			body: { message: 'bad key k-secret-1234', detail: { key: 'k-secret-1234' } },
		});
		const client = new VendorClient(context(), policy(server.url), { apiKey: 'k-secret-1234' });
		const error = await client.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
		expect(server.seen).toHaveLength(1);
		expect(client.isFatal(error)).toBe(true);
		const nodeError = client.toNodeError(error, { itemIndex: 4 }) as NodeApiError;
		const everything = JSON.stringify({
			message: nodeError.message,
			description: nodeError.description,
			messages: nodeError.messages,
			errorResponse: nodeError.errorResponse,
			body: (error as AttemptError).body,
		});
		expect(everything).toContain('***');
		expect(everything).not.toContain('k-secret-1234');
		expect(nodeError.context.itemIndex).toBe(4);
	});

	it('refuses a plain-http base URL other than localhost before any token is sent', () => {
		expect(
			() => new VendorClient(context(), policy('http://api.acme.example'), { apiKey: 'k-secret-1234' }),
		).toThrow(/must start with https:\/\//);
		expect(server.seen).toHaveLength(0);
	});

	it('sends nothing when an id in the path would step out of the API', async () => {
		const client = new VendorClient(context(), policy(server.url), { apiKey: 'k-secret-1234' });
		const id = '..';
		const error = await client
			.request({ method: 'POST', path: `/contacts/${encodeURIComponent(id)}/tags`, idempotent: false })
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/not a plain value/);
		expect(server.seen).toHaveLength(0);
		await client.request({ method: 'POST', path: '/contacts/abc/tags', idempotent: false });
		expect(server.seen.map((r) => r.url)).toEqual(['/contacts/abc/tags']);
	});

	it('sends a create again when the TLS handshake failed (the request never left)', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'vendor-client-tls-'));
		const tls = makeTlsFiles(dir, ['localhost']);
		let requests = 0;
		const secure = https.createServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
			requests++;
			res.end('{}');
		});
		await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
		try {
			const url = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
			const client = new VendorClient(context(), policy(url), {});
			const error = await client
				.request({ method: 'POST', path: '/things', idempotent: false })
				.catch((e: unknown) => e);
			// The certificate is not trusted: nothing reached the handler, and the create was tried again.
			expect(requests).toBe(0);
			expect((error as AttemptError).neverSent).toBe(true);
			expect((error as AttemptError).uncertain).toBe(false);
			expect((error as AttemptError).tries).toBe(3);
		} finally {
			await new Promise<void>((resolve) => secure.close(() => resolve()));
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('a request n8n refused to send (no network code) is reported as such, not as a network error to retry', async () => {
		let calls = 0;
		const refusing = {
			...context(),
			helpers: {
				httpRequestWithAuthentication: async () => {
					calls++;
					throw new Error('Access to 10.0.0.1 is blocked by the SSRF protection');
				},
			},
		} as unknown as RequestContext;
		const client = new VendorClient(refusing, policy(server.url), {});
		const error = await client.request({ method: 'POST', path: '/x', idempotent: false }).catch((e: unknown) => e);
		expect(calls).toBe(1);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe('Acme was not called: Access to 10.0.0.1 is blocked by the SSRF protection');
	});

	it('follows the limit the vendor reports down, for this and later clients of the account', async () => {
		const p = policy(server.url, { budget: () => ({ key: 'acme:learn', limit: 100, windowMs: 1000 }) });
		server.answer({ status: 200, headers: { 'x-limit': '7', 'x-window': '2000' } });
		const client = new VendorClient(context(), p, {});
		await client.request({ method: 'GET', path: '/x' });
		expect([client.limiter.limit, client.limiter.windowMs]).toEqual([7, 2000]);
		resetRateLimiters();
		const later = new VendorClient(context(), p, {});
		expect([later.limiter.limit, later.limiter.windowMs]).toEqual([7, 2000]);
	});

	it('turns a 2xx error body into the failure it stands for when the policy says so', async () => {
		server.answer({ status: 200, body: { status: 'error', message: 'Invalid API key' } });
		const p = policy(server.url, {
			statusOfErrorBody: (body) => (body.status === 'error' ? 401 : undefined),
		});
		const client = new VendorClient(context(), p, {});
		const error = await client.request({ method: 'POST', path: '/x' }).catch((e: unknown) => e);
		expect((error as AttemptError).status).toBe(401);
		expect(server.seen).toHaveLength(1);
	});
});

describe('VendorClient and the shared Redis window (real Redis)', () => {
	let redis: ReturnType<typeof testRedis>;
	let prefix: string;

	beforeAll(async () => {
		await ensureRedis();
		redis = testRedis('vendor-client');
		prefix = testPrefix('vendor-client');
	});
	afterAll(async () => {
		await cleanupPrefix(redis, prefix);
		await redis.quit();
	});

	const withWindow = (client: VendorClient) => {
		client.sharedWindow = new RedisSlidingWindowLimiter(redis, {
			key: client.budget.key,
			limit: 100,
			windowMs: 1000,
			prefix,
		});
		return client.sharedWindow;
	};

	it('pauses every worker sharing the window after a rate-limit answer', async () => {
		server.answer({ status: 429, headers: { 'retry-after': '1' } }, { status: 200 });
		const client = new VendorClient(context(), policy(server.url), {});
		const window = withWindow(client);
		const before = Date.now();
		await client.request({ method: 'GET', path: '/x' });
		expect(await window.pausedUntil()).toBeGreaterThanOrEqual(before + 900);
	});

	it.each(['5xx', 'timeout'])('does not pause the other workers after a %s', async (kind) => {
		const p = policy(server.url, {
			retry: { ...policy(server.url).retry, timeoutMs: 200 },
		});
		server.answer(kind === '5xx' ? { status: 503 } : 'hang', { status: 200 });
		const client = new VendorClient(context(), p, {});
		const window = withWindow(client);
		await client.request({ method: 'GET', path: '/x' });
		expect(server.seen).toHaveLength(2);
		expect(await window.pausedUntil()).toBe(0);
	});
});
