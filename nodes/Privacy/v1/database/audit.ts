/**
 * privacy_requests: one row per Export or Erase, in the first configured schema, created when
 * missing. It proves a request was carried out without keeping whom it was about: the address is
 * kept only as its sha256, and the counts say how many rows each store held, never which.
 */
import type pg from 'pg';

import { quoteIdent } from '../../../shared/database/connection';
import { inTransaction } from '../../../shared/database/transaction';
import { qualified } from '../../../HubSpotRecordSync/v1/database/schema';

export const AUDIT_TABLE = 'privacy_requests';

export function auditStatements(schema: string): string[] {
	const t = qualified(schema, AUDIT_TABLE);
	return [
		`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema, 'Schema')}`,
		`CREATE TABLE IF NOT EXISTS ${t} (
	id bigserial PRIMARY KEY,
	action text NOT NULL CHECK (action IN ('export', 'erase')),
	subject_hash text NOT NULL,
	status text NOT NULL,
	counts jsonb NOT NULL,
	requested_at timestamptz NOT NULL,
	completed_at timestamptz NOT NULL DEFAULT now(),
	execution_id text,
	workflow_id text
)`,
		`CREATE INDEX IF NOT EXISTS privacy_requests_subject ON ${t} (subject_hash, requested_at)`,
	];
}

/** Creates the table once per process and schema; concurrent first runs take turns on a lock. */
const ensured = new WeakMap<pg.Pool, Set<string>>();

export async function ensureAuditTable(pool: pg.Pool, schema: string): Promise<void> {
	const done = ensured.get(pool) ?? new Set<string>();
	if (done.has(schema)) return;
	await inTransaction(pool, async (client) => {
		// Two CREATE TABLE IF NOT EXISTS at once can still collide on the type name: one at a time.
		await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
			`n8n-nodes-marketing-ops:privacy:${schema}`,
		]);
		for (const sql of auditStatements(schema)) await client.query(sql);
	});
	done.add(schema);
	ensured.set(pool, done);
}

export interface AuditRow {
	action: 'export' | 'erase';
	subjectHash: string;
	status: 'done' | 'partial';
	counts: Record<string, unknown>;
	requestedAt: Date;
	executionId?: string;
	workflowId?: string;
}

/** Writes the row (creating the table again if it was dropped since); returns its id. */
export async function writeAudit(pool: pg.Pool, schema: string, row: AuditRow): Promise<string> {
	let failure: unknown;
	try {
		return await insertAudit(pool, schema, row);
	} catch (error) {
		failure = error;
	}
	// Decided outside the catch: anything but a missing table is passed on as it is.
	if ((failure as { code?: string }).code !== '42P01') throw failure;
	ensured.get(pool)?.delete(schema);
	await ensureAuditTable(pool, schema);
	return await insertAudit(pool, schema, row);
}

async function insertAudit(pool: pg.Pool, schema: string, row: AuditRow): Promise<string> {
	const { rows } = await pool.query<{ id: string }>(
		`INSERT INTO ${qualified(schema, AUDIT_TABLE)} (action, subject_hash, status, counts, requested_at, execution_id, workflow_id)
VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) RETURNING id::text AS id`,
		[
			row.action,
			row.subjectHash,
			row.status,
			JSON.stringify(row.counts),
			row.requestedAt,
			row.executionId ?? null,
			row.workflowId ?? null,
		],
	);
	return rows[0].id;
}
