#!/usr/bin/env node
// npm run bench:hubspot: upserts generated contacts into the HubSpot emulator (190 requests / 10 s) from real
// n8n 2.40.7: 40,000 (BENCH_COUNT) with our HubSpot Batch node at its shipped defaults, a size at which the
// account's limit binds, then the same again unchanged; and 2,000 (BENCH_BUILTIN_COUNT) with n8n's built-in
// HubSpot node, whose one call per contact would need an hour for 40,000. Prints calls, time, throughput, 429s
// and what landed for each, and exits non-zero when a goal fails.
// The built-in node has the fixed host https://api.hubapi.com, so the emulator also listens with TLS on
// 127.0.0.1:443 under a throwaway CA, a marked /etc/hosts line points the name there, and n8n trusts the CA
// through NODE_EXTRA_CA_CERTS. Everything is undone in `finally` and on Ctrl-C.
require('./ts-register');
const { existsSync, writeFileSync } = require('fs');
const { join } = require('path');
const { installPackage, N8n, ROOT, sleep } = require('../test/e2e/harness/n8n.ts');
const { startHubSpotEmulator, DEFAULT_TOKEN } = require('../test/emulators/hubspot/server.js');
const {
	HUBSPOT_API: HOST,
	port443Error,
	serveHubSpotApi,
} = require('../test/bench/hubspot-api.js');
const { removeHostsLines, HOSTS } = require('../test/bench/hubspot-hosts.js');
const { cleanupStack, finish, tempFolder } = require('../test/bench/cleanup.js');
const { requirePositiveIntegers } = require('../test/bench/env.js');
const wf = require('../test/bench/hubspot-workflows.js');

const COUNT = Number(process.env.BENCH_COUNT || 40000);
const BUILTIN_COUNT = Number(process.env.BENCH_BUILTIN_COUNT || 2000);
const LIMIT = 190; // requests per 10 s per token (HubSpot Professional)
const OURS = { id: 'mkopsBenchHsOur1', path: 'bench-hubspot-ours', node: 'HubSpot Batch' };
const BUILTIN = {
	id: 'mkopsBenchHsBlt1',
	path: 'bench-hubspot-builtin',
	node: 'HubSpot',
	loop: 'Loop Over Items',
};
const LOOP = { batchSize: 190, waitSeconds: 10 };
const KEEP = process.env.BENCH_KEEP === '1';
// both (default) | ours | builtin: one side only, e.g. ours at a count the built-in node would need hours for.
const SIDES = process.env.BENCH_SIDES || 'both';

if (!['both', 'ours', 'builtin'].includes(SIDES)) {
	console.error(`BENCH_SIDES must be both, ours or builtin, got ${SIDES}`);
	process.exit(2);
}
requirePositiveIntegers([
	['BENCH_COUNT', COUNT],
	['BENCH_BUILTIN_COUNT', BUILTIN_COUNT],
]);

const cleanups = cleanupStack({
	onSignal(signal) {
		console.log(
			`\n${signal}: removing the ${HOSTS} line, stopping n8n and the emulator, deleting temp files`,
		);
		removeHostsLines(); // first and synchronously: the name must not stay pointed at 127.0.0.1
	},
});

