/**
 * HubSpot's webhook signatures (developers.hubspot.com › Validating requests):
 * - v3: `X-HubSpot-Signature-v3` = base64 HMAC-SHA256, keyed with the app's client secret, of
 *       method + URI + raw body + `X-HubSpot-Request-Timestamp` (ms); older than 5 minutes: refused.
 * - v2: `X-HubSpot-Signature` = hex SHA-256 of secret + method + URI + raw body (no timestamp).
 * - v1: `X-HubSpot-Signature` = hex SHA-256 of secret + raw body (no timestamp, no URI).
 * v1 and v2 carry no time, so a captured delivery stays valid: accepted only when chosen.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import type { HeaderBag } from '../shared/signature/webhookSignature';

export type HubSpotSignatureVersion = 'v3' | 'v2' | 'v1';

export const MAX_AGE_MS = 5 * 60 * 1000;

export type HubSpotReject =
	| 'no_signature'
	| 'version_not_allowed'
	| 'malformed_header'
	| 'stale_timestamp'
	| 'signature_mismatch'
	| 'no_secret';

export type HubSpotVerifyResult =
	| { valid: true; version: HubSpotSignatureVersion; timestamp?: number }
	| { valid: false; reason: HubSpotReject; version?: HubSpotSignatureVersion };

export interface HubSpotVerifyOptions {
	method: string;
	/** Every URI the delivery may have been signed for (the public URL as HubSpot calls it). */
	uris: string[];
	rawBody: Buffer;
	headers: HeaderBag;
	secrets: string[];
	allowed: readonly HubSpotSignatureVersion[];
	now?: number;
}

function header(headers: HeaderBag, name: string): string | undefined {
	const value = headers[name.toLowerCase()] ?? headers[name];
	if (Array.isArray(value)) return value[0];
	return value === undefined ? undefined : String(value);
}

/** HubSpot decodes these before signing v3, so the same decoding is applied here. */
const DECODED: Array<[RegExp, string]> = [
	[/%3A/gi, ':'],
	[/%2F/gi, '/'],
	[/%3F/gi, '?'],
	[/%40/gi, '@'],
	[/%21/gi, '!'],
	[/%24/gi, '$'],
	[/%27/gi, "'"],
	[/%28/gi, '('],
	[/%29/gi, ')'],
	[/%2A/gi, '*'],
	[/%2C/gi, ','],
	[/%3B/gi, ';'],
];

export function decodeUri(uri: string): string {
	return DECODED.reduce((text, [pattern, char]) => text.replace(pattern, char), uri);
}

function sameBytes(expected: Buffer, given: Buffer): boolean {
	return expected.length === given.length && timingSafeEqual(expected, given);
}

export function verifyHubSpotSignature(options: HubSpotVerifyOptions): HubSpotVerifyResult {
	const secrets = options.secrets.filter((s) => typeof s === 'string' && s.length > 0);
	const v3 = header(options.headers, 'x-hubspot-signature-v3');
	const legacy = header(options.headers, 'x-hubspot-signature');
	const method = options.method.toUpperCase();
	const uris = [...new Set(options.uris.map(decodeUri))];

	if (v3 !== undefined) {
		if (!options.allowed.includes('v3'))
			return { valid: false, reason: 'version_not_allowed', version: 'v3' };
		const stamp = header(options.headers, 'x-hubspot-request-timestamp') ?? '';
		const given = Buffer.from(v3.trim(), 'base64');
		if (!/^\d{10,16}$/.test(stamp.trim()) || given.length !== 32)
			return { valid: false, reason: 'malformed_header', version: 'v3' };
		const timestamp = Number(stamp.trim());
		// Older than five minutes is refused, as HubSpot says; so is a time more than five minutes ahead.
		if (Math.abs((options.now ?? Date.now()) - timestamp) > MAX_AGE_MS)
			return { valid: false, reason: 'stale_timestamp', version: 'v3' };
		if (secrets.length === 0) return { valid: false, reason: 'no_secret', version: 'v3' };
		let ok = false;
		for (const secret of secrets)
			for (const uri of uris) {
				const expected = createHmac('sha256', secret)
					.update(method)
					.update(uri)
					.update(options.rawBody)
					.update(stamp.trim())
					.digest();
				if (sameBytes(expected, given)) ok = true;
			}
		return ok
			? { valid: true, version: 'v3', timestamp }
			: { valid: false, reason: 'signature_mismatch', version: 'v3' };
	}

	if (legacy !== undefined) {
		const declared = (header(options.headers, 'x-hubspot-signature-version') ?? 'v1')
			.trim()
			.toLowerCase();
		const version: HubSpotSignatureVersion = declared === 'v2' ? 'v2' : 'v1';
		if (!options.allowed.includes(version))
			return { valid: false, reason: 'version_not_allowed', version };
		if (!/^[0-9a-f]{64}$/i.test(legacy.trim()))
			return { valid: false, reason: 'malformed_header', version };
		if (secrets.length === 0) return { valid: false, reason: 'no_secret', version };
		const given = Buffer.from(legacy.trim(), 'hex');
		let ok = false;
		for (const secret of secrets)
			for (const uri of version === 'v2' ? uris : ['']) {
				const hash = createHash('sha256').update(secret);
				if (version === 'v2') hash.update(method).update(uri);
				if (sameBytes(hash.update(options.rawBody).digest(), given)) ok = true;
			}
		return ok ? { valid: true, version } : { valid: false, reason: 'signature_mismatch', version };
	}
	return { valid: false, reason: 'no_signature' };
}

/** Why a configured client secret cannot be used, or undefined (for the credential test). */
export function clientSecretProblem(secret: string): string | undefined {
	if (secret.trim() === '') return 'The Client Secret is empty';
	if (/^REPLACE_|^<|changeme/i.test(secret))
		return 'The Client Secret is still a placeholder: paste the one HubSpot shows under your app › Auth';
	if (secret !== secret.trim()) return 'The Client Secret has spaces around it: copy it again';
	if (secret.length < 16) return 'The Client Secret is too short to be a HubSpot app secret';
	return undefined;
}
