import { fail, ok, type Normalized } from './result';
import { isBlank, quoted } from './text';

const CLOCK = /^(\d{1,4}):([0-5]?\d):([0-5]?\d)(?:\.\d+)?$/;

/** `HH:MM:SS` (hours may exceed 24) → canonical `HH:MM:SS` (a Postgres interval); empty → null. */
export function parseDuration(value: unknown): Normalized<string | null> {
	if (isBlank(value)) return ok(null);
	const m = CLOCK.exec(String(value).trim());
	if (!m) return fail(`${quoted(value)} is not a duration (expected HH:MM:SS)`);
	const pad = (n: string) => n.padStart(2, '0');
	return ok(`${pad(String(Number(m[1])))}:${pad(m[2])}:${pad(m[3])}`);
}

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const POSTGRES_INTERVAL = /^(?:(-?\d+) days? ?)?(-)?(\d+):(\d{2}):(\d{2})(?:\.\d+)?$/;

/**
 * Seconds of an interval as Postgres or PostgREST prints it (`01:02:03`, `1 day 02:03:04`,
 * `-00:00:05`, ISO `P1DT2H`), or NaN.
 */
export function intervalSeconds(value: unknown): number {
	if (value === null || value === undefined) return NaN;
	const text = String(value).trim();
	const iso = ISO_DURATION.exec(text);
	if (iso && text !== 'P') {
		return (
			Number(iso[1] ?? 0) * 86400 +
			Number(iso[2] ?? 0) * 3600 +
			Number(iso[3] ?? 0) * 60 +
			Math.round(Number(iso[4] ?? 0))
		);
	}
	const m = POSTGRES_INTERVAL.exec(text);
	if (!m) return NaN;
	const clock = Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
	return Number(m[1] ?? 0) * 86400 + (m[2] === '-' ? -clock : clock);
}
