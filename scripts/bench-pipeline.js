#!/usr/bin/env node
// npm run bench:pipeline: the event-driven enrichment cascade as shipped (Pipeline Trigger batches) against the same
// five stages built from n8n's own nodes (one execution per event), side by side in one real n8n 2.40.7 (installed
// as users install it, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true), on real PostgreSQL, with the enrichment API and
// the email verifier emulated over HTTP (limits high enough never to throttle; BENCH_LATENCY_MS adds latency).
// - ours: the five shipped stage workflows (pipeline-1-validate … pipeline-5-verify), changed only in their schema
//   and the emulators' URLs (shipped sweep interval, retry delays, batch size, parallel executions and execution
//   saving); the monitor's "Set up (run once)" row applies the schema before n8n starts. BENCH_COMPANIES (10,000)
//   valid companies are inserted into company_raw_intake in one transaction; the run waits until every event of
//   the cascade is done or dead.
// - built-in: each shipped stage rebuilt from n8n's own nodes, one execution per event: Postgres Trigger (listen to
//   `<channel>_<event type>`) → Edit Fields named "Pipeline Trigger" (the notification's event as the item) → the
//   stage's own nodes as shipped (Code, Postgres, If, HTTP Request to the same emulators) on copies of the cascade
//   tables (bench_*) → Postgres nodes in place of Pipeline Event › Complete / Fail that log the event (bench_log) and
//   pg_notify the next stage's channel. BENCH_BUILTIN_COMPANIES (1,000: five executions per company make all N
//   take long) rows inserted in one transaction into bench_company_raw_intake, whose row trigger notifies once a row.
// - baseline: Postgres Trigger → No Operation, one notification per row, BENCH_BUILTIN_COMPANIES rows: the floor
//   any one-execution-per-event design pays on this n8n.
// Per stage: events, events/s (events ÷ (last processed_at − first created_at of that event type)), insert →
// processed p50/p95/max, executions; per side the whole cascade (all events ÷ (last processed_at − the intake
// insert)). Checks none lost / none twice. Prints PASS/FAIL per goal; exits 1 when a goal fails. Cleans up (n8n
// processes, emulators, schema, temp files) in `finally` and on Ctrl-C.
require('./ts-register');
const { execFileSync } = require('child_process');
const { readdirSync, readFileSync, writeFileSync } = require('fs');
const { join } = require('path');

const { freePort, installPackage, N8n, parseCliRun, sleep } = require('../test/e2e/harness/n8n.ts');
const { testPostgres } = require('../test/harness/postgres.ts');
const { settleEventLog } = require('../test/harness/n8nEventLog.ts');
const {
	PIPELINE_CREDENTIALS,
	STAGE_EVENTS,
	STAGE_IDS,
	STAGES,
	insertCompanies,
	patched,
	rowOf,
	settledCascade,
	shipped,
	templateCredentials,
} = require('../test/harness/pipelineWorkflows.ts');
const { startEnrichmentEmulator } = require('../test/emulators/enrichment/server.js');
const { startVerifierEmulator } = require('../test/emulators/verifier/server.js');
const { startSlackEmulator } = require('../test/emulators/slack/server.js');
const { cleanupStack, finish, tempFolder } = require('../test/bench/cleanup.js');
const { requirePositiveIntegers } = require('../test/bench/env.js');
const { summarize, workflowRuns } = require('../test/bench/n8n-event-log.js');

const N = Number(process.env.BENCH_COMPANIES || 10000);
const M = Number(process.env.BENCH_BUILTIN_COMPANIES || 1000);
const LATENCY = Number(process.env.BENCH_LATENCY_MS || 0);
const DEADLINE_S = Number(process.env.BENCH_DEADLINE_S || 1800);
const IDLE_S = Number(process.env.BENCH_IDLE_S || 60);
const KEEP = process.env.BENCH_KEEP === '1';
// Far above what one n8n sends: the emulators never throttle.
const EMULATOR_LIMIT = 1_000_000;
const P95_GOAL_S = 300;
const RATIO_GOAL = 5;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const SETUP = 'mkopsBenchPipSet';
const ERROR_ALERTS = 'mkopsErrorAlerts';
const BUILTIN_IDS = [
	'mkopsBenchPipBi1',
	'mkopsBenchPipBi2',
	'mkopsBenchPipBi3',
	'mkopsBenchPipBi4',
	'mkopsBenchPipBi5',
];
const BASELINE = 'mkopsBenchPipNop';
const CRED_PG = { id: PIPELINE_CREDENTIALS.postgres, name: 'Pipeline database (Postgres)' };

requirePositiveIntegers([
	['BENCH_COMPANIES', N],
	['BENCH_BUILTIN_COMPANIES', M],
	['BENCH_DEADLINE_S', DEADLINE_S],
	['BENCH_IDLE_S', IDLE_S],
]);
if (!Number.isInteger(LATENCY) || LATENCY < 0) {
	console.error(`BENCH_LATENCY_MS must be a whole number ≥ 0, got ${process.env.BENCH_LATENCY_MS}`);
	process.exit(2);
}

