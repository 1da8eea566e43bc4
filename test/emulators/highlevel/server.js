'use strict';
// In-memory emulator of the parts of HighLevel's (LeadConnector) API v2 that this package and n8n's
// built-in HighLevel node use: location read (credential test), contact get / create / update /
// upsert / delete, duplicate search, add and remove tags, Private Integration bearer auth, the
// mandatory `Version` header, and the burst (100 per 10 s) and daily (200,000) limits with their
// X-RateLimit-* headers. Plain CommonJS so jest (via server.d.ts) and a bare `node cli.js` can both
// load it. Built to be hit by benchmarks at 1,000 concurrent requests: no per-request console
// output, O(1) rate-limit bookkeeping, a capped request log.
//
// Sources (checked when this was written):
//   - OpenAPI spec, GoHighLevel/highlevel-api-docs apps/contacts.json: paths, `Version` header
//     (enum 2021-07-28), status codes (add tags 201, remove tags 200, create 201, update 200 with
//     `succeded`), TagsDTO / CreateAddTagSuccessfulResponseDto bodies, UpdateContactDto.tags
//     ("This field will overwrite all current tags"), BadRequestDTO {statusCode, message},
//     UnauthorizedDTO {statusCode: 401, message: "Invalid token: access token is invalid",
//     error: "Unauthorized"}, UnprocessableDTO {statusCode: 422, message: [..], error}.
//   - https://marketplace.gohighlevel.com/docs/other/rate-limits: burst 100 per 10 s, daily 200,000,
//     the five X-RateLimit-* headers on every response; for Private Integration tokens the burst
//     counter is per integration per location and the daily counter is shared by the location.
//   - https://marketplace.gohighlevel.com/docs/2021-07-28/Versioning: published versions.
//   - Observed behaviour reported by integrators (not in the official docs; marked "observed"):
//     missing Version -> 401 "version header was not found.", unknown Version -> 401
//     "version header is invalid"; wrong location -> 403 "The token does not have access to this
//     location."; unknown contact id -> 400 "Contact with id <id> not found"; tags are stored
//     lowercased; POST /contacts/ on a location that does not allow duplicates -> 400 "This location
//     does not allow duplicated contacts." with meta.contactId; PUT /contacts/{id} rejects a
//     `locationId` property; unknown routes -> 404 "Cannot GET /path".
//   - Assumed (no source found; kept in one place below so they are easy to correct): the 429 body,
//     the 5xx bodies, the duplicate-search "not found" body ({contact: null} with 200), the order of
//     the Version / auth checks, that the burst window is rolling, and that Retry-After is not sent
//     (opt in with `retryAfter: true`).
const http = require('node:http');
const { listen, closeServer } = require('../serverLifecycle');
const { createHolds } = require('../postgrest/requestHold');
const crypto = require('node:crypto');

const DEFAULT_TOKEN = 'pit-e3a1c0de-0000-4000-8000-emulator0001';
const DEFAULT_LOCATION_ID = 'emuLocationHL0000001';
const DEFAULT_COMPANY_ID = 'emuCompanyHL00000001';
const API_VERSION = '2021-07-28';
// The Versioning page's supported-versions table; integrators observed 200s for the first four.
const PUBLISHED_VERSIONS = ['2021-07-28', '2021-04-15', '2023-02-21', 'v3', 'legacy'];
const DEFAULT_LIMIT_PER_10S = 100;
const DEFAULT_WINDOW_MS = 10000;
const DEFAULT_DAILY_LIMIT = 200000;
const DEFAULT_LOG_LIMIT = 100000;
// Query parameters that could carry a credential; never written to the log.
const SECRET_QUERY = ['access_token', 'token', 'api_key', 'apiKey'];

