'use strict';
// In-memory emulator of MillionVerifier's single-verification API (the email check at the end of the
// enrichment cascade): GET /api/v3/?api=<KEY>&email=<EMAIL>&timeout=10. Plain CommonJS so jest (via
// server.d.ts) and a bare `node cli.js` can both load it. Built for benchmarks sending tens of
// thousands of requests, hundreds at a time: no per-request console output, O(1) per-request
// bookkeeping (fixed rate windows, hashed answers, a capped request log).
//
// Sources (checked when this was written):
//   - https://developer.millionverifier.com/ (API 3.1.0), "Single API": GET
//     https://api.millionverifier.com/api/v3/?api=your-api-key&email=...&timeout=10; `api` and
//     `email` required, `timeout` 2..60 s (default 20); the example response fields quality, result,
//     resultcode, subresult, free, role, credits, executiontime (plus email, didyoumean, error,
//     livemode); the demo keys name the error cases (no email, no / invalid API key, insufficient
//     credits, IP address blocked, internal error).
//   - https://help.millionverifier.com/email-verification/email-verification-results: results ok,
//     invalid, disposable, catch_all, unknown and their quality: ok = good; invalid, disposable =
//     bad; catch_all, unknown = risky. "We only charge you for Ok, Invalid, and Disposable emails" -
//     catch_all and unknown are free (set `chargeAllResults` to charge every verification).
//   - resultcode per result: 1 ok, 2 catch_all, 3 unknown, 4 error, 5 disposable, 6 invalid (the
//     documented example pairs invalid with 6; clients of the live API use the rest).
//   - Observed (integrators probing the live API; not in the official docs): an unknown API key is
//     answered with HTTP 200 and {"email", "result": "error", "resultcode": 4, "subresult": "",
//     "free": false, "role": false, "didyoumean": "", "credits": 0, "executiontime": 0,
//     "error": "Apikey not found", "livemode": true} - no `quality`. Clients must check
//     `result === "error"` / a non-empty `error`, not the HTTP status. Clients also match
//     "Apikey not found" and "IP address blocked" in `error`.
//   - ASSUMED (no source found; kept in one place below so they are easy to correct): the `error`
//     texts for a missing email and for insufficient credits (same 200 + result "error" shape), a
//     missing `api` treated like an unknown one, the subresult values, a syntactically broken email
//     answered as invalid, the 429 body {"error": "Too many requests"} with Retry-After and the
//     X-RateLimit-* headers (MillionVerifier documents no rate limit), the 5xx body
//     {"error": "Internal server error"}, and 404 / 405 bodies for other routes.
//
// Results are a pure function of (seed, email), with precedence: `resultFor` (exact address, case
// ignored) > syntax (a broken address is invalid) > `disposableDomains` > `catchAllDomains` > the seeded `distribution` (default
// 85% ok, 5% catch_all, 5% invalid, 5% unknown). `free` is true at `freeDomains`, `role` for role
// local parts (info@, sales@, ...), `didyoumean` suggests a fix for a few common domain typos.
//
// Order of checks: route (404 / 405) -> API key (200 "Apikey not found") -> rate window (429) ->
// injected faults (failNext, failureRate) -> missing email -> credits -> verification. The
// `latencyMs` delay is applied before all of them. The API key is never recorded: the log keeps the
// query and URL without `api`, and a SHA-256 fingerprint of the key.
const http = require('node:http');
const { listen, closeServer } = require('../serverLifecycle');
const { fingerprint, internals } = require('../enrichment/server');

const {
	FixedWindows,
	RequestLog,
	makeRng,
	seededDigest,
	unitAt,
	readBody,
	send,
	sleep,
	checkRate,
	checkCount,
} = internals;

