#!/usr/bin/env node
// npm run bench:webinarjam: 100,000 registrants (BENCH_COUNT changes it) synced from the WebinarJam emulator
// (20 calls/s, 100 registrants per page) to real PostgreSQL by the WebinarJam node's Sync to Database, inside
// real n8n 2.40.7. Prints wall time, pages/s against the 20/s ceiling, peak RSS growth of the n8n process, and
// rows/s of the database part alone (the same transform + upsert code, timed outside n8n and the API).
// Each goal prints PASS or FAIL; the script exits non-zero when one fails.
require('./ts-register');
const { readFileSync, writeFileSync } = require('fs');
const { join } = require('path');
const { installPackage, N8n, ROOT, sleep } = require('../test/e2e/harness/n8n.ts');
const { startWebinarJamEmulator } = require('../test/emulators/webinarjam/server.js');
const { testPostgres } = require('../test/harness/postgres.ts');
const { PostgresRegistrantWriter } = require('../nodes/WebinarJam/v1/database/registrants.ts');
const { transformRegistrant, webinarContext } = require('../nodes/WebinarJam/v1/database/transform.ts');
const { schemaStatements } = require('../nodes/shared/database/schema.ts');
const {
	closeAllPools,
	postgresCredentials,
	postgresPool,
} = require('../nodes/shared/database/connection.ts');

const COUNT = Number(process.env.BENCH_COUNT || 100000);
const CEILING = 20; // WebinarJam: 20 calls per second per user
const BIG = 7001; // the measured webinar
const WARM = 7002; // a small webinar synced first, so code loading is not counted as growth
const WORKFLOW = 'mkopsBenchWjSync';

if (!Number.isInteger(COUNT) || COUNT < 1) {
	console.error(`BENCH_COUNT must be a positive integer, got ${process.env.BENCH_COUNT}`);
	process.exit(2);
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rssKb = (pid) => {
	try {
		return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
	} catch {
		return 0;
	}
};

/** The shipped workflow's Ensure tables → Sync registrants, started by a webhook, for one webinar. */
function benchWorkflow(schema) {
	const shipped = JSON.parse(
		readFileSync(join(ROOT, 'workflows/webinarjam-supabase-sync.json'), 'utf8'),
	);
	const byName = Object.fromEntries(shipped.nodes.map((n) => [n.name, n]));
	const ensure = {
		...byName['Ensure tables'],
		parameters: { ...byName['Ensure tables'].parameters, schema },
	};
	const sync = {
		...byName['Sync registrants'],
		parameters: {
			...byName['Sync registrants'].parameters,
			schema,
			webinarSelection: 'list',
			webinarIds: "={{ [Number($('Start').first().json.body.webinar_id)] }}",
			options: {
				...byName['Sync registrants'].parameters.options,
				...(process.env.BENCH_LOOKAHEAD ? { lookahead: Number(process.env.BENCH_LOOKAHEAD) } : {}),
			},
		},
	};
	delete sync.onError;
	return {
		id: WORKFLOW,
		name: 'Benchmark: WebinarJam sync',
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
		nodes: [
			{
				id: 'e0000000-0000-4000-8000-000000000001',
				name: 'Start',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'e0000000-0000-4000-8000-000000000051',
				parameters: {
					httpMethod: 'POST',
					path: 'bench-webinarjam',
					responseMode: 'onReceived',
					options: {},
				},
			},
			// The webhook's item carries the body; Ensure tables passes one item on to Sync registrants.
			{ ...ensure, position: [220, 0] },
			{ ...sync, position: [440, 0] },
		],
		connections: {
			Start: { main: [[{ node: ensure.name, type: 'main', index: 0 }]] },
			[ensure.name]: { main: [[{ node: sync.name, type: 'main', index: 0 }]] },
		},
	};
}

async function runSync(n8n, webinarId, pid) {
	const before = (await n8n.publicApi('GET', `/executions?workflowId=${WORKFLOW}&limit=1`)).data[0]
		?.id;
	const baseline = rssKb(pid);
	let peak = baseline;
	const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 50);
	const started = Date.now();
	const res = await fetch(`${n8n.baseUrl}/webhook/bench-webinarjam`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ webinar_id: webinarId }),
	});
	if (!res.ok) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
	let execution;
	for (;;) {
		const [latest] = (await n8n.publicApi('GET', `/executions?workflowId=${WORKFLOW}&limit=1`))
			.data;
		if (latest && latest.id !== before && ['success', 'error', 'crashed'].includes(latest.status)) {
			execution = latest;
			break;
		}
		await sleep(250);
	}
	clearInterval(sampler);
	peak = Math.max(peak, rssKb(pid));
	const wallMs = Date.parse(execution.stoppedAt) - started;
	const [full] = (await n8n.executions(WORKFLOW)).filter((e) => e.id === execution.id);
	const run = full?.data?.resultData;
	const summary = run?.runData?.['Sync registrants']?.[0]?.data?.main?.[0]?.[0]?.json;
	if (execution.status !== 'success' || !summary)
		throw new Error(
			`sync ${execution.status}: ${run?.error?.message ?? JSON.stringify(summary).slice(0, 500)}`,
		);
	return { wallMs, summary, baselineMb: baseline / 1024, peakMb: peak / 1024 };
}

