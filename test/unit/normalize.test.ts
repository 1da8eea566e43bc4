import {
	normalizeDate,
	normalizeEmail,
	normalizePhone,
	parseDateInZone,
	parseId,
	parseMoney,
	resolveZone,
	slugify,
	splitFullName,
	titleCaseName,
	utmCampaign,
	type DayMonthOrder,
} from '../../nodes/shared/normalize';

// Every expected value below is a hand-written literal (epoch values were cross-checked with `date -u`).

describe('normalizeEmail', () => {
	it.each<[string, string, string]>([
		['plus-addressing is kept', 'jane.doe+news@example.com', 'jane.doe+news@example.com'],
		['upper case is lowered', 'Jane.Doe@Example.COM', 'jane.doe@example.com'],
		['surrounding whitespace is trimmed', '  jane@example.com \t', 'jane@example.com'],
		['subdomains are fine', 'ops@mail.eu.example.co.uk', 'ops@mail.eu.example.co.uk'],
		['mailto: prefix is stripped', 'mailto:jane@example.com', 'jane@example.com'],
		['MAILTO: with a query is stripped', 'MAILTO:Jane@Example.com?subject=Hi', 'jane@example.com'],
		['angle brackets are stripped', '<jane@example.com>', 'jane@example.com'],
		['angle brackets around mailto:', ' <mailto:Jane@Example.com> ', 'jane@example.com'],
		['apostrophe in local part', "o'brien@example.ie", "o'brien@example.ie"],
		['hyphenated domain label', 'a.b@my-company.io', 'a.b@my-company.io'],
	])('accepts %s', (_label, raw, expected) => {
		expect(normalizeEmail(raw)).toEqual({ ok: true, value: expected });
	});

	it.each<[string, string, string]>([
		['no @', 'jane.example.com', "missing '@'"],
		['two @ in a row', 'jane@@example.com', "more than one '@'"],
		['two separate @', 'ja@ne@example.com', "more than one '@'"],
		['a space inside', 'jane doe@example.com', 'whitespace'],
		['consecutive dots in local part', 'jane..doe@example.com', 'consecutive dots'],
		['consecutive dots in domain', 'jane@example..com', 'consecutive dots'],
		['missing TLD', 'jane@example', 'has no dot'],
		['one-letter TLD', 'jane@example.c', 'top-level domain'],
		['numeric TLD', 'jane@10.0.0.1', 'top-level domain'],
		['trailing dot in domain', 'jane@example.com.', 'dot'],
		['trailing dot in local part', 'jane.@example.com', 'local part starts or ends with a dot'],
		['leading dot in local part', '.jane@example.com', 'local part starts or ends with a dot'],
		['empty local part', '@example.com', 'empty local part'],
		['empty domain', 'jane@', 'missing domain'],
		['domain label starting with a hyphen', 'jane@-example.com', "invalid domain label '-example'"],
		['underscore in domain', 'jane@exa_mple.com', "invalid domain label 'exa_mple'"],
		['local part of 65 characters', `${'a'.repeat(65)}@example.com`, 'longer than 64'],
	])('rejects %s', (_label, raw, reasonPart) => {
		const r = normalizeEmail(raw);
		expect(r.ok).toBe(false);
		if (!r.ok) {
			expect(r.reason).toContain('not a valid email address');
			expect(r.reason).toContain(reasonPart);
		}
	});
});

describe('titleCaseName', () => {
	it.each<[string, string]>([
		['john', 'John'],
		['mcdonald', 'McDonald'],
		['MCDONALD', 'McDonald'],
		['macdonald', 'MacDonald'],
		['MACDONALD', 'MacDonald'],
		['macarthur', 'MacArthur'],
		['mack', 'Mack'],
		['macy', 'Macy'],
		['machado', 'Machado'],
		['MACIAS', 'Macias'],
		["o'brien", "O'Brien"],
		["O'NEILL", "O'Neill"],
		['o\u2019neill', 'O\u2019Neill'],
		["d'angelo", "D'Angelo"],
		['smith-jones', 'Smith-Jones'],
		['jean-luc picard', 'Jean-Luc Picard'],
		['ludwig van beethoven', 'Ludwig van Beethoven'],
		['maria de la cruz', 'Maria de la Cruz'],
		['van halen', 'Van Halen'],
		['ÉLODIE DU PONT', 'Élodie du Pont'],
		['DeShawn', 'DeShawn'],
		['McKenzie', 'McKenzie'],
		['LaToya', 'LaToya'],
		['Ludwig van Beethoven', 'Ludwig van Beethoven'],
		['JOHN SMITH', 'John Smith'],
		['  mary   ann  ', 'Mary Ann'],
		['josé garcía', 'José García'],
		['ZOË', 'Zoë'],
		['ørsted', 'Ørsted'],
		['ŻÓŁĆ', 'Żółć'],
		['martin luther king jr.', 'Martin Luther King Jr.'],
		['john smith iii', 'John Smith III'],
		['j.r.r. tolkien', 'J.R.R. Tolkien'],
	])('%j -> %j', (raw, expected) => {
		expect(titleCaseName(raw)).toBe(expected);
	});
});

