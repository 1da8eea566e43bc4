import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { SlidingWindowRateLimiter } from '../../../shared/transport/rateLimiter';
import { getRateLimiter, rateLimiterKey } from '../../../shared/transport/rateLimiter';
import { parseRetryAfter, withRetry } from '../../../shared/transport/retry';

export const API_ORIGIN = 'https://api.webinarjam.com';

/** WebinarJam: "a hardcoded limit of 20 API calls per second per user". */
export const CALLS_PER_SECOND = 20;
export const WINDOW_MS = 1000;
/** When a 429 names no Retry-After (WebinarJam documents none), wait one window. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

export type Endpoint = 'webinars' | 'webinar' | 'registrants' | 'register';

export interface RetrySettings {
	/** Retries of a 429, each after Retry-After (or 1 s). */
	maxRateLimitRetries: number;
	/** Total tries of a call that fails with a 5xx or a network error (first try included). */
	maxServerErrorTries: number;
	timeoutMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** A Retry-After longer than this fails the call instead of stalling the execution. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
	maxRateLimitRetries: 10,
	maxServerErrorTries: 3,
	timeoutMs: 60_000,
	baseDelayMs: 500,
	maxDelayMs: 8_000,
	maxRetryAfterMs: 120_000,
};

export interface RequestStats {
	/** HTTP calls made, retries included. */
	calls: number;
	/** 429 answers seen (each was waited out and retried, or ended the call). */
	rateLimited: number;
	/** 5xx answers and network errors seen. */
	serverErrors: number;
}

export interface CallOptions {
	itemIndex?: number;
	/** The message for a 404, e.g. "WebinarJam has no webinar 12". */
	notFoundMessage?: string;
	/**
	 * False for /register: after a 500 or a timeout the registration may exist, so only answers that
	 * say nothing happened (429, 502, 503, a refused connection) are retried.
	 */
	idempotent?: boolean;
}

const NETWORK_WORDS: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	ECONNRESET: 'connection reset',
	ETIMEDOUT: 'connection timed out',
	ECONNABORTED: 'no answer in time',
	ESOCKETTIMEDOUT: 'no answer in time',
	EAI_AGAIN: 'DNS lookup failed',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	EPIPE: 'connection closed',
	UND_ERR_SOCKET: 'connection closed',
};

/** One failed attempt; turned into a NodeApiError once the retries are used up. */
export class WebinarJamCallError extends Error {
	constructor(
		readonly kind: 'http' | 'network' | 'api',
		/** HTTP status; for `api` errors (HTTP 200 + status "error") the status they stand for. */
		readonly status: number | undefined,
		readonly serverMessage: string | undefined,
		readonly retryAfterMs?: number,
		readonly code?: string,
		readonly fieldErrors?: Record<string, string[]>,
	) {
		super(
			kind === 'network'
				? `WebinarJam could not be reached (${code ?? 'network error'})`
				: `WebinarJam answered ${status ?? '?'}${serverMessage ? `: ${serverMessage}` : ''}`,
		);
	}

	/** Tries made when this error ended the call (set by the transport). */
	tries = 1;

	get isRateLimit(): boolean {
		return this.status === 429;
	}

	get isAuth(): boolean {
		return this.status === 401 || this.status === 403;
	}

	get isTransient(): boolean {
		return this.kind === 'network' || (this.status ?? 0) >= 500;
	}

	/** Nothing was done by the server: safe to retry even a registration. */
	get provesNothingHappened(): boolean {
		return this.status === 502 || this.status === 503 || this.code === 'ECONNREFUSED';
	}
}

function headerValue(headers: unknown, name: string): unknown {
	if (!headers || typeof headers !== 'object') return undefined;
	const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
	return key === undefined ? undefined : (headers as IDataObject)[key];
}

