export declare const DEFAULT_TOKEN: "pat-emulator-token";
export declare const BATCH_LIMIT: 100;
export declare const ASSOCIATION_BATCH_LIMIT: 2000;
/** Names in the built-in contacts property catalogue (system properties included). */
export declare const CONTACT_PROPERTY_NAMES: string[];

export type InvalidMode = "batch400" | "perInput207";

export interface HubSpotRecord {
  id: string;
  /** Values are stored as strings (HubSpot style); always includes hs_object_id, createdate, lastmodifieddate. */
  properties: Record<string, string | null>;
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
  log?: RequestLogEntry[];
}

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
  reset(): void;
  setFaults(input: EmulatorFaultsInput): EmulatorFaultsSnapshot;
  snapshot(opts?: { includeLog?: boolean }): HubSpotEmulatorSnapshot;
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
