/**
 * The WebinarJam → webinar_registrants transform and its pieces, as pure functions: booleans,
 * intervals, revenue, dates in the webinar's time zone (DST, EverWebinar's GMT-5), the email
 * normalizer, bad values reported (never "now", never dropped), chunk dedupe, the change-detecting
 * upsert statement and the Supabase row comparison.
 */
import {
	decimalToCents,
	intervalSeconds,
	parseDateInZone,
	parseDuration,
	parseMoney,
	parseYesNo,
	resolveZone,
} from '../../nodes/shared/normalize';
import { REGISTRANT_COLUMNS } from '../../nodes/shared/database/schema';
import { sameRow, upsertStatement } from '../../nodes/WebinarJam/v1/database/registrants';
import {
	dedupeChunk,
	type RawRegistrant,
	transformRegistrant,
	webinarContext,
} from '../../nodes/WebinarJam/v1/database/transform';

const NY = webinarContext({
	webinar_id: 1,
	name: 'Attribution 101',
	timezone: 'America/New_York',
	schedules: [
		{ schedule: 1001, date: '2026-03-10 13:00', comment: 'Tuesday, 10 Mar 2026, 1:00 PM' },
		{ schedule: 1002, date: '2026-03-05 16:00', comment: 'Every Thursday' },
		{ schedule: 1002, date: '2026-03-12 16:00', comment: 'Every Thursday' },
	],
});

const ada: RawRegistrant = {
	id: 1,
	lead_id: 700001,
	first_name: 'Ada',
	last_name: 'Lovelace',
	phone_country_code: '+1',
	phone: '4155552671',
	email: 'ada@example.com',
	webinar: 'Attribution 101',
	schedule: 1001,
	signup_date: '2026-03-01 09:15:00',
	attended_live: 'Yes',
	date_live: '2026-03-10 13:02:10',
	entered_live: '00:02:10',
	time_live: '00:55:00',
	purchased_live: 'Yes',
	revenue_live: '97.00',
	attended_replay: 'No',
	date_replay: '',
	time_replay: '',
	purchased_replay: 'No',
	revenue_replay: '0',
};

function row(raw: RawRegistrant, ctx = NY) {
	const result = transformRegistrant(raw, ctx);
	if (!result.ok) throw new Error(`expected a row, got ${JSON.stringify(result.failure)}`);
	return result.row;
}

