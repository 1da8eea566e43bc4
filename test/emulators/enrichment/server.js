'use strict';
// In-memory emulator of a generic contact-enrichment API: the role Apify actors or LinkedIn lookups
// play in the enrichment cascade ("who is the CEO / CFO / HR lead of acme.com?"). There is no
// vendor to follow; the contract below is the emulator's own, kept small and stable:
//
//   POST /v1/people/enrich   Authorization: Bearer <apiKey>
//        {"domain": "acme.com", "company": "Acme Inc", "role": "CEO" | "CFO" | "HR"}
//   200  {"person": {first_name, last_name, full_name, email, title, linkedin_url}, "confidence"}
//   400  {"error": {"code": "invalid_request" | "invalid_role", "message"}}
//   401  {"error": {"code": "unauthorized", "message": "Invalid API key"}}
//   404  {"error": {"code": "not_found", "message": "No person found"}}
//   429  {"error": {"code": "rate_limited", "message"}} + Retry-After (seconds)
//   5xx  {"error": {"code": "internal" | "bad_gateway" | "unavailable" | "timeout", "message"}}
//   Every response carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (seconds
//   until the key's window resets).
//
// Answers are a pure function of (seed, domain, role): the same lookup always finds the same person,
// and a `notFoundRate` share of (domain, role) pairs finds nobody. The domain is normalized first
// (lower case, no scheme, no "www.", no path) and the role is matched ignoring case, so
// "https://www.Acme.com/about" + "ceo" is the same lookup as "acme.com" + "CEO".
//
// Order of checks: route (404 route_not_found / 405) -> API key (401) -> rate window (429) ->
// injected faults (failNext, failureRate) -> body validation (400) -> lookup (200 / 404). The
// `latencyMs` delay is applied before all of them. Authenticated requests that pass the window
// count against it, whatever their outcome; 401s and 429s do not.
//
// Plain CommonJS so jest (via server.d.ts) and a bare `node cli.js` can both load it. Built for
// benchmarks sending tens of thousands of requests, hundreds at a time: no per-request console
// output, O(1) per-request bookkeeping (fixed rate windows, hashed answers, a capped request log).
const http = require('node:http');
const crypto = require('node:crypto');
const { listen, closeServer } = require('../serverLifecycle');

const DEFAULT_API_KEY = 'enrich-emulator-key';
const ENRICH_PATH = '/v1/people/enrich';
const ROLES = ['CEO', 'CFO', 'HR'];
const DEFAULT_NOT_FOUND_RATE = 0.1;
const DEFAULT_LIMIT_PER_WINDOW = 600;
const DEFAULT_WINDOW_MS = 1000;
const DEFAULT_LOG_LIMIT = 10000;
// Query parameters that could carry a credential; never written to the log.
const SECRET_QUERY = ['api_key', 'apiKey', 'api', 'key', 'token', 'access_token'];

const MSG = {
	unauthorized: 'Invalid API key',
	notFound: 'No person found',
	rateLimited: 'Rate limit exceeded, retry after the window resets',
	missingDomain: 'domain is required',
	badBody: 'Body must be a JSON object',
	invalidRole: `role must be one of ${ROLES.join(', ')}`,
};
const SERVER_ERRORS = {
	500: ['internal', 'Internal server error'],
	502: ['bad_gateway', 'Bad gateway'],
	503: ['unavailable', 'Service unavailable'],
	504: ['timeout', 'Gateway timeout'],
};

