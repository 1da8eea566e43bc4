import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { HighLevelEmulator } from '../emulators/highlevel/server';
import {
	API_VERSION,
	DEFAULT_LOCATION_ID,
	DEFAULT_TOKEN,
	startHighLevelEmulator,
} from '../emulators/highlevel/server';

interface Reply {
	status: number;
	headers: Headers;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
}

interface CallInit {
	method?: string;
	body?: unknown;
	token?: string | null;
	version?: string | null;
}

async function call(base: string, p: string, init: CallInit = {}): Promise<Reply> {
	const { method = 'GET', body, token = DEFAULT_TOKEN, version = API_VERSION } = init;
	const headers: Record<string, string> = { accept: 'application/json' };
	if (body !== undefined) headers['content-type'] = 'application/json';
	if (token) headers.authorization = `Bearer ${token}`;
	if (version) headers.version = version;
	const res = await fetch(`${base}${p}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const control = async (base: string, p: string, body?: unknown) =>
	await call(base, p, {
		method: body === undefined ? 'GET' : 'POST',
		body,
		token: null,
		version: null,
	});
const sleep = async (ms: number) => await new Promise((r) => setTimeout(r, ms));
const rate = (r: Reply) => ({
	max: r.headers.get('x-ratelimit-max'),
	remaining: r.headers.get('x-ratelimit-remaining'),
	interval: r.headers.get('x-ratelimit-interval-milliseconds'),
	daily: r.headers.get('x-ratelimit-limit-daily'),
	dailyRemaining: r.headers.get('x-ratelimit-daily-remaining'),
});

describe('HighLevel emulator', () => {
	let emu: HighLevelEmulator;

	beforeAll(async () => {
		emu = await startHighLevelEmulator();
	});
	afterAll(async () => {
		await emu.close();
	});
	beforeEach(() => emu.reset());

	describe('Version header and auth', () => {
		it('rejects a missing or unknown Version header with 401, accepts 2021-07-28', async () => {
			const missing = await call(emu.url, `/locations/${DEFAULT_LOCATION_ID}`, { version: null });
			expect(missing.status).toBe(401);
			expect(missing.body).toEqual({
				statusCode: 401,
				message: 'version header was not found.',
				error: 'Unauthorized',
			});
			const wrong = await call(emu.url, `/locations/${DEFAULT_LOCATION_ID}`, {
				version: '2020-01-01',
			});
			expect(wrong.status).toBe(401);
			expect(wrong.body.message).toBe('version header is invalid');
			const ok = await call(emu.url, `/locations/${DEFAULT_LOCATION_ID}`);
			expect(ok.status).toBe(200);
			expect(emu.requests().map((e) => [e.version, e.status])).toEqual([
				[undefined, 401],
				['2020-01-01', 401],
				['2021-07-28', 200],
			]);
			expect(emu.state.counters.versionRejected).toBe(2);
		});

		it('is strict about the version when started with versions: [API_VERSION]', async () => {
			const strict = await startHighLevelEmulator({ versions: [API_VERSION] });
			try {
				const p = `/locations/${DEFAULT_LOCATION_ID}`;
				expect((await call(strict.url, p, { version: '2021-04-15' })).status).toBe(401);
				expect((await call(strict.url, p)).status).toBe(200);
				// The default emulator accepts every published version.
				expect((await call(emu.url, p, { version: '2021-04-15' })).status).toBe(200);
			} finally {
				await strict.close();
			}
		});

		it('rejects missing, unknown and revoked bearer tokens with the UnauthorizedDTO body', async () => {
			const p = `/locations/${DEFAULT_LOCATION_ID}`;
			for (const token of [null, 'pit-not-a-real-token']) {
				const r = await call(emu.url, p, { token });
				expect(r.status).toBe(401);
				expect(r.headers.get('content-type')).toMatch(/application\/json/);
				expect(r.body).toEqual({
					statusCode: 401,
					message: 'Invalid token: access token is invalid',
					error: 'Unauthorized',
				});
			}
			expect((await call(emu.url, p)).status).toBe(200);

			const revoked = await control(emu.url, '/__emulator/faults', { revokeToken: DEFAULT_TOKEN });
			expect(revoked.body.revokedTokenFingerprints).toHaveLength(1);
			expect((await call(emu.url, p)).status).toBe(401);
			emu.setFaults({ restoreToken: DEFAULT_TOKEN });
			expect((await call(emu.url, p)).status).toBe(200);
			expect(emu.state.counters.unauthorized).toBe(3);
		});
	});

	describe('locations', () => {
		it('reads the token location and refuses another one with 403', async () => {
			const r = await call(emu.url, `/locations/${DEFAULT_LOCATION_ID}`);
			expect(r.status).toBe(200);
			expect(r.body.location).toMatchObject({
				id: DEFAULT_LOCATION_ID,
				name: 'Marketing Ops Emulator',
				companyId: expect.any(String),
				timezone: expect.any(String),
			});
			const other = await call(emu.url, '/locations/someoneElsesLocation1');
			expect(other.status).toBe(403);
			expect(other.body).toEqual({
				statusCode: 403,
				message: 'The token does not have access to this location.',
			});
		});

		it('scopes each token to its own location', async () => {
			const multi = await startHighLevelEmulator({
				tokens: [
					DEFAULT_TOKEN,
					{ token: 'pit-second-location', locationId: 'secondLocation00001' },
				],
			});
			try {
				expect((await call(multi.url, `/locations/${DEFAULT_LOCATION_ID}`)).status).toBe(200);
				const second = await call(multi.url, '/locations/secondLocation00001', {
					token: 'pit-second-location',
				});
				expect(second.status).toBe(200);
				expect(second.body.location.id).toBe('secondLocation00001');
				const c = multi.seedContact({ email: 'a@x.com' });
				const cross = await call(multi.url, `/contacts/${c.id}`, { token: 'pit-second-location' });
				expect(cross.status).toBe(403);
			} finally {
				await multi.close();
			}
		});
	});

	describe('contacts', () => {
		it('creates a contact (201), reads it back, and refuses a duplicate email', async () => {
			const created = await call(emu.url, '/contacts/', {
				method: 'POST',
				body: {
					locationId: DEFAULT_LOCATION_ID,
					email: 'Ada@Example.com',
					firstName: 'Ada',
					lastName: 'Lovelace',
					tags: ['Webinar', 'webinar', ' VIP '],
				},
			});
			expect(created.status).toBe(201);
			const contact = created.body.contact;
			expect(contact).toMatchObject({
				id: expect.stringMatching(/^[A-Za-z0-9]{20}$/),
				locationId: DEFAULT_LOCATION_ID,
				email: 'Ada@Example.com',
				emailLowerCase: 'ada@example.com',
				firstName: 'Ada',
				lastName: 'Lovelace',
				tags: ['webinar', 'vip'],
				dateAdded: expect.any(String),
			});

			const got = await call(emu.url, `/contacts/${contact.id}`);
			expect(got.status).toBe(200);
			expect(got.body.contact).toMatchObject({ id: contact.id, tags: ['webinar', 'vip'] });

			const dup = await call(emu.url, '/contacts/', {
				method: 'POST',
				body: { locationId: DEFAULT_LOCATION_ID, email: 'ada@example.com' },
			});
			expect(dup.status).toBe(400);
			expect(dup.body).toEqual({
				statusCode: 400,
				message: 'This location does not allow duplicated contacts.',
				meta: { contactName: 'Ada Lovelace', contactId: contact.id, matchingField: 'email' },
			});

			const noLocation = await call(emu.url, '/contacts/', {
				method: 'POST',
				body: { email: 'b@example.com' },
			});
			expect(noLocation.status).toBe(422);
			expect(noLocation.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
			expect(emu.contacts()).toHaveLength(1);
		});

		it('finds duplicates by email (any case) or number, and answers {contact: null} when none', async () => {
			const c = emu.seedContact({ email: 'grace@example.com', phone: '+14155552671', tags: ['A'] });
			expect(c.tags).toEqual(['a']);
			const q = (params: string) =>
				`/contacts/search/duplicate?locationId=${DEFAULT_LOCATION_ID}&${params}`;

			const byEmail = await call(emu.url, q('email=GRACE%40example.com'));
			expect(byEmail.status).toBe(200);
			expect(byEmail.body.contact).toMatchObject({
				id: c.id,
				email: 'grace@example.com',
				tags: ['a'],
			});

			const byNumber = await call(emu.url, q('number=%2B14155552671'));
			expect(byNumber.body.contact.id).toBe(c.id);

			const none = await call(emu.url, q('email=nobody%40example.com'));
			expect(none.status).toBe(200);
			expect(none.body).toEqual({ contact: null });

			const missing = await call(emu.url, '/contacts/search/duplicate?email=grace%40example.com');
			expect(missing.status).toBe(422);
			const other = await call(
				emu.url,
				'/contacts/search/duplicate?locationId=otherLocation0000001&email=grace%40example.com',
			);
			expect(other.status).toBe(403);
			expect(emu.requests({ status: 200 }).map((e) => e.query.email ?? e.query.number)).toEqual([
				'GRACE@example.com',
				'+14155552671',
				'nobody@example.com',
			]);
		});

		it('answers the unknown-contact 400 on get, tags and update', async () => {
			const expected = {
				statusCode: 400,
				message: 'Contact with id nope000000000000000 not found',
				error: 'Contact with id nope000000000000000 not found',
			};
			const get = await call(emu.url, '/contacts/nope000000000000000');
			expect(get.status).toBe(400);
			expect(get.body).toEqual(expected);
			for (const method of ['POST', 'DELETE']) {
				const r = await call(emu.url, '/contacts/nope000000000000000/tags', {
					method,
					body: { tags: ['x'] },
				});
				expect([r.status, r.body]).toEqual([400, expected]);
			}
			const put = await call(emu.url, '/contacts/nope000000000000000', {
				method: 'PUT',
				body: { firstName: 'X' },
			});
			expect([put.status, put.body]).toEqual([400, expected]);
			expect(emu.requests().every((e) => e.contactId === 'nope000000000000000')).toBe(true);
		});

		it('answers 404 "Cannot METHOD path" for routes it does not serve', async () => {
			const r = await call(emu.url, '/opportunities/search');
			expect(r.status).toBe(404);
			expect(r.body).toEqual({
				statusCode: 404,
				message: 'Cannot GET /opportunities/search',
				error: 'Not Found',
			});
		});
	});

	describe('tags', () => {
		it('adds tags idempotently, lowercased, and answers 201 with every tag of the contact', async () => {
			const c = emu.seedContact({ email: 'tag@example.com', tags: ['existing'] });
			const p = `/contacts/${c.id}/tags`;
			const first = await call(emu.url, p, {
				method: 'POST',
				body: { tags: ['Event-2030', 'VIP'] },
			});
			expect(first.status).toBe(201);
			expect(first.body).toEqual({ tags: ['existing', 'event-2030', 'vip'] });
			const again = await call(emu.url, p, {
				method: 'POST',
				body: { tags: ['vip', 'EVENT-2030', 'event-2030'] },
			});
			expect(again.status).toBe(201);
			expect(again.body).toEqual({ tags: ['existing', 'event-2030', 'vip'] });
			expect(emu.tagsOf(c.id)).toEqual(['existing', 'event-2030', 'vip']);
			expect(emu.state.snapshot().tags[c.id]).toEqual(['existing', 'event-2030', 'vip']);
			expect(emu.tagsOf('unknown')).toBeUndefined();

			const bad = await call(emu.url, p, { method: 'POST', body: { tags: 'vip' } });
			expect(bad.status).toBe(422);
			expect(bad.body).toMatchObject({ statusCode: 422, message: expect.any(Array) });
		});

		it('removes tags given in the body of a DELETE (case-insensitively)', async () => {
			const c = emu.seedContact({ email: 'rm@example.com', tags: ['a', 'b', 'c'] });
			const r = await call(emu.url, `/contacts/${c.id}/tags`, {
				method: 'DELETE',
				body: { tags: ['B', 'not-there'] },
			});
			expect(r.status).toBe(200);
			expect(r.body).toEqual({ tags: ['a', 'c'] });
			expect(emu.tagsOf(c.id)).toEqual(['a', 'c']);
			const [entry] = emu.requests({ method: 'DELETE' });
			expect(entry.body).toEqual({ tags: ['B', 'not-there'] });
			expect(entry.contactId).toBe(c.id);

			const noBody = await call(emu.url, `/contacts/${c.id}/tags`, { method: 'DELETE' });
			expect(noBody.status).toBe(422);
			expect(emu.tagsOf(c.id)).toEqual(['a', 'c']);
		});

		it('PUT /contacts/{id} replaces the whole tag set (and rejects locationId)', async () => {
			const c = emu.seedContact({ email: 'put@example.com', firstName: 'Old', tags: ['a', 'b'] });
			const r = await call(emu.url, `/contacts/${c.id}`, {
				method: 'PUT',
				body: { firstName: 'New', tags: ['C', 'd'] },
			});
			expect(r.status).toBe(200);
			expect(r.body.succeded).toBe(true);
			expect(r.body.contact).toMatchObject({ id: c.id, firstName: 'New', tags: ['c', 'd'] });
			expect(emu.tagsOf(c.id)).toEqual(['c', 'd']);

			const keep = await call(emu.url, `/contacts/${c.id}`, {
				method: 'PUT',
				body: { lastName: 'Kept' },
			});
			expect(keep.body.contact.tags).toEqual(['c', 'd']);

			const withLocation = await call(emu.url, `/contacts/${c.id}`, {
				method: 'PUT',
				body: { locationId: DEFAULT_LOCATION_ID, tags: [] },
			});
			expect(withLocation.status).toBe(422);
			expect(withLocation.body.message).toEqual(['property locationId should not exist']);
			expect(emu.tagsOf(c.id)).toEqual(['c', 'd']);
		});
	});

	describe('rate limits', () => {
		it('sends the X-RateLimit-* headers, counts down, 429s past the limit, recovers after the window', async () => {
			const small = await startHighLevelEmulator({
				limitPer10s: 3,
				windowMs: 400,
				dailyLimit: 1000,
			});
			try {
				const p = `/locations/${DEFAULT_LOCATION_ID}`;
				const replies = [];
				for (let i = 0; i < 4; i++) replies.push(await call(small.url, p));
				expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
				expect(replies.map((r) => rate(r).remaining)).toEqual(['2', '1', '0', '0']);
				expect(rate(replies[0])).toEqual({
					max: '3',
					remaining: '2',
					interval: '400',
					daily: '1000',
					dailyRemaining: '999',
				});
				expect(replies[3].body).toEqual({ statusCode: 429, message: 'Too many requests' });
				expect(rate(replies[3]).dailyRemaining).toBe('997');
				expect(replies[3].headers.get('retry-after')).toBeNull();
				expect(small.requests({ status: 429 })[0].rateLimit).toBe('burst');

				await sleep(450);
				const after = await call(small.url, p);
				expect(after.status).toBe(200);
				expect(rate(after).remaining).toBe('2');
				expect(small.state.counters).toMatchObject({ requests: 5, accepted: 4, rateLimited: 1 });
			} finally {
				await small.close();
			}
		});

		it('keeps the window rolling per token and the daily budget per location', async () => {
			const emu2 = await startHighLevelEmulator({
				tokens: [DEFAULT_TOKEN, 'pit-second-integration'],
				limitPer10s: 2,
				windowMs: 60000,
				dailyLimit: 3,
				retryAfter: true,
			});
			try {
				const p = `/locations/${DEFAULT_LOCATION_ID}`;
				expect((await call(emu2.url, p)).status).toBe(200);
				expect((await call(emu2.url, p)).status).toBe(200);
				const burst = await call(emu2.url, p);
				expect(burst.status).toBe(429);
				expect(Number(burst.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
				// A second Private Integration of the same location has its own burst window ...
				const second = await call(emu2.url, p, { token: 'pit-second-integration' });
				expect(second.status).toBe(200);
				expect(rate(second)).toMatchObject({ remaining: '1', dailyRemaining: '0' });
				// ... but shares the location's daily counter.
				const daily = await call(emu2.url, p, { token: 'pit-second-integration' });
				expect(daily.status).toBe(429);
				expect(emu2.requests({ status: 429 }).map((e) => e.rateLimit)).toEqual(['burst', 'daily']);
				expect(emu2.state.counters).toMatchObject({ rateLimited: 1, dailyLimited: 1 });
			} finally {
				await emu2.close();
			}
		});

		it('changes the limit at runtime through POST /__emulator/faults', async () => {
			const r = await control(emu.url, '/__emulator/faults', { limitPer10s: 1 });
			expect(r.body.limits).toMatchObject({ limitPer10s: 1, windowMs: 10000, dailyLimit: 200000 });
			const p = `/locations/${DEFAULT_LOCATION_ID}`;
			expect((await call(emu.url, p)).status).toBe(200);
			const limited = await call(emu.url, p);
			expect(limited.status).toBe(429);
			expect(rate(limited).max).toBe('1');
			emu.reset();
			expect(emu.state.limits.limitPer10s).toBe(100);
		});
	});

	describe('faults', () => {
		it('forces the next N 429s and 5xx, then answers normally', async () => {
			const p = `/locations/${DEFAULT_LOCATION_ID}`;
			emu.setFaults({ force429: 2, force5xx: 1, status5xx: 502 });
			const statuses = [];
			for (let i = 0; i < 4; i++) statuses.push((await call(emu.url, p)).status);
			expect(statuses).toEqual([429, 429, 502, 200]);
			expect(emu.requests({ forced: true }).map((e) => e.status)).toEqual([429, 429, 502]);
			// Forced 429s are not counted against the window; the 502 is.
			expect(rate(await call(emu.url, p)).remaining).toBe('97');
			expect(emu.state.counters).toMatchObject({ rateLimited: 2, errors5xx: 1 });
		});

		it('answers errorRate5xx with 502/503 and adds latencyMs', async () => {
			const p = `/locations/${DEFAULT_LOCATION_ID}`;
			await control(emu.url, '/__emulator/faults', { errorRate5xx: 1 });
			const r = await call(emu.url, p);
			expect([502, 503]).toContain(r.status);
			expect(r.body.statusCode).toBe(r.status);
			emu.setFaults({ errorRate5xx: 0, latencyMs: 120 });
			const started = Date.now();
			expect((await call(emu.url, p)).status).toBe(200);
			expect(Date.now() - started).toBeGreaterThanOrEqual(110);
		});

		it('holds matching requests unanswered until released (a gate for parallelism tests)', async () => {
			const contact = emu.seedContact({ email: 'held@example.com' });
			const tags = `/contacts/${contact.id}/tags`;
			const gate = emu.hold((e) => e.path === tags);
			const answered: string[] = [];
			const add = call(emu.url, tags, { method: 'POST', body: { tags: ['a'] } }).then((r) => {
				answered.push('add');
				return r;
			});
			const remove = call(emu.url, tags, { method: 'DELETE', body: { tags: ['b'] } }).then((r) => {
				answered.push('remove');
				return r;
			});
			await gate.reached(2);
			// Other requests pass; the held ones wait, logged but unanswered.
			expect((await call(emu.url, `/locations/${DEFAULT_LOCATION_ID}`)).status).toBe(200);
			expect(gate.held()).toBe(2);
			expect(answered).toEqual([]);
			expect(emu.requests((e) => e.path === tags).map((e) => e.status)).toEqual([0, 0]);
			gate.release();
			expect([(await add).status, (await remove).status]).toEqual([201, 200]);
			expect(emu.tagsOf(contact.id)).toEqual(['a']);
			// Released: later requests are not held.
			expect((await call(emu.url, tags, { method: 'POST', body: { tags: ['c'] } })).status).toBe(201);
			// reset() lets held requests go too.
			const again = emu.hold({ method: 'GET' });
			const pending = call(emu.url, `/locations/${DEFAULT_LOCATION_ID}`);
			await again.reached(1);
			emu.reset();
			expect((await pending).status).toBe(200);
		});
	});

	describe('state and log', () => {
		it('never writes the token to the request log or state, only a SHA-256 fingerprint', async () => {
			const c = emu.seedContact({ email: 'log@example.com' });
			await call(emu.url, `/contacts/${c.id}/tags?access_token=${DEFAULT_TOKEN}`, {
				method: 'POST',
				body: { tags: ['x'] },
			});
			await call(emu.url, `/contacts/${c.id}`, { token: 'pit-secret-unknown' });
			const log = emu.requests();
			expect(log.map((e) => [e.method, e.path, e.status])).toEqual([
				['POST', `/contacts/${c.id}/tags`, 201],
				['GET', `/contacts/${c.id}`, 401],
			]);
			const fp = createHash('sha256').update(DEFAULT_TOKEN).digest('hex').slice(0, 12);
			expect(log[0].tokenFingerprint).toBe(fp);
			expect(log[0].query.access_token).toBe('[redacted]');
			expect(log[0].body).toEqual({ tags: ['x'] });
			const overHttp = await control(emu.url, '/__emulator/requests');
			const state = await control(emu.url, '/__emulator/state');
			for (const text of [
				JSON.stringify(log),
				JSON.stringify(overHttp.body),
				JSON.stringify(state.body),
			]) {
				expect(text).not.toContain(DEFAULT_TOKEN);
				expect(text).not.toContain('pit-secret-unknown');
			}
			expect(overHttp.body.entries).toHaveLength(2);
			expect(overHttp.body.total).toBe(2);
			expect((await control(emu.url, '/__emulator/requests?status=401')).body.entries).toHaveLength(
				1,
			);
			expect(state.body.tags[c.id]).toEqual(['x']);
			expect((await control(emu.url, '/__emulator/state?log=0')).body.log).toBeUndefined();
		});

		it('seeds over HTTP and resets', async () => {
			const seeded = await control(emu.url, '/__emulator/contacts', {
				contacts: [{ email: 'one@example.com', tags: ['T'] }, { email: 'two@example.com' }],
			});
			expect(seeded.body.contacts.map((c: { tags: string[] }) => c.tags)).toEqual([['t'], []]);
			expect(emu.contacts()).toHaveLength(2);
			await control(emu.url, '/__emulator/reset', {});
			expect(emu.contacts()).toHaveLength(0);
			expect(emu.requests()).toHaveLength(0);
		});

		it('caps the request log but keeps counting', async () => {
			const capped = await startHighLevelEmulator({ logLimit: 8 });
			try {
				for (let i = 0; i < 20; i++) await call(capped.url, `/locations/${DEFAULT_LOCATION_ID}`);
				expect(capped.requests().length).toBeLessThanOrEqual(9);
				expect(capped.requests().at(-1)?.seq).toBe(20);
				expect(capped.state.counters.requests).toBe(20);
			} finally {
				await capped.close();
			}
		});
	});

	it('serves 1,000 concurrent requests', async () => {
		const fast = await startHighLevelEmulator({ limitPer10s: 100000 });
		try {
			const c = fast.seedContact({ email: 'load@example.com' });
			const replies = await Promise.all(
				Array.from(
					{ length: 1000 },
					async (_, i) =>
						await call(fast.url, `/contacts/${c.id}/tags`, {
							method: 'POST',
							body: { tags: [`t${i % 50}`] },
						}),
				),
			);
			expect(replies.every((r) => r.status === 201)).toBe(true);
			expect(fast.tagsOf(c.id)).toHaveLength(50);
			expect(fast.state.counters.accepted).toBe(1000);
		} finally {
			await fast.close();
		}
	});

	it('cli.js starts on the given port and location and prints URL, token and location', async () => {
		const cli = spawn(
			process.execPath,
			[
				path.join(__dirname, '../emulators/highlevel/cli.js'),
				'--port',
				'0',
				'--location-id',
				'cliLocation000000001',
				'--limit-per-10s',
				'7',
			],
			{ stdio: ['ignore', 'pipe', 'inherit'] },
		);
		try {
			const lines = createInterface({ input: cli.stdout! });
			const printed: Record<string, string> = {};
			for await (const line of lines) {
				const [k, v] = line.split('=');
				printed[k] = v;
				if (Object.keys(printed).length === 3) break;
			}
			expect(printed.HIGHLEVEL_EMULATOR_TOKEN).toBe(DEFAULT_TOKEN);
			expect(printed.HIGHLEVEL_EMULATOR_LOCATION_ID).toBe('cliLocation000000001');
			const r = await call(printed.HIGHLEVEL_EMULATOR_URL, '/locations/cliLocation000000001');
			expect(r.status).toBe(200);
			expect(rate(r)).toMatchObject({ max: '7', remaining: '6' });
		} finally {
			cli.kill('SIGTERM');
		}
	});
});
