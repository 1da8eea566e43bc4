export declare const DEFAULT_API_KEY: 'verifier-emulator-key';
/** MillionVerifier's single-verification path. */
export declare const VERIFY_PATH: '/api/v3/';
export declare const DEFAULT_LIMIT_PER_WINDOW: 600;
export declare const DEFAULT_WINDOW_MS: 1000;
/** Request log entries kept by default (older ones are dropped; `totalRequests` keeps counting). */
export declare const DEFAULT_LOG_LIMIT: 10000;
export declare const DEFAULT_CREDITS: 1000000;

export type VerifierResult = 'ok' | 'catch_all' | 'unknown' | 'disposable' | 'invalid';
export type VerifierQuality = 'good' | 'risky' | 'bad';

/** Shares of the seeded results (normalized by their sum); default 85/5/5/5 ok/catch_all/invalid/unknown. */
export declare const DEFAULT_DISTRIBUTION: Partial<Record<VerifierResult, number>>;
export declare const DEFAULT_DISPOSABLE_DOMAINS: string[];
export declare const DEFAULT_FREE_DOMAINS: string[];
/** 1 ok, 2 catch_all, 3 unknown, 4 error, 5 disposable, 6 invalid. */
export declare const RESULT_CODES: Record<VerifierResult | 'error', number>;
/** The `error` texts (see server.js for which are observed and which assumed). */
export declare const MESSAGES: {
	invalidApiKey: string;
	missingEmail: string;
	insufficientCredits: string;
	tooManyRequests: string;
	internal: string;
};
/** First 12 hex characters of the key's SHA-256: what the log stores instead of the key. */
export declare function fingerprint(key: string): string;

/** HTTP 200 body of GET /api/v3/ (a verification). */
export interface VerifierResponse {
	email: string;
	quality: VerifierQuality;
	result: VerifierResult;
	resultcode: number;
	subresult: string;
	/** The address is at a free mailbox provider (gmail.com, ...). */
	free: boolean;
	/** A role address (info@, sales@, ...). */
	role: boolean;
	/** A suggested address for a common domain typo, or ''. */
	didyoumean: string;
	/** Credits left after this verification. */
	credits: number;
	/** Seconds (the emulator: its added latency, rounded). */
	executiontime: number;
	error: '';
	livemode: true;
}

/** HTTP 200 body of a refused call (unknown API key, no email, no credits): no `quality`. */
export interface VerifierErrorResponse {
	email: string;
	result: 'error';
	resultcode: 4;
	subresult: '';
	free: false;
	role: false;
	didyoumean: '';
	credits: number;
	executiontime: 0;
	/** "Apikey not found", "Email is missing", "Insufficient credits". */
	error: string;
	livemode: true;
}

export interface VerifierFaults {
	/** Added to every API response (before any check). */
	latencyMs: number;
	/** Share of accepted requests answered 500 (seeded RNG: same seed, same sequence). */
	failureRate: number;
	/** The next N accepted requests get `failStatus` (they count against the window). */
	failNext: number;
	/** 500 by default; 429 answers like the rate limit. */
	failStatus: number;
}

export interface VerifierLimits {
	/** Requests per window per API key. */
	limitPerWindow: number;
	/** Length of the fixed window opened by a key's first request in it. */
	windowMs: number;
}

export interface VerifierFaultPatch extends Partial<VerifierFaults>, Partial<VerifierLimits> {
	credits?: number;
}

export interface VerifierFaultState {
	faults: VerifierFaults;
	limits: VerifierLimits;
	credits: number;
}

export interface VerifierRequestLogEntry {
	seq: number;
	method: string;
	/** The path, without the query string. */
	path: string;
	/** Path and query string with the `api` parameter removed. */
	url: string;
	/** Query parameters without `api`. */
	query: Record<string, string>;
	email?: string;
	timeout?: number;
	/** SHA-256 fingerprint of the `api` key (never the key itself); null without a key. */
	keyFingerprint: string | null;
	/** 0 until the response is written. */
	status: number;
	/** The `result` field answered (including "error"), when the body had one. */
	result?: VerifierResult | 'error';
	/** Arrival, ms since the epoch. */
	time: number;
	durationMs: number;
	/** The latency the emulator added to this request. */
	latencyMs: number;
	/** Answered by failNext / failureRate. */
	forced?: boolean;
	rateLimited?: boolean;
}

