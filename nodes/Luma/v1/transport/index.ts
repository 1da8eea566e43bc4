import type {
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

import { getRateLimiter, rateLimiterKey } from '../../../shared/transport/rateLimiter';
import { parseRetryAfter, withRetry } from '../../../shared/transport/retry';

export const DEFAULT_BASE_URL = 'https://public-api.luma.com';
export const DEFAULT_MAX_REQUESTS_PER_MINUTE = 200;
export const DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 60;
export const MAX_PAGE_SIZE = 100;

const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
// Waiting longer than this inside one execution is worse than failing and letting the user retry.
const MAX_RETRY_AFTER_MS = 120_000;
const NETWORK_ERROR_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'UND_ERR_SOCKET',
	'ERR_BAD_RESPONSE',
]);

/** Node executions, list searches, and the trigger's webhook lifecycle (IHookFunctions). */
export type LumaContext = IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions;

export interface LumaRequestOptions {
	qs?: IDataObject;
	body?: IDataObject;
	itemIndex?: number;
	/** Message for a 404, e.g. "Event 'evt-x' not found"; a function gets Luma's own message. */
	notFoundMessage?: string | ((serverMessage: string | undefined) => string);
}

export interface LumaPage {
	entries?: IDataObject[];
	has_more?: boolean;
	next_cursor?: string | null;
}

/** One failed attempt; converted into a NodeApiError once retries are exhausted. */
class LumaAttemptFailure extends Error {
	constructor(
		readonly kind: 'http' | 'network',
		readonly statusCode: number | undefined,
		readonly serverMessage: string | undefined,
		readonly retryAfterMs: number | undefined,
		readonly code?: string,
	) {
		super(kind === 'http' ? `Luma responded ${statusCode}` : 'Luma could not be reached');
	}

	get retryable(): boolean {
		if (this.kind === 'network') return this.code !== undefined && NETWORK_ERROR_CODES.has(this.code);
		const status = this.statusCode ?? 0;
		return status === 429 || status >= 500;
	}
}

interface RateLimitSettings {
	limit: number;
	windowMs: number;
}

function readRateLimitSettings(this: LumaContext, itemIndex: number): RateLimitSettings {
	let options: IDataObject = {};
	const raw: unknown =
		'getInputData' in this
			? this.getNodeParameter('options', itemIndex, {})
			: this.getNodeParameter('options', {});
	if (raw && typeof raw === 'object') options = raw as IDataObject;
	const limit = Math.floor(Number(options.maxRequestsPerMinute ?? DEFAULT_MAX_REQUESTS_PER_MINUTE));
	const windowSeconds = Number(options.rateLimitWindowSeconds ?? DEFAULT_RATE_LIMIT_WINDOW_SECONDS);
	return {
		limit: Number.isFinite(limit) && limit >= 1 ? limit : DEFAULT_MAX_REQUESTS_PER_MINUTE,
		windowMs:
			Number.isFinite(windowSeconds) && windowSeconds > 0
				? Math.round(windowSeconds * 1000)
				: DEFAULT_RATE_LIMIT_WINDOW_SECONDS * 1000,
	};
}

function safeRateLimitSettings(this: LumaContext, itemIndex: number): RateLimitSettings {
	try {
		return readRateLimitSettings.call(this, itemIndex);
	} catch {
		// Load-options contexts can lack the parameter entirely; the defaults are safe there.
		return { limit: DEFAULT_MAX_REQUESTS_PER_MINUTE, windowMs: DEFAULT_RATE_LIMIT_WINDOW_SECONDS * 1000 };
	}
}

function cleanQuery(qs: IDataObject | undefined): IDataObject | undefined {
	if (!qs) return undefined;
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(qs)) {
		if (value !== undefined && value !== null && value !== '') out[key] = value;
	}
	return out;
}

function serverMessageOf(body: unknown): string | undefined {
	if (body && typeof body === 'object' && typeof (body as IDataObject).message === 'string') {
		return (body as IDataObject).message as string;
	}
	if (typeof body === 'string' && body.trim() !== '') return body.slice(0, 300);
	return undefined;
}

function headerValue(headers: IDataObject | undefined, name: string): unknown {
	if (!headers) return undefined;
	const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
	return key === undefined ? undefined : headers[key];
}

function networkCodeOf(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && code !== '') return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function toNodeApiError(
	node: INode,
	failure: LumaAttemptFailure,
	ctx: {
		baseUrl: string;
		attempts: number;
		itemIndex?: number;
		notFoundMessage?: LumaRequestOptions['notFoundMessage'];
	},
): NodeApiError {
	const status = failure.statusCode;
	const server = failure.serverMessage;
	let message: string;
	let description: string | undefined = server ? `Luma said: ${server}` : undefined;
	if (failure.kind === 'network') {
		message = `Could not reach Luma at ${ctx.baseUrl} after ${ctx.attempts} attempt(s)`;
		description = `Network error${failure.code ? ` (${failure.code.toLowerCase()})` : ''}. Check the Base URL in the Luma credential and that the service is reachable.`;
	} else if (status === 401) {
		message = 'Luma rejected the API key (401)';
		description = 'Check the API key in the Luma credential; it may be wrong or revoked.';
	} else if (status === 403) {
		message = 'Luma denied access to this resource (403)';
	} else if (status === 404) {
		const custom = ctx.notFoundMessage;
		message =
			typeof custom === 'function'
				? custom(server)
				: (custom ?? 'Luma could not find the requested resource (404)');
	} else if (status === 429) {
		message = `Luma rate limit still exceeded after ${ctx.attempts} attempt(s) (429)`;
		description =
			'Lower "Max Requests per Minute" in the node options, or spread the work over more time.';
		if (failure.retryAfterMs !== undefined && failure.retryAfterMs > MAX_RETRY_AFTER_MS) {
			message = `Luma asked to wait ${Math.ceil(failure.retryAfterMs / 1000)}s before retrying (429)`;
		}
	} else if (status !== undefined && status >= 500) {
		message = `Luma server error (${status}) after ${ctx.attempts} attempt(s)`;
	} else {
		message = `Luma rejected the request (${status ?? 'unknown status'})${server ? `: ${server}` : ''}`;
	}
	const response: JsonObject = { message: server ?? message };
	if (status !== undefined) response.httpCode = String(status);
	return new NodeApiError(node, response, {
		message,
		description,
		httpCode: status !== undefined ? String(status) : undefined,
		itemIndex: ctx.itemIndex,
	});
}

