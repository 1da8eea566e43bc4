/**
 * Airtable access for one execution: the shared client (shared/transport/client.ts) under Airtable's
 * policy (policy.ts), with the `airtable` package sending each try. The package's own 429 retry is
 * off (it would retry after ~5 s, inside Airtable's 30-second penalty and outside our limiter) and
 * its `requestTimeout` is the client's timeout, so it aborts the request for real; pacing, retries
 * and wording are the client's.
 */
import { createHash } from 'node:crypto';

import Airtable from 'airtable';
import type { Redis } from 'ioredis';
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	JsonObject,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';
import { NodeOperationError as OperationError } from 'n8n-workflow';

import type { KeyLocks } from '../../../shared/locks';
import { keyLocks } from '../../../shared/locks';
import { AttemptError, lowerCaseHeaders } from '../../../shared/transport/attempt';
import { checkedPath } from '../../../shared/transport/urlSafety';
import type { RequestStats } from '../../../shared/transport/client';
import { VendorClient } from '../../../shared/transport/client';
import type { RetrySettings } from '../../../shared/transport/policy';
import { RedisSlidingWindowLimiter } from '../../../shared/transport/redisRateLimiter';
import type { ChosenNames, FieldNames } from '../helpers/names';
import { exactNames, schemaNames, sameName } from '../helpers/names';
import {
	RATE_LIMIT_PENALTY_MS,
	airtablePolicy,
	airtablePolicyWaiting,
	errorTypeOf,
} from './policy';

export type { RetrySettings } from '../../../shared/transport/policy';
export {
	DEFAULT_BASE_URL,
	RATE_LIMIT_PENALTY_MS,
	RECORDS_PER_REQUEST,
	REQUESTS_PER_SECOND,
	WINDOW_MS,
	airtablePolicy,
	errorTypeOf,
} from './policy';

export const DEFAULT_RETRY: RetrySettings = airtablePolicy.retry;

export type AirtableContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface AirtableSettings {
	retry?: Partial<RetrySettings>;
	/** How long every request to the base waits after a 429 (Airtable's penalty: 30 s). */
	rateLimitWaitMs?: number;
	/** n8n's Redis, when the node coordinates workers: the base's window and locks are shared there. */
	redis?: Redis;
	/**
	 * Version 2: base and tables picked in the node (they replace the credential's), and field
	 * names, table names and select choices matched to the base's schema (helpers/names.ts).
	 */
	target?: RegistryTarget;
	/** Version 2: the table fields the user picked for default names (Options › Field Names). */
	fieldNames?: ChosenNames;
	/** Only the account's meta API (list bases): no base is needed. */
	basesOnly?: boolean;
	/**
	 * Combining executions: the base's schema is read once per this many ms in this process and
	 * shared by every execution on the same base and token (0: read once per node run).
	 */
	schemaMemoryMs?: number;
}

/** How long combining executions share a base's schema (Airtable counts meta reads in the 5/s). */
export const SCHEMA_MEMORY_MS = 60_000;

/** Airtable's answers that say a shared schema is out of date (a field renamed, a choice removed). */
const STALE_SCHEMA = ['UNKNOWN_FIELD_NAME', 'INVALID_MULTIPLE_CHOICE_OPTIONS'];

/** Base schemas shared by executions that combine, by base and token. */
const sharedSchemas = new Map<string, { tables: Promise<TableSchema[]>; until: number }>();

/** Test hook: forget every shared schema. */
export function forgetSharedSchemas(): void {
	sharedSchemas.clear();
}

/** Stable ids for Redis connections, so only executions on the same one share a combined call. */
const redisIds = new WeakMap<Redis, number>();
let redisCount = 0;
const redisId = (redis: Redis | undefined): string => {
	if (redis === undefined) return 'process';
	if (!redisIds.has(redis)) redisIds.set(redis, ++redisCount);
	return `redis${redisIds.get(redis)}`;
};

export interface BaseSummary {
	id: string;
	name: string;
	permissionLevel: string;
}

