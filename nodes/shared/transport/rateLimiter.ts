import { createHash } from 'node:crypto';

/** A granted permit. Call `release()` when the request has finished (success or not). */
export interface RateLimitSlot {
	release(): void;
}

/**
 * Client-side sliding-window limiter: at most `limit` permits in any `windowMs` interval.
 *
 * A permit obtained with `acquireSlot()` counts from the moment it is granted until `windowMs`
 * after it is released. The server sees a request somewhere between those two instants, so this
 * keeps the server-side count under `limit` whatever the latency (a permit counted only from
 * its grant time would not: a slow first request can land late and share a window with a fast
 * later one). `acquire()` is the plain variant that releases at grant time.
 *
 * Waiters are served FIFO from one timer (or from the release that frees a slot): no polling.
 */
export class SlidingWindowRateLimiter {
	/** Release times of finished permits, ascending (Date.now() is non-decreasing). */
	private readonly released: number[] = [];

	private readonly open = new Set<RateLimitSlot>();

	private readonly waiters: Array<(slot: RateLimitSlot) => void> = [];

	private timer: ReturnType<typeof setTimeout> | undefined;

	private timerDueAt = 0;

	private pausedUntil = 0;

	constructor(
		private limitValue: number,
		private windowMsValue: number,
	) {
		SlidingWindowRateLimiter.validate(limitValue, windowMsValue);
	}

	get limit(): number {
		return this.limitValue;
	}

	get windowMs(): number {
		return this.windowMsValue;
	}

	/** Number of callers currently waiting for a permit. */
	get pending(): number {
		return this.waiters.length;
	}

	/** Number of permits granted and not yet released. */
	get inFlight(): number {
		return this.open.size;
	}

	/** Waits for a permit that counts from now; no release needed. */
	async acquire(): Promise<void> {
		const slot = await this.acquireSlot();
		slot.release();
	}

	/** Waits for a permit that keeps counting until `windowMs` after `release()`. */
	async acquireSlot(): Promise<RateLimitSlot> {
		return await new Promise<RateLimitSlot>((resolve) => {
			this.waiters.push(resolve);
			this.drain();
		});
	}

	/** Permits that can be granted right now without waiting (ignores a pause). */
	get available(): number {
		this.expire(Date.now());
		return Math.max(0, this.limitValue - this.open.size - this.released.length);
	}

	/**
	 * Counts `count` requests made by someone else (another app or worker on the same account) as
	 * if they had finished now, so they occupy the window until it slides past them.
	 */
	absorb(count: number): void {
		if (!Number.isFinite(count) || count < 1) return;
		const now = Date.now();
		for (let i = 0; i < Math.floor(count); i++) this.released.push(now);
		this.drain();
	}

	/** Blocks every caller until `epochMs` (e.g. from a 429's Retry-After). Never shortens a pause. */
	pauseUntil(epochMs: number): void {
		if (!Number.isFinite(epochMs) || epochMs <= this.pausedUntil) return;
		this.pausedUntil = epochMs;
		this.drain();
	}

	/** Applies new settings; permits already granted keep counting under the new window. */
	reconfigure(limit: number, windowMs: number): void {
		if (limit === this.limitValue && windowMs === this.windowMsValue) return;
		SlidingWindowRateLimiter.validate(limit, windowMs);
		this.limitValue = limit;
		this.windowMsValue = windowMs;
		this.drain();
	}

	private static validate(limit: number, windowMs: number) {
		if (!Number.isInteger(limit) || limit < 1) {
			throw new RangeError(`Rate limit must be a positive integer, got ${limit}`);
		}
		if (!Number.isFinite(windowMs) || windowMs <= 0) {
			throw new RangeError(`Rate limit window must be a positive number of ms, got ${windowMs}`);
		}
	}

	private grant(): RateLimitSlot {
		let done = false;
		const slot: RateLimitSlot = {
			release: () => {
				if (done) return;
				done = true;
				this.open.delete(slot);
				this.released.push(Date.now());
				this.drain();
			},
		};
		this.open.add(slot);
		return slot;
	}

	private drain(): void {
		const now = Date.now();
		this.expire(now);

		if (now >= this.pausedUntil) {
			while (this.waiters.length > 0 && this.open.size + this.released.length < this.limitValue) {
				this.waiters.shift()!(this.grant());
			}
		}
		if (this.waiters.length === 0) return this.clearTimer();

		let wakeAt = Math.max(this.pausedUntil, now);
		const used = this.open.size + this.released.length;
		if (used >= this.limitValue) {
			const mustExpire = used - this.limitValue + 1;
			// Only in-flight permits block: the next release() calls drain() again.
			if (mustExpire > this.released.length) return this.clearTimer();
			wakeAt = Math.max(wakeAt, this.released[mustExpire - 1] + this.windowMsValue);
		}
		this.schedule(wakeAt);
	}

	private expire(now: number): void {
		// A permit released at r occupies the half-open window (r - windowMs, r]; drop expired ones.
		while (this.released.length > 0 && this.released[0] <= now - this.windowMsValue) this.released.shift();
	}

	private clearTimer(): void {
		if (this.timer !== undefined) clearTimeout(this.timer);
		this.timer = undefined;
	}

	private schedule(wakeAt: number): void {
		if (this.timer !== undefined && this.timerDueAt === wakeAt) return;
		this.clearTimer();
		this.timerDueAt = wakeAt;
		// +1 ms: a timer may fire a hair before Date.now() reaches wakeAt, which would only reschedule.
		this.timer = setTimeout(
			() => {
				this.timer = undefined;
				this.drain();
			},
			Math.max(0, wakeAt - Date.now()) + 1,
		);
	}
}

const limiters = new Map<string, SlidingWindowRateLimiter>();

/** Stable limiter key for one API account; the API key itself is only ever stored hashed. */
export function rateLimiterKey(baseUrl: string, apiKey: string): string {
	const hash = createHash('sha256').update(apiKey, 'utf8').digest('hex');
	return `${baseUrl.replace(/\/+$/, '')}#${hash}`;
}

/**
 * One limiter per key for the whole process, so parallel items, nodes and executions that use the
 * same account share the budget. Later calls with other settings reconfigure the shared limiter.
 */
export function getRateLimiter(key: string, limit: number, windowMs: number): SlidingWindowRateLimiter {
	let limiter = limiters.get(key);
	if (limiter === undefined) {
		limiter = new SlidingWindowRateLimiter(limit, windowMs);
		limiters.set(key, limiter);
	} else {
		limiter.reconfigure(limit, windowMs);
	}
	return limiter;
}

/** Test hook: forget every shared limiter. */
export function resetRateLimiters(): void {
	limiters.clear();
}