const DEFAULT_API_KEY = 'verifier-emulator-key';
const VERIFY_PATH = '/api/v3/';
const DEFAULT_LIMIT_PER_WINDOW = 600;
const DEFAULT_WINDOW_MS = 1000;
const DEFAULT_LOG_LIMIT = 10000;
const DEFAULT_CREDITS = 1000000;
const RESULTS = ['ok', 'catch_all', 'unknown', 'disposable', 'invalid'];
const DEFAULT_DISTRIBUTION = { ok: 0.85, catch_all: 0.05, invalid: 0.05, unknown: 0.05 };
const RESULT_CODES = { ok: 1, catch_all: 2, unknown: 3, error: 4, disposable: 5, invalid: 6 };
const QUALITY = {
	ok: 'good',
	catch_all: 'risky',
	unknown: 'risky',
	disposable: 'bad',
	invalid: 'bad',
};
// ASSUMED subresult values (the docs show the field, not its vocabulary).
const SUBRESULT = {
	ok: 'ok',
	catch_all: 'catch_all',
	unknown: 'timeout',
	disposable: 'disposable',
	invalid: 'mailbox_not_found',
};
const CHARGED = new Set(['ok', 'invalid', 'disposable']);
const DEFAULT_DISPOSABLE_DOMAINS = [
	'mailinator.com',
	'guerrillamail.com',
	'10minutemail.com',
	'tempmail.com',
	'temp-mail.org',
	'yopmail.com',
	'trashmail.com',
	'sharklasers.com',
	'getnada.com',
	'dispostable.com',
];
const DEFAULT_FREE_DOMAINS = [
	'gmail.com',
	'googlemail.com',
	'yahoo.com',
	'hotmail.com',
	'outlook.com',
	'live.com',
	'aol.com',
	'icloud.com',
	'gmx.com',
	'mail.com',
	'proton.me',
	'protonmail.com',
	'yandex.com',
];
const ROLE_LOCAL_PARTS = new Set([
	'admin',
	'billing',
	'careers',
	'contact',
	'hello',
	'help',
	'hr',
	'info',
	'jobs',
	'marketing',
	'no-reply',
	'noreply',
	'office',
	'postmaster',
	'sales',
	'support',
	'team',
	'webmaster',
]);
const DOMAIN_TYPOS = {
	'gmial.com': 'gmail.com',
	'gmal.com': 'gmail.com',
	'gmail.co': 'gmail.com',
	'gnail.com': 'gmail.com',
	'hotmial.com': 'hotmail.com',
	'hotmal.com': 'hotmail.com',
	'yaho.com': 'yahoo.com',
	'yahooo.com': 'yahoo.com',
	'outlok.com': 'outlook.com',
};
const EMAIL_SYNTAX = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

const MSG = {
	invalidApiKey: 'Apikey not found', // observed (live API)
	missingEmail: 'Email is missing', // ASSUMED
	insufficientCredits: 'Insufficient credits', // ASSUMED
	tooManyRequests: 'Too many requests', // ASSUMED
	internal: 'Internal server error', // ASSUMED
};

function checkDistribution(d) {
	const dist = { ok: 0, catch_all: 0, unknown: 0, disposable: 0, invalid: 0 };
	let sum = 0;
	for (const [k, v] of Object.entries(d)) {
		if (!RESULTS.includes(k)) throw new Error(`distribution: unknown result ${k}`);
		dist[k] = checkCount(v, `distribution.${k}`, 0);
		sum += dist[k];
	}
	if (!(sum > 0)) throw new Error('distribution must have a positive share');
	// Cumulative thresholds in a fixed order, so the same seed keeps the same answers.
	let acc = 0;
	return RESULTS.map((r) => {
		acc += dist[r] / sum;
		return [r, acc];
	});
}

const domainOf = (email) => {
	const at = email.lastIndexOf('@');
	return at === -1 ? '' : email.slice(at + 1);
};

