/**
 * The one HTTP client every vendor node calls through. Per call it:
 * - paces: takes a slot from the account's limiter (in-process, and the Redis window when workers
 *   share one), held until the request is over, so the vendor's window sees us under the limit;
 * - aborts for real on timeout (n8n's request `timeout`, or the signal handed to an SDK), and frees
 *   the slot only once the request has ended;
 * - retries: a rate-limit answer after Retry-After or the vendor's wait (everyone on the account
 *   waits), a 5xx / timeout / network error with backoff, but a call that is not idempotent only
 *   when the connection was never made; a fatal answer (bad key, daily budget) never;
 * - follows the limit the vendor reports in its headers;
 * - turns the final failure into one NodeApiError / NodeOperationError, worded by the vendor's policy.
 *
 * Requests go through n8n's request helpers, so n8n's proxy settings apply; a policy with
 * `authHeaders` signs them itself (no expression per request), others through the credential's own
 * `authenticate` (`httpRequestWithAuthentication`). SDKs (HubSpot's typed APIs, the airtable package) send
 * through `send()` instead, with their own retries off, under the same rules.
 */
import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { AttemptKind } from './attempt';
import {
	AttemptError,
	describeNetworkCode,
	isTimeoutError,
	jsonBodyOf,
	lowerCaseHeaders,
	networkCodeOf,
} from './attempt';
import type { DescribeContext, RateBudget, RetrySettings, VendorPolicy } from './policy';
import { retrySettings } from './policy';
import { checkedBaseUrl, checkedPath } from './urlSafety';
import type { SlidingWindowRateLimiter } from './rateLimiter';
import { getRateLimiter } from './rateLimiter';
import type { RedisSlidingWindowLimiter } from './redisRateLimiter';
import { parseRetryAfter, withRetry } from './retry';

export type RequestContext = IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions;

export interface VendorRequest {
	method: IHttpRequestMethods;
	/** Path below the base URL (`/crm/v3/objects/contacts`). */
	path: string;
	qs?: IDataObject;
	body?: unknown;
	headers?: Record<string, string>;
	/**
	 * False for a call that creates something: after a 5xx, a timeout or a lost connection it may
	 * have been applied, so it is not retried (only a connection that was never made is).
	 */
	idempotent?: boolean;
}

export interface VendorResponse<T> {
	status: number;
	body: T;
	headers: Record<string, string>;
}

export interface RequestStats {
	/** HTTP requests made, retries included. */
	calls: number;
	rateLimited: number;
	serverErrors: number;
}

export interface ErrorOptions {
	itemIndex?: number;
	/** The wording for a 404; a function gets the vendor's own message. */
	notFoundMessage?: string | ((serverMessage: string | undefined) => string);
}

/** The limit a vendor last reported per account, so the next execution does not start too fast. */
const learnedLimits = new Map<string, { limit: number; windowMs: number }>();

/** Test hook: forget what vendors reported. */
export function forgetLearnedLimits(): void {
	learnedLimits.clear();
}

/** A body as JSON: objects as they are, JSON text parsed, anything else unchanged. */
function parsedJson(raw: unknown): unknown {
	const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
	if (typeof text !== 'string') return text;
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return text;
	}
}

const abortAfter = (ms: number) => {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), ms);
	return { signal: controller.signal, clear: () => clearTimeout(timer) };
};

export class VendorClient {
	readonly stats: RequestStats = { calls: 0, rateLimited: 0, serverErrors: 0 };

	readonly baseUrl: string;

	readonly budget: RateBudget;

	readonly limiter: SlidingWindowRateLimiter;

	readonly retry: RetrySettings;

	/** The Redis window every n8n process on this account shares, when the node asks for one. */
	sharedWindow: RedisSlidingWindowLimiter | undefined;

	private readonly node: INode;

	private readonly secrets: string[];

	/** The policy's name for the account ("location abc"), for messages. */
	readonly account: string | undefined;

