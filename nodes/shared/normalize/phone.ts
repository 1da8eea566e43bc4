import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { fail, ok, type Normalized } from './result';

/** Trailing extension: "ext. 12", "extension 12", "x12", "#12". */
const EXTENSION = /\s*[,;]?\s*(?:ext(?:ension)?\.?|x|#)\s*\d{1,7}\s*$/i;
const HAS_LETTER = /\p{L}/u;
/** Everything a formatted phone number may contain once the extension is gone. */
const ALLOWED = /^\+?[\d\s().\-/]+$/;
const FORMATTING = /[\s().\-/]+/g;
const COUNTRY = /^[A-Z]{2}$/;
const MAX_INPUT = 40;

/**
 * libphonenumber parsing costs ~15 µs per call, so results are memoised by country + dialled digits.
 * The cache is bounded: it is simply emptied when it reaches CACHE_LIMIT entries.
 */
const CACHE_LIMIT = 10000;
const cache = new Map<string, string | null>();

function lookup(digits: string, country: string): string | null {
	try {
		const parsed = COUNTRY.test(country)
			? parsePhoneNumberFromString(digits, country as CountryCode)
			: parsePhoneNumberFromString(digits);
		return parsed && parsed.isValid() ? parsed.number : null;
	} catch {
		// unknown default country or a metadata surprise: never throw for bad input
		return null;
	}
}

/**
 * Normalize a phone number to E.164 (e.g. "+14155552671"). National formats use `defaultCountry`
 * (ISO 3166 alpha-2); "+" and "00" international prefixes are honoured; extensions are dropped.
 * Numbers containing letters (vanity numbers) are rejected. Validity uses libphonenumber's isValid().
 */
export function normalizePhone(raw: string, defaultCountry: string): Normalized<string> {
	const country = typeof defaultCountry === 'string' ? defaultCountry.trim().toUpperCase() : '';
	let value: string | null = null;
	if (typeof raw === 'string') {
		let s = raw.trim();
		if (s.length > 0 && s.length <= MAX_INPUT) {
			s = s.replace(EXTENSION, '');
			if (!HAS_LETTER.test(s) && ALLOWED.test(s)) {
				let digits = s.replace(FORMATTING, '');
				// "00" is the international call prefix in most of the world
				if (digits.charCodeAt(0) === 48 && digits.charCodeAt(1) === 48) digits = '+' + digits.slice(2);
				const key = country + digits;
				const cached = cache.get(key);
				if (cached !== undefined) {
					value = cached;
				} else {
					value = lookup(digits, country);
					if (cache.size >= CACHE_LIMIT) cache.clear();
					cache.set(key, value);
				}
			}
		}
	}
	return value !== null
		? ok(value)
		: fail(`'${raw}' is not a valid phone number (default country ${country || 'none'})`);
}
