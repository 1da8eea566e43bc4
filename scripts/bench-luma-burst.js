#!/usr/bin/env node
// npm run bench:luma-burst: a burst of signed Luma registrations into the shipped luma-registration-sync workflow,
// in real n8n 2.40.7 (package installed as a user installs it, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true), against
// the HubSpot emulator (190 requests / 10 s, forced 429s, 10 % 5xx), the Airtable emulator (5 requests/s per base)
// and the Slack emulator. Three phases, each on a freshly started n8n and freshly reset emulators:
// 1. ack:     BENCH_ACK_N (300) deliveries at once: how fast n8n acknowledges them (and when they land);
// 2. shipped: BENCH_N (1,000) deliveries at once to the workflow as shipped (its combining options as they are);
// 3. off:     BENCH_N_OFF (300) deliveries to the same workflow with every `options.combineWithinMs` set to 0.
// A registration has landed when Airtable has it as "Synced to HubSpot" and HubSpot has the contact on the event's
// list; the script reads that from the emulators' state, not from n8n, and counts calls from their request logs.
require('./ts-register');
const { randomBytes, randomUUID } = require('crypto');
const { cpSync, readFileSync, rmSync, writeFileSync } = require('fs');
const { dirname, join } = require('path');
const { installPackage, N8n, ROOT, sleep } = require('../test/e2e/harness/n8n.ts');
const { startAirtableEmulator } = require('../test/emulators/airtable/server.js');
const { startHubSpotEmulator } = require('../test/emulators/hubspot/server.js');
const { startLumaEmulator } = require('../test/emulators/luma/server.js');
const { startSlackEmulator } = require('../test/emulators/slack/server.js');
const {
	sampleGuestRegistered,
	signLumaDelivery,
} = require('../test/emulators/luma/webhookSender.js');
const { withAirtableBase } = require('../test/harness/airtableBase.ts');
const { ensureRedis } = require('../test/harness/redis.ts');
const { cleanupStack, finish, tempFolder } = require('../test/bench/cleanup.js');
const { maxPerWindow } = require('../test/bench/rate-window.js');

const int = (name, fallback) => {
	const raw = process.env[name];
	const n = raw === undefined || raw === '' ? fallback : Number(raw);
	if (!Number.isInteger(n) || n < 0) {
		console.error(`${name} must be a whole number, got ${raw}`);
		process.exit(2);
	}
	return n;
};
const share = (name, fallback) => {
	const raw = process.env[name];
	const n = raw === undefined || raw === '' ? fallback : Number(raw);
	if (!(n >= 0 && n <= 1)) {
		console.error(`${name} must be between 0 and 1, got ${raw}`);
		process.exit(2);
	}
	return n;
};

const ACK_N = int('BENCH_ACK_N', 300);
const N = int('BENCH_N', 1000);
const N_OFF = int('BENCH_N_OFF', 300);
const EVENTS = Math.max(1, int('BENCH_EVENTS', 5));
// A share of the registrations are a second registration of someone already in the burst, to another event:
// the same email in concurrent executions (and in one combined call), where merge rules must apply once per row.
const SAME_PERSON = share('BENCH_SAME_PERSON', 0.05);
const DEADLINE_S = int('BENCH_DEADLINE_S', 420);
const FORCE_429 = int('BENCH_HUBSPOT_429', 20);
const RATE_5XX = share('BENCH_HUBSPOT_5XX', 0.1);
const TIER = process.env.BENCH_HUBSPOT_TIER || 'professional';
const PHASES = (process.env.BENCH_PHASES || 'ack,shipped,off').split(',').map((p) => p.trim());
const HUBSPOT_LIMIT = 190; // requests per 10 s: Professional / Enterprise
const AIRTABLE_RPS = 5;
const GOALS = { ackP95Ms: 10000, landS: 300, airtableCalls: 375, hubspotUpserts: 12 };

for (const p of PHASES)
	if (!['ack', 'shipped', 'off'].includes(p)) {
		console.error(`BENCH_PHASES lists ack, shipped and off, got ${p}`);
		process.exit(2);
	}

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const HUBSPOT_TOKEN = 'pat-bench-luma-burst-token';
const SHIPPED_FILE = join(ROOT, 'workflows/luma-registration-sync.json');
const OFF_ID = 'mkopsLumaBurstOf';
const ERROR_WORKFLOW = 'mkopsErrorAlerts';
const RE_429 = /\b429\b|rate.?limit|too many requests/i;
const SYNCED = 'Synced to HubSpot';

const cleanups = cleanupStack();

const pct = (sorted, p) =>
	sorted.length
		? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
		: NaN;