function networkCodeOf(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function parseBody(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	const text = body.trim();
	if (text.startsWith('{') || text.startsWith('[')) {
		try {
			return JSON.parse(text) as unknown;
		} catch {
			return body;
		}
	}
	return body;
}

/**
 * What an answer with `status: "error"` (HTTP 200 or not) stands for. WebinarJam's error bodies are
 * not documented, so the message decides: a key problem is a 401, throttling a 429, a missing
 * webinar a 404, anything else a 400 (not retried).
 */
export function statusForApiError(message: string): number {
	if (/api[ _-]?key|unauthori[sz]ed|authenticat|not allowed|forbidden/i.test(message)) return 401;
	if (/too many|rate.?limit|throttl/i.test(message)) return 429;
	if (/not found|does not exist|unknown webinar/i.test(message)) return 404;
	return 400;
}

/** WebinarJam base URL for a credential: the override, or api.webinarjam.com/<product>. */
export function baseUrlOf(credentials: ICredentialDataDecryptedObject): string {
	const product = String(credentials.product || 'webinarjam');
	const override = String(credentials.baseUrl ?? '').trim();
	return (override || `${API_ORIGIN}/${product}`).replace(/\/+$/, '');
}

export type WebinarJamContext = IExecuteFunctions | ILoadOptionsFunctions;

/**
 * WebinarJam access for one credential. Every call:
 * - is a form-encoded POST through n8n's `httpRequestWithAuthentication` (the credential puts
 *   `api_key` into the form body; it is never logged, echoed or put into an error);
 * - takes a permit from the shared SlidingWindowRateLimiter of the account (20 calls per second,
 *   each call counting from its start until one second after its answer), so parallel nodes and
 *   executions on the same key share one budget;
 * - waits out a 429 (Retry-After, else 1 s; every caller on the key waits) and retries it,
 *   backs off and retries 5xx and network errors (3 tries in all), and fails at once on 401
 *   with "WebinarJam rejected the API key". WebinarJam may report errors as HTTP 200 with
 *   `status: "error"`; those are handled like the HTTP status they stand for.
 */
export class WebinarJamClient {
	readonly stats: RequestStats = { calls: 0, rateLimited: 0, serverErrors: 0 };

	readonly limiter: SlidingWindowRateLimiter;

	readonly baseUrl: string;

	readonly product: string;

	/** Only used to redact server messages; never sent anywhere by this class. */
	private readonly secret: string;

	private readonly decrypted: IAdditionalCredentialOptions;

	private constructor(
		private readonly ctx: WebinarJamContext,
		private readonly node: INode,
		credentials: ICredentialDataDecryptedObject,
		readonly retry: RetrySettings,
	) {
		// Handed to n8n's request helper on every call, so it does not read and decrypt the credential
		// from its database again each time (1,000 pages = 1,000 decryptions otherwise).
		this.decrypted = {
			credentialsDecrypted: {
				id: '',
				name: 'webinarJamApi',
				type: 'webinarJamApi',
				data: credentials,
			},
		};
		const apiKey = String(credentials.apiKey ?? '').trim();
		if (apiKey === '') {
			throw new NodeOperationError(node, 'The WebinarJam credential has no API key');
		}
		this.secret = apiKey;
		this.product = String(credentials.product || 'webinarjam');
		this.baseUrl = baseUrlOf(credentials);
		if (!/^https?:\/\//i.test(this.baseUrl)) {
			throw new NodeOperationError(
				node,
				`The WebinarJam credential's Base URL "${this.baseUrl}" is not an http(s) URL`,
			);
		}
		// "20 calls per second per user": one window per key, whichever product or path it calls.
		let origin = this.baseUrl;
		try {
			origin = new URL(this.baseUrl).origin;
		} catch {
			// keep the raw base URL as the account's host part
		}
		this.limiter = getRateLimiter(rateLimiterKey(origin, apiKey), CALLS_PER_SECOND, WINDOW_MS);
	}

	static async create(
		ctx: WebinarJamContext,
		retry: Partial<RetrySettings> = {},
		itemIndex?: number,
	): Promise<WebinarJamClient> {
		const credentials = await ctx.getCredentials('webinarJamApi', itemIndex);
		return new WebinarJamClient(ctx, ctx.getNode(), credentials, { ...DEFAULT_RETRY, ...retry });
	}

	private redact(text: string | undefined): string | undefined {
		if (text === undefined || this.secret.length < 4) return text;
		return text.split(this.secret).join('***');
	}

	/** One API call, paced and retried; resolves with the answer's JSON (`status: "success"`). */
	async request<T = IDataObject>(
		endpoint: Endpoint,
		params: Record<string, string | number | boolean | undefined | null> = {},
		options: CallOptions = {},
	): Promise<T> {
		const form: IDataObject = {};
		for (const [key, value] of Object.entries(params)) {
			if (value === undefined || value === null || value === '') continue;
			form[key] = typeof value === 'boolean' ? (value ? 1 : 0) : String(value);
		}
		const idempotent = options.idempotent !== false;
		let rateLimitRetries = 0;
		let serverTries = 0;
		let failures = 0;
		try {
			return await withRetry(
				async () =>
					await this.once<T>(endpoint, form).catch((error: unknown) => {
						if (error instanceof WebinarJamCallError) {
							if (!error.isRateLimit) failures++;
							error.tries = Math.max(1, failures);
						}
						return Promise.reject(error);
					}),
				{
					maxAttempts: this.retry.maxRateLimitRetries + this.retry.maxServerErrorTries + 1,
					baseDelayMs: this.retry.baseDelayMs,
					maxDelayMs: this.retry.maxDelayMs,
					isRetryable: (error) => {
						if (!(error instanceof WebinarJamCallError)) return false;
						if (error.isRateLimit) {
							if ((error.retryAfterMs ?? 0) > this.retry.maxRetryAfterMs) return false;
							return ++rateLimitRetries <= this.retry.maxRateLimitRetries;
						}
						if (!error.isTransient) return false;
						if (!idempotent && !error.provesNothingHappened) return false;
						return ++serverTries < this.retry.maxServerErrorTries;
					},
					retryAfterMs: (error) => {
						const e = error as WebinarJamCallError;
						return e.isRateLimit ? (e.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS) : undefined;
					},
					onRetry: ({ error, delayMs }) => {
						// The window belongs to the key: everyone on it waits, not just this call.
						if ((error as WebinarJamCallError).isRateLimit) {
							this.limiter.pauseUntil(Date.now() + delayMs);
						}
					},
				},
			);
		} catch (error) {
			throw this.toNodeError(error, options);
		}
	}

	private async once<T>(endpoint: Endpoint, form: IDataObject): Promise<T> {
		const slot = await this.limiter.acquireSlot();
		this.stats.calls++;
		let response: IN8nHttpFullResponse | undefined;
		let sendError: unknown;
		try {
			const request: IHttpRequestOptions = {
				method: 'POST',
				url: `${this.baseUrl}/${endpoint}`,
				headers: {
					'Content-Type': 'application/x-www-form-urlencoded',
					Accept: 'application/json',
				},
				// A fresh object per try: the credential adds api_key to it.
				body: { ...form },
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: this.retry.timeoutMs,
			};
			response = (await this.ctx.helpers.httpRequestWithAuthentication.call(
				this.ctx,
				'webinarJamApi',
				request,
				this.decrypted,
			)) as IN8nHttpFullResponse;
		} catch (error) {
			sendError = error;
		} finally {
			slot.release();
		}
		if (response === undefined) {
			// A setup problem (no credential) is not a network error.
			if (sendError instanceof NodeOperationError) throw sendError;
			this.stats.serverErrors++;
			// Only the code is kept: the original error holds the request, and so the key.
			throw new WebinarJamCallError(
				'network',
				undefined,
				undefined,
				undefined,
				networkCodeOf(sendError),
			);
		}
		const status = response.statusCode;
		const body = parseBody(response.body);
		const json = body && typeof body === 'object' ? (body as IDataObject) : undefined;
		const message =
			typeof json?.message === 'string'
				? json.message
				: typeof body === 'string' && body.trim() !== ''
					? body.trim().slice(0, 300)
					: undefined;
		const fieldErrors =
			json?.errors && typeof json.errors === 'object'
				? (json.errors as Record<string, string[]>)
				: undefined;
		if (
			status === 429 ||
			(status >= 200 &&
				status < 300 &&
				json?.status === 'error' &&
				statusForApiError(message ?? '') === 429)
		) {
			this.stats.rateLimited++;
			throw new WebinarJamCallError(
				'http',
				429,
				this.redact(message),
				parseRetryAfter(headerValue(response.headers, 'retry-after')),
			);
		}
		if (status >= 200 && status < 300) {
			if (json === undefined) {
				throw new WebinarJamCallError('api', 502, 'the answer was not JSON');
			}
			if (json.status === 'error') {
				throw new WebinarJamCallError(
					'api',
					statusForApiError(message ?? ''),
					this.redact(message ?? 'no message'),
					undefined,
					undefined,
					fieldErrors,
				);
			}
			return json as T;
		}
		if (status >= 500) this.stats.serverErrors++;
		throw new WebinarJamCallError(
			'http',
			status,
			this.redact(message),
			undefined,
			undefined,
			fieldErrors,
		);
	}

	/** The error the user sees: what failed and what to do; never the key. */
	toNodeError(error: unknown, options: CallOptions = {}): NodeApiError | NodeOperationError {
		const { itemIndex } = options;
		if (error instanceof NodeApiError || error instanceof NodeOperationError) {
			if (itemIndex !== undefined) error.context.itemIndex ??= itemIndex;
			return error;
		}
		if (!(error instanceof WebinarJamCallError)) {
			return new NodeOperationError(this.node, error as Error, { itemIndex });
		}
		const tries = error.tries > 1 ? ` after ${error.tries} tries` : '';
		if (error.kind === 'network') {
			// n8n replaces messages that name ECONNREFUSED & co. with generic text: use words.
			return new NodeOperationError(
				this.node,
				`WebinarJam could not be reached at ${this.baseUrl} (${NETWORK_WORDS[error.code ?? ''] ?? error.code ?? 'network error'})${tries}`,
				{
					itemIndex,
					description:
						'Check the Base URL in the WebinarJam credential and that the service is reachable.',
				},
			);
		}
		const server = error.serverMessage;
		let message: string;
		let description: string | undefined = server ? `WebinarJam said: ${server}` : undefined;
		if (error.isAuth) {
			message = `WebinarJam rejected the API key (${error.status === 403 ? 403 : 401})`;
			description = `Check the API key and the Product (${this.product}) in the WebinarJam credential; the key may be wrong or revoked.${server ? ` WebinarJam said: ${server}` : ''}`;
		} else if (error.isRateLimit) {
			message =
				(error.retryAfterMs ?? 0) > this.retry.maxRetryAfterMs
					? `WebinarJam asked to wait ${Math.ceil((error.retryAfterMs ?? 0) / 1000)} s before the next call (429)`
					: `WebinarJam kept rate-limiting (429) after ${this.retry.maxRateLimitRetries} retries`;
			description =
				'Another app or workflow may be using the same API key; WebinarJam allows 20 calls per second per key.';
		} else if (error.status === 404) {
			message =
				options.notFoundMessage ??
				`WebinarJam could not find it (404)${server ? `: ${server}` : ''}`;
		} else if ((error.status ?? 0) >= 500) {
			message = `WebinarJam server error (${error.status})${tries}${server ? `: ${server}` : ''}`;
		} else {
			const fields = error.fieldErrors
				? Object.entries(error.fieldErrors)
						.map(([field, messages]) => `${field}: ${[messages].flat().join(' ')}`)
						.join('; ')
				: '';
			message = `WebinarJam rejected the request (${error.status})${server ? `: ${server}` : ''}`;
			if (fields) description = fields;
		}
		const response: JsonObject = { message: server ?? message };
		if (error.status !== undefined) response.httpCode = String(error.status);
		return new NodeApiError(this.node, response, {
			message,
			description,
			httpCode: error.status !== undefined ? String(error.status) : undefined,
			itemIndex,
		});
	}
}
