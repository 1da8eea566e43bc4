import { createHash } from 'node:crypto';

import type {
	RegistrantsPage,
	SeedData,
	WebinarJamEmulator,
	WebinarJamRegistrant,
} from '../emulators/webinarjam/server';
import { DEFAULT_API_KEY, startWebinarJamEmulator } from '../emulators/webinarjam/server';

interface Reply {
	status: number;
	headers: Headers;
	body: Record<string, any>;
}

const OTHER_KEY = 'wj-emulator-second-key-' + 'f'.repeat(41);
// Thursday 2026-03-12 11:00 in New York (EDT, UTC-4): "this week" is Mon 9 .. Sun 15 March.
const NOW = new Date('2026-03-12T15:00:00Z');

/** A documented call: POST, form-encoded body, api_key in the body. */
async function call(
	emu: WebinarJamEmulator,
	path: string,
	params: Record<string, string | number> = {},
	key: string | null = emu.defaultKey,
): Promise<Reply> {
	const body = new URLSearchParams();
	if (key !== null) body.set('api_key', key);
	for (const [k, v] of Object.entries(params)) body.set(k, String(v));
	const res = await fetch(`${emu.url}${path}`, { method: 'POST', body });
	return {
		status: res.status,
		headers: res.headers,
		body: (await res.json()) as Record<string, any>,
	};
}

async function page(
	emu: WebinarJamEmulator,
	params: Record<string, string | number>,
	product = 'webinarjam',
): Promise<RegistrantsPage> {
	const r = await call(emu, `/${product}/registrants`, params);
	expect(r.status).toBe(200);
	expect(r.body.status).toBe('success');
	return r.body.registrants as RegistrantsPage;
}

/** Every registrant of a filter, following the documented page parameter to the last page. */
async function all(
	emu: WebinarJamEmulator,
	params: Record<string, string | number>,
): Promise<WebinarJamRegistrant[]> {
	const out: WebinarJamRegistrant[] = [];
	for (let p = 1; ; p++) {
		const res = await page(emu, { ...params, page: p });
		out.push(...res.data);
		if (res.next_page_url === null) return out;
	}
}

const lastNames = (rows: WebinarJamRegistrant[]) => rows.map((r) => r.last_name).sort();

// Seven registrants of one New York webinar, on sessions relative to NOW.
const FIXTURE: SeedData = {
	webinars: [
		{
			webinar_id: 10,
			name: 'Attendance Sync Fixture',
			timezone: 'America/New_York',
			schedules: [
				{ schedule: 501, date: '2026-03-12 09:00' }, // today
				{ schedule: 502, date: '2026-03-11 09:00' }, // yesterday
				{ schedule: 503, date: '2026-03-04 09:00' }, // last week
				{ schedule: 504, date: '2026-02-20 09:00' }, // last month
				{ schedule: 505, date: '2026-01-05 09:00' }, // earlier
			],
		},
		{
			webinar_id: 30,
			product: 'everwebinar',
			name: 'Evergreen Fixture',
			timezone: 'America/Los_Angeles',
			schedules: [
				{ schedule: 601, date: '2026-03-12 10:00', comment: 'Every day, 10:00 AM' },
				{ schedule: 602, date: '2026-03-12 10:05', comment: 'Just in time' },
			],
		},
	],
	registrants: [
		{
			webinar_id: 10,
			schedule: 501,
			first_name: 'Ada',
			last_name: 'Lovelace',
			email: 'ada@example.com',
			phone_country_code: '+1',
			phone: '4155552671',
			signup_date: '2026-03-01 09:15:00',
			attended_live: 'Yes',
			entered_live: '00:05:00',
			time_live: '00:50:00', // left at 3300 s
			purchased_live: 'Yes',
			revenue_live: '97.00',
		},
		{
			webinar_id: 10,
			schedule: 501,
			first_name: 'Grace',
			last_name: 'Hopper',
			email: '  Grace.Hopper@Example.COM ',
			attended_live: 'No',
			attended_replay: 'Yes',
			date_replay: '2026-03-12 10:00:00',
			time_replay: '00:30:00', // 1800 s
		},
		{
			webinar_id: 10,
			schedule: 502,
			first_name: 'Alan',
			last_name: 'Turing',
			email: 'alan.turing@example.com',
			attended_live: 'Yes',
			entered_live: '00:00:00',
			time_live: '00:10:00', // left at 600 s
		},
		{
			webinar_id: 10,
			schedule: 503,
			first_name: 'Edsger',
			last_name: 'Dijkstra',
			email: 'edsger@example.com',
			attended_live: 'No',
		},
		{
			webinar_id: 10,
			schedule: 504,
			first_name: 'Barbara',
			last_name: 'Liskov',
			email: 'barbara@example.com',
			attended_live: 'Yes',
			entered_live: '00:01:00',
			time_live: '01:02:03', // left at 3783 s
			attended_replay: 'Yes',
			time_replay: '00:05:00', // 300 s
			purchased_replay: 'Yes',
			revenue_replay: '197.00',
		},
		{
			webinar_id: 10,
			schedule: 505,
			first_name: 'Donald',
			last_name: 'Knuth',
			email: 'DONALD@EXAMPLE.ORG',
			attended_live: 'No',
		},
		{
			// 23:30 on the 11th in New York is already the 12th in UTC: still "yesterday" here.
			webinar_id: 10,
			schedule: 502,
			event: '2026-03-11 23:30',
			first_name: 'Late',
			last_name: 'Owl',
			email: 'late@example.com',
			attended_live: 'No',
		},
	],
};

