/**
 * The person's rows in PostgreSQL, in every configured schema, read (Export) or deleted (Erase) by
 * the same conditions inside one transaction: an Erase removes all of them or none.
 *
 * Order matters: the app tables and the attendance, enrichment and sync tables go first, the
 * pipeline tables last. A table attached to the pipeline with a DELETE trigger emits an event holding
 * the deleted row, inside this transaction; deleting pipeline_events last removes that event too.
 */
import type pg from 'pg';

import { quoteIdent } from '../../../shared/database/connection';
import { TABLES as ATTENDANCE } from '../../../shared/database/schema';
import { CASCADE_TABLES } from '../../../shared/pipeline/cascade';
import { PIPELINE_TABLES } from '../../../shared/pipeline/schema';
import { qualified, SYNC_TABLES } from '../../../HubSpotRecordSync/v1/database/schema';
import { mentions } from '../helpers/subject';

export type Action = 'export' | 'erase';
export type Row = Record<string, unknown>;

/** An app table the sync writes (App Tables): `schema` undefined means every configured schema. */
export interface AppTableSpec {
	schema?: string;
	table: string;
	emailColumn: string;
	keyColumn: string;
}

export interface HubSpotRef {
	/** As the sync stores it: `companies`, `contacts`, `0-2`, `p123_pets`. */
	type: string;
	id: string;
}

export interface AppRecord {
	schema: string;
	table: string;
	id: string;
}

export interface PostgresFindings {
	/** `schema.table` → the person's rows; every table that exists is listed, with [] when none. */
	tables: Record<string, Row[]>;
	/** The person's rows of the App Tables, and the records the sync tables name for them. */
	appRecords: AppRecord[];
	/** HubSpot records the sync linked to those rows (hubspot_field_state.hubspot_id). */
	hubspotRecords: HubSpotRef[];
}

/** HubSpot webhook subscription prefixes (`company.propertyChange`) by object type. */
const SUBSCRIPTION_PREFIX: Record<string, string> = {
	contacts: 'contact',
	'0-1': 'contact',
	companies: 'company',
	'0-2': 'company',
	deals: 'deal',
	'0-3': 'deal',
	tickets: 'ticket',
	'0-5': 'ticket',
	products: 'product',
	'0-7': 'product',
	line_items: 'line_item',
	'0-8': 'line_item',
};

const KNOWN_TABLES = [
	ATTENDANCE.checks,
	ATTENDANCE.registrants,
	CASCADE_TABLES.contacts,
	CASCADE_TABLES.verification,
	SYNC_TABLES.fieldState,
	SYNC_TABLES.log,
	SYNC_TABLES.events,
	PIPELINE_TABLES.events,
	PIPELINE_TABLES.errors,
];

/** `lower(btrim(col::text)) = $1`: the column holds the address, any case, spaces around ignored. */
const isEmail = (column: string) => `lower(btrim(${quoteIdent(column, 'Column')}::text)) = $1`;

async function existingTables(db: pg.PoolClient, schema: string, names: string[]) {
	const { rows } = await db.query<{ name: string }>(
		`SELECT t AS name FROM unnest($2::text[]) AS t WHERE to_regclass(format('%I.%I', $1::text, t)) IS NOT NULL`,
		[schema, names],
	);
	return new Set(rows.map((r) => r.name));
}

/** Reads (Export) or deletes (Erase) rows by one condition; `$1` is always the address. */
class Collector {
	readonly tables: Record<string, Row[]> = {};

	constructor(
		private readonly db: pg.PoolClient,
		private readonly action: Action,
		private readonly email: string,
	) {}

	async take(schema: string, table: string, where: string, params: unknown[] = []) {
		const target = qualified(schema, table);
		// $1 is always sent; a condition by IDs only still types it, or PostgreSQL refuses the query.
		if (!/\$1(?!\d)/.test(where)) where = `(${where}) AND $1::text IS NOT NULL`;
		const sql =
			this.action === 'erase'
				? `DELETE FROM ${target} WHERE ${where} RETURNING *`
				: `SELECT * FROM ${target} WHERE ${where}`;
		const { rows } = await this.db.query<Row>(sql, [this.email, ...params]);
		(this.tables[`${schema}.${table}`] ??= []).push(...rows);
		return rows;
	}

