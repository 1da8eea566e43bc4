/**
 * The shipped pipeline workflows (pipeline-1-validate … pipeline-5-verify, pipeline-monitor) made ready for a
 * run against a test schema and the emulators, their credentials filled from credentials.template.json, and
 * waiting for a cascade to settle. Shared by the pipeline e2e test and `npm run bench:pipeline`.
 *
 * What `patched()` changes, and only that: the schema (node parameters and `marketing.` in queries), the
 * emulators' URLs, execution data kept on success, and by default (the e2e's choice) retry delays and the
 * Pipeline Trigger's sweep interval of 1 s instead of 30 s and 10 s. `sweepSeconds: null` /
 * `retryDelaySeconds: null` / `saveAll: false` keep the shipped values.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { ROOT, sleep } from '../e2e/harness/n8n';
import type { PostgresConnection, TestPostgres } from './postgres';

export const STAGES = [
	'pipeline-1-validate.json',
	'pipeline-2-promote.json',
	'pipeline-3-slots.json',
	'pipeline-4-enrich.json',
	'pipeline-5-verify.json',
];
export const STAGE_IDS = [
	'mkopsPipeValid01',
	'mkopsPipePromo01',
	'mkopsPipeSlots01',
	'mkopsPipeEnrich1',
	'mkopsPipeVerify1',
];
/** The event each stage handles, in cascade order (STAGES[i] handles STAGE_EVENTS[i]). */
export const STAGE_EVENTS = [
	'company_created',
	'company_validated',
	'company_promoted',
	'slots_created',
	'contact_enriched',
];
/** The credential ids the pipeline workflows use (credentials.template.json). */
export const PIPELINE_CREDENTIALS = {
	postgres: 'mkopsPipeDbPg001',
	enrichment: 'mkopsEnrichApi01',
	verifier: 'mkopsVerifierKey',
} as const;

export type Workflow = {
	id: string;
	name: string;
	nodes: Array<Record<string, any>>;
	connections: Record<string, any>;
	settings?: Record<string, unknown>;
	active?: boolean;
	pinData?: Record<string, unknown>;
};

/** A shipped workflow as the package has it (a fresh copy each call). */
export const shipped = (file: string): Workflow =>
	JSON.parse(readFileSync(join(ROOT, 'workflows', file), 'utf8')) as Workflow;

export interface PatchOptions {
	schema: string;
	/** The enrichment emulator's base URL (`enrichment.url`). */
	enrichmentUrl: string;
	/** The verifier emulator's endpoint (`verifier.endpoint`, …/api/v3/). */
	verifierEndpoint: string;
	/** Pipeline Trigger › Sweep Interval; null keeps the shipped value (10 s). Default 1. */
	sweepSeconds?: number | null;
	/** Pipeline Trigger › Retry Delay and the Fail nodes' retry delay; null keeps the shipped 30 s. Default 1. */
	retryDelaySeconds?: number | null;
	/** saveDataSuccessExecution 'all' (the e2e reads what the stages did); false keeps the shipped 'none'. */
	saveAll?: boolean;
}

/** A shipped workflow pointed at this run's schema and emulators (see the file comment for the defaults). */
export function patched(wf: Workflow, o: PatchOptions): Workflow {
	const sweep = o.sweepSeconds === undefined ? 1 : o.sweepSeconds;
	const retry = o.retryDelaySeconds === undefined ? 1 : o.retryDelaySeconds;
	for (const node of wf.nodes) {
		const p = node.parameters ?? {};
		if ('schema' in p) p.schema = o.schema;
		if (typeof p.query === 'string') p.query = p.query.replace(/\bmarketing\./g, `"${o.schema}".`);
		if (node.type.endsWith('.pipelineTrigger')) {
			const options = { ...p.options };
			if (sweep !== null) options.sweepSeconds = sweep;
			if (retry !== null) options.retryDelaySeconds = retry;
			p.options = options;
		}
		if (p.operation === 'fail' && p.retry && retry !== null) p.retryDelaySeconds = retry;
		if (node.name === 'Enrich contact') p.url = `${o.enrichmentUrl}/v1/people/enrich`;
		if (node.name === 'Verify email') p.url = o.verifierEndpoint;
	}
	if (o.saveAll !== false) wf.settings = { ...wf.settings, saveDataSuccessExecution: 'all' };
	return wf;
}

/** One manual row of the monitor workflow (e.g. 'Set up (run once)'), so `n8n execute` can run it. */
export function rowOf(trigger: string, id: string, o: PatchOptions): Workflow {
	const wf = patched(shipped('pipeline-monitor.json'), o);
	const keep = new Set<string>();
	for (
		let name = wf.connections[trigger]?.main[0][0].node;
		name;
		name = wf.connections[name]?.main[0][0].node
	)
		keep.add(name as string);
	const start = {
		parameters: {},
		id: `${id}-start`,
		name: 'Start',
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [0, 0],
	};
	const connections: Record<string, any> = { Start: wf.connections[trigger] };
	for (const name of keep) if (wf.connections[name]) connections[name] = wf.connections[name];
	return {
		...wf,
		id,
		name: `Pipeline: ${trigger}`,
		nodes: [start, ...wf.nodes.filter((n) => keep.has(n.name))],
		connections,
	};
}

