"use strict";
// In-memory emulator of the parts of HubSpot's public API (CRM v3 objects / properties / lists,
// v4 associations) this package uses, plus the legacy v1 contact create-or-update / profile, v1 deals
// paging and account-info calls that n8n's built-in HubSpot node makes. Plain CommonJS so that jest (via server.d.ts) and a bare
// `node cli.js` in another process can both load it.
const http = require("node:http");
const { listen, closeServer } = require("../serverLifecycle");
const https = require("node:https");
const crypto = require("node:crypto");

const DEFAULT_TOKEN = "pat-emulator-token";
const DEFAULT_LIMIT_PER_10S = 190;
const DEFAULT_WINDOW_MS = 10000;
const DEFAULT_DAILY_LIMIT = 250000;
const BATCH_LIMIT = 100;
const HISTORY_BATCH_LIMIT = 50;
const ASSOCIATION_BATCH_LIMIT = 2000;
const PORTAL_ID = 99999999;
const INVALID_MODES = ["batch400", "perInput207"];
// What a GDPR delete by email answers for an address no contact has (see gdprDelete).
const GDPR_MISSING_MODES = ["blocklist", "404"];
// CRM search: HubSpot's documented default properties per object, limits per request.
const SEARCH_DEFAULT_PROPERTIES = {
  contacts: ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"],
  companies: ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
  deals: ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"],
};
const SEARCH_MAX_LIMIT = 200;
const SEARCH_MAX_GROUPS = 5;
const SEARCH_MAX_FILTERS_PER_GROUP = 6;
const SEARCH_MAX_FILTERS = 18;
const SEARCH_MAX_RESULTS = 10000;
// Query parameters that could carry a credential; never written to the log.
const SECRET_QUERY = ["hapikey", "access_token", "token"];

const OBJECT_TYPES = {
  contacts: "0-1",
  companies: "0-2",
  deals: "0-3",
  tickets: "0-5",
  notes: "0-46",
  products: "0-7",
  line_items: "0-8",
  quotes: "0-14",
  tasks: "0-27",
  meetings: "0-47",
  calls: "0-48",
  emails: "0-49",
};
const TYPE_ALIASES = {
  contact: "contacts",
  company: "companies",
  deal: "deals",
  ticket: "tickets",
  note: "notes",
};
for (const [name, typeId] of Object.entries(OBJECT_TYPES))
  TYPE_ALIASES[typeId] = name;
// HUBSPOT_DEFINED association type ids -> target object type (used to infer `to` for inline associations).
const ASSOCIATION_TARGETS = {
  1: "companies",
  2: "contacts",
  3: "deals",
  4: "contacts",
  5: "deals",
  6: "companies",
  190: "companies",
  202: "contacts",
  214: "deals",
  279: "companies",
  280: "contacts",
};
// HubSpot's default (unlabelled) association type per from|to pair, for v4 batch/associate/default.
const DEFAULT_ASSOCIATION_TYPES = {
  "contacts|companies": 279,
  "companies|contacts": 280,
  "deals|contacts": 3,
  "contacts|deals": 4,
  "deals|companies": 341,
  "companies|deals": 342,
  "contacts|tickets": 15,
  "tickets|contacts": 16,
  "tickets|companies": 339,
  "companies|tickets": 340,
  "deals|tickets": 27,
  "tickets|deals": 28,
  "contacts|notes": 201,
  "notes|contacts": 202,
  "companies|notes": 189,
  "notes|companies": 190,
  "deals|notes": 213,
  "notes|deals": 214,
  "tickets|notes": 227,
  "notes|tickets": 228,
};
// Properties every record carries; not writable.
const SYSTEM_PROPERTIES = ["hs_object_id", "createdate", "lastmodifieddate"];
// Set by the emulator on every write; kept in history, never the subject of a propertyChange webhook.
const MANAGED_PROPERTIES = [...SYSTEM_PROPERTIES, "hs_lastmodifieddate"];

// ---- change sources, webhooks ----

// sourceType of writes made through the API with a private-app token (HubSpot's value) and of edits in the UI.
const SOURCE_API = "INTEGRATION";
const SOURCE_UI = "CRM_UI";
// The app whose token writes through the API (history sourceId of API writes) and, by default, the app
// whose webhook subscriptions receive events: with both the same, an app can recognise its own echo.
const DEFAULT_APP_ID = 1160452;
// Object types that have webhook subscription types (contact.creation, company.propertyChange, ...).
const WEBHOOK_SINGULAR = {
  contacts: "contact",
  companies: "company",
  deals: "deal",
  tickets: "ticket",
  products: "product",
  line_items: "line_item",
};
const WEBHOOK_EVENT_KINDS = ["creation", "deletion", "propertyChange", "merge"];
const DEFAULT_RETRY_DELAYS_MS = [50, 100, 200];
const SIGNATURE_VERSIONS = ["v1", "v2", "v3"];
const WEBHOOK_USER_AGENT = "HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-emulator)";
// Object types whose catalogue is authoritative: unknown properties are rejected.
const STRICT_TYPES = ["contacts"];
const LIFECYCLE_STAGES = [
  "subscriber",
  "lead",
  "marketingqualifiedlead",
  "salesqualifiedlead",
  "opportunity",
  "customer",
  "evangelist",
  "other",
];

function prop(name, label, type, fieldType, groupName, extra) {
  // HubSpot marks read-only properties in modificationMetadata (readOnly is the emulator's own flag).
  const readOnly = Boolean(extra && extra.readOnly);
  return {
    name,
    label,
    type,
    fieldType,
    groupName,
    description: "",
    options: [],
    hubspotDefined: true,
    modificationMetadata: {
      archivable: !readOnly,
      readOnlyDefinition: true,
      readOnlyValue: readOnly,
    },
    ...extra,
  };
}

function defaultCatalogue() {
  const c = (n, l) => prop(n, l, "string", "text", "contactinformation");
  const a = (n, l) => prop(n, l, "string", "text", "analyticsinformation");
  const ev = "event_attendance";
  return {
    contacts: [
      prop(
        "hs_object_id",
        "Record ID",
        "number",
        "number",
        "contactinformation",
        { readOnly: true },
      ),
      prop(
        "createdate",
        "Create Date",
        "datetime",
        "date",
        "contactinformation",
        { readOnly: true },
      ),
      prop(
        "lastmodifieddate",
        "Last Modified Date",
        "datetime",
        "date",
        "contactinformation",
        { readOnly: true },
      ),
      prop("email", "Email", "string", "text", "contactinformation", {
        format: "email",
      }),
      c("firstname", "First Name"),
      c("lastname", "Last Name"),
      c("company", "Company Name"),
      c("jobtitle", "Job Title"),
      prop(
        "phone",
        "Phone Number",
        "string",
        "phonenumber",
        "contactinformation",
      ),
      prop(
        "lifecyclestage",
        "Lifecycle Stage",
        "enumeration",
        "radio",
        "contactinformation",
        {
          options: LIFECYCLE_STAGES.map((s, i) => ({
            label: s,
            value: s,
            displayOrder: i,
          })),
        },
      ),
      a("hs_analytics_source", "Original Source"),
      a("recent_event_name", "Recent Event Name"),
      prop(
        "recent_event_date",
        "Recent Event Date",
        "datetime",
        "date",
        "analyticsinformation",
      ),
      a("utm_source", "UTM Source"),
      a("utm_medium", "UTM Medium"),
      a("utm_campaign", "UTM Campaign"),
      prop(
        "contact_recent_event_name",
        "Recent Event Name",
        "string",
        "text",
        ev,
      ),
      prop(
        "contact_recent_event_date",
        "Recent Event Date",
        "date",
        "date",
        ev,
      ),
      prop(
        "contact_total_events_attended",
        "Total Events Attended",
        "number",
        "number",
        ev,
      ),
      prop("contact_first_event_date", "First Event Date", "date", "date", ev),
      prop(
        "contact_lifecycle_event_source",
        "Lifecycle Event Source",
        "string",
        "text",
        ev,
      ),
    ],
    companies: [
      prop("name", "Company Name", "string", "text", "companyinformation"),
      prop(
        "domain",
        "Company Domain Name",
        "string",
        "text",
        "companyinformation",
      ),
    ],
    deals: [
      prop("dealname", "Deal Name", "string", "text", "dealinformation"),
      prop("amount", "Amount", "number", "number", "dealinformation"),
    ],
    notes: [
      prop("hs_timestamp", "Activity date", "datetime", "date", "engagement"),
      prop("hs_note_body", "Note body", "string", "html", "engagement"),
    ],
  };
}

function defaultGroups() {
  const g = (name, label, displayOrder) => ({
    name,
    label,
    displayOrder,
    archived: false,
  });
  return {
    contacts: [
      g("contactinformation", "Contact information", 0),
      g("analyticsinformation", "Analytics information", 1),
      g("event_attendance", "Event attendance", 2),
    ],
    companies: [g("companyinformation", "Company information", 0)],
    deals: [g("dealinformation", "Deal information", 0)],
    notes: [g("engagement", "Engagement", 0)],
  };
}

class HubSpotError extends Error {
  constructor(status, message, category, extra, headers) {
    super(message);
    this.status = status;
    this.category = category;
    this.extra = extra || {};
    this.headers = headers;
  }

  body() {
    return {
      status: "error",
      message: this.message,
      correlationId: crypto.randomUUID(),
      category: this.category,
      ...this.extra,
    };
  }
}

const validation = (message, extra) =>
  new HubSpotError(400, message, "VALIDATION_ERROR", extra);
const fingerprint = (token) =>
  crypto.createHash("sha256").update(token).digest("hex").slice(0, 12);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const isBlank = (v) => v === undefined || v === null || v === "";
const asText = (v) => (v === undefined || v === null ? "" : String(v));

/** Epoch ms from a number or an ISO date string. */
function toEpochMs(v, name) {
  const t = typeof v === "number" ? v : /^-?\d+$/.test(String(v)) ? Number(v) : Date.parse(String(v));
  if (!Number.isFinite(t)) throw validation(`${name} must be epoch milliseconds or an ISO date`);
  return t;
}

// ---- webhook request signatures, as HubSpot computes them (its "Validating requests" guide) ----

const sha256Hex = (text) =>
  crypto.createHash("sha256").update(text, "utf8").digest("hex");

/** v3 (X-HubSpot-Signature-v3): base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)). */
function signatureV3({ clientSecret, method = "POST", uri, body, timestamp }) {
  return crypto
    .createHmac("sha256", String(clientSecret))
    .update(`${method}${uri}${body}${timestamp}`, "utf8")
    .digest("base64");
}

/** v2 (X-HubSpot-Signature, version v2): hex SHA-256 of clientSecret + method + uri + body. */
function signatureV2({ clientSecret, method = "POST", uri, body }) {
  return sha256Hex(`${clientSecret}${method}${uri}${body}`);
}

/** v1 (X-HubSpot-Signature, version v1): hex SHA-256 of clientSecret + body. */
function signatureV1({ clientSecret, body }) {
  return sha256Hex(`${clientSecret}${body}`);
}
const utcDay = (t) => new Date(t).toISOString().slice(0, 10);

// mulberry32: small seedable PRNG so errorRate5xx is reproducible.
function makeRng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalizeType(raw) {
  const t = String(raw);
  if (OBJECT_TYPES[t]) return t;
  if (TYPE_ALIASES[t]) return TYPE_ALIASES[t];
  if (/^2-\d+$/.test(t) || /^p\d*_[a-z0-9_]+$/i.test(t)) return t;
  throw new HubSpotError(
    400,
    `Unable to infer object type from: ${t}`,
    "VALIDATION_ERROR",
  );
}

const typeId = (type) => OBJECT_TYPES[type] || type;

function defaultFaults() {
  return {
    force429: 0,
    force429Daily: 0,
    force5xx: 0,
    status5xx: 502,
    errorRate5xx: 0,
    latencyMs: 0,
    retryAfterSeconds: 1,
    invalidMode: "batch400",
    force5xxAfterApply: 0,
    hang: 0,
    hangAfterApply: 0,
    hangPath: "",
    faultPath: "",
    orderedResults: false,
    omitTraceIds: false,
    gdprDeleteMissing: "blocklist",
  };
}

// ---- property value validation ----

function checkValue(def, value) {
  if (value === null || value === undefined || value === "")
    return { ok: true, value: "" };
  if (typeof value === "object")
    return {
      ok: false,
      error: "INVALID_TYPE",
      message: `${JSON.stringify(value)} is not a valid ${def.type} value`,
    };
  const s = String(value);
  switch (def.type) {
    case "number": {
      const n = Number(s);
      if (
        !/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s.trim()) ||
        !Number.isFinite(n)
      ) {
        return {
          ok: false,
          error: "INVALID_INTEGER",
          message: `${JSON.stringify(s)} was not a valid number.`,
        };
      }
      return { ok: true, value: String(n) };
    }
    case "date": {
      if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
        const t = Date.parse(`${s}T00:00:00Z`);
        if (!Number.isNaN(t) && utcDay(t) === s) return { ok: true, value: s };
        return {
          ok: false,
          error: "INVALID_DATE",
          message: `${s} was not a valid date.`,
        };
      }
      if (/^-?\d+$/.test(s)) {
        const ms = Number(s);
        if (ms % 86400000 === 0) return { ok: true, value: utcDay(ms) };
        const time = new Date(ms).toISOString().slice(11, 23);
        return {
          ok: false,
          error: "INVALID_DATE",
          message: `${s} is at ${time} UTC, not midnight!`,
        };
      }
      return {
        ok: false,
        error: "INVALID_DATE",
        message: `${s} was not a valid date. Use YYYY-MM-DD or a midnight UTC epoch millisecond timestamp.`,
      };
    }
    case "datetime": {
      const t = /^-?\d+$/.test(s) ? Number(s) : Date.parse(s);
      if (Number.isNaN(t))
        return {
          ok: false,
          error: "INVALID_DATETIME",
          message: `${s} was not a valid datetime.`,
        };
      return { ok: true, value: new Date(t).toISOString() };
    }
    case "enumeration": {
      const allowed = (def.options || []).map((o) => o.value);
      const parts = def.fieldType === "checkbox" ? s.split(";") : [s];
      const bad = parts.find((p) => !allowed.includes(p));
      if (bad !== undefined) {
        return {
          ok: false,
          error: "INVALID_OPTION",
          message: `${bad} was not one of the allowed options: [${allowed.join(", ")}]`,
        };
      }
      return { ok: true, value: s };
    }
    default:
      if (def.format === "email" || def.name === "email") {
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s))
          return {
            ok: false,
            error: "INVALID_EMAIL",
            message: `Email address ${s} is invalid`,
          };
        return { ok: true, value: s.toLowerCase() };
      }
      return { ok: true, value: s };
  }
}

