/**
 * The sync's own tables, created by Apply Schema (idempotent: IF NOT EXISTS throughout).
 *
 * - hubspot_webhook_events: one row per HubSpot eventId ever received. The primary key is what makes
 *   a delivery that HubSpot retries, or that two n8n webhook processes receive, apply once.
 * - hubspot_field_state: per record and field, the value both sides last agreed on and when each
 *   side last changed it. "Changed since the last sync" is measured against it.
 * - hubspot_sync_log: every applied, refused or held change, with both values and the reason.
 * - hubspot_reconciliation_runs: one row per reconciliation, with its counts.
 */
import { quoteIdent } from '../../../shared/database/connection';

export const SYNC_TABLES = {
	events: 'hubspot_webhook_events',
	fieldState: 'hubspot_field_state',
	log: 'hubspot_sync_log',
	runs: 'hubspot_reconciliation_runs',
} as const;

/** `"schema"."table"`, both checked. */
export function qualified(schema: string, table: string): string {
	return `${quoteIdent(schema, 'Schema')}.${quoteIdent(table, 'Table')}`;
}

export function syncSchemaStatements(schema: string): string[] {
	const t = (name: string) => qualified(schema, name);
	return [
		`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema, 'Schema')}`,
		`CREATE TABLE IF NOT EXISTS ${t(SYNC_TABLES.events)} (
	event_id text PRIMARY KEY,
	portal_id bigint,
	subscription_type text NOT NULL,
	object_id text,
	property_name text,
	occurred_at timestamptz,
	change_source text,
	received_at timestamptz NOT NULL DEFAULT now(),
	deliveries integer NOT NULL DEFAULT 1,
	applied_at timestamptz,
	outcome text
)`,
		`CREATE INDEX IF NOT EXISTS hubspot_webhook_events_unapplied ON ${t(SYNC_TABLES.events)} (received_at) WHERE applied_at IS NULL`,
		`CREATE TABLE IF NOT EXISTS ${t(SYNC_TABLES.fieldState)} (
	app_table text NOT NULL,
	record_id text NOT NULL,
	field text NOT NULL,
	hubspot_object_type text NOT NULL,
	hubspot_id text,
	synced_value text,
	synced_at timestamptz,
	app_changed_at timestamptz,
	hubspot_changed_at timestamptz,
	PRIMARY KEY (app_table, record_id, field)
)`,
		`CREATE TABLE IF NOT EXISTS ${t(SYNC_TABLES.log)} (
	id bigserial PRIMARY KEY,
	logged_at timestamptz NOT NULL DEFAULT now(),
	source text NOT NULL,
	run_id text,
	event_id text,
	app_table text,
	record_id text,
	hubspot_object_type text,
	hubspot_id text,
	field text,
	property text,
	side text,
	action text NOT NULL,
	reason text,
	before_value text,
	after_value text,
	app_value text,
	hubspot_value text
)`,
		`CREATE INDEX IF NOT EXISTS hubspot_sync_log_record ON ${t(SYNC_TABLES.log)} (app_table, record_id, logged_at)`,
		`CREATE TABLE IF NOT EXISTS ${t(SYNC_TABLES.runs)} (
	id bigserial PRIMARY KEY,
	run_id text NOT NULL UNIQUE,
	app_table text NOT NULL,
	hubspot_object_type text NOT NULL,
	mode text NOT NULL,
	started_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	status text NOT NULL DEFAULT 'running',
	compared integer NOT NULL DEFAULT 0,
	equal integer NOT NULL DEFAULT 0,
	updated_in_app integer NOT NULL DEFAULT 0,
	updated_in_hubspot integer NOT NULL DEFAULT 0,
	conflicts integer NOT NULL DEFAULT 0,
	manual integer NOT NULL DEFAULT 0,
	errors integer NOT NULL DEFAULT 0,
	missing_in_hubspot integer NOT NULL DEFAULT 0,
	missing_in_app integer NOT NULL DEFAULT 0,
	events_reconciled integer NOT NULL DEFAULT 0,
	hubspot_reads integer NOT NULL DEFAULT 0,
	hubspot_writes integer NOT NULL DEFAULT 0,
	error text
)`,
	];
}

/** The example app table (a customers ↔ companies sync), created only when asked. */
export function exampleTableStatements(schema: string, table: string): string[] {
	return [
		`CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	ban text NOT NULL UNIQUE,
	company_name text NOT NULL,
	status text NOT NULL DEFAULT 'active',
	credit_limit numeric(12,2),
	current_balance numeric(12,2) NOT NULL DEFAULT 0,
	payment_terms text,
	email text,
	hubspot_id text UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
)`,
	];
}
