/**
 * The event-driven pipeline in real n8n 2.40.7, as shipped (pipeline-1-validate … pipeline-5-verify,
 * pipeline-monitor), on real PostgreSQL, with the enrichment API, the email verifier and Slack
 * emulated over HTTP:
 *
 * - companies inserted in one transaction flow through all five stages, every event done or in
 *   pipeline_errors, each claimed once, each lookup made once;
 * - a failing stage retries, then dead-letters with pipeline_errors rows, and the monitor posts to Slack;
 * - n8n stopped for 60 s while 1,000 companies are inserted: all are processed after the start, while
 *   n8n's own Postgres Trigger, listening all along, never hears of its 1,000 rows;
 * - two n8n instances on the same database never claim the same event.
 *
 * Test-only changes to the shipped workflows: the run's schema, the emulators' URLs, and retry delays
 * and the sweep interval of 1 s instead of 30 s and 10 s.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { type EnrichmentEmulator, startEnrichmentEmulator } from '../emulators/enrichment/server';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { startVerifierEmulator, type VerifierEmulator } from '../emulators/verifier/server';
import { applyPipeline } from '../harness/pipeline';
import { type TestPostgres, testPostgres } from '../harness/postgres';
import { freePort, installPackage, N8n, parseCliRun, ROOT, sleep } from './harness/n8n';

jest.setTimeout(600_000);

const STAGES = [
	'pipeline-1-validate.json',
	'pipeline-2-promote.json',
	'pipeline-3-slots.json',
	'pipeline-4-enrich.json',
	'pipeline-5-verify.json',
];
const STAGE_IDS = [
	'mkopsPipeValid01',
	'mkopsPipePromo01',
	'mkopsPipeSlots01',
	'mkopsPipeEnrich1',
	'mkopsPipeVerify1',
];
const SETUP = 'mkopsE2ePipeSetup';
const MONITOR = 'mkopsE2ePipeMonitor';
const BUILTIN = 'mkopsE2ePipeBuiltin';
const GDPR = 'mkopsGdprReqst01';
const PRIVACY_SECRET = 'e2e-privacy-secret-3f9a7c1d';

let pg: TestPostgres;
let n8n: N8n;
let second: N8n | undefined;
let enrichment: EnrichmentEmulator;
let verifier: VerifierEmulator;
let slack: SlackEmulator;
let channel: string;

type Workflow = {
	id: string;
	name: string;
	nodes: Array<Record<string, any>>;
	connections: Record<string, any>;
	settings?: Record<string, unknown>;
};

const shipped = (file: string) =>
	JSON.parse(readFileSync(join(ROOT, 'workflows', file), 'utf8')) as Workflow;
const t = (name: string) => pg.qualified(name);

/** A shipped workflow pointed at this run's schema and emulators, with short retry delays. */
function patched(wf: Workflow): Workflow {
	for (const node of wf.nodes) {
		const p = node.parameters ?? {};
		if ('schema' in p) p.schema = pg.schema;
		if (typeof p.query === 'string') p.query = p.query.replace(/\bmarketing\./g, `"${pg.schema}".`);
		if (node.type.endsWith('.pipelineTrigger'))
			p.options = { ...p.options, sweepSeconds: 1, retryDelaySeconds: 1 };
		if (p.operation === 'fail' && p.retry) p.retryDelaySeconds = 1;
		if (node.name === 'Enrich contact') p.url = `${enrichment.url}/v1/people/enrich`;
		if (node.name === 'Verify email') p.url = verifier.endpoint;
	}
	// Every execution kept: the test reads what the stages did.
	wf.settings = { ...wf.settings, saveDataSuccessExecution: 'all' };
	return wf;
}

function write(n: N8n, wf: Workflow, file: string): string {
	const out = join(n.userFolder, file);
	writeFileSync(out, JSON.stringify(wf));
	return out;
}