	async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
		return (await this.db.query<R>(sql, [this.email, ...params])).rows;
	}
}

/** Which schemas each App Tables entry is found in; an entry found in none is a configuration error. */
async function resolveAppTables(
	db: pg.PoolClient,
	schemas: string[],
	specs: AppTableSpec[],
): Promise<Array<AppTableSpec & { schema: string }>> {
	const out: Array<AppTableSpec & { schema: string }> = [];
	const seen = new Set<string>();
	for (const spec of specs) {
		const candidates = spec.schema === undefined ? schemas : [spec.schema];
		let found = false;
		for (const schema of candidates) {
			if (!(await existingTables(db, schema, [spec.table])).has(spec.table)) continue;
			found = true;
			if (seen.has(`${schema}.${spec.table}`)) continue;
			seen.add(`${schema}.${spec.table}`);
			out.push({ ...spec, schema });
		}
		if (!found)
			throw new Error(
				`App Tables: no table "${spec.table}" in ${candidates.map((s) => `"${s}"`).join(', ')}`,
			);
	}
	return out;
}

/**
 * Finds (Export) or deletes (Erase) the person's rows. `contacts` are HubSpot contact IDs found for
 * the address: their webhook events and sync log rows go too.
 */
export async function collectPostgres(
	db: pg.PoolClient,
	action: Action,
	email: string,
	schemas: string[],
	appTables: AppTableSpec[],
	contacts: string[],
): Promise<PostgresFindings> {
	const c = new Collector(db, action, email);
	const appRecords: AppRecord[] = [];
	const hubspotRecords = new Map<string, HubSpotRef>();

	// 1. The app's own tables: the person's rows by their email column.
	for (const spec of await resolveAppTables(db, schemas, appTables)) {
		const rows = await c.take(spec.schema, spec.table, isEmail(spec.emailColumn));
		for (const row of rows) {
			if (!(spec.keyColumn in row))
				throw new Error(
					`App Tables: "${spec.keyColumn}" is not a column of ${spec.schema}.${spec.table}`,
				);
			appRecords.push({ schema: spec.schema, table: spec.table, id: String(row[spec.keyColumn]) });
		}
	}

	const present = new Map<string, Set<string>>();
	for (const schema of schemas) present.set(schema, await existingTables(db, schema, KNOWN_TABLES));

	// 2. Attendance and enrichment tables. Checks first: they point at registrants.
	for (const schema of schemas) {
		const has = present.get(schema)!;
		for (const table of KNOWN_TABLES) if (has.has(table)) c.tables[`${schema}.${table}`] ??= [];
		if (has.has(ATTENDANCE.checks)) {
			const registrants = has.has(ATTENDANCE.registrants)
				? await c.query<{ id: string }>(
						`SELECT id::text AS id FROM ${qualified(schema, ATTENDANCE.registrants)} WHERE ${isEmail('email')}`,
					)
				: [];
			await c.take(
				schema,
				ATTENDANCE.checks,
				`${isEmail('email')} OR registrant_id = ANY($2::bigint[])`,
				[registrants.map((r) => r.id)],
			);
		}
		if (has.has(ATTENDANCE.registrants))
			await c.take(schema, ATTENDANCE.registrants, isEmail('email'));
		if (has.has(CASCADE_TABLES.contacts))
			await c.take(schema, CASCADE_TABLES.contacts, isEmail('email'));
		if (has.has(CASCADE_TABLES.verification))
			await c.take(schema, CASCADE_TABLES.verification, isEmail('email'));
	}

	// 3. The sync's tables: every row of a record that holds the address or is one of the person's.
	for (const schema of schemas) {
		const has = present.get(schema)!;
		if (!has.has(SYNC_TABLES.fieldState) && !has.has(SYNC_TABLES.log)) continue;
		const pairs = new Map<string, { table: string; id: string }>();
		const addPair = (table: string, id: string, known = false) => {
			const key = `${table}\u0000${id}`;
			if (pairs.has(key)) return;
			pairs.set(key, { table, id });
			if (!known) appRecords.push({ schema, table, id });
		};
		for (const r of appRecords) if (r.schema === schema) addPair(r.table, r.id, true);
		const logHolds = `$1 IN (lower(btrim(before_value)), lower(btrim(after_value)), lower(btrim(app_value)), lower(btrim(hubspot_value)))`;
		const selects: string[] = [];
		if (has.has(SYNC_TABLES.fieldState))
			selects.push(
				`SELECT app_table, record_id FROM ${qualified(schema, SYNC_TABLES.fieldState)} WHERE lower(btrim(synced_value)) = $1`,
			);
		if (has.has(SYNC_TABLES.log))
			selects.push(
				`SELECT app_table, record_id FROM ${qualified(schema, SYNC_TABLES.log)} WHERE app_table IS NOT NULL AND record_id IS NOT NULL AND ${logHolds}`,
			);
		for (const r of await c.query<{ app_table: string; record_id: string }>(
			selects.join(' UNION '),
		))
			addPair(r.app_table, r.record_id);
		const tables = [...pairs.values()].map((p) => p.table);
		const ids = [...pairs.values()].map((p) => p.id);
		const ofRecords = `(app_table, record_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`;
		const linked = new Map<string, HubSpotRef>();
		if (has.has(SYNC_TABLES.fieldState)) {
			const rows = await c.take(
				schema,
				SYNC_TABLES.fieldState,
				`${ofRecords} OR lower(btrim(synced_value)) = $1`,
				[tables, ids],
			);
			for (const row of rows)
				if (row.hubspot_id !== null && row.hubspot_id !== undefined) {
					const ref = { type: String(row.hubspot_object_type), id: String(row.hubspot_id) };
					linked.set(`${ref.type}:${ref.id}`, ref);
					hubspotRecords.set(`${ref.type}:${ref.id}`, ref);
				}
		}
		const refs = [...linked.values(), ...contacts.map((id) => ({ type: 'contacts', id }))];
		if (has.has(SYNC_TABLES.log))
			await c.take(
				schema,
				SYNC_TABLES.log,
				`${ofRecords} OR ${logHolds} OR (hubspot_object_type, hubspot_id) IN (SELECT * FROM unnest($4::text[], $5::text[]))`,
				[tables, ids, refs.map((r) => r.type), refs.map((r) => r.id)],
			);
		if (has.has(SYNC_TABLES.events) && refs.length > 0)
			await c.take(
				schema,
				SYNC_TABLES.events,
				`EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS o(id, kind) WHERE o.id = object_id AND (o.kind = '*' OR o.kind = split_part(subscription_type, '.', 1)))`,
				[refs.map((r) => r.id), refs.map((r) => SUBSCRIPTION_PREFIX[r.type] ?? '*')],
			);
	}

	// 4. The pipeline, last. An event whose payload is the person's own record (the address at its top
	//    level) is theirs: exported and deleted whole, with its errors. An event that holds the person
	//    inside a larger payload (a company's contacts) is not: only the person's part is exported,
	//    and Erase replaces that part with {"erased": true}, leaving the colleagues' data alone.
	for (const schema of schemas) {
		const has = present.get(schema)!;
		let wholeIds: string[] = [];
		if (has.has(PIPELINE_TABLES.events)) {
			const table = qualified(schema, PIPELINE_TABLES.events);
			// The address in the payload's text rules out most rows before the walk.
			const candidates = await c.query<Row & { id: string; payload: unknown }>(
				`SELECT * FROM ${table} WHERE strpos(lower(payload::text), $1) > 0`,
			);
			const whole: Row[] = [];
			const partial: Array<{ row: Row; parts: unknown[]; erased: unknown }> = [];
			for (const row of candidates) {
				const found = personParts(row.payload, email);
				if (found.whole) whole.push(row);
				else if (found.parts.length > 0)
					partial.push({ row, parts: found.parts, erased: found.erased });
			}
			wholeIds = whole.map((r) => String(r.id));
			const key = `${schema}.${PIPELINE_TABLES.events}`;
			c.tables[key] ??= [];
			if (action === 'erase') {
				if (wholeIds.length > 0)
					c.tables[key].push(
						...(await c.query<Row>(
							`DELETE FROM ${table} WHERE id = ANY($2::bigint[]) AND $1::text IS NOT NULL RETURNING *`,
							[wholeIds],
						)),
					);
				for (const p of partial) {
					await c.query(
						`UPDATE ${table} SET payload = $3::jsonb WHERE id = $2::bigint AND $1::text IS NOT NULL`,
						[String(p.row.id), JSON.stringify(p.erased)],
					);
					c.tables[key].push({
						id: p.row.id,
						event_type: p.row.event_type,
						erased_parts: p.parts.length,
					});
				}
			} else {
				c.tables[key].push(...whole);
				for (const p of partial)
					c.tables[key].push({
						id: p.row.id,
						event_type: p.row.event_type,
						created_at: p.row.created_at,
						parts: p.parts,
					});
			}
		}
		if (has.has(PIPELINE_TABLES.errors)) {
			// Whole-address mentions only: "mary.jane@x.com" in a message is not jane@x.com's.
			const candidates = await c.query<{ id: string; error_message: string }>(
				`SELECT id::text AS id, error_message FROM ${qualified(schema, PIPELINE_TABLES.errors)} WHERE strpos(lower(error_message), $1) > 0`,
			);
			const mentioning = candidates
				.filter((r) => mentions(r.error_message, email))
				.map((r) => r.id);
			await c.take(
				schema,
				PIPELINE_TABLES.errors,
				`id = ANY($2::bigint[]) OR event_id = ANY($3::bigint[])`,
				[mentioning, wholeIds],
			);
		}
	}

	return { tables: c.tables, appRecords, hubspotRecords: [...hubspotRecords.values()] };
}