/**
 * One Luma API call with the shared rate limiter and retries: 429 waits for Retry-After (and pauses
 * every caller on the same account), 5xx and network errors back off, other 4xx fail at once.
 */
export async function lumaApiRequest(
	this: LumaContext,
	method: IHttpRequestMethods,
	endpoint: string,
	options: LumaRequestOptions = {},
): Promise<IDataObject> {
	const credentials = await this.getCredentials('lumaApi', options.itemIndex);
	const baseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL)
		.trim()
		.replace(/\/+$/, '');
	const { limit, windowMs } = safeRateLimitSettings.call(this, options.itemIndex ?? 0);
	const limiter = getRateLimiter(rateLimiterKey(baseUrl, String(credentials.apiKey ?? '')), limit, windowMs);

	const request: IHttpRequestOptions = {
		method,
		url: `${baseUrl}${endpoint}`,
		qs: cleanQuery(options.qs),
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	if (options.body !== undefined) request.body = options.body;

	let attempts = 0;
	let failure: LumaAttemptFailure | undefined;
	let result: IDataObject | undefined;

	const attempt = async (): Promise<IDataObject> => {
		attempts++;
		// The permit counts until the response is in, so Luma's window sees us under the limit
		// however long the request took to arrive.
		const slot = await limiter.acquireSlot();
		let response: IN8nHttpFullResponse | undefined;
		let sendError: unknown;
		try {
			response = (await this.helpers.httpRequestWithAuthentication.call(this, 'lumaApi', {
				...request,
				qs: request.qs ? { ...request.qs } : undefined,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			sendError = error;
		} finally {
			slot.release();
		}
		if (response === undefined) {
			// NodeOperationError here means a setup problem (e.g. missing credentials): not retryable.
			if (sendError instanceof NodeOperationError) throw sendError;
			throw new LumaAttemptFailure('network', undefined, undefined, undefined, networkCodeOf(sendError));
		}
		const status = response.statusCode;
		if (status >= 200 && status < 300) {
			const body = response.body;
			return body && typeof body === 'object' ? (body as IDataObject) : {};
		}
		throw new LumaAttemptFailure(
			'http',
			status,
			serverMessageOf(response.body),
			parseRetryAfter(headerValue(response.headers as IDataObject, 'retry-after')),
		);
	};

	try {
		result = await withRetry(attempt, {
			maxAttempts: MAX_ATTEMPTS,
			baseDelayMs: BASE_DELAY_MS,
			maxDelayMs: MAX_DELAY_MS,
			isRetryable: (error) =>
				error instanceof LumaAttemptFailure &&
				error.retryable &&
				(error.retryAfterMs === undefined || error.retryAfterMs <= MAX_RETRY_AFTER_MS),
			retryAfterMs: (error) =>
				error instanceof LumaAttemptFailure && error.statusCode === 429 ? error.retryAfterMs : undefined,
			onRetry: ({ retryAfterMs }) => {
				if (retryAfterMs !== undefined) limiter.pauseUntil(Date.now() + retryAfterMs);
			},
		});
	} catch (error) {
		if (!(error instanceof LumaAttemptFailure)) {
			throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: options.itemIndex });
		}
		failure = error;
	}
	if (failure !== undefined) {
		throw toNodeApiError(this.getNode(), failure, {
			baseUrl,
			attempts,
			itemIndex: options.itemIndex,
			notFoundMessage: options.notFoundMessage,
		});
	}
	return result as IDataObject;
}

/**
 * Follows `next_cursor` while `has_more`. With `returnAll` false it stops once `limit` entries are
 * collected and asks only for as many as still needed.
 */
export async function lumaApiRequestAllItems(
	this: LumaContext,
	endpoint: string,
	qs: IDataObject,
	paging: { returnAll: boolean; limit?: number },
	options: Omit<LumaRequestOptions, 'qs' | 'body'> = {},
): Promise<IDataObject[]> {
	const wanted = paging.returnAll ? Infinity : Math.max(0, Math.floor(paging.limit ?? 50));
	const entries: IDataObject[] = [];
	let cursor: string | undefined;
	while (entries.length < wanted) {
		const pageSize = Math.min(MAX_PAGE_SIZE, wanted - entries.length);
		const page = (await lumaApiRequest.call(this, 'GET', endpoint, {
			...options,
			qs: { ...qs, pagination_limit: pageSize, pagination_cursor: cursor },
		})) as LumaPage;
		const batch = Array.isArray(page.entries) ? page.entries : [];
		entries.push(...batch.slice(0, wanted - entries.length));
		const next = typeof page.next_cursor === 'string' ? page.next_cursor : undefined;
		// Guard against a server that repeats a cursor or claims more with an empty page.
		if (!page.has_more || !next || next === cursor || batch.length === 0) break;
		cursor = next;
	}
	return entries;
}
