import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IN8nHttpFullResponse,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { SlidingWindowRateLimiter } from '../../../shared/transport/rateLimiter';
import { getRateLimiter, rateLimiterKey } from '../../../shared/transport/rateLimiter';
import { parseRetryAfter, withRetry } from '../../../shared/transport/retry';

/** The credential type (see credentials/HighLevelAttendanceApi.credentials.ts for why it is not `highLevelApi`). */
export const CREDENTIAL_TYPE = 'highLevelAttendanceApi';
export const DEFAULT_BASE_URL = 'https://services.leadconnectorhq.com';
/** The `Version` header the v2 contact endpoints document (sent by the credential). */
export const API_VERSION = '2021-07-28';
/** HighLevel: 100 requests per 10 seconds per Private Integration per location (burst limit). */
export const DEFAULT_REQUESTS_PER_10S = 100;
export const WINDOW_MS = 10_000;

export interface RetrySettings {
	/** Retries of a burst-limit 429, each after Retry-After or the limit's interval. */
	maxRateLimitRetries: number;
	/** A 429 that asks to wait longer than this fails instead of holding the execution. */
	maxRateLimitWaitMs: number;
	/** Total tries for a 5xx, a network error or a timeout (first try included). */
	maxServerErrorTries: number;
	timeoutMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
	maxRateLimitRetries: 5,
	maxRateLimitWaitMs: 60_000,
	maxServerErrorTries: 3,
	timeoutMs: 15_000,
	baseDelayMs: 250,
	maxDelayMs: 4_000,
};

export interface HighLevelRequest {
	method: IHttpRequestMethods;
	/** Path below the base URL, e.g. `/contacts/abc/tags`. */
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
}

export interface HighLevelResponse<T> {
	status: number;
	body: T;
	headers: Record<string, string>;
}

export interface RequestStats {
	calls: number;
	rateLimited: number;
	serverErrors: number;
}

/** A HighLevel contact as the v2 API returns it (only the fields this node reads are typed). */
export interface HighLevelContact extends IDataObject {
	id: string;
	email?: string;
	tags?: string[];
}

const NETWORK_WORDS: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	ECONNRESET: 'connection reset',
	EPIPE: 'connection closed',
	ETIMEDOUT: 'connection timed out',
	EAI_AGAIN: 'DNS lookup failed',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	UND_ERR_SOCKET: 'connection closed',
};

/** One failed attempt, before it becomes the NodeApiError the user sees. */
export class HighLevelAttemptError extends Error {
	/** Tries made when this error ended the call (429s are not counted: nothing was done). */
	tries = 1;

	constructor(
		readonly kind: 'http' | 'network' | 'timeout',
		readonly status: number | undefined,
		readonly body: JsonObject | undefined,
		readonly headers: Record<string, string>,
		readonly code?: string,
	) {
		super(
			kind === 'http'
				? `HighLevel responded ${status}`
				: kind === 'timeout'
					? 'HighLevel did not answer in time'
					: `HighLevel could not be reached (${code ?? 'network error'})`,
		);
	}

	/** HighLevel's own message: a string, or the list a 422 carries. */
	get serverMessage(): string | undefined {
		const message = this.body?.message;
		if (typeof message === 'string' && message !== '') return message;
		if (Array.isArray(message)) return message.map(String).join('; ');
		return undefined;
	}

	get isDailyLimit(): boolean {
		return this.status === 429 && this.headers['x-ratelimit-daily-remaining'] === '0';
	}

	get isBurstLimit(): boolean {
		return this.status === 429 && !this.isDailyLimit;
	}

	/** Worth another try: the request may not have arrived, or HighLevel failed on its side. */
	get isTransient(): boolean {
		if (this.kind !== 'http') return true;
		return (this.status ?? 0) >= 500;
	}

	/** No later call can succeed either: the token or location is wrong, or the day's budget is gone. */
	get isFatal(): boolean {
		return this.status === 401 || this.status === 403 || this.isDailyLimit;
	}
}

function lowerHeaders(headers: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (headers && typeof headers === 'object') {
		for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
			out[key.toLowerCase()] = Array.isArray(value) ? String(value[0]) : String(value);
		}
	}
	return out;
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

function isTimeout(error: unknown, code: string | undefined): boolean {
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT')
		return true;
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
		const message = (current as { message?: unknown }).message;
		if (typeof message === 'string' && /timeout of \d+ms exceeded/i.test(message)) return true;
		current = (current as { cause?: unknown }).cause;
	}
	return false;
}

