/**
 * Every read and write of pipeline_events / pipeline_errors: claim, complete, fail, emit, recover,
 * release and the statistics. One statement each, so each is atomic without a held transaction.
 */
import type pg from 'pg';

import { quoteIdent } from '../database/connection';
import { notifySql, PIPELINE_TABLES, PIPELINE_VIEWS, pipelineName } from './schema';

export interface PipelineEvent {
	id: string;
	event_type: string;
	record_id: string | null;
	payload: Record<string, unknown>;
	attempts: number;
	max_attempts: number;
	created_at: string;
	parent_id: string | null;
	/** The claim that holds it (`<host>:<pid>/<batch>`): Complete and Fail check it. */
	claimed_by: string;
}

export type Queryable = Pick<pg.Pool, 'query'>;

const EVENT_COLUMNS =
	'e.id::text AS id, e.event_type, e.record_id, e.payload, e.attempts, e.max_attempts, e.created_at, e.parent_id::text AS parent_id, e.claimed_by';

const names = (schema: string) => ({
	events: pipelineName(schema, PIPELINE_TABLES.events),
	errors: pipelineName(schema, PIPELINE_TABLES.errors),
});

export interface ClaimOptions {
	/** Only these event types; empty: every type. */
	types: string[];
	limit: number;
	/** Who holds the claim (instance and batch), so only that batch settles it. */
	claimedBy: string;
	maxAttempts: number;
}

/**
 * Claims up to `limit` ready events, oldest first. SKIP LOCKED: two claimers at once (two n8n
 * instances, or a sweep and a notification) each take different rows, never the same one.
 */
