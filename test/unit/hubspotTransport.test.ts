import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';

import type { ICredentialDataDecryptedObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { HubSpotBatchApi } from '../../credentials/HubSpotBatchApi.credentials';
import { HubSpotBatch } from '../../nodes/HubSpotBatch/HubSpotBatch.node';
import {
	DEFAULT_RETRY,
	HubSpotApi,
	hubspotPolicy,
	isDailyLimit,
	isFatal,
	limitForTier,
	type HubSpotContext,
	type RetrySettings,
} from '../../nodes/HubSpotBatch/v1/transport';
import { AttemptError } from '../../nodes/shared/transport/attempt';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import {
	SlidingWindowRateLimiter,
	resetRateLimiters,
} from '../../nodes/shared/transport/rateLimiter';
import {
	createLoadOptionsContext,
	registerCredentialType,
	registerNodeType,
} from '../harness/inProcess';

registerNodeType('n8n-nodes-marketing-ops.hubSpotBatch', new HubSpotBatch());
registerCredentialType(new HubSpotBatchApi());

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';

const node: INode = {
	id: 'node-1',
	name: 'HubSpot Batch',
	type: 'n8n-nodes-marketing-ops.hubSpotBatch',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** Collapses runs of whitespace (see the doubled-space test). */
const squash = (text: string) => text.replace(/\s+/g, ' ');

const ONCE = '(tried once and not retried: it may still have been applied)';

const FAST: RetrySettings = {
	maxRateLimitRetries: 2,
	maxServerErrorTries: 3,
	// Long enough for a loaded machine; the timeout test sets its own.
	timeoutMs: 5000,
	baseDelayMs: 1,
	maxDelayMs: 5,
	maxRateLimitWaitMs: 60_000,
};

/** Enough of a context for errors and limits: no request goes out through it. */
const bare = { getNode: () => node } as unknown as HubSpotContext;

/**
 * A real n8n-core context (the in-process harness): requests go through n8n's
 * httpRequestWithAuthentication with the credential's own `authenticate`, as in a workflow.
 */
function n8nContext(): HubSpotContext {
	return createLoadOptionsContext(
		{
			nodes: [
				{
					...node,
					parameters: { resource: 'contact', operation: 'upsert' },
					credentials: { hubSpotBatchApi: { id: '1', name: 'HubSpot' } },
				},
			],
			connections: {},
		},
		node.name,
	);
}

/** A failed HubSpot answer as the client reports it. */
const http = (status: number, body?: object, headers: Record<string, string> = {}) =>
	new AttemptError(
		'HubSpot',
		'http',
		status,
		body as JsonObject | undefined,
		headers,
		undefined,
		hubspotPolicy.messageOf(body as JsonObject | undefined),
	);

/** A create's failure the client did not retry: it may have been applied. */
const uncertain = (error: AttemptError) => {
	error.uncertain = true;
	return error;
};

afterEach(() => {
	resetRateLimiters();
	forgetLearnedLimits();
});

// ---- SlidingWindowRateLimiter: available / absorb ----

describe('SlidingWindowRateLimiter available / absorb (fake timers)', () => {
	beforeEach(() => {
		jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
	});
	afterEach(() => {
		jest.useRealTimers();
	});

	it('absorbed permits count against the window until it slides past them', async () => {
		const limiter = new SlidingWindowRateLimiter(5, 1000);
		expect(limiter.available).toBe(5);
		limiter.absorb(3);
		expect(limiter.available).toBe(2);

		const granted: number[] = [];
		const start = Date.now();
		const all = [0, 1, 2].map((i) => limiter.acquire().then(() => granted.push(i)));
		await jest.advanceTimersByTimeAsync(0);
		expect(granted).toEqual([0, 1]);
		expect(limiter.available).toBe(0);
		expect(limiter.pending).toBe(1);

		await jest.advanceTimersByTimeAsync(999);
		expect(granted).toEqual([0, 1]);
		await jest.advanceTimersByTimeAsync(2);
		await Promise.all(all);
		expect(granted).toEqual([0, 1, 2]);
		// The absorbed three have expired; the two grants at t=0 have too; only the third remains.
		expect(Date.now() - start).toBe(1001);
		expect(limiter.available).toBe(4);
	});

	it('available counts in-flight permits and released ones until the window passes', async () => {
		const limiter = new SlidingWindowRateLimiter(3, 1000);
		const slot = await limiter.acquireSlot();
		expect(limiter.available).toBe(2);
		await jest.advanceTimersByTimeAsync(5000);
		expect(limiter.available).toBe(2);
		slot.release();
		expect(limiter.available).toBe(2);
		await jest.advanceTimersByTimeAsync(999);
		expect(limiter.available).toBe(2);
		await jest.advanceTimersByTimeAsync(1);
		expect(limiter.available).toBe(3);
	});

	it.each([0, -2, NaN, Infinity])('ignores absorb(%p)', (count) => {
		const limiter = new SlidingWindowRateLimiter(5, 1000);
		limiter.absorb(count);
		expect(limiter.available).toBe(5);
	});

	it('absorbs whole requests only and never reports less than 0', () => {
		const limiter = new SlidingWindowRateLimiter(5, 1000);
		limiter.absorb(2.9);
		expect(limiter.available).toBe(3);
		limiter.absorb(40);
		expect(limiter.available).toBe(0);
	});

	it('a waiter blocked by in-flight permits and absorbed ones is served once both allow', async () => {
		const limiter = new SlidingWindowRateLimiter(2, 1000);
		const a = await limiter.acquireSlot();
		const b = await limiter.acquireSlot();
		let granted = false;
		const waiting = limiter.acquire().then(() => (granted = true));
		limiter.absorb(1);
		await jest.advanceTimersByTimeAsync(100);
		a.release(); // t=100: window holds {absorbed@0, a@100} + b in flight
		await jest.advanceTimersByTimeAsync(950);
		expect(granted).toBe(false); // absorbed expired at 1000, but a (1100) and b still count
		await jest.advanceTimersByTimeAsync(51);
		await waiting;
		expect(granted).toBe(true);
		b.release();
	});

	it('reconfigure keeps absorbed permits under the new limit and window', async () => {
		const limiter = new SlidingWindowRateLimiter(5, 1000);
		limiter.absorb(3);
		limiter.reconfigure(2, 1000);
		expect(limiter.available).toBe(0);
		limiter.reconfigure(10, 1000);
		expect(limiter.available).toBe(7);
		limiter.reconfigure(10, 200);
		await jest.advanceTimersByTimeAsync(199);
		expect(limiter.available).toBe(7);
		await jest.advanceTimersByTimeAsync(1);
		expect(limiter.available).toBe(10);
	});

	it('a waiter blocked by absorbed permits is released early when the limit is raised', async () => {
		const limiter = new SlidingWindowRateLimiter(2, 1000);
		limiter.absorb(2);
		let granted = false;
		const waiting = limiter.acquire().then(() => (granted = true));
		await jest.advanceTimersByTimeAsync(10);
		expect(granted).toBe(false);
		limiter.reconfigure(3, 1000);
		await jest.advanceTimersByTimeAsync(0);
		await waiting;
		expect(granted).toBe(true);
	});
});

// ---- limitForTier ----

describe('limitForTier', () => {
	it.each<[string, ICredentialDataDecryptedObject, number]>([
		['starter', { tier: 'starter' }, 100],
		['professional', { tier: 'professional' }, 190],
		['API limit increase', { tier: 'increase' }, 250],
		['no tier (starter, the safest)', {}, 100],
		['an unknown tier (starter, the safest)', { tier: 'enterprise' }, 100],
		['custom number', { tier: 'custom', customLimit: 37 }, 37],
		['custom numeric text', { tier: 'custom', customLimit: '12' }, 12],
		['custom 1', { tier: 'custom', customLimit: 1 }, 1],
	])('%s', (_name, credentials, expected) => {
		expect(limitForTier(credentials)).toBe(expected);
	});

	it.each<[unknown]>([[0], [-5], [2.5], ['ten'], [undefined], ['']])(
		'rejects custom limit %p',
		(customLimit) => {
			expect(() =>
				limitForTier({ tier: 'custom', customLimit } as ICredentialDataDecryptedObject),
			).toThrow('Requests per 10 Seconds must be a whole number of at least 1');
		},
	);

	it('HubSpotApi sizes the shared limiter from the tier and reports a bad custom limit as a node error', () => {
		const starter = new HubSpotApi(bare, {
			accessToken: TOKEN,
			tier: 'starter',
			baseUrl: 'http://127.0.0.1:1',
		});
		expect(starter.limiter.limit).toBe(100);
		expect(starter.limiter.windowMs).toBe(10_000);
		// Same account (trailing slash or not): one limiter, reconfigured by the later credential.
		const increase = new HubSpotApi(bare, {
			accessToken: TOKEN,
			tier: 'increase',
			baseUrl: 'http://127.0.0.1:1/',
		});
		expect(increase.limiter).toBe(starter.limiter);
		expect(starter.limiter.limit).toBe(250);
		expect(starter.limiterKey).not.toContain(TOKEN);

		let error: unknown;
		try {
			new HubSpotApi(bare, { accessToken: TOKEN, tier: 'custom', customLimit: 0 });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe(
			'Requests per 10 Seconds must be a whole number of at least 1',
		);

		expect(() => new HubSpotApi(bare, { accessToken: '  ' })).toThrow(
			'The HubSpot credential has no access token',
		);
	});
});

// ---- toNodeError ----

describe('HubSpotApi.toNodeError', () => {
	const make = (retry?: RetrySettings) =>
		new HubSpotApi(
			bare,
			{ accessToken: TOKEN, tier: 'professional', baseUrl: 'http://127.0.0.1:1' },
			retry,
		);
	/** An error as the transport leaves it after `tries` attempts. */
	const after = (tries: number, error: AttemptError) => {
		error.tries = tries;
		return error;
	};

	const cases: Array<[string, AttemptError, string, RetrySettings | undefined]> = [
		[
			'401',
			http(401, {
				status: 'error',
				message:
					'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
				category: 'INVALID_AUTHENTICATION',
			}),
			'HubSpot rejected the access token (401): token revoked or invalid',
			undefined,
		],
		[
			"403 with HubSpot's text",
			http(403, {
				status: 'error',
				message: "This app hasn't been granted all required scopes to make this call.",
				category: 'MISSING_SCOPES',
			}),
			"HubSpot refused the request (403): the private app is missing a scope — This app hasn't been granted all required scopes to make this call.",
			undefined,
		],
		[
			'403 without a body',
			http(403),
			'HubSpot refused the request (403): the private app is missing a scope',
			undefined,
		],
		[
			'daily 429 with the daily header',
			http(
				429,
				{
					status: 'error',
					message: 'You have reached your daily limit.',
					errorType: 'RATE_LIMIT',
					policyName: 'DAILY',
				},
				{ 'x-hubspot-ratelimit-daily': '250000', 'x-hubspot-ratelimit-daily-remaining': '0' },
			),
			'HubSpot daily API limit reached (250000 requests per day): stopped without retrying',
			undefined,
		],
		[
			'daily 429 without the header',
			http(429, {
				status: 'error',
				message: 'You have reached your daily limit.',
				policyName: 'DAILY',
			}),
			'HubSpot daily API limit reached: stopped without retrying',
			undefined,
		],
		[
			'rolling 429 (default retries)',
			http(429, {
				status: 'error',
				message: 'You have reached your ten_secondly_rolling limit.',
				errorType: 'RATE_LIMIT',
				policyName: 'TEN_SECONDLY_ROLLING',
			}),
			'HubSpot kept rate-limiting (429 TEN_SECONDLY_ROLLING) after 10 retries',
			undefined,
		],
		[
			'rolling 429 (2 retries)',
			http(429, { policyName: 'SECONDLY' }),
			'HubSpot kept rate-limiting (429 SECONDLY) after 2 retries',
			FAST,
		],
		[
			'500 with text after 3 tries',
			after(
				3,
				http(500, { status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' }),
			),
			'HubSpot server error 500 after 3 tries: internal error',
			undefined,
		],
		[
			'500 tried once (a create)',
			uncertain(after(1, http(500, { status: 'error', message: 'internal error' }))),
			`HubSpot server error 500 ${ONCE}: internal error`,
			undefined,
		],
		[
			'502 without a body',
			after(3, http(502)),
			'HubSpot server error 502 after 3 tries',
			undefined,
		],
		[
			"a 400 keeps HubSpot's text",
			http(400, {
				status: 'error',
				message: 'Property values were not valid: []',
				category: 'VALIDATION_ERROR',
			}),
			'HubSpot rejected the request (400): Property values were not valid: []',
			undefined,
		],
		[
			'a network error with an unlisted code',
			after(3, new AttemptError('HubSpot', 'network', undefined, undefined, {}, 'EPROTO')),
			'HubSpot could not be reached at http://127.0.0.1:1 (EPROTO) after 3 tries',
			undefined,
		],
		[
			'a create whose connection broke without a code',
			uncertain(new AttemptError('HubSpot', 'network', undefined, undefined, {})),
			`HubSpot could not be reached at http://127.0.0.1:1 (network error) ${ONCE}`,
			undefined,
		],
		[
			'a timeout',
			after(2, new AttemptError('HubSpot', 'timeout', undefined, undefined, {})),
			'HubSpot did not answer within 30000 ms after 2 tries',
			undefined,
		],
	];

	it.each(cases)('%s', (_name, error, message, retry) => {
		const nodeError = make(retry).toNodeError(error, 4);
		// Network failures and timeouts are NodeOperationErrors: NodeApiError would reword them.
		const unanswered = error.kind !== 'http';
		expect(nodeError).toBeInstanceOf(unanswered ? NodeOperationError : NodeApiError);
		// Whitespace is squashed here; spacing has its own test below.
		expect(squash(nodeError.message)).toBe(message);
		if (!unanswered) expect((nodeError as NodeApiError).httpCode).toBe(String(error.status));
		expect(inspect(nodeError, { depth: 20 })).not.toContain(TOKEN);
		expect(
			JSON.stringify([nodeError.message, nodeError.description, nodeError.messages]),
		).not.toContain(TOKEN);
	});

	it('adds what to do for a revoked token and a daily limit', () => {
		const api = make();
		expect(api.toNodeError(http(401)).description).toBe(
			'Create or rotate the private app token in HubSpot and update the HubSpot Batch API credential.',
		);
		expect(api.toNodeError(http(429, { policyName: 'DAILY' })).description).toBe(
			'The daily limit resets at midnight in the HubSpot account time zone. Rows not yet written are reported as errors.',
		);
	});

	it('passes node errors through and wraps anything else as an operation error', () => {
		const api = make();
		const own = new NodeOperationError(node, 'already explained');
		expect(api.toNodeError(own)).toBe(own);
		const other = api.toNodeError(new Error('something odd'));
		expect(other).toBeInstanceOf(NodeOperationError);
		expect(other.message).toBe('something odd');
	});

	// Regression: n8n's NodeApiError swaps any message containing a Node error code such as
	// ECONNREFUSED/ENOTFOUND/ECONNRESET/ETIMEDOUT for its generic text, so the host and tries are lost.
	it.each([
		['ECONNREFUSED', 'connection refused'],
		['ENOTFOUND', 'host not found'],
		['ECONNRESET', 'connection reset'],
		['ETIMEDOUT', 'connection timed out'],
	])('keeps its own message for network code %s', (code, words) => {
		const error = after(3, new AttemptError('HubSpot', 'network', undefined, undefined, {}, code));
		expect(squash(make().toNodeError(error).message)).toBe(
			`HubSpot could not be reached at http://127.0.0.1:1 (${words}) after 3 tries`,
		);
	});

	// Regression: with no policyName the message reads "(429 )"; the replace('  ', ' ') never matches.
	it('words a rolling 429 without a policy name cleanly', () => {
		expect(make().toNodeError(http(429, { message: 'Too many requests' })).message).toBe(
			'HubSpot kept rate-limiting (429) after 10 retries',
		);
	});

	// Regression: `${error.status} ${triesText}` where triesText already starts with a space.
	it('puts single spaces around the tries text', () => {
		const api = make();
		expect(api.toNodeError(after(3, http(500, { message: 'internal error' }))).message).toBe(
			'HubSpot server error 500 after 3 tries: internal error',
		);
		expect(api.toNodeError(uncertain(http(502))).message).toBe(`HubSpot server error 502 ${ONCE}`);
		expect(
			api.toNodeError(
				after(3, new AttemptError('HubSpot', 'network', undefined, undefined, {}, 'X')),
			).message,
		).toBe('HubSpot could not be reached at http://127.0.0.1:1 (X) after 3 tries');
		expect(
			api.toNodeError(uncertain(new AttemptError('HubSpot', 'timeout', undefined, undefined, {})))
				.message,
		).toBe(`HubSpot did not answer within 30000 ms ${ONCE}`);
	});

	it('isFatal: bad token, missing scope and daily limit only', () => {
		expect(isFatal(http(401))).toBe(true);
		expect(isFatal(http(403))).toBe(true);
		expect(isFatal(http(429, { policyName: 'DAILY' }))).toBe(true);
		expect(isFatal(http(429, { policyName: 'TEN_SECONDLY_ROLLING' }))).toBe(false);
		expect(isFatal(http(400))).toBe(false);
		expect(isFatal(http(500))).toBe(false);
		expect(isFatal(new Error('401'))).toBe(false);
	});
});

// ---- against a local HTTP server ----

interface Reply {
	status: number;
	headers?: Record<string, string>;
	body?: unknown;
	delayMs?: number;
	/** Drop the connection without answering. */
	destroy?: boolean;
}

interface Hit {
	method: string;
	url: string;
	at: number;
}

describe('HubSpotApi against a local server', () => {
	let server: Server;
	let baseUrl: string;
	let hits: Hit[];
	let script: (n: number, req: IncomingMessage) => Reply;
	const delayed = new Set<ReturnType<typeof setTimeout>>();

	beforeAll(async () => {
		server = createServer((req: IncomingMessage, res: ServerResponse) => {
			req.resume();
			req.on('end', () => {
				hits.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
				// Like HubSpot: the token decides, nothing else.
				const reply: Reply =
					req.headers.authorization === `Bearer ${TOKEN}`
						? script(hits.length, req)
						: {
								status: 401,
								body: {
									status: 'error',
									message: 'Authentication credentials not found.',
									category: 'INVALID_AUTHENTICATION',
								},
							};
				const answer = () => {
					if (reply.destroy) {
						req.socket.destroy();
						return;
					}
					res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
					res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
				};
				if (reply.delayMs) {
					const timer = setTimeout(() => {
						delayed.delete(timer);
						answer();
					}, reply.delayMs);
					delayed.add(timer);
				} else answer();
			});
		});
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		// n8n's request stack loads on its first call: do that before anything is counted.
		hits = [];
		script = () => ({ status: 200, body: {} });
		await get(api());
		resetRateLimiters();
		forgetLearnedLimits();
	});

	afterAll(async () => {
		// Answers still due to requests the client gave up on.
		for (const timer of delayed) clearTimeout(timer);
		server.closeAllConnections();
		server.close();
		await once(server, 'close');
	});

	beforeEach(() => {
		hits = [];
		script = () => ({ status: 200, body: { results: [] } });
	});

	const api = (tier = 'professional', retry: RetrySettings = FAST, token = TOKEN) =>
		new HubSpotApi(n8nContext(), { accessToken: token, tier, baseUrl }, retry);

	const get = async (a: HubSpotApi) =>
		await a.request({ method: 'GET', path: '/crm/v3/objects/contacts' });

	it("signs each request itself, not through the credential's expression", async () => {
		const ctx = n8nContext();
		const viaCredential = jest.spyOn(ctx.helpers, 'httpRequestWithAuthentication');
		const a = new HubSpotApi(
			ctx,
			{ accessToken: ` ${TOKEN} `, tier: 'professional', baseUrl },
			FAST,
		);
		await get(a);
		// The local server answers 401 unless the header is `Bearer <token>`.
		expect(hits).toHaveLength(1);
		expect(viaCredential).not.toHaveBeenCalled();
	});

	const post = async (a: HubSpotApi, idempotent: boolean) =>
		await a.request({
			method: 'POST',
			path: '/crm/v3/objects/contacts/batch/create',
			body: { inputs: [] },
			idempotent,
		});

	const failure = async (p: Promise<unknown>) => {
		try {
			await p;
		} catch (error) {
			return error as AttemptError;
		}
		throw new Error('expected the call to fail');
	};

	const rateHeaders = (max: number, remaining: number, interval: number) => ({
		'x-hubspot-ratelimit-max': String(max),
		'x-hubspot-ratelimit-remaining': String(remaining),
		'x-hubspot-ratelimit-interval-milliseconds': String(interval),
	});

	describe('observe: rate-limit headers', () => {
		it('lowers the limit to x-hubspot-ratelimit-max and takes its interval', async () => {
			const a = api('professional');
			script = () => ({ status: 200, headers: rateHeaders(100, 99, 5000), body: {} });
			await get(a);
			expect(a.limiter.limit).toBe(100);
			expect(a.limiter.windowMs).toBe(5000);
			// Our own call is the one HubSpot counted: nothing unseen to absorb.
			expect(a.limiter.available).toBe(99);
		});

		it('absorbs usage it did not make (remaining lower than it expects), once', async () => {
			const a = api('starter');
			script = (n) => ({
				status: 200,
				headers: rateHeaders(100, n === 1 ? 40 : 39, 10000),
				body: {},
			});
			await get(a);
			expect(a.limiter.limit).toBe(100);
			expect(a.limiter.available).toBe(40);
			await get(a);
			expect(a.limiter.available).toBe(39);
		});

		it('never raises the limit and ignores a remaining count higher than its own view', async () => {
			const a = api('starter');
			script = () => ({ status: 200, headers: rateHeaders(500, 499, 1000), body: {} });
			await get(a);
			expect(a.limiter.limit).toBe(100);
			expect(a.limiter.windowMs).toBe(10_000);
			expect(a.limiter.available).toBe(99);
		});

		it('a later execution on the same account starts at the reported limit, never above the tier', async () => {
			script = () => ({ status: 200, headers: rateHeaders(40, 39, 2000), body: {} });
			await get(api('professional'));
			const next = api('professional');
			expect([next.limiter.limit, next.limiter.windowMs]).toEqual([40, 2000]);
			// HubSpot reporting more room than the tier allows does not raise the pace above the tier.
			script = () => ({ status: 200, headers: rateHeaders(500, 499, 10_000), body: {} });
			await get(next);
			expect(api('professional').limiter.limit).toBe(190);
			forgetLearnedLimits();
			expect(api('starter').limiter.limit).toBe(100);
		});

		it('keeps the window when HubSpot sends no interval', async () => {
			const a = api('professional');
			script = () => ({
				status: 200,
				headers: { 'x-hubspot-ratelimit-max': '150', 'x-hubspot-ratelimit-remaining': '149' },
				body: {},
			});
			await get(a);
			expect(a.limiter.limit).toBe(150);
			expect(a.limiter.windowMs).toBe(10_000);
		});

		it('reads the headers of a failed response too', async () => {
			const a = api('professional');
			script = () => ({
				status: 400,
				headers: rateHeaders(10, 3, 10000),
				body: { status: 'error', message: 'bad', category: 'VALIDATION_ERROR' },
			});
			const error = await failure(get(a));
			expect(error.status).toBe(400);
			expect(hits).toHaveLength(1);
			expect(a.limiter.limit).toBe(10);
			expect(a.limiter.available).toBe(3);
		});

		it('without headers it changes nothing', async () => {
			const a = api('professional');
			await get(a);
			expect(a.limiter.limit).toBe(190);
			expect(a.limiter.available).toBe(189);
		});

		it("holds the next call until HubSpot's window has room again (remaining 0)", async () => {
			const a = api('professional');
			script = (n) => ({ status: 200, headers: rateHeaders(5, n === 1 ? 0 : 4, 300), body: {} });
			await get(a);
			expect(a.limiter.available).toBe(0);
			await get(a);
			expect(hits).toHaveLength(2);
			expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(300);
		});
	});

	describe('retry classification', () => {
		it('retries a 5xx on an idempotent call up to maxServerErrorTries, then fails with the 500', async () => {
			const a = api();
			script = () => ({ status: 500, body: { status: 'error', message: 'internal error' } });
			const error = await failure(get(a));
			expect(hits).toHaveLength(3);
			expect(error).toBeInstanceOf(AttemptError);
			expect(error.status).toBe(500);
			expect(a.stats).toEqual({ calls: 3, rateLimited: 0, serverErrors: 3 });
			expect(error.tries).toBe(3);
			expect(squash(a.toNodeError(error).message)).toBe(
				'HubSpot server error 500 after 3 tries: internal error',
			);
		});

		it('recovers when a retry succeeds', async () => {
			const a = api();
			script = (n) => (n === 1 ? { status: 503 } : { status: 200, body: { id: '7' } });
			const response = await get(a);
			expect(response.status).toBe(200);
			expect(response.body).toEqual({ id: '7' });
			expect(hits).toHaveLength(2);
		});

		it('does not retry a 500 on a call that creates records (it may have been applied)', async () => {
			const a = api();
			script = () => ({ status: 500, body: { message: 'internal error' } });
			const error = await failure(post(a, false));
			expect(error.status).toBe(500);
			expect(hits).toHaveLength(1);
			expect(error.tries).toBe(1);
			expect(squash(a.toNodeError(error).message)).toBe(
				`HubSpot server error 500 ${ONCE}: internal error`,
			);
		});

		// Regression: `tries` counted every attempt of the call, rate-limit retries included, so a
		// create that met a rolling 429 and then a 500 (not retried) loses the "may have been applied" warning.
		it('warns that a create may have been applied when its 500 was not retried', async () => {
			const a = api();
			script = (n) =>
				n === 1
					? {
							status: 429,
							headers: { 'retry-after': '0' },
							body: { policyName: 'TEN_SECONDLY_ROLLING' },
						}
					: { status: 500, body: { message: 'internal error' } };
			const error = await failure(post(a, false));
			expect(hits).toHaveLength(2);
			expect(error.status).toBe(500);
			expect(squash(a.toNodeError(error).message)).toBe(
				`HubSpot server error 500 ${ONCE}: internal error`,
			);
		});

		// A proxy answers 502/503 after the create it forwarded was applied: never resent.
		it.each([502, 503])('does not retry %p on a call that creates records', async (status) => {
			const a = api();
			script = () => ({ status });
			const error = await failure(post(a, false));
			expect(error.status).toBe(status);
			expect(error.uncertain).toBe(true);
			expect(hits).toHaveLength(1);
			expect(a.toNodeError(error).message).toBe(`HubSpot server error ${status} ${ONCE}`);
		});

		it.each([502, 503])('retries %p on an idempotent call', async (status) => {
			script = () => ({ status });
			const error = await failure(get(api()));
			expect(error.status).toBe(status);
			expect(hits).toHaveLength(3);
		});

		it.each([400, 401, 403, 404, 409])('does not retry %p', async (status) => {
			const a = api();
			script = () => ({ status, body: { status: 'error', message: `status ${status}` } });
			const error = await failure(get(a));
			expect(error.status).toBe(status);
			expect(hits).toHaveLength(1);
		});

		it('does not retry the daily limit', async () => {
			const a = api();
			script = () => ({
				status: 429,
				headers: {
					'x-hubspot-ratelimit-daily': '250000',
					'x-hubspot-ratelimit-daily-remaining': '0',
				},
				body: {
					status: 'error',
					message: 'You have reached your daily limit.',
					policyName: 'DAILY',
				},
			});
			const error = await failure(post(a, true));
			expect(hits).toHaveLength(1);
			expect(isDailyLimit(error)).toBe(true);
			expect(isFatal(error)).toBe(true);
			expect(a.toNodeError(error).message).toBe(
				'HubSpot daily API limit reached (250000 requests per day): stopped without retrying',
			);
		});

		it('retries a rolling 429 maxRateLimitRetries times, even for a create, then reports it', async () => {
			const a = api();
			script = () => ({
				status: 429,
				headers: { 'retry-after': '0' },
				body: {
					status: 'error',
					message: 'You have reached your ten_secondly_rolling limit.',
					policyName: 'TEN_SECONDLY_ROLLING',
				},
			});
			const error = await failure(post(a, false));
			expect(hits).toHaveLength(1 + FAST.maxRateLimitRetries);
			expect(a.stats.rateLimited).toBe(3);
			expect(a.toNodeError(error).message).toBe(
				'HubSpot kept rate-limiting (429 TEN_SECONDLY_ROLLING) after 2 retries',
			);
		});

		it('waits the interval HubSpot names before retrying a rolling 429 without Retry-After', async () => {
			const a = api();
			script = (n) =>
				n === 1
					? {
							status: 429,
							headers: { 'x-hubspot-ratelimit-interval-milliseconds': '120' },
							body: { policyName: 'TEN_SECONDLY_ROLLING' },
						}
					: { status: 200, body: {} };
			await get(a);
			expect(hits).toHaveLength(2);
			expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(120);
		});

		it('retries a dropped connection only when the call is idempotent', async () => {
			script = () => ({ status: 200, destroy: true });
			const error = await failure(get(api()));
			expect(error.kind).toBe('network');
			expect(hits).toHaveLength(3);

			hits = [];
			const create = api();
			const once = await failure(post(create, false));
			expect(once.kind).toBe('network');
			expect(once.uncertain).toBe(true);
			expect(hits).toHaveLength(1);
			expect(create.toNodeError(once).message).toContain(ONCE);
		});

		it('times out slow answers and retries them only when idempotent', async () => {
			const short = { ...FAST, timeoutMs: 300 };
			script = () => ({ status: 200, body: {}, delayMs: 2000 });
			const error = await failure(get(api('professional', short)));
			expect(error.kind).toBe('timeout');
			expect(hits).toHaveLength(3);

			hits = [];
			const create = api('professional', short);
			const once = await failure(post(create, false));
			expect(once.kind).toBe('timeout');
			expect(hits).toHaveLength(1);
			expect(squash(create.toNodeError(once).message)).toBe(
				`HubSpot did not answer within 300 ms ${ONCE}`,
			);
		});

		it('retries a refused connection, even for a create', async () => {
			// A port that was just free: connecting to it is refused (port 1 is not: fetch blocks it as a "bad port").
			const closed = createServer();
			closed.listen(0, '127.0.0.1');
			await once(closed, 'listening');
			const port = (closed.address() as AddressInfo).port;
			closed.close();
			await once(closed, 'close');

			const refused = new HubSpotApi(
				n8nContext(),
				{ accessToken: TOKEN, baseUrl: `http://127.0.0.1:${port}` },
				FAST,
			);
			const error = await failure(post(refused, false));
			expect(error.kind).toBe('network');
			expect(error.code).toBe('ECONNREFUSED');
			expect(refused.stats.calls).toBe(3);
		});

		it('sends the token to HubSpot but never puts it in an error', async () => {
			const wrong = api('professional', FAST, 'pat-na1-wrong-token-0000');
			const error = await failure(get(wrong));
			expect(error.status).toBe(401);
			expect(hits).toHaveLength(1);
			const nodeError = wrong.toNodeError(error);
			expect(nodeError.message).toBe(
				'HubSpot rejected the access token (401): token revoked or invalid',
			);
			for (const text of [inspect(error, { depth: 20 }), inspect(nodeError, { depth: 20 })]) {
				expect(text).not.toContain('pat-na1-wrong-token-0000');
				expect(text).not.toContain(TOKEN);
			}
			// The right token works against the same server.
			await get(api());
			expect(hits).toHaveLength(2);
		});
	});
});

describe('DEFAULT_RETRY', () => {
	it('is what the messages above assume', () => {
		expect(DEFAULT_RETRY).toMatchObject({
			maxRateLimitRetries: 10,
			maxServerErrorTries: 3,
			timeoutMs: 30_000,
		});
	});
});
