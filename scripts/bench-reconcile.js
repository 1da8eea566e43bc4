#!/usr/bin/env node
// npm run bench:reconcile: HubSpot Record Sync › Reconcile against n8n's built-in nodes doing the same comparison
// with one HubSpot read per record, side by side in real n8n 2.40.7 (`n8n execute`), on real PostgreSQL and the
// HubSpot emulator (190 requests / 10 s, as a Professional account).
// N customers ↔ companies (BENCH_RECORDS, default 10,000) are set up as a previous sync left them, then 1 % drift
// each way: HubSpot renames every 100th company, the app raises the credit limit of another 1 %.
// - ours: Manual Trigger → HubSpot Record Sync › Reconcile, mode Report Only (nothing written, so the data stays
//   the same for the other side), on all N; then once more in mode Apply, reported on its own line.
// - built-in: Manual Trigger → Postgres (Execute Query) → Loop Over Items (190) → HubSpot (Company › Get by
//   {{$json.hubspot_id}}) → Wait 10 s → loop; done → Code (compares the fields, counts differences), on the
//   first BENCH_BUILTIN_RECORDS (default 1,000) customers of the same data: at 19 reads/s all N would take long.
// Prints one line per side and PASS/FAIL per goal; exits 1 when a goal fails. Cleans up (n8n processes, emulator,
// TLS listener, /etc/hosts line, schema, temp files) in `finally` and on Ctrl-C.
//
// The built-in node only calls https://api.hubapi.com, so (as in bench-hubspot.js) a marked /etc/hosts line points
// that name at 127.0.0.1:443, served under a throwaway CA given to n8n through NODE_EXTRA_CA_CERTS. Company › Get
// calls the legacy GET /companies/v2/companies/{id}, which the emulator does not serve: the listener on :443 turns
// that one call into the emulator's GET /crm/v3/objects/companies/{id} (same token, so the same rate-limit window and
// request log: one emulator request per built-in request) and answers in the v2 shape. Every other path is passed on
// unchanged.
require('./ts-register');
const { spawn } = require('child_process');
const { closeSync, openSync, readFileSync, writeFileSync } = require('fs');
const http = require('http');
const https = require('https');
const { join } = require('path');
const {
	freePort,
	installPackage,
	N8n,
	parseCliRun,
	runtime,
	sleep,
} = require('../test/e2e/harness/n8n.ts');
const { startHubSpotEmulator, DEFAULT_TOKEN } = require('../test/emulators/hubspot/server.js');
const { testPostgres } = require('../test/harness/postgres.ts');
const {
	COMPANY_PROPERTIES,
	CUSTOMER_RULES,
	createCompanyProperties,
	fieldRules,
} = require('../test/harness/hubSpotRecordSync.ts');
const {
	HUBSPOT_API: HOST,
	port443Error,
	serveHubSpotApi,
} = require('../test/bench/hubspot-api.js');
const { HOSTS } = require('../test/bench/hubspot-hosts.js');
const { cleanupStack, finish, tempFolder } = require('../test/bench/cleanup.js');
const { requirePositiveIntegers } = require('../test/bench/env.js');
const { maxPerWindow } = require('../test/bench/rate-window.js');
const { pacedHubSpot } = require('../test/bench/hubspot-workflows.js');
const { nodeFactory } = require('../test/bench/workflow-node.js');

const N = Number(process.env.BENCH_RECORDS || 10000);
const M = Math.min(Number(process.env.BENCH_BUILTIN_RECORDS || 1000), N);
const APPLY = process.env.BENCH_APPLY !== '0';
const KEEP = process.env.BENCH_KEEP === '1';
const LIMIT = 190; // requests per 10 s per token (HubSpot Professional)
const WINDOW_MS = 10000;
const LOOP = { batchSize: 190, waitSeconds: 10 };
const RECORD_SYNC = 'n8n-nodes-marketing-ops.hubSpotRecordSync';

const CRED_PG = { id: 'mkopsBenchRcPg01', name: 'Bench app database (Postgres)' };
const CRED_HS = { id: 'mkopsBenchRcHs01', name: 'HubSpot Batch (emulator)' };
const CRED_APP = { id: 'mkopsBenchRcApp1', name: 'HubSpot Service Key (emulator)' };
const WF = {
	schema: 'mkopsBenchRcSchm',
	ours: 'mkopsBenchRcOurs',
	oursApply: 'mkopsBenchRcAppl',
	builtIn: 'mkopsBenchRcBlt1',
};

