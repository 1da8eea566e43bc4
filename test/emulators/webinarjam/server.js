'use strict';
// In-memory emulator of the WebinarJam and EverWebinar API (https://api.webinarjam.com/webinarjam and
// https://api.webinarjam.com/everwebinar): POST /webinars, /webinar, /registrants and /register, the
// api_key-in-the-body auth, Laravel-style pagination of /registrants, and the 20 calls per second per
// user limit. Plain CommonJS so jest (via server.d.ts) and a bare `node cli.js` can both load it.
//
// What the public documentation says (documentation.webinarjam.com / support.webinarjam.com
// "Developer API" articles), and is emulated as stated:
// - Every call is a POST, body `application/x-www-form-urlencoded` (all examples use
//   `curl --data "api_key=...&webinar_id=..."`), `api_key` in the body. Base URLs /webinarjam and
//   /everwebinar; same endpoints and payloads under both.
// - "hardcoded limit of 20 API calls per second per user"; exceeding it returns 429.
// - /webinar response fields (webinar_id, webinar_hash, name, title, description, type, schedules
//   [{date, schedule, comment}], timezone, presenters [{name, email, picture}], registration_*,
//   direct_*_room_url). EverWebinar has no `type` and takes an optional `timezone` ("GMT-5").
// - /registrants request: webinar_id*, schedule_id, attended_live 0-4, attended_replay 0-4,
//   purchased 0-2, page (min 1), attended_live_timestamp / attended_replay_timestamp (seconds),
//   date_range 0-8 (0 all time, 1 today, 2 yesterday, 3 this week, 4 last week, 5 last 7 days,
//   6 this month, 7 last month, 8 last 30 days), search. Response field names of a registrant:
//   first_name, last_name, phone_country_code, phone, email, ip, webinar, schedule, signup_date,
//   attended_live, date_live, entered_live, time_live, purchased_live, revenue_live, attended_replay,
//   date_replay, time_replay, purchased_replay, revenue_replay, subscribed, gdpr_*, twilio_consented_at,
//   utm_*, live_room, replay_room, unsubscribe. last_name / phone fields only when the webinar asks
//   for them. The unsubscribe article says its `lead_id` comes from this listing.
// - /register request: webinar_id*, first_name*, last_name, email*, schedule*, ip_address,
//   phone_country_code ("+..."), phone (digits only); response `user` {webinar_id, webinar_hash,
//   user_id, first_name, last_name, phone_country_code, phone, email, password, schedule, date,
//   timezone, live_room_url, replay_room_url, thank_you_url}.
//
// What is NOT documented and is the emulator's choice (each is marked ASSUMED where it is coded):
// - The /registrants envelope: the docs' example is a screenshot. Clients written against the live
//   API read a Laravel paginator, `registrants: {current_page, data, first_page_url, from, last_page,
//   last_page_url, next_page_url, path, per_page, prev_page_url, to, total}`, and registrant `id` and
//   `lead_id`; that is what is served. The page size is not documented: default 100 (`perPage`).
// - Value formats. The doc's type column is unreliable ("webinar: integer, Name of the webinar");
//   clients of the live API compare attended_live to "Yes"/"No" and parse time_live as "HH:MM:SS".
//   Served: "Yes"/"No" for attended_* / purchased_*, "HH:MM:SS" durations, revenue strings ("0",
//   "97.00"), dates "YYYY-MM-DD HH:MM:SS" in the webinar's time zone without offset, "" for the
//   date/time fields of someone who did not attend, subscribed/gdpr_* as 1/0 integers, absent utm_*
//   as null. Schedule dates in /webinar are "YYYY-MM-DD HH:MM" (as in published example outputs); the
//   /webinars list gives `schedules` as an array of description strings (also as published).
// - Error bodies and statuses: not documented. Served: `{"status":"error","message":...}` with
//   401 (missing / unknown / revoked api_key), 404 (unknown webinar or endpoint), 405 (not POST),
//   422 with Laravel-style `errors: {field: [message]}` (validation), 429 (rate limit, message
//   "Too Many Attempts."), 5xx (forced faults, message "Server Error").
// - Retry-After on 429 is not documented, so none is sent by default (as the live API is assumed to
//   answer); `retryAfter: <seconds>` (start option or setFaults) adds one, for clients that must
//   handle both.
// - JSON / multipart bodies are not documented, so their fields are ignored (the request then looks
//   like one without api_key: 401). The log entry says `bodyIgnored: true`. Query-string parameters
//   are merged under the body's (third-party clients of the live API send api_key in the query);
//   the log records `apiKeySource` so a test can insist on the body.
// - Unknown parameters are ignored, as PHP/Laravel does; the log lists them in `ignoredParams`
//   (for example `schedule` or `purchased_live` sent to /registrants).
// - date_range filters on the registrant's session date (the docs point to date_range to pin a
//   session within a series); weeks start on Monday; "last 7 / 30 days" are calendar days including
//   today; all in the webinar's time zone, against the injectable clock `now`.
// - attended_*=3/4 compare the moment the registrant left (entered_live + time_live; time_replay for
//   replays), in seconds from the start, against the *_timestamp: 3 left before, 4 left after.
// - Registering the same email to the same webinar and schedule again returns the existing
//   registration. `user_id` is the registrant `id`; `lead_id` is a separate number, one per email
//   and product. A series is not auto-expanded to its later sessions.
// - Webinars belong to one product each; ids (webinar, schedule, registrant, lead) are unique across
//   the whole emulator. A webinar of the other product answers 404.
//
// Secrets: api keys are never logged or exposed by the control endpoints, only a 12-hex SHA-256
// fingerprint. Memory: registrants live in typed-array columns; the strings of generated registrants
// are derived from (batch seed, index) when a page is rendered, so 100,000 of them cost a few MB.
const http = require('node:http');
const { listen, closeServer } = require('../serverLifecycle');
const crypto = require('node:crypto');
const { performance } = require('node:perf_hooks');

const DEFAULT_API_KEY = 'wj-emulator-key-' + '0123456789abcdef'.repeat(3); // string(64), as documented
const PRODUCTS = ['webinarjam', 'everwebinar'];
const ENDPOINTS = ['webinars', 'webinar', 'registrants', 'register'];
const DEFAULT_LIMIT_PER_SECOND = 20;
const DEFAULT_PER_PAGE = 100; // ASSUMED: not documented
const ROOM_HOST = 'https://event.webinarjam.com';
const KNOWN_PARAMS = {
	webinars: ['api_key'],
	webinar: ['api_key', 'webinar_id'],
	registrants: [
		'api_key',
		'webinar_id',
		'schedule_id',
		'attended_live',
		'attended_replay',
		'purchased',
		'page',
		'attended_live_timestamp',
		'attended_replay_timestamp',
		'date_range',
		'search',
	],
	register: [
		'api_key',
		'webinar_id',
		'first_name',
		'last_name',
		'email',
		'schedule',
		'ip_address',
		'phone_country_code',
		'phone',
		'country',
		'state',
		'timezone_id',
		'twilio_consent',
	],
};
// EverWebinar's /webinar and /register also take a GMT-offset `timezone`; its /register a `date`.
const EVERWEBINAR_EXTRA = { webinar: ['timezone'], register: ['timezone', 'date'] };

// ------------------------------------------------------------------------------------------------
// Small helpers

class ApiError extends Error {
	constructor(status, message, extra) {
		super(message);
		this.status = status;
		this.extra = extra;
	}
}

const validationError = (field, message) =>
	new ApiError(422, message, { errors: { [field]: [message] } });

const fingerprint = (key) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pad2 = (n) => String(n).padStart(2, '0');