export interface CredentialValues {
	/** The database the pipeline credential points at. */
	postgres: PostgresConnection;
	/** Bearer key of the enrichment emulator. */
	enrichmentApiKey: string;
	/** `api` key of the verifier emulator. */
	verifierApiKey: string;
	/** Bot token of the Slack emulator; without it the Slack credential keeps the template's placeholder. */
	slackToken?: string;
	/** Any other credential's data, by credential id (e.g. a webhook secret). */
	data?: Record<string, Record<string, unknown>>;
}

/** workflows/credentials.template.json with the pipeline's credentials (and Slack's) filled in, for import. */
export function templateCredentials(v: CredentialValues): Array<Record<string, any>> {
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	) as Array<{ id: string; type: string; data: Record<string, unknown> }>;
	return template.map((c) => {
		if (c.id === PIPELINE_CREDENTIALS.postgres)
			return {
				...c,
				data: { ...c.data, ...v.postgres, port: Number(v.postgres.port), ssl: 'disable' },
			};
		if (c.id === PIPELINE_CREDENTIALS.enrichment)
			return { ...c, data: { name: 'Authorization', value: `Bearer ${v.enrichmentApiKey}` } };
		if (c.id === PIPELINE_CREDENTIALS.verifier)
			return { ...c, data: { name: 'api', value: v.verifierApiKey } };
		if (c.type === 'slackApi' && v.slackToken) return { ...c, data: { accessToken: v.slackToken } };
		if (v.data?.[c.id]) return { ...c, data: v.data[c.id] };
		return c;
	});
}

/**
 * Companies in one transaction into company_raw_intake: `valid` with a website
 * (`https://www.<tag>-<g>.example.com/about`), then `invalid` without one, then `duplicates` repeating the
 * first domains. Returns the intake ids. (The parameters are cast: uncast, PostgreSQL cannot type `$2 + $3`.)
 */
export async function insertCompanies(
	pg: TestPostgres,
	tag: string,
	valid: number,
	invalid = 0,
	duplicates = 0,
): Promise<string[]> {
	const { rows } = await pg.query<{ id: string }>(
		`INSERT INTO ${pg.qualified('company_raw_intake')} (company_name, website, source)
SELECT 'Company ' || $1::text || '-' || g, CASE WHEN g <= $2::int THEN 'https://www.' || lower($1::text) || '-' || g || '.example.com/about'
	WHEN g <= $2::int + $3::int THEN NULL ELSE 'https://' || lower($1::text) || '-' || (g - $2::int - $3::int) || '.example.com' END, 'e2e'
FROM generate_series(1, $2::int + $3::int + $4::int) g
RETURNING id::text`,
		[tag, valid, invalid, duplicates],
	);
	return rows.map((r) => r.id);
}

export type EventRow = {
	id: string;
	event_type: string;
	status: string;
	attempts: number;
	claimed_by: string;
};

export interface SettleOptions {
	timeoutMs?: number;
	/** Between two looks (default 500 ms). */
	intervalMs?: number;
	/** Extra columns of pipeline_events to return, as SQL over the alias `chain` (e.g. `created_at`). */
	columns?: string[];
}

/**
 * The whole cascade of these intake rows (their company_created events and every event that follows from
 * them, by parent_id), once it has `expectedEvents` events and none is waiting or running any more. Throws
 * with what it saw after `timeoutMs` (default 300 s).
 */
export async function settledCascade<R extends EventRow = EventRow>(
	pg: TestPostgres,
	intakeIds: string[],
	expectedEvents: number,
	options: SettleOptions | number = {},
): Promise<R[]> {
	const o = typeof options === 'number' ? { timeoutMs: options } : options;
	const timeoutMs = o.timeoutMs ?? 300_000;
	const deadline = Date.now() + timeoutMs;
	const events = pg.qualified('pipeline_events');
	const extra = (o.columns ?? []).map((c) => `, ${c}`).join('');
	const sql = `WITH RECURSIVE chain AS (
	SELECT * FROM ${events} WHERE event_type = 'company_created' AND record_id = ANY($1::text[])
	UNION ALL
	SELECT e.* FROM ${events} e JOIN chain c ON e.parent_id = c.id
)
SELECT id::text, event_type, status, attempts, claimed_by${extra} FROM chain`;
	let rows: R[] = [];
	while (Date.now() < deadline) {
		rows = (await pg.query<R>(sql, [intakeIds])).rows;
		if (
			rows.length === expectedEvents &&
			rows.every((r) => r.status === 'done' || r.status === 'dead')
		)
			return rows;
		await sleep(o.intervalMs ?? 500);
	}
	const open = rows.filter((r) => r.status !== 'done' && r.status !== 'dead').length;
	throw new Error(
		`cascade not settled in ${timeoutMs} ms: ${rows.length}/${expectedEvents} events, ${open} open`,
	);
}

export const countBy = <T>(rows: T[], key: (r: T) => string): Record<string, number> =>
	rows.reduce<Record<string, number>>(
		(acc, r) => ((acc[key(r)] = (acc[key(r)] ?? 0) + 1), acc),
		{},
	);
