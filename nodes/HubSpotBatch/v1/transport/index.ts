/**
 * HubSpot access for one execution: the shared client (shared/transport/client.ts) under HubSpot's
 * policy (policy.ts). Every call the node makes, read or write, is raw JSON through n8n's request
 * helper, so n8n's proxy settings, the timeout's abort, pacing and retries apply the same way to all.
 */
import type { Redis } from 'ioredis';
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	ILoadOptionsFunctions,
	INode,
	IDataObject,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';
import { NodeOperationError as OperationError } from 'n8n-workflow';

import { redisCredentialsFromUrl, sharedRedis } from '../../../shared/redis/connection';
import { AttemptError } from '../../../shared/transport/attempt';
import type { RequestStats, VendorResponse } from '../../../shared/transport/client';
import { VendorClient } from '../../../shared/transport/client';
import type { RetrySettings } from '../../../shared/transport/policy';
import type { SlidingWindowRateLimiter } from '../../../shared/transport/rateLimiter';
import { RedisSlidingWindowLimiter } from '../../../shared/transport/redisRateLimiter';
import { hubspotPolicy } from './policy';

export { AttemptError } from '../../../shared/transport/attempt';
export type { RetrySettings } from '../../../shared/transport/policy';
export {
	DEFAULT_BASE_URL,
	TIER_LIMITS,
	WINDOW_MS,
	hubspotPolicy,
	isDailyLimit,
	limitForTier,
} from './policy';

export const DEFAULT_RETRY: RetrySettings = hubspotPolicy.retry;

export type HubSpotContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface HubSpotRequest {
	method: IHttpRequestMethods;
	path: string;
	body?: unknown;
	qs?: IDataObject;
	/**
	 * False for calls that create records (batch create, notes): after a 5xx, a timeout or a lost
	 * connection they may have been applied, so they are reported, never sent again.
	 */
	idempotent?: boolean;
}

export type HubSpotResponse<T> = VendorResponse<T>;

export interface HubSpotOptions {
	/** n8n's Redis, when the node coordinates workers: the 10-second window is shared there. */
	redis?: Redis;
}

/** The Redis behind the credential's own "Share Rate Limit Across Workers" URL (older setups). */
function credentialRedis(
	node: INode,
	credentials: ICredentialDataDecryptedObject,
): Redis | undefined {
	if (credentials.sharedRateLimit !== true) return undefined;
	const url = String(credentials.redisUrlSecret ?? '').trim();
	if (url === '') {
		throw new OperationError(
			node,
			"The HubSpot credential shares its rate limit but has no Redis URL: set 'Redis URL', or turn on the node's Coordinate Workers Through Redis instead",
		);
	}
	const parsed = redisCredentialsFromUrl(url);
	if (typeof parsed === 'string') throw new OperationError(node, `Field 'Redis URL': ${parsed}`);
	return sharedRedis(parsed);
}

export class HubSpotApi {
	readonly http: VendorClient;

	/**
	 * The Redis every n8n process on this account shares (the node's Coordinate Workers Through
	 * Redis, else the credential's older Redis URL): the 10-second window and per-contact locks live there.
	 */
	readonly redis: Redis | undefined;

	constructor(
		ctx: HubSpotContext,
		credentials: ICredentialDataDecryptedObject,
		retry: Partial<RetrySettings> = {},
		options: HubSpotOptions = {},
	) {
		this.http = new VendorClient(ctx, hubspotPolicy, credentials, retry);
		this.redis = options.redis ?? credentialRedis(ctx.getNode(), credentials);
		if (this.redis !== undefined) {
			this.http.sharedWindow = new RedisSlidingWindowLimiter(this.redis, {
				key: this.http.budget.key,
				limit: this.http.limiter.limit,
				windowMs: this.http.limiter.windowMs,
			});
		}
	}

	static async fromContext(
		ctx: HubSpotContext,
		retry: Partial<RetrySettings> = {},
		options: HubSpotOptions = {},
	): Promise<HubSpotApi> {
		const credentials = await ctx.getCredentials(hubspotPolicy.credentialType);
		return new HubSpotApi(ctx, credentials, retry, options);
	}

	get baseUrl(): string {
		return this.http.baseUrl;
	}

	/** Identifies the account (base URL + token hash) without holding the token. */
	get limiterKey(): string {
		return this.http.budget.key;
	}

	get limiter(): SlidingWindowRateLimiter {
		return this.http.limiter;
	}

	get shared(): RedisSlidingWindowLimiter | undefined {
		return this.http.sharedWindow;
	}

	get stats(): RequestStats {
		return this.http.stats;
	}

	get retry(): RetrySettings {
		return this.http.retry;
	}

	/** A raw call (JSON in and out, every field HubSpot sends) through n8n's request helper. */
	async request<T = IDataObject>(req: HubSpotRequest): Promise<HubSpotResponse<T>> {
		return await this.http.request<T>(req);
	}

	/** Turns a final failure into the error the user sees; never includes the token. */
	toNodeError(error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
		return this.http.toNodeError(error, { itemIndex });
	}
}

/** True for a final failure that no later call can succeed after (bad token, scope, daily limit). */
export function isFatal(error: unknown): boolean {
	return error instanceof AttemptError && hubspotPolicy.isFatal(error);
}