function mulberry32(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function mix32(a, b) {
	let h = (a ^ Math.imul((b + 0x9e3779b9) | 0, 0x85ebca6b)) >>> 0;
	h ^= h >>> 16;
	h = Math.imul(h, 0x7feb352d);
	h ^= h >>> 15;
	h = Math.imul(h, 0x846ca68b);
	h ^= h >>> 16;
	return h >>> 0;
}

function hms(sec) {
	const s = Math.max(0, Math.round(sec));
	return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
}

/** "HH:MM:SS", "H:MM:SS" or "MM:SS" -> seconds; undefined when it is not a duration. */
function parseHms(value) {
	const m = /^\s*(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})\s*$/.exec(String(value));
	if (!m) return undefined;
	return Number(m[1] || 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

function money(cents) {
	return cents === 0 ? '0' : (cents / 100).toFixed(2);
}

/** "97.00", "97", 97 -> cents; undefined when it is not an amount. */
function parseMoney(value) {
	if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 100);
	const m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(String(value));
	if (!m) return undefined;
	return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}

function yesNo(value) {
	if (value === true || value === 1) return 1;
	if (value === false || value === 0 || value === undefined || value === null) return 0;
	const s = String(value).trim().toLowerCase();
	return s === 'yes' || s === '1' || s === 'true' ? 1 : 0;
}

// ------------------------------------------------------------------------------------------------
// Time zones without dependencies: wall-clock parts via Intl, offsets cached per 15-minute bucket.

const dtfCache = new Map();
const offsetCache = new Map();

function dtf(tz) {
	let f = dtfCache.get(tz);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone: tz,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
		});
		dtfCache.set(tz, f);
	}
	return f;
}

function assertTimeZone(tz) {
	try {
		dtf(tz);
	} catch {
		throw new Error(`Unknown time zone: ${tz}`);
	}
}

/** Offset (ms) of `tz` at instant `ms`: local wall clock minus UTC. Fixed offsets: "GMT+2", "GMT-4:30". */
function offsetAt(ms, tz) {
	const fixed = /^GMT([+-])(\d{1,2})(?::(\d{2}))?$/.exec(tz);
	if (fixed)
		return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] || 0)) * 60000;
	const bucket = Math.floor(ms / 900000);
	const key = `${tz}|${bucket}`;
	let off = offsetCache.get(key);
	if (off === undefined) {
		const at = bucket * 900000;
		const p = {};
		for (const part of dtf(tz).formatToParts(new Date(at))) p[part.type] = Number(part.value);
		off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
		offsetCache.set(key, off);
	}
	return off;
}

/** Wall-clock parts of instant `ms` in `tz` (month 1-12, dow 0 = Sunday). */
function localParts(ms, tz) {
	const d = new Date(ms + offsetAt(ms, tz));
	return {
		y: d.getUTCFullYear(),
		m: d.getUTCMonth() + 1,
		d: d.getUTCDate(),
		h: d.getUTCHours(),
		mi: d.getUTCMinutes(),
		s: d.getUTCSeconds(),
		dow: d.getUTCDay(),
	};
}

/** Instant of a wall-clock time in `tz` (day overflow allowed: d = 0 is the last day of m - 1). */
function localToEpoch(y, m, d, h, mi, s, tz) {
	const guess = Date.UTC(y, m - 1, d, h, mi, s);
	let t = guess - offsetAt(guess, tz);
	const second = offsetAt(t, tz);
	if (guess - second !== t) t = guess - second;
	return t;
}

function formatLocal(ms, tz, seconds) {
	const p = localParts(ms, tz);
	const date = `${p.y}-${pad2(p.m)}-${pad2(p.d)} ${pad2(p.h)}:${pad2(p.mi)}`;
	return seconds ? `${date}:${pad2(p.s)}` : date;
}

/** "YYYY-MM-DD HH:MM[:SS]" in `tz`, or an ISO string with Z / offset, or a Date -> epoch ms. */
function parseLocal(value, tz) {
	if (value instanceof Date) return value.getTime();
	if (typeof value === 'number') return value;
	const s = String(value).trim();
	const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
	if (m) return localToEpoch(+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] || 0), tz);
	const t = Date.parse(s);
	if (Number.isNaN(t)) throw new Error(`Unparseable date: ${value}`);
	return t;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The schedule description WebinarJam shows for a one-off session: "Tuesday, 10 Mar 2026, 1:00 PM". */
function describeSession(ms, tz) {
	const p = localParts(ms, tz);
	const h12 = ((p.h + 11) % 12) + 1;
	return `${WEEKDAYS[p.dow]}, ${p.d} ${MONTHS[p.m - 1]} ${p.y}, ${h12}:${pad2(p.mi)} ${p.h < 12 ? 'AM' : 'PM'}`;
}

/** [start, end) of a documented date_range code in `tz`, relative to `nowMs`; null for 0 (all time). */
function dateRangeBounds(code, nowMs, tz) {
	if (code === 0) return null;
	const t = localParts(nowMs, tz);
	const day = (offset) => localToEpoch(t.y, t.m, t.d + offset, 0, 0, 0, tz);
	const sinceMonday = (t.dow + 6) % 7; // ASSUMED: weeks start on Monday
	switch (code) {
		case 1:
			return [day(0), day(1)];
		case 2:
			return [day(-1), day(0)];
		case 3:
			return [day(-sinceMonday), day(7 - sinceMonday)];
		case 4:
			return [day(-sinceMonday - 7), day(-sinceMonday)];
		case 5:
			return [day(-6), day(1)];
		case 6:
			return [localToEpoch(t.y, t.m, 1, 0, 0, 0, tz), localToEpoch(t.y, t.m + 1, 1, 0, 0, 0, tz)];
		case 7:
			return [localToEpoch(t.y, t.m - 1, 1, 0, 0, 0, tz), localToEpoch(t.y, t.m, 1, 0, 0, 0, tz)];
		case 8:
			return [day(-29), day(1)];
		default:
			return null;
	}
}

// ------------------------------------------------------------------------------------------------
// Registrant storage: one row per registration, typed-array columns grown by doubling.

const NUMERIC_COLUMNS = {
	id: Int32Array,
	lead: Int32Array,
	webinar: Int32Array, // webinar_id
	schedule: Int32Array,
	signup: Float64Array, // epoch ms
	event: Float64Array, // session start, epoch ms
	attendedLive: Uint8Array,
	enteredLive: Int32Array, // seconds after the start
	timeLive: Int32Array, // seconds in the room
	purchasedLive: Uint8Array,
	revenueLive: Int32Array, // cents
	attendedReplay: Uint8Array,
	dateReplay: Float64Array,
	timeReplay: Int32Array,
	purchasedReplay: Uint8Array,
	revenueReplay: Int32Array,
	subscribed: Uint8Array,
	batch: Int16Array, // generator batch, -1 for seeded / registered rows
	genIndex: Int32Array,
};

class RegistrantStore {
	constructor() {
		this.n = 0;
		this.cap = 0;
		this.cols = {};
		for (const [name, Type] of Object.entries(NUMERIC_COLUMNS)) this.cols[name] = new Type(0);
		/** Seeded / registered rows' strings, and raw overrides of rendered fields, by row. */
		this.strings = new Map();
	}

	ensure(extra) {
		const need = this.n + extra;
		if (need <= this.cap) return;
		let cap = Math.max(1024, this.cap);
		while (cap < need) cap *= 2;
		for (const [name, Type] of Object.entries(NUMERIC_COLUMNS)) {
			const next = new Type(cap);
			next.set(this.cols[name].subarray(0, this.n));
			this.cols[name] = next;
		}
		this.cap = cap;
	}