/** One manual row of the monitor workflow, so the CLI can run it. */
function rowOf(trigger: string, id: string): Workflow {
	const wf = patched(shipped('pipeline-monitor.json'));
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

/** n8n's own Postgres Trigger (listen to a channel) → Postgres, the way one would build it without this package. */
function builtinWorkflow(): Workflow {
	const pgCred = { postgres: { id: 'mkopsPipeDbPg001', name: 'Pipeline database (Postgres)' } };
	return {
		id: BUILTIN,
		name: 'Built-in Postgres Trigger',
		nodes: [
			{
				parameters: { triggerMode: 'listenTrigger', channelName: channel, options: {} },
				id: 'b1',
				name: 'Postgres Trigger',
				type: 'n8n-nodes-base.postgresTrigger',
				typeVersion: 1,
				position: [0, 0],
				credentials: pgCred,
			},
			{
				parameters: {
					operation: 'executeQuery',
					query: `INSERT INTO "${pg.schema}".builtin_processed (intake_id) VALUES ($1)`,
					options: { queryReplacement: '={{ $json.payload.id }}' },
				},
				id: 'b2',
				name: 'Record',
				type: 'n8n-nodes-base.postgres',
				typeVersion: 2.6,
				position: [260, 0],
				credentials: pgCred,
			},
		],
		connections: { 'Postgres Trigger': { main: [[{ node: 'Record', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

function credentials() {
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	) as Array<{
		id: string;
		type: string;
		data: Record<string, unknown>;
	}>;
	return template.map((c) => {
		if (c.id === 'mkopsPipeDbPg001')
			return {
				...c,
				data: { ...c.data, ...pg.connection, port: Number(pg.connection.port), ssl: 'disable' },
			};
		if (c.id === 'mkopsEnrichApi01')
			return { ...c, data: { name: 'Authorization', value: `Bearer ${enrichment.apiKey}` } };
		if (c.id === 'mkopsVerifierKey') return { ...c, data: { name: 'api', value: verifier.apiKey } };
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		if (c.id === 'mkopsPrivHook001')
			return { ...c, data: { name: 'X-Webhook-Secret', value: PRIVACY_SECRET } };
		return c;
	});
}

async function startInstance(publishBuiltin: boolean): Promise<N8n> {
	const n = await N8n.create({
		env: { ...slack.n8nEnv(), N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
	});
	installPackage(n.userFolder);
	n.importCredentials(credentials());
	n.importWorkflow(join(ROOT, 'workflows/error-alerts.json'));
	STAGES.forEach((file) => n.importWorkflow(write(n, patched(shipped(file)), file)));
	n.importWorkflow(write(n, rowOf('Set up (run once)', SETUP), 'setup.json'));
	n.importWorkflow(write(n, rowOf('Every minute', MONITOR), 'monitor.json'));
	if (publishBuiltin) n.importWorkflow(write(n, builtinWorkflow(), 'builtin.json'));
	// PostgreSQL only here (HubSpot, Airtable and Redis are covered in test/integration/privacy.test.ts).
	const gdpr = patched(shipped('gdpr-request.json'));
	for (const node of gdpr.nodes.filter((x) => x.type.endsWith('.privacy'))) {
		node.parameters.schemas = pg.schema;
		node.credentials = { postgres: node.credentials.postgres };
	}
	n.importWorkflow(write(n, gdpr, 'gdpr.json'));
	for (const id of [...STAGE_IDS, GDPR, 'mkopsErrorAlerts', ...(publishBuiltin ? [BUILTIN] : [])])
		n.publish(id);
	await n.start();
	await n.login();
	return n;
}

async function cli(n: N8n, id: string) {
	return parseCliRun(
		await n.cliAsync(['execute', `--id=${id}`, '--rawOutput'], {
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		}),
	);
}

/** Companies in one transaction; `invalid` without a website, `duplicates` repeating earlier domains. */
async function insertCompanies(
	tag: string,
	valid: number,
	invalid = 0,
	duplicates = 0,
): Promise<string[]> {
	const { rows } = await pg.query<{ id: string }>(
		`INSERT INTO ${t('company_raw_intake')} (company_name, website, source)
SELECT 'Company ' || $1::text || '-' || g, CASE WHEN g <= $2::int THEN 'https://www.' || lower($1::text) || '-' || g || '.example.com/about'
	WHEN g <= $2::int + $3::int THEN NULL ELSE 'https://' || lower($1::text) || '-' || (g - $2::int - $3::int) || '.example.com' END, 'e2e'
FROM generate_series(1, $2::int + $3::int + $4::int) g
RETURNING id::text`,
		[tag, valid, invalid, duplicates],
	);
	return rows.map((r) => r.id);
}

type EventRow = {
	id: string;
	event_type: string;
	status: string;
	attempts: number;
	claimed_by: string;
};

/** The whole cascade of these intake rows, once nothing of it is waiting or running any more. */
async function settledCascade(intakeIds: string[], expectedEvents: number, timeoutMs = 300_000) {
	const deadline = Date.now() + timeoutMs;
	const sql = `WITH RECURSIVE chain AS (
	SELECT * FROM ${t('pipeline_events')} WHERE event_type = 'company_created' AND record_id = ANY($1::text[])
	UNION ALL
	SELECT e.* FROM ${t('pipeline_events')} e JOIN chain c ON e.parent_id = c.id
)
SELECT id::text, event_type, status, attempts, claimed_by FROM chain`;
	let rows: EventRow[] = [];
	while (Date.now() < deadline) {
		rows = (await pg.query<EventRow>(sql, [intakeIds])).rows;
		if (
			rows.length === expectedEvents &&
			rows.every((r) => r.status === 'done' || r.status === 'dead')
		)
			return rows;
		await sleep(500);
	}
	const open = rows.filter((r) => r.status !== 'done' && r.status !== 'dead').length;
	throw new Error(
		`cascade not settled in ${timeoutMs} ms: ${rows.length}/${expectedEvents} events, ${open} open`,
	);
}

const countBy = <T>(rows: T[], key: (r: T) => string) =>
	rows.reduce<Record<string, number>>(
		(acc, r) => ((acc[key(r)] = (acc[key(r)] ?? 0) + 1), acc),
		{},
	);

beforeAll(async () => {
	pg = await testPostgres('e2e_pipeline', { poolSize: 4 });
	channel = `mkops_builtin_${pg.schema.slice(-10)}`;
	enrichment = await startEnrichmentEmulator({ limitPerWindow: 1_000_000 });
	verifier = await startVerifierEmulator({ limitPerWindow: 1_000_000 });
	slack = await startSlackEmulator();
	await pg.query(
		`CREATE TABLE ${t('builtin_intake')} (id bigserial PRIMARY KEY, company_name text)`,
	);
	await pg.query(`CREATE TABLE ${t('builtin_processed')} (intake_id bigint)`);
	await pg.query(`CREATE FUNCTION ${t('builtin_notify')}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('${channel}', row_to_json(NEW)::text); RETURN NULL; END $$`);
	await pg.query(
		`CREATE TRIGGER builtin_notify AFTER INSERT ON ${t('builtin_intake')} FOR EACH ROW EXECUTE FUNCTION ${t('builtin_notify')}()`,
	);
	// The tables exist before n8n starts: a Pipeline Trigger refuses to activate without them (and n8n
	// does not retry a failed activation). The shipped setup row then runs again, changing nothing.
	await applyPipeline(pg, true);
	n8n = await startInstance(true);
	const setup = await cli(n8n, SETUP);
	expect(setup.resultData.error).toBeUndefined();
}, 600_000);

afterAll(async () => {
	await second?.stop();
	await n8n?.stop();
	await enrichment?.close();
	await verifier?.close();
	await slack?.close();
	await pg?.cleanup();
});

it('200 companies in one transaction: five stages, every event done or in pipeline_errors, each claimed and looked up once', async () => {
	const ids = await insertCompanies('Flow', 180, 10, 10);
	// 200 company_created, 190 company_validated, 180 promoted / slots_created / contact_enriched.
	const events = await settledCascade(ids, 200 + 190 + 180 * 3);
	expect(countBy(events, (e) => `${e.event_type}:${e.status}`)).toEqual({
		'company_created:done': 190,
		'company_created:dead': 10,
		'company_validated:done': 190,
		'company_promoted:done': 180,
		'slots_created:done': 180,
		'contact_enriched:done': 180,
	});
	expect(events.filter((e) => e.attempts !== 1)).toEqual([]);
	const errors = await pg.query(
		`SELECT stage, severity, outcome, error_message FROM ${t('pipeline_errors')} WHERE event_id = ANY($1::bigint[])`,
		[events.map((e) => e.id)],
	);
	expect(errors.rows).toHaveLength(10);
	expect(
		new Set(errors.rows.map((r) => `${r.stage}/${r.severity}/${r.outcome}/${r.error_message}`)),
	).toEqual(new Set(['validation/warning/dead/website missing']));
	const counts = await pg.query(`SELECT
	(SELECT count(*)::int FROM ${t('company_master')} WHERE domain LIKE 'flow-%') AS master,
	(SELECT count(*)::int FROM ${t('company_slots')} s JOIN ${t('company_master')} m USING (company_id) WHERE m.domain LIKE 'flow-%') AS slots,
	(SELECT count(*)::int FROM ${t('contact_enrichment')} c JOIN ${t('company_master')} m USING (company_id) WHERE m.domain LIKE 'flow-%') AS contacts,
	(SELECT count(*)::int FROM ${t('contact_enrichment')} c JOIN ${t('company_master')} m USING (company_id) WHERE m.domain LIKE 'flow-%' AND c.status = 'found') AS found,
	(SELECT count(*)::int FROM ${t('email_verification')} WHERE email LIKE '%@flow-%') AS verified`);
	const c = counts.rows[0];
	expect(c).toMatchObject({ master: 180, slots: 540, contacts: 540 });
	expect(c.found).toBeGreaterThan(400);
	expect(c.verified).toBe(c.found);
	// Each slot looked up once and each address checked once: nothing was processed twice.
	const lookups = [...enrichment.lookups.entries()].filter(([k]) => k.startsWith('flow-'));
	expect(lookups).toHaveLength(540);
	expect(lookups.filter(([, n]) => n !== 1)).toEqual([]);
	const checks = [...verifier.verifications.entries()].filter(([k]) => k.includes('@flow-'));
	expect(checks).toHaveLength(c.found);
	expect(checks.filter(([, n]) => n !== 1)).toEqual([]);
	const latency = await pg.query(`SELECT stage FROM ${t('vw_latency_by_stage')} ORDER BY stage`);
	expect(latency.rows.map((r) => r.stage)).toEqual([
		'company_created',
		'company_promoted',
		'company_validated',
		'contact_enriched',
		'slots_created',
	]);
});

it('a failing stage retries, then dead-letters with pipeline_errors rows, and the monitor posts to Slack', async () => {
	enrichment.setFailureRate(1);
	let ids: string[];
	let events;
	try {
		ids = await insertCompanies('Fail', 6);
		// Enrichment answers 500 five times per company: retried (1, 2, 4, 8 s), then dead.
		events = await settledCascade(ids, 6 * 4, 180_000);
	} finally {
		enrichment.setFailureRate(0);
	}
	const slots = events.filter((e) => e.event_type === 'slots_created');
	expect(slots.map((e) => [e.status, e.attempts])).toEqual(Array(6).fill(['dead', 5]));
	const errors = await pg.query(
		`SELECT outcome, stage, count(*)::int AS n, min(error_message) AS message FROM ${t('pipeline_errors')}
WHERE event_id = ANY($1::bigint[]) GROUP BY outcome, stage ORDER BY outcome`,
		[slots.map((e) => e.id)],
	);
	expect(errors.rows).toEqual([
		{
			outcome: 'dead',
			stage: 'enrichment',
			n: 6,
			message: 'CEO: HTTP 500 internal; CFO: HTTP 500 internal; HR: HTTP 500 internal',
		},
		{
			outcome: 'retry',
			stage: 'enrichment',
			n: 24,
			message: 'CEO: HTTP 500 internal; CFO: HTTP 500 internal; HR: HTTP 500 internal',
		},
	]);
	const before = slack.messages().length;
	const monitor = await cli(n8n, MONITOR);
	expect(monitor.resultData.error).toBeUndefined();
	const posted = slack
		.messages()
		.slice(before)
		.map((m) => String(m.text));
	expect(posted.filter((m) => m.includes('high_error_rate'))).toEqual([
		expect.stringContaining(
			'Pipeline critical (high_error_rate, slots_created): High error rate in slots_created',
		),
	]);
});

it('n8n stopped for 60 s while 1,000 companies are inserted: all processed after the start; the built-in Postgres Trigger loses its 1,000', async () => {
	// The built-in workflow works while n8n is up.
	await pg.query(
		`INSERT INTO ${t('builtin_intake')} (company_name) SELECT 'Up ' || g FROM generate_series(1, 5) g`,
	);
	for (
		let i = 0;
		i < 60 &&
		Number((await pg.query(`SELECT count(*) FROM ${t('builtin_processed')}`)).rows[0].count) < 5;
		i++
	)
		await sleep(500);
	expect(
		Number((await pg.query(`SELECT count(*) FROM ${t('builtin_processed')}`)).rows[0].count),
	).toBe(5);

	await n8n.stop();
	const ids = await insertCompanies('Down', 1000);
	const builtin = await pg.query<{ id: string }>(
		`INSERT INTO ${t('builtin_intake')} (company_name) SELECT 'Down ' || g FROM generate_series(1, 1000) g RETURNING id`,
	);
	await sleep(60_000);
	await n8n.start();
	const events = await settledCascade(ids, 1000 * 5, 420_000);
	expect(countBy(events, (e) => e.status)).toEqual({ done: 5000 });
	expect(events.filter((e) => e.attempts !== 1)).toEqual([]);
	const lost = await pg.query(
		`SELECT count(*)::int AS n FROM ${t('builtin_processed')} WHERE intake_id = ANY($1::bigint[])`,
		[builtin.rows.map((r) => r.id)],
	);
	expect(lost.rows[0].n).toBe(0);
});

it('two n8n instances on the same database never claim the same event', async () => {
	second = await startInstance(false);
	const ids = await insertCompanies('Two', 600);
	const events = await settledCascade(ids, 600 * 5, 420_000);
	expect(countBy(events, (e) => e.status)).toEqual({ done: 3000 });
	expect(events.filter((e) => e.attempts !== 1)).toEqual([]);
	// claimed_by is "<host>:<pid>/<batch>": both processes took batches.
	const instances = countBy(events, (e) => e.claimed_by.split('/')[0]);
	expect(Object.keys(instances)).toHaveLength(2);
	const lookups = [...enrichment.lookups.entries()].filter(([k]) => k.startsWith('two-'));
	expect(lookups).toHaveLength(1800);
	expect(lookups.filter(([, n]) => n !== 1)).toEqual([]);
});

it('GDPR request: Export returns every row of the person, Erase leaves nothing, a second Erase removes nothing', async () => {
	const { rows } = await pg.query<{ email: string; id: string }>(
		`SELECT c.email, c.id::text FROM ${t('contact_enrichment')} c JOIN ${t('email_verification')} v USING (email)
WHERE c.email LIKE '%@flow-%' ORDER BY c.id LIMIT 1`,
	);
	const person = rows[0];
	const ask = async (body: unknown, secret = PRIVACY_SECRET) => {
		const res = await fetch(`${n8n.baseUrl}/webhook/privacy`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
			body: JSON.stringify(body),
		});
		return {
			status: res.status,
			json: (await res.json().catch(() => ({}))) as Record<string, any>,
		};
	};
	/** Rows of the package's tables in this schema that hold the address, or the contact's id. */
	const holding = async () =>
		(
			await pg.query<{ t: string; n: number }>(
				`SELECT 'contact_enrichment' AS t, count(*)::int AS n FROM ${t('contact_enrichment')} WHERE email = $1 OR id::text = $2
UNION ALL SELECT 'email_verification', count(*)::int FROM ${t('email_verification')} WHERE email = $1
UNION ALL SELECT 'pipeline_events', count(*)::int FROM ${t('pipeline_events')} WHERE payload::text ILIKE '%' || $1 || '%'
UNION ALL SELECT 'pipeline_errors', count(*)::int FROM ${t('pipeline_errors')} WHERE error_message ILIKE '%' || $1 || '%'`,
				[person.email, person.id],
			)
		).rows.filter((r) => r.n > 0);
	const before = await holding();
	expect(before.map((r) => r.t)).toEqual([
		'contact_enrichment',
		'email_verification',
		'pipeline_events',
	]);

	expect((await ask({ action: 'export', email: person.email }, 'wrong')).status).toBe(403);
	const exported = await ask({ action: 'export', email: person.email.toUpperCase() });
	expect(exported.status).toBe(200);
	expect(exported.json.found).toBe(before.reduce((n, r) => n + r.n, 0));
	expect(JSON.stringify(exported.json.data)).toContain(person.email);

	const erased = await ask({ action: 'erase', email: person.email });
	expect(erased.status).toBe(200);
	expect(JSON.stringify(erased.json)).not.toContain(person.email);
	expect(erased.json.removed).toBe(exported.json.found);
	expect(await holding()).toEqual([]);

	const again = await ask({ action: 'erase', email: person.email });
	expect(again.status).toBe(200);
	expect(again.json.removed).toBe(0);
	const audit = await pg.query(
		`SELECT action, subject_hash FROM ${t('privacy_requests')} ORDER BY id`,
	);
	expect(audit.rows.map((r) => r.action)).toEqual(['export', 'erase', 'erase']);
	expect(JSON.stringify(audit.rows)).not.toContain(person.email);
	expect((await ask({ action: 'delete-everything', email: person.email })).status).toBe(400);
	expect((await ask({ action: 'erase', email: 'not an address' })).status).toBe(422);
});
