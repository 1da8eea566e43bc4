/**
 * One failed try of a vendor call, before the client turns it into the NodeApiError the user sees.
 * Every vendor's transport produces this one shape, so retries, limits and wording are decided once.
 */
import type { JsonObject } from 'n8n-workflow';

export type AttemptKind = 'http' | 'network' | 'timeout';

export class AttemptError extends Error {
	/** Tries of the request when this error ended the call (rate-limit answers are not tries). */
	tries = 1;

	/**
	 * True when a call that is not idempotent failed after it may have reached the vendor (5xx,
	 * timeout, a connection lost mid-request): it was not retried, and may still have been applied.
	 */
	uncertain = false;

	constructor(
		readonly vendor: string,
		readonly kind: AttemptKind,
		readonly status: number | undefined,
		readonly body: JsonObject | undefined,
		readonly headers: Record<string, string>,
		readonly code?: string,
		/** The vendor's own message, already stripped of secrets. */
		readonly serverMessage?: string,
	) {
		super(
			kind === 'http'
				? `${vendor} responded ${status}${serverMessage ? `: ${serverMessage}` : ''}`
				: kind === 'timeout'
					? `${vendor} did not answer in time`
					: `${vendor} could not be reached (${code ?? 'network error'})`,
		);
	}

	/** Nothing reached the vendor: the connection was never made. Safe to retry even a create. */
	get neverSent(): boolean {
		const code = this.code ?? '';
		return this.kind === 'network' && (NOT_CONNECTED.has(code) || TLS_REFUSED.test(code));
	}

	get isServerError(): boolean {
		return this.kind === 'http' && (this.status ?? 0) >= 500;
	}

	/** The request may have reached the vendor and been applied, but no answer says so. */
	get outcomeUnknown(): boolean {
		return (
			this.kind === 'timeout' || (this.kind === 'network' && !this.neverSent) || this.isServerError
		);
	}
}

/** Codes that mean the connection was never established, so no request was sent. */
const NOT_CONNECTED = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'UND_ERR_CONNECT_TIMEOUT',
	'ERR_INVALID_URL',
]);
/** A TLS handshake that failed (certificate, protocol): the request itself was never sent. */
const TLS_REFUSED = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|UNABLE_TO_)/;

const NETWORK_WORDS: Record<string, string> = {
	UND_ERR_CONNECT_TIMEOUT: 'no connection in time',
	ERR_INVALID_URL: 'invalid URL',
	DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
	SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
	UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted',
	CERT_HAS_EXPIRED: 'certificate expired',
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'DNS lookup failed',
	ECONNRESET: 'connection reset',
	EPIPE: 'connection closed',
	UND_ERR_SOCKET: 'connection closed',
	ETIMEDOUT: 'connection timed out',
	ECONNABORTED: 'no answer in time',
	ESOCKETTIMEDOUT: 'no answer in time',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
};

/**
 * Words for a network error code. n8n replaces an error message that names ECONNREFUSED & co. with
 * generic text, so messages say what happened in words.
 */
export function describeNetworkCode(code: string | undefined): string {
	if (code === undefined) return 'network error';
	return NETWORK_WORDS[code] ?? code;
}

/** The first system error code (`ECONNRESET`, …) along an error's `cause` chain. */
export function networkCodeOf(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^[A-Z][A-Z_]+$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

/** True for an error that came from a request timing out (axios, undici, or our own abort). */
export function isTimeoutError(error: unknown, code = networkCodeOf(error)): boolean {
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT')
		return true;
	let current: unknown = error;
	for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
		const message = (current as { message?: unknown }).message;
		if (typeof message === 'string' && /timeout of \d+ms exceeded|timed out/i.test(message))
			return true;
		current = (current as { cause?: unknown }).cause;
	}
	return false;
}

/** Response headers (a plain object, axios' headers or fetch's Headers) with lower-case names. */
export function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	if (!headers || typeof headers !== 'object') return out;
	const add = (key: string, value: unknown) => {
		out[key.toLowerCase()] = Array.isArray(value) ? String(value[0]) : String(value);
	};
	const fetchHeaders = headers as { forEach?: unknown; get?: unknown };
	if (
		typeof fetchHeaders.forEach === 'function' &&
		typeof fetchHeaders.get === 'function' &&
		Object.keys(headers).length === 0
	) {
		(headers as { forEach(cb: (value: string, key: string) => void): void }).forEach((value, key) =>
			add(key, value),
		);
		return out;
	}
	const plain =
		typeof (headers as { toJSON?: unknown }).toJSON === 'function'
			? (headers as { toJSON(): object }).toJSON()
			: headers;
	for (const [key, value] of Object.entries(plain as Record<string, unknown>))
		if (value !== undefined) add(key, value);
	return out;
}

/** A JSON object from a response body: parsed text, or `{ message }` for a non-JSON page. */
export function jsonBodyOf(body: unknown): JsonObject | undefined {
	if (body && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body))
		return body as JsonObject;
	const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
	if (typeof text === 'string' && text.trim() !== '') {
		try {
			const parsed: unknown = JSON.parse(text);
			if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
				return parsed as JsonObject;
		} catch {
			// A proxy's HTML page, for instance.
		}
		return { message: text.trim().slice(0, 300) };
	}
	return undefined;
}