	/** Appends one row with defaults and returns its index. */
	append() {
		this.ensure(1);
		const r = this.n++;
		const c = this.cols;
		c.enteredLive[r] = -1;
		c.timeLive[r] = -1;
		c.timeReplay[r] = -1;
		c.dateReplay[r] = NaN;
		c.subscribed[r] = 1;
		c.batch[r] = -1;
		return r;
	}

	bytes() {
		let total = 0;
		for (const col of Object.values(this.cols)) total += col.byteLength;
		return total;
	}
}

/** Growable list of row indices (one per webinar). */
class RowList {
	constructor() {
		this.a = new Int32Array(16);
		this.n = 0;
	}
	push(r) {
		if (this.n === this.a.length) {
			const next = new Int32Array(this.a.length * 2);
			next.set(this.a);
			this.a = next;
		}
		this.a[this.n++] = r;
	}
}

const FIRST_NAMES = [
	'Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Radia', 'Linus',
	'Frances', 'John', 'Katherine', 'Dennis', 'Hedy', 'Tim', 'Sophie', 'Niklaus', 'Annie', 'Bjarne',
	'Shafi', 'Guido', 'Joan', 'Leslie', 'Mary', 'Tony', 'Evelyn', 'Robin', 'Karen', 'Vint',
	'José', 'Zoë', 'Chloé', 'Mateo', 'Aiko', 'Ravi', 'Ngozi', 'Lars', 'Ines', 'Omar',
]; // prettier-ignore
const LAST_NAMES = [
	'Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Perlman',
	'Torvalds', 'Allen', 'McCarthy', 'Johnson', 'Ritchie', 'Lamarr', 'Berners-Lee', 'Wilson', 'Wirth',
	'Easley', 'Stroustrup', 'Goldwasser', 'van Rossum', 'Clarke', 'Lamport', 'Keller', 'Hoare',
	"O'Neil", 'Milner', 'Spärck Jones', 'Cerf', 'García', 'Müller', 'Nakamura', 'Okafor', 'Ólafsson',
]; // prettier-ignore
const UTM_SETS = [
	['linkedin', 'paid_social', 'spring_launch', null, 'carousel_a'],
	['newsletter', 'email', 'spring_launch', null, null],
	['google', 'cpc', 'brand', 'webinar software', 'ad_2'],
];

const emailLocalCache = new Map();

/** "José", "Spärck Jones" -> "jose.sparckjones" (cached: there are only names x names pairs). */
function emailLocal(first, last) {
	const key = `${first}|${last}`;
	let local = emailLocalCache.get(key);
	if (local === undefined) {
		local = `${first}.${last}`
			.normalize('NFD')
			.replace(/[\u0300-\u036f]/g, '')
			.replace(/[^A-Za-z.]/g, '')
			.toLowerCase();
		emailLocalCache.set(key, local);
	}
	return local;
}

/** Name and email of generated row `i` of `batch` (messy on purpose, deterministically). */
function generatedIdentity(batch, i) {
	const h = mix32(batch.seed, i);
	const first = FIRST_NAMES[h % FIRST_NAMES.length];
	const last = LAST_NAMES[(h >>> 8) % LAST_NAMES.length];
	const local = emailLocal(first, last);
	// `.<index>.<batch tag>` keeps every generated email unique, also across batches.
	let email = `${local}.${i}.${batch.tag}@example.com`;
	if (i % 13 === 5)
		email = `${local[0].toUpperCase()}${local.slice(1)}.${i}.${batch.tag}@Example.COM`;
	if (i % 29 === 7) email = `  ${email} `;
	const firstName = i % 31 === 3 ? `${first.toLowerCase()} ` : first;
	return { h, first_name: firstName, last_name: last, email };
}

/** All derived strings of generated row `i` of `batch`. */
function generatedStrings(batch, i) {
	const { h, first_name: firstName, last_name: last, email } = generatedIdentity(batch, i);
	let phoneCountryCode = '+1';
	let phone = `555${String(h % 10000000).padStart(7, '0')}`;
	if (i % 7 === 0) {
		phoneCountryCode = '';
		phone = '';
	} else if (i % 11 === 0) {
		phoneCountryCode = '+44';
		phone = `7700${String(h % 1000000).padStart(6, '0')}`;
	}
	const utm = i % 4 === 0 ? null : UTM_SETS[(h >>> 4) % UTM_SETS.length];
	return {
		first_name: firstName,
		last_name: last,
		email,
		phone_country_code: phoneCountryCode,
		phone,
		ip: `10.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255}`,
		utm_source: utm ? utm[0] : null,
		utm_medium: utm ? utm[1] : null,
		utm_campaign: utm ? utm[2] : null,
		utm_term: utm ? utm[3] : null,
		utm_content: utm ? utm[4] : null,
	};
}

const STRING_FIELDS = [
	'first_name',
	'last_name',
	'email',
	'phone_country_code',
	'phone',
	'ip',
	'utm_source',
	'utm_medium',
	'utm_campaign',
	'utm_term',
	'utm_content',
];

// ------------------------------------------------------------------------------------------------
// State

class WebinarJamState {
	constructor(o) {
		this.apiKeys = new Set(o.apiKeys && o.apiKeys.length ? o.apiKeys : [DEFAULT_API_KEY]);
		this.initialLimits = {
			limitPerSecond: o.limitPerSecond ?? DEFAULT_LIMIT_PER_SECOND,
			perPage: o.perPage ?? DEFAULT_PER_PAGE,
			// Seconds of the Retry-After header on 429s; 0: none (WebinarJam documents none).
			retryAfter: Number(o.retryAfter ?? 0),
		};
		this.rngSeed = o.seed ?? 1;
		this.now = typeof o.now === 'function' ? o.now : () => new Date();
		this.initialData = o.data === undefined ? defaultData() : o.data;
		this.baseUrl = 'http://127.0.0.1';
		this.reset();
	}

	reset() {
		this.store = new RegistrantStore();
		this.version = 0; // bumped by every data change; keys the filter cache
		this.matchCache = new Map();
		this.webinars = new Map(); // webinar_id -> webinar
		this.batches = [];
		this.leads = new Map(); // product|email -> lead_id
		this.nextWebinarId = 1;
		this.nextScheduleId = 1001;
		this.nextLeadId = 700001;
		this.log = [];
		this.hits = new Map(); // api key -> accepted call times (ms)
		this.revokedKeys = new Set();
		this.limits = { ...this.initialLimits };
		this.faults = { force429: 0, force5xx: 0, status5xx: 503, errorRate5xx: 0, latencyMs: 0 };
		this.rng = mulberry32(this.rngSeed);
		this.counters = { requests: 0, accepted: 0, unauthorized: 0, rateLimited: 0, errors5xx: 0 };
		if (this.initialData) this.seed(this.initialData);
	}

	nowMs() {
		const d = this.now();
		return d instanceof Date ? d.getTime() : Number(d);
	}

	setFaults(patch) {
		const p = patch || {};
		for (const k of ['force429', 'force5xx', 'status5xx', 'errorRate5xx', 'latencyMs'])
			if (p[k] !== undefined) this.faults[k] = Number(p[k]);
		if (p.limitPerSecond !== undefined) this.limits.limitPerSecond = Number(p.limitPerSecond);
		if (p.perPage !== undefined) this.limits.perPage = Math.max(1, Number(p.perPage));
		if (p.retryAfter !== undefined) this.limits.retryAfter = Math.max(0, Number(p.retryAfter) || 0);
		if (p.revokeKey) this.revokedKeys.add(String(p.revokeKey));
		if (p.restoreKey) this.revokedKeys.delete(String(p.restoreKey));
		return { faults: { ...this.faults }, limits: { ...this.limits } };
	}

