/** A 64-character key (the docs give api_key as string(64)). */
export declare const DEFAULT_API_KEY: string;
export declare const DEFAULT_LIMIT_PER_SECOND: 20;
/** Not documented by WebinarJam; the emulator's default page size of /registrants. */
export declare const DEFAULT_PER_PAGE: 100;
export declare const PRODUCTS: ['webinarjam', 'everwebinar'];
/** The 12-hex SHA-256 fingerprint the log and state use instead of a key. */
export declare function fingerprint(key: string): string;

export type WebinarJamProduct = 'webinarjam' | 'everwebinar';
export type YesNo = 'Yes' | 'No';

/** One entry of `webinar.schedules` in POST /webinar. */
export interface WebinarSchedule {
	/** "YYYY-MM-DD HH:MM" in the webinar's time zone. */
	date: string;
	schedule: number;
	comment: string;
}

/** POST /webinar → `webinar`. EverWebinar webinars have no `type`. */
export interface WebinarDetails {
	webinar_id: number;
	webinar_hash: string;
	name: string;
	title: string;
	description: string;
	type?: string;
	schedules: WebinarSchedule[];
	/** IANA name (or the GMT offset passed to EverWebinar's /webinar). */
	timezone: string;
	presenters: Array<{ name: string; email: string; picture: string }>;
	registration_url: string;
	registration_type: string;
	registration_fee: number;
	direct_live_room_url: string;
	direct_replay_room_url: string;
}

/** POST /webinars → `webinars[]`: schedules are description strings here. */
export interface WebinarSummary {
	webinar_id: number;
	webinar_hash: string;
	name: string;
	title: string;
	description: string;
	type?: string;
	schedules: string[];
	timezone: string;
}

/** A registrant as POST /registrants serves it (documented field names, plus `id` and `lead_id`). */
export interface WebinarJamRegistrant {
	id: number;
	lead_id: number;
	first_name: string;
	/** Only when the webinar asks for it. */
	last_name?: string;
	phone_country_code?: string;
	phone?: string;
	email: string;
	ip: string;
	/** The webinar's name. */
	webinar: string;
	schedule: number;
	/** "YYYY-MM-DD HH:MM:SS" in the webinar's time zone. */
	signup_date: string;
	attended_live: YesNo;
	/** "" when attended_live is "No". */
	date_live: string;
	/** "HH:MM:SS" after the start, "" when not attended. */
	entered_live: string;
	/** "HH:MM:SS" in the room, "" when not attended. */
	time_live: string;
	purchased_live: YesNo;
	/** "0" or "97.00". */
	revenue_live: string;
	attended_replay: YesNo;
	date_replay: string;
	time_replay: string;
	purchased_replay: YesNo;
	revenue_replay: string;
	subscribed: 0 | 1;
	gdpr_status: number;
	gdpr_communications: number;
	gdpr_status_date: string | null;
	gdpr_status_ip: string | null;
	twilio_consented_at: string | null;
	utm_source: string | null;
	utm_medium: string | null;
	utm_campaign: string | null;
	utm_term: string | null;
	utm_content: string | null;
	live_room: string;
	replay_room: string;
	unsubscribe: string;
}

/** POST /registrants → `registrants` (a Laravel paginator). */
export interface RegistrantsPage {
	current_page: number;
	data: WebinarJamRegistrant[];
	first_page_url: string;
	from: number | null;
	last_page: number;
	last_page_url: string;
	next_page_url: string | null;
	path: string;
	per_page: number;
	prev_page_url: string | null;
	to: number | null;
	total: number;
}

/** POST /register → `user`. */
export interface RegisteredUser {
	webinar_id: number;
	webinar_hash: string;
	/** The registrant's `id` in /registrants. */
	user_id: number;
	first_name: string;
	last_name?: string;
	phone_country_code?: string;
	phone?: string;
	email: string;
	password: null;
	/** A string here, as in published example responses. */
	schedule: string;
	date: string;
	timezone: string;
	live_room_url: string;
	replay_room_url: string;
	thank_you_url: string;
}

/** The error body (not documented by WebinarJam; see the header of server.js). */
export interface WebinarJamErrorBody {
	status: 'error';
	message: string;
	/** 422 only: Laravel-style field errors. */
	errors?: Record<string, string[]>;
}

export interface SeedWebinar {
	webinar_id?: number;
	/** Default 'webinarjam'. A webinar is served only under its product's prefix. */
	product?: WebinarJamProduct;
	name: string;
	title?: string;
	description?: string;
	type?: string;
	webinar_hash?: string;
	/** IANA time zone, e.g. "America/New_York" (default). */
	timezone?: string;
	/** `date` "YYYY-MM-DD HH:MM" in `timezone`; entries sharing a schedule id form a series. */
	schedules: Array<{ schedule?: number; date: string; comment?: string }>;
	presenters?: Array<{ name: string; email: string; picture: string }>;
	registration_type?: string;
	registration_fee?: number;
	/** Which optional registration fields the webinar asks for (both default true). */
	fields?: { last_name?: boolean; phone?: boolean };
}

/**
 * A registrant to seed, with the API's field names and loose values: attended_* / purchased_* as
 * "Yes"/"No"/boolean, durations "HH:MM:SS", revenue "97.00", dates "YYYY-MM-DD HH:MM[:SS]" in the
 * webinar's time zone (or ISO with offset). A value that does not parse is served raw, as given.
 */
