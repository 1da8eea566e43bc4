/**
 * WebinarJam's API as the one client sees it: form-encoded POSTs with the key in the body, "a
 * hardcoded limit of 20 API calls per second per user", errors that may come as HTTP 200 with
 * `status: "error"`, and no documented Retry-After.
 */
import type { ICredentialDataDecryptedObject, JsonObject } from 'n8n-workflow';

import type { VendorPolicy } from '../../../shared/transport/policy';
import { STANDARD_RETRY } from '../../../shared/transport/policy';
import { rateLimiterKey } from '../../../shared/transport/rateLimiter';

export const API_ORIGIN = 'https://api.webinarjam.com';
/** WebinarJam: "a hardcoded limit of 20 API calls per second per user". */
export const CALLS_PER_SECOND = 20;
export const WINDOW_MS = 1000;
/** When a 429 names no Retry-After (WebinarJam documents none), wait one window. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

/** WebinarJam base URL for a credential: the override, or api.webinarjam.com/<product>. */
export function baseUrlOf(credentials: ICredentialDataDecryptedObject): string {
	const product = String(credentials.product || 'webinarjam');
	const override = String(credentials.baseUrl ?? '').trim();
	return (override || `${API_ORIGIN}/${product}`).replace(/\/+$/, '');
}

/**
 * What an answer with `status: "error"` (HTTP 200 or not) stands for. WebinarJam's error bodies are
 * not documented, so the message decides: a key problem is a 401, throttling a 429, a missing
 * webinar a 404, anything else a 400 (not retried).
 */
export function statusForApiError(message: string): number {
	if (/api[ _-]?key|unauthori[sz]ed|authenticat|not allowed|forbidden/i.test(message)) return 401;
	if (/too many|rate.?limit|throttl/i.test(message)) return 429;
	if (/not found|does not exist|unknown webinar/i.test(message)) return 404;
	return 400;
}

const messageOf = (body: JsonObject | undefined) =>
	typeof body?.message === 'string' && body.message !== '' ? body.message : undefined;

/** `field: message` for each field WebinarJam's validation errors name. */
function fieldErrors(body: JsonObject | undefined): string {
	const errors = body?.errors;
	if (!errors || typeof errors !== 'object') return '';
	return Object.entries(errors as Record<string, unknown>)
		.map(([field, messages]) => `${field}: ${[messages].flat().join(' ')}`)
		.join('; ');
}

export const webinarJamPolicy: VendorPolicy = {
	vendor: 'WebinarJam',
	credentialType: 'webinarJamApi',
	// A page of 100 registrants can be slow to come, and a long sync may wait out longer throttling.
	retry: { ...STANDARD_RETRY, timeoutMs: 60_000, maxRateLimitWaitMs: 120_000 },
	baseUrl: (credentials) => {
		const url = baseUrlOf(credentials);
		if (!/^https?:\/\//i.test(url))
			throw new Error(`The WebinarJam credential's Base URL "${url}" is not an http(s) URL`);
		return url;
	},
	budget: (credentials, baseUrl) => {
		const apiKey = String(credentials.apiKey ?? '').trim();
		if (apiKey === '') throw new Error('The WebinarJam credential has no API key');
		// "Per user": one window per key, whichever product or path it calls.
		return {
			key: rateLimiterKey(new URL(baseUrl).origin, apiKey),
			limit: CALLS_PER_SECOND,
			windowMs: WINDOW_MS,
		};
	},
	isRateLimited: (error) => error.status === 429,
	isFatal: (error) => error.status === 401 || error.status === 403,
	rateLimitWaitMs: () => DEFAULT_RATE_LIMIT_WAIT_MS,
	messageOf,
	statusOfErrorBody: (body) =>
		body.status === 'error' ? statusForApiError(messageOf(body) ?? '') : undefined,
	secrets: (credentials) => [String(credentials.apiKey ?? '').trim()],
	// The product names the API the key belongs to: the first thing to check after a 401.
	accountLabel: (credentials) => String(credentials.product || 'webinarjam'),
	describe: (error, context) => {
		const server = error.serverMessage;
		if (error.status === 401 || error.status === 403)
			return {
				message: `WebinarJam rejected the API key (${error.status})`,
				description: `Check the API key and the Product (${context.account}) in the WebinarJam credential; the key may be wrong or revoked.${server ? ` WebinarJam said: ${server}` : ''}`,
			};
		if (error.status === 429)
			return {
				description:
					'Another app or workflow may be using the same API key; WebinarJam allows 20 calls per second per key.',
			};
		const fields = fieldErrors(error.body);
		if (fields !== '' && (error.status ?? 0) < 500) return { description: fields };
		return undefined;
	},
};