const s1 = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

/** The shipped workflow and its "combining off" copy: every node's options.combineWithinMs set to 0. */
function workflows(tmp, base) {
	const shipped = JSON.parse(readFileSync(SHIPPED_FILE, 'utf8'));
	const combining = shipped.nodes
		.filter((n) => n.parameters?.options && 'combineWithinMs' in n.parameters.options)
		.map((n) => ({ name: n.name, ms: Number(n.parameters.options.combineWithinMs) || 0 }));
	const off = JSON.parse(JSON.stringify(shipped));
	for (const n of off.nodes)
		if (n.parameters?.options && 'combineWithinMs' in n.parameters.options)
			n.parameters.options.combineWithinMs = 0;
	off.id = OFF_ID;
	off.name = `${shipped.name} (benchmark: combining off)`;
	// Its own trigger path, so both can be published on one n8n.
	const offTrigger = off.nodes.find((n) => n.type === 'n8n-nodes-marketing-ops.lumaTrigger');
	offTrigger.webhookId = randomUUID();
	const offFile = join(tmp, 'luma-registration-sync-off.json');
	writeFileSync(offFile, JSON.stringify(off));
	const triggerPath = (wf) =>
		`${wf.nodes.find((n) => n.type === 'n8n-nodes-marketing-ops.lumaTrigger').webhookId}/luma`;
	return {
		combining,
		shipped: {
			id: shipped.id,
			file: withAirtableBase(SHIPPED_FILE, base),
			path: triggerPath(shipped),
		},
		off: { id: OFF_ID, file: withAirtableBase(offFile, base), path: triggerPath(off) },
	};
}

/** `n` registrations over EVENTS events: distinct guests; a SAME_PERSON share re-register an earlier email elsewhere. */
function registrations(tag, n) {
	const events = Array.from({ length: EVENTS }, (_, k) => {
		const day = String(10 + k).padStart(2, '0');
		return {
			id: `evt-burst-${tag}-${String(k + 1).padStart(2, '0')}`,
			name: `Burst Launch ${tag.toUpperCase()} #${String(k + 1).padStart(2, '0')}`,
			startAt: `2026-06-${day}T17:00:00.000Z`,
			date: `2026-06-${day}`,
		};
	});
	const every = SAME_PERSON > 0 && EVENTS > 1 ? Math.max(2, Math.round(1 / SAME_PERSON)) : 0;
	const rows = [];
	let people = 0;
	for (let i = 0; i < n; i++) {
		let person;
		let event;
		if (every && i % every === every - 1 && rows.length) {
			const earlier = rows[rows.length - 1];
			person = earlier.person;
			event = events[(events.indexOf(earlier.event) + 1) % events.length];
		} else {
			person = people++;
			event = events[person % events.length];
		}
		const email = `burst.${tag}.${person}@acme-bench.com`;
		rows.push({
			person,
			email,
			event,
			key: `${email}|${event.id}`,
			payload: sampleGuestRegistered({
				email,
				name: `Guest ${person} Burst`,
				eventId: event.id,
				eventName: event.name,
				startAt: event.startAt,
				registeredAt: new Date().toISOString(),
				guestId: `gst-${tag}-${i}`,
				phone: '+14155552671',
			}),
		});
	}
	return { events, rows };
}

/** What the emulators hold for these registrations, right now. */
function observe(ctx, rows, events) {
	const { airtable, hubspot, slack } = ctx;
	const regs = new Map();
	for (const r of airtable.records('Registrations')) {
		const key = String(r.fields.dedupe_key ?? '').toLowerCase();
		if (!regs.has(key)) regs.set(key, []);
		regs.get(key).push(r);
	}
	const contacts = new Map();
	for (const c of hubspot.objects('contacts')) {
		const email = String(c.properties.email ?? '').toLowerCase();
		if (!contacts.has(email)) contacts.set(email, []);
		contacts.get(email).push(c);
	}
	const listsOf = new Map(
		events.map((e) => [
			e.id,
			[...hubspot.state.lists.values()].filter((l) => l.name.includes(e.name)),
		]),
	);
	const alerts = slack.messages();
	let landed = 0;
	let inAirtable = 0;
	let inHubSpot = 0;
	let onErrorPath = 0;
	const reported = new Set();
	for (const row of rows) {
		const rec = regs.get(row.key.toLowerCase())?.[0];
		const contact = contacts.get(row.email)?.[0];
		if (rec) inAirtable++;
		if (contact) inHubSpot++;
		const onList =
			contact &&
			listsOf
				.get(row.event.id)
				.some((l) => hubspot.state.memberships.get(l.listId)?.has(contact.id));
		if (rec?.fields.sync_status === SYNCED && onList) landed++;
		else if (
			rec?.fields.sync_status === 'Error' ||
			alerts.some((m) => m.text.includes(row.email) && m.text.includes(row.event.name))
		) {
			onErrorPath++;
			reported.add(row.key);
		}
	}
	return { landed, inAirtable, inHubSpot, onErrorPath, reported, regs, contacts, listsOf, alerts };
}