	/** Handed to n8n with every call, so it does not read and decrypt the credential per request. */
	private readonly decrypted: IAdditionalCredentialOptions;

	/** The policy's own authentication headers, when it builds them (see VendorPolicy.authHeaders). */
	private readonly authHeaders?: Record<string, string>;

	constructor(
		private readonly ctx: RequestContext,
		readonly policy: VendorPolicy,
		credentials: ICredentialDataDecryptedObject,
		retry: Partial<RetrySettings> = {},
	) {
		this.node = ctx.getNode();
		try {
			this.retry = retrySettings(policy.retry, {
				...policy.credentialRetry?.(credentials),
				...retry,
			});
			this.baseUrl = checkedBaseUrl(policy.baseUrl(credentials));
			this.budget = policy.budget(credentials, this.baseUrl);
		} catch (error) {
			throw new NodeOperationError(this.node, (error as Error).message);
		}
		this.secrets = (policy.secrets?.(credentials) ?? []).filter((s) => s.length >= 4);
		this.account = policy.accountLabel?.(credentials);
		this.decrypted = {
			credentialsDecrypted: {
				id: '',
				name: policy.credentialType,
				type: policy.credentialType,
				data: credentials,
			},
		};
		this.authHeaders = policy.authHeaders?.(credentials);
		const learned = learnedLimits.get(this.budget.key);
		this.limiter = getRateLimiter(
			this.budget.key,
			learned ? Math.min(this.budget.limit, learned.limit) : this.budget.limit,
			learned?.windowMs ?? this.budget.windowMs,
		);
	}

	/** The client for the node's credential of the policy's type. */
	static async create(
		ctx: RequestContext,
		policy: VendorPolicy,
		retry: Partial<RetrySettings> = {},
		itemIndex?: number,
	): Promise<VendorClient> {
		const credentials =
			itemIndex === undefined || !('getInputData' in ctx)
				? await ctx.getCredentials(policy.credentialType)
				: await ctx.getCredentials(policy.credentialType, itemIndex);
		return new VendorClient(ctx, policy, credentials, retry);
	}

	get vendor(): string {
		return this.policy.vendor;
	}

	/** One call through n8n's request helper: paced, retried, aborted on timeout. */
	async request<T = JsonObject>(req: VendorRequest): Promise<VendorResponse<T>> {
		let url: string;
		try {
			url = `${this.baseUrl}${checkedPath(req.path)}`;
		} catch (error) {
			throw new NodeOperationError(this.node, (error as Error).message);
		}
		return await this.send<T>({ idempotent: req.idempotent !== false }, async (signal) => {
			const options: IHttpRequestOptions = {
				method: req.method,
				url,
				qs: req.qs,
				headers: { Accept: 'application/json', ...req.headers },
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				// n8n aborts the request at this timeout; it replaces abortSignal with the execution's
				// cancel signal in node executions, and keeps ours elsewhere (hooks, list searches).
				timeout: this.retry.timeoutMs,
				abortSignal: signal,
			};
			// A fresh copy per try: a credential may add fields (an API key) to the body.
			if (req.body !== undefined)
				options.body = (
					req.body && typeof req.body === 'object' && !Array.isArray(req.body)
						? { ...(req.body as IDataObject) }
						: req.body
				) as IDataObject;
			let response: IN8nHttpFullResponse;
			if (this.authHeaders) {
				options.headers = { ...options.headers, ...this.authHeaders };
				response = (await this.ctx.helpers.httpRequest(options)) as IN8nHttpFullResponse;
			} else
				response = (await this.ctx.helpers.httpRequestWithAuthentication.call(
					this.ctx,
					this.policy.credentialType,
					options,
					this.decrypted,
				)) as IN8nHttpFullResponse;
			return this.answer<T>(response.statusCode, response.body, response.headers);
		});
	}