export interface VerifierCounters {
	/** Every API request, including the ones dropped from the capped log. */
	requests: number;
	verified: number;
	invalidKey: number;
	/** Other result "error" answers (missing email, no credits). */
	errors: number;
	rateLimited: number;
	errors5xx: number;
	results: Record<VerifierResult, number>;
}

export interface VerifierSnapshot extends VerifierFaultState {
	apiKeyFingerprints: string[];
	seed: number;
	counters: VerifierCounters;
	totalRequests: number;
	distinctEmails: number;
	log?: VerifierRequestLogEntry[];
}

export interface VerifierState {
	readonly apiKey: string;
	readonly counters: VerifierCounters;
	readonly faults: VerifierFaults;
	readonly credits: number;
	readonly seed: number;
	snapshot(opts?: { includeLog?: boolean }): VerifierSnapshot;
}

export interface StartVerifierEmulatorOptions {
	/** 0 or omitted: a free port. */
	port?: number;
	host?: string;
	/** The accepted `api` key. Default DEFAULT_API_KEY. */
	apiKey?: string;
	/** More accepted keys (each has its own rate window). */
	apiKeys?: string[];
	/** Seeds the results and the failureRate RNG. Default 1. */
	seed?: number;
	/** Shares of the seeded results. Default DEFAULT_DISTRIBUTION. */
	distribution?: Partial<Record<VerifierResult, number>>;
	/** Addresses at these domains are `disposable`. Default DEFAULT_DISPOSABLE_DOMAINS. */
	disposableDomains?: string[];
	/** Addresses at these domains are `catch_all`. Default none. */
	catchAllDomains?: string[];
	/** Domains answered `free: true`. Default DEFAULT_FREE_DOMAINS. */
	freeDomains?: string[];
	/** Forced results by address (case ignored); wins over everything else. */
	resultFor?: Record<string, VerifierResult>;
	/** Starting credits. Default DEFAULT_CREDITS. */
	credits?: number;
	/** Charge catch_all and unknown too (MillionVerifier charges only ok, invalid, disposable). */
	chargeAllResults?: boolean;
	/** Default 600. */
	limitPerWindow?: number;
	/** Default 1000. */
	windowMs?: number;
	/** Default 0. */
	latencyMs?: number;
	/** Default 0. */
	failureRate?: number;
	/** Request log entries kept (default 10000). */
	logLimit?: number;
}

export interface VerifierEmulator {
	/** Base URL, e.g. http://127.0.0.1:1234 */
	url: string;
	/** `${url}/api/v3/` */
	endpoint: string;
	port: number;
	host: string;
	/** The first accepted key (DEFAULT_API_KEY unless `apiKey` was given). */
	apiKey: string;
	state: VerifierState;
	/** The kept request log (the last `logLimit` requests), oldest first, optionally filtered. */
	requests(
		filter?: Partial<VerifierRequestLogEntry> | ((entry: VerifierRequestLogEntry) => boolean),
	): VerifierRequestLogEntry[];
	/** Every API request since start / reset, including those dropped from the log. */
	readonly totalRequests: number;
	/** Verifications answered, by lower-cased address. Cleared by reset(). */
	readonly verifications: ReadonlyMap<string, number>;
	/** Credits left. */
	readonly credits: number;
	/** The result an address gets (no request made, nothing counted or charged). */
	expectedResult(email: string): VerifierResult;
	/** The next `n` (default 1) accepted requests get `status` (default 500). */
	failNext(n?: number, status?: number): VerifierFaultState;
	setLatency(ms: number): VerifierFaultState;
	setFailureRate(rate: number): VerifierFaultState;
	setRateLimit(limits: Partial<VerifierLimits>): VerifierFaultState;
	setCredits(credits: number): VerifierFaultState;
	setFaults(patch: VerifierFaultPatch): VerifierFaultState;
	/** Clears the log, counters and windows, restores credits; faults and limits go back to the start options. */
	reset(): void;
	close(): Promise<void>;
}

export declare function startVerifierEmulator(
	opts?: StartVerifierEmulatorOptions,
): Promise<VerifierEmulator>;