/** Duplicates and merge-rule outcomes: every registration once, each contact once, counted once per registration. */
function exactness(ctx, rows, events, seen) {
	const problems = [];
	const keys = new Set(rows.map((r) => r.key.toLowerCase()));
	for (const key of keys) {
		const n = seen.regs.get(key)?.length ?? 0;
		if (n > 1) problems.push(`${n} Airtable records for ${key}`);
	}
	const eventIds = new Set(events.map((e) => e.id));
	const airtableEvents = ctx.airtable
		.records('Events')
		.filter((e) => eventIds.has(String(e.fields.luma_event_id)));
	for (const e of events) {
		const n = airtableEvents.filter((r) => r.fields.luma_event_id === e.id).length;
		if (n > 1) problems.push(`${n} Airtable events for ${e.id}`);
	}
	const byPerson = new Map();
	for (const r of rows) {
		if (!byPerson.has(r.email)) byPerson.set(r.email, []);
		byPerson.get(r.email).push(r);
	}
	let mergeChecked = 0;
	for (const [email, mine] of byPerson) {
		const found = seen.contacts.get(email) ?? [];
		if (found.length > 1) problems.push(`${found.length} HubSpot contacts for ${email}`);
		const contact = found[0];
		if (!contact) continue;
		// Only people whose every registration landed: a row on an error path may or may not have been counted.
		const allLanded = mine.every(
			(r) => seen.regs.get(r.key.toLowerCase())?.[0]?.fields.sync_status === SYNCED,
		);
		for (const r of mine) {
			const rec = seen.regs.get(r.key.toLowerCase())?.[0];
			if (
				rec?.fields.sync_status === SYNCED &&
				String(rec.fields.hubspot_contact_id) !== contact.id
			)
				problems.push(
					`${r.key}: Airtable hubspot_contact_id ${rec.fields.hubspot_contact_id}, HubSpot ${contact.id}`,
				);
		}
		if (!allLanded) continue;
		mergeChecked++;
		const p = contact.properties;
		if (String(p.contact_total_events_attended) !== String(mine.length))
			problems.push(
				`${email}: contact_total_events_attended ${p.contact_total_events_attended}, expected ${mine.length}`,
			);
		const names = String(p.contact_recent_event_name ?? '').split(';');
		for (const r of mine) {
			const times = names.filter((x) => x === r.event.name).length;
			if (times !== 1)
				problems.push(`${email}: "${r.event.name}" ${times}× in contact_recent_event_name`);
		}
		const dates = mine.map((r) => r.event.date).sort();
		if (String(p.contact_recent_event_date ?? '').slice(0, 10) !== dates.at(-1))
			problems.push(
				`${email}: contact_recent_event_date ${p.contact_recent_event_date}, expected ${dates.at(-1)}`,
			);
		if (!dates.includes(String(p.contact_first_event_date ?? '').slice(0, 10)))
			problems.push(
				`${email}: contact_first_event_date ${p.contact_first_event_date}, not one of ${dates.join(', ')}`,
			);
	}
	for (const e of events) {
		const lists = seen.listsOf.get(e.id);
		if (lists.length > 1) problems.push(`${lists.length} HubSpot lists for ${e.name}`);
	}
	return { problems, mergeChecked, people: byPerson.size };
}

