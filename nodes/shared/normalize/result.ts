/** Outcome of a normalization: either the canonical value or a short human-readable reason. */
export type Normalized<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Build a success result. */
export function ok<T>(value: T): Normalized<T> {
	return { ok: true, value };
}

/** Build a failure result. */
export function fail<T = never>(reason: string): Normalized<T> {
	return { ok: false, reason };
}
