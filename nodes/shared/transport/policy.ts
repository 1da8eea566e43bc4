/**
 * What a vendor's transport declares, and the one client (client.ts) enforces: where the API lives,
 * how fast it may be called, which answers mean "slow down" or "stop", and how failures read.
 * One small policy file per vendor sits next to its node (`<Node>/v1/transport/policy.ts`).
 */
import type { ICredentialDataDecryptedObject, JsonObject } from 'n8n-workflow';

import type { AttemptError } from './attempt';

export interface RetrySettings {
	/** Retries of a rate-limit answer, each after Retry-After or the vendor's own wait. */
	maxRateLimitRetries: number;
	/** Tries of an idempotent call that fails with a 5xx, a timeout or a network error (first included). */
	maxServerErrorTries: number;
	/** How long one try may take; the request is aborted then, and only then is its limiter slot freed. */
	timeoutMs: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** A rate-limit wait longer than this fails the call instead of holding the execution. */
	maxRateLimitWaitMs: number;
}

/** The retry settings most vendors share; a policy overrides what its vendor needs otherwise. */
export const STANDARD_RETRY: RetrySettings = {
	maxRateLimitRetries: 10,
	maxServerErrorTries: 3,
	timeoutMs: 30_000,
	baseDelayMs: 500,
	maxDelayMs: 8_000,
	maxRateLimitWaitMs: 60_000,
};

/** One account's budget: at most `limit` calls in any `windowMs`, shared by everything using `key`. */
export interface RateBudget {
	/** Identifies the account (host + a hash of the secret); never the secret itself. */
	key: string;
	limit: number;
	windowMs: number;
}

/** A vendor's wording; what it leaves out keeps the client's common wording. */
export interface ErrorWording {
	message?: string;
	description?: string;
}

export interface DescribeContext {
	baseUrl: string;
	retry: RetrySettings;
	/** " after 3 tries", or "". */
	triesText: string;
	/** The caller's wording for a 404 ("Luma event 'evt-1' not found"). */
	notFoundMessage?: string;
	/** The policy's name for the account, when it has one ("location abc", "base appXYZ"). */
	account?: string;
}

export interface VendorPolicy {
	/** The vendor's name, as every message says it: "HubSpot". */
	vendor: string;
	/** The n8n credential type calls authenticate with. */
	credentialType: string;
	/** Defaults for the node's retry options. */
	retry: RetrySettings;
	/** API base URL for these credentials (no trailing slash). */
	baseUrl(credentials: ICredentialDataDecryptedObject): string;
	/** The account's budget. Throws an Error whose message names a bad credential setting. */
	budget(credentials: ICredentialDataDecryptedObject, baseUrl: string): RateBudget;
	/** Headers in which the vendor reports its own limit; the limiter follows them down. */
	rateHeaders?: { limit?: string; windowMs?: string; remaining?: string };
	/** Retry settings the user keeps in the credential (a timeout), over `retry`, under the node's. */
	credentialRetry?(credentials: ICredentialDataDecryptedObject): Partial<RetrySettings>;
	/** An answer that asks the caller to slow down: waited out, then retried. */
	isRateLimited(error: AttemptError): boolean;
	/** An answer after which no later call can succeed (bad key, missing access, daily budget spent). */
	isFatal(error: AttemptError): boolean;
	/** How long to wait after a rate-limit answer that carries no Retry-After. */
	rateLimitWaitMs(error: AttemptError): number;
	/** The vendor's own message in an error body. */
	messageOf(body: JsonObject | undefined): string | undefined;
	/** For vendors that answer an error with 2xx: the HTTP status that answer stands for. */
	statusOfErrorBody?(body: JsonObject): number | undefined;
	/** Vendor wording for a final HTTP failure; undefined keeps the client's common wording. */
	describe?(error: AttemptError, context: DescribeContext): ErrorWording | undefined;
	/** A name for the account that holds no secret ("location abc"), for messages. */
	accountLabel?(credentials: ICredentialDataDecryptedObject): string;
	/**
	 * The headers that authenticate a request, built here instead of by the credential's
	 * `authenticate`: that one is an n8n expression (`=Bearer {{$credentials.accessToken}}`), which
	 * n8n evaluates per request in an expression isolate, a cost every webhook execution would pay.
	 */
	authHeaders?(credentials: ICredentialDataDecryptedObject): Record<string, string>;
	/** Values that must never reach a message (an API key a vendor echoes back). */
	secrets?(credentials: ICredentialDataDecryptedObject): string[];
}

/** The `<prefix>-max`, `-interval-milliseconds` and `-remaining` headers HubSpot and HighLevel report limits in. */
export function rateLimitHeaders(prefix: string): NonNullable<VendorPolicy['rateHeaders']> {
	return {
		limit: `${prefix}-max`,
		windowMs: `${prefix}-interval-milliseconds`,
		remaining: `${prefix}-remaining`,
	};
}

/**
 * For a vendor whose 429 means either its rolling window (wait one interval, retry) or its daily budget
 * (stop: nothing succeeds until the day turns), and whose 401/403 mean a bad token or missing access.
 */
export function windowOrDailyLimit(
	isDailyLimit: (error: AttemptError) => boolean,
	intervalHeader: string,
	defaultWindowMs: number,
): Pick<VendorPolicy, 'isRateLimited' | 'isFatal' | 'rateLimitWaitMs'> {
	return {
		isRateLimited: (error) => error.status === 429 && !isDailyLimit(error),
		isFatal: (error) => error.status === 401 || error.status === 403 || isDailyLimit(error),
		rateLimitWaitMs: (error) => {
			const interval = Number(error.headers[intervalHeader]);
			return Number.isFinite(interval) && interval > 0 ? interval : defaultWindowMs;
		},
	};
}

/** The node's retry options over the policy's defaults, clamped to sane values. */
export function retrySettings(
	defaults: RetrySettings,
	overrides: Partial<RetrySettings> = {},
): RetrySettings {
	const pick = (name: keyof RetrySettings, min: number) => {
		const value = Number(overrides[name] ?? defaults[name]);
		return Number.isFinite(value) ? Math.max(min, value) : defaults[name];
	};
	return {
		maxRateLimitRetries: Math.floor(pick('maxRateLimitRetries', 0)),
		maxServerErrorTries: Math.floor(pick('maxServerErrorTries', 1)),
		timeoutMs: pick('timeoutMs', 1),
		baseDelayMs: pick('baseDelayMs', 0),
		maxDelayMs: pick('maxDelayMs', 0),
		maxRateLimitWaitMs: pick('maxRateLimitWaitMs', 0),
	};
}