/** Calls by endpoint, from the emulators' request logs since `since`. */
function calls(ctx, since) {
	const at = ctx.airtable.requests().filter((r) => r.time >= since);
	const hs = ctx.hubspot.requests().filter((r) => r.time >= since);
	const atKind = (r) => {
		if (r.path.startsWith('/v0/meta')) return 'schema';
		if (r.method === 'GET') return r.table === 'Events' ? 'eventLookups' : 'regLookups';
		if (r.method === 'POST') return r.table === 'Events' ? 'eventCreates' : 'regCreates';
		if (r.upsert) return 'upserts';
		return 'updates';
	};
	const a = {
		total: at.length,
		schema: 0,
		eventLookups: 0,
		regLookups: 0,
		eventCreates: 0,
		regCreates: 0,
		upserts: 0,
		updates: 0,
	};
	for (const r of at) a[atKind(r)]++;
	a.upsertRecords = at
		.filter((r) => atKind(r) === 'upserts')
		.reduce((s, r) => s + (r.recordCount ?? 0), 0);
	a.updateRecords = at
		.filter((r) => atKind(r) === 'updates')
		.reduce((s, r) => s + (r.recordCount ?? 0), 0);
	a.max1s = maxPerWindow(
		at.map((r) => r.time),
		1000,
	);
	a.r429 = at.filter((r) => r.status === 429).length;
	a.r5xx = at.filter((r) => r.status >= 500).length;

	const hsKind = (r) => {
		if (r.path === '/crm/v3/objects/contacts/batch/upsert') return 'upserts';
		if (/^\/crm\/v3\/objects\/contacts(\/batch\/read|\/search|\/|$)/.test(r.path)) return 'reads';
		if (r.path.startsWith('/crm/v3/lists')) return 'lists';
		if (r.path.startsWith('/crm/v3/properties')) return 'properties';
		return 'other';
	};
	// Refused by an injected fault before HubSpot applied it: not the flow's choice, but a retry is a call.
	const injected = (r) => r.forced && !r.applied;
	const h = { total: hs.length, upserts: 0, reads: 0, lists: 0, properties: 0, other: 0 };
	for (const r of hs) h[hsKind(r)]++;
	h.upsertsAccepted = hs.filter(
		(r) => hsKind(r) === 'upserts' && !injected(r) && r.status !== 429,
	).length;
	h.upsertsFlow = hs.filter((r) => hsKind(r) === 'upserts' && !injected(r)).length;
	const accepted = hs.filter((r) => hsKind(r) === 'upserts' && r.status >= 200 && r.status < 300);
	h.upsertInputs = accepted.reduce((s, r) => s + (r.inputCount ?? 0), 0);
	// Contacts per accepted call, in order: shows which batches went out less than full.
	h.upsertSizes = accepted.map(
		(r) => `${r.inputCount ?? 0}@${((r.time - accepted[0].time) / 1000).toFixed(1)}s`,
	);
	h.max10s = maxPerWindow(
		hs.map((r) => r.time),
		10000,
	);
	h.forced429 = hs.filter((r) => r.status === 429 && r.forced).length;
	h.own429 = hs.filter((r) => r.status === 429 && !r.forced).length;
	h.r5xx = hs.filter((r) => r.status >= 500).length;
	h.otherPaths = [
		...new Set(hs.filter((r) => hsKind(r) === 'other').map((r) => `${r.method} ${r.path}`)),
	];
	return { airtable: a, hubspot: h };
}

/** n8n's side: executions by status, and the errors of the failed ones (for 429s the flow did not absorb). */
async function executionFacts(n8n, workflowId, startedAt) {
	const list = async (status) => {
		const out = [];
		let cursor;
		do {
			const qs = new URLSearchParams({ workflowId, limit: '250' });
			if (status) qs.set('status', status);
			if (cursor) qs.set('cursor', cursor);
			const page = await n8n.publicApi('GET', `/executions?${qs}`);
			out.push(...page.data);
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		return out.filter((e) => Date.parse(e.startedAt) >= startedAt - 1000);
	};
	const all = await list();
	const byStatus = {};
	for (const e of all) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
	const failed = all.filter((e) => e.status === 'error' || e.status === 'crashed');
	const reasons = [];
	for (const e of failed.slice(0, 50)) {
		const full = await n8n
			.publicApi('GET', `/executions/${e.id}?includeData=true`)
			.catch(() => undefined);
		const err = full?.data?.resultData?.error;
		reasons.push(
			err ? `${err.message ?? ''} ${err.description ?? ''}`.trim() : 'no error recorded',
		);
	}
	return { total: all.length, byStatus, failed: failed.length, reasons };
}

/** Signs every delivery first, then sends them all at once; each answer's time from the burst's start. */
async function burst(url, rows, deadlineMs) {
	const signed = rows.map((r) =>
		signLumaDelivery({ scheme: 'luma', secret: SECRET, body: r.payload }),
	);
	const started = Date.now();
	const acks = Promise.all(
		signed.map(async ({ headers, body }) => {
			try {
				const res = await fetch(url, {
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						'user-agent': 'Luma-Webhooks/1.0',
						...headers,
					},
					body,
					signal: AbortSignal.timeout(deadlineMs),
				});
				await res.text();
				return { status: res.status, ms: Date.now() - started };
			} catch (error) {
				return {
					status: error.name === 'TimeoutError' ? 'timeout' : 'error',
					ms: Date.now() - started,
				};
			}
		}),
	);
	return { started, acks };
}

