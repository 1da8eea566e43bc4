#!/usr/bin/env node
// npm run bench:n8n-settings: what each setting in scripts/n8n-settings.js (the settings docs/operations.md
// recommends) changes for a webhook flow, measured against n8n 2.40.7's defaults on the same machine in one run.
// Four workflows on each n8n: an empty Webhook → Respond to Webhook (First Incoming Item), and the same answering
// with one expression (`={{ { ok: true } }}`), each saving successful executions' data (`all`) or not (`none`).
// For each: BENCH_CONCURRENCY (40) requests at a time until BENCH_REQUESTS (400) are answered → executions per
// second and p95; then 100 one at a time → p50. /metrics (on for every run alike) counts the expressions evaluated,
// so the "no expression" rows are shown to evaluate none.
// Then the recommended settings on n8n's PostgreSQL database, in regular mode and in queue mode with one webhook
// process and BENCH_WORKERS (1) workers (the requests go to the webhook process): queue mode's effect on this machine.
// BENCH_SKIP_QUEUE=1 leaves those two out (no PostgreSQL or Redis needed then).
// Only goal (sanity): with the recommended settings the no-expression workflow is at least as fast as with the
// defaults (exec/s, both saving modes); the script exits non-zero otherwise. Queue mode is measured, not judged.
require('./ts-register');
const { writeFileSync } = require('fs');
const { join } = require('path');
const { createPostgresDatabase, N8n } = require('../test/e2e/harness/n8n.ts');
const { RECOMMENDED_N8N_ENV } = require('./n8n-settings.js');

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 40);
const REQUESTS = Number(process.env.BENCH_REQUESTS || 400);
const WORKERS = Number(process.env.BENCH_WORKERS || 1);
const SKIP_QUEUE = process.env.BENCH_SKIP_QUEUE === '1';
const SERIAL = 100;
const WARMUP = 20;
for (const [name, value] of [
	['BENCH_CONCURRENCY', CONCURRENCY],
	['BENCH_REQUESTS', REQUESTS],
	['BENCH_WORKERS', WORKERS],
]) {
	if (!Number.isInteger(value) || value < 1) {
		console.error(`${name} must be a positive integer, got ${process.env[name]}`);
		process.exit(2);
	}
}

/** Defaults first (the baseline), then each recommended setting alone, then all of them if there are several. */
const SETTINGS = [
	{ label: 'n8n defaults', env: {} },
	...Object.entries(RECOMMENDED_N8N_ENV).map(([k, v]) => ({ label: `${k}=${v}`, env: { [k]: v } })),
	...(Object.keys(RECOMMENDED_N8N_ENV).length > 1
		? [{ label: 'all recommended', env: { ...RECOMMENDED_N8N_ENV } }]
		: []),
];
/** The setting the sanity goal judges: every recommended setting, on the default database in regular mode. */
const RECOMMENDED = SETTINGS.at(-1);
if (!SKIP_QUEUE)
	SETTINGS.push(
		{ label: 'recommended, PostgreSQL', env: { ...RECOMMENDED_N8N_ENV }, postgres: true },
		{
			label: `recommended, queue: webhook + ${WORKERS} worker${WORKERS === 1 ? '' : 's'}`,
			env: { ...RECOMMENDED_N8N_ENV },
			postgres: true,
			queue: true,
		},
	);

const CASES = [
	{ key: 'plain-none', expression: false, save: 'none' },
	{ key: 'plain-all', expression: false, save: 'all' },
	{ key: 'expr-none', expression: true, save: 'none' },
	{ key: 'expr-all', expression: true, save: 'all' },
];
const caseLabel = (c) => `${c.expression ? 'one expression' : 'no expression'}, save ${c.save}`;