const cleanups = cleanupStack({
	onSignal: (signal) =>
		console.log(`\n${signal}: stopping n8n, closing the emulators, dropping the schema`),
});

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const s1 = (seconds) => `${Number(seconds).toFixed(1)} s`;
const rateText = (r) => (r >= 100 ? fmt(r) : r.toFixed(1));
const progress = (text) => process.stderr.write(`  … ${text}\n`);
const pad = (text, width) => String(text).padEnd(width);

// ---- built-in workflows ----

/** The cascade tables the stages' SQL names; the built-in side works on copies named bench_<table>. */
const CASCADE_TABLES = [
	'company_raw_intake',
	'company_master',
	'company_slots',
	'contact_enrichment',
	'email_verification',
];
/** The fields Pipeline Event › Complete leaves out of an item made the next event's payload. */
const EVENT_FIELDS = [
	'id',
	'claim',
	'event_type',
	'attempts',
	'max_attempts',
	'created_at',
	'parent_id',
	'pipeline',
];

function builtInSettings(shippedSettings) {
	// As shipped (successful executions not saved, the execution timeout), without the package's error workflow.
	const { errorWorkflow: _errorWorkflow, ...settings } = shippedSettings ?? {};
	return { executionOrder: 'v1', ...settings };
}

const pgTrigger = (channel, position) => ({
	id: 'e0000000-0000-4000-8000-0000000000a1',
	name: 'Postgres Trigger',
	type: 'n8n-nodes-base.postgresTrigger',
	typeVersion: 1,
	position,
	parameters: { triggerMode: 'listenTrigger', channelName: channel, options: {} },
	credentials: { postgres: CRED_PG },
});

const pgQuery = (base, query, queryReplacement) => ({
	id: base.id,
	name: base.name,
	type: 'n8n-nodes-base.postgres',
	typeVersion: 2.6,
	position: base.position,
	parameters: { operation: 'executeQuery', query, options: { queryReplacement } },
	credentials: { postgres: CRED_PG },
});

/**
 * One shipped stage rebuilt from n8n's own nodes, one execution per event. The stage's own nodes (Code, Postgres,
 * If, HTTP Request) are kept as they are, on copies of the cascade tables. Replaced:
 * - the Pipeline Trigger by a Postgres Trigger listening to `<channel>_<event type>` and an Edit Fields node with
 *   the Pipeline Trigger's name that makes the notification's payload (the event) the item, so the stage's
 *   expressions (`$json.payload`, `$('Pipeline Trigger').all()`) read what they read in the shipped stage;
 * - each Pipeline Event › Complete by a Postgres node (same name) that logs the event in bench_log (created_at
 *   from the notification, processed_at now(), the execution) and pg_notify's the next event to its channel, with
 *   the payload and record ID Complete would give it;
 * - each Pipeline Event › Fail by a Postgres node that logs the event as failed (no queue, so no retry).
 */
function builtInStage(file, id, eventType, schema, channel, patch) {
	const wf = patched(shipped(file), patch);
	const q = (name) => `"${schema}"."${name}"`;
	const tables = new RegExp(`"${schema}"\\.(${CASCADE_TABLES.join('|')})\\b`, 'g');
	const logged = (outcomeSql) => `logged AS (
	INSERT INTO ${q('bench_log')} (event_id, event_type, record_id, created_at, execution_id, outcome)
	SELECT (ev->>'id')::bigint, ev->>'event_type', ev->>'record_id', (ev->>'created_at')::timestamptz, $3, ${outcomeSql}
	FROM x
)`;
	const params = "={{ [$json, $('Pipeline Trigger').first().json, $execution.id] }}";
	const nodes = [];
	let triggerPosition = [0, 0];
	for (const n of wf.nodes) {
		const p = n.parameters ?? {};
		if (typeof p.query === 'string') p.query = p.query.replace(tables, `"${schema}".bench_$1`);
		if (n.type.endsWith('.pipelineTrigger')) {
			triggerPosition = n.position;
			nodes.push({
				id: n.id,
				name: n.name,
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [n.position[0] + 60, n.position[1] + 160],
				parameters: { mode: 'raw', jsonOutput: '={{ $json.payload }}', options: {} },
			});
		} else if (n.type.endsWith('.pipelineEvent') && p.operation === 'complete') {
			const next = String(p.nextEventType ?? '').trim();
			if (next && (p.nextPayload ?? 'item') !== 'item')
				throw new Error(`${file} › ${n.name}: next payload "${p.nextPayload}" is not rebuilt`);
			const record = p.nextRecordIdField
				? `x.item->>'${p.nextRecordIdField}'`
				: "x.ev->>'record_id'";
			const head = `WITH x AS (SELECT $1::jsonb AS item, $2::jsonb AS ev), ${logged(next ? `'done → ${next}'` : "'done'")}`;
			nodes.push(
				pgQuery(
					n,
					next
						? `${head}
SELECT pg_notify('${channel}_${next}', json_build_object('id', nextval('${schema}.bench_event_id'), 'event_type', '${next}',
	'record_id', ${record}, 'created_at', now(), 'payload', x.item - ARRAY[${EVENT_FIELDS.map((f) => `'${f}'`).join(', ')}])::text) AS notified
FROM x`
						: `${head}
SELECT 'done' AS outcome`,
					params,
				),
			);
		} else if (n.type.endsWith('.pipelineEvent') && p.operation === 'fail') {
			nodes.push(
				pgQuery(
					n,
					`WITH x AS (SELECT $1::jsonb AS item, $2::jsonb AS ev), ${logged(`'failed: ' || COALESCE(x.item->>'error', '')`)}
SELECT 'failed' AS outcome`,
					params,
				),
			);
		} else if (n.type.startsWith('n8n-nodes-marketing-ops.'))
			throw new Error(`${file} › ${n.name}: ${n.type} has no built-in counterpart here`);
		else nodes.push(n);
	}
	nodes.push(pgTrigger(`${channel}_${eventType}`, triggerPosition));
	return {
		id,
		name: `Benchmark: built-in ${wf.name.replace(/^Pipeline /, 'stage ')} (Postgres Trigger)`,
		active: false,
		settings: builtInSettings(wf.settings),
		nodes,
		connections: {
			'Postgres Trigger': { main: [[{ node: 'Pipeline Trigger', type: 'main', index: 0 }]] },
			...wf.connections,
		},
		pinData: {},
	};
}

