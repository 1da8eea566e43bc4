'use strict';
// In-memory emulator of the parts of Luma's public API this package uses. Plain CommonJS so that
// jest (via server.d.ts) and a bare `node cli.js` in another process can both load it.
const http = require('node:http');
const crypto = require('node:crypto');
const { signLumaDelivery, sendLumaWebhook, sampleGuestRegistered } = require('./webhookSender');

const DEFAULT_API_KEY = 'luma_test_key';
const DEFAULT_CALENDAR_ID = 'cal-emulator';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;
const WEBHOOK_EVENT_TYPES = [
	'*',
	'guest.registered',
	'guest.updated',
	'ticket.registered',
	'event.created',
	'event.updated',
	'event.canceled',
	'calendar.event.added',
	'calendar.person.subscribed',
];
const APPROVAL_STATUSES = ['approved', 'session', 'pending_approval', 'invited', 'declined', 'waitlist'];
// Never written to the request log: tests assert on the log, and it may be printed on failure.
const SECRET_HEADERS = ['x-luma-api-key', 'authorization', 'cookie', 'proxy-authorization'];

class HttpError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

function randomSuffix(n = 12) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = crypto.randomBytes(n);
	let out = '';
	for (const b of bytes) out += alphabet[b % alphabet.length];
	return out;
}

const newId = (prefix) => `${prefix}-${randomSuffix()}`;
const fingerprint = (key) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function defaultFaults() {
	return {
		force429: 0,
		force5xx: 0,
		status5xx: 500,
		force5xxAfterApply: 0,
		hang: 0,
		faultPath: null,
		dropConnections: 0,
		latencyMs: 0,
		retryAfterSeconds: 1,
	};
}

class LumaState {
	constructor(rateLimit) {
		this.initialRateLimit = { ...rateLimit };
		this.reset();
	}

	// Mutates in place so references handed to tests (emulator.state.log, ...) stay valid.
	reset() {
		this.apiKeys = this.apiKeys || new Map();
		this.apiKeys.clear();
		this.apiKeys.set(DEFAULT_API_KEY, { calendarId: DEFAULT_CALENDAR_ID });
		this.revokedKeys = this.revokedKeys || new Set();
		this.revokedKeys.clear();
		this.user = { api_id: 'usr-emulator0001', name: 'Emulator Owner', email: 'owner@example.com' };
		this.events = this.events || new Map();
		this.events.clear();
		this.guestsByEvent = this.guestsByEvent || new Map();
		this.guestsByEvent.clear();
		this.webhooks = this.webhooks || new Map();
		this.webhooks.clear();
		this.faults = Object.assign(this.faults || {}, defaultFaults());
		this.rateLimit = Object.assign(this.rateLimit || {}, this.initialRateLimit);
		this.hits = this.hits || new Map();
		this.hits.clear();
		this.log = this.log || [];
		this.log.length = 0;
		this.deliveries = this.deliveries || [];
		this.deliveries.length = 0;
		this.seq = { events: 0, guests: 0 };
	}

