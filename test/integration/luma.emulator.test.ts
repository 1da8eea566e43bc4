import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { LumaEmulator } from '../emulators/luma/server';
import { DEFAULT_API_KEY, startLumaEmulator } from '../emulators/luma/server';
import { sampleGuestRegistered, sendLumaWebhook, signLumaDelivery } from '../emulators/luma/webhookSender';

interface Reply {
	status: number;
	headers: Headers;
	body: Record<string, unknown>;
}

async function call(base: string, path: string, init: RequestInit & { key?: string | null } = {}): Promise<Reply> {
	const { key = DEFAULT_API_KEY, ...rest } = init;
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (key) headers['x-luma-api-key'] = key;
	const res = await fetch(`${base}${path}`, { ...rest, headers: { ...headers, ...(rest.headers as object) } });
	return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const post = async (base: string, path: string, body: unknown, key?: string | null) =>
	await call(base, path, { method: 'POST', body: JSON.stringify(body), key });

interface Captured {
	headers: http.IncomingHttpHeaders;
	raw: string;
}

/** A bare receiver that records exactly what arrived on the wire. */
async function startReceiver(): Promise<{ url: string; received: Captured[]; close(): Promise<void> }> {
	const received: Captured[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"received":true}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/hook`,
		received,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

// Independent verifiers, written from the scheme descriptions rather than from the sender.
function verifyLuma(secret: string, header: string, raw: string): boolean {
	const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
	const expected = createHmac('sha256', secret).update(`${parts.t}.${raw}`).digest();
	const given = Buffer.from(parts.v1 ?? '', 'hex');
	return given.length === expected.length && timingSafeEqual(given, expected);
}

function verifyStandard(secret: string, headers: http.IncomingHttpHeaders, raw: string): boolean {
	const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
	const signed = `${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${raw}`;
	const expected = createHmac('sha256', key).update(signed).digest('base64');
	return String(headers['webhook-signature'])
		.split(' ')
		.some((sig) => sig === `v1,${expected}`);
}

function verifyLegacy(secret: string, header: string, raw: string): boolean {
	return header === createHmac('sha256', secret).update(raw).digest('hex');
}

describe('Luma emulator', () => {
	let emu: LumaEmulator;

	beforeAll(async () => {
		emu = await startLumaEmulator({ rateLimitPerMinute: 200, windowMs: 60_000 });
	});
	afterAll(async () => {
		await emu.close();
	});
	beforeEach(() => emu.reset());

	describe('auth', () => {
		it('rejects missing, unknown and revoked keys with a JSON 401', async () => {
			for (const key of [null, 'not-a-key']) {
				const r = await call(emu.url, '/v1/users/get-self', { key });
				expect(r.status).toBe(401);
				expect(r.body).toEqual({ message: 'Invalid API key' });
				expect(r.headers.get('content-type')).toMatch(/application\/json/);
			}
			emu.setFaults({ revokedKeys: [DEFAULT_API_KEY] });
			expect((await call(emu.url, '/v1/users/get-self')).status).toBe(401);
		});

		it('answers get-self on both paths for a valid key, and extra keys can be seeded', async () => {
			const a = await call(emu.url, '/v1/users/get-self');
			const b = await call(emu.url, '/v1/user/get-self');
			expect(a.status).toBe(200);
			expect(a.body.user).toMatchObject({ api_id: expect.stringMatching(/^usr-/), email: expect.any(String) });
			expect(b.body).toEqual(a.body);
			emu.seed({ apiKeys: ['second_key'] });
			expect((await call(emu.url, '/v1/users/get-self', { key: 'second_key' })).status).toBe(200);
		});

		it('logs requests without the API key but with a fingerprint', async () => {
			await call(emu.url, '/v1/users/get-self');
			const [entry] = emu.requests();
			expect(entry).toMatchObject({ method: 'GET', path: '/v1/users/get-self', status: 200 });
			expect(entry.keyFingerprint).toMatch(/^[0-9a-f]{12}$/);
			expect(entry.headers['x-luma-api-key']).toBeUndefined();
			expect(JSON.stringify(emu.state.snapshot())).not.toContain(DEFAULT_API_KEY);
		});
	});

	describe('pagination and resources', () => {
		it('pages events with an opaque cursor (default 50, max 100)', async () => {
			const { events } = emu.seed({ events: 120 });
			const first = await call(emu.url, '/v1/calendars/events/list');
			expect(first.status).toBe(200);
			expect(first.body.entries).toHaveLength(50);
			expect(first.body.has_more).toBe(true);
			expect(typeof first.body.next_cursor).toBe('string');

			const seen: string[] = [];
			let cursor: string | undefined;
			let pages = 0;
			do {
				const qs = new URLSearchParams({ pagination_limit: '500' });
				if (cursor) qs.set('pagination_cursor', cursor);
				const page = await call(emu.url, `/v1/calendars/events/list?${qs}`);
				const entries = page.body.entries as Array<{ id: string }>;
				expect(entries.length).toBeLessThanOrEqual(100);
				seen.push(...entries.map((e) => e.id));
				cursor = page.body.has_more ? (page.body.next_cursor as string) : undefined;
				pages++;
			} while (cursor);
			expect(pages).toBe(2);
			expect(seen).toEqual(events.map((e) => e.id));

			const last = await call(emu.url, `/v1/calendars/events/list?pagination_limit=100&pagination_cursor=${String(first.body.next_cursor)}`);
			expect(last.body.has_more).toBe(false);
			expect(last.body.next_cursor).toBeUndefined();
		});

		it('rejects bad paging parameters and missing ids with 400, unknown ids with 404', async () => {
			emu.seed({ events: 1 });
			expect((await call(emu.url, '/v1/calendars/events/list?pagination_cursor=garbage')).status).toBe(400);
			expect((await call(emu.url, '/v1/calendars/events/list?pagination_limit=0')).status).toBe(400);
			const noEvent = await call(emu.url, '/v1/events/guests/list');
			expect(noEvent).toMatchObject({ status: 400, body: { message: 'event_id is required' } });
			expect(await call(emu.url, '/v1/events/get?id=evt-nope')).toMatchObject({
				status: 404,
				body: { message: 'Event not found' },
			});
			expect((await call(emu.url, '/v1/nope')).status).toBe(404);
			expect((await call(emu.url, '/v1/events/get?id=x', { method: 'POST' })).status).toBe(405);
		});

		it('serves events and guests (guest lookup by id or email)', async () => {
			const seeded = emu.seed({ events: 1, guestsPerEvent: 3 });
			const event = seeded.events[0];
			const [guest] = seeded.guests[event.id];
			expect((await call(emu.url, `/v1/events/get?id=${event.id}`)).body).toEqual(event);
			const byId = await call(emu.url, `/v1/events/guests/get?event_id=${event.id}&id=${guest.id}`);
			const byEmail = await call(
				emu.url,
				`/v1/events/guests/get?event_id=${event.id}&id=${encodeURIComponent(guest.user_email)}`,
			);
			expect(byId.body).toEqual(guest);
			expect(byEmail.body).toEqual(guest);
			expect(Object.keys(guest).sort()).toEqual(
				[
					'approval_status',
					'event_tickets',
					'id',
					'phone_number',
					'registered_at',
					'user_email',
					'user_first_name',
					'user_id',
					'user_last_name',
					'user_name',
					'utm_source',
				].sort(),
			);
			const list = await call(emu.url, `/v1/events/guests/list?event_id=${event.id}`);
			expect(list.body.entries).toHaveLength(3);
		});

		it('creates, lists, gets and deletes webhooks; only create returns the secret', async () => {
			const created = await post(emu.url, '/v2/webhooks/create', {
				url: 'https://example.com/hook',
				event_types: ['guest.registered'],
			});
			expect(created.status).toBe(200);
			expect(created.body).toMatchObject({ id: expect.any(String), status: 'active' });
			const secret = String(created.body.secret);
			expect(secret).toMatch(/^whsec_/);
			expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);

			const list = await call(emu.url, '/v1/webhooks/list');
			expect(list.body.entries).toEqual([expect.not.objectContaining({ secret: expect.anything() })]);
			expect((await call(emu.url, `/v2/webhooks/get?id=${String(created.body.id)}`)).body.url).toBe(
				'https://example.com/hook',
			);
			expect((await post(emu.url, '/v1/webhooks/delete', { id: created.body.id })).body).toEqual({});
			expect((await post(emu.url, '/v1/webhooks/delete', { id: created.body.id })).status).toBe(404);
			expect((await post(emu.url, '/v2/webhooks/create', { url: 'x', event_types: ['guest.registered'] })).status).toBe(400);
			expect(
				(await post(emu.url, '/v2/webhooks/create', { url: 'https://e.com', event_types: ['guest.exploded'] })).status,
			).toBe(400);
		});
	});

	describe('rate limiting', () => {
		let tight: LumaEmulator;
		beforeAll(async () => {
			tight = await startLumaEmulator({ rateLimitPerMinute: 3, windowMs: 700 });
		});
		afterAll(async () => {
			await tight.close();
		});

		it('sends rate-limit headers on every response and a JSON 429 with Retry-After', async () => {
			const replies: Reply[] = [];
			for (let i = 0; i < 4; i++) replies.push(await call(tight.url, '/v1/users/get-self'));
			expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
			expect(replies.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
			for (const r of replies) {
				expect(r.headers.get('x-ratelimit-limit')).toBe('3');
				expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
			}
			expect(replies[3].body).toEqual({ message: 'Too many requests' });
			expect(Number(replies[3].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

			// Buckets are per key.
			tight.seed({ apiKeys: ['other_key'] });
			expect((await call(tight.url, '/v1/users/get-self', { key: 'other_key' })).status).toBe(200);

			await new Promise((r) => setTimeout(r, 750));
			expect((await call(tight.url, '/v1/users/get-self')).status).toBe(200);
		});
	});

	describe('fault switches over HTTP', () => {
		it('force429 / force5xx / latencyMs / revokedKeys / dropConnections, then reset', async () => {
			const f = await post(emu.url, '/__emulator/faults', { force429: 1, force5xx: 1, retryAfterSeconds: 2 }, null);
			expect(f.body).toMatchObject({ force429: 1, force5xx: 1, retryAfterSeconds: 2 });

			const r429 = await call(emu.url, '/v1/users/get-self');
			expect(r429.status).toBe(429);
			expect(r429.body).toEqual({ message: 'Too many requests' });
			expect(r429.headers.get('retry-after')).toBe('2');
			const r500 = await call(emu.url, '/v1/users/get-self');
			expect(r500.status).toBe(500);
			expect(r500.body).toEqual({ message: 'Internal server error' });
			expect((await call(emu.url, '/v1/users/get-self')).status).toBe(200);

			await post(emu.url, '/__emulator/faults', { latencyMs: 150 }, null);
			const t0 = Date.now();
			await call(emu.url, '/v1/users/get-self');
			expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

			await post(emu.url, '/__emulator/faults', { latencyMs: 0, revokedKeys: [DEFAULT_API_KEY], dropConnections: 1 }, null);
			await expect(fetch(`${emu.url}/v1/users/get-self`)).rejects.toThrow();
			expect((await call(emu.url, '/v1/users/get-self')).status).toBe(401);

			const state = await call(emu.url, '/__emulator/state', { key: null });
			expect(state.body.faults).toMatchObject({ revokedKeys: [DEFAULT_API_KEY], force429: 0 });
			const log = state.body.log as Array<{ status: number; dropped?: boolean; forced?: boolean }>;
			expect(log.map((e) => e.status)).toEqual([429, 500, 200, 200, 0, 401]);
			expect(log.map((e) => Boolean(e.forced))).toEqual([true, true, false, false, false, false]);
			expect(log[4].dropped).toBe(true);

			expect((await post(emu.url, '/__emulator/faults', { force429: -1 }, null)).status).toBe(400);
			expect((await post(emu.url, '/__emulator/reset', {}, null)).body).toEqual({ ok: true });
			expect((await call(emu.url, '/v1/users/get-self')).status).toBe(200);
			expect(emu.requests()).toHaveLength(1);
		});

		it('force5xxAfterApply and hang: the request is applied, then answered 5xx or never answered', async () => {
			await post(emu.url, '/__emulator/faults', { force5xxAfterApply: 1, status5xx: 502 }, null);
			const failed = await post(emu.url, '/v2/webhooks/create', { url: 'https://e.com/a', event_types: ['*'] });
			expect(failed.status).toBe(502);
			expect([...emu.state.webhooks.values()].map((h) => h.url)).toEqual(['https://e.com/a']);

			await post(emu.url, '/__emulator/faults', { hang: 1 }, null);
			await expect(
				fetch(`${emu.url}/v2/webhooks/create`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', 'x-luma-api-key': DEFAULT_API_KEY },
					body: JSON.stringify({ url: 'https://e.com/b', event_types: ['*'] }),
					signal: AbortSignal.timeout(300),
				}),
			).rejects.toThrow();
			expect([...emu.state.webhooks.values()].map((h) => h.url)).toEqual(['https://e.com/a', 'https://e.com/b']);
			const log = emu.requests({ path: '/v2/webhooks/create' });
			expect(log.map((e) => [e.status, Boolean(e.forced), Boolean(e.hung)])).toEqual([
				[502, true, false],
				[0, false, true],
			]);
			// Each switch is used up: the next create is answered.
			expect((await post(emu.url, '/v2/webhooks/create', { url: 'https://e.com/c', event_types: ['*'] })).status).toBe(200);

			// Aimed at one path, a switch lets the others through.
			await post(emu.url, '/__emulator/faults', { force5xxAfterApply: 1, faultPath: '/v2/webhooks/create' }, null);
			expect((await call(emu.url, '/v1/webhooks/list')).status).toBe(200);
			expect((await post(emu.url, '/v2/webhooks/create', { url: 'https://e.com/d', event_types: ['*'] })).status).toBe(502);
		});

		it('seeds over HTTP and reports state', async () => {
			const seeded = await post(emu.url, '/__emulator/seed', { events: 2, guestsPerEvent: 2 }, null);
			const events = seeded.body.events as Array<{ id: string }>;
			expect(events).toHaveLength(2);
			const state = await call(emu.url, '/__emulator/state?log=0', { key: null });
			expect((state.body.events as unknown[]).length).toBe(2);
			expect(Object.keys(state.body.guests as object)).toEqual(events.map((e) => e.id));
			expect(state.body.log).toBeUndefined();
			expect((await post(emu.url, '/__emulator/nope', {}, null)).status).toBe(404);
		});
	});

	describe('webhook delivery', () => {
		let receiver: Awaited<ReturnType<typeof startReceiver>>;
		beforeAll(async () => {
			receiver = await startReceiver();
		});
		afterAll(async () => {
			await receiver.close();
		});
		beforeEach(() => {
			receiver.received.length = 0;
		});

		it('signLumaDelivery matches an independent computation for every scheme', () => {
			const secret = `whsec_${Buffer.from('0123456789abcdef01234567').toString('base64')}`;
			const body = { type: 'guest.registered', data: { id: 'gst-1' } };
			const raw = JSON.stringify(body);

			const luma = signLumaDelivery({ scheme: 'luma', secret, body, timestamp: 1_900_000_000 });
			const hex = createHmac('sha256', secret).update(`1900000000.${raw}`).digest('hex');
			expect(luma).toEqual({ headers: { 'webhook-signature': `t=1900000000,v1=${hex}` }, body: raw });

			const std = signLumaDelivery({ scheme: 'standard', secret, body, timestamp: 1_900_000_000, id: 'msg_1' });
			const b64 = createHmac('sha256', Buffer.from('0123456789abcdef01234567'))
				.update(`msg_1.1900000000.${raw}`)
				.digest('base64');
			expect(std.headers).toEqual({
				'webhook-id': 'msg_1',
				'webhook-timestamp': '1900000000',
				'webhook-signature': `v1,${b64}`,
			});

			const legacy = signLumaDelivery({ scheme: 'legacy', secret, body: raw });
			expect(legacy.headers).toEqual({ 'x-luma-signature': createHmac('sha256', secret).update(raw).digest('hex') });
		});

		it('sendLumaWebhook delivers verifiable signatures over HTTP for each scheme', async () => {
			const secret = `whsec_${Buffer.from('abcdefghijklmnopqrstuvwx').toString('base64')}`;
			const payload = sampleGuestRegistered({ email: 'grace@example.com', name: 'Grace Hopper', eventId: 'evt-abc123' });
			expect(payload.data).toMatchObject({
				user_email: 'grace@example.com',
				user_first_name: 'Grace',
				user_last_name: 'Hopper',
				approval_status: 'approved',
				event_tickets: [],
				event: { id: 'evt-abc123' },
			});
			for (const scheme of ['luma', 'standard', 'legacy'] as const) {
				const res = await sendLumaWebhook(receiver.url, { scheme, secret, payload });
				expect(res.status).toBe(200);
			}
			const [luma, std, legacy] = receiver.received;
			expect(luma.headers['content-type']).toBe('application/json');
			expect(JSON.parse(luma.raw)).toEqual(payload);
			expect(verifyLuma(secret, String(luma.headers['webhook-signature']), luma.raw)).toBe(true);
			expect(verifyStandard(secret, std.headers, std.raw)).toBe(true);
			expect(verifyLegacy(secret, String(legacy.headers['x-luma-signature']), legacy.raw)).toBe(true);

			await sendLumaWebhook(receiver.url, { scheme: 'luma', secret, payload, tamper: true });
			const tampered = receiver.received[3];
			expect(verifyLuma(secret, String(tampered.headers['webhook-signature']), tampered.raw)).toBe(false);
		});

		it('POST /__emulator/send-webhook signs with the registered secret and posts to its url', async () => {
			const created = await post(emu.url, '/v2/webhooks/create', {
				url: receiver.url,
				event_types: ['guest.registered'],
			});
			const secret = String(created.body.secret);
			const sent = await post(
				emu.url,
				'/__emulator/send-webhook',
				{ webhookId: created.body.id, sample: { email: 'ada@example.com' } },
				null,
			);
			expect(sent.status).toBe(200);
			expect(sent.body).toMatchObject({ status: 200, body: { received: true } });
			const [delivery] = receiver.received;
			expect(verifyLuma(secret, String(delivery.headers['webhook-signature']), delivery.raw)).toBe(true);
			expect(JSON.parse(delivery.raw).data.user_email).toBe('ada@example.com');
			expect(emu.state.deliveries).toEqual([expect.objectContaining({ status: 200, type: 'guest.registered' })]);

			const std = await post(emu.url, '/__emulator/send-webhook', { webhookId: created.body.id, scheme: 'standard' }, null);
			expect(std.status).toBe(200);
			expect(verifyStandard(secret, receiver.received[1].headers, receiver.received[1].raw)).toBe(true);

			const unsubscribed = await post(
				emu.url,
				'/__emulator/send-webhook',
				{ webhookId: created.body.id, payload: { type: 'event.created', data: {} } },
				null,
			);
			expect(unsubscribed.status).toBe(409);
			expect((await post(emu.url, '/__emulator/send-webhook', { webhookId: 'whk-none' }, null)).status).toBe(404);
		});
	});
});