const TITLES = {
	CEO: ['Chief Executive Officer', 'CEO', 'Founder & CEO', 'CEO & Co-Founder'],
	CFO: ['Chief Financial Officer', 'CFO', 'VP Finance & CFO', 'Finance Director'],
	HR: ['Head of People', 'HR Director', 'Chief People Officer', 'VP Human Resources'],
};
const FIRST_NAMES = [
	'James',
	'Mary',
	'Robert',
	'Patricia',
	'John',
	'Jennifer',
	'Michael',
	'Linda',
	'David',
	'Elizabeth',
	'William',
	'Barbara',
	'Richard',
	'Susan',
	'Joseph',
	'Jessica',
	'Thomas',
	'Sarah',
	'Carlos',
	'Karen',
	'Daniel',
	'Lisa',
	'Matthew',
	'Nancy',
	'Anthony',
	'Sandra',
	'Mark',
	'Ashley',
	'Priya',
	'Emily',
	'Wei',
	'Fatima',
	'Lukas',
	'Sofia',
	'Kenji',
	'Amara',
	'Mateo',
	'Olga',
	'Noah',
	'Chloe',
];
const LAST_NAMES = [
	'Smith',
	'Johnson',
	'Williams',
	'Brown',
	'Jones',
	'Garcia',
	'Miller',
	'Davis',
	'Rodriguez',
	'Martinez',
	'Hernandez',
	'Lopez',
	'Gonzalez',
	'Wilson',
	'Anderson',
	'Thomas',
	'Taylor',
	'Moore',
	'Jackson',
	'Martin',
	'Lee',
	'Perez',
	'Thompson',
	'White',
	'Harris',
	'Sanchez',
	'Clark',
	'Ramirez',
	'Lewis',
	'Robinson',
	"O'Neill",
	'Nakamura',
	'Patel',
	'Schmidt',
	'Novak',
	'Okafor',
	'Kowalski',
	'Chen',
	'Dubois',
	'Rossi',
];

// ------------------------------------------------------------------------------------------------
// Helpers shared with the verifier emulator (../verifier/server.js requires them from here).

/** First 12 hex characters of the key's SHA-256: what the log stores instead of the key. */
const fingerprint = (key) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Seeded xorshift32; the same seed gives the same sequence. */
function makeRng(seed) {
	let s = seed >>> 0 || 1;
	return () => {
		s ^= s << 13;
		s >>>= 0;
		s ^= s >>> 17;
		s ^= s << 5;
		s >>>= 0;
		return s / 4294967296;
	};
}

/** 32 bytes that depend only on the seed and the text: the source of every deterministic answer. */
const seededDigest = (seed, text) =>
	crypto.createHash('sha256').update(`${seed}\u0000${text}`).digest();
/** A number in [0, 1) from four bytes of a digest. */
const unitAt = (digest, offset) => digest.readUInt32BE(offset) / 4294967296;

/**
 * Fixed rate windows per key: the first accepted request opens a window of `windowMs`; up to `limit`
 * requests pass in it. O(1) per request; only keys that passed authentication get an entry.
 */
class FixedWindows {
	constructor(limit, windowMs) {
		this.limit = limit;
		this.windowMs = windowMs;
		this.byKey = new Map();
	}
	current(key, now) {
		const w = this.byKey.get(key);
		return w && now < w.resetAt ? w : undefined;
	}
	/** Counts the request and returns true, or returns false when the window is full. */
	take(key, now) {
		let w = this.current(key, now);
		if (!w) {
			w = { count: 0, resetAt: now + this.windowMs };
			this.byKey.set(key, w);
		}
		if (w.count >= this.limit) return false;
		w.count += 1;
		return true;
	}
	/** Seconds until the key's window resets (a window not open yet: a whole window). */
	resetSeconds(key, now) {
		const w = key === undefined ? undefined : this.current(key, now);
		return Math.ceil((w ? w.resetAt - now : this.windowMs) / 1000);
	}
	headers(key, now) {
		const w = key === undefined ? undefined : this.current(key, now);
		return {
			'X-RateLimit-Limit': String(this.limit),
			'X-RateLimit-Remaining': String(Math.max(0, this.limit - (w ? w.count : 0))),
			'X-RateLimit-Reset': String(this.resetSeconds(key, now)),
		};
	}
	clear() {
		this.byKey.clear();
	}
}