	setFaults(input) {
		const f = input || {};
		const count = (v, name) => {
			const n = Number(v);
			if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `${name} must be a non-negative integer`);
			return n;
		};
		if (f.force429 !== undefined) this.faults.force429 = count(f.force429, 'force429');
		if (f.force5xx !== undefined) this.faults.force5xx = count(f.force5xx, 'force5xx');
		if (f.status5xx !== undefined) this.faults.status5xx = count(f.status5xx, 'status5xx');
		if (f.force5xxAfterApply !== undefined) this.faults.force5xxAfterApply = count(f.force5xxAfterApply, 'force5xxAfterApply');
		if (f.hang !== undefined) this.faults.hang = count(f.hang, 'hang');
		if (f.faultPath !== undefined) this.faults.faultPath = f.faultPath ? String(f.faultPath) : null;
		if (f.dropConnections !== undefined) this.faults.dropConnections = count(f.dropConnections, 'dropConnections');
		if (f.latencyMs !== undefined) this.faults.latencyMs = count(f.latencyMs, 'latencyMs');
		if (f.retryAfterSeconds !== undefined) this.faults.retryAfterSeconds = count(f.retryAfterSeconds, 'retryAfterSeconds');
		if (f.revokedKeys !== undefined) {
			if (!Array.isArray(f.revokedKeys)) throw new HttpError(400, 'revokedKeys must be an array of strings');
			this.revokedKeys.clear();
			for (const k of f.revokedKeys) this.revokedKeys.add(String(k));
		}
		if (f.rateLimitPerMinute !== undefined) this.rateLimit.limit = count(f.rateLimitPerMinute, 'rateLimitPerMinute');
		if (f.windowMs !== undefined) this.rateLimit.windowMs = count(f.windowMs, 'windowMs');
		return this.faultsSnapshot();
	}

	faultsSnapshot() {
		return {
			...this.faults,
			revokedKeys: [...this.revokedKeys],
			rateLimitPerMinute: this.rateLimit.limit,
			windowMs: this.rateLimit.windowMs,
		};
	}

	nextSeq(kind) {
		this.seq[kind] += 1;
		return this.seq[kind];
	}

	makeEvent(partial) {
		const n = this.nextSeq('events');
		const id = partial.id || newId('evt');
		const start = partial.start_at || new Date(Date.UTC(2030, 0, 1, 17) + n * 86400000).toISOString();
		return {
			id,
			name: partial.name || `Emulated Event ${n}`,
			start_at: start,
			end_at: partial.end_at || new Date(new Date(start).getTime() + 3600000).toISOString(),
			timezone: partial.timezone || 'America/New_York',
			url: partial.url || `https://lu.ma/${id.slice(4).toLowerCase()}`,
			calendar_id: partial.calendar_id || DEFAULT_CALENDAR_ID,
			created_at: partial.created_at || new Date().toISOString(),
			visibility: partial.visibility || 'public',
			...partial,
		};
	}

	makeGuest(partial) {
		const n = this.nextSeq('guests');
		const first = partial.user_first_name || `Guest${n}`;
		const last = partial.user_last_name || 'Emulated';
		return {
			id: partial.id || newId('gst'),
			user_id: partial.user_id || newId('usr'),
			user_email: partial.user_email || `guest${n}@example.com`,
			user_name: partial.user_name || `${first} ${last}`,
			user_first_name: first,
			user_last_name: last,
			approval_status: partial.approval_status || 'approved',
			registered_at: partial.registered_at || new Date(Date.UTC(2029, 11, 1) + n * 60000).toISOString(),
			phone_number: partial.phone_number !== undefined ? partial.phone_number : `+1415555${String(1000 + (n % 9000))}`,
			utm_source: partial.utm_source !== undefined ? partial.utm_source : null,
			event_tickets: partial.event_tickets || [],
			...partial,
		};
	}

	createWebhook(input) {
		const url = input && input.url;
		let parsed;
		try {
			parsed = new URL(String(url));
		} catch {
			throw new HttpError(400, 'url must be a valid http(s) URL');
		}
		if (!['http:', 'https:'].includes(parsed.protocol)) throw new HttpError(400, 'url must be a valid http(s) URL');
		const types = input.event_types;
		if (!Array.isArray(types) || types.length === 0) throw new HttpError(400, 'event_types must be a non-empty array');
		for (const t of types) {
			if (!WEBHOOK_EVENT_TYPES.includes(t)) throw new HttpError(400, `Unknown event type: ${t}`);
		}
		const hook = {
			id: input.id || newId('whk'),
			url: String(url),
			event_types: [...types],
			status: input.status || 'active',
			secret: input.secret || `whsec_${crypto.randomBytes(24).toString('base64')}`,
			created_at: input.created_at || new Date().toISOString(),
		};
		this.webhooks.set(hook.id, hook);
		return hook;
	}

	seed(input) {
		const data = input || {};
		const result = { events: [], guests: {}, webhooks: [], apiKeys: [] };
		if (data.user) Object.assign(this.user, data.user);
		for (const key of data.apiKeys || []) {
			this.apiKeys.set(String(key), { calendarId: DEFAULT_CALENDAR_ID });
			result.apiKeys.push(String(key));
		}
		const eventInputs = typeof data.events === 'number' ? Array.from({ length: data.events }, () => ({})) : data.events || [];
		for (const partial of eventInputs) {
			const ev = this.makeEvent(partial);
			this.events.set(ev.id, ev);
			if (!this.guestsByEvent.has(ev.id)) this.guestsByEvent.set(ev.id, []);
			result.events.push(ev);
			if (data.guestsPerEvent) {
				result.guests[ev.id] = this.addGuests(ev.id, data.guestsPerEvent);
			}
		}
		for (const [eventId, guests] of Object.entries(data.guests || {})) {
			if (!this.events.has(eventId)) throw new HttpError(400, `Cannot seed guests: unknown event ${eventId}`);
			result.guests[eventId] = (result.guests[eventId] || []).concat(this.addGuests(eventId, guests));
		}
		for (const hook of data.webhooks || []) result.webhooks.push(this.createWebhook(hook));
		return result;
	}

	addGuests(eventId, guests) {
		const list = typeof guests === 'number' ? Array.from({ length: guests }, () => ({})) : guests;
		const created = list.map((g) => this.makeGuest(g));
		this.guestsByEvent.get(eventId).push(...created);
		return created;
	}

	snapshot({ includeLog = true } = {}) {
		return {
			faults: this.faultsSnapshot(),
			rateLimit: { ...this.rateLimit },
			user: { ...this.user },
			apiKeys: [...this.apiKeys.keys()].map((k) => ({ fingerprint: fingerprint(k), revoked: this.revokedKeys.has(k) })),
			events: [...this.events.values()],
			guests: Object.fromEntries(this.guestsByEvent),
			webhooks: [...this.webhooks.values()],
			deliveries: [...this.deliveries],
			log: includeLog ? [...this.log] : undefined,
		};
	}
}

