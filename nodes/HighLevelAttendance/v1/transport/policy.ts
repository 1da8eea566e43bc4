/**
 * HighLevel's (LeadConnector v2) API as the one client sees it: a burst limit per Private
 * Integration per location (100 per 10 s, reported in X-RateLimit-* headers), a daily budget
 * (a 429 with X-RateLimit-Daily-Remaining: 0, never retried), and the Version header.
 */
import type { ICredentialDataDecryptedObject, JsonObject } from 'n8n-workflow';

import type { AttemptError } from '../../../shared/transport/attempt';
import type { VendorPolicy } from '../../../shared/transport/policy';
import {
	rateLimitHeaders,
	STANDARD_RETRY,
	windowOrDailyLimit,
} from '../../../shared/transport/policy';
import { rateLimiterKey } from '../../../shared/transport/rateLimiter';

/** The credential type (see credentials/HighLevelAttendanceApi.credentials.ts for why it is not `highLevelApi`). */
export const CREDENTIAL_TYPE = 'highLevelAttendanceApi';
export const DEFAULT_BASE_URL = 'https://services.leadconnectorhq.com';
/** The `Version` header the v2 contact endpoints document (sent with every call). */
export const API_VERSION = '2021-07-28';
/** HighLevel: 100 requests per 10 seconds per Private Integration per location (burst limit). */
export const DEFAULT_REQUESTS_PER_10S = 100;
export const WINDOW_MS = 10_000;

export function requestsPer10s(credentials: ICredentialDataDecryptedObject): number {
	const raw = credentials.requestsPer10s;
	const value = raw === undefined || raw === '' ? DEFAULT_REQUESTS_PER_10S : Number(raw);
	if (!Number.isInteger(value) || value < 1)
		throw new Error('Requests per 10 Seconds must be a whole number of at least 1');
	return value;
}

export const locationIdOf = (credentials: ICredentialDataDecryptedObject) =>
	String(credentials.locationId ?? '').trim();

export const isDailyLimit = (error: AttemptError) =>
	error.status === 429 && error.headers['x-ratelimit-daily-remaining'] === '0';

export const highLevelPolicy: VendorPolicy = {
	vendor: 'HighLevel',
	credentialType: CREDENTIAL_TYPE,
	// The credential's `authenticate` sends the same headers, but as an expression evaluated per
	// request in n8n's expression isolate: every attendance webhook would build one.
	authHeaders: (credentials) => ({
		Authorization: `Bearer ${String(credentials.accessToken ?? '').trim()}`,
		Version: API_VERSION,
	}),
	// A webhook answers HighLevel's workflow: fail faster than the standard timeout and backoff.
	retry: {
		...STANDARD_RETRY,
		maxRateLimitRetries: 5,
		timeoutMs: 15_000,
		baseDelayMs: 250,
		maxDelayMs: 4_000,
	},
	baseUrl: (credentials) => String(credentials.baseUrl || DEFAULT_BASE_URL).trim(),
	budget: (credentials, baseUrl) => {
		const token = String(credentials.accessToken ?? '').trim();
		if (token === '') throw new Error('The HighLevel credential has no Private Integration token');
		const locationId = locationIdOf(credentials);
		if (locationId === '') throw new Error('The HighLevel credential has no Location ID');
		// The burst limit is per integration per location: one window per token + location.
		return {
			key: rateLimiterKey(`${baseUrl}/locations/${encodeURIComponent(locationId)}`, token),
			limit: requestsPer10s(credentials),
			windowMs: WINDOW_MS,
		};
	},
	accountLabel: (credentials) => `location ${locationIdOf(credentials)}`,
	// This client puts the token in the Authorization header itself: never let it into a message.
	secrets: (credentials) => [String(credentials.accessToken ?? '').trim()],
	rateHeaders: rateLimitHeaders('x-ratelimit'),
	...windowOrDailyLimit(isDailyLimit, 'x-ratelimit-interval-milliseconds', WINDOW_MS),
	// A string, or the list of messages a 422 carries.
	messageOf: (body: JsonObject | undefined) => {
		const message = body?.message;
		if (typeof message === 'string' && message !== '') return message;
		if (Array.isArray(message)) return message.map(String).join('; ');
		return undefined;
	},
	describe: (error, context) => {
		const server = error.serverMessage;
		const said = server ? ` HighLevel said: ${server}` : '';
		if (error.status === 401 && server !== undefined && /version header/i.test(server))
			return {
				message: `HighLevel rejected the API version header (401): ${server}`,
				description: `This node sends Version: ${API_VERSION}; a proxy in between may drop the header.`,
			};
		if (error.status === 401)
			return {
				message: 'HighLevel rejected the token (401): token revoked or invalid',
				description: `Create or rotate the Private Integration token (Settings › Private Integrations) and update the HighLevel credential.${said}`,
			};
		if (error.status === 403)
			return {
				message: `HighLevel refused access to ${context.account} (403): the token does not belong to this location or lacks a scope`,
				description: `Check the credential's Location ID and the Private Integration's scopes (contacts.readonly, contacts.write).${said}`,
			};
		if (isDailyLimit(error)) {
			const daily = error.headers['x-ratelimit-limit-daily'];
			return {
				message: `HighLevel daily API limit reached for ${context.account}${daily ? ` (${daily} requests per day)` : ''}: stopped without retrying`,
				description:
					'Every Private Integration of the location shares the daily counter. Items not yet tagged are reported as errors.',
			};
		}
		if (error.status === 429)
			return {
				message: `HighLevel kept rate-limiting (429) after ${context.retry.maxRateLimitRetries} retries`,
				description:
					"Another app may be using the same token and location. Lower 'Requests per 10 Seconds' in the credential to leave it room.",
			};
		return undefined;
	},
};
