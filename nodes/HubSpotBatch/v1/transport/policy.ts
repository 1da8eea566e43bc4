/**
 * HubSpot's API as the one client sees it: a private app's 10-second window (by account tier), the
 * daily budget (a 429 with policyName DAILY: never retried), limits reported in
 * X-HubSpot-RateLimit-* headers, and HubSpot's own wording for token and scope problems.
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

export const DEFAULT_BASE_URL = 'https://api.hubapi.com';
export const WINDOW_MS = 10_000;
export const TIER_LIMITS: Record<string, number> = {
	starter: 100,
	professional: 190,
	increase: 250,
};

export function limitForTier(credentials: ICredentialDataDecryptedObject): number {
	// No tier saved: the slowest, which every portal allows.
	const tier = String(credentials.tier ?? 'starter');
	if (tier === 'custom') {
		const custom = Number(credentials.customLimit);
		if (!Number.isInteger(custom) || custom < 1) {
			throw new Error('Requests per 10 Seconds must be a whole number of at least 1');
		}
		return custom;
	}
	return TIER_LIMITS[tier] ?? TIER_LIMITS.starter;
}

const policyName = (error: AttemptError) =>
	typeof error.body?.policyName === 'string' ? error.body.policyName : undefined;

export const isDailyLimit = (error: AttemptError) =>
	error.status === 429 && policyName(error) === 'DAILY';

export const hubspotPolicy: VendorPolicy = {
	vendor: 'HubSpot',
	credentialType: 'hubSpotBatchApi',
	// The credential's `authenticate` sends the same header, but as an expression evaluated per request.
	authHeaders: (credentials) => ({
		Authorization: `Bearer ${String(credentials.accessToken ?? '').trim()}`,
	}),
	retry: STANDARD_RETRY,
	baseUrl: (credentials) => String(credentials.baseUrl || DEFAULT_BASE_URL).trim(),
	budget: (credentials, baseUrl) => {
		const token = String(credentials.accessToken ?? '').trim();
		if (token === '') throw new Error('The HubSpot credential has no access token');
		return {
			key: rateLimiterKey(baseUrl, token),
			limit: limitForTier(credentials),
			windowMs: WINDOW_MS,
		};
	},
	rateHeaders: rateLimitHeaders('x-hubspot-ratelimit'),
	...windowOrDailyLimit(isDailyLimit, 'x-hubspot-ratelimit-interval-milliseconds', WINDOW_MS),
	messageOf: (body: JsonObject | undefined) =>
		typeof body?.message === 'string' && body.message !== '' ? body.message : undefined,
	describe: (error, context) => {
		const server = error.serverMessage;
		if (error.status === 401)
			return {
				message: 'HubSpot rejected the access token (401): token revoked or invalid',
				description:
					'Create or rotate the private app token in HubSpot and update the HubSpot Batch API credential.',
			};
		if (error.status === 403)
			return {
				message: `HubSpot refused the request (403): the private app is missing a scope${server ? ` — ${server}` : ''}`,
			};
		if (isDailyLimit(error)) {
			const daily = error.headers['x-hubspot-ratelimit-daily'];
			return {
				message: `HubSpot daily API limit reached${daily ? ` (${daily} requests per day)` : ''}: stopped without retrying`,
				description:
					'The daily limit resets at midnight in the HubSpot account time zone. Rows not yet written are reported as errors.',
			};
		}
		if (error.status === 429) {
			const name = policyName(error);
			return {
				message: `HubSpot kept rate-limiting (429${name ? ` ${name}` : ''}) after ${context.retry.maxRateLimitRetries} retries`,
			};
		}
		return undefined;
	},
};