/** The database part alone: the node's transform and chunked upsert on the same registrants. */
async function databaseOnly(pg, wj) {
	const schema = `${pg.schema}_db`;
	for (const s of schemaStatements(schema)) await pg.query(s);
	const details = await (
		await fetch(`${wj.webinarJamUrl}/webinar`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ api_key: wj.defaultKey, webinar_id: String(BIG) }),
		})
	).json();
	const ctx = webinarContext(details.webinar);
	const rows = [];
	let page = 1;
	for (;;) {
		const body = await (
			await fetch(`${wj.webinarJamUrl}/registrants`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({
					api_key: wj.defaultKey,
					webinar_id: String(BIG),
					page: String(page),
				}),
			})
		).json();
		for (const raw of body.registrants.data) {
			const t = transformRegistrant(raw, ctx);
			if (t.ok) rows.push(t.row);
		}
		if (!body.registrants.next_page_url) break;
		page++;
		await sleep(60); // stay under the emulator's 20 calls/s while collecting
	}
	const credentials = postgresCredentials({ ...pg.connection, ssl: 'disable' });
	const writer = new PostgresRegistrantWriter(postgresPool(credentials), credentials, schema);
	const timed = async () => {
		const t0 = performance.now();
		let inserted = 0;
		let unchanged = 0;
		for (let i = 0; i < rows.length; i += 500) {
			const r = await writer.write(rows.slice(i, i + 500));
			inserted += r.inserted;
			unchanged += r.unchanged;
		}
		return { ms: performance.now() - t0, inserted, unchanged };
	};
	const first = await timed();
	const second = await timed();
	await pg.query(`DROP SCHEMA "${schema}" CASCADE`);
	return { rows: rows.length, first, second };
}

/** One n8n process with `nodeOptions`: warm-up, the measured sync, then an unchanged re-sync. */
async function measure(pg, wj, nodeOptions, label) {
	const n8n = await N8n.create({ env: { NODE_OPTIONS: nodeOptions } });
	try {
		installPackage(n8n.userFolder);
		const template = JSON.parse(
			readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
		);
		n8n.importCredentials(
			template
				.filter((c) => c.type === 'webinarJamApi' || c.type === 'postgres')
				.map((c) =>
					c.type === 'webinarJamApi'
						? {
								...c,
								data: { apiKey: wj.defaultKey, product: 'webinarjam', baseUrl: wj.webinarJamUrl },
							}
						: {
								...c,
								data: {
									...c.data,
									...pg.connection,
									port: Number(pg.connection.port),
									ssl: 'disable',
								},
							},
				),
		);
		const file = join(n8n.userFolder, 'bench-webinarjam.json');
		writeFileSync(file, JSON.stringify(benchWorkflow(pg.schema)));
		n8n.importWorkflow(file);
		n8n.publish(WORKFLOW);
		await n8n.start();
		await n8n.login();
		const pid = n8n['proc'].pid;
		await pg
			.query(`TRUNCATE ${pg.qualified('webinar_registrants')} CASCADE`)
			.catch(() => undefined);
		console.log(`${label}: n8n pid ${pid}, NODE_OPTIONS="${nodeOptions}"`);
		const warm = await runSync(n8n, WARM, pid);
		console.log(
			`  warm-up   ${fmt(warm.summary.fetched)} registrants in ${(warm.wallMs / 1000).toFixed(1)} s (not counted)`,
		);
		await sleep(2000);
		const big = await runSync(n8n, BIG, pid);
		const s = big.summary;
		const pagesPerSecond = (s.pages * 1000) / big.wallMs;
		console.log(
			`  sync      ${fmt(s.fetched)} fetched, ${fmt(s.inserted)} inserted, ${fmt(s.updated)} updated, ${fmt(s.unchanged)} unchanged, ${fmt(s.failed)} failed; ${fmt(s.pages)} pages, ${fmt(s.api_calls)} API calls, ${s.rate_limited} × 429`,
		);
		console.log(
			`  time      ${(big.wallMs / 1000).toFixed(1)} s trigger → done (node ${(s.duration_ms / 1000).toFixed(1)} s); ${pagesPerSecond.toFixed(2)} pages/s = ${((100 * pagesPerSecond) / CEILING).toFixed(1)}% of the ${CEILING}/s ceiling; ${fmt((s.fetched * 1000) / big.wallMs)} registrants/s`,
		);
		console.log(
			`  memory    n8n process RSS ${big.baselineMb.toFixed(0)} MB before, peak ${big.peakMb.toFixed(0)} MB: growth ${(big.peakMb - big.baselineMb).toFixed(0)} MB`,
		);
		const again = await runSync(n8n, BIG, pid);
		console.log(
			`  re-sync   unchanged data: ${fmt(again.summary.unchanged)} unchanged, ${fmt(again.summary.updated)} updated in ${(again.wallMs / 1000).toFixed(1)} s; RSS growth ${(again.peakMb - again.baselineMb).toFixed(0)} MB`,
		);
		const { rows } = await pg.query(
			`SELECT count(*)::int AS n FROM ${pg.qualified('webinar_registrants')} WHERE webinar_id = $1`,
			[BIG],
		);
		console.log(
			`  postgres  ${fmt(rows[0].n)} rows of webinar ${BIG} in ${pg.schema}.webinar_registrants`,
		);
		return { pagesPerSecond, growth: big.peakMb - big.baselineMb, stored: rows[0].n };
	} finally {
		await n8n.stop();
	}
}