function failure(raw: RawRegistrant, ctx = NY) {
	const result = transformRegistrant(raw, ctx);
	if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.row)}`);
	return result.failure;
}

describe('booleans', () => {
	it.each([
		['Yes', true],
		['yes', true],
		['YES ', true],
		['1', true],
		[1, true],
		[true, true],
		['No', false],
		['0', false],
		[0, false],
		[false, false],
		['', false],
		[null, false],
		[undefined, false],
	])('%p → %p', (input, expected) => {
		expect(parseYesNo(input)).toEqual({ ok: true, value: expected });
	});

	it('anything else is a reason, not false', () => {
		expect(parseYesNo('maybe')).toEqual({ ok: false, reason: "'maybe' is not Yes/No or 1/0" });
		expect(failure({ ...ada, purchased_live: 'sometimes' })).toMatchObject({
			webinarjam_id: 1,
			field: 'purchased_live',
			reason: "purchased_live 'sometimes' is not Yes/No or 1/0",
		});
	});
});

describe('durations → intervals', () => {
	it.each([
		['00:55:00', '00:55:00'],
		['1:02:03', '01:02:03'],
		['125:00:09', '125:00:09'],
		[' 00:00:00 ', '00:00:00'],
	])('%p → %p', (input, expected) => {
		expect(parseDuration(input)).toEqual({ ok: true, value: expected });
	});

	it('empty is NULL; other text is a reason', () => {
		expect(parseDuration('')).toEqual({ ok: true, value: null });
		expect(parseDuration(null)).toEqual({ ok: true, value: null });
		for (const bad of ['55 min', '00:61:00', '12:30', '3600', 'abc']) {
			expect(parseDuration(bad).ok).toBe(false);
		}
		expect(failure({ ...ada, time_live: 'about an hour' })).toMatchObject({
			field: 'time_live',
			reason: "time_live 'about an hour' is not a duration (expected HH:MM:SS)",
		});
	});

	it('reads Postgres / PostgREST interval output back as seconds', () => {
		expect(intervalSeconds('00:55:00')).toBe(3300);
		expect(intervalSeconds('125:00:09')).toBe(450009);
		expect(intervalSeconds('1 day 02:03:04')).toBe(93784);
		expect(intervalSeconds('-00:00:05')).toBe(-5);
		expect(intervalSeconds('PT1H2M3S')).toBe(3723);
		expect(intervalSeconds('P1DT2H')).toBe(93600);
		expect(Number.isNaN(intervalSeconds('soon'))).toBe(true);
	});
});

describe('revenue → decimal', () => {
	it.each([
		['97.00', '97.00'],
		['97', '97.00'],
		['0', '0.00'],
		['', null],
		[null, null],
		[497, '497.00'],
		['1.005', '1.01'],
		['-20.5', '-20.50'],
		['99999999.99', '99999999.99'],
	])('%p → %p', (input, expected) => {
		expect(parseMoney(input)).toEqual({ ok: true, value: expected });
	});

	it('an empty revenue is 0.00 in the row (WebinarJam leaves it empty when nothing was bought)', () => {
		expect(row({ ...ada, revenue_live: '', revenue_replay: null })).toMatchObject({
			revenue_live: '0.00',
			revenue_replay: '0.00',
		});
	});

	it('non-numeric and too large are reasons, not 0', () => {
		for (const bad of ['$97.00', '1,234.00', 'N/A', 'free', '1e3']) {
			expect(parseMoney(bad)).toEqual({ ok: false, reason: `'${bad}' is not a number` });
		}
		expect(parseMoney('100000000.00')).toEqual({
			ok: false,
			reason: "'100000000.00' is too large for numeric(10,2)",
		});
		expect(failure({ ...ada, revenue_live: 'N/A' })).toMatchObject({
			field: 'revenue_live',
			reason: "revenue_live 'N/A' is not a number",
		});
	});

	it('compares amounts exactly in cents', () => {
		expect(decimalToCents(97)).toEqual({ ok: true, value: 9700 });
		expect(decimalToCents('97.00')).toEqual({ ok: true, value: 9700 });
		expect(decimalToCents('0.1')).toEqual({ ok: true, value: 10 });
	});
});

describe('dates in the webinar time zone', () => {
	const at = (value: string, tz: string) => {
		const parsed = parseDateInZone(value, resolveZone(tz));
		if (!parsed.ok || parsed.value === null) throw new Error(JSON.stringify(parsed));
		return parsed.value.toUTC().toISO();
	};

	it('IANA zones, across the US DST change (2026-03-08)', () => {
		expect(at('2026-03-06 13:00:00', 'America/New_York')).toBe('2026-03-06T18:00:00.000Z'); // EST
		expect(at('2026-03-10 13:00:00', 'America/New_York')).toBe('2026-03-10T17:00:00.000Z'); // EDT
		expect(at('2026-07-01 09:30', 'Europe/London')).toBe('2026-07-01T08:30:00.000Z'); // BST
		expect(at('2026-01-15 09:30', 'Europe/London')).toBe('2026-01-15T09:30:00.000Z'); // GMT
		expect(at('2026-03-10 13:00:00', 'Asia/Kolkata')).toBe('2026-03-10T07:30:00.000Z');
	});

	it('DST edges are read as Postgres reads them', () => {
		// 02:30 does not exist on 2026-03-08 in New York: the offset before the jump (EST), 03:30 EDT.
		expect(at('2026-03-08 02:30:00', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
		// 01:30 happens twice on 2026-11-01: the offset after the jump back (EST, UTC-5).
		expect(at('2026-11-01 01:30:00', 'America/New_York')).toBe('2026-11-01T06:30:00.000Z');
	});

	it("EverWebinar's GMT offsets (GMT-5 is five hours behind UTC, all year)", () => {
		expect(at('2026-07-01 10:00:00', 'GMT-5')).toBe('2026-07-01T15:00:00.000Z');
		expect(at('2026-01-01 10:00:00', 'GMT-5')).toBe('2026-01-01T15:00:00.000Z');
		expect(at('2026-01-01 10:00:00', 'GMT+5:30')).toBe('2026-01-01T04:30:00.000Z');
		expect(at('2026-01-01 10:00:00', 'GMT+0545')).toBe('2026-01-01T04:15:00.000Z');
		expect(at('2026-01-01 10:00:00', 'UTC')).toBe('2026-01-01T10:00:00.000Z');
		expect(at('2026-01-01 10:00:00', 'Etc/GMT+5')).toBe('2026-01-01T15:00:00.000Z'); // POSIX sign
	});

	it('an ISO value with an offset keeps it', () => {
		expect(at('2026-03-10T13:00:00-04:00', 'Europe/London')).toBe('2026-03-10T17:00:00.000Z');
		expect(at('2026-03-10T17:00:00Z', 'Asia/Tokyo')).toBe('2026-03-10T17:00:00.000Z');
	});

	it('empty and the MySQL zero date are NULL', () => {
		const zone = resolveZone('America/New_York');
		expect(parseDateInZone('', zone)).toEqual({ ok: true, value: null });
		expect(parseDateInZone(null, zone)).toEqual({ ok: true, value: null });
		expect(parseDateInZone('0000-00-00 00:00:00', zone)).toEqual({ ok: true, value: null });
	});

	it('a bad date is reported, never "now" and never dropped', () => {
		const zone = resolveZone('America/New_York');
		for (const bad of [
			'2026-02-30 10:00:00',
			'2026-13-01 10:00:00',
			'10/03/2026',
			'yesterday',
			'2026-03-10 25:00:00',
		]) {
			const parsed = parseDateInZone(bad, zone);
			expect(parsed.ok).toBe(false);
		}
		const f = failure({ ...ada, date_live: '2026-02-30 13:02:10' });
		expect(f).toMatchObject({ webinarjam_id: 1, email: 'ada@example.com', field: 'date_live' });
		expect(f.reason).toMatch(/^date_live '2026-02-30 13:02:10' is not a valid date/);
		expect(failure({ ...ada, signup_date: 'soon' })).toMatchObject({
			field: 'signup_date',
			reason: "signup_date 'soon' is not a date (expected YYYY-MM-DD HH:MM:SS)",
		});
	});

	it('an unknown time zone fails the rows that have dates, naming the zone', () => {
		expect('reason' in resolveZone('Mars/Olympus')).toBe(true);
		expect('reason' in resolveZone('GMT-25')).toBe(true);
		const ctx = webinarContext({ webinar_id: 9, timezone: 'Mars/Olympus', schedules: [] });
		expect(failure({ ...ada }, ctx)).toMatchObject({
			field: 'signup_date',
			reason:
				"signup_date '2026-03-01 09:15:00' cannot be placed in time: time zone 'Mars/Olympus' is neither an IANA name (America/New_York) nor a GMT offset (GMT-5)",
		});
	});
});

describe('transformRegistrant', () => {
	it('maps a registrant to every column', () => {
		const r = row(ada);
		expect(Object.keys(r).sort()).toEqual(REGISTRANT_COLUMNS.map((c) => c.name).sort());
		expect(r).toEqual({
			webinarjam_id: 1,
			lead_id: 700001,
			webinar_id: 1,
			schedule_id: 1001,
			event_id: null,
			email: 'ada@example.com',
			first_name: 'Ada',
			last_name: 'Lovelace',
			phone_country_code: '+1',
			phone_number: '4155552671',
			webinar_name: 'Attribution 101',
			schedule: 'Tuesday, 10 Mar 2026, 1:00 PM',
			event_date: '2026-03-10T17:00:00.000Z',
			signup_date: '2026-03-01T14:15:00.000Z',
			attended_live: true,
			date_live: '2026-03-10T17:02:10.000Z',
			entered_live: '00:02:10',
			time_live: '00:55:00',
			purchased_live: true,
			revenue_live: '97.00',
			attended_replay: false,
			date_replay: null,
			time_replay: null,
			purchased_replay: false,
			revenue_replay: '0.00',
		});
	});

	it('email trimmed and lower-cased; names trimmed; empty text is NULL', () => {
		const r = row({
			...ada,
			email: '  Grace.Hopper@Example.COM ',
			first_name: 'grace ',
			last_name: '',
			phone: '',
		});
		expect(r.email).toBe('grace.hopper@example.com');
		expect(r.first_name).toBe('grace');
		expect(r.last_name).toBeNull();
		expect(r.phone_number).toBeNull();
	});

	it('the session: date_live − entered_live, else the schedule’s one date, else the series session after signup', () => {
		expect(row(ada).event_date).toBe('2026-03-10T17:00:00.000Z');
		const noShow = { ...ada, attended_live: 'No', date_live: '', entered_live: '', time_live: '' };
		expect(row(noShow).event_date).toBe('2026-03-10T17:00:00.000Z');
		// Schedule 1002 is a series (5 and 12 March, 16:00 New York).
		expect(row({ ...noShow, schedule: 1002, signup_date: '2026-03-07 10:00:00' }).event_date).toBe(
			'2026-03-12T20:00:00.000Z',
		);
		expect(row({ ...noShow, schedule: 1002, signup_date: '2026-03-01 10:00:00' }).event_date).toBe(
			'2026-03-05T21:00:00.000Z',
		);
		// Unknown schedule: no session date, and no made-up one.
		expect(row({ ...noShow, schedule: 4242 }).event_date).toBeNull();
	});

	it('no schedule in the row: the requested one', () => {
		const { schedule: _drop, ...withoutSchedule } = ada;
		void _drop;
		expect(failure(withoutSchedule)).toMatchObject({ field: 'schedule' });
		expect(row(withoutSchedule, { ...NY, requestedScheduleId: 1001 }).schedule_id).toBe(1001);
	});

	it('rows without email or id are reported with what is known', () => {
		expect(failure({ ...ada, email: '   ' })).toEqual({
			webinarjam_id: 1,
			email: null,
			field: 'email',
			reason: 'the registrant has no email',
			webinar_id: 1,
		});
		expect(failure({ ...ada, email: 'not-an-email' })).toMatchObject({
			field: 'email',
			email: 'not-an-email',
			reason: "not a valid email address: missing '@'",
		});
		expect(failure({ ...ada, id: undefined })).toEqual({
			webinarjam_id: null,
			email: 'ada@example.com',
			field: 'id',
			reason: 'the registrant has no id',
			webinar_id: 1,
		});
		expect(failure({ ...ada, id: 'x12' })).toMatchObject({ webinarjam_id: 'x12', field: 'id' });
	});
});

describe('chunks and change detection', () => {
	it('duplicate ids inside a chunk: the last wins, rows ordered by id', () => {
		const a = row({ ...ada, id: 5, first_name: 'First' });
		const b = row({ ...ada, id: 3 });
		const c = row({ ...ada, id: 5, first_name: 'Last' });
		const { rows, duplicates } = dedupeChunk([a, b, c]);
		expect(duplicates).toBe(1);
		expect(rows.map((r) => [r.webinarjam_id, r.first_name])).toEqual([
			[3, 'Ada'],
			[5, 'Last'],
		]);
	});

	it('the Postgres statement: one multi-row upsert that skips unchanged rows', () => {
		const sql = upsertStatement('public');
		expect(sql).toContain('INSERT INTO "public"."webinar_registrants" AS t');
		expect(sql).toContain(
			'FROM json_populate_recordset(NULL::"public"."webinar_registrants", $1::json)',
		);
		expect(sql).toContain('ON CONFLICT (webinarjam_id) DO UPDATE SET');
		expect(sql).toContain('updated_at = now(), last_synced_at = now()');
		expect(sql).toMatch(/WHERE \(t\."lead_id", .*\) IS DISTINCT FROM \(EXCLUDED\."lead_id", .*\)/);
		// Results come back by key: the id of each row the statement inserted or changed.
		expect(sql).toContain('RETURNING webinarjam_id, (xmax = 0) AS inserted');
		expect(sql).not.toMatch(/SET "webinarjam_id"/);
		expect(() => upsertStatement('bad; drop')).toThrow(/not a plain SQL name/);
	});

	it('Supabase comparison: equal across PostgREST formats, different on any real change', () => {
		const r = row(ada);
		const fromPostgrest: Record<string, unknown> = {
			...r,
			event_date: '2026-03-10T17:00:00+00:00',
			signup_date: '2026-03-01T14:15:00+00:00',
			date_live: '2026-03-10T17:02:10+00:00',
			revenue_live: 97,
			revenue_replay: 0,
			lead_id: 700001,
		};
		expect(sameRow(fromPostgrest, r)).toBe(true);
		expect(sameRow({ ...fromPostgrest, time_live: '00:56:00' }, r)).toBe(false);
		expect(sameRow({ ...fromPostgrest, attended_replay: true }, r)).toBe(false);
		expect(sameRow({ ...fromPostgrest, revenue_live: 97.01 }, r)).toBe(false);
		expect(sameRow({ ...fromPostgrest, date_live: '2026-03-10T17:02:11+00:00' }, r)).toBe(false);
		expect(sameRow({ ...fromPostgrest, last_name: null }, r)).toBe(false);
	});
});