	/**
	 * One call through a vendor SDK. `attempt` sends once and must stop when `signal` aborts; it
	 * returns the answer, or throws `client.httpError(...)` for an HTTP failure (anything else it
	 * throws counts as a network error). The slot is held until `attempt` settles.
	 */
	async send<T>(
		options: { idempotent: boolean },
		attempt: (signal: AbortSignal) => Promise<VendorResponse<T>>,
	): Promise<VendorResponse<T>> {
		let rateLimitRetries = 0;
		let serverTries = 0;
		let failures = 0;
		const retry = this.retry;
		return await withRetry(
			async () => {
				let failure: unknown;
				try {
					return await this.once(attempt);
				} catch (error) {
					failure = error;
				}
				// Decided outside the catch: the error is passed on as it is, with its tries counted.
				if (failure instanceof AttemptError) {
					if (!this.policy.isRateLimited(failure)) failures++;
					failure.tries = Math.max(1, failures);
					// A create that may have reached the vendor is never sent again blindly.
					failure.uncertain = !options.idempotent && failure.outcomeUnknown;
				}
				throw failure;
			},
			{
				maxAttempts: retry.maxRateLimitRetries + retry.maxServerErrorTries + 1,
				baseDelayMs: retry.baseDelayMs,
				maxDelayMs: retry.maxDelayMs,
				isRetryable: (error) => {
					if (!(error instanceof AttemptError)) return false;
					if (this.policy.isRateLimited(error)) {
						return (
							++rateLimitRetries <= retry.maxRateLimitRetries &&
							this.rateLimitWaitMs(error) <= retry.maxRateLimitWaitMs
						);
					}
					if (this.policy.isFatal(error)) return false;
					const transient = error.kind !== 'http' || error.isServerError;
					if (!transient || error.uncertain) return false;
					return ++serverTries < retry.maxServerErrorTries;
				},
				retryAfterMs: (error) =>
					this.policy.isRateLimited(error as AttemptError)
						? this.rateLimitWaitMs(error as AttemptError)
						: undefined,
				onRetry: ({ error, delayMs }) => {
					// Only a rate-limit answer holds everyone on the account: the window is theirs too.
					// A flaky 5xx or a timeout concerns this call alone.
					if (!this.policy.isRateLimited(error as AttemptError)) return;
					this.limiter.pauseUntil(Date.now() + delayMs);
					void this.sharedWindow?.pauseUntil(Date.now() + delayMs).catch(() => undefined);
				},
			},
		);
	}

	/** An HTTP failure for `send()` attempts: status, body and headers as the vendor answered. */
	httpError(status: number, body: unknown, headers: unknown = {}): AttemptError {
		// The body ends up in the n8n error (and the execution data): no secret the vendor echoed may stay.
		const json = this.redactBody(jsonBodyOf(body));
		const lower = lowerCaseHeaders(headers);
		const error = new AttemptError(
			this.vendor,
			'http',
			status,
			json,
			lower,
			undefined,
			this.redact(this.policy.messageOf(json)),
		);
		return error;
	}

	/** True for a failure after which no later call on this account can succeed. */
	isFatal(error: unknown): boolean {
		return error instanceof AttemptError && this.policy.isFatal(error);
	}

	/** Retry-After when the vendor sends one, else the policy's wait. */
	rateLimitWaitMs(error: AttemptError): number {
		return parseRetryAfter(error.headers['retry-after']) ?? this.policy.rateLimitWaitMs(error);
	}

