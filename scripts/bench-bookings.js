#!/usr/bin/env node
// npm run bench:bookings: the booking flow's load test. 200 concurrent booking requests (BENCH_COUNT changes it) to the
// shipped hubspot-booking-create workflow in real n8n 2.40.7, with hubspot-queue-flush running every 5 s against
// real Redis and the HubSpot emulator at 100 requests / 10 s (the Starter tier's limit). Prints response-time
// percentiles, HubSpot calls per 10-second window, 429s, and how long until every association and note exists.
require('./ts-register');
const { readFileSync, writeFileSync } = require('fs');
const { join } = require('path');
const { installPackage, N8n, ROOT, sleep } = require('../test/e2e/harness/n8n.ts');
const { startHubSpotEmulator } = require('../test/emulators/hubspot/server.js');
const { cleanupPrefix, ensureRedis, testRedis } = require('../test/harness/redis.ts');
const { bookingSecret } = require('../test/harness/bookingWebhook.ts');

const COUNT = Number(process.env.BENCH_COUNT || 200);
const LIMIT = 100; // requests per 10 s (the Starter tier's limit, the credential's default)
const TOKEN = 'pat-bench-bookings-token';
const QUEUE_KEYS = 'mkops:queue:{hubspot:';
const GOALS = { p95Ms: 300, callsPer10s: 100, associationsMs: 10000, notesMs: 20000 };

if (!Number.isInteger(COUNT) || COUNT < 1) {
	console.error(`BENCH_COUNT must be a positive integer, got ${process.env.BENCH_COUNT}`);
	process.exit(2);
}

const pct = (sorted, p) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** The largest number of requests that arrived within any 10-second window. */
function maxPerWindow(times, windowMs = 10000) {
	const t = [...times].sort((a, b) => a - b);
	let best = 0;
	for (let i = 0, j = 0; i < t.length; i++) {
		while (t[i] - t[j] >= windowMs) j++;
		best = Math.max(best, i - j + 1);
	}
	return best;
}

const FLOOR_ID = 'mkopsBenchBkFlr1';
function floorWorkflow() {
	const node = (id, name, type, typeVersion, position, parameters, extra = {}) => ({
		id,
		name,
		type,
		typeVersion,
		position,
		parameters,
		...extra,
	});
	return {
		id: FLOOR_ID,
		name: 'Benchmark: empty webhook',
		active: false,
		// Saves nothing, like the booking workflow: the floor is the same work minus the booking's nodes.
		settings: {
			executionOrder: 'v1',
			saveDataSuccessExecution: 'none',
			saveDataErrorExecution: 'none',
		},
		nodes: [
			node(
				'f1000000-0000-4000-8000-000000000001',
				'Webhook',
				'n8n-nodes-base.webhook',
				2,
				[0, 0],
				{
					httpMethod: 'POST',
					path: 'bench-bookings-floor',
					responseMode: 'responseNode',
					options: {},
				},
				{ webhookId: 'f1000000-0000-4000-8000-000000000051' },
			),
			node(
				'f1000000-0000-4000-8000-000000000002',
				'Respond',
				'n8n-nodes-base.respondToWebhook',
				1.1,
				[220, 0],
				{ respondWith: 'json', responseBody: '{"ok":true}', options: { responseCode: 201 } },
			),
		],
		connections: { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
	};
}

/** `n` simultaneous POSTs; latency percentiles. */
async function burst(url, n) {
	const t0 = Date.now();
	const lat = (
		await Promise.all(
			Array.from({ length: n }, async () => {
				const t = Date.now();
				const res = await fetch(url, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: '{}',
				});
				await res.text();
				return Date.now() - t;
			}),
		)
	).sort((a, b) => a - b);
	return { p50: pct(lat, 50), p95: pct(lat, 95), ms: Date.now() - t0 };
}