/** The base and tables a version 2 node picked. */
export interface RegistryTarget {
	baseId: string;
	eventsTable: string;
	registrationsTable: string;
}

export interface AirtableRequest {
	method: 'GET' | 'POST' | 'PATCH';
	/** Path below /v0/<baseId>, e.g. `/Events`. */
	path: string;
	qs?: Record<string, string | number>;
	body?: unknown;
	/** False for record creates: after a 5xx, a timeout or a lost connection they may have been applied. */
	idempotent?: boolean;
}

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

/** What the `airtable` package rejects with: Airtable's answer, or CONNECTION_ERROR without a status. */
interface LibraryError {
	error?: string;
	message?: string;
	statusCode?: number | null;
}

/** A request that never got an answer; `code` is what the client reads (ECONNABORTED = timed out). */
class ConnectionFailure extends Error {
	constructor(readonly code: string | undefined) {
		super(`Airtable request failed (${code ?? 'no code'})`);
	}
}

const tableSegment = (table: string) => `/${encodeURIComponent(table)}`;

export class AirtableApi {
	readonly client: VendorClient;

	readonly baseId: string;

	/** Name or ID; version 2 replaces it with the table's ID once resolved (resolveTable). */
	eventsTable: string;

	registrationsTable: string;

	/** Version 2: names and choices follow the base's schema. */
	readonly schemaAware: boolean;

	private readonly base: Airtable.Base;

	private readonly metaBase: Airtable.Base;

	private readonly metaRoot: Airtable.Base;

	private schema: Promise<TableSchema[]> | undefined;

	/** Base and token (hashed): whose schema may be shared. */
	private readonly schemaKey: string;

	/**
	 * What executions must have in common to share a combined call: base, token (hashed), how
	 * workers are coordinated, and the retry settings the call is sent with.
	 */
	readonly combineKey: string;

	private readonly credentials: ICredentialDataDecryptedObject;

	constructor(
		private readonly ctx: AirtableContext,
		credentials: ICredentialDataDecryptedObject,
		private readonly settings: AirtableSettings = {},
	) {
		if (settings.target !== undefined) credentials = { ...credentials, ...settings.target };
		this.credentials = credentials;
		this.schemaAware = settings.target !== undefined;
		const waitMs = settings.rateLimitWaitMs ?? RATE_LIMIT_PENALTY_MS;
		const policy = airtablePolicyWaiting(waitMs);
		this.client = new VendorClient(ctx, policy, credentials, {
			...settings.retry,
			// The wait is the user's choice: never refuse it as too long.
			maxRateLimitWaitMs: Math.max(
				waitMs,
				settings.retry?.maxRateLimitWaitMs ?? 0,
				policy.retry.maxRateLimitWaitMs,
			),
		});
		if (settings.redis !== undefined) {
			this.client.sharedWindow = new RedisSlidingWindowLimiter(settings.redis, {
				key: this.client.budget.key,
				limit: this.client.limiter.limit,
				windowMs: this.client.limiter.windowMs,
			});
		}
		// The policy has checked both (budget()); only a bases listing may go without a base.
		this.baseId = String(credentials.baseId ?? '').trim();
		if (this.baseId === '' && settings.basesOnly !== true)
			throw new OperationError(
				ctx.getNode(),
				settings.target !== undefined
					? 'No base is selected: pick one in the Base field'
					: 'The Airtable credential\'s Base ID "" is not a base ID (app…)',
			);
		this.eventsTable = String(credentials.eventsTable || 'Events').trim();
		this.registrationsTable = String(credentials.registrationsTable || 'Registrations').trim();
		const airtable = new Airtable({
			apiKey: String(credentials.accessToken).trim(),
			endpointUrl: this.client.baseUrl,
			noRetryIfRateLimited: true,
			requestTimeout: this.client.retry.timeoutMs,
		});
		this.base = airtable.base(this.baseId);
		// The package builds <endpoint>/v0/<base id><path>; the meta API lives at
		// /v0/meta/bases/<base id>/tables, so a "base" named meta/bases/<id> reaches it the same way.
		this.metaBase = airtable.base(`meta/bases/${this.baseId}`);
		this.metaRoot = airtable.base('meta');
		const token = createHash('sha256')
			.update(String(credentials.accessToken).trim())
			.digest('hex')
			.slice(0, 16);
		this.schemaKey = `${this.client.budget.key}|${token}`;
		const { maxRateLimitRetries, maxServerErrorTries, timeoutMs } = this.client.retry;
		this.combineKey = [
			this.schemaKey,
			redisId(settings.redis),
			maxRateLimitRetries,
			maxServerErrorTries,
			timeoutMs,
			waitMs,
		].join('|');
	}