requirePositiveIntegers([
	['BENCH_RECORDS', N],
	['BENCH_BUILTIN_RECORDS', M],
]);

const children = new Set();
// The hosts line, once added, is removed right after this message (pointHostHere marks it to go first).
const cleanups = cleanupStack({
	onSignal: (signal) =>
		console.log(
			`\n${signal}: stopping n8n, removing the ${HOSTS} line, closing the emulator, dropping the schema`,
		),
});

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const rateText = (r) => (r >= 100 ? fmt(r) : r.toFixed(1));
const count = (n, word) => `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;
const pct = (a, b) => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : 'n/a');

/** What the emulator logged from index `since` on: calls, reads, writes, 429s, busiest 10 s, per route. */
function callStats(emulator, since) {
	const log = emulator.requests().slice(since);
	const isRead = (e) =>
		e.method === 'GET' || /\/batch\/read$/.test(e.path) || /\/search$/.test(e.path);
	const byRoute = new Map();
	for (const e of log) {
		const key = `${e.method} ${e.path.replace(/\/objects\/companies\/\d+$/, '/objects/companies/{id}')}`;
		byRoute.set(key, (byRoute.get(key) ?? 0) + 1);
	}
	return {
		total: log.length,
		reads: log.filter(isRead).length,
		writes: log.filter((e) => !isRead(e)).length,
		rateLimited: log.filter((e) => e.status === 429).length,
		busiest: maxPerWindow(
			log.map((e) => e.time),
			WINDOW_MS,
		),
		routes: [...byRoute].map(([k, n]) => `${k} ×${fmt(n)}`).join(', '),
		lastTime: log.reduce((m, e) => Math.max(m, e.time + (e.durationMs ?? 0)), 0),
	};
}

/** Waits until the emulator's rolling window is empty, so the next side starts with the full 190. */
async function clearWindow(emulator) {
	const last = emulator.requests().reduce((m, e) => Math.max(m, e.time + (e.durationMs ?? 0)), 0);
	const wait = last + WINDOW_MS + 500 - Date.now();
	if (wait > 0) await sleep(wait);
}

// ---- the listener on 127.0.0.1:443 (api.hubapi.com) ----

// What Company › Get is answered with: the rules' properties and the usual company basics (v2 has no property
// selector and returns every property that has a value).
const V2_PROPERTIES = [
	...new Set([
		'name',
		'domain',
		'createdate',
		'hs_lastmodifieddate',
		'hs_object_id',
		...COMPANY_PROPERTIES.map((p) => p.name),
	]),
];

/** A v3 company record in the shape of GET /companies/v2/companies/{id}. */
function v2Company(record) {
	const timestamp = Date.parse(record.updatedAt);
	const properties = {};
	for (const [name, value] of Object.entries(record.properties ?? {})) {
		if (value === null || value === undefined || value === '') continue;
		properties[name] = {
			value: String(value),
			timestamp,
			source: 'API',
			sourceId: null,
			versions: [{ name, value: String(value), timestamp, source: 'API', sourceVid: [] }],
		};
	}
	return {
		portalId: 99999999,
		companyId: Number(record.id),
		isDeleted: Boolean(record.archived),
		properties,
		additionalDomains: [],
		stateChanges: [],
		mergeAudits: [],
	};
}

async function startApiListener(tls, emulatorUrl) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	const upstream = new URL(emulatorUrl);
	const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
		const url = new URL(req.url, `https://${HOST}`);
		const company = /^\/companies\/v2\/companies\/(\d+)\/?$/.exec(url.pathname);
		const translate = company && req.method === 'GET';
		const target = translate
			? `/crm/v3/objects/companies/${company[1]}?properties=${V2_PROPERTIES.join(',')}`
			: `${url.pathname}${url.search}`;
		const headers = { ...req.headers, host: upstream.host };
		const up = http.request(
			`${emulatorUrl}${target}`,
			{ method: req.method, headers, agent },
			(upRes) => {
				const chunks = [];
				upRes.on('data', (c) => chunks.push(c));
				upRes.on('end', () => {
					let body = Buffer.concat(chunks);
					const out = { ...upRes.headers };
					delete out['content-length'];
					delete out['transfer-encoding'];
					delete out.connection;
					if (translate && upRes.statusCode === 200) {
						body = Buffer.from(JSON.stringify(v2Company(JSON.parse(body.toString('utf8')))));
						out['content-type'] = 'application/json;charset=utf-8';
					}
					out['content-length'] = String(body.length);
					res.writeHead(upRes.statusCode, out);
					res.end(body);
				});
			},
		);
		up.on('error', (error) => {
			res.writeHead(502, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ status: 'error', message: `bench listener: ${error.message}` }));
		});
		req.pipe(up);
	});
	await new Promise((resolve, reject) => {
		server.once('error', (error) =>
			reject(port443Error(error, { suspects: 'another bench:hubspot or bench:reconcile? ' })),
		);
		server.listen(443, '127.0.0.1', resolve);
	});
	return {
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections?.();
				server.close(() => resolve());
				agent.destroy();
			}),
	};
}

