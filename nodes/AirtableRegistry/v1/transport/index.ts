import Airtable from 'airtable';
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { SlidingWindowRateLimiter } from '../../../shared/transport/rateLimiter';
import { getRateLimiter } from '../../../shared/transport/rateLimiter';
import { withRetry } from '../../../shared/transport/retry';

export const DEFAULT_BASE_URL = 'https://api.airtable.com';
/** Airtable: 5 requests per second per base. */
export const REQUESTS_PER_SECOND = 5;
export const WINDOW_MS = 1000;
/** Airtable: after a 429, wait 30 seconds before subsequent requests will succeed. */
export const RATE_LIMIT_PENALTY_MS = 30_000;
export const RECORDS_PER_REQUEST = 10;

export type AirtableContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface RetrySettings {
	/** Retries of a 429, each after the penalty. */
	maxRateLimitRetries: number;
	/** Wait after a 429 (Airtable's penalty is 30 s). */
	rateLimitWaitMs: number;
	/** Total tries for a 5xx or a network error (first try included). */
	maxServerErrorTries: number;
	timeoutMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
	maxRateLimitRetries: 3,
	rateLimitWaitMs: RATE_LIMIT_PENALTY_MS,
	maxServerErrorTries: 3,
	timeoutMs: 30_000,
	baseDelayMs: 500,
	maxDelayMs: 8_000,
};

export interface AirtableRequest {
	method: 'GET' | 'POST' | 'PATCH';
	/** Path below /v0/<baseId>, e.g. `/Events`. */
	path: string;
	qs?: Record<string, string | number>;
	body?: unknown;
	/**
	 * False for record creates: a timeout or a 500 may have been applied, so only answers that say
	 * nothing was done (429, 502, 503, connection refused) are retried.
	 */
	idempotent?: boolean;
}

export interface RequestStats {
	calls: number;
	rateLimited: number;
	serverErrors: number;
}

/** A failed call after our retries; wraps the library's AirtableError (or a network error). */
export class AirtableCallError extends Error {
	constructor(
		readonly status: number | undefined,
		readonly type: string,
		readonly serverMessage: string,
		readonly tries: number,
	) {
		super(
			status === undefined
				? `Airtable could not be reached: ${serverMessage}`
				: `Airtable responded ${status} ${type}: ${serverMessage}`,
		);
	}

	get isRateLimit(): boolean {
		return this.status === 429;
	}

	get isServerError(): boolean {
		return this.status !== undefined && this.status >= 500;
	}

	get isNetwork(): boolean {
		return this.status === undefined;
	}

	/** Stops every later request too: the token or base is wrong. */
	get isFatal(): boolean {
		return this.status === 401 || this.status === 403 || this.status === 404;
	}
}

interface LibraryError {
	error?: string;
	message?: string;
	statusCode?: number | null;
}

function fromLibrary(error: unknown, tries: number): AirtableCallError {
	if (error instanceof AirtableCallError) return error;
	const e = (error ?? {}) as LibraryError;
	const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
	return new AirtableCallError(
		status,
		String(e.error ?? 'CONNECTION_ERROR'),
		String(e.message ?? 'no message'),
		tries,
	);
}

const tableSegment = (table: string) => `/${encodeURIComponent(table)}`;

export interface TableField {
	id: string;
	name: string;
	type: string;
	options?: JsonObject;
}

export interface TableSchema {
	id: string;
	name: string;
	primaryFieldId: string;
	fields: TableField[];
}

export interface AirtableRecord {
	id: string;
	createdTime?: string;
	fields: JsonObject;
}

/** Field types Airtable computes; writing them is a 422. */
export const COMPUTED_FIELD_TYPES = [
	'formula',
	'autoNumber',
	'createdTime',
	'lastModifiedTime',
	'createdBy',
	'lastModifiedBy',
	'count',
	'rollup',
	'multipleLookupValues',
	'button',
	'aiText',
];