	/**
	 * The same API for a call that carries other executions' rows too: the Stop of the execution
	 * that sends it must not turn the call's failure into a cancellation for everyone.
	 */
	detached(): AirtableApi {
		const ctx = Object.create(this.ctx, {
			getExecutionCancelSignal: { value: () => undefined },
		}) as AirtableContext;
		const api = new AirtableApi(ctx, this.credentials, this.settings);
		api.eventsTable = this.eventsTable;
		api.registrationsTable = this.registrationsTable;
		api.schema = this.schema;
		return api;
	}

	static async fromContext(
		ctx: AirtableContext,
		settings: AirtableSettings = {},
	): Promise<AirtableApi> {
		const credentials = await ctx.getCredentials(airtablePolicy.credentialType);
		return new AirtableApi(ctx, credentials, settings);
	}

	get baseUrl(): string {
		return this.client.baseUrl;
	}

	get stats(): RequestStats {
		return this.client.stats;
	}

	get retry(): RetrySettings {
		return this.client.retry;
	}

	tablePath(table: string): string {
		return tableSegment(table);
	}

	/**
	 * Locks on this base's `what` (e.g. events by key): across every n8n process when the node
	 * coordinates workers through Redis, within this process otherwise.
	 */
	locks(what: string): KeyLocks {
		return keyLocks(`${this.client.budget.key}:${what}`, this.settings.redis);
	}

	/** One call through the shared client (paced per base, retried by its rules). */
	async request<T = JsonObject>(req: AirtableRequest, base: Airtable.Base = this.base): Promise<T> {
		// The package builds the URL from the path as it is: no segment may step out of the table.
		let refused: string | undefined;
		try {
			checkedPath(req.path);
		} catch (error) {
			refused = (error as Error).message;
		}
		if (refused !== undefined) throw new OperationError(this.ctx.getNode(), refused);
		// The package aborts the request at the client's timeout (requestTimeout), so the signal is not needed.
		const { body } = await this.forgettingStaleSchema(
			async () =>
				await this.client.send<T>({ idempotent: req.idempotent !== false }, async () => {
					try {
						const response = await base.makeRequest({
							method: req.method,
							path: req.path,
							qs: req.qs,
							...(req.body !== undefined ? { body: req.body } : {}),
						});
						return {
							status: response.statusCode,
							body: response.body as T,
							headers: lowerCaseHeaders(response.headers),
						};
					} catch (error) {
						throw this.failureOf(error);
					}
				}),
		);
		return body;
	}

	/** A shared schema that Airtable's answer shows to be out of date is read again next time. */
	private async forgettingStaleSchema<T>(call: () => Promise<T>): Promise<T> {
		let failure: unknown;
		try {
			return await call();
		} catch (error) {
			failure = error;
		}
		if (
			failure instanceof AttemptError &&
			(failure.status === 403 ||
				failure.status === 404 ||
				(failure.status === 422 && STALE_SCHEMA.includes(errorTypeOf(failure) ?? '')))
		)
			sharedSchemas.delete(this.schemaKey);
		throw failure;
	}