	/** Turns a final failure into the error the user sees; it never holds a secret. */
	toNodeError(error: unknown, options: ErrorOptions = {}): NodeApiError | NodeOperationError {
		const { itemIndex } = options;
		if (error instanceof NodeApiError || error instanceof NodeOperationError) {
			if (itemIndex !== undefined) error.context.itemIndex ??= itemIndex;
			return error;
		}
		if (!(error instanceof AttemptError)) {
			return new NodeOperationError(this.node, error as Error, { itemIndex });
		}
		const vendor = this.vendor;
		const tries = error.tries > 1 ? ` after ${error.tries} tries` : '';
		const uncertain = error.uncertain
			? ' (tried once and not retried: it may still have been applied)'
			: '';
		if (error.kind === 'network') {
			return new NodeOperationError(
				this.node,
				`${vendor} could not be reached at ${this.baseUrl} (${describeNetworkCode(error.code)})${tries}${uncertain}`,
				{
					itemIndex,
					description: `Check the Base URL in the ${vendor} credential and that the service is reachable.`,
				},
			);
		}
		if (error.kind === 'timeout') {
			return new NodeOperationError(
				this.node,
				`${vendor} did not answer within ${this.retry.timeoutMs} ms${tries}${uncertain}`,
				{ itemIndex },
			);
		}
		const context: DescribeContext = {
			baseUrl: this.baseUrl,
			retry: this.retry,
			triesText: tries,
			account: this.account,
			notFoundMessage:
				typeof options.notFoundMessage === 'function'
					? options.notFoundMessage(error.serverMessage)
					: options.notFoundMessage,
		};
		const server = error.serverMessage;
		const said = server ? `: ${server}` : '';
		const wording = this.policy.describe?.(error, context) ?? {};
		const message = wording.message ?? this.commonWording(error, context, said, uncertain);
		const description = wording.description ?? (server ? `${vendor} said: ${server}` : undefined);
		const response: JsonObject = error.body ?? { message: server ?? message };
		return new NodeApiError(this.node, response, {
			message,
			description,
			httpCode: error.status !== undefined ? String(error.status) : undefined,
			itemIndex,
		});
	}

	private commonWording(
		error: AttemptError,
		context: DescribeContext,
		said: string,
		uncertain: string,
	): string {
		const vendor = this.vendor;
		const status = error.status ?? 0;
		if (this.policy.isRateLimited(error)) {
			const wait = this.rateLimitWaitMs(error);
			return wait > this.retry.maxRateLimitWaitMs
				? `${vendor} asked to wait ${Math.ceil(wait / 1000)} s before the next call (${status})`
				: `${vendor} kept rate-limiting (${status}) after ${this.retry.maxRateLimitRetries} retries`;
		}
		if (status === 404)
			return context.notFoundMessage ?? `${vendor} could not find it (404)${said}`;
		if (status >= 500)
			return `${vendor} server error ${status}${context.triesText}${uncertain}${said}`;
		return `${vendor} rejected the request (${status})${said}`;
	}

	private redactBody(body: JsonObject | undefined): JsonObject | undefined {
		if (body === undefined || this.secrets.length === 0) return body;
		const text = JSON.stringify(body);
		const clean = this.redact(text) as string;
		return clean === text ? body : (JSON.parse(clean) as JsonObject);
	}

	private redact(text: string | undefined): string | undefined {
		if (text === undefined) return undefined;
		let out = text;
		for (const secret of this.secrets) out = out.split(secret).join('***');
		return out;
	}

	/** A full response (2xx or not) as the answer or the AttemptError it stands for. */
	private answer<T>(status: number, rawBody: unknown, rawHeaders: unknown): VendorResponse<T> {
		const headers = lowerCaseHeaders(rawHeaders);
		if (status >= 200 && status < 300) {
			const body = parsedJson(rawBody);
			const inBody = this.policy.statusOfErrorBody;
			if (inBody !== undefined) {
				// A vendor that reports errors in 2xx bodies answers JSON objects; anything else is broken.
				if (body === null || typeof body !== 'object' || Array.isArray(body))
					throw this.httpError(502, { message: 'the answer was not JSON' }, headers);
				const standsFor = inBody(body as JsonObject);
				if (standsFor !== undefined) throw this.httpError(standsFor, body, headers);
			}
			return { status, body: (body ?? {}) as T, headers };
		}
		throw this.httpError(status, rawBody, headers);
	}