/** The last `limit` request entries (amortized O(1) push) and the total ever pushed. */
class RequestLog {
	constructor(limit) {
		this.limit = limit;
		this.entries = [];
		this.total = 0;
	}
	push(entry) {
		this.total += 1;
		this.entries.push(entry);
		if (this.entries.length > this.limit + (this.limit >> 3))
			this.entries.splice(0, this.entries.length - this.limit);
	}
	/** The kept entries, oldest first, optionally filtered by field values or a predicate. */
	list(filter) {
		const e = this.entries;
		const kept = e.length > this.limit ? e.slice(e.length - this.limit) : e.slice();
		if (!filter) return kept;
		if (typeof filter === 'function') return kept.filter(filter);
		const pairs = Object.entries(filter);
		return kept.filter((x) => pairs.every(([k, v]) => x[k] === v));
	}
	clear() {
		this.entries = [];
		this.total = 0;
	}
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		let text = '';
		req.setEncoding('utf8');
		req.on('data', (c) => (text += c));
		req.on('end', () => resolve(text));
		req.on('error', reject);
	});
}

function send(res, status, payload, headers) {
	const text = JSON.stringify(payload);
	const h = headers || {};
	h['Content-Type'] = 'application/json; charset=utf-8';
	h['Content-Length'] = Buffer.byteLength(text);
	res.writeHead(status, h);
	res.end(text);
}

function parseQuery(qs) {
	const query = {};
	if (qs === '') return query;
	for (const [k, v] of new URLSearchParams(qs)) query[k] = v;
	return query;
}

function checkRate(value, name) {
	const n = Number(value);
	if (!(n >= 0 && n <= 1)) throw new Error(`${name} must be between 0 and 1, got ${value}`);
	return n;
}

function checkCount(value, name, min) {
	const n = Number(value);
	if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}`);
	return n;
}

// ------------------------------------------------------------------------------------------------
// Lookups

/** "https://www.Acme.com/about" -> "acme.com"; '' when nothing domain-like is left. */
function normalizeDomain(value) {
	if (typeof value !== 'string') return '';
	let d = value.trim().toLowerCase();
	d = d.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
	d = d.split(/[/?#]/, 1)[0];
	d = d.replace(/^www\./, '').replace(/\.$/, '');
	if (d.includes('@')) d = d.slice(d.lastIndexOf('@') + 1);
	return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d) ? d : '';
}

const normalizeRole = (value) => (typeof value === 'string' ? value.trim().toUpperCase() : '');
const lookupKey = (domain, role) => `${domain}|${role}`;
const emailPart = (name) =>
	name
		.toLowerCase()
		.normalize('NFKD')
		.replace(/[^a-z]/g, '');

/** The person the emulator answers for a normalized (domain, role), or null ("not found"). */
function generatePerson(seed, notFoundRate, domain, role) {
	const d = seededDigest(seed, lookupKey(domain, role));
	if (unitAt(d, 0) < notFoundRate) return null;
	const first = FIRST_NAMES[d.readUInt32BE(4) % FIRST_NAMES.length];
	const last = LAST_NAMES[d.readUInt32BE(8) % LAST_NAMES.length];
	const titles = TITLES[role];
	const local = `${emailPart(first)}.${emailPart(last)}`;
	return {
		person: {
			first_name: first,
			last_name: last,
			full_name: `${first} ${last}`,
			email: `${local}@${domain}`,
			title: titles[d[12] % titles.length],
			linkedin_url: `https://www.linkedin.com/in/${emailPart(first)}-${emailPart(last)}-${d.toString('hex', 13, 16)}`,
		},
		// 0.55 .. 0.99, two decimals.
		confidence: Math.round((0.55 + unitAt(d, 16) * 0.44) * 100) / 100,
	};
}

// ------------------------------------------------------------------------------------------------
// State

function defaultFaults(defaults) {
	return {
		latencyMs: defaults.latencyMs,
		failureRate: defaults.failureRate,
		failNext: 0,
		failStatus: 500,
	};
}