	// --- data ---------------------------------------------------------------------------------

	addWebinar(input) {
		const w = input || {};
		const product = w.product || 'webinarjam';
		if (!PRODUCTS.includes(product)) throw new Error(`Unknown product: ${product}`);
		const timezone = w.timezone || 'America/New_York';
		assertTimeZone(timezone);
		const id = w.webinar_id !== undefined ? Number(w.webinar_id) : this.nextWebinarId;
		if (!Number.isInteger(id) || id <= 0) throw new Error(`Bad webinar_id: ${w.webinar_id}`);
		if (this.webinars.has(id)) throw new Error(`Duplicate webinar_id: ${id}`);
		this.nextWebinarId = Math.max(this.nextWebinarId, id + 1);
		const schedules = (w.schedules || []).map((s) => {
			const schedule = s.schedule !== undefined ? Number(s.schedule) : this.nextScheduleId++;
			this.nextScheduleId = Math.max(this.nextScheduleId, schedule + 1);
			const ts = parseLocal(s.date, timezone);
			return {
				schedule,
				ts,
				date: formatLocal(ts, timezone, false),
				comment: s.comment ?? describeSession(ts, timezone),
			};
		});
		const hash =
			w.webinar_hash || crypto.createHash('sha1').update(`wj${id}`).digest('hex').slice(0, 10);
		const name = w.name || `Webinar ${id}`;
		const webinar = {
			webinar_id: id,
			webinar_hash: hash,
			product,
			name,
			title: w.title ?? name,
			description: w.description ?? '',
			type: w.type ?? (schedules.length > 1 ? 'Series of presentations' : 'Single presentation'),
			timezone,
			schedules,
			presenters: w.presenters ?? [
				{ name: 'Emulated Presenter', email: 'presenter@example.com', picture: '' },
			],
			registration_type: w.registration_type ?? 'free',
			registration_fee: w.registration_fee ?? 0,
			askLastName: w.fields?.last_name ?? true,
			askPhone: w.fields?.phone ?? true,
			rows: new RowList(),
		};
		this.webinars.set(id, webinar);
		this.version++;
		return webinar;
	}

	webinar(id) {
		const w = this.webinars.get(Number(id));
		if (!w) throw new Error(`Unknown webinar_id: ${id}`);
		return w;
	}

	leadFor(product, email) {
		const key = `${product}|${String(email).trim().toLowerCase()}`;
		let lead = this.leads.get(key);
		if (lead === undefined) {
			lead = this.nextLeadId++;
			this.leads.set(key, lead);
		}
		return lead;
	}

	/** Adds one seeded registrant (API field names; values may be loose) and returns its row. */
	addRegistrant(input) {
		this.version++;
		const x = input || {};
		const w = this.webinar(x.webinar_id);
		const scheduleId = x.schedule !== undefined ? Number(x.schedule) : w.schedules[0]?.schedule;
		const sched = w.schedules.find((s) => s.schedule === scheduleId);
		if (!sched && x.event === undefined)
			throw new Error(`Webinar ${w.webinar_id} has no schedule ${x.schedule}`);
		if (!x.email) throw new Error('A registrant needs an email');
		const s = this.store;
		const r = s.append();
		const c = s.cols;
		c.id[r] = r + 1;
		c.lead[r] = this.leadFor(w.product, x.email);
		c.webinar[r] = w.webinar_id;
		c.schedule[r] = scheduleId ?? 0;
		c.event[r] = x.event !== undefined ? parseLocal(x.event, w.timezone) : sched.ts;
		c.signup[r] =
			x.signup_date !== undefined
				? parseLocal(x.signup_date, w.timezone)
				: c.event[r] - 3 * 86400000;
		const strings = {};
		for (const k of STRING_FIELDS) strings[k] = x[k] ?? (k.startsWith('utm_') ? null : '');
		if (!x.ip) strings.ip = `192.0.2.${(r % 250) + 1}`;
		s.strings.set(r, strings);
		w.rows.push(r);
		const patch = { ...x };
		delete patch.webinar_id;
		delete patch.schedule;
		delete patch.event;
		delete patch.signup_date;
		for (const k of STRING_FIELDS) delete patch[k];
		this.patchRow(r, patch);
		return r;
	}

	/** Applies API-named attendance fields (and raw string fields) to row r. */
	patchRow(r, patch) {
		this.version++;
		const s = this.store;
		const c = s.cols;
		const w = this.webinar(c.webinar[r]);
		let strings = s.strings.get(r);
		const setString = (k, v) => {
			if (!strings) {
				strings = {};
				s.strings.set(r, strings);
			}
			strings[k] = v;
		};
		// A value that does not fit its column is kept raw and served as given; a later clean value
		// drops it again.
		const duration = (k, v) => {
			const sec = parseHms(v);
			if (sec === undefined && v !== '' && v !== null) setString(k, String(v));
			else if (strings) delete strings[k];
			return sec;
		};
		const amount = (k, v) => {
			const cents = parseMoney(v);
			if (cents === undefined) setString(k, String(v));
			else if (strings) delete strings[k];
			return cents ?? 0;
		};
		for (const [k, v] of Object.entries(patch)) {
			switch (k) {
				case 'attended_live':
					c.attendedLive[r] = yesNo(v);
					if (c.attendedLive[r]) {
						if (c.enteredLive[r] < 0) c.enteredLive[r] = 0;
						if (c.timeLive[r] < 0) c.timeLive[r] = 0;
					} else {
						c.enteredLive[r] = -1;
						c.timeLive[r] = -1;
					}
					break;
				case 'entered_live':
					c.enteredLive[r] = duration(k, v) ?? -1;
					break;
				case 'time_live':
					c.timeLive[r] = duration(k, v) ?? -1;
					break;
				case 'purchased_live':
					c.purchasedLive[r] = yesNo(v);
					break;
				case 'revenue_live':
					c.revenueLive[r] = amount(k, v);
					break;
				case 'attended_replay':
					c.attendedReplay[r] = yesNo(v);
					if (c.attendedReplay[r]) {
						if (Number.isNaN(c.dateReplay[r])) c.dateReplay[r] = c.event[r] + 86400000;
						if (c.timeReplay[r] < 0) c.timeReplay[r] = 0;
					} else {
						c.dateReplay[r] = NaN;
						c.timeReplay[r] = -1;
					}
					break;
				case 'date_replay':
					c.dateReplay[r] = v === '' || v === null ? NaN : parseLocal(v, w.timezone);
					break;
				case 'time_replay':
					c.timeReplay[r] = duration(k, v) ?? -1;
					break;
				case 'purchased_replay':
					c.purchasedReplay[r] = yesNo(v);
					break;
				case 'revenue_replay':
					c.revenueReplay[r] = amount(k, v);
					break;
				case 'subscribed':
					c.subscribed[r] = yesNo(v);
					break;
				case 'signup_date':
					c.signup[r] = parseLocal(v, w.timezone);
					break;
				case 'event':
					c.event[r] = parseLocal(v, w.timezone);
					break;
				case 'schedule':
					c.schedule[r] = Number(v);
					break;
				case 'id':
				case 'lead_id':
				case 'webinar_id':
				case 'webinar':
					throw new Error(`${k} cannot be changed`);
				default:
					// Names, email, phone, ip, utm_*: for generated rows these override the derived values.
					setString(k, v);
			}
		}
		// The live-room fields only mean something for someone who attended.
		if (!c.attendedLive[r]) {
			c.enteredLive[r] = -1;
			c.timeLive[r] = -1;
		}
	}

