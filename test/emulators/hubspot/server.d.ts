export declare const DEFAULT_TOKEN: "pat-emulator-token";
/** The app whose token writes through the API (sourceId of INTEGRATION history entries and events) and the default webhook appId. */
export declare const DEFAULT_APP_ID: 1160452;
export declare const BATCH_LIMIT: 100;
export declare const ASSOCIATION_BATCH_LIMIT: 2000;
/** Names in the built-in contacts property catalogue (system properties included). */
export declare const CONTACT_PROPERTY_NAMES: string[];

export type InvalidMode = "batch400" | "perInput207";

/** "INTEGRATION" for API writes (private-app token), "CRM_UI" for changes made in HubSpot by a person. */
export type ChangeSourceType = "INTEGRATION" | "CRM_UI";

/** One entry of a property's change history (HubSpot's ValueWithTimestamp). */
export interface PropertyHistoryEntry {
  value: string;
  /** ISO time of the change (from the emulator clock, or `at` for UI changes). */
  timestamp: string;
  sourceType: ChangeSourceType;
  /** API writes: String(DEFAULT_APP_ID); UI changes: the sourceId given, if any. */
  sourceId?: string;
}

export interface HubSpotRecord {
  id: string;
  /**
   * Values are stored as strings (HubSpot style); always includes hs_object_id, createdate, lastmodifieddate
   * and hs_lastmodifieddate (records written by the emulator); hs_merged_object_ids after a uiMerge.
   */
  properties: Record<string, string | null>;
  /**
   * Only on reads that ask for it (?propertiesWithHistory=a,b or batch/read's propertiesWithHistory):
   * per property, newest first; [] for a property never set.
   */
  propertiesWithHistory?: Record<string, PropertyHistoryEntry[]>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** Only on batch/upsert results. */
  new?: boolean;
  /** Echoed on batch write results when the input carried one. */
  objectWriteTraceId?: string;
}

export interface HubSpotPropertyDef {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  options?: Array<{ label: string; value: string; displayOrder?: number }>;
  readOnly?: boolean;
  [key: string]: unknown;
}

export interface HubSpotPropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

export interface HubSpotList {
  listId: string;
  name: string;
  processingType: "MANUAL" | "DYNAMIC" | "SNAPSHOT";
  objectTypeId: string;
  listVersion: number;
  processingStatus: string;
  createdAt: string;
  updatedAt: string;
  size?: number;
}

