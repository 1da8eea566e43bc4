import { Client } from '@hubspot/api-client';
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { connectRedis, type RedisCredentials } from '../../../shared/redis/connection';
import type { SlidingWindowRateLimiter } from '../../../shared/transport/rateLimiter';
import { RedisSlidingWindowLimiter } from '../../../shared/transport/redisRateLimiter';
import { getRateLimiter, rateLimiterKey } from '../../../shared/transport/rateLimiter';
import { parseRetryAfter, withRetry } from '../../../shared/transport/retry';

export const DEFAULT_BASE_URL = 'https://api.hubapi.com';
export const WINDOW_MS = 10_000;
export const TIER_LIMITS: Record<string, number> = {
	starter: 100,
	professional: 190,
	increase: 250,
};

/**
 * `redis://[user:password@]host:port/db` (or `rediss://`) as the fields connectRedis takes, or
 * why it is not one (the URL itself is never repeated: it holds the password).
 */
export function parseRedisUrl(url: string): RedisCredentials | string {
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

// One Redis connection per URL for the whole process (the URL is never logged or echoed).
const sharedLimiterConnections = new Map<string, ReturnType<typeof connectRedis>>();

/** Test hook: close the shared-limiter Redis connections. */
export async function closeSharedLimiterConnections(): Promise<void> {
	const all = [...sharedLimiterConnections.values()];
	sharedLimiterConnections.clear();
	await Promise.all(all.map(async (r) => await r.quit().catch(() => r.disconnect())));
}

/** X-HubSpot-RateLimit-Max / -Interval-Milliseconds last seen per account (limiter key). */
const reportedLimits = new Map<string, { limit: number; windowMs: number }>();

/** Test hook: forget what HubSpot reported. */
export function resetReportedLimits(): void {
	reportedLimits.clear();
}

export type HubSpotContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface RetrySettings {
	/** Retries of a TEN_SECONDLY_ROLLING 429 (each waits out the window). */
	maxRateLimitRetries: number;
	/** Total tries for 5xx and network errors/timeouts (first try included). */
	maxServerErrorTries: number;
	timeoutMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
	maxRateLimitRetries: 10,
	maxServerErrorTries: 3,
	timeoutMs: 30_000,
	baseDelayMs: 500,
	maxDelayMs: 8_000,
};

export interface HubSpotRequest {
	method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	path: string;
	body?: unknown;
	qs?: Record<string, string | number | boolean>;
	/**
	 * False for calls that create records (batch create, notes): a timeout or a 500 may have been
	 * applied, so only responses that say nothing was done (429, 502, 503, refused connection) are retried.
	 */
	idempotent?: boolean;
}

export interface HubSpotResponse<T> {
	status: number;
	body: T;
	headers: Record<string, string>;
}

export interface RequestStats {
	calls: number;
	rateLimited: number;
	serverErrors: number;
}

/** One failed attempt, before it is turned into a NodeApiError. */
export class HubSpotAttemptError extends Error {
	constructor(
		readonly kind: 'http' | 'network' | 'timeout',
		readonly status: number | undefined,
		readonly body: JsonObject | undefined,
		readonly headers: Record<string, string>,
		readonly code?: string,
	) {
		super(
			kind === 'http'
				? `HubSpot responded ${status}: ${typeof body?.message === 'string' ? body.message : 'no message'}`
				: kind === 'timeout'
					? 'HubSpot did not answer in time'
					: `HubSpot could not be reached (${code ?? 'network error'})`,
		);
	}

	/** Tries made when this error ended the call (set by the transport). */
	tries = 1;

	get policyName(): string | undefined {
		return typeof this.body?.policyName === 'string' ? this.body.policyName : undefined;
	}

	get isDailyLimit(): boolean {
		return this.status === 429 && this.policyName === 'DAILY';
	}

	get isRollingLimit(): boolean {
		return this.status === 429 && !this.isDailyLimit;
	}

	get serverMessage(): string | undefined {
		return typeof this.body?.message === 'string' ? this.body.message : undefined;
	}
}

export function limitForTier(credentials: ICredentialDataDecryptedObject): number {
	const tier = String(credentials.tier ?? 'professional');
	if (tier === 'custom') {
		const custom = Number(credentials.customLimit);
		if (!Number.isInteger(custom) || custom < 1) {
			throw new Error('Requests per 10 Seconds must be a whole number of at least 1');
		}
		return custom;
	}
	return TIER_LIMITS[tier] ?? TIER_LIMITS.professional;
}

const lower = (headers: Record<string, string>) =>
	Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));