/**
 * holdRequests: requests on `path` wait until `count` of them are waiting (then all are answered, back
 * to back) or until `timeoutMs` after the first arrived. One-shot: once open, later requests pass.
 * Makes "two reads at the same moment" certain instead of up to the scheduler.
 */
class Gate {
  constructor(path, count, timeoutMs) {
    this.path = path;
    this.count = count;
    this.timeoutMs = timeoutMs;
    this.waiting = [];
    this.held = 0;
    this.releasedBy = null;
    this.timer = undefined;
  }

  matches(path) {
    return this.releasedBy === null && path === this.path;
  }

  wait() {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.held += 1;
      if (this.held >= this.count) this.release("count");
      else if (!this.timer)
        this.timer = setTimeout(() => this.release("timeout"), this.timeoutMs);
    });
  }

  release(reason) {
    if (this.releasedBy === null) this.releasedBy = reason;
    clearTimeout(this.timer);
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  snapshot() {
    return {
      path: this.path,
      count: this.count,
      timeoutMs: this.timeoutMs,
      held: this.held,
      releasedBy: this.releasedBy,
    };
  }
}

/** Drops objectWriteTraceId from a batch answer's entry (omitTraceIds). */
function withoutTrace(entry) {
  if (!entry || typeof entry !== "object") return entry;
  const { objectWriteTraceId, ...rest } = entry;
  if (rest.context && typeof rest.context === "object") {
    const { objectWriteTraceId: _ctx, ...context } = rest.context;
    rest.context = context;
  }
  return rest;
}

/**
 * HubSpot does not promise that batch results (or errors) come back in input order, so by default
 * they do not: shuffled with a seeded PRNG. `orderedResults` turns that off; `omitTraceIds` answers
 * without objectWriteTraceId, as some endpoints and older API versions do.
 */