async function waitUntilLanded(ctx, url, rows, events, label) {
	const deadlineMs = DEADLINE_S * 1000;
	const { started, acks } = await burst(url, rows, deadlineMs);
	let acked;
	acks.then((a) => (acked = a));
	const marks = {};
	const curve = [];
	let seen;
	for (;;) {
		await sleep(1000);
		seen = observe(ctx, rows, events);
		const t = Date.now() - started;
		if (marks.airtable === undefined && seen.inAirtable === rows.length) marks.airtable = t;
		if (marks.hubspot === undefined && seen.inHubSpot === rows.length) marks.hubspot = t;
		if (marks.landed === undefined && seen.landed === rows.length) marks.landed = t;
		if (Math.floor(t / 60000) > curve.length) curve.push(seen.landed);
		const settled = seen.landed + seen.onErrorPath === rows.length;
		if ((settled && acked) || t >= deadlineMs) break;
		if (process.env.BENCH_DEBUG && Math.round(t / 1000) % 15 === 0)
			console.log(
				`  [${label}] +${s1(t)} landed ${seen.landed}, error path ${seen.onErrorPath}, acks ${acked ? 'all' : 'pending'}`,
			);
	}
	const endMs = Date.now() - started;
	// Late writes (a second copy, a retry) would show up shortly after the last landing.
	await sleep(int('BENCH_SETTLE_S', 5) * 1000);
	seen = observe(ctx, rows, events);
	acked ??= await acks;
	return { started, endMs, marks, curve, seen, acks: acked };
}

function ackFigures(acks) {
	const ok = acks.filter((a) => a.status === 200);
	const lat = acks.map((a) => a.ms).sort((a, b) => a - b);
	const other = {};
	for (const a of acks) if (a.status !== 200) other[a.status] = (other[a.status] ?? 0) + 1;
	return { ok: ok.length, other, p50: pct(lat, 50), p95: pct(lat, 95), max: lat.at(-1) };
}

async function runPhase(ctx, phase, n, wf) {
	// A fresh n8n (process and database) and fresh emulators per phase: nothing in flight or cached from the last.
	const instance = await ctx.startN8n(phase, wf);
	try {
		return await measurePhase(ctx, instance.n8n, phase, n, wf);
	} finally {
		await instance.stop();
	}
}

async function measurePhase(ctx, n8n, phase, n, wf) {
	const { airtable, hubspot, slack } = ctx;
	airtable.reset();
	hubspot.reset();
	slack.reset();
	const url = `${n8n.baseUrl}/webhook/${wf.path}`;
	// One warm-up registration (first execution loads code and opens connections), on its own event; not counted.
	const warm = registrations(`${phase}w`, 1);
	const warmRun = await (async () => {
		const { started, acks } = await burst(url, warm.rows, 120000);
		await acks;
		for (;;) {
			const seen = observe(ctx, warm.rows, warm.events);
			if (seen.landed + seen.onErrorPath === 1)
				return { ok: seen.landed === 1, ms: Date.now() - started };
			if (Date.now() - started > 120000) return { ok: false, ms: Date.now() - started };
			await sleep(250);
		}
	})();
	await sleep(2000);
	hubspot.setFaults({ force429: FORCE_429, errorRate5xx: RATE_5XX, seed: 7 });
	const { events, rows } = registrations(phase, n);
	const run = await waitUntilLanded(ctx, url, rows, events, phase);
	hubspot.setFaults({ force429: 0, errorRate5xx: 0 });
	const c = calls(ctx, run.started);
	const ex = await executionFacts(n8n, wf.id, run.started);
	const exact = exactness(ctx, rows, events, run.seen);
	const lost = rows.filter(
		(r) =>
			!(run.seen.regs.get(r.key.toLowerCase())?.[0]?.fields.sync_status === SYNCED) &&
			!run.seen.reported.has(r.key),
	).length;
	const errRows = rows.filter(
		(r) => run.seen.regs.get(r.key.toLowerCase())?.[0]?.fields.sync_status === 'Error',
	);
	const surfaced429 = {
		executions: ex.reasons.filter((m) => RE_429.test(m)).length,
		rows: errRows.filter((r) =>
			RE_429.test(String(run.seen.regs.get(r.key.toLowerCase())[0].fields.sync_error ?? '')),
		).length,
		alerts: run.seen.alerts.filter((m) => RE_429.test(m.text)).length,
	};
	surfaced429.total = surfaced429.executions + Math.max(surfaced429.rows, surfaced429.alerts);
	// Why rows ended on an error path: Airtable's sync_error, else the Slack alert's reason.
	const reasons = new Map();
	const reason = (text) => reasons.set(text, (reasons.get(text) ?? 0) + 1);
	for (const r of errRows)
		reason(
			String(run.seen.regs.get(r.key.toLowerCase())[0].fields.sync_error ?? '(no sync_error)'),
		);
	for (const m of run.seen.alerts)
		if (!errRows.some((r) => m.text.includes(r.email)))
			reason(/Reason: (.*)/.exec(m.text)?.[1] ?? m.text.slice(0, 120));
	return {
		phase,
		n,
		people: exact.people,
		events: events.length,
		warm: warmRun,
		ack: ackFigures(run.acks),
		run,
		calls: c,
		ex,
		exact,
		lost,
		// Cut off at the deadline: the rows neither landed nor reported may still be in flight, not lost.
		cutOff: run.seen.landed + run.seen.onErrorPath < n,
		errorRows: errRows.length,
		errorAlerts: run.seen.alerts.length,
		errorReasons: [...reasons].map(([text, count]) => `${count}× ${text.slice(0, 160)}`),
		surfaced429,
	};
}