export interface SeedRegistrant {
	webinar_id: number;
	/** Default: the webinar's first schedule. */
	schedule?: number;
	/** The session start (default: that schedule's date). date_range filters on it. */
	event?: string | Date;
	email: string;
	first_name?: string;
	last_name?: string;
	phone_country_code?: string;
	phone?: string;
	ip?: string;
	signup_date?: string | Date;
	attended_live?: YesNo | boolean;
	entered_live?: string;
	time_live?: string;
	purchased_live?: YesNo | boolean;
	revenue_live?: string | number;
	attended_replay?: YesNo | boolean;
	date_replay?: string | Date;
	time_replay?: string;
	purchased_replay?: YesNo | boolean;
	revenue_replay?: string | number;
	subscribed?: boolean | 0 | 1;
	utm_source?: string | null;
	utm_medium?: string | null;
	utm_campaign?: string | null;
	utm_term?: string | null;
	utm_content?: string | null;
	[field: string]: unknown;
}

export interface SeedData {
	webinars?: SeedWebinar[];
	registrants?: SeedRegistrant[];
}

export interface SeedResult {
	webinars: WebinarDetails[];
	registrants: WebinarJamRegistrant[];
}

export interface GenerateOptions {
	/** Default: the first webinar. */
	webinarId?: number;
	/** Default: the webinar's first schedule. */
	scheduleId?: number;
	/** Default 1000. */
	count?: number;
	/** Share that attended live (default 0.4); ~20% of the rest watch the replay. */
	attendedShare?: number;
	/** RNG seed (default 42): the same seed gives the same registrants. */
	seed?: number;
}

export interface GenerateResult {
	webinar_id: number;
	schedule: number;
	count: number;
	firstId: number;
	lastId: number;
}

/** Patch with API field names (see SeedRegistrant); ids, webinar_id and webinar cannot change. */
export type RegistrantPatch = Partial<Omit<SeedRegistrant, 'webinar_id' | 'email'>> & {
	email?: string;
};

export interface WebinarJamFaults {
	/** The next N accepted-auth API calls get 429. */
	force429: number;
	/** The next N calls past the rate limit get `status5xx`. */
	force5xx: number;
	status5xx: number;
	/** Share of calls answered 503 (seeded RNG). */
	errorRate5xx: number;
	/** Added before every API response. */
	latencyMs: number;
}

export interface FaultPatch extends Partial<WebinarJamFaults> {
	/** Calls with this key get 401 until restored. */
	revokeKey?: string;
	restoreKey?: string;
	limitPerSecond?: number;
	perPage?: number;
	/** Seconds of a Retry-After header on 429s; 0 turns it off again. */
	retryAfter?: number;
}

export interface WebinarJamLimits {
	limitPerSecond: number;
	perPage: number;
	/** Seconds of the Retry-After header on 429s; 0 (default): none, as WebinarJam documents none. */
	retryAfter: number;
}

export interface RequestLogEntry {
	seq: number;
	method: string;
	/** Without the query string. */
	path: string;
	product: WebinarJamProduct | null;
	endpoint: 'webinars' | 'webinar' | 'registrants' | 'register' | null;
	/** Query and form parameters merged (body wins), without api_key. */
	params: Record<string, string>;
	apiKeyFingerprint: string | null;
	apiKeySource: 'body' | 'query' | null;
	contentType: string | null;
	status: number;
	time: number;
	durationMs?: number;
	/** A non-form body was sent and its fields were not read. */
	bodyIgnored?: boolean;
	/** Parameters the endpoint does not document (ignored, as the API does). */
	ignoredParams?: string[];
	error?: string;
	/** The response came from a fault switch. */
	forced?: boolean;
	page?: number;
	resultCount?: number;
	total?: number;
	/** register: a new registration (false: the existing one was returned). */
	created?: boolean;
	userId?: number;
}

export interface StartWebinarJamEmulatorOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	host?: string;
	/** Valid keys (default [DEFAULT_API_KEY]). */
	apiKeys?: string[];
	/** Calls per second per key (default 20, as documented). */
	limitPerSecond?: number;
	/** /registrants page size (default 100). */
	perPage?: number;
	/** Send `Retry-After: <seconds>` on 429s (default 0: no header; WebinarJam documents none). */
	retryAfter?: number;
	/** RNG seed for errorRate5xx (default 1). */
	seed?: number;
	/** The clock for date_range and registration dates (default: real time). */
	now?: () => Date;
	/** Initial data, restored by reset(); default: a small demo set; null: empty. */
	data?: SeedData | null;
}

export interface WebinarJamEmulator {
	url: string;
	port: number;
	/** `${url}/webinarjam`: the emulator's stand-in for https://api.webinarjam.com/webinarjam. */
	webinarJamUrl: string;
	/** `${url}/everwebinar`. */
	everWebinarUrl: string;
	defaultKey: string;
	state: unknown;
	/** Back to the initial data; clears the log, faults, limits and rate windows. */
	reset(): void;
	setFaults(patch: FaultPatch): { faults: WebinarJamFaults; limits: WebinarJamLimits };
	requests(filter?: Partial<RequestLogEntry>): RequestLogEntry[];
	seed(data: SeedData): SeedResult;
	generate(options?: GenerateOptions): GenerateResult;
	/** As served (all webinars, or one); renders every row, so keep it for small sets. */
	registrants(filter?: { webinar_id?: number; schedule?: number }): WebinarJamRegistrant[];
	registrantCount(): number;
	updateRegistrant(id: number, patch: RegistrantPatch): WebinarJamRegistrant;
	/** What GET /__emulator/state returns. */
	snapshot(options?: { full?: boolean; includeLog?: boolean }): unknown;
	close(): Promise<void>;
}

export declare function startWebinarJamEmulator(
	opts?: StartWebinarJamEmulatorOptions,
): Promise<WebinarJamEmulator>;
