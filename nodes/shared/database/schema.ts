/**
 * The attendance tables, as this package creates them (Database › Apply Schema) and writes them.
 *
 * Differences from the original design, and why:
 * - Dates are TIMESTAMPTZ: WebinarJam gives local times in the webinar's time zone, and a bare
 *   TIMESTAMP would lose which zone they were in.
 * - webinarjam_id / lead_id are BIGINT: nothing to gain from overflowing at 2^31.
 * - The lookup index also covers `event_date DESC`, so the attendance lookup
 *   (`… ORDER BY event_date DESC LIMIT 1`) is one index probe with no sort.
 * - `sync_runs` records every sync.
 */
import { quoteIdent } from './connection';

/** One column of webinar_registrants that the sync writes. */
export interface RegistrantColumn {
	name: string;
	/** The SQL type, as used in DDL and in casts of bulk-loaded values. */
	type: string;
}

/** The columns the sync writes, in table order (ids and bookkeeping columns are not listed). */
export const REGISTRANT_COLUMNS: readonly RegistrantColumn[] = [
	{ name: 'webinarjam_id', type: 'bigint' },
	{ name: 'lead_id', type: 'bigint' },
	{ name: 'webinar_id', type: 'integer' },
	{ name: 'schedule_id', type: 'integer' },
	{ name: 'event_id', type: 'integer' },
	{ name: 'email', type: 'varchar(255)' },
	{ name: 'first_name', type: 'varchar(255)' },
	{ name: 'last_name', type: 'varchar(255)' },
	{ name: 'phone_country_code', type: 'varchar(10)' },
	{ name: 'phone_number', type: 'varchar(50)' },
	{ name: 'webinar_name', type: 'varchar(255)' },
	{ name: 'schedule', type: 'varchar(255)' },
	{ name: 'event_date', type: 'timestamptz' },
	{ name: 'signup_date', type: 'timestamptz' },
	{ name: 'attended_live', type: 'boolean' },
	{ name: 'date_live', type: 'timestamptz' },
	{ name: 'entered_live', type: 'interval' },
	{ name: 'time_live', type: 'interval' },
	{ name: 'purchased_live', type: 'boolean' },
	{ name: 'revenue_live', type: 'numeric(10,2)' },
	{ name: 'attended_replay', type: 'boolean' },
	{ name: 'date_replay', type: 'timestamptz' },
	{ name: 'time_replay', type: 'interval' },
	{ name: 'purchased_replay', type: 'boolean' },
	{ name: 'revenue_replay', type: 'numeric(10,2)' },
];

export const TABLES = {
	registrants: 'webinar_registrants',
	checks: 'attendance_checks',
	syncRuns: 'sync_runs',
} as const;

export const VIEWS = {
	performanceHourly: 'attendance_check_performance_hourly',
	attendanceRates: 'webinar_attendance_rates',
} as const;

/**
 * Idempotent DDL for `schema`: safe to run on every deploy and while other sessions read and write
 * (CREATE … IF NOT EXISTS, CREATE OR REPLACE VIEW). Run it inside one transaction.
 */