/**
 * Airtable access for one credential, through the `airtable` package: `endpointUrl` from the
 * credential, `noRetryIfRateLimited` so the library does not retry 429s on its own timer (it would
 * retry after ~5 s with jitter, inside Airtable's 30-second penalty and outside our limiter), and
 * its `requestTimeout` from our settings. The library never retries anything else. Pacing (5/s per
 * base, shared by every execution in the process) and every retry are ours: see `request()`.
 */
export class AirtableApi {
	readonly limiter: SlidingWindowRateLimiter;

	readonly stats: RequestStats = { calls: 0, rateLimited: 0, serverErrors: 0 };

	readonly baseUrl: string;

	readonly baseId: string;

	readonly eventsTable: string;

	readonly registrationsTable: string;

	private readonly base: Airtable.Base;

	private readonly metaBase: Airtable.Base;

	private schema: Promise<TableSchema[]> | undefined;

	constructor(
		private readonly node: INode,
		credentials: ICredentialDataDecryptedObject,
		readonly retry: RetrySettings = DEFAULT_RETRY,
	) {
		const token = String(credentials.accessToken ?? '').trim();
		if (token === '')
			throw new NodeOperationError(node, 'The Airtable credential has no access token');
		this.baseId = String(credentials.baseId ?? '').trim();
		if (!/^app[A-Za-z0-9]+$/.test(this.baseId)) {
			throw new NodeOperationError(
				node,
				`The Airtable credential's Base ID "${this.baseId}" is not a base ID (app…)`,
			);
		}
		this.baseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
		this.eventsTable = String(credentials.eventsTable || 'Events').trim();
		this.registrationsTable = String(credentials.registrationsTable || 'Registrations').trim();
		// Airtable limits per base, whatever the token: one limiter per base URL + base.
		this.limiter = getRateLimiter(
			`airtable:${this.baseUrl}#${this.baseId}`,
			REQUESTS_PER_SECOND,
			WINDOW_MS,
		);
		const airtable = new Airtable({
			apiKey: token,
			endpointUrl: this.baseUrl,
			noRetryIfRateLimited: true,
			requestTimeout: retry.timeoutMs,
		});
		this.base = airtable.base(this.baseId);
		// The library builds <endpoint>/v0/<base id><path>; the meta API lives at
		// /v0/meta/bases/<base id>/tables, so a "base" named meta/bases/<id> reaches it with the
		// same auth, timeout and error handling.
		this.metaBase = airtable.base(`meta/bases/${this.baseId}`);
	}

	static async fromContext(
		ctx: AirtableContext,
		retry?: Partial<RetrySettings>,
	): Promise<AirtableApi> {
		const credentials = await ctx.getCredentials('airtableRegistryApi');
		return new AirtableApi(ctx.getNode(), credentials, { ...DEFAULT_RETRY, ...retry });
	}

	tablePath(table: string): string {
		return tableSegment(table);
	}

	/** One call: waits for the base's limiter, retries 429 (after the penalty) and 5xx (backoff). */
	async request<T = JsonObject>(req: AirtableRequest, base: Airtable.Base = this.base): Promise<T> {
		const idempotent = req.idempotent !== false;
		let rateLimitRetries = 0;
		let serverTries = 0;
		let tries = 0;
		const retry = this.retry;
		try {
			return await withRetry(
				async () => {
					tries++;
					const slot = await this.limiter.acquireSlot();
					this.stats.calls++;
					try {
						const response = await base.makeRequest({
							method: req.method,
							path: req.path,
							qs: req.qs,
							...(req.body !== undefined ? { body: req.body } : {}),
						});
						return response.body as T;
					} catch (error) {
						const failed = fromLibrary(error, tries);
						if (failed.isRateLimit) {
							this.stats.rateLimited++;
							// Every request to this base fails during the penalty: hold them all.
							this.limiter.pauseUntil(Date.now() + retry.rateLimitWaitMs);
						} else if (failed.isServerError) this.stats.serverErrors++;
						throw failed;
					} finally {
						slot.release();
					}
				},
				{
					maxAttempts: retry.maxRateLimitRetries + retry.maxServerErrorTries + 1,
					baseDelayMs: retry.baseDelayMs,
					maxDelayMs: retry.maxDelayMs,
					isRetryable: (error) => {
						const e = error as AirtableCallError;
						if (e.isRateLimit) return rateLimitRetries++ < retry.maxRateLimitRetries;
						const safe =
							idempotent ||
							e.status === 502 ||
							e.status === 503 ||
							(e.isNetwork && /ECONNREFUSED/.test(e.serverMessage));
						if (!safe || !(e.isServerError || e.isNetwork)) return false;
						serverTries++;
						return serverTries < retry.maxServerErrorTries;
					},
					// The limiter is paused for the penalty; the retry queues behind it.
					retryAfterMs: (error) => ((error as AirtableCallError).isRateLimit ? 0 : undefined),
				},
			);
		} catch (error) {
			throw fromLibrary(error, tries);
		}
	}