	/** One try: a slot from each limiter, the request, its end, then the slots back. */
	private async once<T>(
		attempt: (signal: AbortSignal) => Promise<VendorResponse<T>>,
	): Promise<VendorResponse<T>> {
		const slot = await this.limiter.acquireSlot();
		let sharedSlot: { release(): Promise<void> } | undefined;
		try {
			sharedSlot = await this.sharedWindow?.acquireSlot();
		} catch (error) {
			slot.release();
			throw new NodeOperationError(
				this.node,
				`The shared ${this.vendor} rate limit in Redis is unavailable: ${(error as Error).message}`,
			);
		}
		this.stats.calls++;
		const timeout = abortAfter(this.retry.timeoutMs);
		let response: VendorResponse<T> | undefined;
		let failure: unknown;
		try {
			response = await attempt(timeout.signal);
		} catch (error) {
			failure = error;
		} finally {
			// The request is over (answered, failed or aborted): only now may the slots go.
			timeout.clear();
			slot.release();
			void sharedSlot?.release().catch(() => undefined);
		}
		if (response !== undefined) {
			this.observe(response.headers);
			return response;
		}
		const error = this.attemptErrorOf(failure, timeout.signal.aborted);
		if (this.policy.isRateLimited(error)) this.stats.rateLimited++;
		else if (error.kind !== 'http' || error.isServerError) this.stats.serverErrors++;
		this.observe(error.headers);
		throw error;
	}

	private attemptErrorOf(failure: unknown, timedOut: boolean): AttemptError {
		if (failure instanceof AttemptError) return failure;
		// A setup problem (no credential, a cancelled execution) is not a failed try.
		if (failure instanceof NodeOperationError) throw failure;
		if (this.cancelled()) {
			throw new NodeOperationError(
				this.node,
				`The execution was cancelled during a ${this.vendor} call`,
			);
		}
		const code = networkCodeOf(failure);
		const kind: AttemptKind = timedOut || isTimeoutError(failure, code) ? 'timeout' : 'network';
		if (kind === 'network' && code === undefined) {
			// Not the network: n8n refused to send it (a blocked address, a bad setting). Say why, once.
			const message = this.redact((failure as Error)?.message) ?? 'unknown error';
			throw new NodeOperationError(this.node, `${this.vendor} was not called: ${message}`);
		}
		// Only the code is kept: the original error holds the request, and with it the credential.
		return new AttemptError(this.vendor, kind, undefined, undefined, {}, code);
	}

	private cancelled(): boolean {
		const ctx = this.ctx as Partial<IExecuteFunctions>;
		return typeof ctx.getExecutionCancelSignal === 'function'
			? ctx.getExecutionCancelSignal()?.aborted === true
			: false;
	}

	/** Follows the vendor's reported limit down, and counts calls other apps made on the account. */
	private observe(headers: Record<string, string>): void {
		const names = this.policy.rateHeaders;
		if (names === undefined) return;
		const max = names.limit ? Number(headers[names.limit]) : NaN;
		if (Number.isInteger(max) && max > 0) {
			const interval = names.windowMs ? Number(headers[names.windowMs]) : NaN;
			const windowMs = Number.isFinite(interval) && interval > 0 ? interval : this.limiter.windowMs;
			// A limit above ours does not bind: taking its (shorter) window would only pace us faster
			// than the account's budget. At or below ours, the vendor's limit and window are the pace.
			learnedLimits.set(
				this.budget.key,
				max <= this.budget.limit
					? { limit: max, windowMs }
					: { limit: this.budget.limit, windowMs: this.budget.windowMs },
			);
			if (
				max < this.limiter.limit ||
				(max === this.limiter.limit && windowMs !== this.limiter.windowMs)
			)
				this.limiter.reconfigure(max, windowMs);
			if (this.sharedWindow && max < this.sharedWindow.limit)
				this.sharedWindow.reconfigure(max, windowMs);
		}
		const raw = names.remaining ? headers[names.remaining] : undefined;
		const remaining = Number(raw);
		if (raw !== undefined && raw !== '' && Number.isFinite(remaining)) {
			const unseen = this.limiter.available - Math.max(0, remaining);
			if (unseen > 0) this.limiter.absorb(unseen);
		}
	}
}
