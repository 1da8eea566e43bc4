import type { LumaGuestFields, LumaSignatureScheme, SampleGuestRegisteredOptions, SendLumaWebhookResult } from './webhookSender';

export { signLumaDelivery } from './webhookSender';

export declare const DEFAULT_API_KEY: 'luma_test_key';
export declare const DEFAULT_CALENDAR_ID: string;
export declare const WEBHOOK_EVENT_TYPES: string[];

export interface LumaUser {
	api_id: string;
	name: string;
	email: string;
}

export interface LumaEvent {
	id: string;
	name: string;
	start_at: string;
	end_at: string;
	timezone: string;
	url: string;
	calendar_id: string;
	created_at: string;
	visibility: string;
	[key: string]: unknown;
}

export interface LumaGuest extends LumaGuestFields {
	[key: string]: unknown;
}

export interface LumaWebhook {
	id: string;
	url: string;
	event_types: string[];
	status: string;
	/** Only returned by create (and kept in emulator state for send-webhook). */
	secret: string;
	created_at: string;
}

export interface EmulatorFaults {
	/** The next n API requests get 429 + Retry-After: retryAfterSeconds. */
	force429: number;
	/** The next n API requests get status5xx (default 500). */
	force5xx: number;
	status5xx: number;
	/** The next n API requests that succeed are applied, then answered status5xx (a create that was made). */
	force5xxAfterApply: number;
	/** The next n API requests that succeed are applied and never answered (the socket stays open). */
	hang: number;
	/** When set, force5xxAfterApply and hang only count requests to this path (e.g. '/v2/webhooks/create'). */
	faultPath: string | null;
	/** The next n API requests have their socket destroyed without a response. */
	dropConnections: number;
	/** Added before every API response. */
	latencyMs: number;
	/** Retry-After used for forced 429s (seconds, default 1). */
	retryAfterSeconds: number;
}

export interface EmulatorFaultsInput extends Partial<EmulatorFaults> {
	/** Replaces the set of revoked keys; requests with them get 401. */
	revokedKeys?: string[];
	/** Changes the rate limit at runtime. */
	rateLimitPerMinute?: number;
	windowMs?: number;
}

export interface EmulatorFaultsSnapshot extends EmulatorFaults {
	revokedKeys: string[];
	rateLimitPerMinute: number;
	windowMs: number;
}

export interface RequestLogEntry {
	/** 1-based arrival order. */
	seq: number;
	method: string;
	path: string;
	query: Record<string, string>;
	/** Request headers minus x-luma-api-key / authorization / cookie. */
	headers: Record<string, string | string[] | undefined>;
	/** First 12 hex chars of sha256(api key), or null when no key was sent. */
	keyFingerprint: string | null;
	/** 0 while in flight or when the connection was dropped. */
	status: number;
	/** Arrival time, epoch ms. */
	time: number;
	durationMs?: number;
	body?: string;
	/** True for responses produced by force429 / force5xx. */
	forced?: boolean;
	dropped?: boolean;
	/** True for a request the hang switch left unanswered. */
	hung?: boolean;
}

export interface WebhookDeliveryRecord {
	webhookId: string;
	url: string;
	scheme: LumaSignatureScheme;
	type: string;
	status: number;
	time: number;
}

export interface SeedInput {
	/** A count of generated events, or partial events (missing fields are filled in). */
	events?: number | Array<Partial<LumaEvent>>;
	/** Guests to add to each event created by this same seed call. */
	guestsPerEvent?: number;
	/** Guests per existing event id: a count or partial guests. */
	guests?: Record<string, number | Array<Partial<LumaGuest>>>;
	/** Extra valid API keys. */
	apiKeys?: string[];
	webhooks?: Array<Partial<LumaWebhook> & { url: string; event_types: string[] }>;
	user?: Partial<LumaUser>;
}

export interface SeedResult {
	events: LumaEvent[];
	guests: Record<string, LumaGuest[]>;
	webhooks: LumaWebhook[];
	apiKeys: string[];
}

export interface SendWebhookInput {
	webhookId: string;
	/** Payload to deliver; defaults to sampleGuestRegistered(sample). */
	payload?: unknown;
	sample?: SampleGuestRegisteredOptions;
	/** Default 'luma'. */
	scheme?: LumaSignatureScheme;
	timestamp?: number;
	messageId?: string;
	tamper?: boolean;
	/** Deliver even if the webhook is not subscribed to payload.type. */
	force?: boolean;
}

export interface SendWebhookResult extends SendLumaWebhookResult {
	delivered: WebhookDeliveryRecord;
	payload: unknown;
}

export interface LumaEmulatorSnapshot {
	faults: EmulatorFaultsSnapshot;
	rateLimit: { limit: number; windowMs: number };
	user: LumaUser;
	apiKeys: Array<{ fingerprint: string; revoked: boolean }>;
	events: LumaEvent[];
	guests: Record<string, LumaGuest[]>;
	webhooks: LumaWebhook[];
	deliveries: WebhookDeliveryRecord[];
	log?: RequestLogEntry[];
}

export interface LumaEmulatorState {
	apiKeys: Map<string, { calendarId: string }>;
	revokedKeys: Set<string>;
	user: LumaUser;
	events: Map<string, LumaEvent>;
	guestsByEvent: Map<string, LumaGuest[]>;
	webhooks: Map<string, LumaWebhook>;
	faults: EmulatorFaults;
	rateLimit: { limit: number; windowMs: number };
	/** Live array (cleared in place by reset()). */
	log: RequestLogEntry[];
	deliveries: WebhookDeliveryRecord[];
	reset(): void;
	seed(input: SeedInput): SeedResult;
	setFaults(input: EmulatorFaultsInput): EmulatorFaultsSnapshot;
	snapshot(opts?: { includeLog?: boolean }): LumaEmulatorSnapshot;
}

export interface LumaEmulator {
	/** http://127.0.0.1:<port>, no trailing slash. */
	url: string;
	port: number;
	state: LumaEmulatorState;
	defaultApiKey: string;
	/** Back to a fresh state: default key only, no data, no faults, log cleared. */
	reset(): void;
	seed(input: SeedInput): SeedResult;
	setFaults(input: EmulatorFaultsInput): EmulatorFaultsSnapshot;
	/** Signs with the webhook's secret and POSTs to its url, like Luma would. */
	sendWebhook(input: SendWebhookInput): Promise<SendWebhookResult>;
	/** Request log, optionally filtered by exact field values, e.g. { path: '/v1/events/get' }. */
	requests(filter?: Partial<Pick<RequestLogEntry, 'method' | 'path' | 'status'>>): RequestLogEntry[];
	close(): Promise<void>;
}

export interface StartLumaEmulatorOptions {
	/** 0 / omitted = random free port. */
	port?: number;
	host?: string;
	/** Accepted requests per key per window (default 200). */
	rateLimitPerMinute?: number;
	/** Window length in ms (default 60 000). */
	windowMs?: number;
}

export declare function startLumaEmulator(opts?: StartLumaEmulatorOptions): Promise<LumaEmulator>;
