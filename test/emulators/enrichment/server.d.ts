export declare const DEFAULT_API_KEY: 'enrich-emulator-key';
export declare const ENRICH_PATH: '/v1/people/enrich';
export type EnrichmentRole = 'CEO' | 'CFO' | 'HR';
export declare const ROLES: EnrichmentRole[];
/** Share of (domain, role) pairs answered 404 not_found by default. */
export declare const DEFAULT_NOT_FOUND_RATE: 0.1;
export declare const DEFAULT_LIMIT_PER_WINDOW: 600;
export declare const DEFAULT_WINDOW_MS: 1000;
/** Request log entries kept by default (older ones are dropped; `totalRequests` keeps counting). */
export declare const DEFAULT_LOG_LIMIT: 10000;
/** The error messages the emulator answers with. */
export declare const MESSAGES: {
	unauthorized: string;
	notFound: string;
	rateLimited: string;
	missingDomain: string;
	badBody: string;
	invalidRole: string;
};
/** First 12 hex characters of the key's SHA-256: what the log stores instead of the key. */
export declare function fingerprint(key: string): string;
/** "https://www.Acme.com/about" -> "acme.com"; '' when the value is not domain-like. */
export declare function normalizeDomain(value: unknown): string;

/** Request body of POST /v1/people/enrich. */
export interface EnrichRequest {
	domain: string;
	company?: string;
	/** CEO, CFO or HR (case ignored); anything else is a 400 invalid_role. */
	role: string;
}

export interface EnrichedPerson {
	first_name: string;
	last_name: string;
	full_name: string;
	/** `first.last@<domain>`, lower case. */
	email: string;
	title: string;
	linkedin_url: string;
}

/** 200 body. */
export interface EnrichResponse {
	person: EnrichedPerson;
	/** 0..1 (generated answers: 0.55..0.99; `personFor` overrides: 1). */
	confidence: number;
}

/** 4xx / 5xx body. */
export interface EnrichErrorResponse {
	error: {
		code:
			| 'invalid_request'
			| 'invalid_role'
			| 'unauthorized'
			| 'not_found'
			| 'rate_limited'
			| 'internal'
			| 'bad_gateway'
			| 'unavailable'
			| 'timeout'
			| 'route_not_found'
			| 'method_not_allowed'
			| 'forced';
		message: string;
	};
}

export interface EnrichmentFaults {
	/** Added to every API response (before any check). */
	latencyMs: number;
	/** Share of accepted requests answered 500 internal (seeded RNG: same seed, same sequence). */
	failureRate: number;
	/** The next N accepted requests get `failStatus` (they count against the window). */
	failNext: number;
	/** 500 by default; 502 / 503 / 504 get their own codes, 429 answers like the rate limit. */
	failStatus: number;
}

export interface EnrichmentLimits {
	/** Requests per window per API key. */
	limitPerWindow: number;
	/** Length of the fixed window opened by a key's first request in it. */
	windowMs: number;
}

export interface EnrichmentFaultPatch
	extends Partial<EnrichmentFaults>,
		Partial<EnrichmentLimits> {}

export interface EnrichmentFaultState {
	faults: EnrichmentFaults;
	limits: EnrichmentLimits;
}

export interface EnrichmentRequestLogEntry {
	seq: number;
	method: string;
	/** The path, without the query string. */
	path: string;
	/** Query parameters; credential-like keys are replaced by "[redacted]". */
	query: Record<string, string>;
	/** The parsed JSON body, or `{unparsedBytes}` when it was not JSON. */
	body?: unknown;
	/** SHA-256 fingerprint of the bearer key (never the key itself); null without a key. */
	keyFingerprint: string | null;
	/** 0 until the response is written. */
	status: number;
	/** Arrival, ms since the epoch. */
	time: number;
	durationMs: number;
	/** The latency the emulator added to this request. */
	latencyMs: number;
	/** `domain|ROLE` (normalized) once the request reached the lookup. */
	lookup?: string;
	/** Answered by failNext / failureRate. */
	forced?: boolean;
	rateLimited?: boolean;
}

export interface EnrichmentCounters {
	/** Every API request, including the ones dropped from the capped log. */
	requests: number;
	found: number;
	notFound: number;
	badRequests: number;
	unauthorized: number;
	rateLimited: number;
	errors5xx: number;
}

export interface EnrichmentSnapshot extends EnrichmentFaultState {
	apiKeyFingerprints: string[];
	notFoundRate: number;
	seed: number;
	counters: EnrichmentCounters;
	totalRequests: number;
	distinctLookups: number;
	lookups?: Record<string, number>;
	log?: EnrichmentRequestLogEntry[];
}

export interface EnrichmentState {
	readonly apiKey: string;
	readonly counters: EnrichmentCounters;
	readonly faults: EnrichmentFaults;
	readonly notFoundRate: number;
	readonly seed: number;
	snapshot(opts?: { includeLog?: boolean; includeLookups?: boolean }): EnrichmentSnapshot;
}

export interface StartEnrichmentEmulatorOptions {
	/** 0 or omitted: a free port. */
	port?: number;
	host?: string;
	/** The accepted bearer key. Default DEFAULT_API_KEY. */
	apiKey?: string;
	/** More accepted keys (each has its own rate window). */
	apiKeys?: string[];
	/** Seeds the generated people and the failureRate RNG. Default 1. */
	seed?: number;
	/** Share of (domain, role) pairs that find nobody. Default 0.1. */
	notFoundRate?: number;
	/** Forced answers by 'domain|ROLE' (normalized like requests): a person, or null for 404. */
	personFor?: Record<string, EnrichedPerson | null>;
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

export interface EnrichmentEmulator {
	url: string;
	port: number;
	host: string;
	/** The first accepted key (DEFAULT_API_KEY unless `apiKey` was given). */
	apiKey: string;
	state: EnrichmentState;
	/** The kept request log (the last `logLimit` requests), oldest first, optionally filtered. */
	requests(
		filter?: Partial<EnrichmentRequestLogEntry> | ((entry: EnrichmentRequestLogEntry) => boolean),
	): EnrichmentRequestLogEntry[];
	/** Every API request since start / reset, including those dropped from the log. */
	readonly totalRequests: number;
	/** Lookups that reached the lookup step (200 or 404), by 'domain|ROLE'. Cleared by reset(). */
	readonly lookups: ReadonlyMap<string, number>;
	lookupCount(domain: string, role: string): number;
	/** What a lookup answers (no request made, nothing counted); null for not found or invalid input. */
	expectedPerson(domain: string, role: string): EnrichResponse | null;
	/** The next `n` (default 1) accepted requests get `status` (default 500). */
	failNext(n?: number, status?: number): EnrichmentFaultState;
	setLatency(ms: number): EnrichmentFaultState;
	setFailureRate(rate: number): EnrichmentFaultState;
	setRateLimit(limits: Partial<EnrichmentLimits>): EnrichmentFaultState;
	setFaults(patch: EnrichmentFaultPatch): EnrichmentFaultState;
	/** Clears the log, counters, lookups and windows; faults and limits go back to the start options. */
	reset(): void;
	close(): Promise<void>;
}

export declare function startEnrichmentEmulator(
	opts?: StartEnrichmentEmulatorOptions,
): Promise<EnrichmentEmulator>;

/** Building blocks shared with the verifier emulator; not part of the enrichment API. */
export declare const internals: Record<string, unknown>;
