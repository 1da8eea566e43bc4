import { fail, ok, type Normalized } from './result';
import { isBlank, quoted } from './text';

/** Postgres INTEGER. */
export const MAX_INT4 = 2_147_483_647;

/**
 * A vendor's id: a positive whole number, given as a number or digit text, at most `max`
 * (BIGINT columns by default); empty → null.
 */
export function parseId(value: unknown, max = Number.MAX_SAFE_INTEGER): Normalized<number | null> {
	if (isBlank(value)) return ok(null);
	const text = String(value).trim();
	if (!/^\d+$/.test(text)) return fail(`${quoted(value)} is not a whole number`);
	const n = Number(text);
	if (!Number.isSafeInteger(n) || n <= 0 || n > max)
		return fail(`${quoted(value)} is out of range`);
	return ok(n);
}