function shapeBatchAnswer(state, path, payload) {
  if (!/\/batch\//.test(path) || !payload || typeof payload !== "object") return payload;
  const out = { ...payload };
  for (const key of ["results", "errors"]) {
    if (!Array.isArray(out[key])) continue;
    let list = out[key].slice();
    if (state.faults.omitTraceIds) list = list.map(withoutTrace);
    if (!state.faults.orderedResults) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(state.orderRng() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
    }
    out[key] = list;
  }
  return out;
}

class HubSpotState {
  constructor(opts) {
    this.initial = opts;
    // The time source of every timestamp the emulator writes (records, history, lists, batch answers,
    // webhook occurredAt and request timestamps); the request log and rate-limit windows use real time.
    this.clockSource = typeof opts.now === "function" ? opts.now : Date.now;
    // Webhook eventIds stay unique across reset(), so a receiver that remembers them is never fooled.
    this.nextEventId = 1;
    this.reset();
  }

  /** Epoch ms: opts.now() (default Date.now) plus the offset moved by advanceClock / POST /__emulator/clock. */
  now() {
    return Number(this.clockSource()) + this.clockOffsetMs;
  }

  nowIso() {
    return new Date(this.now()).toISOString();
  }

  advanceClock(ms) {
    const n = Number(ms);
    if (!Number.isFinite(n)) throw validation("advanceClock needs a number of milliseconds");
    this.clockOffsetMs += n;
    return this.now();
  }

  setClockOffset(ms) {
    const n = Number(ms);
    if (!Number.isFinite(n)) throw validation("offsetMs must be a number");
    this.clockOffsetMs = n;
    return this.now();
  }

  clockSnapshot() {
    const now = this.now();
    return { now, nowIso: new Date(now).toISOString(), offsetMs: this.clockOffsetMs };
  }

  // Mutates in place so references handed to tests (emulator.state.log, ...) stay valid.
  reset() {
    const o = this.initial;
    this.tokens = this.tokens || new Set();
    this.tokens.clear();
    for (const t of [DEFAULT_TOKEN, ...(o.tokens || [])]) this.tokens.add(t);
    this.revokedTokens = this.revokedTokens || new Set();
    this.revokedTokens.clear();
    this.faults = Object.assign(this.faults || {}, defaultFaults());
    if (o.invalidMode) this.faults.invalidMode = o.invalidMode;
    if (o.orderedResults) this.faults.orderedResults = true;
    if (o.omitTraceIds) this.faults.omitTraceIds = true;
    if (this.gate) this.gate.release("reset");
    this.gate = undefined;
    this.limits = Object.assign(this.limits || {}, {
      limitPer10s: o.limitPer10s || DEFAULT_LIMIT_PER_10S,
      windowMs: o.windowMs || DEFAULT_WINDOW_MS,
      dailyLimit: o.dailyLimit || DEFAULT_DAILY_LIMIT,
    });
    this.seed = o.seed === undefined ? 1 : o.seed;
    this.rng = makeRng(this.seed);
    // Its own sequence, so shuffling answers does not change which requests errorRate5xx hits.
    this.orderRng = makeRng(this.seed + 0x5eed);
    this.objects = this.objects || new Map();
    this.objects.clear();
    this.emailIndex = new Map();
    this.recordTypes = new WeakMap();
    // bareAccount: a portal where nobody has created the seed's custom event properties yet.
    const custom = (name) => o.bareAccount && /^contact_|^event_attendance$/.test(name);
    this.properties = new Map(
      Object.entries(defaultCatalogue()).map(([t, defs]) => [
        t,
        new Map(defs.filter((d) => !custom(d.name)).map((d) => [d.name, d])),
      ]),
    );
    this.groups = new Map(
      Object.entries(defaultGroups()).map(([t, gs]) => [
        t,
        new Map(gs.filter((g) => !custom(g.name)).map((g) => [g.name, g])),
      ]),
    );
    this.lists = this.lists || new Map();
    this.lists.clear();
    this.memberships = this.memberships || new Map();
    this.memberships.clear();
    this.associations = this.associations || [];
    this.associations.length = 0;
    // Addresses a GDPR delete by email blocklisted (lower-cased); recorded, not enforced on creates.
    this.gdprBlocklist = this.gdprBlocklist || new Set();
    this.gdprBlocklist.clear();
    this.hits = new Map();
    this.daily = { day: utcDay(Date.now()), counts: new Map() };
    this.counters = {
      requests: 0,
      accepted: 0,
      rateLimited: 0,
      dailyLimited: 0,
      errors5xx: 0,
      unauthorized: 0,
    };
    this.log = this.log || [];
    this.log.length = 0;
    this.nextId = 1001;
    this.nextListId = 1;
    // Labels created in the account (POST /crm/v4/associations/{from}/{to}/labels), per "from|to".
    this.userLabels = new Map();
    this.nextLabelTypeId = 500;
    // Custom object schemas (GET/POST /crm/v3/schemas), keyed by objectTypeId ("2-...").
    this.schemas = this.schemas || new Map();
    this.schemas.clear();
    this.nextSchemaId = 3500001;
    this.clockOffsetMs = 0;
    // Bumped on every reset, so a delivery still retrying stops instead of writing into the new state.
    this.generation = (this.generation || 0) + 1;
    // record -> flat [name, value, source] history triples, oldest first; kept off the record so answers stay as they were.
    this.history = new WeakMap();
    // Webhooks: configuration (null: none, so no events are queued), queued events, delivery log.
    this.webhooks = null;
    this.webhookQueue = this.webhookQueue || [];
    this.webhookQueue.length = 0;
    this.deliveries = this.deliveries || [];
    this.deliveries.length = 0;
  }

  setFaults(input) {
    const f = input || {};
    const count = (v, name) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0)
        throw validation(`${name} must be a non-negative integer`);
      return n;
    };
    const positive = (v, name) => {
      const n = count(v, name);
      if (n === 0) throw validation(`${name} must be positive`);
      return n;
    };
    for (const k of [
      "force429",
      "force429Daily",
      "force5xx",
      "force5xxAfterApply",
      "hang",
      "hangAfterApply",
      "latencyMs",
      "retryAfterSeconds",
    ]) {
      if (f[k] !== undefined) this.faults[k] = count(f[k], k);
    }
    if (f.status5xx !== undefined) {
      const n = count(f.status5xx, "status5xx");
      if (n < 500 || n > 599) throw validation("status5xx must be 500..599");
      this.faults.status5xx = n;
    }
    if (f.errorRate5xx !== undefined) {
      const r = Number(f.errorRate5xx);
      if (!(r >= 0 && r <= 1))
        throw validation("errorRate5xx must be between 0 and 1");
      this.faults.errorRate5xx = r;
    }
    if (f.seed !== undefined) {
      this.seed = count(f.seed, "seed");
      this.rng = makeRng(this.seed);
      this.orderRng = makeRng(this.seed + 0x5eed);
    }
    if (f.hangPath !== undefined) this.faults.hangPath = String(f.hangPath);
    if (f.faultPath !== undefined) this.faults.faultPath = String(f.faultPath);
    for (const k of ["orderedResults", "omitTraceIds"]) {
      if (f[k] === undefined) continue;
      if (typeof f[k] !== "boolean") throw validation(`${k} must be true or false`);
      this.faults[k] = f[k];
    }
    if (f.holdRequests !== undefined) {
      const h = f.holdRequests;
      if (this.gate) this.gate.release("replaced");
      this.gate = undefined;
      if (h !== null) {
        if (typeof h !== "object" || typeof h.path !== "string" || h.path === "")
          throw validation("holdRequests needs a path");
        this.gate = new Gate(h.path, positive(h.count, "holdRequests.count"), positive(h.timeoutMs, "holdRequests.timeoutMs"));
      }
    }
    if (f.gdprDeleteMissing !== undefined) {
      if (!GDPR_MISSING_MODES.includes(f.gdprDeleteMissing))
        throw validation(
          `gdprDeleteMissing must be one of ${GDPR_MISSING_MODES.join(", ")}`,
        );
      this.faults.gdprDeleteMissing = f.gdprDeleteMissing;
    }
    if (f.invalidMode !== undefined) {
      if (!INVALID_MODES.includes(f.invalidMode))
        throw validation(
          `invalidMode must be one of ${INVALID_MODES.join(", ")}`,
        );
      this.faults.invalidMode = f.invalidMode;
    }
    if (f.revokedTokens !== undefined) {
      if (!Array.isArray(f.revokedTokens))
        throw validation("revokedTokens must be an array of strings");
      this.revokedTokens.clear();
      for (const t of f.revokedTokens) this.revokedTokens.add(String(t));
    }
    if (f.tokens !== undefined) {
      if (!Array.isArray(f.tokens))
        throw validation("tokens must be an array of strings");
      for (const t of f.tokens) this.tokens.add(String(t));
    }
    if (f.limitPer10s !== undefined)
      this.limits.limitPer10s = positive(f.limitPer10s, "limitPer10s");
    if (f.windowMs !== undefined)
      this.limits.windowMs = positive(f.windowMs, "windowMs");
    if (f.dailyLimit !== undefined)
      this.limits.dailyLimit = positive(f.dailyLimit, "dailyLimit");
    return this.faultsSnapshot();
  }

  faultsSnapshot() {
    return {
      ...this.faults,
      holdRequests: this.gate ? this.gate.snapshot() : null,
      seed: this.seed,
      revokedTokenFingerprints: [...this.revokedTokens].map(fingerprint),
      ...this.limits,
    };
  }

  store(type) {
    let m = this.objects.get(type);
    if (!m) {
      m = new Map();
      this.objects.set(type, m);
    }
    return m;
  }

  catalogue(type) {
    let m = this.properties.get(type);
    if (!m) {
      m = new Map();
      this.properties.set(type, m);
    }
    return m;
  }

  groupsOf(type) {
    let m = this.groups.get(type);
    if (!m) {
      m = new Map([
        [
          "default",
          {
            name: "default",
            label: "Default",
            displayOrder: 0,
            archived: false,
          },
        ],
      ]);
      this.groups.set(type, m);
    }
    return m;
  }

  findBy(type, idProperty, value) {
    const store = this.store(type);
    if (!idProperty || idProperty === "hs_object_id")
      return store.get(String(value));
    const needle = String(value);
    if (idProperty === "email") return this.findByEmail(type, needle);
    for (const rec of store.values()) {
      const v = rec.properties[idProperty];
      if (v === undefined) continue;
      if (String(v) === needle) return rec;
    }
    return undefined;
  }

  // Email lookups go through an index (type -> lower-cased email -> records) kept by createRecord /
  // updateRecord, so 10k-contact upserts stay O(1) per input. Entries of deleted records or of records
  // whose email changed are dropped when met. Returns the oldest live match, as a store scan would.
  findByEmail(type, email) {
    const byEmail = this.emailIndex.get(type);
    const needle = email.toLowerCase();
    const set = byEmail && byEmail.get(needle);
    if (!set) return undefined;
    const store = this.store(type);
    let best;
    for (const rec of set) {
      const v = rec.properties.email;
      if (
        store.get(rec.id) !== rec ||
        v === undefined ||
        v === null ||
        String(v).toLowerCase() !== needle
      ) {
        set.delete(rec);
        continue;
      }
      if (!best || Number(rec.id) < Number(best.id)) best = rec;
    }
    if (set.size === 0) byEmail.delete(needle);
    return best;
  }

  indexEmail(type, rec) {
    const v = rec.properties.email;
    if (v === undefined || v === null) return;
    let byEmail = this.emailIndex.get(type);
    if (!byEmail) {
      byEmail = new Map();
      this.emailIndex.set(type, byEmail);
    }
    const key = String(v).toLowerCase();
    let set = byEmail.get(key);
    if (!set) {
      set = new Set();
      byEmail.set(key, set);
    }
    set.add(rec);
  }

  /** Returns { values, errors } where errors are HubSpot's per-property validation items. */
  validate(type, properties) {
    const catalogue = this.catalogue(type);
    const strict = STRICT_TYPES.includes(type);
    const values = {};
    const errors = [];
    if (
      properties !== undefined &&
      (typeof properties !== "object" ||
        properties === null ||
        Array.isArray(properties))
    ) {
      return {
        values,
        errors: [
          {
            isValid: false,
            message: "properties must be an object",
            error: "INVALID_PROPERTIES",
            name: "properties",
          },
        ],
      };
    }
    for (const [name, value] of Object.entries(properties || {})) {
      const def = catalogue.get(name);
      if (!def) {
        if (strict)
          errors.push({
            isValid: false,
            message: `Property "${name}" does not exist`,
            error: "PROPERTY_DOESNT_EXIST",
            name,
          });
        else
          values[name] =
            value === null || value === undefined ? "" : String(value);
        continue;
      }
      if (def.readOnly) {
        errors.push({
          isValid: false,
          message: `${name} is a read only property; its value cannot be set.`,
          error: "READ_ONLY_VALUE",
          name,
        });
        continue;
      }
      const r = checkValue(def, value);
      if (r.ok) values[name] = r.value;
      else
        errors.push({
          isValid: false,
          message: r.message,
          error: r.error,
          name,
        });
    }
    return { values, errors };
  }

  /**
   * A new record's values for properties with hasUniqueValue that another record (or an earlier input
   * of the same batch, recorded in `taken`) already holds: HubSpot refuses them as a VALIDATION_ERROR
   * naming the property.
   */
  uniqueConflicts(type, values, taken) {
    const conflicts = [];
    for (const [name, value] of Object.entries(values)) {
      const def = this.catalogue(type).get(name);
      if (!def || !def.hasUniqueValue || value === "") continue;
      const key = `${name}\u0000${value}`;
      const holder = this.findBy(type, name, value);
      if (holder || taken.has(key)) {
        conflicts.push({
          isValid: false,
          message: `${value} already has that value.${holder ? ` Existing ID: ${holder.id}` : ""}`,
          error: "INVALID_UNIQUE_VALUE",
          name,
        });
      } else taken.set(key, true);
    }
    return conflicts;
  }

  /**
   * A write's source: sourceType INTEGRATION (API, the default) or CRM_UI, sourceId, `at` (epoch ms,
   * default the clock) and `silent` (no webhook events). One object is shared by every history entry
   * of the write.
   */
  writeSource(source) {
    const s = source || {};
    const sourceType = s.sourceType || SOURCE_API;
    const at = s.at === undefined ? this.now() : s.at;
    let sourceId = s.sourceId === undefined || s.sourceId === null ? undefined : String(s.sourceId);
    if (sourceId === undefined && sourceType === SOURCE_API) sourceId = String(DEFAULT_APP_ID);
    return {
      sourceType,
      sourceId,
      at,
      timestamp: new Date(at).toISOString(),
      silent: Boolean(s.silent),
    };
  }

  /** Appends one history entry per name (the record's current value), kept as flat [name, value, source] triples. */
  appendHistory(rec, names, src) {
    if (!names.length) return;
    let h = this.history.get(rec);
    if (!h) {
      h = [];
      this.history.set(rec, h);
    }
    for (const name of names) h.push(name, rec.properties[name], src);
  }

  /** HubSpot's propertiesWithHistory: per name, newest first ([] for a property never set). */
  historyOf(rec, names) {
    const h = this.history.get(rec) || [];
    const out = {};
    for (const name of names) {
      const found = [];
      for (let i = 0; i < h.length; i += 3) {
        if (h[i] !== name) continue;
        const src = h[i + 2];
        found.push({ i, t: src.at, value: h[i + 1], src });
      }
      // Newest first by timestamp; among equal timestamps the later write first.
      found.sort((a, b) => b.t - a.t || b.i - a.i);
      out[name] = found.map(({ value, src }) => {
        const entry = {
          value: value === undefined || value === null ? "" : String(value),
          timestamp: src.timestamp,
          sourceType: src.sourceType,
        };
        if (src.sourceId !== undefined) entry.sourceId = src.sourceId;
        return entry;
      });
    }
    return out;
  }

  createRecord(type, values, source) {
    const src = this.writeSource(source);
    const id = String(this.nextId++);
    const ts = src.timestamp;
    const rec = {
      id,
      properties: {
        ...values,
        hs_object_id: id,
        createdate: ts,
        lastmodifieddate: ts,
        hs_lastmodifieddate: ts,
      },
      createdAt: ts,
      updatedAt: ts,
      archived: false,
    };
    this.store(type).set(id, rec);
    this.recordTypes.set(rec, type);
    this.indexEmail(type, rec);
    // A blank value on a new record sets nothing.
    this.appendHistory(
      rec,
      Object.keys(rec.properties).filter((n) => !isBlank(rec.properties[n])),
      src,
    );
    this.notify(type, "creation", id, {}, src);
    return rec;
  }

  updateRecord(rec, values, source) {
    const src = this.writeSource(source);
    const ts = src.timestamp;
    const names = [
      ...new Set([...Object.keys(values), "lastmodifieddate", "hs_lastmodifieddate"]),
    ];
    const before = names.map((n) => asText(rec.properties[n]));
    Object.assign(rec.properties, values, {
      lastmodifieddate: ts,
      hs_lastmodifieddate: ts,
    });
    rec.updatedAt = ts;
    const type = this.recordTypes.get(rec);
    if (type && values.email !== undefined) this.indexEmail(type, rec);
    // History and propertyChange events only for values that actually changed.
    const changed = names.filter((n, i) => asText(rec.properties[n]) !== before[i]);
    this.appendHistory(rec, changed, src);
    if (type)
      for (const n of changed) {
        if (MANAGED_PROPERTIES.includes(n)) continue;
        this.notify(
          type,
          "propertyChange",
          rec.id,
          { propertyName: n, propertyValue: asText(rec.properties[n]) },
          src,
        );
      }
    return rec;
  }

  deleteRecord(type, rec, source) {
    const src = this.writeSource(source);
    this.store(type).delete(rec.id);
    this.notify(type, "deletion", rec.id, {}, src);
    return rec;
  }

  // ---- changes made in HubSpot (by a person in the UI) ----

  uiSource(opts) {
    const o = opts || {};
    return {
      sourceType: SOURCE_UI,
      sourceId: o.sourceId,
      at: o.at === undefined || o.at === null ? undefined : toEpochMs(o.at, "at"),
    };
  }

  uiRecord(type, id) {
    const rec = this.store(type).get(String(id));
    if (!rec) throw objectNotFound(type, id);
    return rec;
  }

  uiCreate(type, properties, opts) {
    const values = validateOrThrow(this, type, properties, true);
    contactConflict(this, type, values);
    return this.createRecord(type, values, this.uiSource(opts));
  }

  uiUpdate(type, id, properties, opts) {
    const rec = this.uiRecord(type, id);
    const values = validateOrThrow(this, type, properties);
    contactConflict(this, type, values, rec.id);
    return this.updateRecord(rec, values, this.uiSource(opts));
  }

  uiDelete(type, id, opts) {
    return this.deleteRecord(type, this.uiRecord(type, id), this.uiSource(opts));
  }

  /**
   * Merges mergedId into primaryId as HubSpot's merge does: the primary keeps its values and takes the
   * merged record's values for properties it has blank, its associations and list memberships; the
   * merged record is gone. One `<singular>.merge` event (no propertyChange / deletion events).
   */
  uiMerge(type, primaryId, mergedId, opts) {
    const primary = this.uiRecord(type, primaryId);
    const merged = this.uiRecord(type, mergedId);
    if (primary === merged) throw validation("Cannot merge an object with itself");
    const src = this.writeSource(this.uiSource(opts));
    const values = {};
    for (const [name, value] of Object.entries(merged.properties)) {
      if (MANAGED_PROPERTIES.includes(name) || name === "hs_merged_object_ids") continue;
      if (!isBlank(value) && isBlank(primary.properties[name])) values[name] = value;
    }
    const moved = Object.keys(values).length;
    const earlier = primary.properties.hs_merged_object_ids;
    values.hs_merged_object_ids = isBlank(earlier)
      ? merged.id
      : `${earlier};${merged.id}`;
    this.store(type).delete(merged.id);
    this.updateRecord(primary, values, { ...src, silent: true });
    // Associations and list memberships follow the primary.
    const byKey = new Map();
    for (const a of this.associations) {
      if (a.fromType === type && a.fromId === merged.id) a.fromId = primary.id;
      if (a.toType === type && a.toId === merged.id) a.toId = primary.id;
      if (a.fromType === a.toType && a.fromId === a.toId) continue;
      const key = `${a.fromType}|${a.fromId}|${a.toType}|${a.toId}`;
      const kept = byKey.get(key);
      if (!kept) byKey.set(key, a);
      else
        for (const t of a.types)
          if (!kept.types.some((x) => x.associationTypeId === t.associationTypeId))
            kept.types.push(t);
    }
    this.associations.length = 0;
    this.associations.push(...byKey.values());
    for (const members of this.memberships.values()) {
      if (!members.has(merged.id)) continue;
      const since = members.get(merged.id);
      members.delete(merged.id);
      if (!members.has(primary.id)) members.set(primary.id, since);
    }
    this.notify(
      type,
      "merge",
      primary.id,
      {
        primaryObjectId: Number(primary.id),
        mergedObjectIds: [Number(merged.id)],
        newObjectId: Number(primary.id),
        numberOfPropertiesMoved: moved,
      },
      src,
    );
    return primary;
  }

  // ---- webhooks ----

  /** Queues one event per matching subscription (none without a webhook configuration). */
  notify(type, kind, objectId, fields, src) {
    const cfg = this.webhooks;
    if (!cfg || src.silent) return;
    if (src.sourceType === SOURCE_API && !cfg.notifyApiChanges) return;
    const singular = WEBHOOK_SINGULAR[type];
    if (!singular) return;
    const subscriptionType = `${singular}.${kind}`;
    for (const sub of cfg.subscriptions) {
      if (sub.subscriptionType !== subscriptionType) continue;
      if (sub.propertyName && sub.propertyName !== fields.propertyName) continue;
      const event = {
        eventId: this.nextEventId++,
        subscriptionId: sub.subscriptionId,
        portalId: cfg.portalId,
        appId: cfg.appId,
        occurredAt: src.at,
        subscriptionType,
        attemptNumber: 0,
        objectId: Number(objectId),
        ...fields,
        changeSource: src.sourceType,
      };
      if (src.sourceId !== undefined) event.sourceId = src.sourceId;
      this.webhookQueue.push(event);
    }
  }

  configureWebhooks(input) {
    const c = input || {};
    if (typeof c.targetUrl !== "string" || !/^https?:\/\/[^/]/i.test(c.targetUrl))
      throw validation("targetUrl must be an absolute http(s) URL");
    try {
      new URL(c.targetUrl);
    } catch {
      throw validation("targetUrl must be an absolute http(s) URL");
    }
    if (typeof c.clientSecret !== "string" || c.clientSecret === "")
      throw validation("clientSecret is required");
    if (!Array.isArray(c.subscriptions))
      throw validation("subscriptions must be an array of subscription types");
    const integer = (v, name, fallback, min) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min)
        throw validation(`${name} must be an integer >= ${min}`);
      return n;
    };
    const singulars = Object.values(WEBHOOK_SINGULAR);
    const subscriptions = c.subscriptions.map((s, i) => {
      const o = typeof s === "string" ? { subscriptionType: s } : s;
      if (!o || typeof o.subscriptionType !== "string")
        throw validation("Each subscription needs a subscriptionType");
      const [singular, kind, extra] = o.subscriptionType.split(".");
      if (extra !== undefined || !singulars.includes(singular) || !WEBHOOK_EVENT_KINDS.includes(kind))
        throw validation(
          `Unknown subscriptionType ${o.subscriptionType}: use <${singulars.join("|")}>.<${WEBHOOK_EVENT_KINDS.join("|")}>`,
        );
      if (o.propertyName !== undefined && kind !== "propertyChange")
        throw validation("propertyName only applies to propertyChange subscriptions");
      const sub = {
        subscriptionId: integer(o.subscriptionId, "subscriptionId", 1000001 + i, 1),
        subscriptionType: o.subscriptionType,
      };
      if (o.propertyName !== undefined) sub.propertyName = String(o.propertyName);
      return sub;
    });
    const version = c.signatureVersion === undefined ? "v3" : c.signatureVersion;
    if (!SIGNATURE_VERSIONS.includes(version))
      throw validation(`signatureVersion must be one of ${SIGNATURE_VERSIONS.join(", ")}`);
    const delays = c.retryDelaysMs === undefined ? DEFAULT_RETRY_DELAYS_MS : c.retryDelaysMs;
    if (!Array.isArray(delays))
      throw validation("retryDelaysMs must be an array of milliseconds");
    if (c.notifyApiChanges !== undefined && typeof c.notifyApiChanges !== "boolean")
      throw validation("notifyApiChanges must be true or false");
    this.webhooks = {
      targetUrl: c.targetUrl,
      clientSecret: c.clientSecret,
      appId: integer(c.appId, "appId", DEFAULT_APP_ID, 1),
      portalId: integer(c.portalId, "portalId", PORTAL_ID, 1),
      subscriptions,
      maxEventsPerRequest: integer(c.maxEventsPerRequest, "maxEventsPerRequest", 100, 1),
      signatureVersion: version,
      timeoutMs: integer(c.timeoutMs, "timeoutMs", 5000, 1),
      retryDelaysMs: delays.map((d) => integer(d, "retryDelaysMs[]", 0, 0)),
      notifyApiChanges:
        c.notifyApiChanges === undefined
          ? Boolean(this.initial.notifyApiChanges)
          : c.notifyApiChanges,
    };
    return this.webhooksSnapshot();
  }

  /** The configuration (the client secret only as a fingerprint), queued events and the delivery log. */
  webhooksSnapshot() {
    const cfg = this.webhooks;
    let config = null;
    if (cfg) {
      const { clientSecret, ...rest } = cfg;
      config = { ...rest, clientSecretFingerprint: fingerprint(clientSecret) };
    }
    return {
      config,
      queued: this.webhookQueue.map((e) => ({ ...e })),
      deliveries: this.deliveries.map((d) => ({ ...d })),
    };
  }

  addAssociation(fromType, fromId, toType, toId, types) {
    const existing = this.associations.find(
      (a) =>
        a.fromType === fromType &&
        a.fromId === fromId &&
        a.toType === toType &&
        a.toId === toId,
    );
    const list = (types || []).map((t) => ({
      associationCategory: t.associationCategory,
      associationTypeId: t.associationTypeId,
    }));
    if (existing) {
      for (const t of list) {
        if (
          !existing.types.some(
            (x) => x.associationTypeId === t.associationTypeId,
          )
        )
          existing.types.push(t);
      }
      return existing;
    }
    const a = {
      fromType,
      fromId,
      toType,
      toId,
      types: list,
      createdAt: this.nowIso(),
    };
    this.associations.push(a);
    return a;
  }

  snapshot({ includeLog = true } = {}) {
    const objects = {};
    for (const [type, m] of this.objects) objects[type] = [...m.values()];
    const memberships = {};
    for (const [id, m] of this.memberships) memberships[id] = [...m.keys()];
    return {
      faults: this.faultsSnapshot(),
      tokens: [...this.tokens].map((t) => ({
        fingerprint: fingerprint(t),
        revoked: this.revokedTokens.has(t),
      })),
      objects,
      properties: Object.fromEntries(
        [...this.properties].map(([t, m]) => [t, [...m.values()]]),
      ),
      propertyGroups: Object.fromEntries(
        [...this.groups].map(([t, m]) => [t, [...m.values()]]),
      ),
      lists: [...this.lists.values()].map((l) => this.publicList(l)),
      memberships,
      schemas: [...this.schemas.values()],
      associations: [...this.associations],
      counters: {
        ...this.counters,
        dailyDay: this.daily.day,
        daily: Object.fromEntries(
          [...this.daily.counts].map(([t, n]) => [fingerprint(t), n]),
        ),
      },
      clock: this.clockSnapshot(),
      webhooks: this.webhooksSnapshot(),
      log: includeLog ? [...this.log] : undefined,
    };
  }

  publicList(l) {
    const members = this.memberships.get(l.listId);
    return { ...l, size: members ? members.size : 0 };
  }
}