/** When every registration landed, or how far the phase got: settled (the rest on an error path) or cut off. */
function landedText(r, short = false) {
	const { marks, seen, endMs } = r.run;
	if (marks.landed !== undefined) return s1(marks.landed);
	const settled = seen.landed + seen.onErrorPath === r.n && endMs < DEADLINE_S * 1000;
	if (short) return `${settled ? s1(endMs) : `>${DEADLINE_S} s`} (${seen.landed}/${r.n})`;
	return settled
		? `no: settled after ${s1(endMs)} with ${seen.landed}/${r.n} landed, ${seen.onErrorPath} on an error path`
		: `NOT within ${DEADLINE_S} s: ${seen.landed}/${r.n} landed, ${seen.onErrorPath} on an error path, ${r.n - seen.landed - seen.onErrorPath} neither`;
}

function describe(r) {
	const { run, calls: c } = r;
	const a = c.airtable;
	const h = c.hubspot;
	const lines = [];
	lines.push(
		`  deliveries: ${r.n} (${r.people} people, ${r.events} events); acks ${r.ack.ok} × 200${Object.keys(r.ack.other).length ? `, other ${JSON.stringify(r.ack.other)}` : ''}: p50 ${s1(r.ack.p50)}, p95 ${s1(r.ack.p95)}, max ${s1(r.ack.max)} (warm-up ${r.warm.ok ? 'landed' : 'NOT landed'} in ${s1(r.warm.ms)})`,
	);
	lines.push(
		`  landing:    all in Airtable ${run.marks.airtable === undefined ? `no (${run.seen.inAirtable}/${r.n})` : s1(run.marks.airtable)}, all contacts in HubSpot ${run.marks.hubspot === undefined ? `no (${run.seen.inHubSpot}/${r.n})` : s1(run.marks.hubspot)}, all landed ${landedText(r)}; landed by minute: ${run.curve.join(', ') || '-'}`,
	);
	lines.push(
		`  airtable:   ${a.total} calls (${f2(a.total / r.n)}/registration): event lookups ${a.eventLookups}, event creates ${a.eventCreates}, registration lookups ${a.regLookups}, upserts ${a.upserts} (${a.upsertRecords} records), updates ${a.updates} (${a.updateRecords} records), creates ${a.regCreates}, schema ${a.schema}; max ${a.max1s} in any 1 s; 429 ${a.r429}, 5xx ${a.r5xx}`,
	);
	lines.push(
		`  hubspot:    ${h.total} calls (${f2(h.total / r.n)}/registration): contact upserts ${h.upserts} (${h.upsertsFlow} not refused by an injected fault, ${h.upsertInputs} contacts in accepted calls: ${h.upsertSizes.join(' + ')}), contact reads ${h.reads}, list calls ${h.lists}, properties ${h.properties}, other ${h.other}${h.otherPaths.length ? ` [${h.otherPaths.slice(0, 5).join(', ')}]` : ''}; max ${h.max10s} in any 10 s; 429 ${h.forced429} injected + ${h.own429} over the limit, 5xx ${h.r5xx}`,
	);
	lines.push(
		`  n8n:        ${r.ex.total} executions ${JSON.stringify(r.ex.byStatus)}${r.ex.reasons.length ? `; errors: ${[...new Set(r.ex.reasons)].slice(0, 3).join(' | ').slice(0, 300)}` : ''}`,
	);
	lines.push(
		`  exactness:  ${r.lost} ${r.cutOff ? 'not landed when cut off (in flight or lost: not known)' : 'lost (neither landed nor reported)'}, ${r.errorRows} marked Error in Airtable, ${r.errorAlerts} Slack alerts; surfaced 429s ${r.surfaced429.total} (executions ${r.surfaced429.executions}, Error rows ${r.surfaced429.rows}, alerts ${r.surfaced429.alerts}); ${r.exact.problems.length} written twice or miscounted${r.exact.problems.length ? `: ${r.exact.problems.slice(0, 5).join('; ')}` : ''} (merge rules checked on ${r.exact.mergeChecked} contacts)`,
	);
	if (r.errorReasons.length) lines.push(`  error path: ${r.errorReasons.slice(0, 4).join(' | ')}`);
	return lines.join('\n');
}