function baselineWorkflow(channel) {
	return {
		id: BASELINE,
		name: 'Benchmark: empty Postgres Trigger workflow',
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none' },
		nodes: [
			pgTrigger(`${channel}_noop`, [0, 0]),
			{
				id: 'e0000000-0000-4000-8000-0000000000a2',
				name: 'No Operation',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [220, 0],
				parameters: {},
			},
		],
		connections: {
			'Postgres Trigger': { main: [[{ node: 'No Operation', type: 'main', index: 0 }]] },
		},
		pinData: {},
	};
}

/**
 * The built-in side's tables: copies of the cascade tables (made by Apply Schema, without its trigger), the log,
 * an id sequence for the notified events, the intake's row trigger, and the baseline's intake.
 */
async function createBuiltInTables(pg, channel) {
	const t = pg.qualified;
	for (const table of CASCADE_TABLES)
		await pg.query(`CREATE TABLE ${t(`bench_${table}`)} (LIKE ${t(table)} INCLUDING ALL)`);
	await pg.query(`CREATE SEQUENCE ${t('bench_event_id')}`);
	await pg.query(`CREATE TABLE ${t('bench_log')} (
	id bigserial PRIMARY KEY,
	event_id bigint,
	event_type text NOT NULL,
	record_id text,
	created_at timestamptz NOT NULL,
	processed_at timestamptz NOT NULL DEFAULT now(),
	execution_id text,
	outcome text
)`);
	await pg.query(`CREATE FUNCTION ${t('bench_intake_notify')}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('${channel}_company_created', json_build_object('id', nextval('${pg.schema}.bench_event_id'),
		'event_type', 'company_created', 'record_id', NEW.id::text, 'created_at', now(), 'payload', row_to_json(NEW))::text);
	RETURN NULL;
END $$`);
	await pg.query(
		`CREATE TRIGGER bench_intake_notify AFTER INSERT ON ${t('bench_company_raw_intake')} FOR EACH ROW EXECUTE FUNCTION ${t('bench_intake_notify')}()`,
	);
	await pg.query(
		`CREATE TABLE ${t('bench_noop_intake')} (id bigserial PRIMARY KEY, note text, created_at timestamptz NOT NULL DEFAULT now())`,
	);
	await pg.query(`CREATE FUNCTION ${t('bench_noop_notify')}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('${channel}_noop', row_to_json(NEW)::text); RETURN NULL; END $$`);
	await pg.query(
		`CREATE TRIGGER bench_noop_notify AFTER INSERT ON ${t('bench_noop_intake')} FOR EACH ROW EXECUTE FUNCTION ${t('bench_noop_notify')}()`,
	);
}

// ---- measuring ----

/** Per event type: counts, first created / last processed (ms), insert → processed percentiles (s). */
const STAGE_STATS = (table, extra) => `SELECT event_type,
	count(*)::int AS events,
	(extract(epoch FROM min(created_at)) * 1000)::float8 AS first_created,
	(extract(epoch FROM max(processed_at)) * 1000)::float8 AS last_processed,
	(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at)))::float8 AS p50,
	(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at)))::float8 AS p95,
	max(extract(epoch FROM processed_at - created_at))::float8 AS max${extra}
FROM ${table}
GROUP BY event_type`;

