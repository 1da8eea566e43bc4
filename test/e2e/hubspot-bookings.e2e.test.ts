/**
 * Seed 001's booking flow in real n8n 2.40.7: the shipped hubspot-booking-create workflow answers
 * 201 at once and queues associations and the note in real Redis; the shipped hubspot-queue-flush
 * workflow (schedule every 5 s) sends them to the HubSpot emulator in batches.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { cleanupPrefix, ensureRedis, testRedis } from '../harness/redis';
import { installPackage, N8n, ROOT, sleep } from './harness/n8n';

const TOKEN = 'pat-e2e-bookings-token';
const QUEUE_KEYS = 'mkops:queue:{hubspot:';

let n8n: N8n;
let hubspot: HubSpotEmulator;
let url: string;
let contacts: string[];
let tickets: string[];
const redis = testRedis('bookings-e2e');

async function create(type: string, inputs: Array<Record<string, string>>): Promise<string[]> {
	const res = await fetch(`${hubspot.url}/crm/v3/objects/${type}/batch/create`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ inputs: inputs.map((properties) => ({ properties })) }),
	});
	const body = (await res.json()) as { results: Array<{ id: string }> };
	return body.results.map((r) => r.id);
}

async function book(body: Record<string, unknown>) {
	const started = Date.now();
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return {
		status: res.status,
		json: (await res.json()) as Record<string, unknown>,
		ms: Date.now() - started,
	};
}

/** Waits until `check()` holds, polling the emulator; returns how long it took. */
async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
	const started = Date.now();
	while (!check()) {
		if (Date.now() - started > timeoutMs) {
			if (process.env.E2E_DEBUG)
				console.log(
					n8n.log().split('\n').slice(-60).join('\n'),
					JSON.stringify(hubspot.requests().slice(-10)),
				);
			throw new Error(`not within ${timeoutMs} ms`);
		}
		await sleep(100);
	}
	return Date.now() - started;
}

const associated = (fromId: string, toType: string, toId: string) =>
	hubspot.state.associations.some(
		(a) => a.fromId === fromId && a.toType === toType && a.toId === toId,
	) || hubspot.state.associations.some((a) => a.toId === fromId && a.fromId === toId);

const noteFor = (contactId: string, text: string) =>
	hubspot
		.objects('notes')
		.find(
			(n) =>
				String(n.properties.hs_note_body).includes(text) &&
				hubspot.state.associations.some(
					(a) => a.fromId === n.id && a.toType === 'contacts' && a.toId === contactId,
				),
		);

beforeAll(async () => {
	await ensureRedis();
	await cleanupPrefix(redis, QUEUE_KEYS);
	hubspot = await startHubSpotEmulator({ tokens: [TOKEN] });
	contacts = await create(
		'contacts',
		Array.from({ length: 30 }, (_, i) => ({ email: `student${i}@school.edu` })),
	);
	tickets = await create(
		'tickets',
		Array.from({ length: 3 }, (_, i) => ({ subject: `Exam ${i}` })),
	);
	n8n = await N8n.create();
	installPackage(n8n.userFolder);
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	) as Array<{ type: string; data: Record<string, unknown> }>;
	n8n.importCredentials(
		template
			.filter((c) => c.type === 'hubSpotBatchApi' || c.type === 'redis')
			.map((c) =>
				c.type === 'hubSpotBatchApi'
					? { ...c, data: { ...c.data, accessToken: TOKEN, baseUrl: hubspot.url } }
					: c,
			),
	);
	for (const file of ['hubspot-booking-create.json', 'hubspot-queue-flush.json']) {
		n8n.importWorkflow(join(ROOT, 'workflows', file));
	}
	n8n.publish('mkopsHsBookings1');
	n8n.publish('mkopsHsQueueFlsh');
	await n8n.start();
	await n8n.login();
	url = `${n8n.baseUrl}/webhook/bookings`;
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await hubspot?.close();
	await cleanupPrefix(redis, QUEUE_KEYS);
	await redis.quit();
});

describe('seed 001 booking flow in real n8n', () => {
	it('answers 201 {booking_id} at once; the schedule flush then creates both associations and the note', async () => {
		const res = await book({
			contact_id: contacts[0],
			exam_id: tickets[0],
			exam_name: 'CPA Part 1',
			exam_date: '2026-12-01',
		});
		expect(res.status).toBe(201);
		const bookingId = String(res.json.booking_id);
		expect(res.json).toEqual({ booking_id: bookingId, message: 'Booking created successfully' });
		const deal = hubspot.objects('deals').find((d) => d.id === bookingId);
		expect(deal?.properties.dealname).toBe('Booking: CPA Part 1 on 2026-12-01');
		// Nothing but the booking itself was sent while the caller waited.
		expect(
			hubspot.requests({ method: 'POST' }).filter((r) => r.path.includes('/associations/')),
		).toHaveLength(0);

		const associationsMs = await waitFor(
			() =>
				associated(bookingId, 'contacts', contacts[0]) &&
				associated(bookingId, 'tickets', tickets[0]),
			20000,
		);
		const noteMs = await waitFor(
			() => noteFor(contacts[0], 'Booking created for CPA Part 1 on 2026-12-01') !== undefined,
			20000,
		);
		console.log(
			`booking e2e: 201 in ${res.ms} ms; associations after ${associationsMs} ms, note after ${noteMs} ms more`,
		);
	});

	it('a bad request gets 400 naming the field, and creates nothing', async () => {
		const before = hubspot.objects('deals').length;
		const res = await book({
			contact_id: 'abc',
			exam_id: tickets[0],
			exam_name: 'X',
			exam_date: '2026-12-01',
		});
		expect(res.status).toBe(400);
		expect(res.json).toEqual({
			error: "Field 'contact_id': must be a HubSpot contact ID (digits)",
		});
		const noDate = await book({
			contact_id: contacts[1],
			exam_id: tickets[0],
			exam_name: 'X',
			exam_date: 'soon',
		});
		expect(noDate.json).toEqual({ error: "Field 'exam_date': must be a date (YYYY-MM-DD)" });
		expect(hubspot.objects('deals')).toHaveLength(before);
	});

	it('20 concurrent bookings: all 201, and their 40 associations go out in a handful of batch calls', async () => {
		const before = hubspot
			.requests({ method: 'POST' })
			.filter((r) => r.path.includes('/batch/associate/default')).length;
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				book({
					contact_id: contacts[5 + i],
					exam_id: tickets[i % 3],
					exam_name: `Exam ${i}`,
					exam_date: '2026-12-02',
				}),
			),
		);
		expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
		const ids = results.map((r) => String(r.json.booking_id));
		expect(new Set(ids).size).toBe(20);
		await waitFor(
			() =>
				ids.every(
					(id, i) =>
						associated(id, 'contacts', contacts[5 + i]) &&
						associated(id, 'tickets', tickets[i % 3]),
				),
			20000,
		);
		const calls =
			hubspot
				.requests({ method: 'POST' })
				.filter((r) => r.path.includes('/batch/associate/default')).length - before;
		const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
		console.log(
			`booking e2e: 20 concurrent, p50 ${sorted[9]} ms, max ${sorted[19]} ms; 40 associations in ${calls} batch calls`,
		);
		// One flush round sends each (from, to) type pair in one call; 20 bookings span at most a few rounds.
		expect(calls).toBeLessThanOrEqual(8);
		expect(hubspot.requests({ status: 429 })).toHaveLength(0);
	});
});