// ---- request helpers ----

function pickProperties(rec, names) {
  const out = { ...rec, properties: { ...rec.properties } };
  if (names && names.length) {
    const keep = new Set([...names, ...SYSTEM_PROPERTIES]);
    out.properties = Object.fromEntries(
      Object.entries(rec.properties).filter(([k]) => keep.has(k)),
    );
    for (const n of names) if (!(n in out.properties)) out.properties[n] = null;
  }
  return out;
}

/** pickProperties plus HubSpot's propertiesWithHistory for the names in historyNames. */
function readRecord(state, rec, names, historyNames) {
  const out = pickProperties(rec, names);
  if (historyNames && historyNames.length)
    out.propertiesWithHistory = state.historyOf(rec, historyNames);
  return out;
}

// propertiesWithHistory=a,b and/or propertiesWithHistory=a&propertiesWithHistory=b.
const historyParam = (params) =>
  params ? [...new Set(params.getAll("propertiesWithHistory").flatMap(splitNames))] : [];

const splitNames = (v) =>
  v
    ? String(v)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

function batchInputs(body, max) {
  const inputs = body && body.inputs;
  if (!Array.isArray(inputs))
    throw validation('Invalid input JSON: "inputs" must be an array');
  if (inputs.length > max) {
    throw validation(
      `Batch input limit exceeded: ${inputs.length} inputs were provided, but the maximum is ${max}.`,
    );
  }
  return inputs;
}

function pageOf(all, query, defaultLimit, maxLimit, toItem) {
  let limit = defaultLimit;
  if (query.limit !== undefined && query.limit !== "") {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw validation("limit must be a positive integer");
    limit = Math.min(limit, maxLimit);
  }
  let offset = 0;
  if (query.after !== undefined && query.after !== "") {
    offset = Number(query.after);
    if (!Number.isInteger(offset) || offset < 0)
      throw validation(`Invalid "after" cursor: ${query.after}`);
  }
  const slice = all.slice(offset, offset + limit).map(toItem);
  const out = { results: slice };
  if (offset + limit < all.length)
    out.paging = {
      next: { after: String(offset + limit), link: `?after=${offset + limit}` },
    };
  return out;
}

function complete(state, startedAt, results, errors, extra) {
  const out = {
    status: "COMPLETE",
    results,
    startedAt,
    completedAt: state.nowIso(),
    ...extra,
  };
  if (errors && errors.length) {
    out.numErrors = errors.length;
    out.errors = errors;
  }
  return out;
}

const withTrace = (rec, input) =>
  input && input.objectWriteTraceId !== undefined
    ? { ...rec, objectWriteTraceId: input.objectWriteTraceId }
    : rec;

function invalidMessage(items) {
  return `Property values were not valid: ${JSON.stringify(items)}`;
}

/**
 * Validates every input; in batch400 mode any invalid input rejects the batch (nothing written),
 * in perInput207 mode the bad inputs become per-input errors and the rest go on.
 * Returns [{ input, index, values }] for the good inputs and the error list.
 */
function validateBatch(state, type, inputs, contextOf, creating) {
  const good = [];
  const errors = [];
  const allItems = [];
  const taken = new Map();
  inputs.forEach((input, index) => {
    if (!input || typeof input !== "object")
      throw validation(`Invalid input at index ${index}`);
    const { values, errors: items } = state.validate(type, input.properties);
    if (creating) items.push(...state.uniqueConflicts(type, values, taken));
    if (items.length === 0) {
      good.push({ input, index, values });
      return;
    }
    allItems.push(...items);
    const err = {
      status: "error",
      category: "VALIDATION_ERROR",
      message: invalidMessage(items),
      context: {
        propertyName: items.map((i) => i.name),
        ...(contextOf ? contextOf(input) : {}),
      },
    };
    if (input.objectWriteTraceId !== undefined)
      err.objectWriteTraceId = input.objectWriteTraceId;
    errors.push(err);
  });
  if (errors.length && state.faults.invalidMode === "batch400")
    throw validation(invalidMessage(allItems));
  return { good, errors };
}

function contactConflict(state, type, values, selfId) {
  if (type !== "contacts" || !values.email) return;
  const existing = state.findBy(type, "email", values.email);
  if (existing && existing.id !== selfId) {
    throw new HubSpotError(
      409,
      `Contact already exists. Existing ID: ${existing.id}`,
      "CONFLICT",
    );
  }
}

function addInlineAssociations(state, type, rec, input) {
  for (const assoc of input.associations || []) {
    const toId = assoc && assoc.to && assoc.to.id;
    if (toId === undefined) continue;
    const types = Array.isArray(assoc.types) ? assoc.types : [];
    const toType =
      (types[0] && ASSOCIATION_TARGETS[types[0].associationTypeId]) ||
      "unknown";
    state.addAssociation(type, rec.id, toType, String(toId), types);
  }
}

function objectsBatch(state, type, action, body) {
  const startedAt = state.nowIso();
  const inputs = batchInputs(body, BATCH_LIMIT);
  switch (action) {
    case "create": {
      const { good, errors } = validateBatch(state, type, inputs, undefined, true);
      for (const g of good) contactConflict(state, type, g.values);
      const results = good.map(({ input, values }) => {
        const rec = state.createRecord(type, values);
        addInlineAssociations(state, type, rec, input);
        return withTrace(rec, input);
      });
      return [errors.length ? 207 : 201, complete(state, startedAt, results, errors)];
    }
    case "upsert": {
      const seen = new Set();
      for (const input of inputs) {
        if (
          !input ||
          input.id === undefined ||
          input.id === null ||
          input.id === ""
        )
          throw validation('Each upsert input needs an "id"');
        const idProperty = input.idProperty || "hs_object_id";
        // HubSpot upserts by email (contacts) or by a property whose values are unique (hasUniqueValue).
        if (
          idProperty !== "hs_object_id" &&
          !(type === "contacts" && idProperty === "email")
        ) {
          const def = state.catalogue(type).get(idProperty);
          if (!def || !def.hasUniqueValue)
            throw validation(
              `Property ${idProperty} is not a unique identifier property of ${type}; upsert needs a property with hasUniqueValue: true.`,
            );
        }
        const key = `${idProperty}:${idProperty === "email" ? String(input.id).toLowerCase() : String(input.id)}`;
        if (seen.has(key))
          throw validation(
            `Duplicate IDs found in batch input: [${input.id}]. IDs must be unique`,
          );
        seen.add(key);
      }
      const { good, errors } = validateBatch(state, type, inputs, (input) => ({
        id: [String(input.id)],
      }));
      const results = [];
      for (const { input, values } of good) {
        const idProperty = input.idProperty || "hs_object_id";
        const existing = state.findBy(type, idProperty, input.id);
        if (existing) {
          if (idProperty === "email") delete values.email;
          results.push(
            withTrace(
              { ...state.updateRecord(existing, values), new: false },
              input,
            ),
          );
          continue;
        }
        if (idProperty === "hs_object_id") {
          const err = {
            status: "error",
            category: "OBJECT_NOT_FOUND",
            message: `Object ${input.id} not found; cannot upsert by hs_object_id`,
            context: { id: [String(input.id)] },
          };
          if (input.objectWriteTraceId !== undefined)
            err.objectWriteTraceId = input.objectWriteTraceId;
          errors.push(err);
          continue;
        }
        const idValue =
          idProperty === "email"
            ? String(input.id).toLowerCase()
            : String(input.id);
        results.push(
          withTrace(
            {
              ...state.createRecord(type, { ...values, [idProperty]: idValue }),
              new: true,
            },
            input,
          ),
        );
      }
      return [errors.length ? 207 : 200, complete(state, startedAt, results, errors)];
    }
    case "update": {
      const { good, errors } = validateBatch(state, type, inputs, (input) => ({
        id: [String(input.id)],
      }));
      const results = [];
      const missing = [];
      for (const { input, values } of good) {
        const rec = state.findBy(type, input.idProperty, input.id);
        if (!rec) {
          missing.push(String(input.id));
          continue;
        }
        contactConflict(state, type, values, rec.id);
        results.push(withTrace(state.updateRecord(rec, values), input));
      }
      if (missing.length) errors.push(notFoundError(type, missing));
      return [errors.length ? 207 : 200, complete(state, startedAt, results, errors)];
    }
    case "read": {
      const names = Array.isArray(body.properties)
        ? body.properties.map(String)
        : [];
      const historyNames = Array.isArray(body.propertiesWithHistory)
        ? body.propertiesWithHistory.map(String)
        : [];
      // HubSpot reads at most 50 records per call when property history is asked for.
      if (historyNames.length > 0 && inputs.length > HISTORY_BATCH_LIMIT)
        throw validation(
          `The maximum number of inputs supported in a batch request for property histories is ${HISTORY_BATCH_LIMIT}. Please reduce the number of items and try again`,
        );
      const results = [];
      const missing = [];
      for (const input of inputs) {
        const rec = input && state.findBy(type, body.idProperty, input.id);
        if (rec) results.push(readRecord(state, rec, names, historyNames));
        else missing.push(String(input && input.id));
      }
      const errors = missing.length ? [notFoundError(type, missing)] : [];
      return [errors.length ? 207 : 200, complete(state, startedAt, results, errors)];
    }
    case "archive": {
      for (const input of inputs) {
        const rec = input && state.findBy(type, undefined, input.id);
        if (rec) state.deleteRecord(type, rec);
      }
      return [204, undefined];
    }
    default:
      throw new HubSpotError(
        404,
        `Unknown batch action: ${action}`,
        "OBJECT_NOT_FOUND",
      );
  }
}