class VerifierState {
	constructor(opts) {
		const o = opts || {};
		const keys = [o.apiKey || DEFAULT_API_KEY, ...(o.apiKeys || [])];
		this.apiKey = keys[0];
		this.keys = new Map(keys.map((k) => [k, fingerprint(k)]));
		this.defaults = {
			seed: o.seed === undefined ? 1 : o.seed,
			limitPerWindow: checkCount(o.limitPerWindow || DEFAULT_LIMIT_PER_WINDOW, 'limitPerWindow', 1),
			windowMs: checkCount(o.windowMs || DEFAULT_WINDOW_MS, 'windowMs', 1),
			latencyMs: checkCount(o.latencyMs || 0, 'latencyMs', 0),
			failureRate: checkRate(o.failureRate || 0, 'failureRate'),
			credits: checkCount(o.credits ?? DEFAULT_CREDITS, 'credits', 0),
		};
		this.seed = this.defaults.seed;
		this.thresholds = checkDistribution(o.distribution || DEFAULT_DISTRIBUTION);
		const lower = (list) => new Set(list.map((d) => String(d).trim().toLowerCase()));
		this.disposableDomains = lower(o.disposableDomains || DEFAULT_DISPOSABLE_DOMAINS);
		this.catchAllDomains = lower(o.catchAllDomains || []);
		this.freeDomains = lower(o.freeDomains || DEFAULT_FREE_DOMAINS);
		this.forced = new Map();
		for (const [email, result] of Object.entries(o.resultFor || {})) {
			if (!RESULTS.includes(result))
				throw new Error(`resultFor ${email}: unknown result ${result}`);
			this.forced.set(email.trim().toLowerCase(), result);
		}
		this.chargeAllResults = Boolean(o.chargeAllResults);
		this.log = new RequestLog(o.logLimit || DEFAULT_LOG_LIMIT);
		this.windows = new FixedWindows(this.defaults.limitPerWindow, this.defaults.windowMs);
		this.verifications = new Map();
		this.reset();
	}