/** Creates records 100 per call (HubSpot's batch cap), before the measured window. */
async function createRecords(hubspot, type, inputs) {
	const ids = [];
	for (let i = 0; i < inputs.length; i += 100) {
		const res = await fetch(`${hubspot.url}/crm/v3/objects/${type}/batch/create`, {
			method: 'POST',
			headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				inputs: inputs.slice(i, i + 100).map((properties) => ({ properties })),
			}),
		});
		const body = await res.json();
		if (!res.ok) throw new Error(`creating test ${type}: ${res.status} ${JSON.stringify(body)}`);
		ids.push(...body.results.map((r) => r.id));
	}
	return ids;
}

async function main() {
	await ensureRedis();
	const redis = testRedis('bench-bookings');
	await cleanupPrefix(redis, QUEUE_KEYS);
	const hubspot = await startHubSpotEmulator({ tokens: [TOKEN], limitPer10s: LIMIT });
	const n8n = await N8n.create();
	try {
		// Students and exams exist before the rush; they are set up outside the measured window.
		const contacts = await createRecords(
			hubspot,
			'contacts',
			Array.from({ length: COUNT }, (_, i) => ({ email: `bench.student${i}@school.edu` })),
		);
		const exams = await createRecords(
			hubspot,
			'tickets',
			Array.from({ length: 5 }, (_, i) => ({ subject: `Mock exam ${i}` })),
		);
		installPackage(n8n.userFolder);
		const template = JSON.parse(
			readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
		);
		// The booking webhook requires its secret header (Header Auth); the bench sends it.
		const secret = bookingSecret();
		const bookingHeaders = { 'content-type': 'application/json', ...secret.headers };
		n8n.importCredentials([
			secret.credential,
			...template
				.filter((c) => ['hubSpotBatchApi', 'redis', 'slackApi'].includes(c.type))
				.map((c) =>
					c.type === 'redis'
						? { ...c, data: { ...c.data, host: '127.0.0.1', port: 6379, password: '' } }
						: c.type === 'hubSpotBatchApi'
							? {
									...c,
									data: { ...c.data, accessToken: TOKEN, baseUrl: hubspot.url, tier: 'starter' },
								}
							: c,
				),
		]);
		for (const file of ['hubspot-booking-create.json', 'hubspot-queue-flush.json'])
			n8n.importWorkflow(join(ROOT, 'workflows', file));
		n8n.publish('mkopsHsBookings1');
		n8n.publish('mkopsHsQueueFlsh');
		// n8n's own cost per webhook execution: an empty Webhook → Respond workflow under the same burst.
		const floorFile = join(n8n.userFolder, 'floor.json');
		writeFileSync(floorFile, JSON.stringify(floorWorkflow()));
		n8n.importWorkflow(floorFile);
		n8n.publish(FLOOR_ID);
		await n8n.start();
		await n8n.login();
		const url = `${n8n.baseUrl}/webhook/bookings`;
		// One warm-up booking (first execution loads code paths and opens connections); not counted.
		const warm = await fetch(url, {
			method: 'POST',
			headers: bookingHeaders,
			body: JSON.stringify({
				contact_id: contacts[0],
				exam_id: exams[0],
				exam_name: 'Warm-up',
				exam_date: '2026-12-01',
			}),
		});
		if (warm.status !== 201)
			throw new Error(`warm-up booking answered ${warm.status}: ${await warm.text()}`);
		const floorUrl = `${n8n.baseUrl}/webhook/bench-bookings-floor`;
		for (let i = 0; i < 10; i++) await burst(floorUrl, 1);
		const floor = await burst(floorUrl, COUNT);
		await sleep(6000); // the warm-up's queue items are flushed before the measured rush
		const since = Date.now();
		const callsBefore = hubspot.requests().length;

		const started = Date.now();
		const results = await Promise.all(
			contacts.map(async (contactId, i) => {
				const t0 = Date.now();
				const res = await fetch(url, {
					method: 'POST',
					headers: bookingHeaders,
					body: JSON.stringify({
						contact_id: contactId,
						exam_id: exams[i % exams.length],
						exam_name: `Mock exam ${i % exams.length}`,
						exam_date: '2026-12-15',
					}),
				});
				const body = await res.json().catch(() => ({}));
				return {
					status: res.status,
					ms: Date.now() - t0,
					bookingId: body.booking_id,
					contactId,
					examId: exams[i % exams.length],
				};
			}),
		);
		const rushMs = Date.now() - started;
		const ok = results.filter((r) => r.status === 201);
		const latencies = results.map((r) => r.ms).sort((a, b) => a - b);

		const assocKey = (a) => `${a.fromId}>${a.toId}`;
		const wantAssoc = new Set(
			ok.flatMap((r) => [`${r.bookingId}>${r.contactId}`, `${r.bookingId}>${r.examId}`]),
		);
		const wantNotes = new Set(ok.map((r) => String(r.contactId)));
		let associationsMs;
		let notesMs;
		const deadline = Date.now() + 120000;
		while ((associationsMs === undefined || notesMs === undefined) && Date.now() < deadline) {
			const have = new Set(
				hubspot.state.associations.flatMap((a) => [assocKey(a), `${a.toId}>${a.fromId}`]),
			);
			if (associationsMs === undefined && [...wantAssoc].every((k) => have.has(k)))
				associationsMs = Date.now() - started;
			const noted = new Set(
				hubspot.state.associations
					.filter(
						(a) =>
							a.toType === 'contacts' && hubspot.objects('notes').some((n) => n.id === a.fromId),
					)
					.map((a) => String(a.toId)),
			);
			if (notesMs === undefined && [...wantNotes].every((c) => noted.has(c)))
				notesMs = Date.now() - started;
			await sleep(100);
		}
		const calls = hubspot
			.requests()
			.slice(callsBefore)
			.filter((r) => r.time >= since);
		const byKind = (re) => calls.filter((r) => re.test(r.path)).length;

		console.log(
			`bookings: ${COUNT} concurrent POST /webhook/bookings; ${ok.length} × 201, ${COUNT - ok.length} other (${[...new Set(results.filter((r) => r.status !== 201).map((r) => r.status))].join(', ') || 'none'})`,
		);
		console.log(
			`response time: p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms, max ${latencies.at(-1)} ms; all answered in ${rushMs} ms`,
		);
		console.log(
			`HubSpot calls: ${calls.length} (booking creates ${byKind(/\/objects\/deals\/batch\/create/)}, association calls ${byKind(/\/associations\//)}, note calls ${byKind(/\/objects\/notes\//)}); max in any 10-s window ${maxPerWindow(calls.map((r) => r.time))}`,
		);
		console.log(`429s: ${calls.filter((r) => r.status === 429).length}`);
		console.log(
			`n8n floor: ${COUNT} concurrent to an empty Webhook → Respond workflow on the same n8n: p50 ${floor.p50} ms, p95 ${floor.p95} ms, all answered in ${floor.ms} ms`,
		);
		console.log(
			`every association exists ${associationsMs ?? 'n/a (not within 120 s)'} ms after the first request (${associationsMs === undefined ? 'n/a' : associationsMs - rushMs} ms after the last 201); every note ${notesMs ?? 'n/a'} ms after the first request (${notesMs === undefined ? 'n/a' : notesMs - rushMs} ms after the last 201)`,
		);
		const p95 = pct(latencies, 95);
		const window = maxPerWindow(calls.map((r) => r.time));
		const goals = [
			[`p95 ≤ ${GOALS.p95Ms} ms`, p95 <= GOALS.p95Ms],
			[`≤ ${GOALS.callsPer10s} calls per 10 s`, window <= GOALS.callsPer10s],
			['0 × 429', !calls.some((r) => r.status === 429)],
			[
				'associations ≤ 10 s',
				associationsMs !== undefined && associationsMs <= GOALS.associationsMs,
			],
			['notes ≤ 20 s', notesMs !== undefined && notesMs <= GOALS.notesMs],
			['all 201', ok.length === COUNT],
		];
		console.log(
			`goals: ${goals.map(([label, okay]) => `${label} ${okay ? 'PASS' : 'FAIL'}`).join('; ')}`,
		);
		if (goals.some(([, okay]) => !okay)) process.exitCode = 1;
	} finally {
		await n8n.stop();
		await hubspot.close();
		await cleanupPrefix(redis, QUEUE_KEYS);
		await redis.quit();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
