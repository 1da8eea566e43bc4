/**
 * The booking flow in real n8n 2.40.7: the shipped hubspot-booking-create workflow answers
 * 201 at once and queues associations and the note in real Redis; the shipped hubspot-queue-flush
 * workflow (schedule every 5 s) sends them to the HubSpot emulator in batches. The shipped setup
 * workflow (n8n execute) creates the unique note key first. The flush runs with a 2 s claim window
 * and a 1 s retry delay here, so a round held past its window, and a retry, happen within seconds.
 * The webhook requires its secret header; Slack is the emulator (through n8n's proxy settings). The queue
 * is a redis-server of this test's own, and "Redis is down" a second one, used by a copy of the booking
 * workflow that no flush reads: there the booking's jobs stay in Redis to be looked at.
 * The booking workflow saves no execution data (its webhook output holds the secret header), so what a
 * booking did is read from Redis and HubSpot, and whether it ran at all from n8n's event log.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import type { Redis } from 'ioredis';

import { connectRedis } from '../../nodes/shared/redis/connection';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { bookingSecret, credentialsTemplate } from '../harness/bookingWebhook';
import { finishedExecutions, settleEventLog, startedExecutions } from '../harness/n8nEventLog';
import { PrivateRedis } from '../harness/privateRedis';
import { freePort, installPackage, N8n, parseCliRun, ROOT, sleep } from './harness/n8n';

const TOKEN = 'pat-e2e-bookings-token';
const BOOKINGS = 'mkopsHsBookings1';
const FLUSH = 'mkopsHsQueueFlsh';
const ASSOCIATIONS_STREAM = 'mkops:queue:{hubspot:associations}:stream';
const NOTES_STREAM = 'mkops:queue:{hubspot:notes}:stream';
const NOTES_CREATE = '/crm/v3/objects/notes/batch/create';
const NOTES_READ = '/crm/v3/objects/notes/batch/read';
// Short enough to pass several times in one test, long enough that a loaded machine still renews in time.
const CLAIM_IDLE_MS = 6000;

let n8n: N8n;
let hubspot: HubSpotEmulator;
let slack: SlackEmulator;
/** The queue's Redis: the booking workflow enqueues and the flush workflow sends from here. */
let queueRedis: PrivateRedis;
let privateRedis: PrivateRedis;
let secretHeaders: Record<string, string>;
let url: string;
/** The copy of the booking workflow on the private Redis (path bookings-private-redis). */
let privateUrl: string;
const PRIVATE_BOOKINGS = 'mkopsHsBookPriv1';
let contacts: string[];
let tickets: string[];
let setupRun: ReturnType<typeof parseCliRun>;
let redis: Redis;

async function create(type: string, inputs: Array<Record<string, string>>): Promise<string[]> {
	const res = await fetch(`${hubspot.url}/crm/v3/objects/${type}/batch/create`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ inputs: inputs.map((properties) => ({ properties })) }),
	});
	const body = (await res.json()) as { results: Array<{ id: string }> };
	return body.results.map((r) => r.id);
}

async function book(
	body: Record<string, unknown>,
	opts: { to?: string; headers?: Record<string, string> } = {},
) {
	const started = Date.now();
	const res = await fetch(opts.to ?? url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(opts.headers ?? secretHeaders) },
		body: JSON.stringify(body),
	});
	const text = await res.text();
	let json: Record<string, unknown> = {};
	try {
		json = JSON.parse(text) as Record<string, unknown>;
	} catch {
		json = { text };
	}
	return { status: res.status, json, ms: Date.now() - started };
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

const notesFor = (contactId: string, text: string) =>
	hubspot
		.objects('notes')
		.filter(
			(n) =>
				String(n.properties.hs_note_body).includes(text) &&
				hubspot.state.associations.some(
					(a) => a.fromId === n.id && a.toType === 'contacts' && a.toId === contactId,
				),
		);

const noteFor = (contactId: string, text: string) => notesFor(contactId, text)[0];

/** Notes sent in create calls from log entry `since` on (every try counted). */
const noteInputsSent = (since: number) =>
	hubspot
		.requests({ method: 'POST', path: NOTES_CREATE })
		.filter((r) => r.seq > since)
		.reduce((n, r) => n + (r.inputCount ?? 0), 0);