function bodyOf(body: unknown): JsonObject | undefined {
	if (body && typeof body === 'object' && !Array.isArray(body)) return body as JsonObject;
	if (typeof body === 'string' && body.trim() !== '') {
		try {
			const parsed: unknown = JSON.parse(body);
			if (parsed && typeof parsed === 'object') return parsed as JsonObject;
		} catch {
			// A proxy's HTML page, for instance.
		}
		return { message: body.trim().slice(0, 300) };
	}
	return undefined;
}

/** X-RateLimit-Max / -Interval-Milliseconds last reported per token + location (limiter key). */
const reportedLimits = new Map<string, { limit: number; windowMs: number }>();

/** Test hook: forget what HighLevel reported. */
export function resetReportedLimits(): void {
	reportedLimits.clear();
}

export function requestsPer10s(credentials: ICredentialDataDecryptedObject): number {
	const raw = credentials.requestsPer10s;
	const value = raw === undefined || raw === '' ? DEFAULT_REQUESTS_PER_10S : Number(raw);
	if (!Number.isInteger(value) || value < 1)
		throw new Error('Requests per 10 Seconds must be a whole number of at least 1');
	return value;
}

/**
 * HighLevel access for one execution: every call goes through `request()`, which sends it with
 * n8n's `httpRequestWithAuthentication` (the credential adds the bearer token and the Version
 * header) under the shared sliding-window limiter of this token + location, and retries 429s,
 * 5xx responses and network errors.
 */
export class HighLevelApi {
	readonly limiter: SlidingWindowRateLimiter;

	readonly limiterKey: string;

	readonly stats: RequestStats = { calls: 0, rateLimited: 0, serverErrors: 0 };

	readonly baseUrl: string;

	readonly locationId: string;

	private readonly node: INode;

	/** Handed to n8n with every call, so it does not fetch and decrypt the credential per request. */
	private readonly decrypted: IAdditionalCredentialOptions;