/** n8n finishes a running execution before it exits (up to 30 s); after an interrupt, do not wait for that. */
async function stopN8n(n8n) {
	if (!cleanups.interrupted) return await n8n.stop();
	const proc = n8n['proc'];
	const timer = setTimeout(() => proc?.kill('SIGKILL'), 3000);
	await n8n.stop();
	clearTimeout(timer);
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const rate = (count, ms) => (ms > 0 ? (count * 1000) / ms : 0);
const rateText = (r) => (r >= 100 ? fmt(r) : r.toFixed(1));

async function startEmulatorWithTls(tls) {
	try {
		return await startHubSpotEmulator({
			limitPer10s: LIMIT,
			tls: { key: tls.key, cert: tls.cert, port: 443, host: '127.0.0.1' },
		});
	} catch (error) {
		throw port443Error(error);
	}
}

async function credentialTest(n8n, credential) {
	const res = await n8n.restPost('/rest/credentials/test', { credentials: credential });
	if (res.data?.status !== 'OK') {
		throw new Error(
			`n8n's credential test for ${credential.type} failed: ${JSON.stringify(res.data)} (n8n log: ${n8n.logFile})`,
		);
	}
}

async function latestExecution(n8n, workflowId) {
	const page = await n8n.publicApi('GET', `/executions?workflowId=${workflowId}&limit=1`);
	return page.data[0];
}

/** Triggers one side, waits for its execution and collects everything the report needs. */
async function runSide(n8n, emulator, side, label, timeoutMs, count, { reset = true } = {}) {
	// Each side starts with an empty account and a full rate-limit window; a re-run keeps the account.
	if (reset) emulator.reset();
	const since = emulator.requests().length;
	// The webhook answers before its execution is listed: wait for a newer one than the last run's.
	const previous = (await latestExecution(n8n, side.id))?.id;
	const started = Date.now();
	const res = await fetch(`${n8n.baseUrl}/webhook/${side.path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ count }),
	});
	if (!res.ok) throw new Error(`${label}: webhook answered ${res.status} ${await res.text()}`);
	let summary;
	let lastProgress = Date.now();
	while (Date.now() - started < timeoutMs) {
		if (cleanups.interrupted) return await new Promise(() => {}); // the signal handler exits the process
		summary = await latestExecution(n8n, side.id);
		if (
			summary &&
			summary.id !== previous &&
			summary.status !== 'running' &&
			summary.status !== 'new' &&
			(summary.finished || summary.stoppedAt)
		)
			break;
		if (Date.now() - lastProgress >= 30000) {
			lastProgress = Date.now();
			const c = emulator.state.counters;
			console.log(
				`  … ${label}: ${fmt(emulator.objects('contacts').length)}/${fmt(count)} contacts in the emulator, ${fmt(c.requests)} calls, ${c.rateLimited} 429s, ${Math.round((Date.now() - started) / 1000)} s`,
			);
		}
		await sleep(250);
		summary = undefined;
	}
	const triggerToDone = Date.now() - started;
	if (!summary)
		throw new Error(
			`${label}: no finished execution after ${Math.round(timeoutMs / 1000)} s (n8n log: ${n8n.logFile})`,
		);
	const [execution] = (await n8n.executions(side.id, { ignoreDataSizeLimit: true })).filter(
		(e) => e.id === summary.id,
	);

	const log = emulator.requests().slice(since);
	const byRoute = new Map();
	for (const e of log) {
		const key = `${e.method} ${e.path.replace(/\/email\/[^/]+$/, '/email/{email}').replace(/\/vid\/\d+\//, '/vid/{vid}/')}`;
		byRoute.set(key, (byRoute.get(key) ?? 0) + 1);
	}
	const stored = new Map(
		emulator
			.objects('contacts')
			.map((r) => [String(r.properties.email).toLowerCase(), r.properties]),
	);
	let present = 0;
	let exact = 0;
	for (let i = 0; i < count; i++) {
		const want = wf.benchContact(i);
		const got = stored.get(want.email);
		if (!got) continue;
		present++;
		if (Object.entries(want).every(([k, v]) => String(got[k]) === String(v))) exact++;
	}
	const counters = { ...emulator.state.counters };
	const first = log[0]?.time;
	const last = log.reduce((max, e) => Math.max(max, e.time + (e.durationMs ?? 0)), 0);
	return {
		label,
		count,
		rateLimited: log.filter((e) => e.status === 429).length,
		status: execution?.status ?? summary.status,
		error: execution?.data?.resultData?.error,
		runData: execution?.data?.resultData?.runData ?? {},
		triggerToDone,
		executionMs: Date.parse(summary.stoppedAt) - Date.parse(summary.startedAt),
		total: log.length,
		nonGet: log.filter((e) => e.method !== 'GET').length,
		byRoute,
		counters,
		apiSpan: first === undefined ? 0 : last - first,
		present,
		exact,
		stored: stored.size,
	};
}

const runsOf = (r, name) => r.runData[name] ?? [];
const sumTime = (runs) => runs.reduce((s, run) => s + (run.executionTime ?? 0), 0);
const routes = (r) => [...r.byRoute].map(([k, n]) => `${k} ×${fmt(n)}`).join(', ');

function printSide(r, timeLine, throughputLine) {
	if (r.status !== 'success') {
		const e = r.error;
		console.log(
			`  execution:   ${r.status}${e ? `: ${e.message ?? JSON.stringify(e).slice(0, 300)}` : ''}`,
		);
	}
	console.log(
		`  calls:       ${fmt(r.nonGet)} non-GET calls, ${fmt(r.total)} total, ${rateText(rate(r.total, r.apiSpan))} calls/s over ${fmt(r.apiSpan)} ms  [${routes(r)}]`,
	);
	console.log(`  time:        ${timeLine}`);
	console.log(`  throughput:  ${throughputLine}`);
	console.log(`  429s:        ${fmt(r.rateLimited)}`);
	console.log(
		`  in emulator: ${fmt(r.present)}/${fmt(r.count)} contacts present, ${fmt(r.exact)} with every sent value (${fmt(r.stored)} stored)`,
	);
}

const main = (async () => {
	const oursBuilt = existsSync(join(ROOT, 'dist/nodes/HubSpotBatch/HubSpotBatch.node.js'));
	const wantOurs = SIDES !== 'builtin' && oursBuilt;
	const wantBuiltIn = SIDES !== 'ours';
	if (SIDES === 'ours' && !oursBuilt)
		throw new Error(
			'BENCH_SIDES=ours, but dist/nodes/HubSpotBatch is missing (HubSpot Batch is not built)',
		);
	const tmp = tempFolder(cleanups, 'mkops-bench-hubspot-', { keep: KEEP });

	let tls;
	let emulator;
	let hostsLine;
	if (wantBuiltIn) {
		({ tls, hostsLine } = await serveHubSpotApi(cleanups, join(tmp, 'tls'), async (files) => {
			emulator = await startEmulatorWithTls(files);
			cleanups.add('emulator', () => emulator.close());
		}));
	} else {
		emulator = await startHubSpotEmulator({ limitPer10s: LIMIT });
		cleanups.add('emulator', () => emulator.close());
	}

	const n8n = await N8n.create({
		userFolder: join(tmp, 'n8n'),
		env: {
			...(tls ? { NODE_EXTRA_CA_CERTS: tls.caFile } : {}),
			N8N_SSRF_PROTECTION_ENABLED: 'false',
		},
	});
	cleanups.add('n8n', () => stopN8n(n8n));
	installPackage(n8n.userFolder);
	n8n.importCredentials(
		wf.credentials({ baseUrl: emulator.url, token: DEFAULT_TOKEN, limit: LIMIT }),
	);
	const workflows = [];
	if (wantOurs) workflows.push(wf.oursWorkflow(OURS.id));
	if (wantBuiltIn) workflows.push(wf.builtInWorkflow(BUILTIN.id, LOOP));
	for (const w of workflows) {
		const file = join(n8n.userFolder, `${w.id}.json`);
		writeFileSync(file, JSON.stringify(w));
		n8n.importWorkflow(file);
		n8n.publish(w.id);
	}
	await n8n.start();
	await n8n.login();

	// Both credentials' Test button through n8n: the built-in one goes over TLS to api.hubapi.com.
	const creds = wf.credentials({ baseUrl: emulator.url, token: DEFAULT_TOKEN, limit: LIMIT });
	if (wantOurs) await credentialTest(n8n, creds[0]);
	if (wantBuiltIn) await credentialTest(n8n, creds[1]);

	console.log(
		`HubSpot upsert benchmark: generated contacts (unique emails), ours ${fmt(COUNT)}, built-in ${fmt(BUILTIN_COUNT)}; emulator limit ${LIMIT} requests / 10 s, n8n 2.40.7 (${n8n.baseUrl})`,
	);
	console.log(`  ours:     credential Base URL ${emulator.url}`);
	if (wantBuiltIn)
		console.log(
			`  built-in: https://${HOST} → ${emulator.httpsUrl} via "${hostsLine}", throwaway CA in NODE_EXTRA_CA_CERTS`,
		);

	const results = {};
	if (wantOurs) {
		console.log(
			'ours      HubSpot Batch › Contact › Upsert at its shipped defaults (auto-mapped, Skip Unchanged Contacts on: a batch read before each batch upsert; batches of 100, 4 parallel)',
		);
		const r = await runSide(n8n, emulator, OURS, 'ours', 900000, COUNT);
		const nodeMs = sumTime(runsOf(r, OURS.node));
		r.phaseMs = nodeMs;
		printSide(
			r,
			`node ${fmt(nodeMs)} ms (executionTime), execution ${fmt(r.executionMs)} ms, trigger→done ${fmt(r.triggerToDone)} ms`,
			`${rateText(rate(COUNT, nodeMs))} contacts/s (node time), ${rateText(rate(COUNT, r.triggerToDone))} contacts/s (trigger→done)`,
		);
		results.ours = r;
		console.log('ours      the same contacts again, unchanged (Skip Unchanged Contacts reads, writes nothing)');
		const again = await runSide(n8n, emulator, OURS, 'ours again', 900000, COUNT, { reset: false });
		again.phaseMs = sumTime(runsOf(again, OURS.node));
		printSide(
			again,
			`node ${fmt(again.phaseMs)} ms (executionTime), trigger→done ${fmt(again.triggerToDone)} ms`,
			`${rateText(rate(COUNT, again.phaseMs))} contacts/s (node time)`,
		);
		results.oursAgain = again;
	} else {
		console.log(
			`ours      skipped: ${oursBuilt ? 'BENCH_SIDES=builtin' : 'dist/nodes/HubSpotBatch is missing (the HubSpot Batch node is not built yet)'}`,
		);
	}

	if (wantBuiltIn) {
		console.log(
			`built-in  HubSpot 2.2 › Contact › Create or Update, Simplify Output on (${LOOP.batchSize} per loop → HubSpot → Wait ${LOOP.waitSeconds} s; it has no 429 handling), ${fmt(BUILTIN_COUNT)} contacts`,
		);
		const expectedMs = (BUILTIN_COUNT / LIMIT) * (LOOP.waitSeconds + 2) * 1000;
		const b = await runSide(n8n, emulator, BUILTIN, 'built-in', expectedMs * 2 + 180000, BUILTIN_COUNT);
		const hubspotRuns = runsOf(b, BUILTIN.node);
		const loopRuns = runsOf(b, BUILTIN.loop);
		// Upsert phase: first Loop Over Items run until the last HubSpot run ends (the final Wait is left out).
		const loopStart = loopRuns[0]?.startTime;
		const lastEnd = hubspotRuns.reduce(
			(m, run) => Math.max(m, (run.startTime ?? 0) + (run.executionTime ?? 0)),
			0,
		);
		b.phaseMs = loopStart && lastEnd ? lastEnd - loopStart : b.executionMs;
		printSide(
			b,
			`HubSpot node ${fmt(sumTime(hubspotRuns))} ms over ${hubspotRuns.length} runs (executionTime), upsert loop ${fmt(b.phaseMs)} ms, execution ${fmt(b.executionMs)} ms, trigger→done ${fmt(b.triggerToDone)} ms`,
			`${rateText(rate(BUILTIN_COUNT, b.phaseMs))} contacts/s (upsert loop), ${rateText(rate(BUILTIN_COUNT, b.triggerToDone))} contacts/s (trigger→done)`,
		);
		results.builtIn = b;
	} else {
		console.log('built-in  skipped: BENCH_SIDES=ours');
	}

	const o = results.ours;
	const b = results.builtIn;
	if (o && b) {
		const x = (a, c) => (c > 0 ? `${(a / c).toFixed(1)}x` : 'n/a');
		console.log(
			`ratios    calls per contact built-in/ours ${x(b.total / b.count, o.total / o.count)} | contacts/s ours/built-in ${x(rate(o.count, o.phaseMs), rate(b.count, b.phaseMs))} (upsert phase), ${x(rate(o.count, o.triggerToDone), rate(b.count, b.triggerToDone))} (trigger→done)`,
		);
	}
	if (o) {
		// With Skip Unchanged on, each batch of 100 is read, then written: 2 calls per 100 new contacts, plus the
		// property list. The limit binds at this size, so the node should keep the calls at the limit's pace.
		const neededCalls = 2 * Math.ceil(COUNT / 100) + 1;
		const allowedPerSecond = LIMIT / 10;
		const callsPerSecond = rate(o.total, o.apiSpan);
		const ceiling = allowedPerSecond * (COUNT / neededCalls);
		const oursRate = rate(COUNT, o.phaseMs);
		const again = results.oursAgain;
		const goals = [
			[`ours ≤ ${fmt(neededCalls)} calls`, o.total <= neededCalls, fmt(o.total)],
			[
				`ours keeps ≥ 90% of the limit's pace (${(0.9 * allowedPerSecond).toFixed(1)} calls/s)`,
				callsPerSecond >= 0.9 * allowedPerSecond,
				`${callsPerSecond.toFixed(1)} calls/s; ${rateText(oursRate)} contacts/s of a ${rateText(ceiling)}/s ceiling`,
			],
			['0 × 429', Object.values(results).every((r) => r.rateLimited === 0), Object.values(results).map((r) => r.rateLimited).join('/')],
			['unchanged re-run writes nothing', again !== undefined && again.nonGet === Math.ceil(COUNT / 100) && !again.byRoute.has('POST /crm/v3/objects/contacts/batch/upsert'), again ? `${fmt(again.total)} calls` : 'n/a'],
		];
		console.log(`goals     ${goals.map(([label, ok, value]) => `${label}: ${ok ? 'PASS' : 'FAIL'} (${value})`).join(' | ')}`);
		if (goals.some(([, ok]) => !ok)) process.exitCode = 1;
	}
	const broken = Object.values(results).filter(
		(r) => r.status !== 'success' || r.present !== r.count,
	);
	if (broken.length) {
		process.exitCode = 1;
		console.log(
			`incomplete: ${broken.map((r) => `${r.label} (${r.status}, ${r.present}/${r.count} contacts)`).join(', ')}`,
		);
	}
})();
finish(main, cleanups, 'bench:hubspot', {
	quietAfterSignal: true,
	beforeCleanup: () => sleep(200),
});