// Error bodies. Documented ones first, then observed, then assumed.
const MSG = {
	invalidToken: 'Invalid token: access token is invalid', // UnauthorizedDTO example (spec)
	versionMissing: 'version header was not found.', // observed
	versionInvalid: 'version header is invalid', // observed
	noLocationAccess: 'The token does not have access to this location.', // observed
	duplicateContact: 'This location does not allow duplicated contacts.', // observed
	tooManyRequests: 'Too many requests', // ASSUMED: HighLevel documents "a 429 response" only
};
const SERVER_ERROR_MESSAGES = {
	500: 'Internal server error',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
	504: 'Gateway Timeout',
}; // ASSUMED

class HighLevelError extends Error {
	constructor(status, body, headers) {
		super(typeof body.message === 'string' ? body.message : JSON.stringify(body.message));
		this.status = status;
		this.body = body;
		this.headers = headers;
	}
}

const badRequest = (message, extra) =>
	new HighLevelError(400, { statusCode: 400, message, ...extra });
const unauthorized = (message) =>
	new HighLevelError(401, { statusCode: 401, message, error: 'Unauthorized' });
const forbidden = () => new HighLevelError(403, { statusCode: 403, message: MSG.noLocationAccess });
const unprocessable = (messages) =>
	new HighLevelError(422, { statusCode: 422, message: messages, error: 'Unprocessable Entity' });
const routeNotFound = (method, path) =>
	new HighLevelError(404, {
		statusCode: 404,
		message: `Cannot ${method} ${path}`,
		error: 'Not Found',
	});
// Integrators match this text in `message` and in `error`, so both carry it.
const contactNotFound = (id) =>
	badRequest(`Contact with id ${id} not found`, { error: `Contact with id ${id} not found` });
const serverError = (status) =>
	new HighLevelError(status, {
		statusCode: status,
		message: SERVER_ERROR_MESSAGES[status] || 'Internal server error',
	});