	seed(data) {
		const d = data || {};
		const webinars = (d.webinars || []).map((w) => this.addWebinar(w));
		const rows = (d.registrants || []).map((x) => this.addRegistrant(x));
		return {
			webinars: webinars.map((w) => this.webinarDetails(w)),
			registrants: rows.map((r) => this.render(r)),
		};
	}

	/** Deterministic bulk registrants for benchmarks; strings are derived, not stored. */
	generate(opts) {
		const o = opts || {};
		const w =
			o.webinarId !== undefined ? this.webinar(o.webinarId) : [...this.webinars.values()][0];
		if (!w) throw new Error('generate() needs a webinar (seed one first)');
		const sched =
			o.scheduleId !== undefined
				? w.schedules.find((s) => s.schedule === Number(o.scheduleId))
				: w.schedules[0];
		if (!sched) throw new Error(`Webinar ${w.webinar_id} has no schedule ${o.scheduleId ?? ''}`);
		const count = Math.max(0, Math.floor(o.count ?? 1000));
		const share = o.attendedShare ?? 0.4;
		const seed = (o.seed ?? 42) >>> 0;
		const b = this.batches.length;
		if (b >= 32767) throw new Error('Too many generate() batches');
		const batch = { seed, tag: `g${b + 1}` };
		this.batches.push(batch);
		const rng = mulberry32(seed);
		this.version++;
		const s = this.store;
		s.ensure(count);
		const c = s.cols;
		const firstId = s.n + 1;
		for (let i = 0; i < count; i++) {
			const r = s.append();
			c.id[r] = r + 1;
			c.lead[r] = this.nextLeadId++;
			c.webinar[r] = w.webinar_id;
			c.schedule[r] = sched.schedule;
			c.event[r] = sched.ts;
			c.signup[r] = sched.ts - Math.floor(rng() * 30 * 86400) * 1000 - 3600000;
			c.batch[r] = b;
			c.genIndex[r] = i;
			c.subscribed[r] = rng() < 0.97 ? 1 : 0;
			if (rng() < share) {
				c.attendedLive[r] = 1;
				c.enteredLive[r] = Math.floor(rng() * 600);
				c.timeLive[r] = 60 + Math.floor(rng() * 5340);
				if (i % 97 === 0) c.timeLive[r] = 3723; // "01:02:03"
				if (i % 89 === 0) c.timeLive[r] = 0; // opened the room and left
				if (rng() < 0.08) {
					c.purchasedLive[r] = 1;
					c.revenueLive[r] = rng() < 0.25 ? 49700 : 9700;
				}
			} else if (rng() < 0.2) {
				c.attendedReplay[r] = 1;
				c.dateReplay[r] = sched.ts + (1 + Math.floor(rng() * 3)) * 86400000;
				c.timeReplay[r] = Math.floor(rng() * 3600);
				if (rng() < 0.05) {
					c.purchasedReplay[r] = 1;
					c.revenueReplay[r] = 9700;
				}
			}
			w.rows.push(r);
		}
		return { webinar_id: w.webinar_id, schedule: sched.schedule, count, firstId, lastId: s.n };
	}

	stringsOf(r) {
		const own = this.store.strings.get(r);
		const b = this.store.cols.batch[r];
		if (b < 0) return own || {};
		const derived = generatedStrings(this.batches[b], this.store.cols.genIndex[r]);
		return own ? { ...derived, ...own } : derived;
	}

	/** first_name, last_name and email only (cheaper than stringsOf for a search over many rows). */
	identityOf(r) {
		const b = this.store.cols.batch[r];
		const own = this.store.strings.get(r);
		if (b < 0) return own || {};
		const derived = generatedIdentity(this.batches[b], this.store.cols.genIndex[r]);
		return own ? { ...derived, ...own } : derived;
	}

	rowOfId(id) {
		const r = Number(id) - 1;
		if (!Number.isInteger(r) || r < 0 || r >= this.store.n)
			throw new Error(`Unknown registrant id: ${id}`);
		return r;
	}

	updateRegistrant(id, patch) {
		const r = this.rowOfId(id);
		this.patchRow(r, patch || {});
		return this.render(r);
	}

	// --- rendering ----------------------------------------------------------------------------

	/** A registrant exactly as /registrants serves it. */
	render(r) {
		const c = this.store.cols;
		const w = this.webinar(c.webinar[r]);
		const tz = w.timezone;
		const str = this.stringsOf(r);
		const attended = c.attendedLive[r] === 1;
		const replay = c.attendedReplay[r] === 1;
		const token = mix32(c.id[r], w.webinar_id).toString(36);
		const out = {
			id: c.id[r],
			lead_id: c.lead[r],
			first_name: str.first_name ?? '',
		};
		if (w.askLastName) out.last_name = str.last_name ?? '';
		if (w.askPhone) {
			out.phone_country_code = str.phone_country_code ?? '';
			out.phone = str.phone ?? '';
		}
		Object.assign(out, {
			email: str.email ?? '',
			ip: str.ip ?? '',
			webinar: w.name,
			schedule: c.schedule[r],
			signup_date: formatLocal(c.signup[r], tz, true),
			attended_live: attended ? 'Yes' : 'No',
			date_live: attended ? formatLocal(c.event[r] + c.enteredLive[r] * 1000, tz, true) : '',
			entered_live: attended ? hms(c.enteredLive[r]) : '',
			time_live: attended ? hms(c.timeLive[r]) : '',
			purchased_live: c.purchasedLive[r] ? 'Yes' : 'No',
			revenue_live: money(c.revenueLive[r]),
			attended_replay: replay ? 'Yes' : 'No',
			date_replay: replay ? formatLocal(c.dateReplay[r], tz, true) : '',
			time_replay: replay ? hms(c.timeReplay[r]) : '',
			purchased_replay: c.purchasedReplay[r] ? 'Yes' : 'No',
			revenue_replay: money(c.revenueReplay[r]),
			subscribed: c.subscribed[r],
			gdpr_status: 0,
			gdpr_communications: 0,
			gdpr_status_date: null,
			gdpr_status_ip: null,
			twilio_consented_at: null,
			utm_source: str.utm_source ?? null,
			utm_medium: str.utm_medium ?? null,
			utm_campaign: str.utm_campaign ?? null,
			utm_term: str.utm_term ?? null,
			utm_content: str.utm_content ?? null,
			live_room: `${ROOM_HOST}/go/live/${w.webinar_id}/${token}`,
			replay_room: `${ROOM_HOST}/go/replay/${w.webinar_id}/${token}`,
			unsubscribe: `${ROOM_HOST}/unsubscribe/${w.webinar_id}/${token}`,
		});
		// Raw values seeded or patched that are not in a column's format win as given.
		for (const k of Object.keys(str)) if (!STRING_FIELDS.includes(k) && k in out) out[k] = str[k];
		return out;
	}

	webinarDetails(w, gmtOffset) {
		const tz = gmtOffset || w.timezone;
		const out = {
			webinar_id: w.webinar_id,
			webinar_hash: w.webinar_hash,
			name: w.name,
			title: w.title,
			description: w.description,
		};
		if (w.product === 'webinarjam') out.type = w.type;
		Object.assign(out, {
			schedules: w.schedules.map((s) => ({
				date: gmtOffset ? formatLocal(s.ts, tz, false) : s.date,
				schedule: s.schedule,
				comment: s.comment,
			})),
			timezone: tz,
			presenters: w.presenters,
			registration_url: `${ROOM_HOST}/register/${w.webinar_id}/${w.webinar_hash}`,
			registration_type: w.registration_type,
			registration_fee: w.registration_fee,
			direct_live_room_url: `${ROOM_HOST}/go/live/${w.webinar_id}/${w.webinar_hash}`,
			direct_replay_room_url: `${ROOM_HOST}/go/replay/${w.webinar_id}/${w.webinar_hash}`,
		});
		return out;
	}