// ---- workflows ----

const node = nodeFactory('d0000000');
const start = (id) => node(id, 'Start', 'n8n-nodes-base.manualTrigger', 1, [0, 0], {});
const workflow = (id, name, nodes, connections) => ({
	id,
	name,
	active: false,
	settings: { executionOrder: 'v1' },
	nodes,
	connections,
	pinData: {},
});
const link = (to) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });

function schemaWorkflow(schema) {
	return workflow(
		WF.schema,
		'Benchmark: reconcile, apply schema',
		[
			start(1),
			node(
				2,
				'Apply Schema',
				RECORD_SYNC,
				1,
				[220, 0],
				{ operation: 'applySchema', schema, exampleTable: 'customers' },
				{ credentials: { postgres: CRED_PG } },
			),
		],
		{ Start: link('Apply Schema') },
	);
}

function oursWorkflow(id, schema, mode) {
	return workflow(
		id,
		`Benchmark: reconcile (HubSpot Record Sync, ${mode})`,
		[
			start(11),
			node(
				12,
				'Reconcile',
				RECORD_SYNC,
				1,
				[220, 0],
				{
					operation: 'reconcile',
					mode,
					schema,
					table: 'customers',
					keyColumn: 'id',
					hubspotIdColumn: 'hubspot_id',
					objectType: 'companies',
					fieldRules: fieldRules(CUSTOMER_RULES),
					options: {},
				},
				{ credentials: { postgres: CRED_PG, hubSpotBatchApi: CRED_HS } },
			),
		],
		{ Start: link('Reconcile') },
	);
}

// The Code node: each company HubSpot returned against its customer row, field by field as the rules pair them;
// the last-synced value of each field (from the field state the query joins) tells which side changed.
const COMPARE = `
const RULES = ${JSON.stringify(CUSTOMER_RULES.map(({ column, property }) => ({ column, property })))};
const text = (v) => {
	if (v === null || v === undefined) return '';
	const s = String(v).trim();
	const n = Number(s);
	return s !== '' && Number.isFinite(n) ? String(n) : s;
};
const rows = new Map($('Select customers').all().map((i) => [String(i.json.hubspot_id), i.json]));
const out = { compared: 0, equal: 0, differences: 0, changed_in_hubspot: 0, changed_in_app: 0, unmatched: 0, fields: {} };
for (const item of $input.all()) {
	const company = item.json;
	const row = rows.get(String(company.companyId));
	if (!row || !company.properties) { out.unmatched++; continue; }
	out.compared++;
	let differs = false, inHubSpot = false, inApp = false;
	for (const { column, property } of RULES) {
		const app = text(row[column]);
		const hubspot = text(company.properties[property]?.value);
		if (app === hubspot) continue;
		differs = true;
		out.fields[column] = (out.fields[column] ?? 0) + 1;
		const synced = row.synced?.[column];
		if (synced !== undefined && synced !== null) {
			if (text(synced) !== hubspot) inHubSpot = true;
			if (text(synced) !== app) inApp = true;
		}
	}
	if (differs) out.differences++; else out.equal++;
	if (inHubSpot) out.changed_in_hubspot++;
	if (inApp) out.changed_in_app++;
}
return [{ json: out }];`;

