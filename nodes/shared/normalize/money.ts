import { fail, ok, type Normalized } from './result';
import { isBlank, quoted } from './text';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;
/** numeric(10,2): at most 8 digits before the point. */
const MAX_CENTS = 10_000_000_000;

/**
 * An amount → integer cents, rounded half away from zero on the decimal digits (no floating
 * point), or a reason. `$`, thousands separators and words are not numbers here.
 */
export function decimalToCents(value: unknown): Normalized<number> {
	const text = typeof value === 'number' ? String(value) : String(value ?? '').trim();
	const m = DECIMAL.exec(text);
	if (!m) return fail(`${quoted(value)} is not a number`);
	const fraction = (m[3] ?? '').padEnd(3, '0');
	let cents = Number(m[2]) * 100 + Number(fraction.slice(0, 2));
	if (Number(fraction[2]) >= 5) cents += 1;
	if (!Number.isSafeInteger(cents) || cents >= MAX_CENTS) {
		return fail(`${quoted(value)} is too large for numeric(10,2)`);
	}
	return ok(m[1] === '-' ? -cents : cents);
}

/** Cents → decimal text with two places ("-20.50"). */
export function centsToDecimal(cents: number): string {
	const abs = Math.abs(cents);
	return `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** An amount of money → exact decimal text with two places; empty → null; non-numeric is a reason. */
export function parseMoney(value: unknown): Normalized<string | null> {
	if (isBlank(value)) return ok(null);
	const cents = decimalToCents(value);
	return cents.ok ? ok(centsToDecimal(cents.value)) : cents;
}