function stageLine(side, type, s, executions, detail) {
	const spanMs = s.last_processed - s.first_created;
	const rate = s.events / (spanMs / 1000);
	return `${pad(side, 9)} ${pad(type, 17)} ${pad(`${fmt(s.events)} events${detail}`, 34)} ${pad(`${rateText(rate)} events/s over ${secs(spanMs)}`, 28)} insert → processed p50 ${s1(s.p50)}, p95 ${s1(s.p95)}, max ${s1(s.max)}; ${executions}`;
}

/** Executions of these workflows as n8n's event log has them (every event already written). */
async function executionsOf(n8n, ids) {
	await settleEventLog(n8n);
	const runs = workflowRuns(n8n.userFolder, ids);
	return new Map(ids.map((id) => [id, summarize(runs.get(id))]));
}

const runText = (r) =>
	`n8n: ${fmt(r.started)} started, ${fmt(r.success)} succeeded, ${fmt(r.failed + r.crashed + r.cancelled)} failed${r.running ? `, ${fmt(r.running)} running` : ''}`;

/** Polls `look()` ({ done, count }) until done, the deadline, or (with `idle`) no progress for IDLE_S and `idle()` true. */
async function waitFor(what, look, { idle } = {}) {
	const started = Date.now();
	const deadline = started + DEADLINE_S * 1000;
	let last = -1;
	let lastChange = Date.now();
	let lastReport = Date.now();
	for (;;) {
		const state = await look();
		if (state.done) return { ...state, settled: true };
		if (state.count !== last) {
			last = state.count;
			lastChange = Date.now();
		}
		if (Date.now() - lastReport >= 30000) {
			progress(`${what}: ${state.text} after ${secs(Date.now() - started)}`);
			lastReport = Date.now();
		}
		if (Date.now() > deadline) return { ...state, settled: false, why: `deadline ${DEADLINE_S} s` };
		if (idle && Date.now() - lastChange > IDLE_S * 1000 && (await idle()))
			return { ...state, settled: false, why: `nothing new for ${IDLE_S} s and nothing running` };
		await sleep(1000);
	}
}

/** Enrichment lookups of the `tag-<g>.example.com` companies 1…count: each domain|role expected exactly once. */
function lookupCheck(enrichment, tag, count) {
	let once = 0;
	let never = 0;
	let more = 0;
	for (let g = 1; g <= count; g++)
		for (const role of ['CEO', 'CFO', 'HR']) {
			const n = enrichment.lookups.get(`${tag}-${g}.example.com|${role}`) ?? 0;
			if (n === 1) once += 1;
			else if (n === 0) never += 1;
			else more += 1;
		}
	return {
		never,
		more,
		text: `enrichment lookups for ${fmt(3 * count)} slots: ${fmt(once)} exactly once, ${fmt(never)} never, ${fmt(more)} more than once`,
	};
}

/** Verifications of the addresses found for `tag-…` companies: each distinct address expected exactly once. */
async function verificationCheck(pg, verifier, table, tag) {
	const { rows } = await pg.query(
		`SELECT DISTINCT email FROM ${pg.qualified(table)} WHERE status = 'found' AND email LIKE $1`,
		[`%@${tag}-%`],
	);
	const checks = new Map(
		[...verifier.verifications.entries()].filter(([k]) => k.includes(`@${tag}-`)),
	);
	let once = 0;
	let never = 0;
	let more = 0;
	for (const { email } of rows) {
		const n = checks.get(email) ?? 0;
		if (n === 1) once += 1;
		else if (n === 0) never += 1;
		else more += 1;
	}
	const found = new Set(rows.map((r) => r.email));
	const unknown = [...checks.keys()].filter((email) => !found.has(email)).length;
	return {
		never,
		more: more + unknown,
		text: `verifications of ${fmt(rows.length)} distinct addresses found: ${fmt(once)} exactly once, ${fmt(never)} never, ${fmt(more)} more than once${unknown ? `, ${fmt(unknown)} checked but not found` : ''}`,
	};
}

/** CPU seconds (user + system) of a process and all its descendants, from /proc. */
function treeCpuSeconds(rootPid) {
	if (!rootPid) return 0;
	const stats = new Map();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let text;
		try {
			text = readFileSync(`/proc/${entry}/stat`, 'utf8');
		} catch {
			continue; // ended meanwhile
		}
		const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
		// After the name: state, ppid, … utime (14th field of the line), stime (15th).
		stats.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
	}
	let ticks = 0;
	const queue = [rootPid];
	while (queue.length) {
		const pid = queue.pop();
		ticks += stats.get(pid)?.ticks ?? 0;
		for (const [child, s] of stats) if (s.ppid === pid) queue.push(child);
	}
	return ticks / CLK_TCK;
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks() {
	const cpu = readFileSync('/proc/stat', 'utf8')
		.split('\n')[0]
		.trim()
		.split(/\s+/)
		.slice(1)
		.map(Number);
	const idle = cpu[3] + (cpu[4] ?? 0);
	const total = cpu.reduce((a, b) => a + b, 0);
	return { busy: total - idle, total };
}

