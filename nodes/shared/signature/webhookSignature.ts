import { createHash, createHmac, timingSafeEqual } from 'crypto';

/**
 * Webhook signature schemes a Luma delivery may carry.
 * - luma:     `webhook-signature: t=<unix s>,v1=<hex>` over `<t>.<raw body>`, keyed with the whole secret string
 * - standard: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`)
 *             over `<id>.<timestamp>.<raw body>`, keyed with the base64 (or base64url) part of `whsec_…`
 * - legacy:   `x-luma-signature: <hex>` over the raw body; it has no timestamp, so a capture stays valid
 *             forever. Accepted only when chosen explicitly, never by auto-detection.
 */
export type SignatureScheme = 'luma' | 'standard' | 'legacy';

export const ALL_SCHEMES: readonly SignatureScheme[] = ['standard', 'luma', 'legacy'];

/** What "Auto" accepts: the timestamped schemes only, so no header can downgrade a delivery to legacy. */
export const AUTO_SCHEMES: readonly SignatureScheme[] = ['standard', 'luma'];

export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The longest replay window allowed: the replay cache must hold every delivery this long, twice over. */
export const MAX_TOLERANCE_SECONDS = 900;

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface VerifyOptions {
	rawBody: Buffer;
	headers: HeaderBag;
	/** One or more secrets; more than one lets an operator rotate without downtime. */
	secrets: string[];
	allowedSchemes: readonly SignatureScheme[];
	toleranceSeconds: number;
	nowSeconds?: number;
}

/** Why a delivery was rejected. For logs only: the HTTP reply must stay generic. */
export type RejectReason =
	| 'no_signature'
	| 'scheme_not_allowed'
	| 'malformed_header'
	| 'timestamp_out_of_tolerance'
	| 'signature_mismatch'
	| 'no_secret'
	| 'secret_not_decodable';

export type VerifyResult =
	| {
			valid: true;
			scheme: SignatureScheme;
			timestamp?: number;
			/** Taken from signed material only: a sender's retry of one message keeps it (standard). */
			deliveryId: string;
	  }
	| { valid: false; reason: RejectReason; scheme?: SignatureScheme };

function header(headers: HeaderBag, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return value.join(' ');
	return value === undefined ? undefined : String(value);
}

/** Decides the scheme from the headers present, before any secret is used. */
export function detectScheme(headers: HeaderBag): SignatureScheme | undefined {
	const signature = header(headers, 'webhook-signature');
	if (signature !== undefined) {
		if (/(^|,)\s*t=/.test(signature)) return 'luma';
		if (header(headers, 'webhook-id') !== undefined || /v1,/.test(signature)) return 'standard';
		return 'luma';
	}
	if (header(headers, 'x-luma-signature') !== undefined) return 'legacy';
	return undefined;
}

/** A tolerance within 1 s … MAX_TOLERANCE_SECONDS whatever was configured (an expression may give anything). */
export function clampTolerance(value: unknown): number {
	const seconds = Math.floor(Number(value));
	if (!Number.isFinite(seconds) || seconds < 1) return DEFAULT_TOLERANCE_SECONDS;
	return Math.min(seconds, MAX_TOLERANCE_SECONDS);
}

function hmac(key: Buffer | string, parts: Array<string | Buffer>): Buffer {
	const mac = createHmac('sha256', key);
	for (const part of parts) mac.update(part);
	return mac.digest();
}

const sha256 = (parts: Array<string | Buffer>) => {
	const hash = createHash('sha256');
	for (const part of parts) hash.update(part);
	return `sha256:${hash.digest('hex').slice(0, 32)}`;
};

/** Constant-time: every candidate is compared in full, whatever the earlier ones gave. */
function anyMatches(expected: Buffer, candidates: Buffer[]): boolean {
	let matched = false;
	for (const candidate of candidates) {
		if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
	}
	return matched;
}

const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

function decodeHex(value: string): Buffer | undefined {
	return HEX.test(value) && value.length % 2 === 0 ? Buffer.from(value, 'hex') : undefined;
}

/** Strict: one alphabet, a length base64 can have, and re-encoding gives the input back. */
function decodeBase64(value: string): Buffer | undefined {
	const unpadded = value.replace(/=+$/, '');
	if (unpadded.length === 0 || unpadded.length % 4 === 1) return undefined;
	const encoding = BASE64.test(value) ? 'base64' : BASE64URL.test(value) ? 'base64url' : undefined;
	if (encoding === undefined) return undefined;
	const decoded = Buffer.from(value, encoding);
	return decoded.toString(encoding).replace(/=+$/, '') === unpadded ? decoded : undefined;
}

/**
 * The Standard Webhooks key: the base64 or base64url payload after `whsec_` (or the whole secret
 * without the prefix). Undefined when it does not decode: such a secret is refused, never used as text.
 */
export function standardWebhooksKey(secret: string): Buffer | undefined {
	return decodeBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
}

/**
 * Why a configured secret cannot be used, or undefined. A `whsec_` secret must decode; any other is
 * the Luma scheme's key as written. Shown by the credential test, so it never repeats the secret.
 */
