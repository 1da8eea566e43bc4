/**
 * The pipeline's tables, trigger function and monitoring views, as Pipeline Event › Apply Schema
 * creates them (idempotent: IF NOT EXISTS / CREATE OR REPLACE throughout).
 *
 * - pipeline_events is a queue as well as the audit trail: a row is `pending` until a Pipeline
 *   Trigger claims it (`processing`), then `done`, `failed` (waiting for its retry at
 *   `available_at`) or `dead`. NOTIFY only wakes listeners; the table is the truth, so a notification
 *   sent while n8n was down loses nothing.
 * - A completion's next event is unique per (parent_id, event_type): completing twice cascades once.
 * - emit_pipeline_event() is the row trigger any table can attach (attach_pipeline_event()).
 */
import { DatabaseError, quoteIdent } from '../database/connection';

export const PIPELINE_TABLES = {
	events: 'pipeline_events',
	errors: 'pipeline_errors',
} as const;

export const PIPELINE_VIEWS = {
	pendingByType: 'vw_pending_by_type',
	latencyByStage: 'vw_latency_by_stage',
	errorRate24h: 'vw_error_rate_24h',
	unresolvedErrors: 'vw_unresolved_errors',
} as const;

/** The channel every pipeline NOTIFY goes to; the payload names the schema and event type. */
export const PIPELINE_CHANNEL = 'pipeline_event';

export const EVENT_STATUSES = ['pending', 'processing', 'done', 'failed', 'dead'] as const;
export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;

export const DEFAULT_PIPELINE_SCHEMA = 'marketing';

/** `"schema"."name"`, both checked. */
export function pipelineName(schema: string, name: string): string {
	return `${quoteIdent(schema, 'Schema')}.${quoteIdent(name, 'Name')}`;
}

/** The NOTIFY payload for one event type, as SQL (a JSON text listeners parse). */
function notifyPayload(schema: string, typeSql: string): string {
	return `json_build_object('schema', '${schema}', 'event_type', ${typeSql})::text`;
}

/** SQL that notifies once per distinct event type in `fromSql` (a relation with `event_type`). */
export function notifySql(schema: string, fromSql: string): string {
	quoteIdent(schema, 'Schema');
	return `SELECT pg_notify('${PIPELINE_CHANNEL}', ${notifyPayload(schema, 't.event_type')}) FROM (SELECT DISTINCT event_type FROM ${fromSql}) t`;
}

/** A schema name for the pipeline: a plain SQL name without `$` (it would end the functions' $fn$ quotes). */
export function pipelineSchemaName(schema: string): string {
	if (schema.includes('$'))
		throw new DatabaseError(`Schema '${schema}' must not contain '$' (letters, digits and _ only)`);
	return quoteIdent(schema, 'Schema');
}

