import {
	SlidingWindowRateLimiter,
	getRateLimiter,
	rateLimiterKey,
	resetRateLimiters,
} from '../../nodes/shared/transport/rateLimiter';
import { backoffDelay, parseRetryAfter, withRetry } from '../../nodes/shared/transport/retry';

/** True when no `windowMs` interval contains more than `limit` of the (sorted) times. */
function maxInAnyWindow(times: number[], windowMs: number): number {
	const sorted = [...times].sort((a, b) => a - b);
	let max = 0;
	let start = 0;
	for (let end = 0; end < sorted.length; end++) {
		while (sorted[end] - sorted[start] >= windowMs) start++;
		max = Math.max(max, end - start + 1);
	}
	return max;
}

describe('SlidingWindowRateLimiter (fake timers)', () => {
	beforeEach(() => {
		jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
	});
	afterEach(() => {
		jest.useRealTimers();
	});

	it('never grants more than `limit` in any window and serves waiters in order', async () => {
		const limiter = new SlidingWindowRateLimiter(5, 1000);
		const grants: Array<{ i: number; t: number }> = [];
		const all = Array.from({ length: 23 }, (_, i) =>
			limiter.acquire().then(() => grants.push({ i, t: Date.now() })),
		);
		await jest.advanceTimersByTimeAsync(0);
		expect(grants).toHaveLength(5);
		await jest.advanceTimersByTimeAsync(10_000);
		await Promise.all(all);

		const times = grants.map((g) => g.t);
		expect(maxInAnyWindow(times, 1000)).toBe(5);
		expect(grants.map((g) => g.i)).toEqual([...Array(23).keys()]);
		// 23 grants at 5/s: the last batch starts 4 windows (plus the 1 ms timer slack each) later.
		expect(times[22] - times[0]).toBeGreaterThanOrEqual(4000);
		expect(times[22] - times[0]).toBeLessThan(4100);
	});

	it('keeps at most one timer while callers wait (no busy-waiting)', async () => {
		const limiter = new SlidingWindowRateLimiter(2, 500);
		const all = Array.from({ length: 10 }, async () => await limiter.acquire());
		await jest.advanceTimersByTimeAsync(0);
		expect(limiter.pending).toBe(8);
		expect(jest.getTimerCount()).toBe(1);
		await jest.advanceTimersByTimeAsync(5000);
		await Promise.all(all);
		expect(jest.getTimerCount()).toBe(0);
	});

	it('pauseUntil holds every caller until the given time', async () => {
		const limiter = new SlidingWindowRateLimiter(100, 1000);
		const start = Date.now();
		limiter.pauseUntil(start + 1500);
		let grantedAt = 0;
		const p = limiter.acquire().then(() => {
			grantedAt = Date.now();
		});
		await jest.advanceTimersByTimeAsync(1400);
		expect(grantedAt).toBe(0);
		await jest.advanceTimersByTimeAsync(200);
		await p;
		expect(grantedAt - start).toBeGreaterThanOrEqual(1500);
		// A shorter pause never shortens an existing one.
		limiter.pauseUntil(Date.now() + 1000);
		limiter.pauseUntil(Date.now() + 10);
		let second = 0;
		const q = limiter.acquire().then(() => {
			second = Date.now();
		});
		const before = Date.now();
		await jest.advanceTimersByTimeAsync(2000);
		await q;
		expect(second - before).toBeGreaterThanOrEqual(1000);
	});

	it('a slot keeps counting while in flight and for a full window after release', async () => {
		const limiter = new SlidingWindowRateLimiter(1, 1000);
		const slot = await limiter.acquireSlot();
		let second = 0;
		const p = limiter.acquireSlot().then((s) => {
			second = Date.now();
			return s;
		});
		// Still in flight after 5 s: nothing else may start, and no timer is needed to know that.
		await jest.advanceTimersByTimeAsync(5000);
		expect(second).toBe(0);
		expect(jest.getTimerCount()).toBe(0);
		const releasedAt = Date.now();
		slot.release();
		slot.release(); // idempotent
		await jest.advanceTimersByTimeAsync(999);
		expect(second).toBe(0);
		await jest.advanceTimersByTimeAsync(5);
		(await p).release();
		expect(second - releasedAt).toBeGreaterThanOrEqual(1000);
		expect(limiter.inFlight).toBe(0);
	});

	it('server-side arrivals stay within the limit whatever the request latency', async () => {
		// Deterministic pseudo-random latencies: some requests are much slower than the window.
		let seed = 42;
		const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		const limiter = new SlidingWindowRateLimiter(4, 1000);
		const arrivals: number[] = [];
		const request = async () => {
			const slot = await limiter.acquireSlot();
			const toServer = Math.floor(rand() * (rand() < 0.2 ? 2500 : 80));
			await new Promise((r) => setTimeout(r, toServer));
			arrivals.push(Date.now());
			await new Promise((r) => setTimeout(r, Math.floor(rand() * 80)));
			slot.release();
		};
		const all = Promise.all(Array.from({ length: 60 }, request));
		await jest.advanceTimersByTimeAsync(120_000);
		await all;
		expect(arrivals).toHaveLength(60);
		expect(maxInAnyWindow(arrivals, 1000)).toBeLessThanOrEqual(4);
	});

	it('rejects nonsense settings', () => {
		expect(() => new SlidingWindowRateLimiter(0, 1000)).toThrow(RangeError);
		expect(() => new SlidingWindowRateLimiter(1.5, 1000)).toThrow(RangeError);
		expect(() => new SlidingWindowRateLimiter(5, 0)).toThrow(RangeError);
	});
});