export function webhookSecretProblem(secret: string): string | undefined {
	// A template placeholder is public: anyone could sign with it.
	if (/^REPLACE_/i.test(secret))
		return 'The Webhook Signing Secret is still the template placeholder: paste the secret Luma shows for this webhook';
	if (secret.startsWith('whsec_') && standardWebhooksKey(secret) === undefined) {
		return 'The Webhook Signing Secret starts with whsec_ but the rest is not base64 or base64url: copy it again from Luma';
	}
	return undefined;
}

function withinTolerance(timestamp: number, now: number, tolerance: number): boolean {
	return Number.isSafeInteger(timestamp) && Math.abs(now - timestamp) <= tolerance;
}

function parseTimestamp(value: string): number {
	return /^\d{1,12}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

export function verifyWebhookSignature(options: VerifyOptions): VerifyResult {
	const { rawBody, headers, allowedSchemes } = options;
	const toleranceSeconds = clampTolerance(options.toleranceSeconds);
	const secrets = options.secrets.filter((s) => typeof s === 'string' && s.length > 0);
	const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);

	const scheme = detectScheme(headers);
	if (!scheme) return { valid: false, reason: 'no_signature' };
	if (!allowedSchemes.includes(scheme)) return { valid: false, reason: 'scheme_not_allowed', scheme };
	if (secrets.length === 0) return { valid: false, reason: 'no_secret', scheme };

	if (scheme === 'luma') {
		const signatureHeader = header(headers, 'webhook-signature') as string;
		let timestamp: number | undefined;
		const candidates: Buffer[] = [];
		for (const part of signatureHeader.split(',')) {
			const eq = part.indexOf('=');
			if (eq < 0) continue;
			const key = part.slice(0, eq).trim();
			const value = part.slice(eq + 1).trim();
			if (key === 't') timestamp = parseTimestamp(value);
			else if (key === 'v1') {
				const decoded = decodeHex(value);
				if (decoded) candidates.push(decoded);
			}
		}
		if (timestamp === undefined || Number.isNaN(timestamp) || candidates.length === 0) {
			return { valid: false, reason: 'malformed_header', scheme };
		}
		if (!withinTolerance(timestamp, now, toleranceSeconds)) {
			return { valid: false, reason: 'timestamp_out_of_tolerance', scheme };
		}
		const signedPrefix = `${timestamp}.`;
		const ok = secrets
			.map((secret) => anyMatches(hmac(secret, [signedPrefix, rawBody]), candidates))
			.includes(true);
		// The id is the signed content's hash: extra v1= entries or header spacing cannot change it.
		return ok
			? { valid: true, scheme, timestamp, deliveryId: sha256([signedPrefix, rawBody]) }
			: { valid: false, reason: 'signature_mismatch', scheme };
	}

	if (scheme === 'standard') {
		const id = header(headers, 'webhook-id');
		const timestampHeader = header(headers, 'webhook-timestamp');
		const signatureHeader = header(headers, 'webhook-signature') as string;
		if (!id || !timestampHeader) return { valid: false, reason: 'malformed_header', scheme };
		const timestamp = parseTimestamp(timestampHeader);
		// Several signatures are space-delimited, each `<version>,<base64>`; only v1 (HMAC) is ours.
		const candidates = signatureHeader
			.split(' ')
			.map((entry) => entry.trim())
			.filter((entry) => entry.startsWith('v1,'))
			.map((entry) => decodeBase64(entry.slice(3)))
			.filter((b): b is Buffer => b !== undefined);
		if (Number.isNaN(timestamp) || candidates.length === 0) {
			return { valid: false, reason: 'malformed_header', scheme };
		}
		if (!withinTolerance(timestamp, now, toleranceSeconds)) {
			return { valid: false, reason: 'timestamp_out_of_tolerance', scheme };
		}
		const keys = secrets.map(standardWebhooksKey).filter((k): k is Buffer => k !== undefined);
		if (keys.length === 0) return { valid: false, reason: 'secret_not_decodable', scheme };
		const prefix = `${id}.${timestampHeader.trim()}.`;
		const ok = keys.map((key) => anyMatches(hmac(key, [prefix, rawBody]), candidates)).includes(true);
		// webhook-id is part of the signed content, and a sender's retry of a message keeps it.
		return ok
			? { valid: true, scheme, timestamp, deliveryId: id }
			: { valid: false, reason: 'signature_mismatch', scheme };
	}

	const candidates = (header(headers, 'x-luma-signature') as string)
		.split(/[\s,]+/)
		.map((value) => decodeHex(value.replace(/^sha256=/i, '')))
		.filter((b): b is Buffer => b !== undefined);
	if (candidates.length === 0) return { valid: false, reason: 'malformed_header', scheme };
	const ok = secrets.map((secret) => anyMatches(hmac(secret, [rawBody]), candidates)).includes(true);
	return ok
		? { valid: true, scheme, deliveryId: sha256([rawBody]) }
		: { valid: false, reason: 'signature_mismatch', scheme };
}
