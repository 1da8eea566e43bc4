/**
 * The attendance webhook's shared secret. GoHighLevel's Custom Webhook action can send it in a
 * header; its plain Webhook action can only change the URL, so the query string is accepted too.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

export const SECRET_HEADER = 'x-webhook-secret';
export const SECRET_QUERY = 'secret';
export const MIN_SECRET_LENGTH = 16;

/** Why the configured secret cannot protect the webhook (empty, short, a placeholder), or undefined. */
export function configuredSecretProblem(secret: unknown): string | undefined {
	const text = typeof secret === 'string' ? secret : '';
	if (text.trim() === '') return 'the HighLevel credential has no Webhook Secret';
	if (/^REPLACE_/i.test(text.trim()))
		return 'the HighLevel credential’s Webhook Secret is still the template placeholder';
	if (text.length < MIN_SECRET_LENGTH)
		return `the HighLevel credential’s Webhook Secret is shorter than ${MIN_SECRET_LENGTH} characters`;
	return undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant time whatever the lengths: equal-length digests go to timingSafeEqual. */
export function secretsMatch(given: string, expected: string): boolean {
	return timingSafeEqual(digest(given), digest(expected));
}

function first(value: unknown): string | undefined {
	const one = Array.isArray(value) ? value[0] : value;
	return typeof one === 'string' && one !== '' ? one : undefined;
}

/** The secret a request carries: the X-Webhook-Secret header, else ?secret= in the URL. */
export function presentedSecret(request: IDataObject): string | undefined {
	const headers = (request.headers ?? {}) as IDataObject;
	const query = (request.query ?? {}) as IDataObject;
	const header = Object.keys(headers).find((name) => name.toLowerCase() === SECRET_HEADER);
	return (header === undefined ? undefined : first(headers[header])) ?? first(query[SECRET_QUERY]);
}

export type SecretVerdict =
	| { ok: true }
	| { ok: false; httpStatus: 401 | 403 | 503; reason: string };

/** The webhook request (the Webhook node's output item) checked against the configured secret. */
export function verifyRequestSecret(request: IDataObject, expected: unknown): SecretVerdict {
	const problem = configuredSecretProblem(expected);
	// The owner's setup is incomplete: nobody gets in, and the 503 alerts a human.
	if (problem !== undefined) return { ok: false, httpStatus: 503, reason: problem };
	const given = presentedSecret(request);
	if (given === undefined)
		return {
			ok: false,
			httpStatus: 401,
			reason: `no secret given (send the ${SECRET_HEADER} header or ?${SECRET_QUERY}=)`,
		};
	if (!secretsMatch(given, expected as string))
		return { ok: false, httpStatus: 403, reason: 'the secret is not valid' };
	return { ok: true };
}