/** A custom object definition (GET/POST /crm/v3/schemas); its records live under objects(objectTypeId). */
export interface HubSpotSchema {
  id: string;
  /** "2-..." */
  objectTypeId: string;
  name: string;
  fullyQualifiedName: string;
  labels: { singular: string; plural: string };
  primaryDisplayProperty?: string;
  requiredProperties: string[];
  searchableProperties: string[];
  secondaryDisplayProperties: string[];
  associations: unknown[];
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubSpotAssociation {
  fromType: string;
  fromId: string;
  /** 'unknown' for inline associations whose associationTypeId the emulator cannot map. */
  toType: string;
  toId: string;
  types: Array<{ associationCategory: string; associationTypeId: number }>;
  createdAt: string;
}

export interface EmulatorFaults {
  /** The next n authenticated API requests get a TEN_SECONDLY_ROLLING 429 with Retry-After: retryAfterSeconds. */
  force429: number;
  /** The next n authenticated API requests get a DAILY 429. */
  force429Daily: number;
  /** The next n authenticated API requests get status5xx (default 502). */
  force5xx: number;
  status5xx: number;
  /** Probability (0..1) of a random 502/503, drawn from a PRNG seeded with `seed`. */
  errorRate5xx: number;
  /** Added before every API response. */
  latencyMs: number;
  /** Retry-After for forced 429s (seconds, default 1). */
  retryAfterSeconds: number;
  /** batch400 (default): one bad input rejects the batch; perInput207: good inputs are written, 207. */
  invalidMode: InvalidMode;
  /** The next n authenticated API requests (on paths containing faultPath, if set) are applied, then answered status5xx (a proxy's 5xx after the write). */
  force5xxAfterApply: number;
  /** The next n accepted API requests (on paths containing hangPath, if set) are never answered. */
  hang: number;
  /** The next n accepted API requests (on paths containing faultPath, if set) are applied, then never answered. */
  hangAfterApply: number;
  /** When set, force5xxAfterApply and hangAfterApply only count requests on paths containing it. */
  faultPath: string;
  hangPath: string;
  /** Batch results and errors in input order; by default they come back shuffled (HubSpot does not promise order). */
  orderedResults: boolean;
  /** Batch results and errors without objectWriteTraceId. */
  omitTraceIds: boolean;
  /**
   * A GDPR delete by email of an address no contact has: "blocklist" (default) records the address
   * and answers 204, as HubSpot documents the blocklisting; "404" answers 404 OBJECT_NOT_FOUND.
   */
  gdprDeleteMissing: "blocklist" | "404";
}

/** Holds answers to requests on `path` until `count` wait (they go together) or `timeoutMs` after the first; one-shot. */
export interface HoldRequests {
  path: string;
  count: number;
  timeoutMs: number;
}

export interface RateLimits {
  limitPer10s: number;
  windowMs: number;
  dailyLimit: number;
}

export interface EmulatorFaultsInput
  extends Partial<EmulatorFaults>,
    Partial<RateLimits> {
  /** Re-seeds the PRNG used by errorRate5xx. */
  seed?: number;
  /** Replaces the set of revoked tokens; requests with them get 401. */
  revokedTokens?: string[];
  /** Extra valid tokens (added). */
  tokens?: string[];
  /** Arms (or, with null, removes) the request gate. */
  holdRequests?: HoldRequests | null;
}

export interface EmulatorFaultsSnapshot extends EmulatorFaults, RateLimits {
  seed: number;
  /** The gate, with how many requests it held and what opened it ('count', 'timeout', …; null while closed). */
  holdRequests: (HoldRequests & { held: number; releasedBy: string | null }) | null;
  revokedTokenFingerprints: string[];
}

export interface RequestLogEntry {
  /** 1-based arrival order. */
  seq: number;
  method: string;
  path: string;
  /** Query parameters (credential-like ones redacted). */
  query: Record<string, string>;
  /** First 12 hex chars of sha256(token), or null when none was sent. The token itself is never logged. */
  tokenFingerprint: string | null;
  /** 0 while in flight. */
  status: number;
  /** Arrival time, epoch ms. */
  time: number;
  durationMs?: number;
  /** inputs.length for batch calls, array length for list membership calls. */
  inputCount?: number;
  /** For 429s: TEN_SECONDLY_ROLLING or DAILY. */
  policyName?: "TEN_SECONDLY_ROLLING" | "DAILY";
  /** True for responses produced by force429 / force429Daily / force5xx / force5xxAfterApply / errorRate5xx / hang. */
  forced?: boolean;
  /** force5xxAfterApply / hangAfterApply: the request was applied before its 5xx (or its silence). */
  applied?: boolean;
  /** hang / hangAfterApply: never answered. */
  hung?: boolean;
  /** hang: when the client closed the connection (epoch ms); absent while it is still open. */
  closedAt?: number;
  /** holdRequests held this request's answer. */
  held?: boolean;
}

export interface Counters {
  requests: number;
  accepted: number;
  rateLimited: number;
  dailyLimited: number;
  errors5xx: number;
  unauthorized: number;
}

export interface HubSpotEmulatorSnapshot {
  faults: EmulatorFaultsSnapshot;
  tokens: Array<{ fingerprint: string; revoked: boolean }>;
  objects: Record<string, HubSpotRecord[]>;
  properties: Record<string, HubSpotPropertyDef[]>;
  propertyGroups: Record<string, HubSpotPropertyGroup[]>;
  lists: HubSpotList[];
  /** listId -> record ids. */
  memberships: Record<string, string[]>;
  schemas: HubSpotSchema[];
  associations: HubSpotAssociation[];
  counters: Counters & { dailyDay: string; daily: Record<string, number> };
  clock: ClockSnapshot;
  webhooks: WebhooksSnapshot;
  log?: RequestLogEntry[];
}

export interface ClockSnapshot {
  /** Epoch ms: the time source (opts.now, default Date.now) plus offsetMs. */
  now: number;
  nowIso: string;
  offsetMs: number;
}

/** "<singular>.<kind>": contact / company / deal / ticket / product / line_item, creation / deletion / propertyChange / merge. */
export type WebhookSubscriptionType = `${
  | "contact"
  | "company"
  | "deal"
  | "ticket"
  | "product"
  | "line_item"}.${"creation" | "deletion" | "propertyChange" | "merge"}`;

export interface WebhookSubscriptionInput {
  subscriptionType: WebhookSubscriptionType;
  /** propertyChange only: events for this property alone (HubSpot subscribes per property). */
  propertyName?: string;
  /** Default 1000001 + index. */
  subscriptionId?: number;
}

export interface WebhookConfigInput {
  /** Absolute http(s) URL; signed (v2/v3) exactly as given, scheme, host, path and query. */
  targetUrl: string;
  clientSecret: string;
  /** Default DEFAULT_APP_ID. */
  appId?: number;
  /** Default 99999999 (the emulator's portal). */
  portalId?: number;
  /** Subscription types (or objects with a propertyName); events of other types are not queued. */
  subscriptions: Array<WebhookSubscriptionType | WebhookSubscriptionInput>;
  /** Default 100. */
  maxEventsPerRequest?: number;
  /** Default 'v3'. */
  signatureVersion?: WebhookSignatureVersion;
  /** A request not answered within this is a 'timeout' (default 5000, HubSpot's). */
  timeoutMs?: number;
  /** Real-time waits before attempt 1, 2, ...; its length is the number of retries. Default [50, 100, 200]. */
  retryDelaysMs?: number[];
  /** API writes queue events too (changeSource INTEGRATION). Default: the start option (false). */
  notifyApiChanges?: boolean;
}

export type WebhookSignatureVersion = "v1" | "v2" | "v3";

export interface WebhookConfig
  extends Required<Omit<WebhookConfigInput, "clientSecret" | "subscriptions">> {
  subscriptions: Array<{
    subscriptionId: number;
    subscriptionType: WebhookSubscriptionType;
    propertyName?: string;
  }>;
  /** First 12 hex chars of sha256(clientSecret); the secret itself is not returned. */
  clientSecretFingerprint: string;
}

/** A webhook event as HubSpot's webhooks API sends it (the request body is a JSON array of these). */
export interface HubSpotWebhookEvent {
  /** Unique and increasing (also across reset()). */
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  /** Epoch ms, from the emulator clock (or the UI change's `at`). */
  occurredAt: number;
  subscriptionType: WebhookSubscriptionType;
  /** 0 on the first delivery, +1 on each retry. */
  attemptNumber: number;
  objectId: number;
  /** propertyChange only. */
  propertyName?: string;
  propertyValue?: string;
  changeSource: ChangeSourceType;
  sourceId?: string;
  /** merge only: the record that stays. */
  primaryObjectId?: number;
  /** merge only: the records merged into it (removed). */
  mergedObjectIds?: number[];
  /** merge only: the id of the merged record (the primary's). */
  newObjectId?: number;
  /** merge only: how many blank properties of the primary took the merged record's values. */
  numberOfPropertiesMoved?: number;
}

/** One webhook request deliverWebhooks made. */
export interface WebhookDelivery {
  /** The HTTP status, 'timeout' (no answer within timeoutMs) or 'error' (could not connect). */
  status: number | "timeout" | "error";
  eventIds: number[];
  attemptNumber: number;
  /** The X-HubSpot-Request-Timestamp value (epoch ms, from the emulator clock). */
  timestamp: string;
  /** A failure that is not retried: a 4xx other than 429, or the last retry. */
  dropped?: true;
  error?: string;
}

export interface WebhooksSnapshot {
  config: WebhookConfig | null;
  queued: HubSpotWebhookEvent[];
  deliveries: WebhookDelivery[];
}

export interface UiChangeOptions {
  /** When the person made the change: epoch ms or ISO (default the emulator clock). */
  at?: number | string;
  /** sourceId of the history entries and events (e.g. "userId:123"). */
  sourceId?: string;
}

export interface SendWebhookEventsOptions {
  /** Default: the configured one. */
  signatureVersion?: WebhookSignatureVersion;
  /** X-HubSpot-Request-Timestamp (and the signed timestamp); default the emulator clock. */
  timestamp?: number | string;
  /** Sent body differs from the signed one: true changes the first event's objectId; a string replaces it; a function maps it. */
  tamperBody?: boolean | string | ((signedBody: string) => string);
  /** Sign with this instead of the configured client secret. */
  secret?: string;
}

export interface SignatureInput {
  clientSecret: string;
  /** Default "POST". */
  method?: string;
  uri: string;
  body: string;
  timestamp: number | string;
}

/** base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)): X-HubSpot-Signature-v3. */
export declare function signatureV3(input: SignatureInput): string;
/** hex SHA-256(clientSecret + method + uri + body): X-HubSpot-Signature with version v2. */
export declare function signatureV2(input: Omit<SignatureInput, "timestamp">): string;
/** hex SHA-256(clientSecret + body): X-HubSpot-Signature with version v1. */
export declare function signatureV1(input: Pick<SignatureInput, "clientSecret" | "body">): string;

export interface HubSpotEmulatorState {
  tokens: Set<string>;
  revokedTokens: Set<string>;
  faults: EmulatorFaults;
  limits: RateLimits;
  seed: number;
  objects: Map<string, Map<string, HubSpotRecord>>;
  properties: Map<string, Map<string, HubSpotPropertyDef>>;
  groups: Map<string, Map<string, HubSpotPropertyGroup>>;
  lists: Map<string, HubSpotList>;
  /** listId -> (recordId -> membership timestamp). */
  memberships: Map<string, Map<string, string>>;
  /** objectTypeId -> custom object schema. */
  schemas: Map<string, HubSpotSchema>;
  associations: HubSpotAssociation[];
  counters: Counters;
  /** Live array (cleared in place by reset()). */
  log: RequestLogEntry[];
  /** Webhook configuration (null until configured, and after reset()). */
  webhooks: (Omit<WebhookConfig, "clientSecretFingerprint"> & { clientSecret: string }) | null;
  /** Live arrays (cleared in place by reset()). */
  webhookQueue: HubSpotWebhookEvent[];
  deliveries: WebhookDelivery[];
  /** Offset added to the time source; 0 after reset(). */
  clockOffsetMs: number;
  /** The emulator clock, epoch ms. */
  now(): number;
  nowIso(): string;
  advanceClock(ms: number): number;
  setClockOffset(ms: number): number;
  reset(): void;
  setFaults(input: EmulatorFaultsInput): EmulatorFaultsSnapshot;
  snapshot(opts?: { includeLog?: boolean }): HubSpotEmulatorSnapshot;
  /** Stores a record as an API create would (history sourceType INTEGRATION), without a request. */
  createRecord(type: string, values: Record<string, string>): HubSpotRecord;
}

export interface HubSpotEmulator {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  port: number;
  /** https://<tls.host>:<port> when started with `tls` (same state and rate-limit window as `url`). */
  httpsUrl?: string;
  httpsPort?: number;
  state: HubSpotEmulatorState;
  defaultToken: string;
  /** Back to a fresh state: default token only, default catalogue, no data, no faults, log cleared. */
  reset(): void;
  setFaults(input: EmulatorFaultsInput): EmulatorFaultsSnapshot;
  /** Request log, optionally filtered by exact field values. */
  requests(
    filter?: Partial<
      Pick<RequestLogEntry, "method" | "path" | "status" | "policyName">
    >,
  ): RequestLogEntry[];
  /** Stored records of an object type ('contacts', '0-1', '2-123', ...). */
  objects(type: string): HubSpotRecord[];
  /** Addresses (lower-cased) a GDPR delete by email blocklisted; recorded, not enforced on creates. */
  gdprBlocklist(): string[];
  /** The emulator clock (epoch ms) every timestamp it writes comes from. */
  now(): number;
  /** Moves the clock on by ms (may be negative); returns the new now(). reset() sets the offset back to 0. */
  advanceClock(ms: number): number;
  /** A person creates a record in HubSpot: history sourceType CRM_UI, queues `<singular>.creation`. */
  uiCreate(
    type: string,
    properties: Record<string, unknown>,
    opts?: UiChangeOptions,
  ): HubSpotRecord;
  /** A person edits a record: CRM_UI history, one `<singular>.propertyChange` per changed property. 404 error when missing. */
  uiUpdate(
    type: string,
    id: string,
    properties: Record<string, unknown>,
    opts?: UiChangeOptions,
  ): HubSpotRecord;
  /** A person deletes a record: queues `<singular>.deletion`; returns the removed record. */
  uiDelete(type: string, id: string, opts?: UiChangeOptions): HubSpotRecord;
  /**
   * A person merges mergedId into primaryId: the primary takes the merged record's values for its blank
   * properties, its associations and list memberships, and hs_merged_object_ids; mergedId is removed.
   * Queues one `<singular>.merge` (objectId = primaryId). Returns the primary.
   */
  uiMerge(
    type: string,
    primaryId: string,
    mergedId: string,
    opts?: UiChangeOptions,
  ): HubSpotRecord;
  /** Replaces the webhook configuration; events are only queued while one is set. */
  configureWebhooks(config: WebhookConfigInput): WebhooksSnapshot;
  /** Copies of the events waiting for deliverWebhooks(). */
  queuedWebhookEvents(): HubSpotWebhookEvent[];
  /** Sends every queued event (see WebhookConfigInput), retries included; resolves when all are delivered or dropped. */
  deliverWebhooks(): Promise<{ requests: WebhookDelivery[] }>;
  /** Every request deliverWebhooks made since reset(), in order. */
  webhookDeliveries(): WebhookDelivery[];
  /** Sends exactly `events` as one signed request to the configured target; no retry, not in webhookDeliveries(). */
  sendWebhookEvents(
    events: unknown[],
    opts?: SendWebhookEventsOptions,
  ): Promise<{ status: number | "timeout" | "error"; body: string }>;
  close(): Promise<void>;
}

export interface StartHubSpotEmulatorOptions {
  /** 0 / omitted = random free port. */
  port?: number;
  host?: string;
  /** Extra valid private-app tokens besides pat-emulator-token. */
  tokens?: string[];
  /** Accepted requests per token per rolling window (default 190). */
  limitPer10s?: number;
  /** Rolling window length in ms (default 10 000). */
  windowMs?: number;
  /** Accepted requests per token per UTC day (default 250 000). */
  dailyLimit?: number;
  /** PRNG seed for errorRate5xx (default 1). */
  seed?: number;
  invalidMode?: InvalidMode;
  /** Start without seed 000's custom contact_* properties and their group (a fresh portal). */
  bareAccount?: boolean;
  /** Batch results in input order (kept across reset()); default: shuffled, as HubSpot may answer. */
  orderedResults?: boolean;
  /** Batch answers without objectWriteTraceId (kept across reset()). */
  omitTraceIds?: boolean;
  /** Time source (epoch ms) of every timestamp the emulator writes; default Date.now. Rate limits and the request log use real time. */
  now?: () => number;
  /** Default for WebhookConfigInput.notifyApiChanges (default false). */
  notifyApiChanges?: boolean;
  /**
   * Also serve the API over HTTPS with this key/cert (PEM), e.g. on 127.0.0.1:443 behind an
   * /etc/hosts entry for api.hubapi.com. port 0 / omitted = random; host defaults to `host`.
   */
  tls?: {
    key: string | Buffer;
    cert: string | Buffer;
    port?: number;
    host?: string;
  };
}

/**
 * Control endpoints (no token) besides /__emulator/state, /requests, /faults, /reset:
 * GET|POST /__emulator/clock ({offsetMs} sets the offset, {advanceMs} moves it) -> ClockSnapshot;
 * POST /__emulator/ui/create {objectType, properties, at?, sourceId?} -> 201 record;
 * POST /__emulator/ui/update {objectType, id, properties, at?, sourceId?} -> record;
 * POST /__emulator/ui/delete {objectType, id, at?, sourceId?} -> the removed record;
 * POST /__emulator/ui/merge {objectType, primaryId, mergedId, at?, sourceId?} -> the primary;
 * GET /__emulator/webhooks -> WebhooksSnapshot; POST /__emulator/webhooks (WebhookConfigInput) -> WebhooksSnapshot;
 * POST /__emulator/webhooks/deliver -> {requests}; POST /__emulator/webhooks/send
 * {events, signatureVersion?, timestamp?, tamperBody? (boolean | string), secret?} -> {status, body}.
 */
export type HubSpotEmulatorControlPaths =
  | "/__emulator/clock"
  | "/__emulator/ui/create"
  | "/__emulator/ui/update"
  | "/__emulator/ui/delete"
  | "/__emulator/ui/merge"
  | "/__emulator/webhooks"
  | "/__emulator/webhooks/deliver"
  | "/__emulator/webhooks/send";

/**
 * CRM search and GDPR delete:
 * POST /crm/v3/objects/{type}/search {filterGroups, properties, limit (1..200, default 10), after}
 * -> 200 {total, results, paging?}: groups ORed, filters ANDed (EQ, NEQ, LT, LTE, GT, GTE, BETWEEN,
 * IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN; strings compared
 * without case), results in ID order, no `query` or `sorts` (400), indexed at once (no search lag).
 * POST /crm/v3/objects/contacts/gdpr-delete {objectId, idProperty?: "email" | a unique property}
 * -> 204: the contact, its associations and list memberships go; an unknown email is blocklisted
 * (204, or 404 with faults.gdprDeleteMissing "404"); an unknown ID -> 404 OBJECT_NOT_FOUND.
 */
export type HubSpotSearchAndGdprPaths =
  | "/crm/v3/objects/{type}/search"
  | "/crm/v3/objects/contacts/gdpr-delete";

/**
 * Besides CRM v3 / v4 / lists, the emulator answers the legacy calls n8n's built-in HubSpot node makes:
 * POST /contacts/v1/contact/createOrUpdate/email/{email} -> 200 {vid, isNew} (409 CONTACT_EXISTS,
 * 400 with validationResults), GET /contacts/v1/contact/vid/{vid}/profile, GET /deals/v1/deal/paged
 * and GET /account-info/v3/details. All share one rate-limit window per token.
 */
export interface V1ContactResult {
  vid: number;
  isNew: boolean;
}

export declare function startHubSpotEmulator(
  opts?: StartHubSpotEmulatorOptions,
): Promise<HubSpotEmulator>;