	webinarSummary(w) {
		const out = {
			webinar_id: w.webinar_id,
			webinar_hash: w.webinar_hash,
			name: w.name,
			title: w.title,
			description: w.description,
		};
		if (w.product === 'webinarjam') out.type = w.type;
		out.schedules = w.schedules.map((s) => s.comment);
		out.timezone = w.timezone;
		return out;
	}

	// --- queries ------------------------------------------------------------------------------

	/** Row indices of webinar `w` that match the /registrants filters (cached per data version). */
	matchRows(w, f) {
		const key = `${this.version}|${w.webinar_id}|${JSON.stringify(f)}`;
		let hit = this.matchCache.get(key);
		if (!hit) {
			hit = this.scanRows(w, f);
			if (this.matchCache.size >= 16) this.matchCache.delete(this.matchCache.keys().next().value);
			this.matchCache.set(key, hit);
		}
		return hit;
	}

	scanRows(w, f) {
		const c = this.store.cols;
		const rows = w.rows;
		const plain =
			f.schedule === undefined &&
			!f.attendedLive &&
			!f.attendedReplay &&
			!f.purchased &&
			!f.range &&
			!f.search;
		if (plain) return { list: rows.a, total: rows.n, direct: true };
		const out = [];
		for (let k = 0; k < rows.n; k++) {
			const r = rows.a[k];
			if (f.schedule !== undefined && c.schedule[r] !== f.schedule) continue;
			if (f.attendedLive) {
				const yes = c.attendedLive[r] === 1;
				if (f.attendedLive === 1 && !yes) continue;
				if (f.attendedLive === 2 && yes) continue;
				if (f.attendedLive >= 3) {
					if (!yes) continue;
					const left = c.enteredLive[r] + c.timeLive[r];
					if (f.attendedLive === 3 ? !(left < f.liveTs) : !(left > f.liveTs)) continue;
				}
			}
			if (f.attendedReplay) {
				const yes = c.attendedReplay[r] === 1;
				if (f.attendedReplay === 1 && !yes) continue;
				if (f.attendedReplay === 2 && yes) continue;
				if (f.attendedReplay >= 3) {
					if (!yes) continue;
					const left = c.timeReplay[r];
					if (f.attendedReplay === 3 ? !(left < f.replayTs) : !(left > f.replayTs)) continue;
				}
			}
			if (f.purchased) {
				const bought = c.purchasedLive[r] === 1 || c.purchasedReplay[r] === 1;
				if (f.purchased === 1 ? !bought : bought) continue;
			}
			if (f.range && !(c.event[r] >= f.range[0] && c.event[r] < f.range[1])) continue;
			if (f.search) {
				const s = this.identityOf(r);
				const first = String(s.first_name ?? '').trim();
				const last = String(s.last_name ?? '').trim();
				const hay = `${first}\n${last}\n${first} ${last}\n${String(s.email ?? '').trim()}`;
				if (!hay.toLowerCase().includes(f.search)) continue;
			}
			out.push(r);
		}
		return { list: out, total: out.length, direct: false };
	}

	/** Registrants as served, for tests (all of them, or one webinar's). */
	registrants(filter) {
		const f = filter || {};
		const out = [];
		const webinars =
			f.webinar_id !== undefined ? [this.webinar(f.webinar_id)] : [...this.webinars.values()];
		for (const w of webinars)
			for (let k = 0; k < w.rows.n; k++) {
				const r = w.rows.a[k];
				if (f.schedule !== undefined && this.store.cols.schedule[r] !== Number(f.schedule))
					continue;
				out.push(this.render(r));
			}
		return out;
	}

	snapshot(opts) {
		const o = opts || {};
		const webinars = [...this.webinars.values()].map((w) => ({
			product: w.product,
			...this.webinarDetails(w),
			registrantCount: w.rows.n,
		}));
		const sample = [];
		for (let r = 0; r < Math.min(5, this.store.n); r++) sample.push(this.render(r));
		const out = {
			webinars,
			registrants: {
				total: this.store.n,
				sample,
				columnBytes: this.store.bytes(),
				generatedBatches: this.batches.length,
			},
			faults: { ...this.faults },
			limits: { ...this.limits },
			counters: { ...this.counters },
			apiKeys: [...this.apiKeys].map(fingerprint),
			revokedKeys: [...this.revokedKeys].map(fingerprint),
			now: new Date(this.nowMs()).toISOString(),
		};
		if (o.full) out.registrants.all = this.registrants();
		if (o.includeLog) out.log = this.log;
		return out;
	}
}

function defaultData() {
	return {
		webinars: [
			{
				webinar_id: 1,
				name: 'Marketing Ops Live: Attribution 101',
				title: 'Attribution 101, live',
				description: 'Which channel really brought your pipeline?',
				timezone: 'America/New_York',
				schedules: [{ schedule: 1001, date: '2026-03-10 13:00' }],
			},
			{
				webinar_id: 2,
				name: 'Weekly Product Demo',
				description: 'A live demo every Thursday',
				timezone: 'Europe/London',
				schedules: [
					{ schedule: 1002, date: '2026-03-05 16:00', comment: 'Every Thursday, 4:00 PM' },
					{ schedule: 1002, date: '2026-03-12 16:00', comment: 'Every Thursday, 4:00 PM' },
				],
			},
			{
				webinar_id: 3,
				product: 'everwebinar',
				name: 'Evergreen Onboarding',
				description: 'Automated onboarding session',
				timezone: 'America/Los_Angeles',
				schedules: [
					{ schedule: 1003, date: '2026-03-11 10:00', comment: 'Every day, 10:00 AM' },
					{ schedule: 1004, date: '2026-03-11 10:05', comment: 'Just in time' },
				],
			},
		],
		registrants: [
			{
				webinar_id: 1,
				first_name: 'Ada',
				last_name: 'Lovelace',
				email: 'ada@example.com',
				phone_country_code: '+1',
				phone: '4155552671',
				signup_date: '2026-03-01 09:15:00',
				attended_live: 'Yes',
				entered_live: '00:02:10',
				time_live: '00:55:00',
				purchased_live: 'Yes',
				revenue_live: '97.00',
				utm_source: 'linkedin',
				utm_medium: 'paid_social',
				utm_campaign: 'spring_launch',
			},
			{
				webinar_id: 1,
				first_name: 'Grace',
				last_name: 'Hopper',
				email: '  Grace.Hopper@Example.COM ',
				signup_date: '2026-03-02 18:40:00',
				attended_live: 'No',
				attended_replay: 'Yes',
				date_replay: '2026-03-11 20:00:00',
				time_replay: '00:21:30',
			},
			{
				webinar_id: 1,
				first_name: 'alan ',
				last_name: 'Turing',
				email: 'alan.turing@example.com',
				phone_country_code: '+44',
				phone: '7700900123',
				signup_date: '2026-03-09 23:59:00',
				attended_live: 'Yes',
				entered_live: '00:00:00',
				time_live: '01:02:03',
			},
			{
				webinar_id: 1,
				first_name: 'Edsger',
				last_name: 'Dijkstra',
				email: 'edsger@example.com',
				signup_date: '2026-03-10 12:58:00',
				attended_live: 'No',
			},
			{
				webinar_id: 2,
				schedule: 1002,
				event: '2026-03-05 16:00',
				first_name: 'Barbara',
				last_name: 'Liskov',
				email: 'barbara@example.com',
				attended_live: 'Yes',
				entered_live: '00:05:00',
				time_live: '00:00:00',
			},
			{
				webinar_id: 3,
				schedule: 1003,
				first_name: 'Katherine',
				last_name: 'Johnson',
				email: 'katherine@example.com',
				attended_live: 'Yes',
				entered_live: '00:00:30',
				time_live: '00:40:00',
				purchased_live: 'Yes',
				revenue_live: '497.00',
			},
		],
	};
}

