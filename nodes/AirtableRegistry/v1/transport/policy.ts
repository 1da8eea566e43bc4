/**
 * Airtable's API as the one client sees it: 5 requests per second per base (whatever the token), a
 * 30-second penalty after a 429, errors as `{ error: { type, message } }`, and a token or base that
 * is wrong stopping everything.
 */
import type { JsonObject } from 'n8n-workflow';

import type { AttemptError } from '../../../shared/transport/attempt';
import type { VendorPolicy } from '../../../shared/transport/policy';
import { STANDARD_RETRY } from '../../../shared/transport/policy';

export const DEFAULT_BASE_URL = 'https://api.airtable.com';
/** Airtable: 5 requests per second per base. */
export const REQUESTS_PER_SECOND = 5;
export const WINDOW_MS = 1000;
/** Airtable: after a 429, wait 30 seconds before subsequent requests will succeed. */
export const RATE_LIMIT_PENALTY_MS = 30_000;
export const RECORDS_PER_REQUEST = 10;

/** Airtable's error type (`INVALID_VALUE_FOR_COLUMN`, …) in an error body. */
export function errorTypeOf(error: AttemptError): string | undefined {
	const inner = error.body?.error;
	if (inner && typeof inner === 'object' && typeof (inner as JsonObject).type === 'string')
		return (inner as JsonObject).type as string;
	return typeof inner === 'string' ? inner : undefined;
}

/**
 * Airtable's policy, waiting `rateLimitWaitMs` after a 429 (the node's "Rate-Limit Wait"; Airtable's
 * own penalty by default).
 */
export const airtablePolicyWaiting = (rateLimitWaitMs: number): VendorPolicy => ({
	vendor: 'Airtable',
	credentialType: 'airtableRegistryApi',
	// The credential's `authenticate` sends the same header, but as an expression evaluated per request.
	authHeaders: (credentials) => ({
		Authorization: `Bearer ${String(credentials.accessToken ?? '').trim()}`,
	}),
	// Each 429 costs a 30 s penalty: a few retries are all an execution should wait for.
	retry: { ...STANDARD_RETRY, maxRateLimitRetries: 3 },
	baseUrl: (credentials) => String(credentials.baseUrl || DEFAULT_BASE_URL).trim(),
	budget: (credentials, baseUrl) => {
		if (String(credentials.accessToken ?? '').trim() === '')
			throw new Error('The Airtable credential has no access token');
		const baseId = String(credentials.baseId ?? '').trim();
		// No base: the account's meta API only (listing bases); AirtableApi refuses it otherwise.
		if (baseId === '')
			return { key: `airtable:${baseUrl}#bases`, limit: REQUESTS_PER_SECOND, windowMs: WINDOW_MS };
		if (!/^app[A-Za-z0-9]+$/.test(baseId))
			throw new Error(`The Airtable credential's Base ID "${baseId}" is not a base ID (app…)`);
		// Airtable limits per base, whatever the token.
		return {
			key: `airtable:${baseUrl}#${baseId}`,
			limit: REQUESTS_PER_SECOND,
			windowMs: WINDOW_MS,
		};
	},
	accountLabel: (credentials) => `base ${String(credentials.baseId ?? '').trim()}`,
	secrets: (credentials) => [String(credentials.accessToken ?? '').trim()],
	isRateLimited: (error) => error.status === 429,
	isFatal: (error) => error.status === 401 || error.status === 403 || error.status === 404,
	// Every request to the base fails during the penalty: hold them all for it.
	rateLimitWaitMs: () => rateLimitWaitMs,
	messageOf: (body: JsonObject | undefined) => {
		const inner = body?.error;
		if (inner && typeof inner === 'object' && typeof (inner as JsonObject).message === 'string')
			return (inner as JsonObject).message as string;
		return typeof body?.message === 'string' ? body.message : undefined;
	},
	describe: (error, context) => {
		const server = error.serverMessage ?? 'no message';
		const type = errorTypeOf(error) ?? '';
		if (error.status === 401)
			return {
				message: 'Airtable rejected the access token (401): token revoked or invalid',
				description:
					'Create a new personal access token and update the Airtable Registry API credential.',
			};
		if (error.status === 403 || error.status === 404)
			return {
				message: `Airtable refused the request (${error.status}): the token lacks a scope or access to ${context.account}, or a table name is wrong`,
				description: `Check the token's scopes (data.records:read/write, schema.bases:read), its access to the base, and the base and table names. Airtable said: ${server}`,
			};
		if (error.status === 429) {
			const retries = context.retry.maxRateLimitRetries;
			return {
				message:
					retries > 0
						? `Airtable rate limit (429) still reached after ${retries} retries, each after a ${Math.round(rateLimitWaitMs / 1000)} s wait`
						: 'Airtable rate limit (429) reached, and Rate-Limit Retries is 0',
				description:
					'Another app or workflow may be using the same base; Airtable allows 5 requests per second per base.',
			};
		}
		if ((error.status ?? 0) < 500)
			return {
				message: `Airtable responded ${error.status} ${type}: ${server}${context.triesText}`,
			};
		return undefined;
	},
});

export const airtablePolicy: VendorPolicy = airtablePolicyWaiting(RATE_LIMIT_PENALTY_MS);
