export interface RetryInfo {
	/** The attempt that just failed (1-based). */
	attempt: number;
	error: unknown;
	/** How long we wait before the next attempt. */
	delayMs: number;
	/** Set when the delay came from the server (Retry-After) rather than backoff. */
	retryAfterMs?: number;
}

export interface RetryOptions {
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	isRetryable(error: unknown): boolean;
	/** Server-mandated wait for this error (e.g. parsed Retry-After), if any. */
	retryAfterMs(error: unknown): number | undefined;
	/**
	 * Called before each wait. May throw to abort (e.g. a Retry-After longer than the caller
	 * accepts); the thrown error then propagates instead of retrying.
	 */
	onRetry?(info: RetryInfo): void | Promise<void>;
	/** Injectable for tests. */
	sleep?(ms: number): Promise<void>;
	random?(): number;
}

const defaultSleep = async (ms: number) =>
	await new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

/** "Full jitter" backoff: uniform in [0, min(maxDelay, base * 2^(attempt-1))]. */
export function backoffDelay(
	attempt: number,
	baseDelayMs: number,
	maxDelayMs: number,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
	return Math.floor(random() * ceiling);
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or `maxAttempts` is reached; the last
 * error is rethrown unchanged so callers keep its type and details.
 */
export async function withRetry<T>(
	fn: (attempt: number) => Promise<T>,
	opts: RetryOptions,
): Promise<T> {
	const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts));
	const sleep = opts.sleep ?? defaultSleep;
	for (let attempt = 1; ; attempt++) {
		let error: unknown;
		try {
			return await fn(attempt);
		} catch (caught) {
			error = caught;
		}
		// Decided outside the catch so the original error is rethrown untouched.
		if (attempt >= maxAttempts || !opts.isRetryable(error)) throw error;
		const serverDelay = opts.retryAfterMs(error);
		const retryAfterMs =
			serverDelay !== undefined && Number.isFinite(serverDelay) ? Math.max(0, serverDelay) : undefined;
		const delayMs =
			retryAfterMs ?? backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs, opts.random ?? Math.random);
		await opts.onRetry?.({ attempt, error, delayMs, retryAfterMs });
		await sleep(delayMs);
	}
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date. Returns ms, or undefined when absent
 * or unparseable.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
	const raw = Array.isArray(value) ? value[0] : value;
	if (raw === undefined || raw === null || raw === '') return undefined;
	const text = String(raw).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}