function builtInWorkflow(schema, count) {
	const q = (name) => `"${schema}"."${name}"`;
	const paced = pacedHubSpot(node, 23, LOOP, {
		parameters: {
			resource: 'company',
			operation: 'get',
			companyId: { __rl: true, mode: 'id', value: '={{ $json.hubspot_id }}' },
			additionalFields: {},
		},
		credential: CRED_APP,
		done: 'Compare',
	});
	return workflow(
		WF.builtIn,
		'Benchmark: reconcile (built-in Postgres + HubSpot + Code)',
		[
			start(21),
			node(
				22,
				'Select customers',
				'n8n-nodes-base.postgres',
				2.6,
				[220, 0],
				{
					operation: 'executeQuery',
					query: `SELECT c.*, (SELECT jsonb_object_agg(f.field, f.synced_value) FROM ${q('hubspot_field_state')} f WHERE f.app_table = 'customers' AND f.record_id = c.id::text) AS synced FROM ${q('customers')} c ORDER BY c.ban LIMIT ${count}`,
					options: {},
				},
				{ credentials: { postgres: CRED_PG } },
			),
			...paced.nodes,
			node(26, 'Compare', 'n8n-nodes-base.code', 2, [660, -120], { jsCode: COMPARE }),
		],
		{
			Start: link('Select customers'),
			'Select customers': link('Loop Over Items'),
			...paced.connections,
		},
	);
}

// ---- running ----

/**
 * `n8n execute --id=… --rawOutput` as a child this script can stop; resolves with the run and its time.
 * Its output goes to a file, not a pipe: n8n exits right after printing, and a pipe would lose what it had not
 * yet taken (the built-in side prints about 30 MB of run data for 1,000 records).
 */
async function execute(n8n, id, timeoutMs) {
	const { node: nodeBin, n8n: n8nBin } = runtime();
	const env = { ...n8n['processEnv'](), N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
	const outFile = join(n8n.userFolder, `execute-${id}.out`);
	const errFile = join(n8n.userFolder, `execute-${id}.err`);
	const started = Date.now();
	const output = await new Promise((resolve, reject) => {
		const outFd = openSync(outFile, 'w');
		const errFd = openSync(errFile, 'w');
		const child = spawn(nodeBin, [n8nBin, 'execute', `--id=${id}`, '--rawOutput'], {
			env,
			stdio: ['ignore', outFd, errFd],
		});
		closeSync(outFd);
		closeSync(errFd);
		children.add(child);
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			children.delete(child);
			const stdout = readFileSync(outFile, 'utf8');
			if (code === 0) resolve(stdout);
			else
				reject(
					new Error(
						`n8n execute --id=${id} ${signal ? `killed (${signal}${signal === 'SIGKILL' ? `, over ${secs(timeoutMs)}` : ''})` : `exited ${code}`}:\n${stdout.slice(-3000)}\n${readFileSync(errFile, 'utf8').slice(-3000)}`,
					),
				);
		});
	});
	const processMs = Date.now() - started;
	let run;
	try {
		run = parseCliRun(output);
	} catch (error) {
		throw new Error(
			`n8n execute --id=${id}: its output is not a run (${error.message}); ${fmt(output.length)} characters in ${outFile} (BENCH_KEEP=1 keeps it)`,
		);
	}
	const runData = run.resultData?.runData ?? {};
	if (run.resultData?.error)
		throw new Error(
			`workflow ${id} failed: ${run.resultData.error.message ?? JSON.stringify(run.resultData.error).slice(0, 500)}`,
		);
	return { runData, processMs };
}

const runsOf = (runData, name) => runData[name] ?? [];
const endOf = (run) => (run.startTime ?? 0) + (run.executionTime ?? 0);
/** From the first node's start to the last node's end, as n8n recorded them. */
function span(runData) {
	const all = Object.values(runData).flat();
	const first = Math.min(...all.map((r) => r.startTime ?? Infinity));
	const last = Math.max(...all.map(endOf));
	return last - first;
}
const firstJson = (runData, name, output = 0) =>
	runsOf(runData, name).at(-1)?.data?.main?.[output]?.[0]?.json;