describe('WebinarJam emulator', () => {
	let emu: WebinarJamEmulator;

	beforeAll(async () => {
		emu = await startWebinarJamEmulator({
			data: FIXTURE,
			now: () => NOW,
			apiKeys: [DEFAULT_API_KEY, OTHER_KEY],
		});
	});
	afterAll(async () => {
		await emu.close();
	});
	beforeEach(() => emu.reset());

	describe('auth and transport', () => {
		it('refuses a missing, unknown or revoked api_key with 401', async () => {
			const missing = await call(emu, '/webinarjam/webinars', {}, null);
			expect(missing.status).toBe(401);
			expect(missing.body).toEqual({ status: 'error', message: 'Missing API key' });

			const wrong = await call(emu, '/webinarjam/webinars', {}, 'x'.repeat(64));
			expect(wrong.status).toBe(401);
			expect(wrong.body.status).toBe('error');

			emu.setFaults({ revokeKey: emu.defaultKey });
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(401);
			expect((await call(emu, '/webinarjam/webinars', {}, OTHER_KEY)).status).toBe(200);
			emu.setFaults({ restoreKey: emu.defaultKey });
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(200);
		});

		it('logs only a fingerprint of the key, never the key', async () => {
			await call(emu, '/webinarjam/webinars');
			await call(emu, '/webinarjam/webinars', {}, 'not-a-real-key-but-still-secret');
			const fp = createHash('sha256').update(emu.defaultKey).digest('hex').slice(0, 12);
			expect(emu.requests()[0]).toMatchObject({
				apiKeyFingerprint: fp,
				apiKeySource: 'body',
				status: 200,
			});
			expect(emu.requests()[0].params).not.toHaveProperty('api_key');
			const logText = JSON.stringify(emu.requests());
			const stateText = await (await fetch(`${emu.url}/__emulator/state`)).text();
			for (const text of [logText, stateText]) {
				expect(text).not.toContain(emu.defaultKey);
				expect(text).not.toContain('not-a-real-key-but-still-secret');
			}
		});

		it('reads form bodies only: a JSON body counts as no api_key, a query-string key is noted', async () => {
			const json = await fetch(`${emu.url}/webinarjam/webinars`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ api_key: emu.defaultKey }),
			});
			expect(json.status).toBe(401);
			expect(emu.requests().at(-1)).toMatchObject({
				bodyIgnored: true,
				contentType: 'application/json',
			});

			const viaQuery = await fetch(
				`${emu.url}/webinarjam/webinars?api_key=${encodeURIComponent(emu.defaultKey)}`,
				{ method: 'POST' },
			);
			expect(viaQuery.status).toBe(200);
			expect(emu.requests().at(-1)).toMatchObject({ apiKeySource: 'query' });
		});

		it('answers 405 to anything but POST and 404 to unknown paths', async () => {
			const get = await fetch(`${emu.url}/webinarjam/webinars`);
			expect(get.status).toBe(405);
			expect(get.headers.get('allow')).toBe('POST');
			expect((await call(emu, '/webinarjam/nothing')).status).toBe(404);
			expect((await call(emu, '/zoom/webinars')).status).toBe(404);
		});
	});

	describe('webinars', () => {
		it('lists each product its own webinars, schedules as description strings', async () => {
			const wj = await call(emu, '/webinarjam/webinars');
			expect(wj.status).toBe(200);
			expect(wj.body.status).toBe('success');
			expect(wj.body.webinars).toEqual([
				expect.objectContaining({
					webinar_id: 10,
					name: 'Attendance Sync Fixture',
					type: 'Series of presentations',
					timezone: 'America/New_York',
				}),
			]);
			expect(wj.body.webinars[0].schedules[0]).toBe('Thursday, 12 Mar 2026, 9:00 AM');

			const ew = await call(emu, '/everwebinar/webinars');
			expect(ew.body.webinars.map((w: { webinar_id: number }) => w.webinar_id)).toEqual([30]);
			expect(ew.body.webinars[0]).not.toHaveProperty('type');
			expect(ew.body.webinars[0].schedules).toEqual(['Every day, 10:00 AM', 'Just in time']);
		});

		it('returns one webinar with schedules {date, schedule, comment} and its timezone', async () => {
			const r = await call(emu, '/webinarjam/webinar', { webinar_id: 10 });
			expect(r.status).toBe(200);
			const w = r.body.webinar;
			expect(w).toMatchObject({ webinar_id: 10, timezone: 'America/New_York' });
			expect(w.schedules).toHaveLength(5);
			expect(w.schedules[0]).toEqual({
				date: '2026-03-12 09:00',
				schedule: 501,
				comment: 'Thursday, 12 Mar 2026, 9:00 AM',
			});
			for (const key of [
				'webinar_hash',
				'title',
				'description',
				'presenters',
				'registration_url',
				'registration_type',
				'registration_fee',
				'direct_live_room_url',
				'direct_replay_room_url',
			])
				expect(w).toHaveProperty(key);

			// EverWebinar converts schedule dates to a GMT offset when asked (10:00 PDT = 19:00 GMT+2).
			const ew = await call(emu, '/everwebinar/webinar', { webinar_id: 30, timezone: 'GMT+2' });
			expect(ew.body.webinar.timezone).toBe('GMT+2');
			expect(ew.body.webinar.schedules[0].date).toBe('2026-03-12 19:00');
		});

		it('answers an unknown webinar with 404 and a missing webinar_id with 422', async () => {
			const unknown = await call(emu, '/webinarjam/webinar', { webinar_id: 999 });
			expect(unknown.status).toBe(404);
			expect(unknown.body).toEqual({ status: 'error', message: 'Webinar not found' });
			// A webinar of the other product is not visible under this prefix.
			expect((await call(emu, '/webinarjam/webinar', { webinar_id: 30 })).status).toBe(404);
			const missing = await call(emu, '/webinarjam/registrants');
			expect(missing.status).toBe(422);
			expect(missing.body.errors).toEqual({
				webinar_id: ['The webinar id field is required.'],
			});
		});
	});

	describe('registrants', () => {
		it('serves documented fields with the API-style values', async () => {
			const res = await page(emu, { webinar_id: 10 });
			const ada = res.data.find((r) => r.last_name === 'Lovelace')!;
			expect(ada).toMatchObject({
				first_name: 'Ada',
				phone_country_code: '+1',
				phone: '4155552671',
				email: 'ada@example.com',
				webinar: 'Attendance Sync Fixture',
				schedule: 501,
				signup_date: '2026-03-01 09:15:00',
				attended_live: 'Yes',
				date_live: '2026-03-12 09:05:00',
				entered_live: '00:05:00',
				time_live: '00:50:00',
				purchased_live: 'Yes',
				revenue_live: '97.00',
				attended_replay: 'No',
				date_replay: '',
				time_replay: '',
				revenue_replay: '0',
				subscribed: 1,
			});
			expect(typeof ada.id).toBe('number');
			expect(typeof ada.lead_id).toBe('number');
			const grace = res.data.find((r) => r.last_name === 'Hopper')!;
			expect(grace).toMatchObject({
				email: '  Grace.Hopper@Example.COM ',
				attended_live: 'No',
				date_live: '',
				entered_live: '',
				time_live: '',
				attended_replay: 'Yes',
				date_replay: '2026-03-12 10:00:00',
				time_replay: '00:30:00',
			});
			expect(res.data.find((r) => r.last_name === 'Liskov')!.time_live).toBe('01:02:03');
		});

		it('paginates with the Laravel keys; pages add up to total without duplicates', async () => {
			emu.seed({
				webinars: [
					{
						webinar_id: 20,
						name: 'Paging',
						schedules: [{ schedule: 701, date: '2026-03-10 12:00' }],
					},
				],
			});
			emu.generate({ webinarId: 20, count: 23, seed: 3 });
			emu.setFaults({ perPage: 5 });

			const first = await page(emu, { webinar_id: 20 });
			expect(Object.keys(first).sort()).toEqual(
				[
					'current_page',
					'data',
					'first_page_url',
					'from',
					'last_page',
					'last_page_url',
					'next_page_url',
					'path',
					'per_page',
					'prev_page_url',
					'to',
					'total',
				].sort(),
			);
			expect(first).toMatchObject({
				current_page: 1,
				from: 1,
				to: 5,
				per_page: 5,
				last_page: 5,
				total: 23,
				prev_page_url: null,
				path: `${emu.url}/webinarjam/registrants`,
				next_page_url: `${emu.url}/webinarjam/registrants?page=2`,
			});

			const seen: WebinarJamRegistrant[] = [];
			let last: RegistrantsPage | undefined;
			for (let p = 1; p <= first.last_page; p++) {
				last = await page(emu, { webinar_id: 20, page: p });
				expect(last.current_page).toBe(p);
				seen.push(...last.data);
			}
			expect(last).toMatchObject({ current_page: 5, from: 21, to: 23, next_page_url: null });
			expect(last!.data).toHaveLength(3);
			expect(seen).toHaveLength(first.total);
			expect(new Set(seen.map((r) => r.id)).size).toBe(23);
			expect(new Set(seen.map((r) => r.email.trim().toLowerCase())).size).toBe(23);

			const beyond = await page(emu, { webinar_id: 20, page: 6 });
			expect(beyond).toMatchObject({ current_page: 6, data: [], from: null, to: null, total: 23 });
			expect((await call(emu, '/webinarjam/registrants', { webinar_id: 20, page: 0 })).status).toBe(
				422,
			);
		});

		it('filters by schedule_id', async () => {
			expect(lastNames(await all(emu, { webinar_id: 10, schedule_id: 501 }))).toEqual([
				'Hopper',
				'Lovelace',
			]);
			expect(lastNames(await all(emu, { webinar_id: 10, schedule_id: 502 }))).toEqual([
				'Owl',
				'Turing',
			]);
			expect(await all(emu, { webinar_id: 10, schedule_id: 999 })).toEqual([]);
		});

		it('filters by attended_live 0-4 (3/4 against attended_live_timestamp)', async () => {
			expect(await all(emu, { webinar_id: 10, attended_live: 0 })).toHaveLength(7);
			expect(lastNames(await all(emu, { webinar_id: 10, attended_live: 1 }))).toEqual([
				'Liskov',
				'Lovelace',
				'Turing',
			]);
			expect(lastNames(await all(emu, { webinar_id: 10, attended_live: 2 }))).toEqual([
				'Dijkstra',
				'Hopper',
				'Knuth',
				'Owl',
			]);
			const before = { webinar_id: 10, attended_live: 3, attended_live_timestamp: 1000 };
			expect(lastNames(await all(emu, before))).toEqual(['Turing']);
			const after = { webinar_id: 10, attended_live: 4, attended_live_timestamp: 1000 };
			expect(lastNames(await all(emu, after))).toEqual(['Liskov', 'Lovelace']);
			const noTs = await call(emu, '/webinarjam/registrants', { webinar_id: 10, attended_live: 3 });
			expect(noTs.status).toBe(422);
			expect(noTs.body.errors).toHaveProperty('attended_live_timestamp');
			const outOfRange = await call(emu, '/webinarjam/registrants', {
				webinar_id: 10,
				attended_live: 5,
			});
			expect(outOfRange.status).toBe(422);
			expect(outOfRange.body.errors.attended_live).toEqual([
				'The attended live must be between 0 and 4.',
			]);
		});

		it('filters by attended_replay and purchased', async () => {
			expect(lastNames(await all(emu, { webinar_id: 10, attended_replay: 1 }))).toEqual([
				'Hopper',
				'Liskov',
			]);
			expect(await all(emu, { webinar_id: 10, attended_replay: 2 })).toHaveLength(5);
			const longReplay = { webinar_id: 10, attended_replay: 4, attended_replay_timestamp: 600 };
			expect(lastNames(await all(emu, longReplay))).toEqual(['Hopper']);
			const shortReplay = { webinar_id: 10, attended_replay: 3, attended_replay_timestamp: 600 };
			expect(lastNames(await all(emu, shortReplay))).toEqual(['Liskov']);
			// purchased covers live and replay purchases.
			expect(lastNames(await all(emu, { webinar_id: 10, purchased: 1 }))).toEqual([
				'Liskov',
				'Lovelace',
			]);
			expect(await all(emu, { webinar_id: 10, purchased: 2 })).toHaveLength(5);
		});

		it('filters by date_range in the webinar time zone against the injected clock', async () => {
			const range = async (code: number) =>
				lastNames(await all(emu, { webinar_id: 10, date_range: code }));
			expect(await range(0)).toHaveLength(7);
			expect(await range(1)).toEqual(['Hopper', 'Lovelace']); // today
			expect(await range(2)).toEqual(['Owl', 'Turing']); // yesterday, incl. 23:30 New York time
			expect(await range(3)).toEqual(['Hopper', 'Lovelace', 'Owl', 'Turing']); // this week
			expect(await range(4)).toEqual(['Dijkstra']); // last week
			expect(await range(5)).toEqual(['Hopper', 'Lovelace', 'Owl', 'Turing']); // last 7 days
			expect(await range(6)).toEqual(['Dijkstra', 'Hopper', 'Lovelace', 'Owl', 'Turing']);
			expect(await range(7)).toEqual(['Liskov']); // last month
			expect(await range(8)).toEqual(['Dijkstra', 'Hopper', 'Liskov', 'Lovelace', 'Owl', 'Turing']);
			expect(
				(await call(emu, '/webinarjam/registrants', { webinar_id: 10, date_range: 9 })).status,
			).toBe(422);
			// Filters combine.
			expect(
				lastNames(await all(emu, { webinar_id: 10, date_range: 3, attended_live: 1 })),
			).toEqual(['Lovelace', 'Turing']);
		});

		it('searches names and emails, case-insensitively', async () => {
			const search = async (term: string) =>
				lastNames(await all(emu, { webinar_id: 10, search: term }));
			expect(await search('grace.hopper@example')).toEqual(['Hopper']);
			expect(await search('LOVELACE')).toEqual(['Lovelace']);
			expect(await search('alan turing')).toEqual(['Turing']);
			expect(await search('example.org')).toEqual(['Knuth']);
			expect(await search('nobody')).toEqual([]);
		});

		it('ignores undocumented parameters, as the API does, and logs them', async () => {
			const res = await page(emu, { webinar_id: 10, schedule: 501, purchased_live: 1 });
			expect(res.total).toBe(7);
			expect(emu.requests().at(-1)!.ignoredParams).toEqual(['schedule', 'purchased_live']);
		});

		it('reflects updateRegistrant between two reads (attendance changes after a sync)', async () => {
			const dijkstra = emu.registrants({ webinar_id: 10 }).find((r) => r.last_name === 'Dijkstra')!;
			expect((await page(emu, { webinar_id: 10, attended_live: 1 })).total).toBe(3);
			const updated = emu.updateRegistrant(dijkstra.id, {
				attended_live: 'Yes',
				entered_live: '00:02:00',
				time_live: '00:20:00',
			});
			expect(updated).toMatchObject({ attended_live: 'Yes', date_live: '2026-03-04 09:02:00' });
			const after = await page(emu, { webinar_id: 10, attended_live: 1 });
			expect(after.total).toBe(4);
			expect(after.data.find((r) => r.id === dijkstra.id)!.time_live).toBe('00:20:00');
		});

		it('keeps registrant ids unique across webinars and products', async () => {
			emu.generate({ webinarId: 10, scheduleId: 503, count: 50, seed: 1 });
			emu.generate({ webinarId: 30, count: 50, seed: 1 });
			const wj = await all(emu, { webinar_id: 10 });
			const ew = (await page(emu, { webinar_id: 30 }, 'everwebinar')).data;
			const ids = [...wj, ...ew].map((r) => r.id);
			expect(ids).toHaveLength(107);
			expect(new Set(ids).size).toBe(107);
			expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
		});
	});

	describe('register', () => {
		it('creates a registrant that the list then shows; the same email again is the same user', async () => {
			const r = await call(emu, '/webinarjam/register', {
				webinar_id: 10,
				schedule: 501,
				first_name: 'New',
				last_name: 'Person',
				email: 'new.person@example.com',
				phone_country_code: '+1',
				phone: '4155550000',
			});
			expect(r.status).toBe(200);
			expect(r.body.status).toBe('success');
			const user = r.body.user;
			expect(user).toMatchObject({
				webinar_id: 10,
				first_name: 'New',
				last_name: 'Person',
				email: 'new.person@example.com',
				schedule: '501',
				date: '2026-03-12 09:00',
				timezone: 'America/New_York',
			});
			for (const key of ['webinar_hash', 'live_room_url', 'replay_room_url', 'thank_you_url'])
				expect(typeof user[key]).toBe('string');

			const found = (await page(emu, { webinar_id: 10, search: 'new.person' })).data;
			expect(found).toHaveLength(1);
			expect(found[0]).toMatchObject({
				id: user.user_id,
				schedule: 501,
				attended_live: 'No',
				signup_date: '2026-03-12 11:00:00', // the injected clock, New York time
				live_room: user.live_room_url,
			});

			const again = await call(emu, '/webinarjam/register', {
				webinar_id: 10,
				schedule: 501,
				first_name: 'New',
				email: ' NEW.person@example.com',
			});
			expect(again.body.user.user_id).toBe(user.user_id);
			expect(emu.requests().at(-1)).toMatchObject({ created: false });
			expect((await page(emu, { webinar_id: 10 })).total).toBe(8);
		});

		it('validates required fields, the schedule and the phone', async () => {
			const base = { webinar_id: 10, schedule: 501, first_name: 'X', email: 'x@example.com' };
			const noEmail = await call(emu, '/webinarjam/register', { ...base, email: '' });
			expect(noEmail.status).toBe(422);
			expect(noEmail.body).toMatchObject({
				status: 'error',
				errors: { email: ['The email field is required.'] },
			});
			const badSchedule = await call(emu, '/webinarjam/register', { ...base, schedule: 999 });
			expect(badSchedule.status).toBe(422);
			expect(badSchedule.body.errors).toHaveProperty('schedule');
			const badPhone = await call(emu, '/webinarjam/register', { ...base, phone: '415-555' });
			expect(badPhone.status).toBe(422);
			const ewBadDate = await call(emu, '/everwebinar/register', {
				...base,
				webinar_id: 30,
				schedule: 601,
				date: '2030-01-01 10:00',
			});
			expect(ewBadDate.status).toBe(422);
			expect(emu.registrantCount()).toBe(7);
		});
	});

	describe('rate limit', () => {
		it('allows 20 calls in one second per key, then 429 without Retry-After (none is documented), then OK after the window', async () => {
			const burst = await Promise.all(
				Array.from({ length: 20 }, async () => await call(emu, '/webinarjam/webinars')),
			);
			expect(burst.map((r) => r.status)).toEqual(Array(20).fill(200));
			const limited = await call(emu, '/webinarjam/webinars');
			expect(limited.status).toBe(429);
			expect(limited.body).toEqual({ status: 'error', message: 'Too Many Attempts.' });
			expect(limited.headers.get('retry-after')).toBeNull();
			// The limit is per key (per user).
			expect((await call(emu, '/webinarjam/webinars', {}, OTHER_KEY)).status).toBe(200);
			await new Promise((r) => setTimeout(r, 1100));
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(200);
		});

		it('sends Retry-After only when switched on, for limit and forced 429s alike', async () => {
			emu.setFaults({ retryAfter: 3, limitPerSecond: 1, force429: 1 });
			const forced = await call(emu, '/webinarjam/webinars');
			expect([forced.status, forced.headers.get('retry-after')]).toEqual([429, '3']);
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(200);
			const limited = await call(emu, '/webinarjam/webinars');
			expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
			emu.setFaults({ retryAfter: 0, force429: 1 });
			const off = await call(emu, '/webinarjam/webinars');
			expect([off.status, off.headers.get('retry-after')]).toEqual([429, null]);
		});

		it('can be lowered at runtime', async () => {
			emu.setFaults({ limitPerSecond: 2 });
			const statuses = [];
			for (let i = 0; i < 3; i++) statuses.push((await call(emu, '/webinarjam/webinars')).status);
			expect(statuses).toEqual([200, 200, 429]);
		});
	});

	describe('faults and control endpoints', () => {
		it('forces 429s, 5xx, an error rate and latency', async () => {
			emu.setFaults({ force429: 1 });
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(429);
			expect(emu.requests().at(-1)).toMatchObject({ status: 429, forced: true });
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(200);

			emu.setFaults({ force5xx: 2, status5xx: 502 });
			const codes = [];
			for (let i = 0; i < 3; i++) codes.push((await call(emu, '/webinarjam/webinars')).status);
			expect(codes).toEqual([502, 502, 200]);

			emu.setFaults({ errorRate5xx: 1 });
			const flaky = await call(emu, '/webinarjam/webinars');
			expect(flaky.status).toBe(503);
			expect(flaky.body.status).toBe('error');
			emu.setFaults({ errorRate5xx: 0, latencyMs: 150 });
			const t0 = Date.now();
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(200);
			expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
		});

		it('exposes faults, state, requests, seed, updates and reset over HTTP', async () => {
			const control = async (path: string, body?: unknown) =>
				await fetch(`${emu.url}/__emulator/${path}`, {
					method: body === undefined ? 'GET' : 'POST',
					headers: { 'content-type': 'application/json' },
					body: body === undefined ? undefined : JSON.stringify(body),
				}).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

			expect((await control('faults', { force5xx: 1 })).body.faults.force5xx).toBe(1);
			expect((await call(emu, '/webinarjam/webinars')).status).toBe(503);
			const log = await control('requests?status=503');
			expect(log.body.entries).toHaveLength(1);

			const state = await control('state?log=0');
			expect(state.body.webinars).toHaveLength(2);
			expect(state.body.registrants.total).toBe(7);
			expect(state.body.registrants.sample.length).toBeLessThanOrEqual(5);
			expect(state.body.registrants).not.toHaveProperty('all');
			expect(state.body).not.toHaveProperty('log');
			expect((await control('state?full=1')).body.registrants.all).toHaveLength(7);

			const gen = await control('generate', { webinarId: 10, scheduleId: 505, count: 3 });
			expect(gen.body.count).toBe(3);
			const upd = await control(`registrants/${gen.body.firstId}`, { attended_live: 'Yes' });
			expect(upd.body.registrant.attended_live).toBe('Yes');

			expect((await control('reset', {})).body).toEqual({ ok: true });
			expect(emu.requests()).toHaveLength(0);
			expect(emu.registrantCount()).toBe(7);
		});
	});
});