describe('splitFullName', () => {
	it.each<[string, string, string]>([
		['Madonna', 'Madonna', ''],
		['John Smith', 'John', 'Smith'],
		['  John    Smith  ', 'John', 'Smith'],
		['Mary Ann Smith', 'Mary Ann', 'Smith'],
		['Ludwig van Beethoven', 'Ludwig', 'van Beethoven'],
		['Vincent van der Berg', 'Vincent', 'van der Berg'],
		['Juan de la Cruz', 'Juan', 'de la Cruz'],
		['Martin Luther King Jr.', 'Martin Luther', 'King Jr.'],
		['Martin Luther King, Jr.', 'Martin Luther', 'King Jr.'],
		['John Smith III', 'John', 'Smith III'],
		['Jane Doe PhD', 'Jane', 'Doe PhD'],
		['Bill Gates Sr', 'Bill', 'Gates Sr'],
		['Smith, John', 'John', 'Smith'],
		['García Márquez, Gabriel', 'Gabriel', 'García Márquez'],
		['Smith,  John  Paul', 'John Paul', 'Smith'],
	])('%j', (full, first, last) => {
		expect(splitFullName(full)).toEqual({ first, last });
	});
});

describe('normalizePhone', () => {
	it.each<[string, string, string]>([
		// US, national formats with the default country
		['(415) 555-2671', 'US', '+14155552671'],
		['415.555.2671', 'US', '+14155552671'],
		['415-555-2671', 'US', '+14155552671'],
		['+1 415 555 2671 ext. 12', 'US', '+14155552671'],
		['415-555-2671 x12', 'US', '+14155552671'],
		['+1 (415) 555-2671', 'DE', '+14155552671'],
		['415 555 2671', 'us', '+14155552671'],
		// UK
		['+44 20 7946 0958', 'US', '+442079460958'],
		['020 7946 0958', 'GB', '+442079460958'],
		['011 44 20 7946 0958', 'US', '+442079460958'],
		// DE, including the 00 international prefix
		['00 49 30 901820', 'US', '+4930901820'],
		['030 901820', 'DE', '+4930901820'],
		['+49 1512 3456789', 'FR', '+4915123456789'],
		// FR
		['01 42 68 53 00', 'FR', '+33142685300'],
		['0033 1 42 68 53 00', 'GB', '+33142685300'],
		// IN
		['98765 43210', 'IN', '+919876543210'],
		['+91 98765 43210', 'US', '+919876543210'],
		// BR
		['(11) 91234-5678', 'BR', '+5511912345678'],
		['+55 11 91234-5678', 'US', '+5511912345678'],
		// AU
		['0412 345 678', 'AU', '+61412345678'],
		['+61 2 9374 4000', 'US', '+61293744000'],
		// JP
		['03-1234-5678', 'JP', '+81312345678'],
		['+81 90-1234-5678', 'US', '+819012345678'],
	])('%j (default %s) -> %s', (raw, country, expected) => {
		expect(normalizePhone(raw, country)).toEqual({ ok: true, value: expected });
	});

	it.each<[string, string]>([
		['1-800-FLOWERS', 'US'], // letters
		['call 415 555 2671', 'US'], // letters
		['555-2671', 'US'], // too short
		['123', 'US'], // too short
		['415 555 2671 1234', 'US'], // too long
		['+44 20 7946', 'US'], // too short for the UK
		['+999 123 456 789', 'US'], // no such country code
		['415 555 2671', 'XX'], // unknown default country: invalid, not a throw
	])('rejects %j (default %s)', (raw, country) => {
		expect(normalizePhone(raw, country)).toEqual({
			ok: false,
			reason: `'${raw}' is not a valid phone number (default country ${country})`,
		});
	});
});