/** Customers as a previous sync left them, and 1 % drift each way. Returns who drifted, by record index. */
async function seed(pg, emulator) {
	const pad = (i) => String(i).padStart(6, '0');
	const rows = Array.from({ length: N }, (_, i) => {
		const record = emulator.state.createRecord('companies', {
			ban: `R-${pad(i)}`,
			name: `Company ${i}`,
			account_status: 'active',
			credit_limit: '1000',
			current_balance: '0',
			payment_terms: 'net30',
			billing_email: `c${i}@example.test`,
		});
		return { i, hubspot_id: record.id };
	});
	for (let k = 0; k < rows.length; k += 5000)
		await pg.query(
			`INSERT INTO ${pg.qualified('customers')} (ban, company_name, status, credit_limit, current_balance, payment_terms, email, hubspot_id)
SELECT 'R-' || lpad(r.i::text, 6, '0'), 'Company ' || r.i, 'active', 1000, 0, 'net30', 'c' || r.i || '@example.test', r.hubspot_id
FROM jsonb_to_recordset($1::jsonb) AS r(i int, hubspot_id text)`,
			[JSON.stringify(rows.slice(k, k + 5000))],
		);
	await pg.query(
		`INSERT INTO ${pg.qualified('hubspot_field_state')} (app_table, record_id, field, hubspot_object_type, hubspot_id, synced_value, synced_at)
SELECT 'customers', c.id::text, f.field, 'companies', c.hubspot_id, to_jsonb(c) ->> f.field, now()
FROM ${pg.qualified('customers')} c CROSS JOIN unnest($1::text[]) AS f(field)`,
		[CUSTOMER_RULES.map((r) => r.column)],
	);
	// HubSpot renames every 100th company (i % 100 = 0); the app raises the limit of i % 100 = 50.
	const renamed = new Set();
	const raised = new Set();
	for (const { i, hubspot_id } of rows)
		if (i % 100 === 0) {
			emulator.uiUpdate('companies', hubspot_id, { name: `Renamed in HubSpot ${i}` });
			renamed.add(i);
		}
	await pg.query(
		`UPDATE ${pg.qualified('customers')} SET credit_limit = 2000, updated_at = now() WHERE substr(ban, 3)::int % 100 = 50`,
	);
	for (let i = 0; i < N; i++) if (i % 100 === 50) raised.add(i);
	return { renamed, raised };
}