/** A row as plain JSON: dates as ISO text, intervals as PostgreSQL writes them. */
export function plainRow(row: Row): Row {
	const out: Row = {};
	for (const [name, value] of Object.entries(row)) {
		if (value instanceof Date)
			out[name] = Number.isNaN(value.getTime()) ? null : value.toISOString();
		else if (Buffer.isBuffer(value)) out[name] = value.toString('base64');
		else if (
			value !== null &&
			typeof value === 'object' &&
			typeof (value as { toPostgres?: unknown }).toPostgres === 'function'
		)
			out[name] = (value as { toPostgres: () => string }).toPostgres();
		else out[name] = value;
	}
	return out;
}

const isPersonValue = (value: unknown, email: string) =>
	typeof value === 'string' && value.trim().toLowerCase() === email;

/**
 * Where the address is in a payload: at its top level (`whole`: the payload is the person's record),
 * or inside objects nested in it (`parts`: the innermost objects holding it), with the payload as it
 * is once those objects are replaced by `{"erased": true}`.
 */
export function personParts(
	payload: unknown,
	email: string,
): { whole: boolean; parts: unknown[]; erased: unknown } {
	if (payload === null || typeof payload !== 'object')
		return { whole: isPersonValue(payload, email), parts: [], erased: payload };
	if (!Array.isArray(payload) && Object.values(payload).some((v) => isPersonValue(v, email)))
		return { whole: true, parts: [], erased: payload };
	const parts: unknown[] = [];
	const walk = (value: unknown): unknown => {
		if (Array.isArray(value)) return value.map(walk);
		if (value === null || typeof value !== 'object') {
			if (!isPersonValue(value, email)) return value;
			parts.push(value);
			return '[erased]';
		}
		if (Object.values(value).some((v) => isPersonValue(v, email))) {
			parts.push(value);
			return { erased: true };
		}
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
	};
	const erased = walk(payload);
	return { whole: false, parts, erased };
}