function headersOf(response: Response): Record<string, string> {
	const out: Record<string, string> = {};
	response.headers.forEach((value, key) => {
		out[key.toLowerCase()] = value;
	});
	return out;
}

const NETWORK_WORDS: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	ECONNRESET: 'connection reset',
	ETIMEDOUT: 'connection timed out',
	EAI_AGAIN: 'DNS lookup failed',
	EHOSTUNREACH: 'host unreachable',
};

function describeNetworkCode(code: string | undefined): string {
	if (code === undefined) return 'network error';
	return NETWORK_WORDS[code] ?? code;
}

function networkCode(error: unknown): string | undefined {
	const cause = (error as { cause?: { code?: string } })?.cause;
	return cause?.code ?? (error as { code?: string })?.code;
}

/**
 * HubSpot access for one credential: the SDK client (basePath set, its own retries and limiter
 * off), the account's shared limiter, and the retry policy. Every call goes through `request()`.
 */
export class HubSpotApi {
	readonly client: Client;

	readonly limiter: SlidingWindowRateLimiter;

	readonly stats: RequestStats = { calls: 0, rateLimited: 0, serverErrors: 0 };

	readonly baseUrl: string;

	/** Identifies the account (base URL + token hash) without holding the token. */
	readonly limiterKey: string;

	/** The window in Redis that all n8n processes share, when the credential asks for it. */
	readonly shared?: RedisSlidingWindowLimiter;

	constructor(
		private readonly node: INode,
		credentials: ICredentialDataDecryptedObject,
		readonly retry: RetrySettings = DEFAULT_RETRY,
	) {
		const token = String(credentials.accessToken ?? '').trim();
		if (token === '') {
			throw new NodeOperationError(node, 'The HubSpot credential has no access token');
		}
		this.baseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
		let limit: number;
		try {
			limit = limitForTier(credentials);
		} catch (error) {
			throw new NodeOperationError(node, (error as Error).message);
		}
		this.limiterKey = rateLimiterKey(this.baseUrl, token);
		// What HubSpot last reported for this account wins over the tier, so the next execution
		// does not start out too fast again.
		const reported = reportedLimits.get(this.limiterKey);
		this.limiter = getRateLimiter(
			this.limiterKey,
			reported ? Math.min(limit, reported.limit) : limit,
			reported?.windowMs ?? WINDOW_MS,
		);
		if (credentials.sharedRateLimit === true) {
			const url = String(credentials.redisUrlSecret ?? '').trim();
			if (url === '') {
				throw new NodeOperationError(
					node,
					"The HubSpot credential shares its rate limit but has no Redis URL: set 'Redis URL' or turn sharing off",
				);
			}
			const redisCredentials = parseRedisUrl(url);
			if (typeof redisCredentials === 'string') {
				throw new NodeOperationError(node, `Field 'Redis URL': ${redisCredentials}`);
			}
			let redis = sharedLimiterConnections.get(url);
			if (redis === undefined || redis.status === 'end') {
				redis = connectRedis(redisCredentials, {
					connectionName: 'n8n-nodes-marketing-ops:hubspot-limit',
				});
				sharedLimiterConnections.set(url, redis);
			}
			this.shared = new RedisSlidingWindowLimiter(redis, {
				key: this.limiterKey,
				limit: this.limiter.limit,
				windowMs: this.limiter.windowMs,
			});
		}
		// No limiterOptions and 0 retries: the SDK installs no decorators, so pacing and retries are ours.
		this.client = new Client({
			accessToken: token,
			basePath: this.baseUrl,
			numberOfApiCallRetries: 0,
		});
	}

	static async fromContext(
		ctx: HubSpotContext,
		retry?: Partial<RetrySettings>,
	): Promise<HubSpotApi> {
		const credentials = await ctx.getCredentials('hubSpotBatchApi');
		return new HubSpotApi(ctx.getNode(), credentials, {
			...DEFAULT_RETRY,
			...retry,
		});
	}

	/** A call through the SDK's `apiRequest` (raw JSON, so fields the typed models drop survive). */
	async request<T = JsonObject>(req: HubSpotRequest): Promise<HubSpotResponse<T>> {
		return await this.run(req.idempotent !== false, async () => {
			const response = await this.client.apiRequest({
				method: req.method,
				path: req.path,
				qs: req.qs,
				body: req.body,
			});
			const headers = headersOf(response);
			const text = await response.text();
			let body: unknown = undefined;
			if (text !== '') {
				try {
					body = JSON.parse(text);
				} catch {
					body = { message: text.slice(0, 500) };
				}
			}
			if (response.status >= 400) {
				throw new HubSpotAttemptError('http', response.status, body as JsonObject, headers);
			}
			return { status: response.status, body: body as T, headers };
		});
	}