const main = (async () => {
	const tmp = tempFolder(cleanups, 'mkops-bench-reconcile-', { keep: KEEP });
	const pg = await testPostgres('bench_reconcile');
	cleanups.add('schema', () => pg.cleanup());

	let emulator;
	const { tls, hostsLine } = await serveHubSpotApi(cleanups, join(tmp, 'tls'), async (files) => {
		emulator = await startHubSpotEmulator({ limitPer10s: LIMIT });
		cleanups.add('emulator', () => emulator.close());
		const listener = await startApiListener(files, emulator.url);
		cleanups.add('listener on :443', () => listener.close());
	});
	await createCompanyProperties(emulator);

	const n8n = await N8n.create({
		userFolder: join(tmp, 'n8n'),
		env: { NODE_EXTRA_CA_CERTS: tls.caFile, N8N_SSRF_PROTECTION_ENABLED: 'false' },
	});
	cleanups.add('n8n', async () => {
		for (const child of children) child.kill('SIGKILL');
		children.clear();
	});
	installPackage(n8n.userFolder);
	n8n.importCredentials([
		{
			...CRED_PG,
			type: 'postgres',
			data: {
				...pg.connection,
				port: Number(pg.connection.port),
				maxConnections: 10,
				ssl: 'disable',
			},
		},
		{
			...CRED_HS,
			type: 'hubSpotBatchApi',
			data: { accessToken: DEFAULT_TOKEN, tier: 'professional', baseUrl: emulator.url },
		},
		{ ...CRED_APP, type: 'hubspotAppToken', data: { appToken: DEFAULT_TOKEN } },
	]);
	const file = join(n8n.userFolder, 'bench-reconcile-workflows.json');
	writeFileSync(
		file,
		JSON.stringify([
			schemaWorkflow(pg.schema),
			oursWorkflow(WF.ours, pg.schema, 'report'),
			oursWorkflow(WF.oursApply, pg.schema, 'apply'),
			builtInWorkflow(pg.schema, M),
		]),
	);
	n8n.importWorkflow(file);

	await execute(n8n, WF.schema, 180000);
	const seeded = Date.now();
	const { renamed, raised } = await seed(pg, emulator);
	const drift = renamed.size + raised.size;
	const subsetRenamed = [...renamed].filter((i) => i < M).length;
	const subsetRaised = [...raised].filter((i) => i < M).length;
	const subsetDrift = subsetRenamed + subsetRaised;
	console.log(
		`Reconcile benchmark: ${fmt(N)} customers ↔ companies set up in ${secs(Date.now() - seeded)} (PostgreSQL schema ${pg.schema}, HubSpot emulator ${LIMIT} requests / 10 s), drift ${fmt(renamed.size)} renamed in HubSpot + ${fmt(raised.size)} credit limits changed in the app = ${fmt(drift)} (${pct(drift, N)}); n8n 2.40.7, each side one \`n8n execute\``,
	);
	console.log(
		`  built-in: https://${HOST} → 127.0.0.1:443 via "${hostsLine}" (throwaway CA in NODE_EXTRA_CA_CERTS); Company › Get's GET /companies/v2/companies/{id} is served from the emulator's GET /crm/v3/objects/companies/{id}`,
	);

	// ---- ours, report only ----
	await clearWindow(emulator);
	let since = emulator.requests().length;
	const o = await execute(n8n, WF.ours, 600000);
	const oCalls = callStats(emulator, since);
	const oDone = firstJson(o.runData, 'Reconcile');
	const oReview = runsOf(o.runData, 'Reconcile').at(-1)?.data?.main?.[1]?.length ?? 0;
	if (!oDone) throw new Error('ours: the Reconcile node gave no Done item');
	const oMs = span(o.runData);
	const oCompared = Number(oDone.compared);
	const oDiff = oCompared - Number(oDone.equal);
	const oRate = oCompared / (oMs / 1000);
	console.log(
		`ours      Reconcile (report): ${fmt(oCompared)} records compared, wall ${secs(oMs)} (n8n execute process ${secs(o.processMs)}), ${rateText(oRate)} records/s, HubSpot calls ${fmt(oCalls.total)} (${count(oCalls.reads, 'read')}, ${count(oCalls.writes, 'write')}: ${oCalls.routes}), busiest 10 s ${fmt(oCalls.busiest)}, 429 × ${fmt(oCalls.rateLimited)}, differences found ${fmt(oDiff)} (${fmt(oDone.updated_in_app)} to the app, ${fmt(oDone.updated_in_hubspot)} to HubSpot, ${fmt(oDone.conflicts)} conflicts, ${fmt(oDone.manual)} manual, ${fmt(oDone.errors)} errors; ${fmt(oReview)} Review items; node: ${fmt(oDone.hubspot_reads)} reads, ${fmt(oDone.hubspot_writes)} writes, ${rateText(Number(oDone.records_per_second))} records/s)`,
	);

	// ---- built-in, per-record reads on the first M ----
	await clearWindow(emulator);
	since = emulator.requests().length;
	const expectedMs = (M / LOOP.batchSize) * (LOOP.waitSeconds + 5) * 1000;
	const b = await execute(n8n, WF.builtIn, expectedMs * 3 + 300000);
	const bCalls = callStats(emulator, since);
	const bDone = firstJson(b.runData, 'Compare');
	if (!bDone) throw new Error('built-in: the Compare node gave no item');
	// The Wait after the last batch is not part of the comparison: left out of its time.
	const waits = runsOf(b.runData, 'Wait');
	const lastWaitMs = waits.at(-1)?.executionTime ?? 0;
	const bMs = span(b.runData) - lastWaitMs;
	const bRate = bDone.compared / (bMs / 1000);
	const hubspotRuns = runsOf(b.runData, 'HubSpot');
	console.log(
		`built-in  Postgres → HubSpot Company › Get per record (${LOOP.batchSize} per loop, Wait ${LOOP.waitSeconds} s) → Code: ${fmt(bDone.compared)} records compared, wall ${secs(bMs)} (without the last Wait; n8n execute process ${secs(b.processMs)}; HubSpot node ${secs(hubspotRuns.reduce((s, r) => s + (r.executionTime ?? 0), 0))} over ${hubspotRuns.length} runs), ${rateText(bRate)} records/s (${fmt(N)} would take ${secs((N / bRate) * 1000)}), HubSpot calls ${fmt(bCalls.total)} (${count(bCalls.reads, 'read')}, ${count(bCalls.writes, 'write')}: ${bCalls.routes}), busiest 10 s ${fmt(bCalls.busiest)}, 429 × ${fmt(bCalls.rateLimited)}, differences found ${fmt(bDone.differences)} (${fmt(bDone.changed_in_hubspot)} changed in HubSpot, ${fmt(bDone.changed_in_app)} in the app; ${fmt(bDone.unmatched)} unmatched)`,
	);

	// ---- ours, apply (reported on its own; changes the data, so last) ----
	if (APPLY) {
		await clearWindow(emulator);
		since = emulator.requests().length;
		const a = await execute(n8n, WF.oursApply, 600000);
		const aCalls = callStats(emulator, since);
		const aDone = firstJson(a.runData, 'Reconcile');
		const aMs = span(a.runData);
		console.log(
			`ours      Reconcile (apply, on its own, not in the goals): ${fmt(aDone?.compared ?? 0)} records compared, wall ${secs(aMs)} (n8n execute process ${secs(a.processMs)}), ${rateText((aDone?.compared ?? 0) / (aMs / 1000))} records/s, HubSpot calls ${fmt(aCalls.total)} (${count(aCalls.reads, 'read')}, ${count(aCalls.writes, 'write')}: ${aCalls.routes}), busiest 10 s ${fmt(aCalls.busiest)}, 429 × ${fmt(aCalls.rateLimited)}, updated in the app ${fmt(aDone?.updated_in_app ?? 0)}, updated in HubSpot ${fmt(aDone?.updated_in_hubspot ?? 0)}, conflicts ${fmt(aDone?.conflicts ?? 0)}, errors ${fmt(aDone?.errors ?? 0)}`,
		);
	}

	// ---- goals ----
	const maxReads = Math.ceil(N / 100);
	const ratio = bRate > 0 ? oRate / bRate : Infinity;
	const goals = [
		[
			`ours reads ≤ ⌈N/100⌉ = ${fmt(maxReads)}, 0 writes`,
			oCalls.reads <= maxReads && oCalls.writes === 0,
			`${fmt(oCalls.reads)} reads, ${fmt(oCalls.writes)} writes`,
		],
		[
			`ours busiest 10 s ≤ ${LIMIT}, 0 × 429`,
			oCalls.busiest <= LIMIT && oCalls.rateLimited === 0,
			`${fmt(oCalls.busiest)}, ${fmt(oCalls.rateLimited)} × 429`,
		],
		[
			`ours differences = drift (${fmt(drift)} = ${pct(drift, N)} of N)`,
			oCompared === N &&
				oDiff === drift &&
				Number(oDone.updated_in_app) === renamed.size &&
				Number(oDone.updated_in_hubspot) === raised.size,
			`${fmt(oDiff)} of ${fmt(oCompared)}: ${fmt(oDone.updated_in_app)} to the app, ${fmt(oDone.updated_in_hubspot)} to HubSpot`,
		],
		[
			`built-in differences = drift in its ${fmt(M)} (${fmt(subsetDrift)})`,
			bDone.compared === M &&
				bDone.differences === subsetDrift &&
				bDone.changed_in_hubspot === subsetRenamed &&
				bDone.changed_in_app === subsetRaised,
			`${fmt(bDone.differences)} of ${fmt(bDone.compared)}: ${fmt(bDone.changed_in_hubspot)} in HubSpot, ${fmt(bDone.changed_in_app)} in the app`,
		],
		[
			'ours records/s ≥ 10 × built-in',
			ratio >= 10,
			`${rateText(oRate)} vs ${rateText(bRate)} = ${ratio.toFixed(1)}x`,
		],
	];
	console.log(
		`goals     ${goals.map(([label, ok, value]) => `${label}: ${ok ? 'PASS' : 'FAIL'} (${value})`).join(' | ')}`,
	);
	if (goals.some(([, ok]) => !ok)) process.exitCode = 1;
})();
finish(main, cleanups, 'bench:reconcile', { quietAfterSignal: true });
