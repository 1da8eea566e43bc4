export type LumaSignatureScheme = 'luma' | 'standard' | 'legacy';

export declare const SIGNATURE_SCHEMES: LumaSignatureScheme[];

export interface SignLumaDeliveryOptions {
	/**
	 * - `luma`: `webhook-signature: t=<unix s>,v1=<hex HMAC-SHA256("<t>.<raw body>", secret)>`
	 * - `standard`: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
	 *   `webhook-signature: v1,<base64 HMAC-SHA256("<id>.<t>.<raw body>", base64decode(secret minus "whsec_"))>`)
	 * - `legacy`: `x-luma-signature: <hex HMAC-SHA256(raw body, secret)>`
	 */
	scheme?: LumaSignatureScheme;
	secret: string;
	/** Object (JSON-serialised once) or the exact raw string to sign. */
	body: unknown;
	/** Unix seconds; defaults to now. */
	timestamp?: number;
	/** Standard Webhooks message id; random when omitted. */
	id?: string;
}

export interface SignedDelivery {
	headers: Record<string, string>;
	/** The raw body that was signed; send exactly these bytes. */
	body: string;
}

export declare function signLumaDelivery(opts: SignLumaDeliveryOptions): SignedDelivery;

export interface SendLumaWebhookOptions {
	scheme?: LumaSignatureScheme;
	secret?: string;
	payload?: unknown;
	/** Raw string body (wins over payload). */
	body?: string;
	timestamp?: number;
	id?: string;
	/** Extra/override headers, applied after the signature headers. */
	headers?: Record<string, string>;
	/** Alter the body after signing, so the signature no longer matches. */
	tamper?: boolean;
	/** Send without any signature headers. */
	unsigned?: boolean;
}

export interface SendLumaWebhookResult {
	status: number;
	/** Parsed JSON when the response is JSON, else the text. */
	body: unknown;
	headers: Record<string, string>;
}

export declare function sendLumaWebhook(url: string, opts: SendLumaWebhookOptions): Promise<SendLumaWebhookResult>;

export interface SampleGuestRegisteredOptions {
	type?: string;
	email?: string;
	name?: string;
	firstName?: string;
	lastName?: string;
	eventId?: string;
	eventName?: string;
	eventUrl?: string;
	startAt?: string;
	endAt?: string;
	timezone?: string;
	calendarId?: string;
	guestId?: string;
	userId?: string;
	registeredAt?: string;
	phone?: string | null;
	utmSource?: string | null;
	approvalStatus?: string;
}

/** A guest as Luma's API and webhooks describe it (the emulator's LumaGuest extends this). */
export interface LumaGuestFields {
	id: string;
	user_id: string;
	user_email: string;
	user_name: string;
	user_first_name: string;
	user_last_name: string;
	approval_status: string;
	registered_at: string;
	phone_number: string | null;
	utm_source: string | null;
	event_tickets: unknown[];
}

export interface LumaGuestWebhookPayload {
	type: string;
	data: LumaGuestFields & {
		event: {
			id: string;
			name: string;
			start_at: string;
			end_at: string;
			timezone: string;
			url: string;
			calendar_id: string;
		};
	};
}

export declare function sampleGuestRegistered(opts?: SampleGuestRegisteredOptions): LumaGuestWebhookPayload;