	reset() {
		this.log.clear();
		this.windows.clear();
		this.windows.limit = this.defaults.limitPerWindow;
		this.windows.windowMs = this.defaults.windowMs;
		this.verifications.clear();
		this.seq = 0;
		this.credits = this.defaults.credits;
		this.faults = {
			latencyMs: this.defaults.latencyMs,
			failureRate: this.defaults.failureRate,
			failNext: 0,
			failStatus: 500,
		};
		this.rng = makeRng(this.defaults.seed);
		this.counters = {
			requests: 0,
			verified: 0,
			invalidKey: 0,
			errors: 0,
			rateLimited: 0,
			errors5xx: 0,
			results: { ok: 0, catch_all: 0, unknown: 0, disposable: 0, invalid: 0 },
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
		if ('credits' in p) this.credits = checkCount(p.credits, 'credits', 0);
		return this.faultState();
	}

	faultState() {
		return {
			faults: { ...this.faults },
			limits: { limitPerWindow: this.windows.limit, windowMs: this.windows.windowMs },
			credits: this.credits,
		};
	}

	/** The verdict for an address (no HTTP, no counting, no credits). */
	verdict(rawEmail) {
		const email = String(rawEmail).trim();
		const lower = email.toLowerCase();
		const domain = domainOf(lower);
		const local = lower.slice(0, Math.max(0, lower.lastIndexOf('@')));
		const syntaxOk = EMAIL_SYNTAX.test(lower);
		let result = this.forced.get(lower);
		if (result === undefined) {
			if (!syntaxOk) result = 'invalid';
			else if (this.disposableDomains.has(domain)) result = 'disposable';
			else if (this.catchAllDomains.has(domain)) result = 'catch_all';
			else {
				const u = unitAt(seededDigest(this.seed, lower), 0);
				result = 'invalid';
				for (const [r, upTo] of this.thresholds)
					if (u < upTo) {
						result = r;
						break;
					}
			}
		}
		const typo = DOMAIN_TYPOS[domain];
		return {
			email,
			quality: QUALITY[result],
			result,
			resultcode: RESULT_CODES[result],
			subresult: result === 'invalid' && !syntaxOk ? 'invalid_syntax' : SUBRESULT[result],
			free: this.freeDomains.has(domain),
			role: ROLE_LOCAL_PARTS.has(local),
			didyoumean: typo ? `${email.slice(0, email.lastIndexOf('@'))}@${typo}` : '',
		};
	}

	snapshot(opts) {
		const o = opts || {};
		return {
			apiKeyFingerprints: [...this.keys.values()],
			seed: this.seed,
			...this.faultState(),
			counters: { ...this.counters, results: { ...this.counters.results } },
			totalRequests: this.log.total,
			distinctEmails: this.verifications.size,
			log: o.includeLog ? this.log.list() : undefined,
		};
	}
}

/** MillionVerifier's error shape: HTTP 200, result "error" (shape observed on the live API). */
const errorBody = (email, error, credits) => ({
	email,
	result: 'error',
	resultcode: RESULT_CODES.error,
	subresult: '',
	free: false,
	role: false,
	didyoumean: '',
	credits,
	executiontime: 0,
	error,
	livemode: true,
});

/** Form-style decoding ("+" is a space); malformed escapes are kept as sent. */
function decodeQueryPart(text) {
	try {
		return decodeURIComponent(text.replace(/\+/g, ' '));
	} catch {
		return text;
	}
}

/** The parsed query, the query without `api`, and the raw query text without its `api` pairs. */
function splitQuery(qs) {
	const query = {};
	const safeQuery = {};
	const kept = [];
	for (const pair of qs.split('&')) {
		if (pair === '') continue;
		const eq = pair.indexOf('=');
		const name = decodeQueryPart(eq === -1 ? pair : pair.slice(0, eq));
		const value = eq === -1 ? '' : decodeQueryPart(pair.slice(eq + 1));
		query[name] = value;
		if (name === 'api') continue;
		safeQuery[name] = value;
		kept.push(pair);
	}
	return { query, safeQuery, safeQs: kept.join('&') };
}

async function handleApi(state, req, res, rawUrl) {
	const started = Date.now();
	const qi = rawUrl.indexOf('?');
	const path = qi === -1 ? rawUrl : rawUrl.slice(0, qi);
	const { query, safeQuery, safeQs } = splitQuery(qi === -1 ? '' : rawUrl.slice(qi + 1));
	const key = query.api || '';
	const known = key !== '' && state.keys.has(key);
	const entry = {
		seq: ++state.seq,
		method: req.method,
		path,
		url: safeQs ? `${path}?${safeQs}` : path,
		query: safeQuery,
		email: query.email,
		timeout: query.timeout === undefined ? undefined : Number(query.timeout),
		keyFingerprint: key ? state.keys.get(key) || fingerprint(key) : null,
		status: 0,
		time: started,
		durationMs: 0,
		latencyMs: 0,
	};
	state.log.push(entry);
	state.counters.requests += 1;
	await readBody(req);
	const f = state.faults;
	if (f.latencyMs > 0) {
		entry.latencyMs = f.latencyMs;
		await sleep(f.latencyMs);
	}
	const reply = (status, payload, extra) => {
		const now = Date.now();
		entry.status = status;
		entry.durationMs = now - started;
		if (payload && typeof payload.result === 'string') entry.result = payload.result;
		const headers = state.windows.headers(known ? key : undefined, now);
		if (extra) Object.assign(headers, extra);
		send(res, status, payload, headers);
	};
	const tooMany = () => {
		state.counters.rateLimited += 1;
		entry.rateLimited = true;
		const retry = Math.max(1, state.windows.resetSeconds(known ? key : undefined, Date.now()));
		return reply(429, { error: MSG.tooManyRequests }, { 'Retry-After': String(retry) });
	};

	const route = path.endsWith('/') ? path : `${path}/`;
	if (route !== VERIFY_PATH) return reply(404, { error: `Cannot ${req.method} ${path}` });
	if (req.method !== 'GET')
		return reply(405, { error: `Use GET ${VERIFY_PATH}` }, { Allow: 'GET' });
	const email = typeof query.email === 'string' ? query.email.trim() : '';
	if (!known) {
		state.counters.invalidKey += 1;
		return reply(200, errorBody(email, MSG.invalidApiKey, 0));
	}
	if (!state.windows.take(key, Date.now())) return tooMany();

	if (f.failNext > 0) {
		f.failNext -= 1;
		entry.forced = true;
		if (f.failStatus === 429) return tooMany();
		if (f.failStatus >= 500) state.counters.errors5xx += 1;
		return reply(f.failStatus, { error: f.failStatus >= 500 ? MSG.internal : 'Forced error' });
	}
	if (f.failureRate > 0 && state.rng() < f.failureRate) {
		entry.forced = true;
		state.counters.errors5xx += 1;
		return reply(500, { error: MSG.internal });
	}
	if (email === '') {
		state.counters.errors += 1;
		return reply(200, errorBody(email, MSG.missingEmail, state.credits));
	}
	const v = state.verdict(email);
	const charged = state.chargeAllResults || CHARGED.has(v.result);
	if (charged && state.credits <= 0) {
		state.counters.errors += 1;
		return reply(200, errorBody(email, MSG.insufficientCredits, 0));
	}
	if (charged) state.credits -= 1;
	const lower = email.toLowerCase();
	state.verifications.set(lower, (state.verifications.get(lower) || 0) + 1);
	state.counters.verified += 1;
	state.counters.results[v.result] += 1;
	return reply(200, {
		email: v.email,
		quality: v.quality,
		result: v.result,
		resultcode: v.resultcode,
		subresult: v.subresult,
		free: v.free,
		role: v.role,
		didyoumean: v.didyoumean,
		credits: state.credits,
		executiontime: Math.round(entry.latencyMs / 1000),
		error: '',
		livemode: true,
	});
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
				return send(res, 200, state.snapshot({ includeLog: params.get('log') === '1' }));
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
				return send(res, 404, { error: 'Unknown emulator control endpoint' });
		}
	} catch (err) {
		return send(res, 400, { error: `Emulator control failed: ${err && err.message}` });
	}
}