export async function claimEvents(
	db: Queryable,
	schema: string,
	o: ClaimOptions,
): Promise<PipelineEvent[]> {
	const { events } = names(schema);
	const byType = o.types.length > 0 ? 'AND event_type = ANY($4::text[])' : '';
	const params: unknown[] = [o.limit, o.claimedBy, o.maxAttempts];
	if (o.types.length > 0) params.push(o.types);
	const { rows } = await db.query<PipelineEvent>(
		`UPDATE ${events} e
SET status = 'processing', claimed_at = now(), claimed_by = $2, attempts = e.attempts + 1, max_attempts = $3
FROM (
	SELECT id FROM ${events}
	WHERE status IN ('pending', 'failed') AND available_at <= now() ${byType}
	ORDER BY id
	LIMIT $1
	FOR UPDATE SKIP LOCKED
) ready
WHERE e.id = ready.id
RETURNING ${EVENT_COLUMNS}`,
		params,
	);
	return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

export interface NextEvent {
	eventType: string;
	recordId?: string | null;
	payload?: Record<string, unknown>;
}

export interface Completion {
	id: string;
	/** The claim the item came with: the event is completed only while no other claim took it since. */
	claim?: string | null;
	next?: NextEvent;
}

export interface CompletionResult {
	/** Events this call marked done. */
	completed: string[];
	/** Events that were already done (completing again changes nothing). */
	alreadyDone: string[];
	/** Events that do not exist, are dead, or were claimed again since (status `claimed`). */
	refused: Array<{ id: string; status: string | null }>;
	/** Next events inserted, by parent id. */
	emitted: Map<string, string>;
}

/**
 * Marks events done and inserts their next events in one statement. A next event exists at most once
 * per (parent, type), so completing twice (a retried execution) cascades once.
 */
export async function completeEvents(
	db: Queryable,
	schema: string,
	completions: Completion[],
): Promise<CompletionResult> {
	const { events } = names(schema);
	const ids = completions.map((c) => c.id);
	const withNext = completions.filter((c) => c.next);
	// An event timed out and put back (pending, failed) is still the item's to complete while no
	// other claim has taken it; one claimed again since belongs to that claim.
	const { rows } = await db.query<{
		done: string[] | null;
		emitted: Array<{ id: string; parent: string }> | null;
	}>(
		`WITH c AS (
	SELECT DISTINCT ON (id) id, claim FROM unnest($1::bigint[], $6::text[]) AS c(id, claim)
), done AS (
	UPDATE ${events} e SET status = 'done', processed_at = now(), error = NULL
	FROM c
	WHERE e.id = c.id AND e.status IN ('processing', 'pending', 'failed')
		AND (c.claim IS NULL OR e.claimed_by IS NOT DISTINCT FROM c.claim)
	RETURNING e.id, e.record_id
), next AS (
	INSERT INTO ${events} (event_type, record_id, payload, parent_id)
	SELECT n.event_type, COALESCE(n.record_id, done.record_id), COALESCE(n.payload, '{}'::jsonb), done.id
	FROM unnest($2::bigint[], $3::text[], $4::text[], $5::jsonb[]) AS n(parent, event_type, record_id, payload)
	JOIN done ON done.id = n.parent
	ON CONFLICT (parent_id, event_type) WHERE parent_id IS NOT NULL DO NOTHING
	RETURNING id, parent_id, event_type
), notified AS (
	${notifySql(schema, 'next')}
)
SELECT
	(SELECT array_agg(id::text) FROM done) AS done,
	(SELECT json_agg(json_build_object('id', id::text, 'parent', parent_id::text)) FROM next) AS emitted,
	(SELECT count(*) FROM notified) AS notifications`,
		[
			ids,
			withNext.map((c) => c.id),
			withNext.map((c) => c.next!.eventType),
			withNext.map((c) => c.next!.recordId ?? null),
			withNext.map((c) => JSON.stringify(c.next!.payload ?? {})),
			completions.map((c) => c.claim ?? null),
		],
	);
	const completed = rows[0].done ?? [];
	const done = new Set(completed);
	const others = [...new Set(ids)].filter((id) => !done.has(id));
	// Read after the update: a completion that raced this one and won shows as done here.
	const known = new Map<string, { status: string; claimed_by: string | null }>();
	if (others.length > 0) {
		const current = await db.query<{ id: string; status: string; claimed_by: string | null }>(
			`SELECT id::text AS id, status, claimed_by FROM ${events} WHERE id = ANY($1::bigint[])`,
			[others],
		);
		for (const r of current.rows) known.set(r.id, r);
	}
	const alreadyDone: string[] = [];
	const refused: CompletionResult['refused'] = [];
	for (const id of others) {
		const row = known.get(id);
		if (row?.status === 'done') alreadyDone.push(id);
		else if (row && row.status !== 'dead') refused.push({ id, status: 'claimed' });
		else refused.push({ id, status: row?.status ?? null });
	}
	return {
		completed,
		alreadyDone,
		refused,
		emitted: new Map((rows[0].emitted ?? []).map((e) => [e.parent, e.id])),
	};
}

export type Severity = 'info' | 'warning' | 'error' | 'critical';

export interface Failure {
	id: string;
	/** The claim the item came with: only an event that claim still holds is failed. */
	claim?: string | null;
	message: string;
	severity: Severity;
	/** Offer it again after a delay (until its max attempts), or dead-letter it now. */
	retry: boolean;
	/** The stage's name in pipeline_errors (default: the event type). */
	stage?: string;
}

export interface FailureResult {
	/** Per event: `retry` (offered again at `retryAt`), `dead`, or null (not claimed, nothing done). */
	outcomes: Map<string, { outcome: 'retry' | 'dead'; attempts: number; retryAt: string | null }>;
}

/**
 * Fails events that are being processed: each gets a pipeline_errors row and either waits for its
 * retry (delay doubling per attempt, at most an hour) or becomes dead. `onlyClaimedBy`: only events
 * that claim still holds (a batch settling its leftovers never touches a re-claimed event).
 */
export async function failEvents(
	db: Queryable,
	schema: string,
	failures: Failure[],
	retryDelaySeconds: number,
	onlyClaimedBy?: string,
): Promise<FailureResult> {
	const { events, errors } = names(schema);
	const claim = onlyClaimedBy === undefined ? '' : 'AND e.claimed_by = $8';
	const params: unknown[] = [
		failures.map((f) => f.id),
		failures.map((f) => f.message),
		failures.map((f) => f.severity),
		failures.map((f) => f.retry),
		failures.map((f) => f.stage ?? null),
		retryDelaySeconds,
		failures.map((f) => f.claim ?? null),
	];
	if (onlyClaimedBy !== undefined) params.push(onlyClaimedBy);
	const { rows } = await db.query<{
		id: string;
		outcome: 'retry' | 'dead';
		attempts: number;
		retry_at: string | null;
	}>(
		`WITH f AS (
	SELECT DISTINCT ON (id) * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::text[], $7::text[])
		AS f(id, message, severity, retry, stage, claim)
), failed AS (
	UPDATE ${events} e SET
		status = CASE WHEN f.retry AND e.attempts < e.max_attempts THEN 'failed' ELSE 'dead' END,
		available_at = now() + make_interval(secs => least($6::float8 * power(2, greatest(e.attempts - 1, 0)), 3600)),
		processed_at = CASE WHEN f.retry AND e.attempts < e.max_attempts THEN NULL ELSE now() END,
		error = f.message
	FROM f
	WHERE e.id = f.id AND e.status = 'processing' AND (f.claim IS NULL OR e.claimed_by = f.claim) ${claim}
	RETURNING e.id, e.event_type, e.record_id, e.attempts, e.status, e.available_at, f.message, f.severity, f.stage
), logged AS (
	INSERT INTO ${errors} (event_id, event_type, record_id, stage, severity, error_message, attempt, outcome)
	SELECT id, event_type, record_id, COALESCE(stage, event_type), severity, message, attempts,
		CASE status WHEN 'dead' THEN 'dead' ELSE 'retry' END
	FROM failed
)
SELECT id::text AS id, CASE status WHEN 'dead' THEN 'dead' ELSE 'retry' END AS outcome, attempts,
	CASE WHEN status = 'dead' THEN NULL ELSE available_at END AS retry_at
FROM failed`,
		params,
	);
	return {
		outcomes: new Map(
			rows.map((r) => [r.id, { outcome: r.outcome, attempts: r.attempts, retryAt: r.retry_at }]),
		),
	};
}

/** Marks the batch's still-claimed events done (its execution succeeded without settling them). */
export async function completeClaimed(
	db: Queryable,
	schema: string,
	ids: string[],
	claimedBy: string,
): Promise<string[]> {
	const { events } = names(schema);
	const { rows } = await db.query<{ id: string }>(
		`UPDATE ${events} SET status = 'done', processed_at = now(), error = NULL
WHERE id = ANY($1::bigint[]) AND status = 'processing' AND claimed_by = $2
RETURNING id::text AS id`,
		[ids, claimedBy],
	);
	return rows.map((r) => r.id);
}

export interface Emission {
	eventType: string;
	recordId: string | null;
	payload: Record<string, unknown>;
}

/** Inserts events (and wakes listeners once per type, on commit). */
export async function emitEvents(
	db: Queryable,
	schema: string,
	emissions: Emission[],
): Promise<string[]> {
	const { events } = names(schema);
	const { rows } = await db.query<{ ids: string[] | null }>(
		`WITH inserted AS (
	INSERT INTO ${events} (event_type, record_id, payload)
	SELECT event_type, record_id, payload FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS x(event_type, record_id, payload)
	RETURNING id, event_type
), notified AS (
	${notifySql(schema, 'inserted')}
)
SELECT (SELECT array_agg(id::text ORDER BY id) FROM inserted) AS ids, (SELECT count(*) FROM notified) AS n`,
		[
			emissions.map((e) => e.eventType),
			emissions.map((e) => e.recordId),
			emissions.map((e) => JSON.stringify(e.payload)),
		],
	);
	return rows[0].ids ?? [];
}

export interface Recovered {
	id: string;
	outcome: 'retry' | 'dead';
}

/**
 * Events claimed longer ago than `timeoutSeconds` (n8n stopped mid-execution, an execution hung) go
 * back to pending, or to dead after their max attempts; each gets a pipeline_errors row.
 */
export async function recoverStuckEvents(
	db: Queryable,
	schema: string,
	timeoutSeconds: number,
	types: string[] = [],
): Promise<Recovered[]> {
	const { events, errors } = names(schema);
	// Only the event types this trigger handles: another stage's events follow that stage's timeout.
	const byType = types.length > 0 ? 'AND event_type = ANY($2::text[])' : '';
	const { rows } = await db.query<Recovered>(
		`WITH stuck AS (
	UPDATE ${events} SET
		status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
		processed_at = CASE WHEN attempts >= max_attempts THEN now() ELSE NULL END,
		available_at = now(),
		error = 'No outcome within ' || $1::text || ' s of being claimed by ' || COALESCE(claimed_by, '?')
	WHERE status = 'processing' AND claimed_at < now() - make_interval(secs => $1::float8) ${byType}
	RETURNING id, event_type, record_id, attempts, status, error
), logged AS (
	INSERT INTO ${errors} (event_id, event_type, record_id, stage, severity, error_message, attempt, outcome)
	SELECT id, event_type, record_id, event_type, CASE status WHEN 'dead' THEN 'critical' ELSE 'warning' END,
		error, attempts, CASE status WHEN 'dead' THEN 'dead' ELSE 'retry' END
	FROM stuck
)
SELECT id::text AS id, CASE status WHEN 'dead' THEN 'dead' ELSE 'retry' END AS outcome FROM stuck`,
		types.length > 0 ? [timeoutSeconds, types] : [timeoutSeconds],
	);
	return rows;
}

/** Hands a batch's claimed events back untouched (a trigger closing before it could emit them). */
export async function releaseClaimed(
	db: Queryable,
	schema: string,
	ids: string[],
	claimedBy: string,
): Promise<number> {
	const { events } = names(schema);
	const { rowCount } = await db.query(
		`UPDATE ${events} SET status = 'pending', attempts = greatest(attempts - 1, 0), claimed_by = NULL, claimed_at = NULL
WHERE id = ANY($1::bigint[]) AND status = 'processing' AND claimed_by = $2`,
		[ids, claimedBy],
	);
	return rowCount ?? 0;
}

/** Deletes done events older than `days` (and resolved errors older than `errorDays`). */
export async function purgeDone(
	db: Queryable,
	schema: string,
	days: number,
	errorDays: number,
): Promise<{ events: number; errors: number }> {
	const { events, errors } = names(schema);
	const e = await db.query(
		`DELETE FROM ${events} WHERE status = 'done' AND processed_at < now() - make_interval(days => $1::int)`,
		[days],
	);
	const r = await db.query(
		`DELETE FROM ${errors} WHERE resolved AND resolved_at < now() - make_interval(days => $1::int)`,
		[errorDays],
	);
	return { events: e.rowCount ?? 0, errors: r.rowCount ?? 0 };
}

export type Report = keyof typeof PIPELINE_VIEWS;

/** A monitoring view's rows. */
export async function readView(
	db: Queryable,
	schema: string,
	report: Report,
	limit = 1000,
): Promise<Array<Record<string, unknown>>> {
	const view = pipelineName(schema, PIPELINE_VIEWS[report]);
	const { rows } = await db.query(`SELECT * FROM ${view} LIMIT $1`, [limit]);
	return rows;
}

export interface HealthThresholds {
	/** Critical: more than this many events ready (pending) for longer than `stalledMinutes`. */
	stalledCount: number;
	stalledMinutes: number;
	/** Critical: any stage's errors / attempts over this fraction within `windowMinutes`. */
	errorRate: number;
	/** Warning: average insert → done latency over this many seconds within `windowMinutes`. */
	latencySeconds: number;
	windowMinutes: number;
	/** Error rates from fewer attempts than this are not judged (one failure in two is not 50 %). */
	minAttempts: number;
}

export interface HealthAlert {
	level: 'critical' | 'warning';
	check: 'pipeline_stalled' | 'high_error_rate' | 'slow_processing';
	stage: string | null;
	value: number;
	threshold: number;
	message: string;
}

/** The operations guide's alert conditions, measured now. */
export async function checkHealth(
	db: Queryable,
	schema: string,
	th: HealthThresholds,
): Promise<{ alerts: HealthAlert[]; measured: Record<string, unknown> }> {
	const { events, errors } = names(schema);
	const stalled = await db.query<{ n: string }>(
		`SELECT count(*)::text AS n FROM ${events}
WHERE status = 'pending' AND available_at < now() - make_interval(mins => $1::int)`,
		[th.stalledMinutes],
	);
	const rates = await db.query<{ stage: string; attempts: string; errors: string }>(
		// Errors and attempts of the same events (those created in the window); a rejection the
		// workflow chose (severity info or warning) is an outcome, not a failure.
		`WITH w AS (
	SELECT id, event_type, attempts FROM ${events} WHERE created_at > now() - make_interval(mins => $1::int)
), a AS (
	SELECT event_type AS stage, sum(attempts) AS attempts FROM w GROUP BY event_type
), e AS (
	SELECT w.event_type AS stage, count(*) AS errors
	FROM ${errors} x JOIN w ON w.id = x.event_id
	WHERE x.severity IN ('error', 'critical')
	GROUP BY w.event_type
)
SELECT a.stage, a.attempts::text AS attempts, COALESCE(e.errors, 0)::text AS errors
FROM a LEFT JOIN e ON e.stage = a.stage ORDER BY a.stage`,
		[th.windowMinutes],
	);
	const latency = await db.query<{ avg: string | null; n: string }>(
		`SELECT avg(EXTRACT(EPOCH FROM processed_at - created_at))::text AS avg, count(*)::text AS n FROM ${events}
WHERE status = 'done' AND processed_at > now() - make_interval(mins => $1::int)`,
		[th.windowMinutes],
	);
	const alerts: HealthAlert[] = [];
	const stalledCount = Number(stalled.rows[0].n);
	if (stalledCount > th.stalledCount)
		alerts.push({
			level: 'critical',
			check: 'pipeline_stalled',
			stage: null,
			value: stalledCount,
			threshold: th.stalledCount,
			message: `Pipeline stalled: ${stalledCount} events waiting for more than ${th.stalledMinutes} min (threshold ${th.stalledCount}). Check that the pipeline workflows are active.`,
		});
	const stageRates = rates.rows.map((r) => ({
		stage: r.stage,
		attempts: Number(r.attempts),
		errors: Number(r.errors),
	}));
	for (const r of stageRates) {
		if (r.attempts < th.minAttempts) continue;
		const rate = r.errors / r.attempts;
		if (rate > th.errorRate)
			alerts.push({
				level: 'critical',
				check: 'high_error_rate',
				stage: r.stage,
				value: Math.round(rate * 10000) / 10000,
				threshold: th.errorRate,
				message: `High error rate in ${r.stage}: ${(rate * 100).toFixed(1)} % of ${r.attempts} attempts in ${th.windowMinutes} min failed (threshold ${(th.errorRate * 100).toFixed(0)} %). See ${PIPELINE_VIEWS.unresolvedErrors}.`,
			});
	}
	const avg = latency.rows[0].avg === null ? null : Number(latency.rows[0].avg);
	if (avg !== null && avg > th.latencySeconds)
		alerts.push({
			level: 'warning',
			check: 'slow_processing',
			stage: null,
			value: Math.round(avg * 1000) / 1000,
			threshold: th.latencySeconds,
			message: `Slow processing: events took ${avg.toFixed(1)} s on average from insert to done in ${th.windowMinutes} min (threshold ${th.latencySeconds} s).`,
		});
	return {
		alerts,
		measured: {
			stalled: stalledCount,
			stages: stageRates,
			avgLatencySeconds: avg,
			processed: Number(latency.rows[0].n),
		},
	};
}

/** Raises a clear error when Apply Schema has not run on `schema`. */
export async function assertPipelineSchema(db: Queryable, schema: string): Promise<void> {
	quoteIdent(schema, 'Schema');
	const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [
		`${quoteIdent(schema)}.${PIPELINE_TABLES.events}`,
	]);
	if (rows[0].t === null)
		throw new Error(
			`The table ${schema}.${PIPELINE_TABLES.events} does not exist: run Pipeline Event › Apply Schema with schema "${schema}" first`,
		);
}