describe('normalizeDate', () => {
	it.each<[string, string | number, DayMonthOrder, string]>([
		// ISO 8601
		['date-only ISO is midnight UTC', '2025-12-01', 'MDY', '2025-12-01T00:00:00.000Z'],
		['ISO with Z', '2025-12-01T14:32:00Z', 'MDY', '2025-12-01T14:32:00.000Z'],
		['ISO without offset is UTC', '2025-12-01T14:32:00', 'DMY', '2025-12-01T14:32:00.000Z'],
		['ISO without seconds', '2025-12-01T14:32', 'MDY', '2025-12-01T14:32:00.000Z'],
		['ISO with millis and Z', '2025-12-01T14:32:00.123Z', 'MDY', '2025-12-01T14:32:00.123Z'],
		['ISO with +05:30', '2025-12-01T14:32:00+05:30', 'MDY', '2025-12-01T09:02:00.000Z'],
		['ISO with -08:00 crossing midnight', '2025-12-01T20:15:00-08:00', 'MDY', '2025-12-02T04:15:00.000Z'],
		['ISO with +0200 (no colon) crossing midnight', '2025-12-01T01:00:00+0200', 'MDY', '2025-11-30T23:00:00.000Z'],
		['ISO with space separator', '2025-12-01 14:32:00Z', 'MDY', '2025-12-01T14:32:00.000Z'],
		['leap day', '2024-02-29', 'MDY', '2024-02-29T00:00:00.000Z'],
		// RFC 2822 / HTTP
		['RFC 2822 +0000', 'Mon, 01 Dec 2025 14:32:00 +0000', 'MDY', '2025-12-01T14:32:00.000Z'],
		['RFC 2822 -0500', 'Mon, 01 Dec 2025 09:32:00 -0500', 'DMY', '2025-12-01T14:32:00.000Z'],
		['RFC 2822 without weekday', '01 Dec 2025 14:32 +0100', 'MDY', '2025-12-01T13:32:00.000Z'],
		['HTTP date (GMT)', 'Mon, 01 Dec 2025 14:32:00 GMT', 'MDY', '2025-12-01T14:32:00.000Z'],
		// ambiguous slash dates follow the order option
		['ambiguous 04/05/2025 as MDY', '04/05/2025', 'MDY', '2025-04-05T00:00:00.000Z'],
		['ambiguous 04/05/2025 as DMY', '04/05/2025', 'DMY', '2025-05-04T00:00:00.000Z'],
		['ambiguous single digits as MDY', '4/5/2025', 'MDY', '2025-04-05T00:00:00.000Z'],
		['ambiguous single digits as DMY', '4/5/2025', 'DMY', '2025-05-04T00:00:00.000Z'],
		['ambiguous dash date as MDY', '12-01-2025', 'MDY', '2025-12-01T00:00:00.000Z'],
		['ambiguous dash date as DMY', '12-01-2025', 'DMY', '2025-01-12T00:00:00.000Z'],
		// unambiguous slash dates ignore the order option
		['13/04/2025 is DMY even under MDY', '13/04/2025', 'MDY', '2025-04-13T00:00:00.000Z'],
		['04/13/2025 is MDY even under DMY', '04/13/2025', 'DMY', '2025-04-13T00:00:00.000Z'],
		['25-12-2025 is DMY even under MDY', '25-12-2025', 'MDY', '2025-12-25T00:00:00.000Z'],
		// times on slash dates
		['slash date with HH:mm', '12/01/2025 14:32', 'MDY', '2025-12-01T14:32:00.000Z'],
		['slash date with HH:mm:ss', '01/12/2025 14:32:05', 'DMY', '2025-12-01T14:32:05.000Z'],
		['slash date with PM', '4/5/2025 2:30 PM', 'MDY', '2025-04-05T14:30:00.000Z'],
		['12 AM is midnight', '12/01/2025 12:15 AM', 'MDY', '2025-12-01T00:15:00.000Z'],
		['12 PM is noon', '12/01/2025 12:15 pm', 'MDY', '2025-12-01T12:15:00.000Z'],
		// dot dates are always day first
		['dot date under MDY is still day first', '01.12.2025', 'MDY', '2025-12-01T00:00:00.000Z'],
		['dot date with time', '1.12.2025 14:32', 'MDY', '2025-12-01T14:32:00.000Z'],
		// epoch
		['epoch seconds as number', 1764599520, 'MDY', '2025-12-01T14:32:00.000Z'],
		['epoch seconds as string', '1764599520', 'MDY', '2025-12-01T14:32:00.000Z'],
		['epoch millis as number', 1764599520123, 'MDY', '2025-12-01T14:32:00.123Z'],
		['epoch millis as string', '1764599520123', 'DMY', '2025-12-01T14:32:00.123Z'],
		['epoch seconds 2025-06-15', 1749974400, 'MDY', '2025-06-15T08:00:00.000Z'],
	])('%s', (_label, raw, order, expected) => {
		expect(normalizeDate(raw, order)).toEqual({ ok: true, value: expected });
	});

	it.each<[string, string | number, string]>([
		['Feb 30 (MDY)', '02/30/2025', "'02/30/2025' is not a valid date"],
		['month 13 in ISO', '2025-13-01', "'2025-13-01' is not a valid date"],
		['April 31 (DMY)', '31/04/2025', "'31/04/2025' is not a valid date"],
		['both parts above 12', '13/45/2024', "'13/45/2024' is not a valid date"],
		['Feb 29 in a non-leap year', '2025-02-29', "'2025-02-29' is not a valid date"],
		['hour 25', '2025-12-01T25:00', "'2025-12-01T25:00' is not a valid date"],
		['13 PM', '12/01/2025 13:00 PM', "'12/01/2025 13:00 PM' is not a valid date"],
		['zero date', '0000-00-00', "'0000-00-00' is not a valid date"],
		['RFC 2822 with a wrong weekday', 'Tue, 01 Dec 2025 14:32:00 +0000', 'not a valid date'],
		['tomorrow', 'tomorrow', 'not a recognised date format'],
		['n/a', 'n/a', 'not a recognised date format'],
		['bare time', '14:32', 'not a recognised date format'],
		['two-digit year slash', '4/5/25', 'two-digit year'],
		['two-digit year dot', '01.12.25', 'two-digit year'],
		['two-digit year RFC 850', 'Monday, 01-Dec-25 14:32:00 GMT', 'two-digit year'],
		['7-digit epoch string', '1234567', 'epoch'],
		['negative epoch number', -1764599520, 'negative'],
		['negative epoch string', '-1764599520', 'negative'],
		['NaN', NaN, 'epoch'],
		['Infinity', Infinity, 'epoch'],
		['11-digit epoch number', 17645995201, 'epoch'],
	])('rejects %s', (_label, raw, reasonPart) => {
		const r = normalizeDate(raw, 'MDY');
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.reason).toContain(reasonPart);
	});

	describe('never falls back to the current time', () => {
		const frozenNow = new Date('2031-03-03T03:03:03.000Z');
		beforeAll(() => {
			jest.useFakeTimers();
			jest.setSystemTime(frozenNow);
		});
		afterAll(() => {
			jest.useRealTimers();
		});

		it('returns an error, not "now", for invalid and junk input under both orders', () => {
			const junk: Array<string | number> = [
				'tomorrow',
				'now',
				'today',
				'n/a',
				'0000-00-00',
				'02/30/2025',
				'13/45/2024',
				'2025-13-01',
				'Tue, 01 Dec 2025 14:32:00 +0000',
				'4/5/25',
				'1234567',
				NaN,
				-1,
			];
			for (const order of ['MDY', 'DMY'] as const) {
				for (const raw of junk) {
					const r = normalizeDate(raw, order);
					expect(r.ok).toBe(false);
					expect(JSON.stringify(r)).not.toContain('2031-03-03');
				}
			}
			// sanity: a valid value is its own instant, not the frozen clock
			expect(normalizeDate('2025-12-01', 'MDY')).toEqual({ ok: true, value: '2025-12-01T00:00:00.000Z' });
		});
	});
});