export function schemaStatements(schema = 'public'): string[] {
	const s = quoteIdent(schema, 'Schema');
	const t = (name: string) => `${s}.${quoteIdent(name)}`;
	const notNull = new Set(['webinarjam_id', 'webinar_id', 'schedule_id', 'email']);
	const defaults: Record<string, string> = {
		attended_live: 'NOT NULL DEFAULT FALSE',
		purchased_live: 'NOT NULL DEFAULT FALSE',
		attended_replay: 'NOT NULL DEFAULT FALSE',
		purchased_replay: 'NOT NULL DEFAULT FALSE',
		revenue_live: 'NOT NULL DEFAULT 0',
		revenue_replay: 'NOT NULL DEFAULT 0',
	};
	const columns = REGISTRANT_COLUMNS.map((c) => {
		const extra =
			c.name === 'webinarjam_id'
				? 'UNIQUE NOT NULL'
				: (defaults[c.name] ?? (notNull.has(c.name) ? 'NOT NULL' : ''));
		return `\t${c.name} ${c.type.toUpperCase()}${extra ? ` ${extra}` : ''}`;
	});
	return [
		`CREATE SCHEMA IF NOT EXISTS ${s}`,
		`CREATE TABLE IF NOT EXISTS ${t(TABLES.registrants)} (
	id BIGSERIAL PRIMARY KEY,
${columns.join(',\n')},
	created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
	updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
	last_synced_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
)`,
		`CREATE INDEX IF NOT EXISTS idx_webinar_registrants_email ON ${t(TABLES.registrants)} (email)`,
		`CREATE INDEX IF NOT EXISTS idx_webinar_registrants_lookup ON ${t(TABLES.registrants)} (email, webinar_id, schedule_id, event_date DESC)`,
		`CREATE INDEX IF NOT EXISTS idx_webinar_registrants_attended ON ${t(TABLES.registrants)} (attended_live)`,
		`CREATE TABLE IF NOT EXISTS ${t(TABLES.checks)} (
	id BIGSERIAL PRIMARY KEY,
	registrant_id BIGINT REFERENCES ${t(TABLES.registrants)} (id) ON DELETE SET NULL,
	ghl_contact_id VARCHAR(255),
	email VARCHAR(255) NOT NULL,
	webinar_id INTEGER,
	schedule_id INTEGER,
	attended BOOLEAN,
	attendance_status VARCHAR(50) NOT NULL CHECK (attendance_status IN ('attended', 'no_show', 'not_found', 'error')),
	tag_added VARCHAR(100),
	tag_removed VARCHAR(100),
	error TEXT,
	response_time_ms INTEGER,
	checked_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
)`,
		`CREATE INDEX IF NOT EXISTS idx_attendance_checks_date ON ${t(TABLES.checks)} (checked_at)`,
		`CREATE TABLE IF NOT EXISTS ${t(TABLES.syncRuns)} (
	id BIGSERIAL PRIMARY KEY,
	source VARCHAR(50) NOT NULL,
	status VARCHAR(20) NOT NULL CHECK (status IN ('running', 'success', 'partial', 'failed')),
	webinar_ids TEXT,
	pages INTEGER NOT NULL DEFAULT 0,
	fetched INTEGER NOT NULL DEFAULT 0,
	inserted INTEGER NOT NULL DEFAULT 0,
	updated INTEGER NOT NULL DEFAULT 0,
	unchanged INTEGER NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0,
	errors JSONB NOT NULL DEFAULT '[]'::jsonb,
	duration_ms INTEGER,
	started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
	finished_at TIMESTAMPTZ
)`,
		`CREATE INDEX IF NOT EXISTS idx_sync_runs_started ON ${t(TABLES.syncRuns)} (started_at)`,
		// The performance dashboard's query, over every hour that has checks.
		`CREATE OR REPLACE VIEW ${t(VIEWS.performanceHourly)} AS
SELECT DATE_TRUNC('hour', checked_at) AS hour,
	COUNT(*) AS total_checks,
	ROUND(AVG(response_time_ms)::numeric, 1) AS avg_response_time_ms,
	MAX(response_time_ms) AS max_response_time_ms,
	COUNT(*) FILTER (WHERE attendance_status = 'attended') AS attended_count,
	COUNT(*) FILTER (WHERE attendance_status = 'no_show') AS no_show_count,
	COUNT(*) FILTER (WHERE attendance_status = 'not_found') AS not_found_count,
	COUNT(*) FILTER (WHERE attendance_status = 'error') AS error_count
FROM ${t(TABLES.checks)}
GROUP BY 1`,
		`CREATE OR REPLACE VIEW ${t(VIEWS.attendanceRates)} AS
SELECT webinar_id, schedule_id, MAX(webinar_name) AS webinar_name, MAX(event_date) AS event_date,
	COUNT(*) AS registrants,
	COUNT(*) FILTER (WHERE attended_live) AS attended_live,
	COUNT(*) FILTER (WHERE attended_replay) AS attended_replay,
	COUNT(*) FILTER (WHERE attended_live OR attended_replay) AS attended_any,
	ROUND(100.0 * COUNT(*) FILTER (WHERE attended_live) / NULLIF(COUNT(*), 0), 1) AS live_attendance_rate_pct,
	COUNT(*) FILTER (WHERE purchased_live OR purchased_replay) AS purchasers,
	SUM(revenue_live + revenue_replay) AS revenue
FROM ${t(TABLES.registrants)}
GROUP BY webinar_id, schedule_id`,
	];
}

/** The whole schema as one script, for pasting into Supabase's SQL editor. */
export function schemaScript(schema = 'public'): string {
	return `${schemaStatements(schema).join(';\n\n')};\n`;
}