// ------------------------------------------------------------------------------------------------
// API handlers

function intParam(params, name, { min = 0, max = Infinity, required = false } = {}) {
	const raw = params[name];
	if (raw === undefined || raw === '') {
		if (required) throw validationError(name, `The ${name.replace(/_/g, ' ')} field is required.`);
		return undefined;
	}
	if (!/^\s*-?\d+\s*$/.test(raw))
		throw validationError(name, `The ${name.replace(/_/g, ' ')} must be an integer.`);
	const n = Number(raw);
	if (n < min || n > max)
		throw validationError(
			name,
			max === Infinity
				? `The ${name.replace(/_/g, ' ')} must be at least ${min}.`
				: `The ${name.replace(/_/g, ' ')} must be between ${min} and ${max}.`,
		);
	return n;
}

function findWebinar(state, product, params) {
	const id = intParam(params, 'webinar_id', { min: 1, required: true });
	const w = state.webinars.get(id);
	if (!w || w.product !== product) throw new ApiError(404, 'Webinar not found'); // ASSUMED shape
	return w;
}

function listRegistrants(state, product, params, entry) {
	const w = findWebinar(state, product, params);
	const f = {
		schedule: intParam(params, 'schedule_id', { min: 0 }),
		attendedLive: intParam(params, 'attended_live', { min: 0, max: 4 }),
		attendedReplay: intParam(params, 'attended_replay', { min: 0, max: 4 }),
		purchased: intParam(params, 'purchased', { min: 0, max: 2 }),
		liveTs: intParam(params, 'attended_live_timestamp', { min: 0 }),
		replayTs: intParam(params, 'attended_replay_timestamp', { min: 0 }),
	};
	if (f.attendedLive >= 3 && f.liveTs === undefined)
		throw validationError(
			'attended_live_timestamp',
			`The attended live timestamp field is required when attended live is ${f.attendedLive}.`,
		);
	if (f.attendedReplay >= 3 && f.replayTs === undefined)
		throw validationError(
			'attended_replay_timestamp',
			`The attended replay timestamp field is required when attended replay is ${f.attendedReplay}.`,
		);
	const range = intParam(params, 'date_range', { min: 0, max: 8 });
	if (range) f.range = dateRangeBounds(range, state.nowMs(), w.timezone);
	const search = (params.search || '').trim().toLowerCase();
	if (search) f.search = search;
	const page = intParam(params, 'page', { min: 1 }) ?? 1;
	const perPage = state.limits.perPage;
	const { list, total } = state.matchRows(w, f);
	const start = (page - 1) * perPage;
	const end = Math.min(total, start + perPage);
	const data = [];
	for (let k = start; k < end; k++) data.push(state.render(list[k]));
	const lastPage = Math.max(1, Math.ceil(total / perPage));
	const path = `${state.baseUrl}/${product}/registrants`;
	entry.page = page;
	entry.resultCount = data.length;
	entry.total = total;
	return [
		200,
		{
			status: 'success',
			registrants: {
				current_page: page,
				data,
				first_page_url: `${path}?page=1`,
				from: data.length ? start + 1 : null,
				last_page: lastPage,
				last_page_url: `${path}?page=${lastPage}`,
				next_page_url: page < lastPage ? `${path}?page=${page + 1}` : null,
				path,
				per_page: perPage,
				prev_page_url: page > 1 ? `${path}?page=${page - 1}` : null,
				to: data.length ? start + data.length : null,
				total,
			},
		},
	];
}

function register(state, product, params, entry) {
	const w = findWebinar(state, product, params);
	for (const field of ['first_name', 'email'])
		if (!String(params[field] || '').trim())
			throw validationError(field, `The ${field.replace(/_/g, ' ')} field is required.`);
	const email = String(params.email).trim();
	if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
		throw validationError('email', 'The email must be a valid email address.');
	const scheduleId = intParam(params, 'schedule', { min: 0, required: true });
	const sessions = w.schedules.filter((s) => s.schedule === scheduleId);
	if (!sessions.length) throw validationError('schedule', 'The selected schedule is invalid.');
	let session = sessions[0];
	if (product === 'everwebinar' && params.date) {
		session = sessions.find((s) => s.date === String(params.date).trim());
		if (!session) throw validationError('date', 'The selected date is invalid.');
	}
	if (params.phone && !/^\d+$/.test(params.phone))
		throw validationError('phone', 'The phone must be a number.');
	if (params.phone_country_code && !/^\+\d{1,4}$/.test(params.phone_country_code))
		throw validationError('phone_country_code', 'The phone country code format is invalid.');
	const c = state.store.cols;
	const wanted = email.toLowerCase();
	let row = -1;
	for (let k = 0; k < w.rows.n && row < 0; k++) {
		const r = w.rows.a[k];
		if (c.schedule[r] !== scheduleId || c.event[r] !== session.ts) continue;
		if (
			String(state.identityOf(r).email || '')
				.trim()
				.toLowerCase() === wanted
		)
			row = r;
	}
	entry.created = row < 0;
	if (row < 0)
		row = state.addRegistrant({
			webinar_id: w.webinar_id,
			schedule: scheduleId,
			event: session.ts,
			signup_date: state.nowMs(),
			first_name: params.first_name,
			last_name: params.last_name || '',
			email,
			phone_country_code: params.phone_country_code || '',
			phone: params.phone || '',
			ip: params.ip_address || '',
		});
	const reg = state.render(row);
	entry.userId = reg.id;
	const token = reg.live_room.split('/').pop();
	const user = {
		webinar_id: w.webinar_id,
		webinar_hash: w.webinar_hash,
		user_id: reg.id,
		first_name: reg.first_name,
	};
	if (w.askLastName) user.last_name = reg.last_name;
	if (w.askPhone) {
		user.phone_country_code = reg.phone_country_code;
		user.phone = reg.phone;
	}
	Object.assign(user, {
		email: reg.email,
		password: null,
		schedule: String(scheduleId),
		date: session.date,
		timezone: product === 'everwebinar' && params.timezone ? params.timezone : w.timezone,
		live_room_url: reg.live_room,
		replay_room_url: reg.replay_room,
		thank_you_url: `${ROOM_HOST}/registration/thank-you/${w.webinar_id}/${token}`,
	});
	return [200, { status: 'success', user }];
}

function route(state, product, endpoint, params, entry) {
	switch (endpoint) {
		case 'webinars':
			return [
				200,
				{
					status: 'success',
					webinars: [...state.webinars.values()]
						.filter((w) => w.product === product)
						.map((w) => state.webinarSummary(w)),
				},
			];
		case 'webinar': {
			const w = findWebinar(state, product, params);
			let offset;
			if (product === 'everwebinar' && params.timezone) {
				offset = String(params.timezone).trim().toUpperCase();
				if (!/^GMT[+-]\d{1,2}(?::\d{2})?$/.test(offset))
					throw validationError('timezone', 'The timezone format is invalid.');
			}
			return [200, { status: 'success', webinar: state.webinarDetails(w, offset) }];
		}
		case 'registrants':
			return listRegistrants(state, product, params, entry);
		case 'register':
			return register(state, product, params, entry);
		default:
			throw new ApiError(404, 'Not Found');
	}
}

// ------------------------------------------------------------------------------------------------
// HTTP

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function send(res, status, payload, headers) {
	const text = JSON.stringify(payload);
	res.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(text),
		...headers,
	});
	res.end(text);
}