const lastSeq = () => hubspot.state.log.length;

/** Entries ever added to a stream (XINFO STREAM entries-added): it counts jobs the flush already removed. */
async function entriesAdded(stream: string): Promise<number> {
	const info = (await redis.xinfo('STREAM', stream).catch((error: Error) => {
		if (/no such key/i.test(error.message)) return [];
		throw error;
	})) as unknown[];
	const at = info.indexOf('entries-added');
	return at < 0 ? 0 : Number(info[at + 1]);
}

/** Waits until the flush has sent (or dead-lettered) every job of a stream. */
async function emptied(stream: string): Promise<void> {
	const deadline = Date.now() + 30000;
	while ((await redis.xlen(stream)) > 0) {
		if (Date.now() > deadline) throw new Error(`${stream} did not empty within 30 s`);
		await sleep(200);
	}
}

/** Jobs ever queued, associations and notes. */
const queued = async () => ({
	associations: await entriesAdded(ASSOCIATIONS_STREAM),
	notes: await entriesAdded(NOTES_STREAM),
});

/** The payloads of the jobs waiting in a stream, oldest first. */
async function waiting(client: Redis, stream: string): Promise<Array<Record<string, any>>> {
	const entries = await client.xrange(stream, '-', '+');
	return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('p') + 1]));
}

/** The shipped flush workflow with a short claim window and retry delay (seconds, not a minute). */
function quickFlushWorkflow(): string {
	const flow = JSON.parse(readFileSync(join(ROOT, 'workflows/hubspot-queue-flush.json'), 'utf8'));
	const flush = flow.nodes.find((n: { name: string }) => n.name === 'HubSpot: Flush Queue');
	flush.parameters.options = { claimIdleMs: CLAIM_IDLE_MS, retryDelayMs: 1000 };
	// Any dead letter is an alert here (the last test makes one).
	flush.parameters.deadLetterAlertThreshold = 0;
	const file = join(n8n.userFolder, 'hubspot-queue-flush.quick.json');
	writeFileSync(file, JSON.stringify(flow));
	return file;
}

/** The shipped booking workflow on its own path, with a Redis credential for the private server. */
function privateRedisBookingWorkflow(): string {
	const flow = JSON.parse(
		readFileSync(join(ROOT, 'workflows/hubspot-booking-create.json'), 'utf8'),
	);
	flow.id = PRIVATE_BOOKINGS;
	flow.name = 'Booking create (private Redis)';
	for (const node of flow.nodes) {
		if (node.name === 'Booking webhook') {
			node.parameters.path = 'bookings-private-redis';
			node.webhookId = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
		}
		if (node.credentials?.redis)
			node.credentials.redis = { id: 'mkopsRedisPriv1', name: 'Private Redis' };
	}
	const file = join(n8n.userFolder, 'hubspot-booking-create.private.json');
	writeFileSync(file, JSON.stringify(flow));
	return file;
}