class EnrichmentState {
	constructor(opts) {
		const o = opts || {};
		const keys = [o.apiKey || DEFAULT_API_KEY, ...(o.apiKeys || [])];
		this.apiKey = keys[0];
		this.keys = new Map(keys.map((k) => [k, fingerprint(k)]));
		this.defaults = {
			seed: o.seed === undefined ? 1 : o.seed,
			notFoundRate: checkRate(o.notFoundRate ?? DEFAULT_NOT_FOUND_RATE, 'notFoundRate'),
			limitPerWindow: checkCount(o.limitPerWindow || DEFAULT_LIMIT_PER_WINDOW, 'limitPerWindow', 1),
			windowMs: checkCount(o.windowMs || DEFAULT_WINDOW_MS, 'windowMs', 1),
			latencyMs: checkCount(o.latencyMs || 0, 'latencyMs', 0),
			failureRate: checkRate(o.failureRate || 0, 'failureRate'),
		};
		this.seed = this.defaults.seed;
		this.notFoundRate = this.defaults.notFoundRate;
		// Forced answers: 'domain|ROLE' (normalized) -> a person, or null for "not found".
		this.overrides = new Map();
		for (const [k, v] of Object.entries(o.personFor || {})) {
			const [domain, role] = k.split('|');
			const key = lookupKey(normalizeDomain(domain), normalizeRole(role));
			this.overrides.set(key, v === null ? null : { person: v, confidence: 1 });
		}
		this.log = new RequestLog(o.logLimit || DEFAULT_LOG_LIMIT);
		this.windows = new FixedWindows(this.defaults.limitPerWindow, this.defaults.windowMs);
		this.lookups = new Map();
		this.reset();
	}

	reset() {
		this.log.clear();
		this.windows.clear();
		this.windows.limit = this.defaults.limitPerWindow;
		this.windows.windowMs = this.defaults.windowMs;
		this.lookups.clear();
		this.seq = 0;
		this.faults = defaultFaults(this.defaults);
		this.rng = makeRng(this.defaults.seed);
		this.counters = {
			requests: 0,
			found: 0,
			notFound: 0,
			badRequests: 0,
			unauthorized: 0,
			rateLimited: 0,
			errors5xx: 0,
		};
	}

	setFaults(patch) {
		const p = patch || {};
		if ('latencyMs' in p) this.faults.latencyMs = checkCount(p.latencyMs, 'latencyMs', 0);
		if ('failureRate' in p) this.faults.failureRate = checkRate(p.failureRate, 'failureRate');
		if ('failNext' in p) this.faults.failNext = checkCount(p.failNext, 'failNext', 0);
		if ('failStatus' in p) this.faults.failStatus = checkCount(p.failStatus, 'failStatus', 400);
		if ('limitPerWindow' in p)
			this.windows.limit = checkCount(p.limitPerWindow, 'limitPerWindow', 1);
		if ('windowMs' in p) this.windows.windowMs = checkCount(p.windowMs, 'windowMs', 1);
		return this.faultState();
	}

	faultState() {
		return {
			faults: { ...this.faults },
			limits: { limitPerWindow: this.windows.limit, windowMs: this.windows.windowMs },
		};
	}

	/** What the emulator answers for this lookup (no HTTP, no counting); null: not found. */
	answer(domain, role) {
		const key = lookupKey(domain, role);
		if (this.overrides.has(key)) return this.overrides.get(key);
		return generatePerson(this.seed, this.notFoundRate, domain, role);
	}

	snapshot(opts) {
		const o = opts || {};
		return {
			apiKeyFingerprints: [...this.keys.values()],
			notFoundRate: this.notFoundRate,
			seed: this.seed,
			...this.faultState(),
			counters: { ...this.counters },
			totalRequests: this.log.total,
			distinctLookups: this.lookups.size,
			lookups: o.includeLookups ? Object.fromEntries(this.lookups) : undefined,
			log: o.includeLog ? this.log.list() : undefined,
		};
	}
}

// ------------------------------------------------------------------------------------------------
// HTTP

function bearerToken(header) {
	if (typeof header !== 'string') return '';
	const m = /^Bearer\s+(.+)$/i.exec(header);
	return m ? m[1].trim() : '';
}

const apiError = (code, message) => ({ error: { code, message } });