describe('slugify', () => {
	it.each<[string, string]>([
		['CFO Roundtable: Banking Stack Optimization', 'cfo-roundtable-banking-stack-optimization'],
		['Crème Brûlée & Café — 2025!', 'creme-brulee-cafe-2025'],
		['  --Hello__World--  ', 'hello-world'],
		['Ørsted Straße Æble', 'orsted-strasse-aeble'],
		['Q4   Pipeline   Review', 'q4-pipeline-review'],
	])('%j -> %j', (raw, expected) => {
		expect(slugify(raw)).toBe(expected);
	});
});

describe('utmCampaign', () => {
	it.each<[string, string, string]>([
		['CFO Roundtable: Banking Stack', '2025-12-15T18:00:00.000Z', 'event_cfo-roundtable-banking-stack_2025-12-15'],
		['Late Night Demo', '2025-12-15T20:00:00-08:00', 'event_late-night-demo_2025-12-16'],
		['Early Bird', '2025-12-15T01:00:00+02:00', 'event_early-bird_2025-12-14'],
	])('%j on %s', (name, date, expected) => {
		expect(utmCampaign(name, date)).toBe(expected);
	});
});

describe('vendor dates (parseDateInZone): the same grammar as normalizeDate, placed in a zone', () => {
	const utc = resolveZone('UTC');
	const iso = (value: string, tz = 'UTC') => {
		const r = parseDateInZone(value, resolveZone(tz));
		return r.ok ? r.value?.toUTC().toISO() ?? null : `fails: ${r.reason}`;
	};

	it('agrees with normalizeDate on every ISO form it accepts, read in UTC', () => {
		for (const value of [
			'2026-03-10',
			'2026-03-10 13:00',
			'2026-03-10T13:00:05',
			'2026-03-10 13:00:05.25',
			'2026-03-10T13:00:00Z',
			'2026-03-10T13:00:00+05:30',
			'2026-03-10T13:00:00-0400',
		]) {
			const shared = normalizeDate(value, 'MDY');
			expect(shared.ok).toBe(true);
			expect(iso(value)).toBe(shared.ok ? shared.value : 'unreachable');
		}
	});

	it('refuses what normalizeDate refuses, and (strictly) the ambiguous or epoch forms it does not take', () => {
		for (const value of ['2026-02-30', '2026-03-10 24:00', '2026-13-01']) {
			expect(normalizeDate(value, 'MDY').ok).toBe(false);
			expect(parseDateInZone(value, utc)).toEqual({ ok: false, reason: `'${value}' is not a valid date` });
		}
		for (const value of ['03/10/2026', '1700000000', 'Tue, 10 Mar 2026 13:00:00 GMT'])
			expect(parseDateInZone(value, utc)).toEqual({
				ok: false,
				reason: `'${value}' is not a date (expected YYYY-MM-DD HH:MM:SS)`,
			});
	});

	it('a local time goes into the zone; an offset wins over the zone; empty and the zero date are null', () => {
		expect(iso('2026-07-01 10:00:00', 'GMT-5')).toBe('2026-07-01T15:00:00.000Z');
		expect(iso('2026-07-01 10:00:00', 'America/New_York')).toBe('2026-07-01T14:00:00.000Z');
		expect(iso('2026-07-01T10:00:00Z', 'America/New_York')).toBe('2026-07-01T10:00:00.000Z');
		expect(parseDateInZone('  ', utc)).toEqual({ ok: true, value: null });
		expect(parseDateInZone('0000-00-00 00:00:00', utc)).toEqual({ ok: true, value: null });
		expect(iso('2026-07-01 10:00', 'Mars/Olympus')).toBe(
			"fails: '2026-07-01 10:00' cannot be placed in time: time zone 'Mars/Olympus' is neither an IANA name (America/New_York) nor a GMT offset (GMT-5)",
		);
	});
});

describe('money and ids', () => {
	it('money: exact two-place decimals, empty is null, words are reasons', () => {
		expect(parseMoney('1.005')).toEqual({ ok: true, value: '1.01' });
		expect(parseMoney(' ')).toEqual({ ok: true, value: null });
		expect(parseMoney('$5')).toEqual({ ok: false, reason: "'$5' is not a number" });
	});

	it('ids: positive whole numbers up to a bound, empty is null', () => {
		expect(parseId('42')).toEqual({ ok: true, value: 42 });
		expect(parseId(7)).toEqual({ ok: true, value: 7 });
		expect(parseId('')).toEqual({ ok: true, value: null });
		expect(parseId('4x')).toEqual({ ok: false, reason: "'4x' is not a whole number" });
		expect(parseId('0')).toEqual({ ok: false, reason: "'0' is out of range" });
		expect(parseId('2147483648', 2_147_483_647)).toEqual({
			ok: false,
			reason: "'2147483648' is out of range",
		});
	});
});