const fingerprint = (token) => crypto.createHash('sha256').update(token).digest('hex').slice(0, 12);
const utcDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const digits = (phone) => String(phone).replace(/\D/g, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 20-character ids like HighLevel's (Firestore-style). */
function newId() {
	const bytes = crypto.randomBytes(20);
	let out = '';
	for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
	return out;
}

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

function defaultFaults() {
	return { latencyMs: 0, errorRate5xx: 0, force5xx: 0, status5xx: 503, force429: 0 };
}

/** Timestamps of accepted requests inside the rolling window; O(1) amortized push and prune. */
class HitWindow {
	constructor() {
		this.t = [];
		this.head = 0;
	}
	prune(cutoff) {
		const t = this.t;
		while (this.head < t.length && t[this.head] <= cutoff) this.head++;
		if (this.head === t.length) {
			this.t = [];
			this.head = 0;
		} else if (this.head > 1024 && this.head * 2 > t.length) {
			this.t = t.slice(this.head);
			this.head = 0;
		}
	}
	get size() {
		return this.t.length - this.head;
	}
	oldest() {
		return this.t[this.head];
	}
	push(ms) {
		this.t.push(ms);
	}
}

// Contact properties the emulator derives or owns; everything else a client sends is stored as-is.
const OWNED_FIELDS = ['id', 'locationId', 'tags', 'dateAdded', 'dateUpdated'];

class HighLevelState {
	constructor(opts) {
		const o = opts || {};
		this.locationId = o.locationId || DEFAULT_LOCATION_ID;
		this.tokenLocations = new Map();
		const tokens = o.tokens && o.tokens.length ? o.tokens : [DEFAULT_TOKEN];
		for (const t of tokens) {
			if (typeof t === 'string') this.tokenLocations.set(t, this.locationId);
			else this.tokenLocations.set(t.token, t.locationId || this.locationId);
		}
		this.fingerprints = new Map([...this.tokenLocations.keys()].map((t) => [t, fingerprint(t)]));
		this.locations = new Map();
		const names = o.locationNames || {};
		for (const id of new Set([this.locationId, ...this.tokenLocations.values()])) {
			this.locations.set(id, {
				id,
				name:
					names[id] ||
					(id === this.locationId ? o.locationName || 'Marketing Ops Emulator' : `Location ${id}`),
			});
		}
		this.versions = new Set(o.versions || PUBLISHED_VERSIONS);
		this.defaults = {
			limitPer10s: o.limitPer10s || DEFAULT_LIMIT_PER_10S,
			windowMs: o.windowMs || DEFAULT_WINDOW_MS,
			dailyLimit: o.dailyLimit || DEFAULT_DAILY_LIMIT,
			retryAfter: Boolean(o.retryAfter),
			seed: o.seed === undefined ? 1 : o.seed,
		};
		this.allowDuplicateContact = Boolean(o.allowDuplicateContact);
		this.lowercaseTags = o.lowercaseTags !== false;
		this.logLimit = o.logLimit || DEFAULT_LOG_LIMIT;
		this.reset();
	}

	reset() {
		// Requests still held by a test's gate are let go, never left hanging.
		if (this.holds) this.holds.releaseAll();
		this.holds = createHolds();
		this.contactsById = new Map();
		this.byEmail = new Map();
		this.byPhone = new Map();
		this.log = [];
		this.seq = 0;
		this.hits = new Map();
		this.daily = { day: utcDay(Date.now()), counts: new Map() };
		this.revokedTokens = new Set();
		this.limits = {
			limitPer10s: this.defaults.limitPer10s,
			windowMs: this.defaults.windowMs,
			dailyLimit: this.defaults.dailyLimit,
			retryAfter: this.defaults.retryAfter,
		};
		this.faults = defaultFaults();
		this.rng = makeRng(this.defaults.seed);
		this.counters = {
			requests: 0,
			accepted: 0,
			rateLimited: 0,
			dailyLimited: 0,
			errors5xx: 0,
			unauthorized: 0,
			versionRejected: 0,
			forbidden: 0,
		};
	}

	setFaults(patch) {
		const p = patch || {};
		for (const k of Object.keys(defaultFaults())) if (k in p) this.faults[k] = p[k];
		for (const k of ['limitPer10s', 'windowMs', 'dailyLimit', 'retryAfter'])
			if (k in p) this.limits[k] = p[k];
		const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
		for (const t of list(p.revokeToken)) this.revokedTokens.add(t);
		for (const t of list(p.restoreToken)) this.revokedTokens.delete(t);
		return this.faultState();
	}

	faultState() {
		return {
			faults: { ...this.faults },
			limits: { ...this.limits },
			revokedTokenFingerprints: [...this.revokedTokens].map(fingerprint),
		};
	}

	fingerprintOf(token) {
		return this.fingerprints.get(token) || fingerprint(token);
	}

	record(entry) {
		this.log.push(entry);
		if (this.log.length > this.logLimit + (this.logLimit >> 3))
			this.log.splice(0, this.log.length - this.logLimit);
	}

	window(token) {
		let w = this.hits.get(token);
		if (!w) {
			w = new HitWindow();
			this.hits.set(token, w);
		}
		return w;
	}

	rollDay(now) {
		const day = utcDay(now);
		if (day !== this.daily.day) {
			this.daily.day = day;
			this.daily.counts.clear();
		}
	}

	normalizeTag(tag) {
		const t = String(tag).trim();
		return this.lowercaseTags ? t.toLowerCase() : t;
	}

	/** Appends tags not already present (after normalization); returns the contact's tags. */
	addTags(contact, tags) {
		const have = new Set(contact.tags);
		for (const raw of tags) {
			const t = this.normalizeTag(raw);
			if (t !== '' && !have.has(t)) {
				have.add(t);
				contact.tags.push(t);
			}
		}
		return contact.tags;
	}

	removeTags(contact, tags) {
		const drop = new Set(tags.map((t) => this.normalizeTag(t)));
		contact.tags = contact.tags.filter((t) => !drop.has(this.normalizeTag(t)));
		return contact.tags;
	}

	index(c) {
		if (c.email) this.byEmail.set(`${c.locationId}|${String(c.email).toLowerCase()}`, c.id);
		if (c.phone && digits(c.phone)) this.byPhone.set(`${c.locationId}|${digits(c.phone)}`, c.id);
	}

	unindex(c) {
		if (c.email) {
			const k = `${c.locationId}|${String(c.email).toLowerCase()}`;
			if (this.byEmail.get(k) === c.id) this.byEmail.delete(k);
		}
		if (c.phone) {
			const k = `${c.locationId}|${digits(c.phone)}`;
			if (this.byPhone.get(k) === c.id) this.byPhone.delete(k);
		}
	}

	findDuplicate(locationId, email, phone) {
		// "first priority for search is `email` and the second priority will be `phone`" (spec).
		let id;
		if (email) id = this.byEmail.get(`${locationId}|${String(email).toLowerCase()}`);
		if (!id && phone && digits(phone)) id = this.byPhone.get(`${locationId}|${digits(phone)}`);
		return id ? this.contactsById.get(id) : undefined;
	}

	createContact(input, locationId) {
		const now = new Date().toISOString();
		const c = { ...input };
		for (const k of OWNED_FIELDS) delete c[k];
		c.id = input.id || newId();
		c.locationId = locationId;
		c.tags = [];
		c.dateAdded = now;
		c.dateUpdated = now;
		if (Array.isArray(input.tags)) this.addTags(c, input.tags);
		this.contactsById.set(c.id, c);
		this.index(c);
		return c;
	}

	/** PUT / upsert: fields overwrite, `tags` (when present) replaces the whole set. */
	updateContact(c, input) {
		this.unindex(c);
		for (const [k, v] of Object.entries(input)) if (!OWNED_FIELDS.includes(k)) c[k] = v;
		if (Array.isArray(input.tags)) {
			c.tags = [];
			this.addTags(c, input.tags);
		}
		c.dateUpdated = new Date().toISOString();
		this.index(c);
		return c;
	}

	deleteContact(c) {
		this.unindex(c);
		this.contactsById.delete(c.id);
	}

	/** A contact as the API returns it. */
	view(c) {
		const full = [c.firstName, c.lastName].filter(Boolean).join(' ');
		const lower = (v) => (typeof v === 'string' ? v.toLowerCase() : undefined);
		return {
			...c,
			name: c.name || full || undefined,
			firstNameLowerCase: lower(c.firstName),
			lastNameLowerCase: lower(c.lastName),
			fullNameLowerCase: full ? full.toLowerCase() : undefined,
			emailLowerCase: lower(c.email),
			type: c.type || 'lead',
			dnd: c.dnd === undefined ? false : c.dnd,
			customFields: c.customFields || [],
			tags: [...c.tags],
		};
	}

	locationView(id) {
		const l = this.locations.get(id);
		return {
			id: l.id,
			companyId: DEFAULT_COMPANY_ID,
			name: l.name,
			address: '1 Emulator Way',
			city: 'San Francisco',
			state: 'CA',
			country: 'US',
			postalCode: '94107',
			website: 'https://example.com',
			timezone: 'America/Los_Angeles',
			email: 'ops@example.com',
			phone: '+14155550100',
			business: { name: l.name, country: 'US', timezone: 'America/Los_Angeles' },
			settings: {
				allowDuplicateContact: this.allowDuplicateContact,
				allowDuplicateOpportunity: false,
				allowFacebookNameMerge: false,
				disableContactTimezone: false,
			},
		};
	}

	snapshot(opts) {
		const contacts = [...this.contactsById.values()];
		const out = {
			locationId: this.locationId,
			locations: [...this.locations.values()],
			versions: [...this.versions],
			limits: { ...this.limits },
			faults: { ...this.faults },
			revokedTokenFingerprints: [...this.revokedTokens].map(fingerprint),
			counters: { ...this.counters },
			daily: { day: this.daily.day, used: Object.fromEntries(this.daily.counts) },
			contacts: contacts.map((c) => this.view(c)),
			tags: Object.fromEntries(contacts.map((c) => [c.id, [...c.tags]])),
		};
		if (!opts || opts.includeLog !== false) out.log = this.log;
		return out;
	}
}

// ------------------------------------------------------------------------------------------------
// Routes

function requireTags(body) {
	if (!body || !Array.isArray(body.tags))
		throw unprocessable(['tags must be an array', 'tags should not be empty']);
	if (!body.tags.every((t) => typeof t === 'string'))
		throw unprocessable(['each value in tags must be a string']);
	return body.tags;
}

function requireObject(body) {
	if (!body || typeof body !== 'object' || Array.isArray(body))
		throw badRequest('Bad Request', { error: 'Bad Request' });
	return body;
}

/** The contact, if it exists and is in the token's location. */
function ownContact(state, id, locationId, entry) {
	entry.contactId = id;
	const c = state.contactsById.get(id);
	if (!c) throw contactNotFound(id);
	if (c.locationId !== locationId) throw forbidden();
	return c;
}

/** Returns [status, payload]. */
function route(state, method, segments, query, body, locationId, entry) {
	const [root, a, b] = segments;
	if (root === 'locations' && segments.length === 2 && method === 'GET') {
		if (a !== locationId || !state.locations.has(a)) throw forbidden();
		return [200, { location: state.locationView(a) }];
	}
	if (root === 'contacts') {
		if (segments.length === 1 && method === 'POST') {
			const input = requireObject(body);
			if (typeof input.locationId !== 'string' || input.locationId === '')
				throw unprocessable(['locationId should not be empty', 'locationId must be a string']);
			if (input.locationId !== locationId) throw forbidden();
			if (!state.allowDuplicateContact) {
				const dup = state.findDuplicate(locationId, input.email, input.phone);
				if (dup) {
					entry.contactId = dup.id;
					const emailHit =
						input.email && String(dup.email).toLowerCase() === String(input.email).toLowerCase();
					throw badRequest(MSG.duplicateContact, {
						meta: {
							contactName: state.view(dup).name,
							contactId: dup.id,
							matchingField: emailHit ? 'email' : 'phone',
						},
					});
				}
			}
			const c = state.createContact(input, locationId);
			entry.contactId = c.id;
			return [201, { contact: state.view(c) }];
		}
		if (segments.length === 2 && a === 'upsert' && method === 'POST') {
			const input = requireObject(body);
			if (typeof input.locationId !== 'string' || input.locationId === '')
				throw unprocessable(['locationId should not be empty', 'locationId must be a string']);
			if (input.locationId !== locationId) throw forbidden();
			const existing = state.findDuplicate(locationId, input.email, input.phone);
			const fields = { ...input };
			delete fields.locationId;
			const c = existing
				? state.updateContact(existing, fields)
				: state.createContact(input, locationId);
			entry.contactId = c.id;
			return [
				existing ? 200 : 201,
				{ new: !existing, contact: state.view(c), traceId: crypto.randomUUID() },
			];
		}
		// Search Contacts (POST /contacts/search): {locationId, query, pageLimit (max 500), page}
		// -> {contacts, total}; the query matches name, email or phone, ignoring case.
		if (segments.length === 2 && a === 'search' && method === 'POST') {
			const input = requireObject(body);
			if (typeof input.locationId !== 'string' || input.locationId === '')
				throw unprocessable(['locationId should not be empty']);
			if (input.locationId !== locationId) throw forbidden();
			const limit = Number(input.pageLimit ?? 20);
			if (!Number.isInteger(limit) || limit < 1 || limit > 500)
				throw unprocessable(['pageLimit must not be greater than 500']);
			const page = Math.max(1, Number(input.page ?? 1) || 1);
			const needle = String(input.query ?? '')
				.trim()
				.toLowerCase();
			const hits = [...state.contactsById.values()]
				.filter((c) => c.locationId === locationId)
				.filter((c) => {
					if (needle === '') return true;
					const v = state.view(c);
					return [v.name, v.email, v.phone].some((f) =>
						String(f ?? '')
							.toLowerCase()
							.includes(needle),
					);
				});
			return [
				200,
				{
					contacts: hits.slice((page - 1) * limit, page * limit).map((c) => state.view(c)),
					total: hits.length,
				},
			];
		}
		if (segments.length === 3 && a === 'search' && b === 'duplicate' && method === 'GET') {
			if (!query.locationId) throw unprocessable(['locationId should not be empty']);
			if (query.locationId !== locationId) throw forbidden();
			const c = state.findDuplicate(locationId, query.email, query.number);
			if (c) entry.contactId = c.id;
			// ASSUMED: no match -> 200 {contact: null}; clients read `contact?.id`.
			return [200, { contact: c ? state.view(c) : null }];
		}
		if (segments.length === 2) {
			if (method === 'GET')
				return [200, { contact: state.view(ownContact(state, a, locationId, entry)) }];
			if (method === 'PUT') {
				const input = requireObject(body);
				const c = ownContact(state, a, locationId, entry);
				// Observed: UpdateContactDto has no locationId and the API rejects it.
				if ('locationId' in input) throw unprocessable(['property locationId should not exist']);
				if ('tags' in input) requireTags(input);
				state.updateContact(c, input);
				return [200, { succeded: true, contact: state.view(c) }];
			}
			if (method === 'DELETE') {
				state.deleteContact(ownContact(state, a, locationId, entry));
				return [200, { succeded: true }];
			}
		}
		if (segments.length === 3 && b === 'tags') {
			if (method === 'POST') {
				const tags = requireTags(body);
				const c = ownContact(state, a, locationId, entry);
				state.addTags(c, tags);
				c.dateUpdated = new Date().toISOString();
				return [201, { tags: [...c.tags] }];
			}
			if (method === 'DELETE') {
				const tags = requireTags(body);
				const c = ownContact(state, a, locationId, entry);
				state.removeTags(c, tags);
				c.dateUpdated = new Date().toISOString();
				return [200, { tags: [...c.tags] }];
			}
		}
	}
	throw routeNotFound(method, `/${segments.join('/')}`);
}

// ------------------------------------------------------------------------------------------------
// HTTP

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

function bearerToken(header) {
	if (typeof header !== 'string') return '';
	const m = /^Bearer\s+(.+)$/i.exec(header);
	return m ? m[1].trim() : '';
}

function parseQuery(qs) {
	const query = {};
	if (qs === '') return query;
	for (const [k, v] of new URLSearchParams(qs)) query[k] = v;
	return query;
}

function rateHeaders(state, token, now) {
	const { limitPer10s, windowMs, dailyLimit } = state.limits;
	const w = token ? state.hits.get(token) : undefined;
	if (w) w.prune(now - windowMs);
	const loc = token ? state.tokenLocations.get(token) : undefined;
	const used = (loc && state.daily.counts.get(loc)) || 0;
	return {
		'X-RateLimit-Limit-Daily': String(dailyLimit),
		'X-RateLimit-Daily-Remaining': String(Math.max(0, dailyLimit - used)),
		'X-RateLimit-Interval-Milliseconds': String(windowMs),
		'X-RateLimit-Max': String(limitPer10s),
		'X-RateLimit-Remaining': String(Math.max(0, limitPer10s - (w ? w.size : 0))),
	};
}

function tooMany(state, retryAfterSeconds) {
	const headers = state.limits.retryAfter
		? { 'Retry-After': String(Math.max(1, retryAfterSeconds)) }
		: undefined;
	return new HighLevelError(429, { statusCode: 429, message: MSG.tooManyRequests }, headers);
}

async function handleApi(state, req, res, rawUrl) {
	const qi = rawUrl.indexOf('?');
	const path = qi === -1 ? rawUrl : rawUrl.slice(0, qi);
	const query = qi === -1 ? {} : parseQuery(rawUrl.slice(qi + 1));
	const logged = { ...query };
	for (const k of SECRET_QUERY) if (k in logged) logged[k] = '[redacted]';
	const token = bearerToken(req.headers.authorization);
	const version = req.headers.version;
	const started = Date.now();
	const entry = {
		seq: ++state.seq,
		method: req.method,
		path,
		query: logged,
		body: undefined,
		version: typeof version === 'string' ? version.slice(0, 40) : undefined,
		tokenFingerprint: token ? state.fingerprintOf(token) : null,
		status: 0,
		time: started,
		durationMs: 0,
	};
	state.record(entry);
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
	if (f.latencyMs > 0) await sleep(f.latencyMs);
	await state.holds.pass(entry);
	const reply = (status, payload, extra) => {
		const now = Date.now();
		entry.status = status;
		entry.durationMs = now - started;
		const headers = rateHeaders(state, token, now);
		if (extra) Object.assign(headers, extra);
		send(res, status, payload, headers);
	};
	const fail = (err) => {
		if (err.status >= 500) state.counters.errors5xx += 1;
		if (err.status === 403) state.counters.forbidden += 1;
		return reply(err.status, err.body, err.headers);
	};

	// ASSUMED order: the Version header is checked before the token.
	if (entry.version === undefined || entry.version === '') {
		state.counters.versionRejected += 1;
		return fail(unauthorized(MSG.versionMissing));
	}
	if (!state.versions.has(entry.version)) {
		state.counters.versionRejected += 1;
		return fail(unauthorized(MSG.versionInvalid));
	}
	const locationId = token ? state.tokenLocations.get(token) : undefined;
	if (!locationId || state.revokedTokens.has(token)) {
		state.counters.unauthorized += 1;
		return fail(unauthorized(MSG.invalidToken));
	}
	entry.locationId = locationId;

	const now = Date.now();
	if (f.force429 > 0) {
		f.force429 -= 1;
		entry.forced = true;
		entry.rateLimit = 'burst';
		state.counters.rateLimited += 1;
		return fail(tooMany(state, Math.ceil(state.limits.windowMs / 1000)));
	}
	state.rollDay(now);
	const used = state.daily.counts.get(locationId) || 0;
	if (used >= state.limits.dailyLimit) {
		entry.rateLimit = 'daily';
		state.counters.dailyLimited += 1;
		const nextMidnight = Date.parse(`${state.daily.day}T00:00:00Z`) + 86400000;
		return fail(tooMany(state, Math.ceil((nextMidnight - now) / 1000)));
	}
	const w = state.window(token);
	w.prune(now - state.limits.windowMs);
	if (w.size >= state.limits.limitPer10s) {
		entry.rateLimit = 'burst';
		state.counters.rateLimited += 1;
		return fail(tooMany(state, Math.ceil((w.oldest() + state.limits.windowMs - now) / 1000)));
	}
	w.push(now);
	state.daily.counts.set(locationId, used + 1);

	if (f.force5xx > 0) {
		f.force5xx -= 1;
		entry.forced = true;
		return fail(serverError(f.status5xx));
	}
	if (f.errorRate5xx > 0 && state.rng() < f.errorRate5xx) {
		entry.forced = true;
		return fail(serverError(state.rng() < 0.5 ? 502 : 503));
	}
	state.counters.accepted += 1;
	try {
		if (badJson) throw badRequest('Unexpected token in JSON body', { error: 'Bad Request' });
		const segments = path
			.split('/')
			.filter((s) => s !== '')
			.map((s) => decodeURIComponent(s));
		const [status, payload] = route(state, req.method, segments, query, body, locationId, entry);
		return reply(status, payload);
	} catch (err) {
		if (err instanceof HighLevelError) return fail(err);
		return fail(
			new HighLevelError(500, {
				statusCode: 500,
				message: `Emulator error: ${err && err.message}`,
			}),
		);
	}
}

function filterLog(state, filter) {
	if (!filter) return state.log.slice();
	if (typeof filter === 'function') return state.log.filter(filter);
	const pairs = Object.entries(filter);
	return state.log.filter((e) => pairs.every(([k, v]) => e[k] === v));
}

function seedContact(state, input) {
	const c = { ...(input || {}) };
	const locationId = c.locationId || state.locationId;
	if (!state.locations.has(locationId))
		state.locations.set(locationId, { id: locationId, name: `Location ${locationId}` });
	return state.view(state.createContact(c, locationId));
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
				return send(res, 200, state.snapshot({ includeLog: params.get('log') !== '0' }));
			case 'GET /__emulator/requests': {
				const filter = {};
				for (const [k, v] of params) filter[k] = k === 'status' || k === 'seq' ? Number(v) : v;
				const entries = filterLog(state, Object.keys(filter).length ? filter : undefined);
				return send(res, 200, { total: state.counters.requests, entries });
			}
			case 'POST /__emulator/faults':
				return send(res, 200, state.setFaults(body));
			case 'POST /__emulator/reset':
				state.reset();
				return send(res, 200, { ok: true });
			case 'GET /__emulator/contacts':
				return send(res, 200, {
					contacts: [...state.contactsById.values()].map((c) => state.view(c)),
				});
			case 'POST /__emulator/contacts': {
				const list = Array.isArray(body.contacts) ? body.contacts : [body];
				return send(res, 200, { contacts: list.map((c) => seedContact(state, c)) });
			}
			default:
				return send(res, 404, { statusCode: 404, message: 'Unknown emulator control endpoint' });
		}
	} catch (err) {
		return send(res, 500, {
			statusCode: 500,
			message: `Emulator control failed: ${err && err.message}`,
		});
	}
}

