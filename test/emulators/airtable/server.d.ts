export declare const DEFAULT_TOKEN: 'patEmulatorToken.airtable-registry';
export declare const DEFAULT_BASE_ID: 'appEmuRegistry001';
export declare const RECORDS_PER_REQUEST: 10;
export declare const MAX_PAGE_SIZE: 100;
/** The seed's utm_campaign formula, as the emulator's Events table defines and computes it. */
export declare const UTM_CAMPAIGN_FORMULA: string;
export declare function parseFormula(text: string): unknown;

/** A record as the API returns it: empty fields omitted, computed fields filled in. */
export interface AirtableRecord {
	id: string;
	createdTime: string;
	fields: Record<string, unknown>;
}

export interface AirtableFaults {
	/** Added to every API response. */
	latencyMs: number;
	/** Share of accepted requests answered 503 (seeded RNG). */
	errorRate5xx: number;
	/** The next N requests get `status5xx`. */
	force5xx: number;
	status5xx: number;
	/** The next N requests get 429 and start the penalty, as if the limit had been exceeded. */
	force429: number;
	/** Write answers list their records in another order than the request's (seeded RNG). */
	shuffleResults: boolean;
	/**
	 * Holds list requests on `table` until `until` (default 2) are held together, or the first has
	 * waited `maxWaitMs` (default 5000); then lets them all go and turns itself off.
	 */
	holdLookups: { table: string; until?: number; maxWaitMs?: number } | null;
	/** The next N write requests are applied at once and answered `lateAnswerMs` later. */
	lateAnswers: number;
	lateAnswerMs: number;
}

export interface FaultPatch extends Partial<AirtableFaults> {
	limitPerSecond?: number;
	penaltyMs?: number;
	revokeToken?: string;
	/** Bases per page of `GET /v0/meta/bases` (default 1000). */
	basesPageSize?: number;
	restoreToken?: string;
}

export interface RequestLogEntry {
	seq: number;
	method: string;
	path: string;
	query: Record<string, string>;
	tokenFingerprint: string | null;
	status: number;
	time: number;
	durationMs?: number;
	table?: string;
	recordCount?: number;
	upsert?: boolean;
	errorType?: string;
	forced?: boolean;
	/** 429 because an earlier 429's penalty was still running. */
	inPenalty?: boolean;
	/** The answer's records were put in another order (`shuffleResults`). */
	shuffled?: boolean;
	/** How a held lookup went on: with the others ('together') or alone after `maxWaitMs`. */
	held?: 'together' | 'timeout';
	/** Applied, then answered late (`lateAnswers`). */
	late?: boolean;
}

/** A base a test creates: its tables and fields as the meta API will list them. */
export interface BaseSpec {
	id?: string;
	name: string;
	permissionLevel?: 'none' | 'read' | 'comment' | 'edit' | 'create';
	tables: Array<{
		name: string;
		description?: string;
		fields: Array<{
			name: string;
			type: string;
			/** `choices` may be plain names; links, counts and lookups name `linkedTable`. */
			options?: Record<string, unknown>;
			default?: unknown;
		}>;
	}>;
}

export interface MetaTable {
	id: string;
	name: string;
	primaryFieldId: string;
	fields: Array<{ id: string; name: string; type: string; options?: Record<string, unknown> }>;
}

export interface StartAirtableEmulatorOptions {
	port?: number;
	host?: string;
	tokens?: string[];
	baseId?: string;
	/** Requests per second per base (default 5). */
	limitPerSecond?: number;
	/** How long every request is refused after a 429 (default 30000, Airtable's 30 seconds). */
	penaltyMs?: number;
	seed?: number;
	/** Also serve HTTPS (same state) with this key pair, e.g. on 127.0.0.1:443 for api.airtable.com. */
	tls?: { key: string; cert: string; port?: number; host?: string };
}

export interface AirtableEmulator {
	url: string;
	/** Set when started with `tls`. */
	httpsUrl?: string;
	port: number;
	baseId: string;
	defaultToken: string;
	state: unknown;
	reset(): void;
	setFaults(patch: FaultPatch): {
		faults: AirtableFaults;
		limits: { limitPerSecond: number; penaltyMs: number };
	};
	requests(filter?: Partial<RequestLogEntry>): RequestLogEntry[];
	/** A table's records, in the default base unless `baseId` is given. */
	records(table: string, baseId?: string): AirtableRecord[];
	/** A new base (the token reaches it); returns its ID and tables as the meta API lists them. */
	createBase(spec: BaseSpec): { id: string; name: string; tables: MetaTable[] };
	/** Stores records directly (typecast on), outside the rate limit and the log. */
	seed(table: string, fields: Array<Record<string, unknown>>): AirtableRecord[];
	close(): Promise<void>;
}

export declare function startAirtableEmulator(
	opts?: StartAirtableEmulatorOptions,
): Promise<AirtableEmulator>;