(async () => {
	const pg = await testPostgres('bench_wj');
	const wj = await startWebinarJamEmulator({ data: null });
	try {
		wj.seed({
			webinars: [
				{
					webinar_id: BIG,
					name: 'Bench Webinar',
					timezone: 'America/New_York',
					schedules: [{ schedule: 1, date: '2026-11-20 13:00' }],
				},
				{
					webinar_id: WARM,
					name: 'Warm-up Webinar',
					timezone: 'Europe/Berlin',
					schedules: [{ schedule: 2, date: '2026-11-19 18:00' }],
				},
			],
		});
		wj.generate({ webinarId: BIG, count: COUNT });
		wj.generate({ webinarId: WARM, count: 2000, seed: 7 });
		console.log(
			`WebinarJam sync benchmark: ${fmt(COUNT)} registrants, emulator ${CEILING} calls/s and 100 per page, real PostgreSQL, n8n 2.40.7`,
		);
		// Node's default heap sizing, then the heap cap n8n's docs tell memory-constrained installs to set.
		const configs =
			process.env.BENCH_NODE_OPTIONS !== undefined
				? [[process.env.BENCH_NODE_OPTIONS, 'as given']]
				: [
						['', 'default V8 heap (no NODE_OPTIONS)'],
						['--max-old-space-size=1024', "n8n's memory setting, 1 GB heap"],
					];
		const results = [];
		for (const [options, label] of configs)
			results.push({ label, ...(await measure(pg, wj, options, label)) });

		const db = await databaseOnly(pg, wj);
		console.log(
			`database  transform + upsert alone (chunks of 500): ${fmt(db.first.inserted)} inserted in ${(db.first.ms / 1000).toFixed(2)} s = ${fmt((db.rows * 1000) / db.first.ms)} rows/s; unchanged re-run ${(db.second.ms / 1000).toFixed(2)} s = ${fmt((db.rows * 1000) / db.second.ms)} rows/s`,
		);
		const verdict = (pass) => {
			if (!pass) process.exitCode = 1;
			return pass ? 'PASS' : 'FAIL';
		};
		for (const r of results)
			console.log(
				`goals     ${r.label}: ≥ 90% of ${CEILING} pages/s ${verdict(r.pagesPerSecond >= 0.9 * CEILING)} (${r.pagesPerSecond.toFixed(2)}) | RSS growth ≤ 100 MB ${verdict(r.growth <= 100)} (${r.growth.toFixed(0)} MB) | every registrant stored ${verdict(r.stored === COUNT)}`,
			);
		if (process.exitCode === 1) console.log('bench:webinarjam: a goal failed');
	} finally {
		await wj.close();
		await closeAllPools();
		await pg.cleanup();
	}
})().catch((error) => {
	console.error(`bench:webinarjam: ${error.message}`);
	if (process.env.BENCH_DEBUG) console.error(error);
	process.exitCode = 1;
});