	/** The base's tables and fields (meta API; needs schema.bases:read). Cached per node run. */
	async tables(): Promise<TableSchema[]> {
		if (this.schema === undefined) {
			const pending = this.request<{ tables: TableSchema[] }>(
				{ method: 'GET', path: '/tables' },
				this.metaBase,
			).then((body) => body.tables ?? []);
			// A failed read is not cached.
			pending.catch(() => {
				if (this.schema === pending) this.schema = undefined;
			});
			this.schema = pending;
		}
		return await this.schema;
	}

	async table(nameOrId: string): Promise<TableSchema> {
		const tables = await this.tables();
		const found = tables.find((t) => t.id === nameOrId || t.name === nameOrId);
		if (found === undefined) {
			throw new NodeOperationError(
				this.node,
				`The base ${this.baseId} has no table "${nameOrId}" (tables: ${tables.map((t) => t.name).join(', ') || 'none'})`,
			);
		}
		return found;
	}

	/** Lists records matching a formula, following offsets. */
	async list(table: string, filterByFormula: string, maxRecords = 100): Promise<AirtableRecord[]> {
		const out: AirtableRecord[] = [];
		let offset: string | undefined;
		do {
			const body = await this.request<{ records: AirtableRecord[]; offset?: string }>({
				method: 'GET',
				path: tableSegment(table),
				qs: {
					filterByFormula,
					pageSize: Math.min(100, maxRecords - out.length),
					...(offset ? { offset } : {}),
				},
			});
			out.push(...(body.records ?? []));
			offset = body.offset;
		} while (offset !== undefined && out.length < maxRecords);
		return out;
	}

	toNodeError(error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
		if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
		if (!(error instanceof AirtableCallError)) {
			return new NodeOperationError(this.node, error as Error, { itemIndex });
		}
		const tries = error.tries > 1 ? ` after ${error.tries} tries` : '';
		if (error.isNetwork) {
			return new NodeOperationError(
				this.node,
				`Airtable could not be reached at ${this.baseUrl}${tries}: ${error.serverMessage.replace(/^request to \S+ failed, reason: /, '')}`,
				{ itemIndex },
			);
		}
		let message: string;
		let description: string | undefined;
		if (error.status === 401) {
			message = 'Airtable rejected the access token (401): token revoked or invalid';
			description =
				'Create a new personal access token and update the Airtable Registry API credential.';
		} else if (error.status === 403 || error.status === 404) {
			message = `Airtable refused the request (${error.status}): the token lacks a scope or access to base ${this.baseId}, or a table name is wrong`;
			description = `Check the token's scopes (data.records:read/write, schema.bases:read) and the table names in the credential. Airtable said: ${error.serverMessage}`;
		} else if (error.isRateLimit) {
			message = `Airtable rate limit (429) still reached${tries}, each retry after a ${Math.round(this.retry.rateLimitWaitMs / 1000)} s wait`;
			description =
				'Another app or workflow may be using the same base; Airtable allows 5 requests per second per base.';
		} else {
			message = `Airtable responded ${error.status} ${error.type}: ${error.serverMessage}${tries}`;
		}
		return new NodeApiError(
			this.node,
			{
				message: error.serverMessage,
				type: error.type,
				status: error.status ?? null,
			} as JsonObject,
			{ message, description, httpCode: String(error.status), itemIndex },
		);
	}
}