/** Webhook → Respond to Webhook; with `expression`, the answer is the only expression in the workflow. */
function workflow(c, n) {
	const id = `mkopsBenchSet${String(n).padStart(3, '0')}`;
	const uuid = (d) => `f2000000-0000-4000-8000-00000000${d}${String(n).padStart(3, '0')}`;
	return {
		id,
		path: `bench-settings-${c.key}`,
		json: {
			id,
			name: `Benchmark: settings, ${caseLabel(c)}`,
			active: false,
			settings: {
				executionOrder: 'v1',
				saveDataSuccessExecution: c.save,
				saveDataErrorExecution: 'all',
			},
			nodes: [
				{
					id: uuid('0'),
					name: 'Webhook',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: uuid('5'),
					parameters: {
						httpMethod: 'POST',
						path: `bench-settings-${c.key}`,
						responseMode: 'responseNode',
						options: {},
					},
				},
				{
					id: uuid('1'),
					name: 'Respond',
					type: 'n8n-nodes-base.respondToWebhook',
					typeVersion: 1.1,
					position: [220, 0],
					parameters: c.expression
						? { respondWith: 'json', responseBody: '={{ { ok: true } }}', options: {} }
						: { respondWith: 'firstIncomingItem', options: {} },
				},
			],
			connections: { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
		},
	};
}

const pct = (sorted, p) =>
	sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** `total` POSTs, `concurrency` in flight at a time; throws on any answer other than 200. */
async function load(url, total, concurrency) {
	const lat = [];
	let next = 0;
	const t0 = Date.now();
	await Promise.all(
		Array.from({ length: Math.min(concurrency, total) }, async () => {
			while (next < total) {
				next++;
				const t = Date.now();
				const res = await fetch(url, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: '{"hello":"world"}',
				});
				const body = await res.text();
				if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body}`);
				lat.push(Date.now() - t);
			}
		}),
	);
	const ms = Date.now() - t0;
	lat.sort((a, b) => a - b);
	return { perSec: (total * 1000) / ms, p50: pct(lat, 50), p95: pct(lat, 95) };
}

/** Expressions evaluated so far by the processes at these addresses (each one's /metrics). */
async function expressionsEvaluated(baseUrls) {
	let total = 0;
	for (const baseUrl of baseUrls) {
		const text = await (await fetch(`${baseUrl}/metrics`)).text();
		total += text
			.split('\n')
			.filter((line) => line.startsWith('n8n_expression_evaluation_duration_seconds_count'))
			.reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
	}
	return total;
}

/**
 * Starts n8n for one setting. Returns where webhooks go and the processes whose /metrics count expressions:
 * the main process; in queue mode the webhook process (trigger step) and each worker (the rest).
 */
async function startN8n(setting, n8n) {
	await n8n.start();
	await n8n.login();
	if (!setting.queue) return { webhookBase: n8n.baseUrl, metricsBases: [n8n.baseUrl] };
	for (let i = 0; i < WORKERS; i++) await n8n.startWorker();
	const hook = await n8n.startWebhookProcess();
	return {
		webhookBase: hook.baseUrl,
		metricsBases: [hook.baseUrl, ...n8n.workers.map((w) => `http://127.0.0.1:${w.healthPort}`)],
	};
}

async function measure(setting) {
	const db = setting.postgres ? await createPostgresDatabase('bench_settings') : undefined;
	let n8n;
	const results = {};
	try {
		n8n = await N8n.create({
			env: { ...setting.env, N8N_METRICS: 'true' },
			postgres: db,
			queue: setting.queue ? {} : undefined,
		});
		const flows = CASES.map((c, i) => ({ c, ...workflow(c, i + 1) }));
		for (const flow of flows) {
			const file = join(n8n.userFolder, `${flow.id}.json`);
			writeFileSync(file, JSON.stringify(flow.json));
			n8n.importWorkflow(file);
			n8n.publish(flow.id);
		}
		const { webhookBase, metricsBases } = await startN8n(setting, n8n);
		for (const { c, path } of flows) {
			const url = `${webhookBase}/webhook/${path}`;
			await load(url, WARMUP, 1); // first executions load code paths; not counted
			const before = await expressionsEvaluated(metricsBases);
			const loaded = await load(url, REQUESTS, CONCURRENCY);
			const serial = await load(url, SERIAL, 1);
			const evaluated = (await expressionsEvaluated(metricsBases)) - before;
			results[c.key] = {
				perSec: loaded.perSec,
				p95: loaded.p95,
				serialP50: serial.p50,
				exprPerExec: evaluated / (REQUESTS + SERIAL),
			};
			console.error(
				`[${setting.label}] ${caseLabel(c)}: ${loaded.perSec.toFixed(1)} exec/s, p95 ${loaded.p95} ms, one at a time p50 ${serial.p50} ms`,
			);
		}
	} finally {
		await n8n?.stopWebhookProcesses();
		await n8n?.stopWorkers();
		await n8n?.stop();
		await db?.drop();
	}
	return results;
}

async function main() {
	const all = [];
	for (const setting of SETTINGS) all.push({ setting, results: await measure(setting) });
	const base = all[0].results;
	const col = (s, w) => String(s).padStart(w);
	console.log(
		`n8n 2.40.7; ${CONCURRENCY} concurrent × ${REQUESTS} requests → exec/s and p95; one at a time × ${SERIAL} → p50`,
	);
	console.log(
		`${'setting'.padEnd(42)} ${'workflow'.padEnd(27)} ${col('exec/s', 7)} ${col('p95 ms', 7)} ${col('p50 1×1', 8)} ${col('expr/exec', 9)}   vs defaults`,
	);
	for (const { setting, results } of all) {
		for (const c of CASES) {
			const r = results[c.key];
			const b = base[c.key];
			const vs =
				r === b
					? ''
					: `exec/s ×${(r.perSec / b.perSec).toFixed(2)}, p95 ×${(r.p95 / b.p95).toFixed(2)}, p50 ×${(r.serialP50 / b.serialP50).toFixed(2)}`;
			console.log(
				`${setting.label.padEnd(42)} ${caseLabel(c).padEnd(27)} ${col(r.perSec.toFixed(1), 7)} ${col(r.p95, 7)} ${col(r.serialP50, 8)} ${col(r.exprPerExec.toFixed(2), 9)}   ${vs}`,
			);
		}
	}
	// Sanity: the recommended settings must not slow the no-expression workflow down.
	const recommended = all.find((a) => a.setting === RECOMMENDED).results;
	const goals = ['plain-none', 'plain-all'].map((key) => [
		`recommended ${caseLabel(CASES.find((c) => c.key === key))} exec/s ≥ defaults' (${recommended[key].perSec.toFixed(1)} ≥ ${base[key].perSec.toFixed(1)})`,
		recommended[key].perSec >= base[key].perSec,
	]);
	console.log(
		`goals: ${goals.map(([label, ok]) => `${label} ${ok ? 'PASS' : 'FAIL'}`).join('; ')}`,
	);
	if (goals.some(([, ok]) => !ok)) process.exitCode = 1;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