describe('WebinarJam emulator with 100,000 generated registrants', () => {
	let emu: WebinarJamEmulator;
	beforeAll(async () => {
		emu = await startWebinarJamEmulator({ data: null, now: () => NOW });
		emu.seed({
			webinars: [
				{
					webinar_id: 1,
					name: 'Benchmark Webinar',
					timezone: 'America/Chicago',
					schedules: [{ schedule: 900, date: '2026-03-10 18:00' }],
				},
			],
		});
	});
	afterAll(async () => {
		await emu.close();
	});

	it('generates them compactly and serves any page in a few ms', async () => {
		const used = () => {
			const m = process.memoryUsage();
			return m.heapUsed + m.arrayBuffers;
		};
		const before = used();
		const t0 = performance.now();
		const gen = emu.generate({ webinarId: 1, count: 100_000, attendedShare: 0.4, seed: 2026 });
		const genMs = performance.now() - t0;
		const growthMb = (used() - before) / 1e6;
		expect(gen).toMatchObject({ count: 100_000, firstId: 1, lastId: 100_000 });
		expect(growthMb).toBeLessThan(150);

		const first = await page(emu, { webinar_id: 1 });
		expect(first.total).toBe(100_000);
		expect(first.last_page).toBe(1000);
		const timings: Array<{ page: number; clientMs: number; serverMs: number }> = [];
		for (const p of [2, 250, 500, 750, 1000]) {
			const t = performance.now();
			const res = await page(emu, { webinar_id: 1, page: p });
			timings.push({
				page: p,
				clientMs: Math.round((performance.now() - t) * 100) / 100,
				serverMs: emu.requests().at(-1)!.durationMs!,
			});
			expect(res.data).toHaveLength(100);
			expect(res.data[0].id).toBe((p - 1) * 100 + 1);
		}
		const serverMedian = timings.map((t) => t.serverMs).sort((a, b) => a - b)[2];
		expect(serverMedian).toBeLessThan(20);

		const attended = await page(emu, { webinar_id: 1, attended_live: 1 });
		expect(attended.total / 100_000).toBeGreaterThan(0.38);
		expect(attended.total / 100_000).toBeLessThan(0.42);
		const t2 = performance.now();
		const attendedP2 = await page(emu, { webinar_id: 1, attended_live: 1, page: 2 });
		const filteredPageMs = performance.now() - t2;
		expect(attendedP2.data.every((r) => r.attended_live === 'Yes')).toBe(true);

		// Messy data is in there: mixed-case and padded emails, "01:02:03", zero-second attendance.
		const rows = emu.registrants({ webinar_id: 1 });
		expect(new Set(rows.map((r) => r.email.trim().toLowerCase())).size).toBe(100_000);
		expect(new Set(rows.map((r) => r.id)).size).toBe(100_000);
		expect(rows.some((r) => r.email !== r.email.trim())).toBe(true);
		expect(rows.some((r) => /[A-Z]/.test(r.email))).toBe(true);
		expect(rows.some((r) => r.time_live === '01:02:03')).toBe(true);
		expect(rows.some((r) => r.attended_live === 'Yes' && r.time_live === '00:00:00')).toBe(true);
		expect(rows.some((r) => r.revenue_live === '97.00')).toBe(true);
		expect(rows.filter((r) => r.attended_live === 'No').every((r) => r.date_live === '')).toBe(
			true,
		);

		console.log(
			[
				`generate(100,000): ${genMs.toFixed(1)} ms, memory growth ${growthMb.toFixed(1)} MB (heap + array buffers)`,
				`pages (client / server ms): ${timings.map((t) => `p${t.page} ${t.clientMs}/${t.serverMs}`).join(', ')}`,
				`attended_live=1: ${attended.total} registrants, page 2 in ${filteredPageMs.toFixed(2)} ms`,
			].join('\n'),
		);
	});
});
