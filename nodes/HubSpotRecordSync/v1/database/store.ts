/**
 * Reads and writes of the app table and of the sync's own tables. Every name is checked
 * (quoteIdent) and every value is a bound parameter; bulk writes go as one jsonb parameter.
 */
import type pg from 'pg';

import { quoteIdent } from '../../../shared/database/connection';
import { qualified, SYNC_TABLES } from './schema';

export type Db = pg.Pool | pg.PoolClient;
export type Row = Record<string, unknown>;

export interface AppTable {
	schema: string;
	table: string;
	keyColumn: string;
	hubspotIdColumn: string;
}

/** The table's columns and their types, in table order; empty when the table does not exist. */
export async function tableColumns(
	db: Db,
	schema: string,
	table: string,
): Promise<Map<string, string>> {
	const { rows } = await db.query<{ column_name: string; data_type: string }>(
		`SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
		[schema, table],
	);
	return new Map(rows.map((r) => [r.column_name, r.data_type]));
}

/** Plain values for pg: objects (jsonb columns) as JSON text, the rest as they are. */
const param = (value: unknown) =>
	value !== null && typeof value === 'object' && !(value instanceof Date)
		? JSON.stringify(value)
		: value;

export async function insertRow(db: Db, app: AppTable, values: Row): Promise<Row> {
	const names = Object.keys(values);
	const target = qualified(app.schema, app.table);
	const sql =
		names.length === 0
			? `INSERT INTO ${target} DEFAULT VALUES RETURNING *`
			: `INSERT INTO ${target} (${names.map((n) => quoteIdent(n, 'Column')).join(', ')}) VALUES (${names
					.map((_, i) => `$${i + 1}`)
					.join(', ')}) RETURNING *`;
	const { rows } = await db.query(
		sql,
		names.map((n) => param(values[n])),
	);
	return rows[0] as Row;
}

export async function updateRow(db: Db, app: AppTable, key: string, values: Row): Promise<number> {
	const names = Object.keys(values);
	if (names.length === 0) return 0;
	const sets = names.map((n, i) => `${quoteIdent(n, 'Column')} = $${i + 2}`).join(', ');
	const result = await db.query(
		`UPDATE ${qualified(app.schema, app.table)} SET ${sets} WHERE ${quoteIdent(app.keyColumn, 'Key Column')}::text = $1`,
		[key, ...names.map((n) => param(values[n]))],
	);
	return result.rowCount ?? 0;
}

/** Rows by key, locked FOR UPDATE when `lock` (inside a transaction). */
export async function rowsByKey(
	db: Db,
	app: AppTable,
	keys: string[],
	lock = false,
): Promise<Row[]> {
	if (keys.length === 0) return [];
	const { rows } = await db.query(
		`SELECT * FROM ${qualified(app.schema, app.table)} WHERE ${quoteIdent(app.keyColumn, 'Key Column')}::text = ANY($1::text[])${lock ? ` ORDER BY ${quoteIdent(app.keyColumn, 'Key Column')}::text FOR UPDATE` : ''}`,
		[keys],
	);
	return rows as Row[];
}

export async function rowsByHubSpotId(
	db: Db,
	app: AppTable,
	ids: string[],
	lock = false,
): Promise<Row[]> {
	if (ids.length === 0) return [];
	const { rows } = await db.query(
		`SELECT * FROM ${qualified(app.schema, app.table)} WHERE ${quoteIdent(app.hubspotIdColumn, 'HubSpot ID Column')}::text = ANY($1::text[])${lock ? ' FOR UPDATE' : ''}`,
		[ids],
	);
	return rows as Row[];
}

/** One page of the table in key order, after `after` (keyset paging: no OFFSET scans). */
export async function pageOfRows(
	db: Db,
	app: AppTable,
	after: string | undefined,
	limit: number,
): Promise<Row[]> {
	const key = quoteIdent(app.keyColumn, 'Key Column');
	const { rows } = await db.query(
		`SELECT * FROM ${qualified(app.schema, app.table)}${after === undefined ? '' : ` WHERE ${key}::text > $2`} ORDER BY ${key}::text LIMIT $1`,
		after === undefined ? [limit] : [limit, after],
	);
	return rows as Row[];
}

export interface FieldState {
	field: string;
	/** Undefined when the field was never synced (only a pending app change is known). */
	syncedValue: string | null | undefined;
	appChangedAt: number | undefined;
	hubspotChangedAt: number | undefined;
}

const epoch = (value: unknown) => (value instanceof Date ? value.getTime() : undefined);

/** recordId → field → state, for the given records of one app table. */
export async function fieldStates(
	db: Db,
	schema: string,
	appTable: string,
	recordIds: string[],
	lock = false,
): Promise<Map<string, Map<string, FieldState>>> {
	const out = new Map<string, Map<string, FieldState>>();
	if (recordIds.length === 0) return out;
	const { rows } = await db.query<{
		record_id: string;
		field: string;
		synced_value: string | null;
		synced_at: Date | null;
		app_changed_at: Date | null;
		hubspot_changed_at: Date | null;
	}>(
		`SELECT record_id, field, synced_value, synced_at, app_changed_at, hubspot_changed_at FROM ${qualified(schema, SYNC_TABLES.fieldState)}
WHERE app_table = $1 AND record_id = ANY($2::text[])${lock ? ' ORDER BY record_id, field FOR UPDATE' : ''}`,
		[appTable, recordIds],
	);
	for (const r of rows) {
		const fields = out.get(r.record_id) ?? new Map<string, FieldState>();
		fields.set(r.field, {
			field: r.field,
			syncedValue: r.synced_at === null ? undefined : r.synced_value,
			appChangedAt: epoch(r.app_changed_at),
			hubspotChangedAt: epoch(r.hubspot_changed_at),
		});
		out.set(r.record_id, fields);
	}
	return out;
}

export interface FieldStateWrite {
	record_id: string;
	field: string;
	hubspot_id: string | null;
	synced_value: string | null;
	/** ISO; kept when null. */
	hubspot_changed_at?: string | null;
}

/** The agreed values after a sync: the app's pending-change mark is cleared. */
export async function saveFieldStates(
	db: Db,
	schema: string,
	appTable: string,
	objectType: string,
	writes: FieldStateWrite[],
): Promise<void> {
	if (writes.length === 0) return;
	await db.query(
		`INSERT INTO ${qualified(schema, SYNC_TABLES.fieldState)} AS s
	(app_table, record_id, field, hubspot_object_type, hubspot_id, synced_value, synced_at, app_changed_at, hubspot_changed_at)
SELECT $1, w.record_id, w.field, $2, w.hubspot_id, w.synced_value, now(), NULL, w.hubspot_changed_at
FROM jsonb_to_recordset($3::jsonb) AS w(record_id text, field text, hubspot_id text, synced_value text, hubspot_changed_at timestamptz)
ORDER BY w.record_id, w.field
ON CONFLICT (app_table, record_id, field) DO UPDATE SET
	hubspot_object_type = EXCLUDED.hubspot_object_type,
	hubspot_id = COALESCE(EXCLUDED.hubspot_id, s.hubspot_id),
	synced_value = EXCLUDED.synced_value,
	synced_at = now(),
	app_changed_at = NULL,
	hubspot_changed_at = COALESCE(EXCLUDED.hubspot_changed_at, s.hubspot_changed_at)`,
		[appTable, objectType, JSON.stringify(writes)],
	);
}

/** Marks app-side changes (Queue App Changes): LATEST_WINS compares this time with HubSpot's. */
export async function markAppChanged(
	db: Db,
	schema: string,
	appTable: string,
	objectType: string,
	marks: Array<{ record_id: string; field: string; changed_at: string }>,
): Promise<void> {
	if (marks.length === 0) return;
	await db.query(
		`INSERT INTO ${qualified(schema, SYNC_TABLES.fieldState)} AS s
	(app_table, record_id, field, hubspot_object_type, synced_value, synced_at, app_changed_at)
SELECT $1, m.record_id, m.field, $2, NULL, NULL, m.changed_at
FROM jsonb_to_recordset($3::jsonb) AS m(record_id text, field text, changed_at timestamptz)
ORDER BY m.record_id, m.field
ON CONFLICT (app_table, record_id, field) DO UPDATE SET
	app_changed_at = GREATEST(COALESCE(s.app_changed_at, EXCLUDED.app_changed_at), EXCLUDED.app_changed_at)`,
		[appTable, objectType, JSON.stringify(marks)],
	);
}

export interface LogEntry {
	source: 'webhook' | 'create' | 'queue' | 'reconcile';
	run_id?: string | null;
	event_id?: string | null;
	app_table: string;
	record_id?: string | null;
	hubspot_object_type: string;
	hubspot_id?: string | null;
	field?: string | null;
	property?: string | null;
	/** The side written: 'app', 'hubspot', 'both' (create) or 'none'. */
	side: 'app' | 'hubspot' | 'both' | 'none';
	action:
		| 'applied'
		| 'refused'
		| 'manual'
		| 'duplicate'
		| 'stale'
		| 'skipped'
		| 'failed'
		| 'reported';
	reason?: string | null;
	before_value?: string | null;
	after_value?: string | null;
	app_value?: string | null;
	hubspot_value?: string | null;
}

export async function writeLog(db: Db, schema: string, entries: LogEntry[]): Promise<void> {
	if (entries.length === 0) return;
	await db.query(
		`INSERT INTO ${qualified(schema, SYNC_TABLES.log)}
	(source, run_id, event_id, app_table, record_id, hubspot_object_type, hubspot_id, field, property, side, action, reason, before_value, after_value, app_value, hubspot_value)
SELECT source, run_id, event_id, app_table, record_id, hubspot_object_type, hubspot_id, field, property, side, action, reason, before_value, after_value, app_value, hubspot_value
FROM jsonb_to_recordset($1::jsonb) AS e(source text, run_id text, event_id text, app_table text, record_id text, hubspot_object_type text, hubspot_id text, field text, property text, side text, action text, reason text, before_value text, after_value text, app_value text, hubspot_value text)`,
		[JSON.stringify(entries)],
	);
}

/**
 * Marks a HubSpot event applied; false when it already was (a redelivery, or a second worker).
 * An event the trigger never stored (another source) is stored here.
 */
export async function claimEventForApply(
	db: Db,
	schema: string,
	eventId: string,
	subscriptionType: string,
): Promise<boolean> {
	const { rows } = await db.query(
		`INSERT INTO ${qualified(schema, SYNC_TABLES.events)} AS e (event_id, subscription_type, applied_at)
VALUES ($1, $2, now())
ON CONFLICT (event_id) DO UPDATE SET applied_at = now() WHERE e.applied_at IS NULL
RETURNING event_id`,
		[eventId, subscriptionType],
	);
	return rows.length > 0;
}

/** True when the event was applied already (by this or another execution). */
export async function eventApplied(db: Db, schema: string, eventId: string): Promise<boolean> {
	const { rows } = await db.query(
		`SELECT 1 FROM ${qualified(schema, SYNC_TABLES.events)} WHERE event_id = $1 AND applied_at IS NOT NULL`,
		[eventId],
	);
	return rows.length > 0;
}