async function handleApi(state, req, res, rawUrl) {
	const started = Date.now();
	const qi = rawUrl.indexOf('?');
	const path = qi === -1 ? rawUrl : rawUrl.slice(0, qi);
	const query = qi === -1 ? {} : parseQuery(rawUrl.slice(qi + 1));
	for (const k of SECRET_QUERY) if (k in query) query[k] = '[redacted]';
	const key = bearerToken(req.headers.authorization);
	const known = key !== '' && state.keys.has(key);
	const entry = {
		seq: ++state.seq,
		method: req.method,
		path,
		query,
		body: undefined,
		keyFingerprint: key ? state.keys.get(key) || fingerprint(key) : null,
		status: 0,
		time: started,
		durationMs: 0,
		latencyMs: 0,
	};
	state.log.push(entry);
	state.counters.requests += 1;
	const raw = await readBody(req);
	let body;
	let badJson = false;
	if (raw !== '') {
		try {
			body = JSON.parse(raw);
			entry.body = body;
		} catch {
			badJson = true;
			entry.body = { unparsedBytes: Buffer.byteLength(raw) };
		}
	}
	const f = state.faults;
	if (f.latencyMs > 0) {
		entry.latencyMs = f.latencyMs;
		await sleep(f.latencyMs);
	}
	const reply = (status, payload, extra) => {
		const now = Date.now();
		entry.status = status;
		entry.durationMs = now - started;
		const headers = state.windows.headers(known ? key : undefined, now);
		if (extra) Object.assign(headers, extra);
		send(res, status, payload, headers);
	};
	const tooMany = () => {
		state.counters.rateLimited += 1;
		entry.rateLimited = true;
		const retry = Math.max(1, state.windows.resetSeconds(known ? key : undefined, Date.now()));
		return reply(429, apiError('rate_limited', `${MSG.rateLimited} (in ${retry} s)`), {
			'Retry-After': String(retry),
		});
	};
	const serverError = (status) => {
		state.counters.errors5xx += 1;
		entry.forced = true;
		const [code, message] = SERVER_ERRORS[status] || SERVER_ERRORS[500];
		return reply(status, apiError(code, message));
	};

	const route = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
	if (route !== ENRICH_PATH)
		return reply(404, apiError('route_not_found', `Cannot ${req.method} ${path}`));
	if (req.method !== 'POST')
		return reply(405, apiError('method_not_allowed', `Use POST ${ENRICH_PATH}`), {
			Allow: 'POST',
		});
	if (!known) {
		state.counters.unauthorized += 1;
		return reply(401, apiError('unauthorized', MSG.unauthorized));
	}
	if (!state.windows.take(key, Date.now())) return tooMany();

	if (f.failNext > 0) {
		f.failNext -= 1;
		if (f.failStatus === 429) {
			entry.forced = true;
			return tooMany();
		}
		if (f.failStatus < 500) {
			entry.forced = true;
			return reply(f.failStatus, apiError('forced', `Forced ${f.failStatus}`));
		}
		return serverError(f.failStatus);
	}
	if (f.failureRate > 0 && state.rng() < f.failureRate) return serverError(500);

	if (badJson || body === null || typeof body !== 'object' || Array.isArray(body)) {
		state.counters.badRequests += 1;
		return reply(400, apiError('invalid_request', MSG.badBody));
	}
	const domain = normalizeDomain(body.domain);
	if (domain === '') {
		state.counters.badRequests += 1;
		const message =
			body.domain === undefined || body.domain === ''
				? MSG.missingDomain
				: `domain is not a domain name: ${String(body.domain).slice(0, 200)}`;
		return reply(400, apiError('invalid_request', message));
	}
	const role = normalizeRole(body.role);
	if (!ROLES.includes(role)) {
		state.counters.badRequests += 1;
		return reply(400, apiError('invalid_role', MSG.invalidRole));
	}
	const lk = lookupKey(domain, role);
	entry.lookup = lk;
	state.lookups.set(lk, (state.lookups.get(lk) || 0) + 1);
	const found = state.answer(domain, role);
	if (!found) {
		state.counters.notFound += 1;
		return reply(404, apiError('not_found', MSG.notFound));
	}
	state.counters.found += 1;
	return reply(200, { person: { ...found.person }, confidence: found.confidence });
}