async function startHighLevelEmulator(opts) {
	const o = opts || {};
	const state = new HighLevelState(o);
	const server = http.createServer((req, res) => {
		const rawUrl = req.url || '/';
		const handler = rawUrl.startsWith('/__emulator/') ? handleControl : handleApi;
		handler(state, req, res, rawUrl).catch((err) => {
			if (!res.headersSent)
				send(res, 500, { statusCode: 500, message: `Emulator crashed: ${err && err.message}` });
		});
	});
	server.keepAliveTimeout = 5000;
	const host = o.host || '127.0.0.1';
	const port = await listen(server, o.port, host);
	return {
		url: `http://${host}:${port}`,
		port,
		host,
		locationId: state.locationId,
		defaultToken: [...state.tokenLocations.keys()][0],
		state,
		seedContact: (contact) => seedContact(state, contact),
		tagsOf: (id) => {
			const c = state.contactsById.get(id);
			return c ? [...c.tags] : undefined;
		},
		contact: (id) => {
			const c = state.contactsById.get(id);
			return c ? state.view(c) : undefined;
		},
		contacts: () => [...state.contactsById.values()].map((c) => state.view(c)),
		requests: (filter) => filterLog(state, filter),
		hold: (filter) => state.holds.add(filter),
		setFaults: (patch) => state.setFaults(patch),
		reset: () => state.reset(),
		close: () => closeServer(server),
	};
}

module.exports = {
	startHighLevelEmulator,
	fingerprint,
	DEFAULT_TOKEN,
	DEFAULT_LOCATION_ID,
	API_VERSION,
	PUBLISHED_VERSIONS,
	DEFAULT_LIMIT_PER_10S,
	DEFAULT_WINDOW_MS,
	DEFAULT_DAILY_LIMIT,
	MESSAGES: MSG,
};