	/** A call through one of the SDK's typed `...WithHttpInfo` methods. */
	async sdk<T>(
		call: (client: Client) => Promise<{
			httpStatusCode: number;
			headers: Record<string, string>;
			data: T;
		}>,
		idempotent = true,
	): Promise<HubSpotResponse<T>> {
		return await this.run(idempotent, async () => {
			let failure: unknown;
			try {
				const info = await call(this.client);
				return {
					status: info.httpStatusCode,
					body: info.data,
					headers: lower(info.headers ?? {}),
				};
			} catch (error) {
				failure = error;
			}
			// Decided outside the catch: the SDK's ApiException becomes our attempt error.
			const e = failure as {
				code?: unknown;
				body?: unknown;
				headers?: Record<string, string>;
			};
			if (typeof e?.code !== 'number' || e.code < 400) throw this.unreachable(failure);
			const body =
				typeof e.body === 'object' && e.body !== null
					? (e.body as JsonObject)
					: { message: String(e.body ?? '') };
			throw new HubSpotAttemptError('http', e.code, body, lower(e.headers ?? {}));
		});
	}

	private unreachable(error: unknown): HubSpotAttemptError {
		return error instanceof HubSpotAttemptError
			? error
			: new HubSpotAttemptError('network', undefined, undefined, {}, networkCode(error));
	}

	private async run<T>(
		idempotent: boolean,
		attempt: () => Promise<HubSpotResponse<T>>,
	): Promise<HubSpotResponse<T>> {
		let rateLimitRetries = 0;
		let serverTries = 0;
		const counter = { failures: 0 };
		return await withRetry(async () => await this.once(attempt, counter), {
			maxAttempts: this.retry.maxRateLimitRetries + this.retry.maxServerErrorTries + 1,
			baseDelayMs: this.retry.baseDelayMs,
			maxDelayMs: this.retry.maxDelayMs,
			isRetryable: (error) => {
				if (!(error instanceof HubSpotAttemptError)) return false;
				if (error.isRollingLimit) return ++rateLimitRetries <= this.retry.maxRateLimitRetries;
				if (!this.isTransient(error, idempotent)) return false;
				return ++serverTries < this.retry.maxServerErrorTries;
			},
			retryAfterMs: (error) => {
				const e = error as HubSpotAttemptError;
				if (!e.isRollingLimit) return undefined;
				const interval =
					Number(e.headers['x-hubspot-ratelimit-interval-milliseconds']) || WINDOW_MS;
				return parseRetryAfter(e.headers['retry-after']) ?? interval;
			},
			onRetry: ({ error, delayMs }) => {
				// Everyone on this account waits, not just this call: the window is shared.
				if ((error as HubSpotAttemptError).isRollingLimit)
					this.limiter.pauseUntil(Date.now() + delayMs);
				void this.shared?.pauseUntil(Date.now() + delayMs).catch(() => undefined);
			},
		});
	}

	private isTransient(error: HubSpotAttemptError, idempotent: boolean): boolean {
		if (error.kind === 'network') return idempotent || error.code === 'ECONNREFUSED';
		if (error.kind === 'timeout') return idempotent;
		const status = error.status ?? 0;
		if (status === 502 || status === 503) return true;
		return idempotent && status >= 500;
	}

	private async once<T>(
		attempt: () => Promise<HubSpotResponse<T>>,
		counter: { failures: number },
	): Promise<HubSpotResponse<T>> {
		const slot = await this.limiter.acquireSlot();
		let sharedSlot: { release(): Promise<void> } | undefined;
		if (this.shared) {
			try {
				sharedSlot = await this.shared.acquireSlot();
			} catch (error) {
				slot.release();
				throw new NodeOperationError(this.node, `Shared rate limit: ${(error as Error).message}`);
			}
		}
		this.stats.calls++;
		let timer: ReturnType<typeof setTimeout> | undefined;
		try {
			const timeout = new Promise<never>((_, reject) => {
				timer = setTimeout(
					() => reject(new HubSpotAttemptError('timeout', undefined, undefined, {})),
					this.retry.timeoutMs,
				);
			});
			let response: HubSpotResponse<T> | undefined;
			let failure: unknown;
			try {
				response = await Promise.race([attempt(), timeout]);
			} catch (error) {
				failure = error;
			}
			if (response !== undefined) {
				this.observe(response.headers);
				return response;
			}
			const attemptError = this.unreachable(failure);
			// Rolling 429s are not tries of the request: HubSpot refused it before doing anything.
			if (!attemptError.isRollingLimit) counter.failures++;
			attemptError.tries = Math.max(1, counter.failures);
			this.observe(attemptError.headers);
			if (attemptError.status === 429) this.stats.rateLimited++;
			if ((attemptError.status ?? 0) >= 500) this.stats.serverErrors++;
			throw attemptError;
		} finally {
			clearTimeout(timer);
			slot.release();
			void sharedSlot?.release().catch(() => undefined);
		}
	}