function encodeCursor(kind, offset) {
	return Buffer.from(JSON.stringify({ k: kind, o: offset })).toString('base64url');
}

function decodeCursor(kind, cursor) {
	try {
		const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
		if (parsed.k === kind && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
	} catch {
		// fall through to the 400 below
	}
	throw new HttpError(400, 'Invalid pagination_cursor');
}

function paginate(kind, all, query) {
	let limit = DEFAULT_PAGE_SIZE;
	if (query.pagination_limit !== undefined && query.pagination_limit !== '') {
		limit = Number(query.pagination_limit);
		if (!Number.isInteger(limit) || limit < 1) throw new HttpError(400, 'pagination_limit must be a positive integer');
		limit = Math.min(limit, MAX_PAGE_SIZE);
	}
	const offset = query.pagination_cursor ? decodeCursor(kind, query.pagination_cursor) : 0;
	const entries = all.slice(offset, offset + limit);
	const hasMore = offset + limit < all.length;
	const page = { entries, has_more: hasMore };
	if (hasMore) page.next_cursor = encodeCursor(kind, offset + limit);
	return page;
}

function parseDateParam(name, value) {
	if (value === undefined || value === '') return undefined;
	const t = Date.parse(value);
	if (Number.isNaN(t)) throw new HttpError(400, `${name} must be an ISO 8601 timestamp`);
	return t;
}

function required(query, name) {
	const v = query[name];
	if (v === undefined || v === '') throw new HttpError(400, `${name} is required`);
	return v;
}

const publicWebhook = ({ secret, ...rest }) => rest;

function route(state, method, path, query, body) {
	const expect = (m) => {
		if (method !== m) throw new HttpError(405, 'Method not allowed');
	};
	switch (path) {
		case '/v1/users/get-self':
		case '/v1/user/get-self':
			expect('GET');
			return { user: { ...state.user } };
		case '/v1/calendars/events/list': {
			expect('GET');
			const after = parseDateParam('after', query.after);
			const before = parseDateParam('before', query.before);
			const all = [...state.events.values()]
				.filter((e) => (after === undefined || Date.parse(e.start_at) >= after) && (before === undefined || Date.parse(e.start_at) < before))
				.sort((a, b) => Date.parse(a.start_at) - Date.parse(b.start_at) || a.id.localeCompare(b.id));
			return paginate('events', all, query);
		}
		case '/v1/events/get': {
			expect('GET');
			const ev = state.events.get(required(query, 'id'));
			if (!ev) throw new HttpError(404, 'Event not found');
			return { ...ev };
		}
		case '/v1/events/guests/list': {
			expect('GET');
			const eventId = required(query, 'event_id');
			if (!state.events.has(eventId)) throw new HttpError(404, 'Event not found');
			const status = query.approval_status;
			if (status && !APPROVAL_STATUSES.includes(status)) throw new HttpError(400, `Invalid approval_status: ${status}`);
			const all = (state.guestsByEvent.get(eventId) || []).filter((g) => !status || g.approval_status === status);
			return paginate(`guests:${eventId}`, all, query);
		}
		case '/v1/events/guests/get': {
			expect('GET');
			const eventId = required(query, 'event_id');
			if (!state.events.has(eventId)) throw new HttpError(404, 'Event not found');
			const idOrEmail = query.id || query.email;
			if (!idOrEmail) throw new HttpError(400, 'id is required');
			const needle = String(idOrEmail).toLowerCase();
			const guest = (state.guestsByEvent.get(eventId) || []).find(
				(g) => g.id === idOrEmail || String(g.user_email).toLowerCase() === needle,
			);
			if (!guest) throw new HttpError(404, 'Guest not found');
			return { ...guest };
		}
		case '/v1/webhooks/list':
			expect('GET');
			return paginate('webhooks', [...state.webhooks.values()].map(publicWebhook), query);
		case '/v2/webhooks/create':
			expect('POST');
			return { ...state.createWebhook({ url: body && body.url, event_types: body && body.event_types }) };
		case '/v2/webhooks/get': {
			expect('GET');
			const hook = state.webhooks.get(required(query, 'id'));
			if (!hook) throw new HttpError(404, 'Webhook not found');
			return publicWebhook(hook);
		}
		case '/v1/webhooks/delete': {
			expect('POST');
			const id = body && body.id;
			if (!id) throw new HttpError(400, 'id is required');
			if (!state.webhooks.delete(String(id))) throw new HttpError(404, 'Webhook not found');
			return {};
		}
		default:
			throw new HttpError(404, 'Not found');
	}
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function parseJson(raw) {
	if (raw === '') return undefined;
	try {
		return JSON.parse(raw);
	} catch {
		throw new HttpError(400, 'Request body must be valid JSON');
	}
}

function send(res, status, payload, headers) {
	if (res.writableEnded || res.destroyed) return;
	const text = JSON.stringify(payload);
	res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
	res.end(text);
}

function redactHeaders(headers) {
	const out = {};
	for (const [k, v] of Object.entries(headers)) {
		if (!SECRET_HEADERS.includes(k.toLowerCase())) out[k] = v;
	}
	return out;
}

// Sliding window over accepted requests, per API key (Luma limits per calendar key).
function rateLimitCheck(state, key, now) {
	const { limit, windowMs } = state.rateLimit;
	let hits = state.hits.get(key);
	if (!hits) {
		hits = [];
		state.hits.set(key, hits);
	}
	while (hits.length && hits[0] <= now - windowMs) hits.shift();
	const resetMs = hits.length ? hits[0] + windowMs - now : windowMs;
	if (hits.length >= limit) {
		return { allowed: false, limit, remaining: 0, resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
	}
	hits.push(now);
	return {
		allowed: true,
		limit,
		remaining: limit - hits.length,
		resetSeconds: Math.max(1, Math.ceil((hits[0] + windowMs - now) / 1000)),
	};
}

function rateHeaders(rl) {
	return {
		'x-ratelimit-limit': String(rl.limit),
		'x-ratelimit-remaining': String(rl.remaining),
		'x-ratelimit-reset': String(rl.resetSeconds),
	};
}

async function handleApi(state, req, res, url) {
	const query = Object.fromEntries(url.searchParams);
	const apiKey = typeof req.headers['x-luma-api-key'] === 'string' ? req.headers['x-luma-api-key'] : '';
	const entry = {
		seq: state.log.length + 1,
		method: req.method,
		path: url.pathname,
		query,
		headers: redactHeaders(req.headers),
		keyFingerprint: apiKey ? fingerprint(apiKey) : null,
		status: 0,
		time: Date.now(),
	};
	state.log.push(entry);
	const reply = (status, payload, headers) => {
		entry.status = status;
		entry.durationMs = Date.now() - entry.time;
		send(res, status, payload, headers);
	};
	const raw = await readBody(req);
	entry.body = raw === '' ? undefined : raw.slice(0, 2000);
	const f = state.faults;
	if (f.latencyMs > 0) await sleep(f.latencyMs);

	const idle = { limit: state.rateLimit.limit, remaining: state.rateLimit.limit, resetSeconds: 0 };
	if (f.dropConnections > 0) {
		f.dropConnections -= 1;
		entry.status = 0;
		entry.dropped = true;
		req.socket.destroy();
		return;
	}
	if (f.force429 > 0) {
		f.force429 -= 1;
		entry.forced = true;
		const retryAfter = String(f.retryAfterSeconds);
		return reply(429, { message: 'Too many requests' }, { ...rateHeaders({ ...idle, remaining: 0, resetSeconds: f.retryAfterSeconds }), 'retry-after': retryAfter });
	}
	if (f.force5xx > 0) {
		f.force5xx -= 1;
		entry.forced = true;
		return reply(f.status5xx || 500, { message: 'Internal server error' }, rateHeaders(idle));
	}
	if (!apiKey || !state.apiKeys.has(apiKey) || state.revokedKeys.has(apiKey)) {
		return reply(401, { message: 'Invalid API key' }, rateHeaders(idle));
	}
	const rl = rateLimitCheck(state, apiKey, Date.now());
	if (!rl.allowed) {
		return reply(429, { message: 'Too many requests' }, { ...rateHeaders(rl), 'retry-after': String(rl.resetSeconds) });
	}
	try {
		const body = parseJson(raw);
		const result = route(state, req.method, url.pathname, query, body);
		const targeted = !f.faultPath || f.faultPath === url.pathname;
		// Applied, but the answer never comes: the connection stays open until the client gives up.
		if (targeted && f.hang > 0) {
			f.hang -= 1;
			entry.hung = true;
			return;
		}
		// Applied, then a 5xx, as a proxy or a failing server may answer after the work was done.
		if (targeted && f.force5xxAfterApply > 0) {
			f.force5xxAfterApply -= 1;
			entry.forced = true;
			return reply(f.status5xx || 500, { message: 'Internal server error' }, rateHeaders(rl));
		}
		return reply(200, result, rateHeaders(rl));
	} catch (err) {
		if (err instanceof HttpError) return reply(err.status, { message: err.message }, rateHeaders(rl));
		return reply(500, { message: 'Internal server error' }, rateHeaders(rl));
	}
}

async function deliverWebhook(state, input) {
	const hook = state.webhooks.get(String(input.webhookId || input.id || ''));
	if (!hook) throw new HttpError(404, 'Webhook not found');
	const payload = input.payload || sampleGuestRegistered(input.sample || {});
	const type = payload && payload.type;
	if (!input.force && !hook.event_types.includes('*') && !hook.event_types.includes(type)) {
		throw new HttpError(409, `Webhook ${hook.id} is not subscribed to ${type}`);
	}
	const scheme = input.scheme || 'luma';
	const result = await sendLumaWebhook(hook.url, {
		scheme,
		secret: hook.secret,
		payload,
		timestamp: input.timestamp,
		id: input.messageId,
		tamper: Boolean(input.tamper),
	});
	const record = { webhookId: hook.id, url: hook.url, scheme, type, status: result.status, time: Date.now() };
	state.deliveries.push(record);
	return { ...result, delivered: record, payload };
}

async function handleControl(state, req, res, url) {
	const raw = await readBody(req);
	try {
		const body = parseJson(raw) || {};
		const action = `${req.method} ${url.pathname}`;
		switch (action) {
			case 'GET /__emulator/state':
				return send(res, 200, state.snapshot({ includeLog: url.searchParams.get('log') !== '0' }));
			case 'GET /__emulator/requests':
				return send(res, 200, { entries: state.log });
			case 'POST /__emulator/faults':
				return send(res, 200, state.setFaults(body));
			case 'POST /__emulator/reset':
				state.reset();
				return send(res, 200, { ok: true });
			case 'POST /__emulator/seed':
				return send(res, 200, state.seed(body));
			case 'POST /__emulator/send-webhook':
				return send(res, 200, await deliverWebhook(state, body));
			default:
				return send(res, 404, { message: 'Unknown emulator control endpoint' });
		}
	} catch (err) {
		if (err instanceof HttpError) return send(res, err.status, { message: err.message });
		return send(res, 502, { message: `Emulator control failed: ${err && err.message}` });
	}
}

/**
 * Starts the emulator on 127.0.0.1. `rateLimitPerMinute` is the number of accepted requests per
 * key per window; `windowMs` (default 60 000) lets tests shrink the window.
 */
function startLumaEmulator(opts) {
	const o = opts || {};
	const state = new LumaState({ limit: o.rateLimitPerMinute || 200, windowMs: o.windowMs || 60000 });
	const server = http.createServer((req, res) => {
		const url = new URL(req.url || '/', 'http://emulator.local');
		const handler = url.pathname.startsWith('/__emulator/') ? handleControl : handleApi;
		handler(state, req, res, url).catch((err) => send(res, 500, { message: `Emulator crashed: ${err && err.message}` }));
	});
	server.keepAliveTimeout = 1000;
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(o.port || 0, o.host || '127.0.0.1', () => {
			server.off('error', reject);
			const { port } = server.address();
			const host = o.host || '127.0.0.1';
			resolve({
				url: `http://${host}:${port}`,
				port,
				state,
				defaultApiKey: DEFAULT_API_KEY,
				reset: () => state.reset(),
				seed: (data) => state.seed(data),
				setFaults: (faults) => state.setFaults(faults),
				sendWebhook: (input) => deliverWebhook(state, input),
				requests: (filter) => state.log.filter((e) => !filter || Object.entries(filter).every(([k, v]) => e[k] === v)),
				close: () =>
					new Promise((done) => {
						server.close(() => done());
						server.closeAllConnections();
					}),
			});
		});
	});
}

module.exports = {
	startLumaEmulator,
	DEFAULT_API_KEY,
	DEFAULT_CALENDAR_ID,
	WEBHOOK_EVENT_TYPES,
	signLumaDelivery,
};