/** CPU of the n8n process tree and of the machine from now until `end()`; also n8n.log's error lines meanwhile. */
function phaseMeter(n8n) {
	const pid = n8n['proc']?.pid;
	const cpu0 = treeCpuSeconds(pid);
	const machine0 = machineTicks();
	const log0 = n8n.log().length;
	return {
		end(events) {
			const cpu = treeCpuSeconds(pid) - cpu0;
			const machine = machineTicks();
			const busy = (machine.busy - machine0.busy) / Math.max(1, machine.total - machine0.total);
			const errors = new Map();
			for (const line of n8n.log().slice(log0).split('\n')) {
				const text = line.trim();
				if (!/error|fail|timeout|could not|problem/i.test(text) || /^at /.test(text)) continue;
				const key = text.slice(0, 140);
				errors.set(key, (errors.get(key) ?? 0) + 1);
			}
			const top = [...errors].sort((a, b) => b[1] - a[1]).slice(0, 3);
			return {
				text: `n8n CPU ${s1(cpu)} (${((cpu * 1000) / Math.max(1, events)).toFixed(1)} ms per event; n8n and its task runner), machine ${(busy * 100).toFixed(0)} % busy (2 cores)`,
				log: top.length
					? `n8n.log meanwhile: ${top.map(([k, n]) => `${fmt(n)} × "${k}"`).join(', ')}`
					: 'n8n.log meanwhile: no error lines',
			};
		},
	};
}

// ---- the run ----