	/** One page of the bases the token can reach (meta API; needs schema.bases:read). */
	async bases(offset?: string): Promise<{ bases: BaseSummary[]; offset?: string }> {
		const body = await this.request<{ bases?: BaseSummary[]; offset?: string }>(
			{ method: 'GET', path: '/bases', qs: offset ? { offset } : {} },
			this.metaRoot,
		);
		return { bases: body.bases ?? [], offset: body.offset };
	}

	/**
	 * The base's tables and fields (meta API; needs schema.bases:read). Cached per node run; shared
	 * by executions for `schemaMemoryMs` when they combine.
	 */
	async tables(): Promise<TableSchema[]> {
		if (this.schema === undefined) {
			const memoryMs = this.settings.schemaMemoryMs ?? 0;
			const shared = memoryMs > 0 ? sharedSchemas.get(this.schemaKey) : undefined;
			if (shared !== undefined && shared.until > Date.now()) {
				const tables = shared.tables;
				this.schema = tables;
				tables.catch(() => {
					if (this.schema === tables) this.schema = undefined;
				});
				return await tables;
			}
			const pending = this.request<{ tables: TableSchema[] }>(
				{ method: 'GET', path: '/tables' },
				this.metaBase,
			).then((body) => body.tables ?? []);
			if (memoryMs > 0)
				sharedSchemas.set(this.schemaKey, { tables: pending, until: Date.now() + memoryMs });
			// A failed read is not cached.
			pending.catch(() => {
				if (this.schema === pending) this.schema = undefined;
				if (sharedSchemas.get(this.schemaKey)?.tables === pending)
					sharedSchemas.delete(this.schemaKey);
			});
			this.schema = pending;
		}
		return await this.schema;
	}

	async table(nameOrId: string): Promise<TableSchema> {
		const tables = await this.tables();
		const found =
			tables.find((t) => t.id === nameOrId || t.name === nameOrId) ??
			(this.schemaAware ? tables.find((t) => sameName(t.name, nameOrId)) : undefined);
		if (found === undefined) {
			throw new OperationError(
				this.ctx.getNode(),
				`The base ${this.baseId} has no table "${nameOrId}" (tables: ${tables.map((t) => t.name).join(', ') || 'none'})`,
			);
		}
		return found;
	}

	/**
	 * Version 2: the table the node picked, by its ID from now on, so a name that matched only
	 * loosely ("events" for Events) reaches the right table.
	 */
	async resolveTable(which: 'eventsTable' | 'registrationsTable'): Promise<void> {
		if (!this.schemaAware) return;
		this[which] = (await this.table(this[which])).id;
	}

	/**
	 * The table's field names: version 1 writes the default names as they are; version 2 takes the
	 * field the user picked, else matches each to the table's own field (see helpers/names.ts).
	 */
	async names(table: string): Promise<FieldNames> {
		return this.schemaAware
			? schemaNames(await this.table(table), this.settings.fieldNames)
			: exactNames;
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

	/** Turns a final failure into the error the user sees; never includes the token. */
	toNodeError(error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
		return this.client.toNodeError(error, { itemIndex });
	}

	/** True for a failure after which no later call can succeed (bad token, scope, base or table). */
	isFatal(error: unknown): boolean {
		return this.client.isFatal(error);
	}

	/**
	 * The package's rejection as the client reads it: Airtable's answer as an HTTP failure; a failed
	 * fetch (which the package reduces to its message) as the network code it names, and its own
	 * timeout's abort as ECONNABORTED, a timeout.
	 */
	private failureOf(error: unknown): Error {
		const e = (error ?? {}) as LibraryError;
		if (typeof e.statusCode === 'number')
			return this.client.httpError(e.statusCode, { error: { type: e.error, message: e.message } });
		const message = String(e.message ?? '');
		// node-fetch: "request to <url> failed, reason: connect ECONNREFUSED …" (the URL may hold capitals).
		const code = /aborted a request|operation was aborted/i.test(message)
			? 'ECONNABORTED'
			: /reason:.*?\b(E[A-Z_]{3,})\b/.exec(message)?.[1];
		return new ConnectionFailure(code);
	}
}