	/** Tightens the limiter when HubSpot reports a smaller limit, or less room, than we assume. */
	private observe(headers: Record<string, string>): void {
		const max = Number(headers['x-hubspot-ratelimit-max']);
		const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
		if (Number.isInteger(max) && max > 0) {
			const windowMs = Number.isFinite(interval) && interval > 0 ? interval : this.limiter.windowMs;
			reportedLimits.set(this.limiterKey, { limit: max, windowMs });
			if (max < this.limiter.limit) this.limiter.reconfigure(max, windowMs);
			if (this.shared && max < this.shared.limit) this.shared.reconfigure(max, windowMs);
		}
		const remaining = Number(headers['x-hubspot-ratelimit-remaining']);
		if (headers['x-hubspot-ratelimit-remaining'] !== undefined && Number.isFinite(remaining)) {
			const unseen = this.limiter.available - Math.max(0, remaining);
			if (unseen > 0) this.limiter.absorb(unseen);
		}
	}

	/** Turns a final failure into the error the user sees; never includes the token. */
	toNodeError(error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
		if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
		if (!(error instanceof HubSpotAttemptError)) {
			return new NodeOperationError(this.node, error as Error, { itemIndex });
		}
		const host = this.baseUrl;
		// A create is tried once after a 500 or a timeout: it may have been applied, so say so.
		const triesText =
			error.tries > 1
				? `after ${error.tries} tries`
				: '(tried once; not retried, it may still have been applied)';
		const server = error.serverMessage;
		let message: string;
		let description: string | undefined;
		// n8n's errors swap a message naming ECONNREFUSED & co. for generic text: use words.
		if (error.kind === 'network') {
			return new NodeOperationError(
				this.node,
				`HubSpot could not be reached at ${host} (${describeNetworkCode(error.code)}) ${triesText}`,
				{ itemIndex },
			);
		}
		if (error.kind === 'timeout') {
			return new NodeOperationError(
				this.node,
				`HubSpot did not answer within ${this.retry.timeoutMs} ms ${triesText}`,
				{ itemIndex },
			);
		}
		if (error.status === 401) {
			message = 'HubSpot rejected the access token (401): token revoked or invalid';
			description =
				'Create or rotate the private app token in HubSpot and update the HubSpot Batch API credential.';
		} else if (error.status === 403) {
			message = `HubSpot refused the request (403): the private app is missing a scope${server ? ` — ${server}` : ''}`;
		} else if (error.isDailyLimit) {
			const daily = error.headers['x-hubspot-ratelimit-daily'];
			message = `HubSpot daily API limit reached${daily ? ` (${daily} requests per day)` : ''}: stopped without retrying`;
			description =
				'The daily limit resets at midnight in the HubSpot account time zone. Rows not yet written are reported as errors.';
		} else if (error.status === 429) {
			const policy = error.policyName ? ` ${error.policyName}` : '';
			message = `HubSpot kept rate-limiting (429${policy}) after ${this.retry.maxRateLimitRetries} retries`;
		} else if ((error.status ?? 0) >= 500) {
			message = `HubSpot server error ${error.status} ${triesText}${server ? `: ${server}` : ''}`;
		} else {
			message = `HubSpot rejected the request (${error.status})${server ? `: ${server}` : ''}`;
		}
		return new NodeApiError(this.node, (error.body ?? {}) as JsonObject, {
			message,
			description,
			httpCode: error.status !== undefined ? String(error.status) : undefined,
			itemIndex,
		});
	}
}

/** True for a final failure that no later call can succeed after (bad token, daily limit). */
export function isFatal(error: unknown): boolean {
	return (
		error instanceof HubSpotAttemptError &&
		(error.status === 401 || error.status === 403 || error.isDailyLimit)
	);
}