export function pipelineSchemaStatements(schema: string): string[] {
	const s = pipelineSchemaName(schema);
	const t = (name: string) => pipelineName(schema, name);
	const events = t(PIPELINE_TABLES.events);
	const errors = t(PIPELINE_TABLES.errors);
	const statuses = EVENT_STATUSES.map((x) => `'${x}'`).join(', ');
	const severities = SEVERITIES.map((x) => `'${x}'`).join(', ');
	return [
		`CREATE SCHEMA IF NOT EXISTS ${s}`,
		`CREATE TABLE IF NOT EXISTS ${events} (
	id bigserial PRIMARY KEY,
	event_type text NOT NULL,
	record_id text,
	payload jsonb NOT NULL DEFAULT '{}'::jsonb,
	status text NOT NULL DEFAULT 'pending' CHECK (status IN (${statuses})),
	attempts integer NOT NULL DEFAULT 0,
	max_attempts integer NOT NULL DEFAULT 5,
	created_at timestamptz NOT NULL DEFAULT now(),
	available_at timestamptz NOT NULL DEFAULT now(),
	claimed_at timestamptz,
	claimed_by text,
	processed_at timestamptz,
	error text,
	parent_id bigint
)`,
		// What a claim scans: ready events by type, oldest first.
		`CREATE INDEX IF NOT EXISTS pipeline_events_ready ON ${events} (event_type, id) WHERE status IN ('pending', 'failed')`,
		`CREATE INDEX IF NOT EXISTS pipeline_events_processing ON ${events} (claimed_at) WHERE status = 'processing'`,
		`CREATE INDEX IF NOT EXISTS pipeline_events_created ON ${events} (created_at)`,
		`CREATE INDEX IF NOT EXISTS pipeline_events_record ON ${events} (record_id)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS pipeline_events_next ON ${events} (parent_id, event_type) WHERE parent_id IS NOT NULL`,
		`CREATE TABLE IF NOT EXISTS ${errors} (
	id bigserial PRIMARY KEY,
	event_id bigint,
	event_type text,
	record_id text,
	stage text NOT NULL,
	severity text NOT NULL DEFAULT 'error' CHECK (severity IN (${severities})),
	error_message text NOT NULL,
	attempt integer,
	outcome text,
	resolved boolean NOT NULL DEFAULT false,
	resolved_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now()
)`,
		`CREATE INDEX IF NOT EXISTS pipeline_errors_created ON ${errors} (created_at)`,
		`CREATE INDEX IF NOT EXISTS pipeline_errors_unresolved ON ${errors} (created_at) WHERE NOT resolved`,
		`CREATE INDEX IF NOT EXISTS pipeline_errors_event ON ${errors} (event_id)`,
		// TG_ARGV: [0] event type, [1] the column that identifies the row (default id).
		`CREATE OR REPLACE FUNCTION ${t('emit_pipeline_event')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
	row_data jsonb := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
	id_column text := COALESCE(NULLIF(TG_ARGV[1], ''), 'id');
BEGIN
	INSERT INTO ${events} (event_type, record_id, payload)
	VALUES (TG_ARGV[0], row_data ->> id_column, row_data);
	-- Identical notifications in one transaction are delivered once: 10,000 rows, one wake-up.
	PERFORM pg_notify('${PIPELINE_CHANNEL}', ${notifyPayload(schema, 'TG_ARGV[0]')});
	RETURN NULL;
END
$fn$`,
		`CREATE OR REPLACE FUNCTION ${t('attach_pipeline_event')}(
	target regclass,
	event_type text,
	fires_on text DEFAULT 'INSERT',
	id_column text DEFAULT 'id',
	condition text DEFAULT NULL
) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
	old_name name;
	-- The event type, readable, plus a hash of it: lead.created and lead_created stay two triggers.
	trigger_name text := left('pipeline_' || regexp_replace(lower(event_type), '[^a-z0-9_]', '_', 'g'), 54)
		|| '_' || left(md5(event_type), 8);
BEGIN
	IF upper(fires_on) !~ '^(INSERT|UPDATE|DELETE)( OR (INSERT|UPDATE|DELETE))*$' THEN
		RAISE EXCEPTION 'fires_on must be INSERT, UPDATE or DELETE joined by OR, got %', fires_on;
	END IF;
	-- This event type's trigger on the table, under this name or an older one, is replaced.
	FOR old_name IN
		SELECT tgname FROM pg_trigger
		WHERE tgrelid = target AND NOT tgisinternal
			AND tgfoid = '${t('emit_pipeline_event')}()'::regprocedure
			AND (tgname = trigger_name OR convert_from(substring(tgargs FROM 1 FOR position('\\x00'::bytea IN tgargs) - 1), 'UTF8') = event_type)
	LOOP
		EXECUTE format('DROP TRIGGER %I ON %s', old_name, target);
	END LOOP;
	EXECUTE format(
		'CREATE TRIGGER %I AFTER %s ON %s FOR EACH ROW %s EXECUTE FUNCTION ${t('emit_pipeline_event')}(%L, %L)',
		trigger_name, upper(fires_on), target,
		CASE WHEN condition IS NULL OR condition = '' THEN '' ELSE 'WHEN (' || condition || ')' END,
		event_type, id_column);
	RETURN trigger_name;
END
$fn$`,
		// Views hold no data; dropped and created again, so a later version can change their columns.
		...Object.values(PIPELINE_VIEWS).map((view) => `DROP VIEW IF EXISTS ${t(view)}`),
		`CREATE VIEW ${t(PIPELINE_VIEWS.pendingByType)} AS
SELECT event_type,
	count(*) AS pending_count,
	min(created_at) AS oldest_created_at,
	EXTRACT(EPOCH FROM now() - min(created_at))::numeric(12, 1) AS oldest_age_seconds
FROM ${events}
WHERE status IN ('pending', 'failed')
GROUP BY event_type`,
		`CREATE VIEW ${t(PIPELINE_VIEWS.latencyByStage)} AS
SELECT event_type AS stage,
	count(*) AS processed,
	avg(EXTRACT(EPOCH FROM processed_at - created_at))::numeric(12, 3) AS avg_seconds,
	(percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM processed_at - created_at)))::numeric(12, 3) AS p95_seconds,
	max(EXTRACT(EPOCH FROM processed_at - created_at))::numeric(12, 3) AS max_seconds
FROM ${events}
WHERE status = 'done' AND created_at > now() - interval '1 hour'
GROUP BY event_type`,
		// Rate = failed attempts / attempts, over the same events (created in the last 24 hours). Every
		// attempt ends in a completion or an error row; rejections (info, warning) are not failures.
		`CREATE VIEW ${t(PIPELINE_VIEWS.errorRate24h)} AS
WITH w AS (
	SELECT id, event_type, attempts, status FROM ${events} WHERE created_at > now() - interval '24 hours'
), a AS (
	SELECT event_type, sum(attempts) AS attempts, count(*) FILTER (WHERE status = 'dead') AS dead_count
	FROM w GROUP BY event_type
), e AS (
	SELECT w.event_type,
		count(*) FILTER (WHERE x.severity IN ('error', 'critical')) AS error_count,
		count(*) FILTER (WHERE x.severity = 'critical') AS critical_count,
		count(*) FILTER (WHERE x.severity IN ('info', 'warning')) AS warning_count
	FROM ${errors} x JOIN w ON w.id = x.event_id
	GROUP BY w.event_type
)
SELECT a.event_type, a.attempts, COALESCE(e.error_count, 0) AS error_count,
	COALESCE(e.critical_count, 0) AS critical_count, COALESCE(e.warning_count, 0) AS warning_count, a.dead_count,
	round(COALESCE(e.error_count, 0)::numeric / NULLIF(a.attempts, 0), 4) AS error_rate
FROM a LEFT JOIN e ON e.event_type = a.event_type`,
		`CREATE VIEW ${t(PIPELINE_VIEWS.unresolvedErrors)} AS
SELECT id, event_id, event_type, record_id, stage, severity, error_message, attempt, outcome, created_at
FROM ${errors}
WHERE NOT resolved
ORDER BY created_at DESC`,
	];
}