async function handleControl(state, req, res, rawUrl) {
	const raw = await readBody(req);
	const qi = rawUrl.indexOf('?');
	const path = qi === -1 ? rawUrl : rawUrl.slice(0, qi);
	const params = new URLSearchParams(qi === -1 ? '' : rawUrl.slice(qi + 1));
	try {
		const body = raw ? JSON.parse(raw) : {};
		switch (`${req.method} ${path}`) {
			case 'GET /__emulator/state':
				return send(
					res,
					200,
					state.snapshot({
						includeLog: params.get('log') === '1',
						includeLookups: params.get('lookups') === '1',
					}),
				);
			case 'GET /__emulator/requests': {
				const filter = {};
				for (const [k, v] of params) filter[k] = k === 'status' || k === 'seq' ? Number(v) : v;
				const entries = state.log.list(Object.keys(filter).length ? filter : undefined);
				return send(res, 200, { total: state.log.total, entries });
			}
			case 'POST /__emulator/faults':
				return send(res, 200, state.setFaults(body));
			case 'POST /__emulator/reset':
				state.reset();
				return send(res, 200, { ok: true });
			default:
				return send(res, 404, apiError('route_not_found', 'Unknown emulator control endpoint'));
		}
	} catch (err) {
		return send(res, 400, apiError('control_failed', String(err && err.message)));
	}
}

async function startEnrichmentEmulator(opts) {
	const o = opts || {};
	const state = new EnrichmentState(o);
	const server = http.createServer((req, res) => {
		const rawUrl = req.url || '/';
		const handler = rawUrl.startsWith('/__emulator/') ? handleControl : handleApi;
		handler(state, req, res, rawUrl).catch((err) => {
			if (!res.headersSent)
				send(res, 500, apiError('internal', `Emulator crashed: ${err && err.message}`));
		});
	});
	server.keepAliveTimeout = 5000;
	const host = o.host || '127.0.0.1';
	const port = await listen(server, o.port, host);
	return {
		url: `http://${host}:${port}`,
		port,
		host,
		apiKey: state.apiKey,
		state,
		requests: (filter) => state.log.list(filter),
		get totalRequests() {
			return state.log.total;
		},
		get lookups() {
			return state.lookups;
		},
		lookupCount: (domain, role) =>
			state.lookups.get(lookupKey(normalizeDomain(domain), normalizeRole(role))) || 0,
		expectedPerson: (domain, role) => {
			const d = normalizeDomain(domain);
			const r = normalizeRole(role);
			if (d === '' || !ROLES.includes(r)) return null;
			const found = state.answer(d, r);
			return found ? { person: { ...found.person }, confidence: found.confidence } : null;
		},
		failNext: (n, status) =>
			state.setFaults({ failNext: n === undefined ? 1 : n, failStatus: status || 500 }),
		setLatency: (ms) => state.setFaults({ latencyMs: ms }),
		setFailureRate: (rate) => state.setFaults({ failureRate: rate }),
		setRateLimit: (limits) => state.setFaults(limits),
		setFaults: (patch) => state.setFaults(patch),
		reset: () => state.reset(),
		close: () => closeServer(server),
	};
}

module.exports = {
	startEnrichmentEmulator,
	fingerprint,
	normalizeDomain,
	DEFAULT_API_KEY,
	ENRICH_PATH,
	ROLES,
	DEFAULT_NOT_FOUND_RATE,
	DEFAULT_LIMIT_PER_WINDOW,
	DEFAULT_WINDOW_MS,
	DEFAULT_LOG_LIMIT,
	MESSAGES: MSG,
	// For the verifier emulator; not part of the enrichment API.
	internals: {
		FixedWindows,
		RequestLog,
		makeRng,
		seededDigest,
		unitAt,
		readBody,
		send,
		sleep,
		parseQuery,
		checkRate,
		checkCount,
	},
};
