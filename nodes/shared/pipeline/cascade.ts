/**
 * The enrichment cascade's tables (the five stage workflows write them), created by
 * Pipeline Event › Apply Schema with "Also Create Enrichment Tables". Every stage write is keyed so
 * that doing it again (a retried event) changes nothing.
 *
 * company_raw_intake ─insert→ company_created → validation (validation_status)
 *   → company_validated → promotion (company_master, a stable company_id per domain)
 *   → company_promoted → slots (company_slots: CEO, CFO, HR)
 *   → slots_created → enrichment (contact_enrichment, one per slot)
 *   → contact_enriched → verification (email_verification, one per address)
 */
import { pipelineName } from './schema';

export const CASCADE_TABLES = {
	intake: 'company_raw_intake',
	master: 'company_master',
	slots: 'company_slots',
	contacts: 'contact_enrichment',
	verification: 'email_verification',
} as const;

/** The event the intake table emits on insert; the stages' own events follow from it. */
export const CASCADE_FIRST_EVENT = 'company_created';

export function cascadeTableStatements(schema: string): string[] {
	const t = (name: string) => pipelineName(schema, name);
	return [
		`CREATE TABLE IF NOT EXISTS ${t(CASCADE_TABLES.intake)} (
	id bigserial PRIMARY KEY,
	company_name text,
	website text,
	source text,
	validation_status text,
	validation_errors text[],
	domain text,
	created_at timestamptz NOT NULL DEFAULT now()
)`,
		`CREATE TABLE IF NOT EXISTS ${t(CASCADE_TABLES.master)} (
	company_id text PRIMARY KEY,
	domain text NOT NULL UNIQUE,
	company_name text NOT NULL,
	website text,
	intake_id bigint,
	promoted_at timestamptz NOT NULL DEFAULT now()
)`,
		`CREATE TABLE IF NOT EXISTS ${t(CASCADE_TABLES.slots)} (
	company_id text NOT NULL,
	role text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (company_id, role)
)`,
		`CREATE TABLE IF NOT EXISTS ${t(CASCADE_TABLES.contacts)} (
	id bigserial PRIMARY KEY,
	company_id text NOT NULL,
	role text NOT NULL,
	status text NOT NULL,
	full_name text,
	email text,
	title text,
	linkedin_url text,
	enriched_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (company_id, role)
)`,
		`CREATE TABLE IF NOT EXISTS ${t(CASCADE_TABLES.verification)} (
	email text PRIMARY KEY,
	result text NOT NULL,
	quality text,
	deliverable boolean NOT NULL,
	verified_at timestamptz NOT NULL DEFAULT now()
)`,
		`SELECT ${pipelineName(schema, 'attach_pipeline_event')}('${t(CASCADE_TABLES.intake)}'::regclass, '${CASCADE_FIRST_EVENT}', 'INSERT', 'id', NULL)`,
	];
}
