import { fail, ok, type Normalized } from './result';
import { isBlank, quoted } from './text';

const YES = new Set(['yes', 'y', '1', 'true']);
const NO = new Set(['no', 'n', '0', 'false']);

/** `Yes`/`No`, `1`/`0`, `true`/`false` (any case) → boolean; empty → false; anything else is a reason. */
export function parseYesNo(value: unknown): Normalized<boolean> {
	if (value === true || value === 1) return ok(true);
	if (value === false || value === 0 || isBlank(value)) return ok(false);
	const text = String(value).trim().toLowerCase();
	if (YES.has(text)) return ok(true);
	if (NO.has(text)) return ok(false);
	return fail(`${quoted(value)} is not Yes/No or 1/0`);
}