describe('SlidingWindowRateLimiter (real timers)', () => {
	it('a burst of 40 at 10 per 200 ms stays within the limit in every window', async () => {
		const limiter = new SlidingWindowRateLimiter(10, 200);
		const times: number[] = [];
		const started = Date.now();
		await Promise.all(
			Array.from({ length: 40 }, async () => {
				await limiter.acquire();
				times.push(Date.now());
			}),
		);
		expect(times).toHaveLength(40);
		expect(maxInAnyWindow(times, 200)).toBeLessThanOrEqual(10);
		expect(Date.now() - started).toBeGreaterThanOrEqual(600);
	});
});

describe('getRateLimiter / rateLimiterKey', () => {
	afterEach(() => resetRateLimiters());

	it('shares one limiter per key and never embeds the API key', () => {
		const key = rateLimiterKey('https://public-api.luma.com/', 'secret_api_key_123');
		expect(key).not.toContain('secret_api_key_123');
		expect(key).toMatch(/^https:\/\/public-api\.luma\.com#[0-9a-f]{64}$/);
		expect(rateLimiterKey('https://public-api.luma.com', 'secret_api_key_123')).toBe(key);
		expect(rateLimiterKey('https://public-api.luma.com', 'other')).not.toBe(key);

		const a = getRateLimiter(key, 200, 60_000);
		const b = getRateLimiter(key, 100, 30_000);
		expect(b).toBe(a);
		expect(a.limit).toBe(100);
		expect(a.windowMs).toBe(30_000);
		expect(getRateLimiter(rateLimiterKey('https://x', 'k'), 1, 1)).not.toBe(a);
	});
});

describe('withRetry', () => {
	class HttpishError extends Error {
		constructor(
			readonly status: number,
			readonly retryAfter?: number,
			message = `status ${status}`,
		) {
			super(message);
		}
	}
	const base = {
		maxAttempts: 5,
		baseDelayMs: 100,
		maxDelayMs: 1000,
		isRetryable: (e: unknown) => e instanceof HttpishError && (e.status === 429 || e.status >= 500),
		retryAfterMs: (e: unknown) => (e instanceof HttpishError ? e.retryAfter : undefined),
	};

	it('honours Retry-After exactly (injected sleep) and reports each retry', async () => {
		const sleeps: number[] = [];
		const retries: Array<{ attempt: number; delayMs: number; retryAfterMs?: number }> = [];
		const fn = jest
			.fn<Promise<string>, [number]>()
			.mockRejectedValueOnce(new HttpishError(429, 1200))
			.mockRejectedValueOnce(new HttpishError(429, 700))
			.mockResolvedValueOnce('ok');
		const result = await withRetry(fn, {
			...base,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			onRetry: ({ attempt, delayMs, retryAfterMs }) => {
				retries.push({ attempt, delayMs, retryAfterMs });
			},
		});
		expect(result).toBe('ok');
		expect(fn.mock.calls.map((c) => c[0])).toEqual([1, 2, 3]);
		// Retry-After wins over the (much smaller) backoff and over maxDelayMs.
		expect(sleeps).toEqual([1200, 700]);
		expect(retries).toEqual([
			{ attempt: 1, delayMs: 1200, retryAfterMs: 1200 },
			{ attempt: 2, delayMs: 700, retryAfterMs: 700 },
		]);
	});

	it('honours Retry-After in real time', async () => {
		const attempts: number[] = [];
		const fn = async (attempt: number) => {
			attempts.push(Date.now());
			if (attempt < 3) throw new HttpishError(429, 150);
			return attempt;
		};
		await expect(withRetry(fn, base)).resolves.toBe(3);
		expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(145);
		expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(145);
	});

	it('gives up after maxAttempts and rethrows the last error unchanged', async () => {
		const errors: HttpishError[] = [];
		const fn = jest.fn(async (attempt: number) => {
			const error = new HttpishError(503, undefined, `fail ${attempt}`);
			errors.push(error);
			throw error;
		});
		const promise = withRetry(fn, { ...base, maxAttempts: 4, sleep: async () => undefined });
		await expect(promise).rejects.toThrow('fail 4');
		await promise.catch((e) => expect(e).toBe(errors[3]));
		expect(fn).toHaveBeenCalledTimes(4);
	});

	it('does not retry non-retryable errors', async () => {
		const fn = jest.fn(async () => {
			throw new HttpishError(404);
		});
		await expect(withRetry(fn, { ...base, sleep: async () => undefined })).rejects.toThrow('status 404');
		expect(fn).toHaveBeenCalledTimes(1);
	});

	it('uses exponential backoff with full jitter when there is no Retry-After', async () => {
		const sleeps: number[] = [];
		const fn = jest.fn(async () => {
			throw new HttpishError(500);
		});
		await expect(
			withRetry(fn, { ...base, maxAttempts: 6, random: () => 0.999999, sleep: async (ms) => void sleeps.push(ms) }),
		).rejects.toThrow();
		// Ceilings 100, 200, 400, 800, then capped at 1000.
		expect(sleeps).toEqual([99, 199, 399, 799, 999]);
		expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0);
		for (let i = 0; i < 200; i++) {
			const d = backoffDelay(4, 100, 1000);
			expect(d).toBeGreaterThanOrEqual(0);
			expect(d).toBeLessThan(800);
		}
	});

	it('lets onRetry abort the loop', async () => {
		const fn = jest.fn(async () => {
			throw new HttpishError(429, 3_600_000);
		});
		await expect(
			withRetry(fn, {
				...base,
				onRetry: ({ retryAfterMs }) => {
					if ((retryAfterMs ?? 0) > 60_000) throw new Error('Retry-After too long');
				},
			}),
		).rejects.toThrow('Retry-After too long');
		expect(fn).toHaveBeenCalledTimes(1);
	});
});

describe('parseRetryAfter', () => {
	it('parses seconds and HTTP dates', () => {
		const now = Date.parse('2030-01-01T00:00:00Z');
		expect(parseRetryAfter('2', now)).toBe(2000);
		expect(parseRetryAfter(['1.5'], now)).toBe(1500);
		expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:03 GMT', now)).toBe(3000);
		expect(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
		expect(parseRetryAfter('soon', now)).toBeUndefined();
	});
});