async function startVerifierEmulator(opts) {
	const o = opts || {};
	const state = new VerifierState(o);
	const server = http.createServer((req, res) => {
		const rawUrl = req.url || '/';
		const handler = rawUrl.startsWith('/__emulator/') ? handleControl : handleApi;
		handler(state, req, res, rawUrl).catch((err) => {
			if (!res.headersSent) send(res, 500, { error: `Emulator crashed: ${err && err.message}` });
		});
	});
	server.keepAliveTimeout = 5000;
	const host = o.host || '127.0.0.1';
	const port = await listen(server, o.port, host);
	const url = `http://${host}:${port}`;
	return {
		url,
		endpoint: `${url}${VERIFY_PATH}`,
		port,
		host,
		apiKey: state.apiKey,
		state,
		requests: (filter) => state.log.list(filter),
		get totalRequests() {
			return state.log.total;
		},
		get verifications() {
			return state.verifications;
		},
		get credits() {
			return state.credits;
		},
		expectedResult: (email) => state.verdict(email).result,
		failNext: (n, status) =>
			state.setFaults({ failNext: n === undefined ? 1 : n, failStatus: status || 500 }),
		setLatency: (ms) => state.setFaults({ latencyMs: ms }),
		setFailureRate: (rate) => state.setFaults({ failureRate: rate }),
		setRateLimit: (limits) => state.setFaults(limits),
		setCredits: (credits) => state.setFaults({ credits }),
		setFaults: (patch) => state.setFaults(patch),
		reset: () => state.reset(),
		close: () => closeServer(server),
	};
}

module.exports = {
	startVerifierEmulator,
	fingerprint,
	DEFAULT_API_KEY,
	VERIFY_PATH,
	DEFAULT_LIMIT_PER_WINDOW,
	DEFAULT_WINDOW_MS,
	DEFAULT_LOG_LIMIT,
	DEFAULT_CREDITS,
	DEFAULT_DISTRIBUTION,
	DEFAULT_DISPOSABLE_DOMAINS,
	DEFAULT_FREE_DOMAINS,
	RESULT_CODES,
	MESSAGES: MSG,
};