const main = (async () => {
	const tmp = tempFolder(cleanups, 'mkops-bench-pipeline-', { keep: KEEP });
	const pg = await testPostgres('bench_pipeline', { poolSize: 4 });
	cleanups.add('schema', () => pg.cleanup());
	const channel = `mkops_bench_${pg.schema.slice(-10)}`;

	const emulatorOptions = { limitPerWindow: EMULATOR_LIMIT, latencyMs: LATENCY };
	const enrichment = await startEnrichmentEmulator(emulatorOptions);
	cleanups.add('enrichment emulator', () => enrichment.close());
	const verifier = await startVerifierEmulator(emulatorOptions);
	cleanups.add('verifier emulator', () => verifier.close());
	const slack = await startSlackEmulator();
	cleanups.add('slack emulator', () => slack.close());

	const n8n = await N8n.create({
		userFolder: join(tmp, 'n8n'),
		env: {
			...slack.n8nEnv(),
			N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
			// Keeps the event log's rotated files (executions are counted from it); what is logged is unchanged.
			N8N_EVENTBUS_LOGWRITER_KEEPLOGCOUNT: '1000',
		},
	});
	cleanups.add('n8n', () => n8n.stop());
	installPackage(n8n.userFolder);
	n8n.importCredentials(
		templateCredentials({
			postgres: pg.connection,
			enrichmentApiKey: enrichment.apiKey,
			verifierApiKey: verifier.apiKey,
			slackToken: slack.defaultToken,
		}),
	);
	// Only the schema and the emulators' URLs change: shipped sweep interval, retry delays and execution saving.
	const patch = {
		schema: pg.schema,
		enrichmentUrl: enrichment.url,
		verifierEndpoint: verifier.endpoint,
		sweepSeconds: null,
		retryDelaySeconds: null,
		saveAll: false,
	};
	const setupFile = join(n8n.userFolder, 'bench-pipeline-setup.json');
	writeFileSync(setupFile, JSON.stringify(rowOf('Set up (run once)', SETUP, patch)));
	n8n.importWorkflow(setupFile);
	// The shipped setup row, before n8n starts: a Pipeline Trigger does not activate without its tables.
	const setup = parseCliRun(
		await n8n.cliAsync(['execute', `--id=${SETUP}`, '--rawOutput'], {
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		}),
	);
	if (setup.resultData.error)
		throw new Error(
			`Set up (run once) failed: ${JSON.stringify(setup.resultData.error).slice(0, 500)}`,
		);
	await createBuiltInTables(pg, channel);

	const file = join(n8n.userFolder, 'bench-pipeline-workflows.json');
	writeFileSync(
		file,
		JSON.stringify([
			shipped('error-alerts.json'),
			...STAGES.map((f) => patched(shipped(f), patch)),
			...STAGES.map((f, i) =>
				builtInStage(f, BUILTIN_IDS[i], STAGE_EVENTS[i], pg.schema, channel, patch),
			),
			baselineWorkflow(channel),
		]),
	);
	n8n.importWorkflow(file);
	for (const id of [ERROR_ALERTS, ...STAGE_IDS, ...BUILTIN_IDS, BASELINE]) n8n.publish(id);
	await n8n.start();
	await n8n.login();

	const pgVersion = (await pg.query('SHOW server_version')).rows[0].server_version;
	console.log(
		`Pipeline benchmark: n8n 2.40.7 (SQLite, N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true), PostgreSQL ${pgVersion} (schema ${pg.schema}), enrichment + verifier emulators (${fmt(EMULATOR_LIMIT)} requests/s, latency ${LATENCY} ms); ours ${fmt(N)} companies, built-in and empty baseline ${fmt(M)}; 12 workflows published on the same n8n (error alerts, 5 stages, 5 built-in stages, baseline), the sides run one after the other`,
	);
	const events = pg.qualified('pipeline_events');

	// ---- ours ----
	const oMeter = phaseMeter(n8n);
	const ids = await insertCompanies(pg, 'Ours', N);
	const expectedOurs = 5 * N;
	const oursCounts = async () =>
		(
			await pg.query(
				`SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('done', 'dead'))::int AS settled FROM ${events}`,
			)
		).rows[0];
	const ours = await waitFor(
		'ours',
		async () => {
			const { total, settled } = await oursCounts();
			return {
				done: total === expectedOurs && settled === total,
				count: settled,
				text: `${fmt(settled)} of ${fmt(total)} events settled (${fmt(expectedOurs)} expected)`,
			};
		},
		{
			idle: async () => {
				const { total, settled } = await oursCounts();
				return total === settled;
			},
		},
	);
	const oUse = oMeter.end(expectedOurs);
	if (!ours.settled) console.log(`ours      not settled: ${ours.text} (${ours.why})`);
	const oursRuns = await executionsOf(n8n, [...STAGE_IDS, ERROR_ALERTS]);
	const oStats = new Map(
		(
			await pg.query(
				STAGE_STATS(
					events,
					`,
	count(*) FILTER (WHERE status = 'done')::int AS done,
	count(*) FILTER (WHERE status = 'dead')::int AS dead,
	count(*) FILTER (WHERE status NOT IN ('done', 'dead'))::int AS open,
	count(*) FILTER (WHERE attempts <> 1)::int AS not_once,
	count(DISTINCT claimed_by)::int AS claims`,
				),
			)
		).rows.map((r) => [r.event_type, r]),
	);
	const empty = {
		events: 0,
		done: 0,
		dead: 0,
		open: 0,
		not_once: 0,
		claims: 0,
		p50: 0,
		p95: 0,
		max: 0,
	};
	for (const [i, type] of STAGE_EVENTS.entries()) {
		const s = oStats.get(type) ?? { ...empty, first_created: 0, last_processed: 1 };
		console.log(
			stageLine(
				'ours',
				type,
				s,
				`${fmt(s.claims)} execution${s.claims === 1 ? '' : 's'} (claims; ${runText(oursRuns.get(STAGE_IDS[i]))})`,
				` (${fmt(s.done)} done, ${fmt(s.dead)} dead)`,
			),
		);
	}
	const oAll = (
		await pg.query(
			`SELECT count(*)::int AS events, (extract(epoch FROM min(created_at)) * 1000)::float8 AS first_created,
	(extract(epoch FROM max(processed_at)) * 1000)::float8 AS last_processed FROM ${events}`,
		)
	).rows[0];
	const oWallMs = oAll.last_processed - oAll.first_created;
	const oRate = oAll.events / (oWallMs / 1000);
	const oExecutions = [...oStats.values()].reduce((sum, s) => sum + s.claims, 0);
	console.log(
		`ours      cascade           ${fmt(oAll.events)} events in ${secs(oWallMs)} (insert transaction → last processed_at) = ${rateText(oRate)} events/s, ${fmt(oExecutions)} executions (${(oAll.events / Math.max(1, oExecutions)).toFixed(1)} events per execution); ${oUse.text}; error workflow runs ${fmt(oursRuns.get(ERROR_ALERTS).started)}, Slack alerts ${fmt(slack.messages().length)}; ${oUse.log}`,
	);

	// none lost
	let chainText;
	let chainOk = false;
	try {
		const chain = await settledCascade(pg, ids, expectedOurs, { timeoutMs: 1000 });
		chainOk = true;
		chainText = `the ${fmt(N)} intake rows' cascade has all ${fmt(chain.length)} events by parent_id`;
	} catch (error) {
		chainText = error.message;
	}
	const { rows: deadRows } = await pg.query(
		`SELECT count(*)::int AS dead, count(*) FILTER (WHERE NOT EXISTS (
	SELECT 1 FROM ${pg.qualified('pipeline_errors')} x WHERE x.event_id = e.id AND x.outcome = 'dead'))::int AS unrecorded
FROM ${events} e WHERE e.status = 'dead'`,
	);
	const missingTypes = STAGE_EVENTS.filter((type) => (oStats.get(type)?.events ?? 0) !== N);
	const open = [...oStats.values()].reduce((sum, s) => sum + s.open, 0);
	const oLookups = lookupCheck(enrichment, 'ours', N);
	const oChecks = await verificationCheck(pg, verifier, 'contact_enrichment', 'ours');
	const oLost =
		Math.max(0, expectedOurs - oAll.events) +
		open +
		deadRows[0].unrecorded +
		oLookups.never +
		oChecks.never;
	console.log(
		`ours      lost              ${fmt(oLost)}: ${fmt(oAll.events)} of ${fmt(expectedOurs)} expected events (${fmt(N)} per type${missingTypes.length ? `; off: ${missingTypes.map((t) => `${t} ${fmt(oStats.get(t)?.events ?? 0)}`).join(', ')}` : ''}), ${fmt(open)} not done or dead, ${fmt(deadRows[0].dead)} dead of which ${fmt(deadRows[0].unrecorded)} without a pipeline_errors row; ${chainText}; slots never looked up ${fmt(oLookups.never)}, addresses never checked ${fmt(oChecks.never)}`,
	);

	// none twice
	const notOnce = [...oStats.values()].reduce((sum, s) => sum + s.not_once, 0);
	const oTwice = notOnce + oLookups.more + oChecks.more;
	console.log(
		`ours      twice             ${fmt(oTwice)}: events with attempts ≠ 1 ${fmt(notOnce)}; ${oLookups.text}; ${oChecks.text}`,
	);

	// ---- built-in ----
	const log = pg.qualified('bench_log');
	const { rows: biInsert } = await pg.query(
		`WITH i AS (
	INSERT INTO ${pg.qualified('bench_company_raw_intake')} (company_name, website, source)
	SELECT 'Company Bench-' || g, 'https://www.bench-' || g || '.example.com/about', 'bench' FROM generate_series(1, $1::int) g
	RETURNING id
) SELECT count(*)::int AS n FROM i`,
		[M],
	);
	if (biInsert[0].n !== M) throw new Error(`built-in: inserted ${biInsert[0].n} of ${M} rows`);
	const bMeter = phaseMeter(n8n);
	const expectedBuiltIn = 5 * M;
	const builtIn = await waitFor(
		'built-in',
		async () => {
			const { rows } = await pg.query(`SELECT count(*)::int AS n FROM ${log}`);
			return {
				done: rows[0].n >= expectedBuiltIn,
				count: rows[0].n,
				text: `${fmt(rows[0].n)} of ${fmt(expectedBuiltIn)} events logged`,
			};
		},
		{
			idle: async () => {
				const runs = await executionsOf(n8n, BUILTIN_IDS);
				return [...runs.values()].every((r) => r.running === 0);
			},
		},
	);
	const bUse = bMeter.end(expectedBuiltIn);
	if (!builtIn.settled) console.log(`built-in  not settled: ${builtIn.text} (${builtIn.why})`);
	const biRuns = await executionsOf(n8n, BUILTIN_IDS);
	const bStats = new Map(
		(
			await pg.query(
				STAGE_STATS(
					log,
					`,
	count(DISTINCT record_id)::int AS records,
	count(DISTINCT execution_id)::int AS executions,
	count(*) FILTER (WHERE outcome LIKE 'done →%')::int AS notified_next`,
				),
			)
		).rows.map((r) => [r.event_type, r]),
	);
	let bLost = 0;
	let bTwice = 0;
	let bNeverStarted = 0;
	const lostText = [];
	let notified = M; // stage 1: one notification per intake row
	for (const [i, type] of STAGE_EVENTS.entries()) {
		const s = bStats.get(type) ?? {
			...empty,
			records: 0,
			executions: 0,
			notified_next: 0,
			first_created: 0,
			last_processed: 1,
		};
		const r = biRuns.get(BUILTIN_IDS[i]);
		bLost += M - s.records;
		bTwice += s.events - s.records;
		bNeverStarted += Math.max(0, notified - r.started);
		if (M - s.records > 0) lostText.push(`${type} ${fmt(M - s.records)}`);
		console.log(
			stageLine(
				'built-in',
				type,
				s,
				`${fmt(r.started)} executions for ${fmt(notified)} notifications (${fmt(Math.max(0, notified - r.started))} never started; ${runText(r)}; ${fmt(s.executions)} logged an event)`,
				` (${fmt(s.records)} distinct)`,
			),
		);
		notified = s.notified_next;
	}
	const bAll = (
		await pg.query(
			`SELECT count(*)::int AS events, (extract(epoch FROM min(created_at)) * 1000)::float8 AS first_created,
	(extract(epoch FROM max(processed_at)) * 1000)::float8 AS last_processed FROM ${log}`,
		)
	).rows[0];
	const bWallMs = bAll.last_processed - bAll.first_created;
	const bRate = bAll.events / (bWallMs / 1000);
	const bExecutions = [...biRuns.values()].reduce((sum, r) => sum + r.started, 0);
	const bFailed = [...biRuns.values()].reduce(
		(sum, r) => sum + r.failed + r.crashed + r.cancelled,
		0,
	);
	console.log(
		`built-in  cascade           ${fmt(bAll.events)} events in ${secs(bWallMs)} (insert transaction → last processed_at) = ${rateText(bRate)} events/s, ${fmt(bExecutions)} executions (${(bAll.events / Math.max(1, bExecutions)).toFixed(1)} events per execution); ${bUse.text}; ${bUse.log}`,
	);
	let failures = '';
	if (bFailed > 0) {
		const samples = [];
		for (const id of BUILTIN_IDS) {
			if (biRuns.get(id).failed + biRuns.get(id).crashed === 0) continue;
			const page = await n8n.publicApi(
				'GET',
				`/executions?workflowId=${id}&status=error&includeData=true&limit=1`,
			);
			const error = page.data?.[0]?.data?.resultData?.error;
			if (error) samples.push(`${id}: ${String(error.message ?? '').slice(0, 160)}`);
		}
		failures = `; failed executions ${fmt(bFailed)}${samples.length ? ` (e.g. ${samples.join(' | ')})` : ''}`;
	}
	const bLookups = lookupCheck(enrichment, 'bench', M);
	const bChecks = await verificationCheck(pg, verifier, 'bench_contact_enrichment', 'bench');
	console.log(
		`built-in  lost / twice      ${fmt(bLost)} lost${lostText.length ? ` (${lostText.join(', ')})` : ''} / ${fmt(bTwice)} twice of ${fmt(expectedBuiltIn)} expected events: notifications that never started an execution ${fmt(bNeverStarted)}${failures}; ${bLookups.text}; ${bChecks.text}`,
	);

	// ---- empty workflow baseline ----
	const { rows: noopInsert } = await pg.query(
		`WITH i AS (
	INSERT INTO ${pg.qualified('bench_noop_intake')} (note) SELECT 'row ' || g FROM generate_series(1, $1::int) g RETURNING id
) SELECT count(*)::int AS n, (extract(epoch FROM now()) * 1000)::float8 AS at FROM i`,
		[M],
	);
	const noopAt = noopInsert[0].at;
	const nMeter = phaseMeter(n8n);
	const baseline = await waitFor(
		'baseline',
		async () => {
			const r = summarize(workflowRuns(n8n.userFolder, [BASELINE]).get(BASELINE));
			return {
				done: r.ended >= M,
				count: r.ended,
				text: `${fmt(r.ended)} of ${fmt(M)} executions ended`,
			};
		},
		{ idle: async () => (await executionsOf(n8n, [BASELINE])).get(BASELINE).running === 0 },
	);
	const nUse = nMeter.end(M);
	if (!baseline.settled) console.log(`baseline  not settled: ${baseline.text} (${baseline.why})`);
	const nr = (await executionsOf(n8n, [BASELINE])).get(BASELINE);
	const nWallMs = (nr.lastEnd ?? noopAt) - noopAt;
	const nRate = nr.success / (nWallMs / 1000);
	console.log(
		`baseline  Postgres Trigger → No Operation: ${fmt(M)} notifications (one per row, one transaction), ${runText(nr)}, last ended ${secs(nWallMs)} after the insert = ${rateText(nRate)} executions/s (${(nWallMs / Math.max(1, nr.success)).toFixed(1)} ms of this n8n per execution); the built-in cascade's ${fmt(bExecutions)} executions at that rate alone: ${secs((bExecutions / nRate) * 1000)}; ${nUse.text.replace('per event', 'per execution')}; ${nUse.log}`,
	);

	// ---- goals ----
	const p95Max = Math.max(...STAGE_EVENTS.map((type) => oStats.get(type)?.p95 ?? Infinity));
	const ratio = bRate > 0 ? oRate / bRate : Infinity;
	const goals = [
		[
			'ours every event done or in pipeline_errors, none lost, none processed twice',
			ours.settled && chainOk && oLost === 0 && oTwice === 0,
			`${fmt(oLost)} lost, ${fmt(oTwice)} twice`,
		],
		[
			`ours p95 insert → processed per stage < ${P95_GOAL_S} s`,
			p95Max < P95_GOAL_S,
			`worst ${s1(p95Max)}`,
		],
		[
			`ours events/s ≥ ${RATIO_GOAL} × built-in over the whole cascade`,
			ratio >= RATIO_GOAL,
			`${rateText(oRate)} vs ${rateText(bRate)} = ${ratio.toFixed(1)}x`,
		],
	];
	console.log(
		`goals     ${goals.map(([label, ok, value]) => `${label}: ${ok ? 'PASS' : 'FAIL'} (${value})`).join(' | ')}`,
	);
	if (goals.some(([, ok]) => !ok)) process.exitCode = 1;
})();
finish(main, cleanups, 'bench:pipeline', { quietAfterSignal: true });