function table(results) {
	const cols = results.map((r) => `${r.phase} (N=${r.n})`);
	const row = (label, f) => [label, ...results.map(f)];
	const landed = (r) => landedText(r, true);
	const rows = [
		row('ack p50 / p95', (r) => `${s1(r.ack.p50)} / ${s1(r.ack.p95)}`),
		row('time to land', landed),
		row('landed per s', (r) =>
			f2(r.run.seen.landed / ((r.run.marks.landed ?? r.run.endMs) / 1000)),
		),
		row('Airtable calls', (r) => String(r.calls.airtable.total)),
		row('  per registration', (r) => f2(r.calls.airtable.total / r.n)),
		row('  max in 1 s', (r) => String(r.calls.airtable.max1s)),
		row('HubSpot calls', (r) => String(r.calls.hubspot.total)),
		row('  per registration', (r) => f2(r.calls.hubspot.total / r.n)),
		row('  contact upserts', (r) => String(r.calls.hubspot.upserts)),
		row('  list calls', (r) => String(r.calls.hubspot.lists)),
		row('  max in 10 s', (r) => String(r.calls.hubspot.max10s)),
		row('surfaced 429s', (r) => String(r.surfaced429.total)),
		row('lost / twice', (r) => `${r.cutOff ? `${r.lost}?` : r.lost} / ${r.exact.problems.length}`),
	];
	const all = [['', ...cols], ...rows];
	const widths = all[0].map((_, i) => Math.max(...all.map((l) => l[i].length)));
	return all
		.map((l) => l.map((v, i) => (i ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  '))
		.join('\n');
}

const main = (async () => {
	const tmp = tempFolder(cleanups, 'mkops-bench-luma-burst-');
	await ensureRedis();
	const luma = await startLumaEmulator();
	cleanups.add('Luma emulator', () => luma.close());
	const airtable = await startAirtableEmulator({ limitPerSecond: AIRTABLE_RPS });
	cleanups.add('Airtable emulator', () => airtable.close());
	const hubspot = await startHubSpotEmulator({
		tokens: [HUBSPOT_TOKEN],
		limitPer10s: HUBSPOT_LIMIT,
	});
	cleanups.add('HubSpot emulator', () => hubspot.close());
	const slack = await startSlackEmulator();
	cleanups.add('Slack emulator', () => slack.close());

	const n8nEnv = {
		...slack.n8nEnv(),
		N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
		...(process.env.BENCH_N8N_ENV ? JSON.parse(process.env.BENCH_N8N_ENV) : {}),
	};
	// The package is packed and installed once (as a user installs it), then copied into each phase's n8n.
	const pkgFolder = join(tmp, 'package');
	installPackage(pkgFolder);
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	);
	const credentials = template.map((c) => {
		if (c.type === 'lumaApi')
			return {
				...c,
				data: { apiKey: 'luma_test_key', webhookSecret: SECRET, baseUrl: luma.url },
			};
		if (c.type === 'hubSpotBatchApi')
			return {
				...c,
				data: { ...c.data, accessToken: HUBSPOT_TOKEN, baseUrl: hubspot.url, tier: TIER },
			};
		if (c.type === 'airtableRegistryApi')
			return {
				...c,
				data: { ...c.data, accessToken: airtable.defaultToken, baseUrl: airtable.url },
			};
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		if (c.type === 'redis')
			return { ...c, data: { ...c.data, host: '127.0.0.1', port: 6379, password: '' } };
		return c;
	});
	const wf = workflows(tmp, { id: airtable.baseId, name: 'Event Registry' });
	for (const file of [wf.shipped.file, wf.off.file])
		cleanups.add('picked-base copy', () => rmSync(dirname(file), { recursive: true, force: true }));
	/** A new n8n (own user folder and database) with one workflow and the error workflow published. */
	const startN8n = async (phase, target) => {
		const userFolder = join(tmp, `n8n-${phase}`);
		cpSync(join(pkgFolder, '.n8n', 'nodes'), join(userFolder, '.n8n', 'nodes'), {
			recursive: true,
			verbatimSymlinks: true,
		});
		const n8n = await N8n.create({ userFolder, env: n8nEnv });
		n8n.importCredentials(credentials);
		n8n.importWorkflow(target.file);
		n8n.importWorkflow(join(ROOT, 'workflows/error-alerts.json'));
		n8n.publish(target.id);
		n8n.publish(ERROR_WORKFLOW);
		const stop = async () => {
			await n8n.stop();
			rmSync(userFolder, { recursive: true, force: true });
		};
		cleanups.add(`n8n (${phase})`, stop);
		try {
			await n8n.start();
			await n8n.login();
		} catch (error) {
			console.error(n8n.log().split('\n').slice(-30).join('\n'));
			throw error;
		}
		return { n8n, stop };
	};
	const ctx = { airtable, hubspot, slack, startN8n };

	const combine = wf.combining.filter((c) => c.ms > 0);
	console.log(
		`Luma registration burst: shipped luma-registration-sync in n8n 2.40.7, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=${n8nEnv.N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE}; HubSpot emulator ${HUBSPOT_LIMIT} requests / 10 s (credential tier ${TIER}), ${FORCE_429} forced 429s and ${Math.round(RATE_5XX * 100)} % 5xx per phase; Airtable emulator ${AIRTABLE_RPS} requests/s; deadline ${DEADLINE_S} s; ${Math.round(SAME_PERSON * 100)} % of registrations re-register an earlier email to another event`,
	);
	console.log(
		`combining: ${combine.length} nodes combine${combine.length ? ` (${combine.map((c) => `${c.name} ${c.ms} ms`).join(', ')})` : ''}; ${wf.combining.length} nodes have options.combineWithinMs, set to 0 in the "off" copy`,
	);
	if (N_OFF !== N && PHASES.includes('off') && PHASES.includes('shipped'))
		console.log(
			`note: "off" sends N_OFF=${N_OFF}, "shipped" N=${N}: compare the per-registration figures`,
		);

	const results = [];
	for (const phase of PHASES) {
		const n = phase === 'ack' ? ACK_N : phase === 'shipped' ? N : N_OFF;
		const target = phase === 'off' ? wf.off : wf.shipped;
		const label = {
			ack: 'ack burst (as shipped)',
			shipped: 'landing burst, combining as shipped',
			off: 'landing burst, combining off',
		}[phase];
		const r = await runPhase(ctx, phase, n, target);
		console.log(`${phase.padEnd(8)} ${label}`);
		console.log(describe(r));
		results.push(r);
	}
	console.log(table(results));

	const by = Object.fromEntries(results.map((r) => [r.phase, r]));
	const goals = [];
	if (by.ack)
		goals.push([
			`${by.ack.n} acks p95 ≤ 10 s`,
			by.ack.ack.ok === by.ack.n && by.ack.ack.p95 <= GOALS.ackP95Ms,
			s1(by.ack.ack.p95),
		]);
	if (by.shipped) {
		const s = by.shipped;
		goals.push(
			[
				`all ${s.n} landed ≤ ${GOALS.landS} s`,
				s.run.marks.landed !== undefined && s.run.marks.landed <= GOALS.landS * 1000,
				s.run.marks.landed !== undefined ? s1(s.run.marks.landed) : `${s.run.seen.landed}/${s.n}`,
			],
			[
				`Airtable calls ≤ ${GOALS.airtableCalls}`,
				s.calls.airtable.total <= GOALS.airtableCalls,
				s.calls.airtable.total,
			],
			[
				`HubSpot contact upsert calls ≤ ${GOALS.hubspotUpserts}`,
				s.calls.hubspot.upsertsFlow <= GOALS.hubspotUpserts,
				s.calls.hubspot.upsertsFlow,
			],
			['0 surfaced 429s', s.surfaced429.total === 0, s.surfaced429.total],
			[
				'nothing lost or written twice',
				s.lost === 0 && s.exact.problems.length === 0,
				`${s.lost} ${s.cutOff ? 'not landed when cut off' : 'lost'}, ${s.exact.problems.length} twice`,
			],
		);
	}
	if (N !== 1000 && by.shipped)
		console.log(`note: the goals are set for N=1000; this run sent N=${N}`);
	console.log(
		`goals: ${goals.map(([label, ok, value]) => `${label}: ${ok ? 'PASS' : 'FAIL'} (${value})`).join(' | ')}`,
	);
	if (goals.some(([, ok]) => !ok)) process.exitCode = 1;
})();
finish(main, cleanups, 'bench:luma-burst');
