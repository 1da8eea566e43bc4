/** Luma's public API as the one client sees it: a key per calendar, about 200 calls a minute. */
import type { ICredentialDataDecryptedObject, JsonObject } from 'n8n-workflow';

import type { VendorPolicy } from '../../../shared/transport/policy';
import { rateLimiterKey } from '../../../shared/transport/rateLimiter';

export const DEFAULT_BASE_URL = 'https://public-api.luma.com';
export const DEFAULT_REQUESTS_PER_MINUTE = 200;
export const DEFAULT_TIMEOUT_SECONDS = 30;
const WINDOW_MS = 60_000;

/** The credential's "Requests per Minute": every Luma node and execution on the key shares it. */
export function requestsPerMinute(credentials: ICredentialDataDecryptedObject): number {
	const raw = credentials.requestsPerMinute;
	const value = raw === undefined || raw === '' ? DEFAULT_REQUESTS_PER_MINUTE : Number(raw);
	if (!Number.isInteger(value) || value < 1)
		throw new Error(
			'Requests per Minute in the Luma credential must be a whole number of at least 1',
		);
	return value;
}

/** The credential's "Timeout (Seconds)": how long one call may go unanswered. */
export function timeoutMs(credentials: ICredentialDataDecryptedObject): number {
	const raw = credentials.timeoutSeconds;
	const value = raw === undefined || raw === '' ? DEFAULT_TIMEOUT_SECONDS : Number(raw);
	if (!Number.isFinite(value) || value <= 0)
		throw new Error('Timeout in the Luma credential must be a number of seconds above 0');
	return value * 1000;
}

export const lumaPolicy: VendorPolicy = {
	vendor: 'Luma',
	credentialType: 'lumaApi',
	// The credential's `authenticate` sends the same header, but as an expression evaluated per request.
	authHeaders: (credentials) => ({ 'x-luma-api-key': String(credentials.apiKey ?? '').trim() }),
	retry: {
		maxRateLimitRetries: 4,
		maxServerErrorTries: 5,
		timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000,
		baseDelayMs: 500,
		maxDelayMs: 10_000,
		// Waiting longer than this inside one execution is worse than failing and letting the user retry.
		maxRateLimitWaitMs: 120_000,
	},
	credentialRetry: (credentials) => ({ timeoutMs: timeoutMs(credentials) }),
	baseUrl: (credentials) => String(credentials.baseUrl || DEFAULT_BASE_URL).trim(),
	budget: (credentials, baseUrl) => ({
		key: rateLimiterKey(baseUrl, String(credentials.apiKey ?? '')),
		limit: requestsPerMinute(credentials),
		windowMs: WINDOW_MS,
	}),
	isRateLimited: (error) => error.status === 429,
	isFatal: (error) => error.status === 401 || error.status === 403,
	// Luma documents no Retry-After; a tenth of the window lets the minute's budget recover.
	rateLimitWaitMs: () => WINDOW_MS / 10,
	messageOf: (body: JsonObject | undefined) =>
		typeof body?.message === 'string' && body.message !== '' ? body.message : undefined,
	describe: (error) => {
		if (error.status === 401)
			return {
				message: 'Luma rejected the API key (401)',
				description: 'Check the API key in the Luma credential; it may be wrong or revoked.',
			};
		if (error.status === 403) return { message: 'Luma denied access to this resource (403)' };
		if (error.status === 429)
			return {
				description:
					'Lower "Requests per Minute" in the Luma credential, or spread the work over more time.',
			};
		return undefined;
	},
};