function notFoundError(type, ids) {
  const label = type.replace(/s$/, "").toUpperCase();
  return {
    status: "error",
    category: "OBJECT_NOT_FOUND",
    message: `Could not get some ${label} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
  };
}

function objectNotFound(type, id) {
  return new HubSpotError(
    404,
    `Object not found.  objectId are usually numeric. (${type}/${id})`,
    "OBJECT_NOT_FOUND",
  );
}

function validateOrThrow(state, type, properties, creating) {
  const { values, errors } = state.validate(type, properties);
  if (creating) errors.push(...state.uniqueConflicts(type, values, new Map()));
  if (errors.length) throw validation(invalidMessage(errors));
  return values;
}

// ---- association labels ----

// HubSpot-defined labelled types, beyond each pair's unlabelled default (DEFAULT_ASSOCIATION_TYPES).
const DEFINED_LABELS = {
  "contacts|companies": [{ typeId: 1, label: "Primary" }],
  "companies|contacts": [{ typeId: 2, label: "Primary" }],
  "deals|companies": [{ typeId: 5, label: "Primary" }],
  "tickets|companies": [{ typeId: 26, label: "Primary" }],
};

// GET answers { results: [{ category, typeId, label }] } (label null for the unlabelled default);
// POST { label, name } creates a USER_DEFINED label, as HubSpot's v4 association schema API does.
function associationLabels(state, method, fromType, toType, body) {
  const pair = `${fromType}|${toType}`;
  const user = state.userLabels.get(pair) || [];
  if (method === "POST") {
    const b = body || {};
    if (!b.label || !b.name)
      throw validation('Association label requires "label" and "name"');
    const created = {
      category: "USER_DEFINED",
      typeId: state.nextLabelTypeId++,
      label: String(b.label),
    };
    user.push(created);
    state.userLabels.set(pair, user);
    return [200, { results: [created] }];
  }
  const results = [];
  const unlabelled = DEFAULT_ASSOCIATION_TYPES[pair];
  if (unlabelled !== undefined)
    results.push({ category: "HUBSPOT_DEFINED", typeId: unlabelled, label: null });
  for (const d of DEFINED_LABELS[pair] || [])
    results.push({ category: "HUBSPOT_DEFINED", typeId: d.typeId, label: d.label });
  results.push(...user);
  return [200, { results }];
}

// ---- lists ----

// POST /crm/v3/lists/search: { query, processingTypes, listIds, offset, count (default 20, max 500) }
// -> { lists, offset, hasMore, total }, lists ordered by name.
function searchLists(state, body) {
  const count = body.count === undefined ? 20 : Number(body.count);
  if (!Number.isInteger(count) || count < 1 || count > 500)
    throw validation("count must be between 1 and 500");
  const offset = Number(body.offset || 0);
  const query = String(body.query || "").toLowerCase();
  const types = Array.isArray(body.processingTypes) ? body.processingTypes : null;
  const ids = Array.isArray(body.listIds) ? body.listIds.map(String) : null;
  const all = [...state.lists.values()]
    .filter((l) => query === "" || l.name.toLowerCase().includes(query))
    .filter((l) => !types || types.includes(l.processingType))
    .filter((l) => !ids || ids.includes(l.listId))
    .sort((a, b) => a.name.localeCompare(b.name));
  const page = all.slice(offset, offset + count);
  return {
    lists: page.map((l) => state.publicList(l)),
    offset: offset + page.length,
    hasMore: offset + page.length < all.length,
    total: all.length,
  };
}

function findListByName(state, objectTypeId, name) {
  const needle = String(name).toLowerCase();
  return [...state.lists.values()].find(
    (l) => l.objectTypeId === objectTypeId && l.name.toLowerCase() === needle,
  );
}

function getList(state, listId) {
  const l = state.lists.get(String(listId));
  if (!l)
    throw new HubSpotError(
      404,
      `List ${listId} does not exist.`,
      "OBJECT_NOT_FOUND",
      { subCategory: "ILS.LIST_NOT_FOUND" },
    );
  return l;
}

function listRecordIds(body) {
  if (!Array.isArray(body))
    throw validation("Request body must be a JSON array of record ids");
  return body.map(String);
}

function typeForTypeId(objectTypeId) {
  return TYPE_ALIASES[objectTypeId] || objectTypeId;
}

// ---- legacy v1 contacts / deals, account info (what n8n's built-in HubSpot node calls) ----

// v1 reports dates and datetimes as epoch-millisecond strings.
function v1Value(def, value) {
  if (value === null || value === undefined) return "";
  if (def && (def.type === "datetime" || def.type === "date")) {
    const t = Date.parse(def.type === "date" ? `${value}T00:00:00Z` : value);
    if (!Number.isNaN(t)) return String(t);
  }
  return String(value);
}

function v1Properties(state, type, rec, names) {
  const catalogue = state.catalogue(type);
  const timestamp = Date.parse(rec.updatedAt);
  const out = {};
  const wanted = names.length ? new Set(names) : undefined;
  for (const [name, raw] of Object.entries(rec.properties)) {
    if (wanted ? !wanted.has(name) : raw === "" || raw === null) continue;
    const value = v1Value(catalogue.get(name), raw);
    out[name] = {
      value,
      versions: [
        {
          value,
          "source-type": "API",
          "source-id": null,
          "source-label": null,
          timestamp,
          selected: false,
        },
      ],
    };
  }
  return out;
}

// Stable LEAD_GUID per record id (HubSpot assigns one per contact).
const leadGuid = (id) => {
  const h = crypto.createHash("sha256").update(`lead:${id}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function v1Identities(rec) {
  const created = Date.parse(rec.createdAt);
  const identities = [];
  if (rec.properties.email)
    identities.push({
      type: "EMAIL",
      value: rec.properties.email,
      timestamp: created,
      "is-primary": true,
    });
  identities.push({
    type: "LEAD_GUID",
    value: leadGuid(rec.id),
    timestamp: created,
  });
  return identities;
}

function v1ContactProfile(state, rec, params) {
  const vid = Number(rec.id);
  const names = params.getAll("property");
  const withHistory = params.get("propertyMode") !== "value_only";
  const properties = v1Properties(state, "contacts", rec, names);
  if (!withHistory)
    for (const p of Object.values(properties)) delete p.versions;
  const profile = {
    vid,
    "canonical-vid": vid,
    "merged-vids": [],
    "portal-id": PORTAL_ID,
    "is-contact": true,
    properties,
    "form-submissions": [],
    "list-memberships": [],
    "identity-profiles": [
      {
        vid,
        "saved-at-timestamp": Date.parse(rec.updatedAt),
        "deleted-changed-timestamp": 0,
        identities: v1Identities(rec),
      },
    ],
    "merge-audits": [],
  };
  if (params.get("showListMemberships") === "false")
    delete profile["list-memberships"];
  return profile;
}

// v1 400 body: "Property values were not valid" plus one validationResults entry per bad property.
function v1Invalid(results) {
  return new HubSpotError(400, "Property values were not valid", undefined, {
    validationResults: results,
    requestId: crypto.randomUUID(),
  });
}

function v1PropertyList(body) {
  const list = body && body.properties;
  if (!Array.isArray(list))
    throw new HubSpotError(
      400,
      'Invalid input JSON: "properties" must be an array of {property, value}',
      undefined,
      { requestId: crypto.randomUUID() },
    );
  const values = {};
  for (const entry of list) {
    if (
      !entry ||
      typeof entry !== "object" ||
      typeof entry.property !== "string"
    )
      throw v1Invalid([
        {
          isValid: false,
          message: 'Each property needs a string "property" name',
          error: "INVALID_PROPERTY",
          name: "",
        },
      ]);
    values[entry.property] = entry.value;
  }
  return values;
}

/**
 * POST /contacts/v1/contact/createOrUpdate/email/:email
 * 200 {vid, isNew}. An `email` property in the body that differs from the URL changes the contact's
 * email; 409 CONTACT_EXISTS when another contact already has it. Invalid values: 400 with validationResults.
 */
function v1CreateOrUpdate(state, rawEmail, body) {
  const email = String(rawEmail).trim();
  const emailDef = state.catalogue("contacts").get("email");
  const checked = checkValue(emailDef, email);
  if (!email || !checked.ok)
    throw v1Invalid([
      {
        isValid: false,
        message: `Email address ${email} is invalid`,
        error: "INVALID_EMAIL",
        name: "email",
      },
    ]);
  const { values, errors } = state.validate("contacts", v1PropertyList(body));
  if (errors.length) throw v1Invalid(errors);
  const existing = state.findBy("contacts", "email", checked.value);
  const newEmail =
    values.email && values.email !== checked.value ? values.email : undefined;
  if (newEmail) {
    const other = state.findBy("contacts", "email", newEmail);
    if (other && (!existing || other.id !== existing.id)) {
      throw new HubSpotError(409, "Contact already exists", undefined, {
        error: "CONTACT_EXISTS",
        identityProfile: {
          vid: Number(other.id),
          identity: [
            { type: "EMAIL", value: other.properties.email, isPrimary: true },
          ],
        },
      });
    }
  } else delete values.email;
  if (existing) {
    state.updateRecord(existing, values);
    return [200, { vid: Number(existing.id), isNew: false }];
  }
  const rec = state.createRecord("contacts", {
    ...values,
    email: newEmail || checked.value,
  });
  return [200, { vid: Number(rec.id), isNew: true }];
}

function v1ContactNotFound() {
  return new HubSpotError(404, "contact does not exist", undefined, {
    requestId: crypto.randomUUID(),
  });
}

/** GET /deals/v1/deal/paged: {deals, hasMore, offset}; properties only when asked for. */
function v1DealsPaged(state, params) {
  let limit = 100;
  if (params.has("limit")) {
    limit = Number(params.get("limit"));
    if (!Number.isInteger(limit) || limit < 1)
      throw validation("limit must be a positive integer");
    limit = Math.min(limit, 250);
  }
  const offset = params.has("offset") ? Number(params.get("offset")) : 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw validation(`Invalid offset: ${params.get("offset")}`);
  const names = [
    ...params.getAll("properties"),
    ...params.getAll("propertiesWithHistory"),
  ];
  const all = [...state.store("deals").values()];
  const page = all.slice(offset, offset + limit);
  const deals = page.map((rec) => ({
    portalId: PORTAL_ID,
    dealId: Number(rec.id),
    isDeleted: false,
    associations: {
      associatedVids: [],
      associatedCompanyIds: [],
      associatedDealIds: [],
      associatedTicketIds: [],
    },
    properties: names.length ? v1Properties(state, "deals", rec, names) : {},
    imports: [],
    stateChanges: [],
  }));
  const hasMore = offset + limit < all.length;
  return [200, { deals, hasMore, offset: offset + page.length }];
}

function accountDetails() {
  return {
    portalId: PORTAL_ID,
    accountType: "STANDARD",
    timeZone: "US/Eastern",
    companyCurrency: "USD",
    additionalCurrencies: [],
    utcOffset: "-05:00",
    utcOffsetMilliseconds: -18000000,
    uiDomain: "app.hubspot.com",
    dataHostingLocation: "na1",
  };
}

// ---- custom object schemas, default associations ----

/** POST /crm/v3/schemas: defines a custom object (objectTypeId "2-..."), its properties and group. */
function createSchema(state, body) {
  const b = body || {};
  const labels = b.labels || {};
  if (!b.name || !labels.singular || !labels.plural)
    throw validation(
      'Object schema requires "name" and "labels" with "singular" and "plural"',
    );
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(String(b.name)))
    throw validation(`Invalid object name: ${b.name}`);
  const props = Array.isArray(b.properties) ? b.properties : [];
  const names = new Set(props.map((p) => p && p.name));
  const required = Array.isArray(b.requiredProperties) ? b.requiredProperties : [];
  const missing = required.filter((n) => !names.has(n));
  if (missing.length)
    throw validation(
      `Required properties are not defined in properties: ${missing.join(", ")}`,
    );
  const name = String(b.name).toLowerCase();
  for (const existing of state.schemas.values()) {
    if (existing.name === name)
      throw new HubSpotError(
        409,
        `An object type with name '${name}' already exists.`,
        "OBJECT_ALREADY_EXISTS",
      );
  }
  const objectTypeId = `2-${state.nextSchemaId++}`;
  const group = `${name}_information`;
  state.groupsOf(objectTypeId).set(group, {
    name: group,
    label: `${labels.singular} information`,
    displayOrder: 0,
    archived: false,
  });
  const catalogue = state.catalogue(objectTypeId);
  for (const p of props) {
    if (!p || !p.name || !p.label || !p.type)
      throw validation('Each schema property needs "name", "label" and "type"');
    const def = {
      name: String(p.name),
      label: String(p.label),
      type: p.type,
      fieldType: p.fieldType || (p.type === "number" ? "number" : "text"),
      groupName: group,
      hasUniqueValue: Boolean(p.hasUniqueValue),
    };
    if (Array.isArray(p.options)) def.options = p.options;
    catalogue.set(def.name, def);
  }
  const ts = state.nowIso();
  const schema = {
    id: objectTypeId.slice(2),
    objectTypeId,
    name,
    fullyQualifiedName: `p${PORTAL_ID}_${name}`,
    labels: { singular: String(labels.singular), plural: String(labels.plural) },
    primaryDisplayProperty: b.primaryDisplayProperty,
    requiredProperties: required,
    searchableProperties: b.searchableProperties || [],
    secondaryDisplayProperties: b.secondaryDisplayProperties || [],
    associations: [],
    createdAt: ts,
    updatedAt: ts,
    archived: false,
  };
  state.schemas.set(objectTypeId, schema);
  return schema;
}

function schemaWithProperties(state, schema) {
  return {
    ...schema,
    properties: [...state.catalogue(schema.objectTypeId).values()],
  };
}

/** POST /crm/v4/associations/{from}/{to}/batch/associate/default: the unlabelled type, per input. */
function associateDefault(state, fromType, toType, body) {
  const startedAt = state.nowIso();
  const inputs = batchInputs(body, ASSOCIATION_BATCH_LIMIT);
  const typeIdOfPair = DEFAULT_ASSOCIATION_TYPES[`${fromType}|${toType}`];
  if (typeIdOfPair === undefined)
    throw validation(
      `No default association type between ${fromType} and ${toType}; create a labelled association instead.`,
    );
  const spec = {
    associationCategory: "HUBSPOT_DEFINED",
    associationTypeId: typeIdOfPair,
  };
  const results = [];
  const errors = [];
  for (const input of inputs) {
    const fromId = String(input && input.from && input.from.id);
    const toId = String(input && input.to && input.to.id);
    const missing = [];
    if (!state.store(fromType).has(fromId)) missing.push(`${fromType} ${fromId}`);
    if (!state.store(toType).has(toId)) missing.push(`${toType} ${toId}`);
    if (missing.length) {
      errors.push({
        status: "error",
        category: "VALIDATION_ERROR",
        message: `Invalid association input: ${missing.join(", ")} not valid`,
        context: { fromId: [fromId], toId: [toId] },
      });
      continue;
    }
    state.addAssociation(fromType, fromId, toType, toId, [spec]);
    results.push({ from: { id: fromId }, to: { id: toId }, associationSpec: spec });
  }
  return [errors.length ? 207 : 200, complete(state, startedAt, results, errors)];
}

// ---- CRM search and GDPR delete ----

/** One search filter against a record (HubSpot compares strings without case). */
function filterMatches(rec, filter) {
  const f = filter || {};
  const raw = rec.properties[f.propertyName];
  const has = raw !== undefined && raw !== null && raw !== "";
  const text = has ? String(raw).toLowerCase() : "";
  const same = (v) => has && text === String(v).toLowerCase();
  const number = (v) => {
    const n = Number(v);
    return Number.isFinite(n) ? n : Date.parse(String(v));
  };
  switch (f.operator) {
    case "EQ":
      return same(f.value);
    case "NEQ":
      return !same(f.value);
    case "LT":
      return has && number(raw) < number(f.value);
    case "LTE":
      return has && number(raw) <= number(f.value);
    case "GT":
      return has && number(raw) > number(f.value);
    case "GTE":
      return has && number(raw) >= number(f.value);
    case "BETWEEN":
      return has && number(raw) >= number(f.value) && number(raw) <= number(f.highValue);
    case "IN":
      return Array.isArray(f.values) && f.values.some(same);
    case "NOT_IN":
      return !(Array.isArray(f.values) && f.values.some(same));
    case "HAS_PROPERTY":
      return has;
    case "NOT_HAS_PROPERTY":
      return !has;
    case "CONTAINS_TOKEN":
    case "NOT_CONTAINS_TOKEN": {
      // A token with `*` wildcards, matched against the value's words (the emulator's reading).
      const token = String(f.value === undefined ? "" : f.value).toLowerCase();
      const pattern = new RegExp(
        `^${token.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`,
      );
      const found = has && (pattern.test(text) || text.split(/[\s,;]+/).some((w) => pattern.test(w)));
      return f.operator === "CONTAINS_TOKEN" ? found : !found;
    }
    default:
      throw validation(`Unsupported filter operator: ${f.operator}`);
  }
}

/**
 * POST /crm/v3/objects/{type}/search: filterGroups are ORed and the filters of a group ANDed (at
 * most 5 groups, 6 filters a group, 18 in all); `properties` (default: the object's documented
 * default set), `limit` (1..200, default 10), `after`; never more than 10,000 results in all. The
 * emulator indexes at once (HubSpot's search may lag a write by seconds), answers in ID order
 * (ASSUMED: HubSpot sorts by ID when no sort is given), and does not implement `query` or `sorts`.
 */
function searchObjects(state, type, body) {
  const b = body || {};
  if (b.query !== undefined && b.query !== "")
    throw validation("The emulator does not implement the full-text `query` of a search");
  if (Array.isArray(b.sorts) && b.sorts.length)
    throw validation("The emulator does not implement `sorts` in a search");
  const groups = Array.isArray(b.filterGroups) ? b.filterGroups : [];
  if (groups.length > SEARCH_MAX_GROUPS)
    throw validation(`Too many filter groups: ${groups.length} (max ${SEARCH_MAX_GROUPS})`);
  let filters = 0;
  for (const g of groups) {
    const n = Array.isArray(g && g.filters) ? g.filters.length : 0;
    if (n > SEARCH_MAX_FILTERS_PER_GROUP)
      throw validation(`Too many filters in a group: ${n} (max ${SEARCH_MAX_FILTERS_PER_GROUP})`);
    filters += n;
  }
  if (filters > SEARCH_MAX_FILTERS)
    throw validation(`Too many filters: ${filters} (max ${SEARCH_MAX_FILTERS})`);
  const limit = b.limit === undefined ? 10 : Number(b.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX_LIMIT)
    throw validation(`limit must be between 1 and ${SEARCH_MAX_LIMIT}`);
  const after = b.after === undefined || b.after === "" ? 0 : Number(b.after);
  if (!Number.isInteger(after) || after < 0)
    throw validation(`Invalid "after" cursor: ${b.after}`);
  if (after + limit > SEARCH_MAX_RESULTS)
    throw validation(`A search returns at most ${SEARCH_MAX_RESULTS} results`);
  const matches = [...state.store(type).values()]
    .filter(
      (rec) =>
        groups.length === 0 ||
        groups.some((g) => (Array.isArray(g && g.filters) ? g.filters : []).every((f) => filterMatches(rec, f))),
    )
    .sort((a, b2) => Number(a.id) - Number(b2.id));
  const names =
    Array.isArray(b.properties) && b.properties.length
      ? b.properties.map(String)
      : SEARCH_DEFAULT_PROPERTIES[type] || ["createdate", "hs_lastmodifieddate", "hs_object_id"];
  const out = {
    total: matches.length,
    results: matches.slice(after, after + limit).map((rec) => pickProperties(rec, names)),
  };
  if (after + limit < matches.length)
    out.paging = { next: { after: String(after + limit), link: `?after=${after + limit}` } };
  return out;
}

/**
 * POST /crm/v3/objects/contacts/gdpr-delete {objectId, idProperty?}: HubSpot's GDPR delete, as
 * documented: the contact and its associations go for good (here also its list memberships), the
 * answer is 204 without a body, and with idProperty "email" an address no contact has is added to
 * a blocklist so it is not used again. ASSUMED: that blocklisting answers 204 as well (HubSpot
 * documents no other answer); faults.gdprDeleteMissing "404" answers it 404 OBJECT_NOT_FOUND
 * instead. An ID no contact has is a 404.
 */
function gdprDelete(state, body) {
  const b = body || {};
  if (b.objectId === undefined || b.objectId === null || String(b.objectId).trim() === "")
    throw validation("Invalid input JSON on line 1", { context: { objectId: ["must not be empty"] } });
  const idProperty = b.idProperty === undefined || b.idProperty === null ? undefined : String(b.idProperty);
  if (idProperty !== undefined && idProperty !== "hs_object_id" && idProperty !== "email") {
    const def = state.catalogue("contacts").get(idProperty);
    if (!def || !def.hasUniqueValue)
      throw validation(`${idProperty} is not a unique identifier property of contacts`);
  }
  const objectId = String(b.objectId).trim();
  const rec = state.findBy("contacts", idProperty, objectId);
  if (!rec) {
    if (idProperty === "email" && state.faults.gdprDeleteMissing === "blocklist") {
      state.gdprBlocklist.add(objectId.toLowerCase());
      return [204, undefined];
    }
    throw new HubSpotError(404, "Object not found.", "OBJECT_NOT_FOUND");
  }
  state.deleteRecord("contacts", rec);
  const kept = state.associations.filter(
    (a) => !((a.fromType === "contacts" && a.fromId === rec.id) || (a.toType === "contacts" && a.toId === rec.id)),
  );
  state.associations.length = 0;
  state.associations.push(...kept);
  for (const [listId, members] of state.memberships) {
    const list = state.lists.get(listId);
    if (list && typeForTypeId(list.objectTypeId) === "contacts") members.delete(rec.id);
  }
  return [204, undefined];
}

// ---- routing ----

function route(state, method, path, query, body, params) {
  let m;
  const seg = (i) => decodeURIComponent(m[i]);
  const expect = (...methods) => {
    if (!methods.includes(method))
      throw new HubSpotError(
        405,
        `Method ${method} not allowed on ${path}`,
        "METHOD_NOT_ALLOWED",
      );
  };

  if ((m = path.match(/^\/crm\/v3\/objects\/([^/]+)\/batch\/([^/]+)$/))) {
    expect("POST");
    const type = normalizeType(seg(1));
    return objectsBatch(state, type, seg(2), body || {});
  }
  if ((m = path.match(/^\/crm\/v3\/objects\/([^/]+)$/))) {
    const type = normalizeType(seg(1));
    expect("GET", "POST");
    if (method === "GET") {
      const names = splitNames(query.properties);
      const historyNames = historyParam(params);
      const all = [...state.store(type).values()];
      // HubSpot answers at most 50 records a page when propertiesWithHistory is asked for.
      return [
        200,
        pageOf(all, query, 10, historyNames.length ? 50 : 100, (r) =>
          readRecord(state, r, names, historyNames),
        ),
      ];
    }
    const values = validateOrThrow(state, type, body && body.properties, true);
    contactConflict(state, type, values);
    const rec = state.createRecord(type, values);
    addInlineAssociations(state, type, rec, body || {});
    return [201, rec];
  }
  if (/^\/crm\/v3\/objects\/(contacts|0-1)\/gdpr-delete$/.test(path)) {
    expect("POST");
    return gdprDelete(state, body);
  }
  if ((m = path.match(/^\/crm\/v3\/objects\/([^/]+)\/search$/))) {
    expect("POST");
    return [200, searchObjects(state, normalizeType(seg(1)), body)];
  }
  if ((m = path.match(/^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/))) {
    const type = normalizeType(seg(1));
    expect("GET", "PATCH", "DELETE");
    const rec = state.findBy(type, query.idProperty, seg(2));
    if (method === "DELETE") {
      if (rec) state.deleteRecord(type, rec);
      return [204, undefined];
    }
    if (!rec) throw objectNotFound(type, seg(2));
    if (method === "GET")
      return [
        200,
        readRecord(
          state,
          rec,
          splitNames(query.properties),
          historyParam(params),
        ),
      ];
    const values = validateOrThrow(state, type, body && body.properties);
    contactConflict(state, type, values, rec.id);
    return [200, state.updateRecord(rec, values)];
  }
  if ((m = path.match(/^\/crm\/v3\/properties\/([^/]+)\/groups$/))) {
    const type = normalizeType(seg(1));
    expect("GET", "POST");
    const groups = state.groupsOf(type);
    if (method === "GET") return [200, { results: [...groups.values()] }];
    const b = body || {};
    if (!b.name || !b.label)
      throw validation('Property group requires "name" and "label"');
    if (groups.has(b.name)) {
      throw new HubSpotError(
        409,
        `A property group named '${b.name}' already exists.`,
        "OBJECT_ALREADY_EXISTS",
      );
    }
    const g = {
      name: String(b.name),
      label: String(b.label),
      displayOrder: b.displayOrder === undefined ? -1 : Number(b.displayOrder),
      archived: false,
    };
    groups.set(g.name, g);
    return [201, g];
  }
  if ((m = path.match(/^\/crm\/v3\/properties\/([^/]+)$/))) {
    const type = normalizeType(seg(1));
    expect("GET", "POST");
    const catalogue = state.catalogue(type);
    if (method === "GET") return [200, { results: [...catalogue.values()] }];
    const b = body || {};
    const missing = ["name", "label", "type", "fieldType", "groupName"].filter(
      (k) => !b[k],
    );
    if (missing.length)
      throw validation(
        `Property is missing required fields: ${missing.join(", ")}`,
      );
    if (
      !["string", "number", "date", "datetime", "enumeration", "bool"].includes(
        b.type,
      )
    )
      throw validation(`Invalid property type: ${b.type}`);
    if (catalogue.has(b.name)) {
      throw new HubSpotError(
        409,
        `Property named '${b.name}' already exists.`,
        "OBJECT_ALREADY_EXISTS",
        { errors: [{ message: `Property named '${b.name}' already exists.` }] },
      );
    }
    if (!state.groupsOf(type).has(b.groupName))
      throw validation(`Property group '${b.groupName}' does not exist.`);
    const def = {
      name: String(b.name),
      label: String(b.label),
      type: b.type,
      fieldType: b.fieldType,
      groupName: b.groupName,
    };
    if (b.description !== undefined) def.description = String(b.description);
    if (Array.isArray(b.options)) def.options = b.options;
    if (b.hasUniqueValue !== undefined) def.hasUniqueValue = Boolean(b.hasUniqueValue);
    if (b.type === "bool" && !def.options)
      def.options = [
        { label: "Yes", value: "true" },
        { label: "No", value: "false" },
      ];
    if (b.type === "bool") def.type = "enumeration";
    def.createdAt = state.nowIso();
    catalogue.set(def.name, def);
    return [201, def];
  }
  if ((m = path.match(/^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/))) {
    const type = normalizeType(seg(1));
    expect("GET");
    const def = state.catalogue(type).get(seg(2));
    if (!def)
      throw new HubSpotError(
        404,
        `Unable to find property ${seg(2)} on ${type}`,
        "OBJECT_NOT_FOUND",
      );
    return [200, def];
  }
  if (/^\/crm\/v3\/schemas\/?$/.test(path)) {
    expect("GET", "POST");
    if (method === "POST")
      return [201, schemaWithProperties(state, createSchema(state, body))];
    return [
      200,
      {
        results: [...state.schemas.values()].map((s) =>
          schemaWithProperties(state, s),
        ),
      },
    ];
  }
  if (
    (m = path.match(
      /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/associate\/default$/,
    ))
  ) {
    expect("POST");
    return associateDefault(
      state,
      normalizeType(seg(1)),
      normalizeType(seg(2)),
      body,
    );
  }
  if (
    (m = path.match(
      /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/batch\/create$/,
    ))
  ) {
    expect("POST");
    const fromType = normalizeType(seg(1));
    const toType = normalizeType(seg(2));
    const startedAt = state.nowIso();
    const inputs = batchInputs(body, ASSOCIATION_BATCH_LIMIT);
    const results = [];
    const errors = [];
    for (const input of inputs) {
      const fromId = String(input && input.from && input.from.id);
      const toId = String(input && input.to && input.to.id);
      const types = input && Array.isArray(input.types) ? input.types : [];
      const missing = [];
      if (!state.store(fromType).has(fromId))
        missing.push(`${fromType} ${fromId}`);
      if (!state.store(toType).has(toId)) missing.push(`${toType} ${toId}`);
      if (!types.length) missing.push("types");
      if (missing.length) {
        errors.push({
          status: "error",
          category: "VALIDATION_ERROR",
          message: `Invalid association input: ${missing.join(", ")} not valid`,
          context: { fromId: [fromId], toId: [toId] },
        });
        continue;
      }
      state.addAssociation(fromType, fromId, toType, toId, types);
      results.push({
        fromObjectTypeId: typeId(fromType),
        fromObjectId: Number(fromId),
        toObjectTypeId: typeId(toType),
        toObjectId: Number(toId),
        labels: types.map((t) => t.label).filter(Boolean),
      });
    }
    return [errors.length ? 207 : 201, complete(state, startedAt, results, errors)];
  }
  if (
    (m = path.match(/^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/labels$/))
  ) {
    expect("GET", "POST");
    return associationLabels(
      state,
      method,
      normalizeType(seg(1)),
      normalizeType(seg(2)),
      body,
    );
  }
  if (/^\/crm\/v3\/lists\/search\/?$/.test(path)) {
    expect("POST");
    return [200, searchLists(state, body || {})];
  }
  if (/^\/crm\/v3\/lists\/?$/.test(path)) {
    expect("POST");
    const b = body || {};
    if (!b.name || !b.objectTypeId || !b.processingType)
      throw validation(
        'List requires "name", "objectTypeId" and "processingType"',
      );
    if (!["MANUAL", "DYNAMIC", "SNAPSHOT"].includes(b.processingType))
      throw validation(`Invalid processingType: ${b.processingType}`);
    if (findListByName(state, String(b.objectTypeId), b.name)) {
      throw validation(`A list named '${b.name}' already exists.`, {
        subCategory: "ILS.DUPLICATE_LIST_NAMES",
      });
    }
    const ts = state.nowIso();
    const list = {
      listId: String(state.nextListId++),
      name: String(b.name),
      processingType: b.processingType,
      objectTypeId: String(b.objectTypeId),
      listVersion: 1,
      processingStatus: "COMPLETE",
      createdAt: ts,
      updatedAt: ts,
    };
    state.lists.set(list.listId, list);
    state.memberships.set(list.listId, new Map());
    return [200, { list: state.publicList(list) }];
  }
  if (
    (m = path.match(
      /^\/crm\/v3\/lists\/object-type-id\/([^/]+)\/name\/([^/]+)$/,
    ))
  ) {
    expect("GET");
    const list = findListByName(state, seg(1), seg(2));
    if (!list)
      throw new HubSpotError(
        404,
        `List with name ${seg(2)} does not exist.`,
        "OBJECT_NOT_FOUND",
        { subCategory: "ILS.LIST_NOT_FOUND" },
      );
    return [200, { list: state.publicList(list) }];
  }
  if (
    (m = path.match(/^\/crm\/v3\/lists\/([^/]+)\/memberships\/(add|remove)$/))
  ) {
    expect("PUT");
    const list = getList(state, seg(1));
    if (list.processingType === "DYNAMIC")
      throw validation(
        `List ${list.listId} is DYNAMIC; its memberships cannot be edited.`,
      );
    const ids = listRecordIds(body);
    const members = state.memberships.get(list.listId);
    const store = state.store(typeForTypeId(list.objectTypeId));
    const changed = [];
    const missing = [];
    for (const id of ids) {
      if (seg(2) === "add") {
        if (!store.has(id)) missing.push(id);
        else if (!members.has(id)) {
          members.set(id, state.nowIso());
          changed.push(id);
        }
      } else if (members.delete(id)) changed.push(id);
      else missing.push(id);
    }
    list.updatedAt = state.nowIso();
    return [
      200,
      seg(2) === "add"
        ? // Field name as in HubSpot's OpenAPI spec (and @hubspot/api-client's model).
          { recordsIdsAdded: changed, recordIdsMissing: missing }
        : { recordIdsRemoved: changed, recordIdsMissing: missing },
    ];
  }
  if ((m = path.match(/^\/crm\/v3\/lists\/([^/]+)\/memberships$/))) {
    expect("GET");
    const list = getList(state, seg(1));
    const all = [...state.memberships.get(list.listId)];
    return [
      200,
      {
        ...pageOf(all, query, 100, 250, ([recordId, membershipTimestamp]) => ({
          recordId,
          membershipTimestamp,
        })),
        total: all.length,
      },
    ];
  }
  if ((m = path.match(/^\/crm\/v3\/lists\/([^/]+)$/))) {
    expect("GET", "DELETE");
    const list = getList(state, seg(1));
    if (method === "DELETE") {
      state.lists.delete(list.listId);
      state.memberships.delete(list.listId);
      return [204, undefined];
    }
    return [200, { list: state.publicList(list) }];
  }
  if (
    (m = path.match(
      /^\/contacts\/v1\/contact\/createOrUpdate\/email\/([^/]+)\/?$/,
    ))
  ) {
    expect("POST");
    return v1CreateOrUpdate(state, seg(1), body);
  }
  if ((m = path.match(/^\/contacts\/v1\/contact\/vid\/([^/]+)\/profile\/?$/))) {
    expect("GET");
    const rec = /^\d+$/.test(seg(1))
      ? state.findBy("contacts", undefined, seg(1))
      : undefined;
    if (!rec) throw v1ContactNotFound();
    return [200, v1ContactProfile(state, rec, params)];
  }
  if (/^\/deals\/v1\/deal\/paged\/?$/.test(path)) {
    expect("GET");
    return v1DealsPaged(state, params);
  }
  if (/^\/account-info\/v3\/details\/?$/.test(path)) {
    expect("GET");
    return [200, accountDetails()];
  }
  throw new HubSpotError(
    404,
    `No route for ${method} ${path}`,
    "OBJECT_NOT_FOUND",
  );
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(raw) {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw validation(
      "Invalid input JSON on line 1: the request body is not valid JSON",
    );
  }
}

function send(res, status, payload, headers) {
  if (res.writableEnded || res.destroyed) return;
  if (payload === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    "content-type": "application/json;charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function bearerToken(req) {
  const h = req.headers.authorization;
  if (typeof h !== "string") return "";
  const m = h.match(/^Bearer\s+(.+)$/i);
  return m ? m[1].trim() : "";
}

const groupName = (token) =>
  `publicapi:private-app:${fingerprint(token)}:${PORTAL_ID}`;

function rollDay(state, now) {
  const day = utcDay(now);
  if (state.daily.day !== day) {
    state.daily.day = day;
    state.daily.counts.clear();
  }
}

function rateHeaders(state, token, now) {
  const { limitPer10s, windowMs, dailyLimit } = state.limits;
  const hits = (token && state.hits.get(token)) || [];
  const live = hits.filter((t) => t > now - windowMs).length;
  const used = (token && state.daily.counts.get(token)) || 0;
  return {
    "x-hubspot-ratelimit-max": String(limitPer10s),
    "x-hubspot-ratelimit-remaining": String(Math.max(0, limitPer10s - live)),
    "x-hubspot-ratelimit-interval-milliseconds": String(windowMs),
    "x-hubspot-ratelimit-daily": String(dailyLimit),
    "x-hubspot-ratelimit-daily-remaining": String(
      Math.max(0, dailyLimit - used),
    ),
  };
}

function tenSecondly429(token, retryAfter) {
  return new HubSpotError(
    429,
    "You have reached your ten_secondly_rolling limit.",
    undefined,
    {
      errorType: "RATE_LIMIT",
      policyName: "TEN_SECONDLY_ROLLING",
      groupName: groupName(token),
    },
    { "retry-after": String(retryAfter) },
  );
}

function daily429(token, retryAfter) {
  return new HubSpotError(
    429,
    "You have reached your daily limit.",
    undefined,
    {
      errorType: "RATE_LIMIT",
      policyName: "DAILY",
      groupName: groupName(token),
    },
    { "retry-after": String(retryAfter) },
  );
}

function serverError(status) {
  const message =
    status === 503
      ? "Service Unavailable"
      : status === 502
        ? "Bad Gateway"
        : "internal error";
  return new HubSpotError(status, message, "INTERNAL_ERROR");
}

function errorBody(err) {
  const body = err.body();
  if (body.category === undefined) delete body.category;
  return body;
}

async function handleApi(state, req, res, url) {
  const query = Object.fromEntries(url.searchParams);
  for (const k of SECRET_QUERY) if (k in query) query[k] = "[redacted]";
  const token = bearerToken(req);
  const entry = {
    seq: state.log.length + 1,
    method: req.method,
    path: url.pathname,
    query,
    tokenFingerprint: token ? fingerprint(token) : null,
    status: 0,
    time: Date.now(),
  };
  state.log.push(entry);
  state.counters.requests += 1;
  const raw = await readBody(req);
  const f = state.faults;
  if (f.latencyMs > 0) await sleep(f.latencyMs);
  const now = Date.now();
  rollDay(state, now);
  const reply = (status, payload, extraHeaders) => {
    entry.status = status;
    entry.durationMs = Date.now() - entry.time;
    send(res, status, payload, {
      ...rateHeaders(state, token, Date.now()),
      ...extraHeaders,
    });
  };
  const fail = (err) => {
    if (err.status === 429) {
      entry.policyName = err.extra.policyName;
      if (err.extra.policyName === "DAILY") state.counters.dailyLimited += 1;
      else state.counters.rateLimited += 1;
    }
    if (err.status >= 500) state.counters.errors5xx += 1;
    return reply(err.status, errorBody(err), err.headers);
  };

  let body;
  try {
    body = parseJson(raw);
  } catch (err) {
    body = err;
  }
  if (body && Array.isArray(body.inputs)) entry.inputCount = body.inputs.length;
  else if (Array.isArray(body)) entry.inputCount = body.length;

  if (!token || !state.tokens.has(token) || state.revokedTokens.has(token)) {
    state.counters.unauthorized += 1;
    return fail(
      new HubSpotError(
        401,
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
      ),
    );
  }
  if (f.force429 > 0) {
    f.force429 -= 1;
    entry.forced = true;
    return fail(tenSecondly429(token, f.retryAfterSeconds));
  }
  if (f.force429Daily > 0) {
    f.force429Daily -= 1;
    entry.forced = true;
    return fail(daily429(token, f.retryAfterSeconds));
  }
  if (f.force5xx > 0) {
    f.force5xx -= 1;
    entry.forced = true;
    return fail(serverError(f.status5xx));
  }
  if (f.errorRate5xx > 0 && state.rng() < f.errorRate5xx) {
    entry.forced = true;
    return fail(serverError(state.rng() < 0.5 ? 502 : 503));
  }
  const used = state.daily.counts.get(token) || 0;
  if (used >= state.limits.dailyLimit) {
    const nextMidnight = Date.parse(`${state.daily.day}T00:00:00Z`) + 86400000;
    return fail(
      daily429(token, Math.max(1, Math.ceil((nextMidnight - now) / 1000))),
    );
  }
  let hits = state.hits.get(token);
  if (!hits) {
    hits = [];
    state.hits.set(token, hits);
  }
  while (hits.length && hits[0] <= now - state.limits.windowMs) hits.shift();
  if (hits.length >= state.limits.limitPer10s) {
    return fail(
      tenSecondly429(
        token,
        Math.max(1, Math.ceil((hits[0] + state.limits.windowMs - now) / 1000)),
      ),
    );
  }
  hits.push(now);
  state.daily.counts.set(token, used + 1);
  state.counters.accepted += 1;

  if (f.hang > 0 && (!f.hangPath || url.pathname.includes(f.hangPath))) {
    // Accepted and never answered; the log records when the client gave up and closed the connection.
    f.hang -= 1;
    entry.forced = true;
    entry.hung = true;
    res.on("close", () => {
      if (!res.writableEnded) entry.closedAt = Date.now();
    });
    return;
  }
  if (state.gate && state.gate.matches(url.pathname)) {
    entry.held = true;
    await state.gate.wait();
  }

  try {
    if (body instanceof Error) throw body;
    const [status, payload] = route(
      state,
      req.method,
      url.pathname,
      query,
      body,
      url.searchParams,
    );
    // faultPath (when set) limits the after-apply faults to paths containing it.
    const targeted = !f.faultPath || url.pathname.includes(f.faultPath);
    if (targeted && f.hangAfterApply > 0) {
      // Applied, then never answered: the client cannot tell whether the write happened.
      f.hangAfterApply -= 1;
      entry.forced = true;
      entry.hung = true;
      entry.applied = true;
      res.on("close", () => {
        if (!res.writableEnded) entry.closedAt = Date.now();
      });
      return;
    }
    if (targeted && f.force5xxAfterApply > 0) {
      // A proxy's 5xx after the request was applied: nothing says it was, yet it was.
      f.force5xxAfterApply -= 1;
      entry.forced = true;
      entry.applied = true;
      return fail(serverError(f.status5xx));
    }
    return reply(status, shapeBatchAnswer(state, url.pathname, payload));
  } catch (err) {
    if (err instanceof HubSpotError) return fail(err);
    return fail(
      new HubSpotError(
        500,
        `Emulator error: ${err && err.message}`,
        "INTERNAL_ERROR",
      ),
    );
  }
}

// ---- webhook deliveries ----

/** Headers of a signed webhook request, as HubSpot sends them for the given signature version. */
function webhookHeaders(clientSecret, uri, body, version, timestamp) {
  const headers = {
    "Content-Type": "application/json",
    "User-Agent": WEBHOOK_USER_AGENT,
  };
  const parts = { clientSecret, method: "POST", uri, body, timestamp };
  if (version === "v3") {
    headers["X-HubSpot-Signature-v3"] = signatureV3(parts);
    headers["X-HubSpot-Request-Timestamp"] = String(timestamp);
    // HubSpot keeps sending the older signature beside v3 (v1 for CRM object events).
    headers["X-HubSpot-Signature"] = signatureV1(parts);
    headers["X-HubSpot-Signature-Version"] = "v1";
  } else {
    headers["X-HubSpot-Signature"] =
      version === "v2" ? signatureV2(parts) : signatureV1(parts);
    headers["X-HubSpot-Signature-Version"] = version;
  }
  return headers;
}

/**
 * POSTs body to targetUrl on a fresh connection. Resolves { status, body } with status a number, 'timeout'
 * (no complete answer within timeoutMs; the connection is then destroyed) or 'error' (could not connect).
 */
function postWebhook(targetUrl, body, headers, timeoutMs) {
  return new Promise((resolve) => {
    let settled = false;
    let timer;
    const finish = (r) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let req;
    try {
      const url = new URL(targetUrl);
      const lib = url.protocol === "https:" ? https : http;
      req = lib.request(
        url,
        {
          method: "POST",
          headers: { ...headers, "Content-Length": Buffer.byteLength(body) },
          agent: false,
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () =>
            finish({
              status: res.statusCode,
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", (err) =>
            finish({ status: "error", body: "", error: err.message }),
          );
        },
      );
    } catch (err) {
      finish({ status: "error", body: "", error: err && err.message });
      return;
    }
    timer = setTimeout(() => {
      finish({ status: "timeout", body: "" });
      req.destroy();
    }, timeoutMs);
    req.on("error", (err) => finish({ status: "error", body: "", error: err.message }));
    req.end(body);
  });
}

const deliveredOk = (status) => typeof status === "number" && status >= 200 && status < 300;
// HubSpot retries timeouts, failed connections, 5xx and 429; other 4xx answers are final.
const retryable = (status) =>
  !deliveredOk(status) &&
  !(typeof status === "number" && status >= 400 && status < 500 && status !== 429);

/**
 * Sends every queued event: requests of at most maxEventsPerRequest events, in queue order. Requests
 * that fail retryably are sent again (same events, attemptNumber + 1, signed anew) after each of
 * retryDelaysMs in turn, once the round before has been sent; after the last they are dropped.
 * Events queued meanwhile (e.g. by the receiver's own API writes) wait for the next call.
 */
async function deliverWebhooks(state) {
  const cfg = state.webhooks;
  if (!cfg) throw validation("Webhooks are not configured: configureWebhooks first");
  const generation = state.generation;
  const events = state.webhookQueue.splice(0);
  let pending = [];
  for (let i = 0; i < events.length; i += cfg.maxEventsPerRequest)
    pending.push(events.slice(i, i + cfg.maxEventsPerRequest));
  const requests = [];
  for (let attempt = 0; pending.length; attempt++) {
    if (attempt > 0) {
      await sleep(cfg.retryDelaysMs[attempt - 1]);
      if (state.generation !== generation) break;
    }
    const again = [];
    for (const batch of pending) {
      const body = JSON.stringify(batch.map((e) => ({ ...e, attemptNumber: attempt })));
      const timestamp = state.now();
      const r = await postWebhook(
        cfg.targetUrl,
        body,
        webhookHeaders(cfg.clientSecret, cfg.targetUrl, body, cfg.signatureVersion, timestamp),
        cfg.timeoutMs,
      );
      const entry = {
        status: r.status,
        eventIds: batch.map((e) => e.eventId),
        attemptNumber: attempt,
        timestamp: String(timestamp),
      };
      if (r.error) entry.error = r.error;
      if (!deliveredOk(r.status)) {
        if (retryable(r.status) && attempt < cfg.retryDelaysMs.length) again.push(batch);
        else entry.dropped = true;
      }
      requests.push(entry);
      if (state.generation === generation) state.deliveries.push(entry);
    }
    pending = again;
  }
  return { requests };
}

/**
 * Sends exactly `events` as one signed request to the configured target (no queue, no retry, not logged
 * as a delivery): for repeated eventIds, stale timestamps, a wrong secret or a body changed after signing.
 */
async function sendWebhookEvents(state, events, opts) {
  const cfg = state.webhooks;
  if (!cfg) throw validation("Webhooks are not configured: configureWebhooks first");
  if (!Array.isArray(events)) throw validation("events must be an array");
  const o = opts || {};
  const version = o.signatureVersion === undefined ? cfg.signatureVersion : o.signatureVersion;
  if (!SIGNATURE_VERSIONS.includes(version))
    throw validation(`signatureVersion must be one of ${SIGNATURE_VERSIONS.join(", ")}`);
  const timestamp = o.timestamp === undefined ? state.now() : o.timestamp;
  const signed = JSON.stringify(events);
  let body = signed;
  if (typeof o.tamperBody === "function") body = String(o.tamperBody(signed));
  else if (typeof o.tamperBody === "string") body = o.tamperBody;
  else if (o.tamperBody) {
    // true: the first event's objectId is changed after signing.
    if (!events.length || !events[0] || typeof events[0] !== "object")
      throw validation("tamperBody: true needs at least one event object");
    const [first, ...rest] = events;
    body = JSON.stringify([{ ...first, objectId: Number(first.objectId) + 1 }, ...rest]);
  }
  const secret = o.secret === undefined ? cfg.clientSecret : String(o.secret);
  const r = await postWebhook(
    cfg.targetUrl,
    body,
    webhookHeaders(secret, cfg.targetUrl, signed, version, timestamp),
    cfg.timeoutMs,
  );
  return { status: r.status, body: r.body };
}

function filterLog(state, filter) {
  return state.log.filter(
    (e) => !filter || Object.entries(filter).every(([k, v]) => e[k] === v),
  );
}

async function handleControl(state, req, res, url) {
  const raw = await readBody(req);
  try {
    const body = parseJson(raw) || {};
    switch (`${req.method} ${url.pathname}`) {
      case "GET /__emulator/state":
        return send(
          res,
          200,
          state.snapshot({ includeLog: url.searchParams.get("log") !== "0" }),
        );
      case "GET /__emulator/requests": {
        const filter = {};
        for (const [k, v] of url.searchParams)
          filter[k] = k === "status" ? Number(v) : v;
        return send(res, 200, {
          entries: filterLog(
            state,
            Object.keys(filter).length ? filter : undefined,
          ),
        });
      }
      case "POST /__emulator/faults":
        return send(res, 200, state.setFaults(body));
      case "POST /__emulator/reset":
        state.reset();
        return send(res, 200, { ok: true });
      case "GET /__emulator/clock":
        return send(res, 200, state.clockSnapshot());
      case "POST /__emulator/clock":
        // {offsetMs}: sets the offset from the time source; {advanceMs}: moves it on.
        if (body.offsetMs !== undefined) state.setClockOffset(body.offsetMs);
        if (body.advanceMs !== undefined) state.advanceClock(body.advanceMs);
        return send(res, 200, state.clockSnapshot());
      case "POST /__emulator/ui/create":
        return send(
          res,
          201,
          state.uiCreate(normalizeType(body.objectType), body.properties, body),
        );
      case "POST /__emulator/ui/update":
        return send(
          res,
          200,
          state.uiUpdate(
            normalizeType(body.objectType),
            body.id,
            body.properties,
            body,
          ),
        );
      case "POST /__emulator/ui/delete":
        return send(
          res,
          200,
          state.uiDelete(normalizeType(body.objectType), body.id, body),
        );
      case "POST /__emulator/ui/merge":
        return send(
          res,
          200,
          state.uiMerge(
            normalizeType(body.objectType),
            body.primaryId,
            body.mergedId,
            body,
          ),
        );
      case "GET /__emulator/webhooks":
        return send(res, 200, state.webhooksSnapshot());
      case "POST /__emulator/webhooks":
        return send(res, 200, state.configureWebhooks(body));
      case "POST /__emulator/webhooks/deliver":
        return send(res, 200, await deliverWebhooks(state));
      case "POST /__emulator/webhooks/send":
        return send(
          res,
          200,
          await sendWebhookEvents(state, body.events, {
            signatureVersion: body.signatureVersion,
            timestamp: body.timestamp,
            tamperBody: body.tamperBody,
            secret: body.secret,
          }),
        );
      default:
        return send(res, 404, {
          status: "error",
          message: "Unknown emulator control endpoint",
        });
    }
  } catch (err) {
    if (err instanceof HubSpotError)
      return send(res, err.status, errorBody(err));
    return send(res, 500, {
      status: "error",
      message: `Emulator control failed: ${err && err.message}`,
    });
  }
}



/**
 * Starts the emulator on 127.0.0.1 (random port unless `port` is given). With `tls: {key, cert}` the same
 * emulator (one state, one rate-limit window) also answers HTTPS on tls.port / tls.host, for clients with a
 * fixed https://api.hubapi.com base URL.
 */
async function startHubSpotEmulator(opts) {
  const o = opts || {};
  const state = new HubSpotState({
    tokens: o.tokens,
    limitPer10s: o.limitPer10s,
    windowMs: o.windowMs,
    dailyLimit: o.dailyLimit,
    seed: o.seed,
    invalidMode: o.invalidMode,
    bareAccount: o.bareAccount,
    orderedResults: o.orderedResults,
    omitTraceIds: o.omitTraceIds,
    now: o.now,
    notifyApiChanges: o.notifyApiChanges,
  });
  const handle = (req, res) => {
    const url = new URL(req.url || "/", "http://emulator.local");
    const handler = url.pathname.startsWith("/__emulator/")
      ? handleControl
      : handleApi;
    handler(state, req, res, url).catch((err) =>
      send(res, 500, {
        status: "error",
        message: `Emulator crashed: ${err && err.message}`,
        correlationId: crypto.randomUUID(),
      }),
    );
  };
  const server = http.createServer(handle);
  server.keepAliveTimeout = 1000;
  const host = o.host || "127.0.0.1";
  const port = await listen(server, o.port, host);
  let tlsServer;
  let httpsPort;
  let httpsUrl;
  if (o.tls) {
    tlsServer = https.createServer(
      { key: o.tls.key, cert: o.tls.cert },
      handle,
    );
    tlsServer.keepAliveTimeout = 1000;
    const tlsHost = o.tls.host || host;
    try {
      httpsPort = await listen(tlsServer, o.tls.port, tlsHost);
    } catch (err) {
      await closeServer(server);
      throw err;
    }
    httpsUrl = `https://${tlsHost}:${httpsPort}`;
  }
  return {
    url: `http://${host}:${port}`,
    port,
    httpsUrl,
    httpsPort,
    state,
    defaultToken: DEFAULT_TOKEN,
    reset: () => state.reset(),
    setFaults: (faults) => state.setFaults(faults),
    requests: (filter) => filterLog(state, filter),
    objects: (type) => [...state.store(normalizeType(type)).values()],
    gdprBlocklist: () => [...state.gdprBlocklist],
    now: () => state.now(),
    advanceClock: (ms) => state.advanceClock(ms),
    uiCreate: (type, properties, uiOpts) =>
      state.uiCreate(normalizeType(type), properties, uiOpts),
    uiUpdate: (type, id, properties, uiOpts) =>
      state.uiUpdate(normalizeType(type), id, properties, uiOpts),
    uiDelete: (type, id, uiOpts) =>
      state.uiDelete(normalizeType(type), id, uiOpts),
    uiMerge: (type, primaryId, mergedId, uiOpts) =>
      state.uiMerge(normalizeType(type), primaryId, mergedId, uiOpts),
    configureWebhooks: (config) => state.configureWebhooks(config),
    queuedWebhookEvents: () => state.webhookQueue.map((e) => ({ ...e })),
    deliverWebhooks: () => deliverWebhooks(state),
    webhookDeliveries: () => state.deliveries.map((d) => ({ ...d })),
    sendWebhookEvents: (events, sendOpts) =>
      sendWebhookEvents(state, events, sendOpts),
    close: async () => {
      if (state.gate) state.gate.release("closed");
      await Promise.all([
        closeServer(server),
        tlsServer ? closeServer(tlsServer) : undefined,
      ]);
    },
  };
}

module.exports = {
  startHubSpotEmulator,
  signatureV3,
  signatureV2,
  signatureV1,
  DEFAULT_APP_ID,
  DEFAULT_TOKEN,
  BATCH_LIMIT,
  ASSOCIATION_BATCH_LIMIT,
  CONTACT_PROPERTY_NAMES: defaultCatalogue().contacts.map((p) => p.name),
};