async function handleApi(state, req, res, url) {
	const started = performance.now();
	const raw = await readBody(req);
	const segments = url.pathname.split('/').filter(Boolean);
	const [product, endpoint] = segments;
	const contentType = String(req.headers['content-type'] || '')
		.split(';')[0]
		.trim()
		.toLowerCase();
	const query = Object.fromEntries(url.searchParams);
	const form = contentType === 'application/x-www-form-urlencoded';
	const body = form ? Object.fromEntries(new URLSearchParams(raw)) : {};
	const params = { ...query, ...body };
	const apiKey = body.api_key ?? query.api_key;
	const logged = { ...params };
	delete logged.api_key;
	const entry = {
		seq: state.log.length + 1,
		method: req.method,
		path: url.pathname,
		product: PRODUCTS.includes(product) ? product : null,
		endpoint: ENDPOINTS.includes(endpoint) && segments.length === 2 ? endpoint : null,
		params: logged,
		apiKeyFingerprint: apiKey ? fingerprint(apiKey) : null,
		apiKeySource:
			body.api_key !== undefined ? 'body' : query.api_key !== undefined ? 'query' : null,
		contentType: contentType || null,
		status: 0,
		time: Date.now(),
	};
	if (raw !== '' && !form) entry.bodyIgnored = true;
	if (entry.endpoint) {
		const known = KNOWN_PARAMS[entry.endpoint].concat(
			(product === 'everwebinar' && EVERWEBINAR_EXTRA[entry.endpoint]) || [],
		);
		const ignored = Object.keys(params).filter((k) => !known.includes(k));
		if (ignored.length) entry.ignoredParams = ignored;
	}
	state.log.push(entry);
	state.counters.requests += 1;
	const f = state.faults;
	if (f.latencyMs > 0) await sleep(f.latencyMs);
	const reply = (status, payload, headers) => {
		entry.status = status;
		entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
		send(res, status, payload, headers);
	};
	const fail = (err, headers) => {
		entry.error = err.message;
		if (err.status >= 500) state.counters.errors5xx += 1;
		return reply(err.status, { status: 'error', message: err.message, ...err.extra }, headers);
	};

	if (!entry.product || !entry.endpoint) return fail(new ApiError(404, 'Not Found'));
	if (req.method !== 'POST')
		return fail(new ApiError(405, 'Method Not Allowed'), { allow: 'POST' });
	// ASSUMED: 401 + {"status":"error","message"} (the docs do not show an auth failure).
	if (!apiKey) {
		state.counters.unauthorized += 1;
		return fail(new ApiError(401, 'Missing API key'));
	}
	if (!state.apiKeys.has(apiKey) || state.revokedKeys.has(apiKey)) {
		state.counters.unauthorized += 1;
		return fail(new ApiError(401, 'Invalid API key'));
	}
	// Documented: 20 calls per second per user, 429 beyond. Rolling 1-second window of accepted calls.
	// The docs name no Retry-After: sent only when switched on.
	const tooMany = (forced) => {
		state.counters.rateLimited += 1;
		if (forced) entry.forced = true;
		const seconds = state.limits.retryAfter;
		return fail(
			new ApiError(429, 'Too Many Attempts.'),
			seconds > 0 ? { 'retry-after': String(seconds) } : undefined,
		);
	};
	if (f.force429 > 0) {
		f.force429 -= 1;
		return tooMany(true);
	}
	const now = Date.now();
	let hits = state.hits.get(apiKey);
	if (!hits) state.hits.set(apiKey, (hits = []));
	while (hits.length && hits[0] <= now - 1000) hits.shift();
	if (hits.length >= state.limits.limitPerSecond) return tooMany(false);
	hits.push(now);
	if (f.force5xx > 0) {
		f.force5xx -= 1;
		entry.forced = true;
		return fail(new ApiError(f.status5xx, 'Server Error'));
	}
	if (f.errorRate5xx > 0 && state.rng() < f.errorRate5xx) {
		entry.forced = true;
		return fail(new ApiError(503, 'Service Unavailable'));
	}
	state.counters.accepted += 1;
	try {
		const [status, payload] = route(state, product, endpoint, params, entry);
		return reply(status, payload);
	} catch (err) {
		if (err instanceof ApiError) return fail(err);
		return fail(new ApiError(500, `Emulator error: ${err && err.message}`));
	}
}

function filterLog(state, filter) {
	if (!filter) return state.log;
	return state.log.filter((e) => Object.entries(filter).every(([k, v]) => e[k] === v));
}

async function handleControl(state, req, res, url) {
	const raw = await readBody(req);
	try {
		const body = raw ? JSON.parse(raw) : {};
		const key = `${req.method} ${url.pathname}`;
		const q = url.searchParams;
		if (key === 'GET /__emulator/state')
			return send(
				res,
				200,
				state.snapshot({ full: q.get('full') === '1', includeLog: q.get('log') !== '0' }),
			);
		if (key === 'GET /__emulator/requests') {
			const filter = {};
			for (const [k, v] of q) filter[k] = k === 'status' || k === 'seq' ? Number(v) : v;
			return send(res, 200, {
				entries: filterLog(state, Object.keys(filter).length ? filter : undefined),
			});
		}
		if (key === 'POST /__emulator/faults') return send(res, 200, state.setFaults(body));
		if (key === 'POST /__emulator/reset') {
			state.reset();
			return send(res, 200, { ok: true });
		}
		if (key === 'POST /__emulator/seed') return send(res, 200, state.seed(body));
		if (key === 'POST /__emulator/generate') return send(res, 200, state.generate(body));
		const m = /^POST \/__emulator\/registrants\/(\d+)$/.exec(key);
		if (m) return send(res, 200, { registrant: state.updateRegistrant(Number(m[1]), body) });
		return send(res, 404, { status: 'error', message: 'Unknown emulator control endpoint' });
	} catch (err) {
		return send(res, 400, {
			status: 'error',
			message: `Emulator control failed: ${err && err.message}`,
		});
	}
}

async function startWebinarJamEmulator(opts) {
	const o = opts || {};
	const state = new WebinarJamState(o);
	const server = http.createServer((req, res) => {
		const url = new URL(req.url || '/', 'http://emulator.local');
		const handler = url.pathname.startsWith('/__emulator/') ? handleControl : handleApi;
		handler(state, req, res, url).catch((err) =>
			send(res, 500, { status: 'error', message: `Emulator crashed: ${err && err.message}` }),
		);
	});
	server.keepAliveTimeout = 1000;
	const host = o.host || '127.0.0.1';
	const port = await listen(server, o.port, host);
	const url = `http://${host}:${port}`;
	state.baseUrl = url;
	return {
		url,
		port,
		webinarJamUrl: `${url}/webinarjam`,
		everWebinarUrl: `${url}/everwebinar`,
		defaultKey: [...state.apiKeys][0],
		state,
		reset: () => state.reset(),
		setFaults: (patch) => state.setFaults(patch),
		requests: (filter) => filterLog(state, filter),
		seed: (data) => state.seed(data),
		generate: (options) => state.generate(options),
		registrants: (filter) => state.registrants(filter),
		registrantCount: () => state.store.n,
		updateRegistrant: (id, patch) => state.updateRegistrant(id, patch),
		snapshot: (options) => state.snapshot(options),
		close: async () => {
			await closeServer(server);
		},
	};
}

module.exports = {
	startWebinarJamEmulator,
	DEFAULT_API_KEY,
	DEFAULT_LIMIT_PER_SECOND,
	DEFAULT_PER_PAGE,
	PRODUCTS,
	fingerprint,
};