beforeAll(async () => {
	queueRedis = await PrivateRedis.start();
	redis = connectRedis({ host: '127.0.0.1', port: queueRedis.port });
	privateRedis = await PrivateRedis.start();
	slack = await startSlackEmulator();
	hubspot = await startHubSpotEmulator({ tokens: [TOKEN] });
	contacts = await create(
		'contacts',
		Array.from({ length: 30 }, (_, i) => ({ email: `student${i}@school.edu` })),
	);
	tickets = await create(
		'tickets',
		Array.from({ length: 3 }, (_, i) => ({ subject: `Exam ${i}` })),
	);
	// The settings the booking flow is built for (docs/operations.md): an execution that evaluates no
	// expression builds no isolate.
	n8n = await N8n.create({
		env: { ...slack.n8nEnv(), N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
	});
	installPackage(n8n.userFolder);
	const secret = bookingSecret();
	secretHeaders = secret.headers;
	const template = credentialsTemplate();
	// The template's Redis is a placeholder: the queue's server (and, below, the private one) instead.
	const template0 = credentialsTemplate();
	const testRedisData = {
		...template0.find((c) => c.type === 'redis')!.data,
		host: '127.0.0.1',
		port: queueRedis.port,
		password: '',
	};
	const redisCredential = { ...template0.find((c) => c.type === 'redis')!, data: testRedisData };
	n8n.importCredentials([
		secret.credential,
		...template
			.filter((c) => ['hubSpotBatchApi', 'redis', 'slackApi'].includes(c.type))
			.map((c) =>
				c.type === 'hubSpotBatchApi'
					? { ...c, data: { ...c.data, accessToken: TOKEN, baseUrl: hubspot.url } }
					: c.type === 'slackApi'
						? { ...c, data: { accessToken: slack.defaultToken } }
						: c.type === 'redis'
							? redisCredential
							: c,
			),
		{
			...redisCredential,
			id: 'mkopsRedisPriv1',
			name: 'Private Redis',
			data: { ...redisCredential.data, host: '127.0.0.1', port: privateRedis.port, password: '' },
		},
	]);
	for (const file of [
		'hubspot-booking-create.json',
		'hubspot-setup-properties.json',
		'error-alerts.json',
	]) {
		n8n.importWorkflow(join(ROOT, 'workflows', file));
	}
	n8n.importWorkflow(quickFlushWorkflow());
	n8n.importWorkflow(privateRedisBookingWorkflow());
	n8n.publish('mkopsHsBookings1');
	n8n.publish(FLUSH);
	n8n.publish('mkopsErrorAlerts');
	n8n.publish(PRIVATE_BOOKINGS);
	await n8n.start();
	await n8n.login();
	url = `${n8n.baseUrl}/webhook/bookings`;
	privateUrl = `${n8n.baseUrl}/webhook/bookings-private-redis`;
	setupRun = parseCliRun(
		await n8n.cliAsync(['execute', '--id=mkopsHsSetupProp', '--rawOutput'], {
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		}),
	);
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await hubspot?.close();
	await slack?.close();
	await privateRedis?.stop();
	await redis?.quit();
	await queueRedis?.stop();
});

describe('booking flow in real n8n', () => {
	it('answers 201 {booking_id} at once; the schedule flush then creates both associations and the note', async () => {
		const before = await queued();
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
		// By the 201 the booking had queued its two associations and its note in Redis (a scheduled
		// flush may already have sent and removed them: the stream's count of added entries keeps them).
		expect(await queued()).toEqual({
			associations: before.associations + 2,
			notes: before.notes + 1,
		});

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

	it('the jobs a booking queues, on a Redis no flush reads: its two associations and its note, none sent by the booking itself', async () => {
		const direct = connectRedis({ host: '127.0.0.1', port: privateRedis.port });
		try {
			const res = await book(
				{
					contact_id: contacts[29],
					exam_id: tickets[2],
					exam_name: 'Queued only',
					exam_date: '2026-12-08',
				},
				{ to: privateUrl },
			);
			expect(res.status).toBe(201);
			const dealId = String(res.json.booking_id);
			expect(hubspot.objects('deals').some((d) => d.id === dealId)).toBe(true);
			expect(await waiting(direct, ASSOCIATIONS_STREAM)).toEqual([
				{
					fromType: 'deals',
					toType: 'contacts',
					mode: 'default',
					from: dealId,
					to: contacts[29],
					types: [],
				},
				{
					fromType: 'deals',
					toType: 'tickets',
					mode: 'default',
					from: dealId,
					to: tickets[2],
					types: [],
				},
			]);
			const notes = await waiting(direct, NOTES_STREAM);
			expect(notes).toEqual([
				{
					properties: expect.objectContaining({
						hs_note_body: 'Booking created for Queued only on 2026-12-08',
					}),
					associations: [expect.objectContaining({ to: { id: contacts[29] } })],
					key: expect.stringMatching(/^[0-9a-f-]{36}$/),
				},
			]);
			// Nothing flushes this Redis, so HubSpot has none of them: the booking only queued them.
			expect(associated(dealId, 'contacts', contacts[29])).toBe(false);
			expect(associated(dealId, 'tickets', tickets[2])).toBe(false);
			expect(notesFor(contacts[29], 'Queued only')).toEqual([]);
		} finally {
			await direct.quit();
		}
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
		// Their notes too, so the next test's count of note creates starts with nothing of these in flight.
		await waitFor(
			() =>
				Array.from({ length: 20 }, (_, i) => noteFor(contacts[5 + i], `Exam ${i}`)).every(Boolean),
			60000,
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

	it('the setup workflow created the unique note key on notes', () => {
		const summary =
			setupRun.resultData.runData['HubSpot: Ensure Queue Note Key'][0].data.main[0][0].json;
		expect(summary).toMatchObject({
			object_type: 'notes',
			group: { name: 'queue_tracking', status: 'created' },
			properties: [{ name: 'mkops_note_key', status: 'created' }],
		});
		expect(hubspot.state.properties.get('notes')?.get('mkops_note_key')).toMatchObject({
			hasUniqueValue: true,
			type: 'string',
		});
	});

	it('a flush round held past its claim window while the next scheduled flushes run: each note is sent and created once', async () => {
		// The notes of the bookings before are sent first: only this test's three count below.
		for (const stream of [ASSOCIATIONS_STREAM, NOTES_STREAM]) await emptied(stream);
		const since = lastSeq();
		// HubSpot holds note creates for 20 s: three claim windows and at least three more flushes.
		hubspot.setFaults({ holdRequests: { path: NOTES_CREATE, count: 100, timeoutMs: 20000 } });
		const bookings = await Promise.all(
			[0, 1, 2].map((i) =>
				book({
					contact_id: contacts[25 + i],
					exam_id: tickets[0],
					exam_name: `Slow ${i}`,
					exam_date: '2026-12-03',
				}),
			),
		);
		expect(bookings.map((b) => b.status)).toEqual([201, 201, 201]);
		await waitFor(
			() => hubspot.requests({ path: NOTES_CREATE }).some((r) => r.seq > since && r.held),
			20000,
		);
		await waitFor(
			() => [0, 1, 2].every((i) => noteFor(contacts[25 + i], `Slow ${i}`) !== undefined),
			60000,
		);
		// Let go only when its 20 s were up, not by a count of waiting creates.
		expect(hubspot.state.snapshot({ includeLog: false }).faults.holdRequests?.releasedBy).toBe(
			'timeout',
		);
		await sleep(6000); // another flush or two: none may send these notes again
		for (let i = 0; i < 3; i++)
			expect(
				notesFor(contacts[25 + i], `Booking created for Slow ${i} on 2026-12-03`),
			).toHaveLength(1);
		expect(noteInputsSent(since)).toBe(3);
		hubspot.setFaults({ holdRequests: null });
	});

	it('a note create answered 502 after HubSpot applied it ends as one note: a later flush finds it by its key', async () => {
		const since = lastSeq();
		hubspot.setFaults({ force5xxAfterApply: 1, status5xx: 502, faultPath: NOTES_CREATE });
		const res = await book({
			contact_id: contacts[28],
			exam_id: tickets[1],
			exam_name: 'Proxy',
			exam_date: '2026-12-04',
		});
		expect(res.status).toBe(201);
		await waitFor(() => noteFor(contacts[28], 'Proxy') !== undefined, 20000);
		const forced = hubspot.requests({ path: NOTES_CREATE }).filter((r) => r.seq > since);
		expect(forced.map((r) => [r.status, r.applied])).toEqual([[502, true]]);
		// The job goes back (may exist) and a later flush completes it: the queue empties either way.
		await emptied(NOTES_STREAM);
		await sleep(2000);
		expect(notesFor(contacts[28], 'Booking created for Proxy on 2026-12-04')).toHaveLength(1);
		expect(noteInputsSent(since)).toBe(1);
		// Completed by looking the note up by its key, not by creating it again.
		expect(
			hubspot.requests({ path: NOTES_READ }).filter((r) => r.seq > since && r.status === 200),
		).toHaveLength(1);
		expect(await redis.zcard('mkops:queue:{hubspot:notes}:dead')).toBe(0);
	});
	it('without the secret header, or with a wrong one, n8n answers 403 before any node runs: nothing reaches HubSpot or the queue', async () => {
		const since = lastSeq();
		const deals = hubspot.objects('deals').length;
		const jobs = await queued();
		await settleEventLog(n8n);
		// The bookings of the tests before: n8n's event log shows this workflow's runs.
		const started = startedExecutions(n8n.userFolder, BOOKINGS);
		expect(started.length).toBeGreaterThan(0);
		const body = {
			contact_id: contacts[2],
			exam_id: tickets[0],
			exam_name: 'No secret',
			exam_date: '2026-12-05',
		};
		const missing = await book(body, { headers: {} });
		const wrong = await book(body, {
			headers: Object.fromEntries(
				Object.keys(secretHeaders).map((name) => [name, 'not-the-secret']),
			),
		});
		const empty = await book(body, {
			headers: Object.fromEntries(Object.keys(secretHeaders).map((name) => [name, ''])),
		});
		expect([missing.status, wrong.status, empty.status]).toEqual([403, 403, 403]);
		// A run would have written before answering; n8n logged none.
		await settleEventLog(n8n);
		expect(startedExecutions(n8n.userFolder, BOOKINGS)).toEqual(started);
		expect(hubspot.objects('deals')).toHaveLength(deals);
		expect(
			hubspot
				.requests({ method: 'POST' })
				.filter((r) => r.seq > since && r.path.includes('/deals')),
		).toHaveLength(0);
		expect(await queued()).toEqual(jobs);
	});

	it("with the queue's Redis down: 503, no deal created, and the error workflow posts the alert to Slack", async () => {
		await privateRedis.stop();
		try {
			const deals = hubspot.objects('deals').length;
			const res = await book(
				{
					contact_id: contacts[3],
					exam_id: tickets[0],
					exam_name: 'Redis down',
					exam_date: '2026-12-06',
				},
				{ to: privateUrl },
			);
			expect(res.status).toBe(503);
			expect(String(res.json.error)).toMatch(/none was created/);
			// The reply names no internal host.
			expect(JSON.stringify(res.json)).not.toMatch(/127\.0\.0\.1|Redis at/);
			expect(hubspot.objects('deals')).toHaveLength(deals);
			await waitFor(
				() => slack.messages().some((m) => m.text.includes('A booking was answered 503')),
				30000,
			);
			const alert = slack.messages().find((m) => m.text.includes('A booking was answered 503'))!;
			expect(alert.channel).toBe('#mops-alerts');
			expect(alert.text).toMatch(/did not answer/);
		} finally {
			await privateRedis.start();
		}
	}, 120000);

	it('Redis answers but refuses the jobs (out of memory): the new deal is archived again and the caller gets 503', async () => {
		const direct = connectRedis({ host: '127.0.0.1', port: privateRedis.port });
		await direct.config('SET', 'maxmemory-policy', 'noeviction');
		await direct.config('SET', 'maxmemory', '1');
		try {
			const since = lastSeq();
			const deals = hubspot.objects('deals').length;
			const res = await book(
				{
					contact_id: contacts[4],
					exam_id: tickets[0],
					exam_name: 'Redis full',
					exam_date: '2026-12-07',
				},
				{ to: privateUrl },
			);
			expect(res.status).toBe(503);
			// The deal was created, then archived through HubSpot's batch archive: none is left.
			const created = hubspot
				.requests({ method: 'POST', path: '/crm/v3/objects/deals/batch/create' })
				.filter((r) => r.seq > since);
			expect(created.map((r) => r.status)).toEqual([201]);
			expect(
				hubspot
					.requests({ method: 'POST', path: '/crm/v3/objects/deals/batch/archive' })
					.filter((r) => r.seq > since),
			).toHaveLength(1);
			expect(hubspot.objects('deals')).toHaveLength(deals);
			await waitFor(
				() => slack.messages().some((m) => m.text.includes('was archived again')),
				30000,
			);
		} finally {
			await direct.config('SET', 'maxmemory', '0');
			await direct.quit();
		}
	}, 120000);

	it('queuing fails and archiving the new deal fails too: 503 naming the deal, which stays, and an alert naming it', async () => {
		const direct = connectRedis({ host: '127.0.0.1', port: privateRedis.port });
		await direct.config('SET', 'maxmemory-policy', 'noeviction');
		await direct.config('SET', 'maxmemory', '1');
		const CREATE = '/crm/v3/objects/deals/batch/create';
		const ARCHIVE = '/crm/v3/objects/deals/batch/archive';
		try {
			// Nothing queued on the flush's Redis, so only this booking calls HubSpot while it fails.
			for (const stream of [ASSOCIATIONS_STREAM, NOTES_STREAM]) await emptied(stream);
			const since = lastSeq();
			// The create is held until HubSpot is made to fail every call after it: the archive's tries.
			hubspot.setFaults({ holdRequests: { path: CREATE, count: 2, timeoutMs: 60000 } });
			const pending = book(
				{
					contact_id: contacts[12],
					exam_id: tickets[2],
					exam_name: 'Not removed',
					exam_date: '2026-12-12',
				},
				{ to: privateUrl },
			);
			await waitFor(
				() => hubspot.requests({ path: CREATE }).some((r) => r.seq > since && r.held),
				30000,
			);
			hubspot.setFaults({ force5xx: 10, status5xx: 503, holdRequests: null });
			const res = await pending;
			hubspot.setFaults({ force5xx: 0 });
			const [created] = hubspot
				.requests({ method: 'POST', path: CREATE })
				.filter((r) => r.seq > since);
			expect(created.status).toBe(201);
			const deal = hubspot
				.objects('deals')
				.find((d) => d.properties.dealname === 'Booking: Not removed on 2026-12-12');
			expect(deal).toBeDefined();
			const archives = hubspot
				.requests({ method: 'POST', path: ARCHIVE })
				.filter((r) => r.seq > since);
			expect(archives.length).toBeGreaterThan(0);
			expect(archives.every((r) => r.status === 503)).toBe(true);
			expect(res.status).toBe(503);
			expect(res.json).toEqual({
				error: `The booking's deal ${deal!.id} was created but its follow-ups could not be queued and it could not be removed. Do not send it again; the team has been alerted.`,
			});
			const isAlert = (m: { text: string }) =>
				m.text.includes(`A booking was answered 503 and its deal ${deal!.id} exists`);
			await waitFor(() => slack.messages().some(isAlert), 30000);
			expect(slack.messages().find(isAlert)!.channel).toBe('#mops-alerts');
		} finally {
			hubspot.setFaults({ force5xx: 0, holdRequests: null });
			await direct.config('SET', 'maxmemory', '0');
			await direct.quit();
		}
	}, 120000);

	it('HubSpot refuses the create: 502 with its reason, no deal, no jobs, and the error workflow posts the alert to Slack', async () => {
		// Nothing queued, so no flush calls HubSpot while the token is refused.
		for (const stream of [ASSOCIATIONS_STREAM, NOTES_STREAM]) await emptied(stream);
		const since = lastSeq();
		const deals = hubspot.objects('deals').length;
		const jobs = await queued();
		hubspot.setFaults({ revokedTokens: [TOKEN] });
		let res: Awaited<ReturnType<typeof book>>;
		try {
			res = await book({
				contact_id: contacts[10],
				exam_id: tickets[1],
				exam_name: 'Refused',
				exam_date: '2026-12-10',
			});
		} finally {
			hubspot.setFaults({ revokedTokens: [] });
		}
		expect(res.status).toBe(502);
		// Fixed text: the reason (which may name the credential's base URL) goes to the alert only.
		expect(res.json).toEqual({
			error:
				'HubSpot did not create the booking, so no deal exists. Send it again once the team, which has been alerted, has fixed the cause.',
		});
		const creates = hubspot
			.requests({ method: 'POST', path: '/crm/v3/objects/deals/batch/create' })
			.filter((r) => r.seq > since);
		expect(creates.map((r) => r.status)).toEqual([401]);
		expect(hubspot.objects('deals')).toHaveLength(deals);
		expect(await queued()).toEqual(jobs);
		const isAlert = (m: { text: string }) => m.text.includes('A booking was answered 502');
		await waitFor(() => slack.messages().some(isAlert), 30000);
		const alert = slack.messages().find(isAlert)!;
		expect(alert.channel).toBe('#mops-alerts');
		expect(alert.text).toMatch(/did not create its deal, so none exists/);
	}, 120000);

	it('HubSpot applies the create but answers 502: the caller gets 503 to check before retrying, the deal is left as it is, and the alert says it may exist', async () => {
		const since = lastSeq();
		const jobs = await queued();
		const dealname = 'Booking: Unconfirmed on 2026-12-11';
		hubspot.setFaults({
			force5xxAfterApply: 1,
			status5xx: 502,
			faultPath: '/crm/v3/objects/deals/batch/create',
		});
		let res: Awaited<ReturnType<typeof book>>;
		try {
			res = await book({
				contact_id: contacts[11],
				exam_id: tickets[1],
				exam_name: 'Unconfirmed',
				exam_date: '2026-12-11',
			});
		} finally {
			hubspot.setFaults({ force5xxAfterApply: 0, faultPath: '' });
		}
		expect(res.status).toBe(503);
		expect(res.json).toEqual({
			error:
				'The booking may have been created: HubSpot did not confirm whether it was. Do not send it again until it has been checked in HubSpot; the team has been alerted.',
		});
		// Sent once, never again blindly; HubSpot has the deal, and nothing was queued for it.
		const creates = hubspot
			.requests({ method: 'POST', path: '/crm/v3/objects/deals/batch/create' })
			.filter((r) => r.seq > since);
		expect(creates.map((r) => [r.status, r.applied])).toEqual([[502, true]]);
		expect(hubspot.objects('deals').filter((d) => d.properties.dealname === dealname)).toHaveLength(
			1,
		);
		expect(
			hubspot
				.requests({ method: 'POST', path: '/crm/v3/objects/deals/batch/archive' })
				.filter((r) => r.seq > since),
		).toHaveLength(0);
		expect(await queued()).toEqual(jobs);
		const isAlert = (m: { text: string }) => m.text.includes('its deal may exist');
		await waitFor(() => slack.messages().some(isAlert), 30000);
		const alert = slack.messages().find(isAlert)!;
		expect(alert.channel).toBe('#mops-alerts');
		expect(alert.text).toContain('A booking was answered 503 and its deal may exist');
		expect(alert.text).toContain(dealname);
		expect(alert.text).toContain(`contact ${contacts[11]}`);
	}, 120000);

	it('no booking execution is saved, answered 201, 400, 502 or 503: the secret header stays out of the execution list', async () => {
		await settleEventLog(n8n);
		// Every booking of the tests above that had the secret ran: 29 on the queue's Redis (1 + 2 refused
		// as invalid + 20 + 3 + 1 + 1 refused by HubSpot + 1 unconfirmed), 4 on the private one …
		expect(startedExecutions(n8n.userFolder, BOOKINGS)).toHaveLength(29);
		expect(startedExecutions(n8n.userFolder, PRIVATE_BOOKINGS)).toHaveLength(4);
		// … and none was kept, the failed ones (503) included: their alerts reached Slack above.
		expect(await n8n.executions(BOOKINGS)).toEqual([]);
		expect(await n8n.executions(PRIVATE_BOOKINGS)).toEqual([]);
	});

	it('a dead letter over the threshold: the flush posts its alert to #mops-alerts once, not at every flush', async () => {
		// An association to a deal HubSpot does not have fails three times, then is dead-lettered.
		const { ReliableQueue } = await import('../../nodes/shared/queue/reliableQueue');
		const queue = new ReliableQueue(redis, {
			name: 'hubspot:associations',
			consumer: 'e2e-producer',
		});
		await queue.enqueue([
			{
				fromType: 'deals',
				toType: 'contacts',
				mode: 'default',
				from: '999999999',
				to: contacts[0],
				types: [],
			},
		]);
		const isQueueAlert = (m: { text: string }) => m.text.includes('HubSpot queue alert');
		await waitFor(() => slack.messages().some(isQueueAlert), 60000);
		const [alert] = slack.messages().filter(isQueueAlert);
		expect(alert.channel).toBe('#mops-alerts');
		expect(alert.text).toMatch(/associations dead-letter queue holds \d+ jobs \(over 0\)/);
		// The flush that posted it has started by now; two flushes started after it, once finished, each
		// found the same alert standing (the flush saves no executions: n8n's event log shows them).
		await settleEventLog(n8n);
		const startedBefore = new Set(startedExecutions(n8n.userFolder, FLUSH));
		const later = () =>
			finishedExecutions(n8n.userFolder, FLUSH).filter((id) => !startedBefore.has(id));
		const deadline = Date.now() + 60000;
		while (later().length < 2) {
			if (Date.now() > deadline) throw new Error('two more flushes did not finish within 60 s');
			await sleep(200);
		}
		expect(slack.messages().filter(isQueueAlert)).toHaveLength(1);
	}, 120000);
});