	constructor(
		private readonly ctx: IExecuteFunctions,
		credentials: ICredentialDataDecryptedObject,
		readonly retry: RetrySettings = DEFAULT_RETRY,
	) {
		this.node = ctx.getNode();
		this.decrypted = {
			credentialsDecrypted: {
				id: '',
				name: CREDENTIAL_TYPE,
				type: CREDENTIAL_TYPE,
				data: credentials,
			},
		};
		const token = String(credentials.accessToken ?? '').trim();
		if (token === '')
			throw new NodeOperationError(
				this.node,
				'The HighLevel credential has no Private Integration token',
			);
		this.locationId = String(credentials.locationId ?? '').trim();
		if (this.locationId === '')
			throw new NodeOperationError(this.node, 'The HighLevel credential has no Location ID');
		this.baseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL)
			.trim()
			.replace(/\/+$/, '');
		let limit: number;
		try {
			limit = requestsPer10s(credentials);
		} catch (error) {
			throw new NodeOperationError(this.node, (error as Error).message);
		}
		// HighLevel counts the burst limit per integration per location: one window per token + location,
		// shared by every execution in this process. The key holds only a hash of the token.
		this.limiterKey = rateLimiterKey(
			`${this.baseUrl}/locations/${encodeURIComponent(this.locationId)}`,
			token,
		);
		// What HighLevel last reported wins over the credential when it is lower, so the next
		// execution does not start out too fast again.
		const reported = reportedLimits.get(this.limiterKey);
		this.limiter = getRateLimiter(
			this.limiterKey,
			reported ? Math.min(limit, reported.limit) : limit,
			reported?.windowMs ?? WINDOW_MS,
		);
	}

	static async fromContext(
		ctx: IExecuteFunctions,
		retry?: Partial<RetrySettings>,
	): Promise<HighLevelApi> {
		const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
		return new HighLevelApi(ctx, credentials, { ...DEFAULT_RETRY, ...retry });
	}

	/** One call, paced and retried. Throws a HighLevelAttemptError (or a NodeOperationError for setup problems). */
	async request<T = IDataObject>(req: HighLevelRequest): Promise<HighLevelResponse<T>> {
		let rateLimitRetries = 0;
		let serverTries = 0;
		const counter = { failures: 0 };
		const retry = this.retry;
		return await withRetry(async () => await this.once<T>(req, counter), {
			maxAttempts: retry.maxRateLimitRetries + retry.maxServerErrorTries + 1,
			baseDelayMs: retry.baseDelayMs,
			maxDelayMs: retry.maxDelayMs,
			isRetryable: (error) => {
				if (!(error instanceof HighLevelAttemptError)) return false;
				if (error.isBurstLimit) {
					return (
						++rateLimitRetries <= retry.maxRateLimitRetries &&
						this.rateLimitWaitMs(error) <= retry.maxRateLimitWaitMs
					);
				}
				if (!error.isTransient) return false;
				return ++serverTries < retry.maxServerErrorTries;
			},
			retryAfterMs: (error) => {
				const e = error as HighLevelAttemptError;
				return e.isBurstLimit ? this.rateLimitWaitMs(e) : undefined;
			},
			onRetry: ({ error, delayMs }) => {
				// Every caller on this token + location waits, not just this one: the window is shared.
				if ((error as HighLevelAttemptError).isBurstLimit)
					this.limiter.pauseUntil(Date.now() + delayMs);
			},
		});
	}

	/** Retry-After when HighLevel sends it, else the burst interval it reports (10 s). */
	rateLimitWaitMs(error: HighLevelAttemptError): number {
		const interval = Number(error.headers['x-ratelimit-interval-milliseconds']);
		return (
			parseRetryAfter(error.headers['retry-after']) ??
			(Number.isFinite(interval) && interval > 0 ? interval : WINDOW_MS)
		);
	}

	private async once<T>(
		req: HighLevelRequest,
		counter: { failures: number },
	): Promise<HighLevelResponse<T>> {
		// The permit counts until the response is in, so HighLevel's rolling window sees us under
		// the limit however long the request took to arrive.
		const slot = await this.limiter.acquireSlot();
		this.stats.calls++;
		let response: IN8nHttpFullResponse | undefined;
		let sendError: unknown;
		try {
			response = (await this.ctx.helpers.httpRequestWithAuthentication.call(
				this.ctx,
				CREDENTIAL_TYPE,
				{
					method: req.method,
					url: `${this.baseUrl}${req.path}`,
					qs: req.qs,
					body: req.body,
					headers: { Accept: 'application/json' },
					json: true,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					timeout: this.retry.timeoutMs,
				},
				this.decrypted,
			)) as IN8nHttpFullResponse;
		} catch (error) {
			sendError = error;
		}
		let failure: HighLevelAttemptError | undefined;
		try {
			if (response === undefined) {
				// A NodeOperationError here is a setup problem (no credential): not retryable.
				if (sendError instanceof NodeOperationError) throw sendError;
				const code = networkCodeOf(sendError);
				failure = new HighLevelAttemptError(
					isTimeout(sendError, code) ? 'timeout' : 'network',
					undefined,
					undefined,
					{},
					code,
				);
			} else {
				const headers = lowerHeaders(response.headers);
				this.observe(headers);
				const status = response.statusCode;
				if (status >= 200 && status < 300) {
					return { status, body: (response.body ?? {}) as T, headers };
				}
				failure = new HighLevelAttemptError('http', status, bodyOf(response.body), headers);
			}
			if (failure.isBurstLimit || failure.isDailyLimit) this.stats.rateLimited++;
			else counter.failures++;
			if ((failure.status ?? 0) >= 500) this.stats.serverErrors++;
			failure.tries = Math.max(1, counter.failures);
			throw failure;
		} finally {
			slot.release();
		}
	}

	/**
	 * Tightens the limiter when HighLevel reports a smaller limit, or less room, than we assume:
	 * another app (or n8n process) using the same token + location shares the window.
	 */
	private observe(headers: Record<string, string>): void {
		const max = Number(headers['x-ratelimit-max']);
		const interval = Number(headers['x-ratelimit-interval-milliseconds']);
		if (Number.isInteger(max) && max > 0) {
			const windowMs = Number.isFinite(interval) && interval > 0 ? interval : this.limiter.windowMs;
			reportedLimits.set(this.limiterKey, { limit: max, windowMs });
			if (max < this.limiter.limit || windowMs !== this.limiter.windowMs)
				this.limiter.reconfigure(Math.min(max, this.limiter.limit), windowMs);
		}
		const remainingHeader = headers['x-ratelimit-remaining'];
		const remaining = Number(remainingHeader);
		if (remainingHeader !== undefined && remainingHeader !== '' && Number.isFinite(remaining)) {
			const unseen = this.limiter.available - Math.max(0, remaining);
			if (unseen > 0) this.limiter.absorb(unseen);
		}
	}

	// ---- The endpoints this node uses.

	/** `GET /contacts/search/duplicate`: the location's contact with this email, or null. */
	async findContactByEmail(email: string): Promise<HighLevelContact | null> {
		const { body } = await this.request<{ contact?: HighLevelContact | null }>({
			method: 'GET',
			path: '/contacts/search/duplicate',
			qs: { locationId: this.locationId, email },
		});
		const contact = body?.contact;
		return contact && typeof contact === 'object' && typeof contact.id === 'string'
			? contact
			: null;
	}

	/** `POST /contacts/{id}/tags`; returns the contact's tags when HighLevel lists them. */
	async addTags(contactId: string, tags: string[]): Promise<string[] | undefined> {
		const { body } = await this.request<{ tags?: unknown }>({
			method: 'POST',
			path: `/contacts/${encodeURIComponent(contactId)}/tags`,
			body: { tags },
		});
		return Array.isArray(body?.tags) ? body.tags.map(String) : undefined;
	}

	/** `DELETE /contacts/{id}/tags` with a JSON body, as HighLevel documents it. */
	async removeTags(contactId: string, tags: string[]): Promise<string[] | undefined> {
		const { body } = await this.request<{ tags?: unknown }>({
			method: 'DELETE',
			path: `/contacts/${encodeURIComponent(contactId)}/tags`,
			body: { tags },
		});
		return Array.isArray(body?.tags) ? body.tags.map(String) : undefined;
	}

	/** Turns a final failure into the error the user sees; never includes the token. */
	toNodeError(error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
		if (error instanceof NodeApiError || error instanceof NodeOperationError) {
			if (itemIndex !== undefined) error.context.itemIndex = itemIndex;
			return error;
		}
		if (!(error instanceof HighLevelAttemptError)) {
			return new NodeOperationError(this.node, error as Error, { itemIndex });
		}
		const tries = error.tries > 1 ? ` after ${error.tries} tries` : '';
		// n8n's errors swap a message naming ECONNREFUSED & co. for generic text: use words.
		if (error.kind === 'network') {
			const words = error.code ? (NETWORK_WORDS[error.code] ?? error.code) : 'network error';
			return new NodeOperationError(
				this.node,
				`HighLevel could not be reached at ${this.baseUrl} (${words})${tries}`,
				{ itemIndex },
			);
		}
		if (error.kind === 'timeout') {
			return new NodeOperationError(
				this.node,
				`HighLevel did not answer within ${this.retry.timeoutMs} ms${tries}`,
				{ itemIndex },
			);
		}
		const server = error.serverMessage;
		const said = server ? ` HighLevel said: ${server}` : '';
		let message: string;
		let description: string | undefined;
		if (error.status === 401 && server !== undefined && /version header/i.test(server)) {
			message = `HighLevel rejected the API version header (401): ${server}`;
			description = `This node sends Version: ${API_VERSION}; a proxy in between may drop the header.`;
		} else if (error.status === 401) {
			message = 'HighLevel rejected the token (401): token revoked or invalid';
			description = `Create or rotate the Private Integration token (Settings › Private Integrations) and update the HighLevel credential.${said}`;
		} else if (error.status === 403) {
			message = `HighLevel refused access to location ${this.locationId} (403): the token does not belong to this location or lacks a scope`;
			description = `Check the credential's Location ID and the Private Integration's scopes (contacts.readonly, contacts.write).${said}`;
		} else if (error.isDailyLimit) {
			const daily = error.headers['x-ratelimit-limit-daily'];
			message = `HighLevel daily API limit reached for location ${this.locationId}${daily ? ` (${daily} requests per day)` : ''}: stopped without retrying`;
			description =
				'Every Private Integration of the location shares the daily counter. Items not yet tagged are reported as errors.';
		} else if (error.status === 429) {
			message = `HighLevel kept rate-limiting (429) after ${this.retry.maxRateLimitRetries} retries`;
			description =
				"Another app may be using the same token and location. Lower 'Requests per 10 Seconds' in the credential to leave it room.";
		} else if ((error.status ?? 0) >= 500) {
			message = `HighLevel server error ${error.status}${tries}${server ? `: ${server}` : ''}`;
		} else {
			message = `HighLevel rejected the request (${error.status})${server ? `: ${server}` : ''}`;
		}
		return new NodeApiError(this.node, (error.body ?? {}) as JsonObject, {
			message,
			description,
			httpCode: error.status !== undefined ? String(error.status) : undefined,
			itemIndex,
		});
	}
}

/** True for a final failure that no later call can succeed after (token, location, daily limit). */
export function isFatal(error: unknown): boolean {
	return error instanceof HighLevelAttemptError && error.isFatal;
}
