import type { RequestHold } from '../postgrest/requestHold';

export type { RequestHold };

export declare const DEFAULT_TOKEN: 'pit-e3a1c0de-0000-4000-8000-emulator0001';
export declare const DEFAULT_LOCATION_ID: 'emuLocationHL0000001';
/** The `Version` header value the v2 contact endpoints document. */
export declare const API_VERSION: '2021-07-28';
/** Versions accepted by default (HighLevel's Versioning page). */
export declare const PUBLISHED_VERSIONS: string[];
export declare const DEFAULT_LIMIT_PER_10S: 100;
export declare const DEFAULT_WINDOW_MS: 10000;
export declare const DEFAULT_DAILY_LIMIT: 200000;
/** The error messages the emulator answers with (see server.js for which are documented). */
export declare const MESSAGES: {
	invalidToken: string;
	versionMissing: string;
	versionInvalid: string;
	noLocationAccess: string;
	duplicateContact: string;
	tooManyRequests: string;
};
/** First 12 hex characters of the token's SHA-256: what the log stores instead of the token. */
export declare function fingerprint(token: string): string;

/** A contact as the API returns it. Fields the client sent are kept as they were sent. */
export interface HighLevelContact {
	id: string;
	locationId: string;
	email?: string;
	emailLowerCase?: string;
	phone?: string;
	firstName?: string;
	lastName?: string;
	name?: string;
	firstNameLowerCase?: string;
	lastNameLowerCase?: string;
	fullNameLowerCase?: string;
	companyName?: string;
	source?: string;
	type: string;
	dnd: boolean;
	/** Stored trimmed and lowercased (as HighLevel does), without duplicates, in insertion order. */
	tags: string[];
	customFields: unknown[];
	dateAdded: string;
	dateUpdated: string;
	[field: string]: unknown;
}

export interface ContactInput {
	id?: string;
	locationId?: string;
	email?: string;
	phone?: string;
	firstName?: string;
	lastName?: string;
	name?: string;
	tags?: string[];
	[field: string]: unknown;
}

export interface HighLevelFaults {
	/** Added to every API response. */
	latencyMs: number;
	/** Share of accepted requests answered 502 or 503 (seeded RNG). */
	errorRate5xx: number;
	/** The next N accepted requests get `status5xx` (they count against the limits). */
	force5xx: number;
	status5xx: number;
	/** The next N authenticated requests get 429 (not counted against the window). */
	force429: number;
}

export interface HighLevelLimits {
	/** Requests per window per token (HighLevel: 100 per 10 s per Private Integration). */
	limitPer10s: number;
	windowMs: number;
	/** Requests per UTC day per location (shared by every token of the location). */
	dailyLimit: number;
	/** Send `Retry-After` (seconds) on 429s. Off by default: HighLevel does not document it. */
	retryAfter: boolean;
}

export interface FaultPatch extends Partial<HighLevelFaults>, Partial<HighLevelLimits> {
	revokeToken?: string | string[];
	restoreToken?: string | string[];
}

export interface FaultState {
	faults: HighLevelFaults;
	limits: HighLevelLimits;
	revokedTokenFingerprints: string[];
}

export interface RequestLogEntry {
	seq: number;
	method: string;
	path: string;
	/** Query parameters; credential-like keys are replaced by "[redacted]". */
	query: Record<string, string>;
	/** The parsed JSON body, or `{unparsedBytes}` when it was not JSON. */
	body?: unknown;
	/** The `Version` header as sent. */
	version?: string;
	tokenFingerprint: string | null;
	/** The token's location, once the token was accepted. */
	locationId?: string;
	contactId?: string;
	status: number;
	time: number;
	durationMs: number;
	forced?: boolean;
	rateLimit?: 'burst' | 'daily';
}

export interface HighLevelCounters {
	/** Every API request, including the ones dropped from the capped log. */
	requests: number;
	accepted: number;
	rateLimited: number;
	dailyLimited: number;
	errors5xx: number;
	unauthorized: number;
	versionRejected: number;
	forbidden: number;
}

export interface HighLevelSnapshot {
	locationId: string;
	locations: Array<{ id: string; name: string }>;
	versions: string[];
	limits: HighLevelLimits;
	faults: HighLevelFaults;
	revokedTokenFingerprints: string[];
	counters: HighLevelCounters;
	daily: { day: string; used: Record<string, number> };
	contacts: HighLevelContact[];
	/** contact id -> tags, exactly as stored. */
	tags: Record<string, string[]>;
	log?: RequestLogEntry[];
}

export interface HighLevelState {
	readonly locationId: string;
	readonly counters: HighLevelCounters;
	readonly limits: HighLevelLimits;
	readonly faults: HighLevelFaults;
	/** The capped request log (oldest entries dropped past `logLimit`). */
	readonly log: RequestLogEntry[];
	snapshot(opts?: { includeLog?: boolean }): HighLevelSnapshot;
}

export interface StartHighLevelEmulatorOptions {
	/** 0 or omitted: a free port. */
	port?: number;
	host?: string;
	/** Private Integration tokens; a plain string belongs to `locationId`. Default [DEFAULT_TOKEN]. */
	tokens?: Array<string | { token: string; locationId?: string }>;
	/** The default location (sub-account). Default DEFAULT_LOCATION_ID. */
	locationId?: string;
	locationName?: string;
	locationNames?: Record<string, string>;
	/** Default 100. */
	limitPer10s?: number;
	/** Default 10000. */
	windowMs?: number;
	/** Default 200000. */
	dailyLimit?: number;
	retryAfter?: boolean;
	/** Accepted `Version` values. Default PUBLISHED_VERSIONS; pass [API_VERSION] to be strict. */
	versions?: string[];
	/** Location setting "Allow Duplicate Contact" (default false: POST /contacts/ rejects a duplicate). */
	allowDuplicateContact?: boolean;
	/** Store tags lowercased (default true, as HighLevel does). */
	lowercaseTags?: boolean;
	/** Request log entries kept (default 100000). */
	logLimit?: number;
	seed?: number;
}

export interface HighLevelEmulator {
	url: string;
	port: number;
	host: string;
	locationId: string;
	defaultToken: string;
	state: HighLevelState;
	/** Stores a contact directly (tags normalized), outside the limits and the log. */
	seedContact(contact: ContactInput): HighLevelContact;
	/** The contact's tags exactly as stored, or undefined for an unknown id. */
	tagsOf(contactId: string): string[] | undefined;
	contact(contactId: string): HighLevelContact | undefined;
	contacts(): HighLevelContact[];
	requests(
		filter?: Partial<RequestLogEntry> | ((entry: RequestLogEntry) => boolean),
	): RequestLogEntry[];
	/**
	 * Holds matching requests (logged, not yet answered) until `release()`; `reset()` releases too.
	 * `reached(n)` resolves once n of them wait at the same time.
	 */
	hold(filter?: Partial<RequestLogEntry> | ((entry: RequestLogEntry) => boolean)): RequestHold;
	setFaults(patch: FaultPatch): FaultState;
	reset(): void;
	close(): Promise<void>;
}

export declare function startHighLevelEmulator(
	opts?: StartHighLevelEmulatorOptions,
): Promise<HighLevelEmulator>;
