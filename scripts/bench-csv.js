#!/usr/bin/env node
// npm run bench:csv: a 1,000-row registration CSV (900 valid, 50 duplicate, 50 invalid) imported in real n8n
// 2.40.7 against the Airtable emulator (5 requests/s per base, 10 records per request: 50 rows/s), twice:
// - ours: the shipped csv-registration-import workflow with only its Airtable base picked (as a user does after
//   import), uploaded through its n8n Form with the form's login (Dedupe & Normalize, Airtable Registry,
//   HubSpot Batch to the HubSpot emulator, one Slack summary);
// - built-in: Webhook → Extract From File → Code (trim/lower-case email, drop invalid, dedupe) → n8n's
//   Airtable node (Record › Create or Update on dedupe_key) paced by Loop Over Items (5) + Wait 1 s, since it
//   makes one request per row and does not wait out a 429.
// n8n's Airtable node always calls https://api.airtable.com, so that side needs root: the emulator also
// serves TLS on 127.0.0.1:443 under a throwaway CA and a marked /etc/hosts line points the name there
// (BENCH_SIDES=ours skips it). Everything is undone at the end and on Ctrl-C.
require('./ts-register');
const { randomBytes } = require('crypto');
const { readFileSync, rmSync, writeFileSync } = require('fs');
const { dirname, join } = require('path');
const { installPackage, N8n, ROOT, sleep } = require('../test/e2e/harness/n8n.ts');
const { startAirtableEmulator } = require('../test/emulators/airtable/server.js');
const { startHubSpotEmulator } = require('../test/emulators/hubspot/server.js');
const { startSlackEmulator } = require('../test/emulators/slack/server.js');
const { registrationCsv } = require('../test/fixtures/registration-csv.js');
const { withAirtableBase } = require('../test/harness/airtableBase.ts');
const { makeTlsFiles } = require('../test/bench/hubspot-tls.js');
const {
	removeHostsLines,
	checkHostsWritable,
	pointHostHere,
} = require('../test/bench/hubspot-hosts.js');
const { cleanupStack, finish, tempFolder } = require('../test/bench/cleanup.js');
const { maxPerWindow } = require('../test/bench/rate-window.js');
const { nodeFactory } = require('../test/bench/workflow-node.js');

const HOST = 'api.airtable.com';
const SIDES = process.env.BENCH_SIDES || 'both';
const CEILING = 50; // Airtable records written per second: 5 requests/s per base × 10 records per request
const EVENT = { name: 'Bench Partner Day', date: '2026-03-12', type: 'Partner Event' };
const HUBSPOT_TOKEN = 'pat-bench-csv-token';
const BUILTIN = { id: 'mkopsBenchCsvBlt', path: 'bench-csv-builtin' };

if (!['both', 'ours', 'builtin'].includes(SIDES)) {
	console.error(`BENCH_SIDES must be both, ours or builtin, got ${SIDES}`);
	process.exit(2);
}

const cleanups = cleanupStack({ onSignal: () => removeHostsLines() });

const {
	csv,
	validEmails,
	rows: ROWS,
} = registrationCsv({ valid: 900, duplicates: 50, invalid: 50 });
const fmt1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

/** Airtable-side figures from the emulator's log, for the requests made since `since`. */
function airtableFigures(airtable, since) {
	const log = airtable.requests().filter((r) => r.time >= since);
	const writes = log.filter((r) => r.method !== 'GET');
	const first = log[0]?.time ?? since;
	const last = log.reduce((m, r) => Math.max(m, r.time + (r.durationMs ?? 0)), first);
	const firstWrite = writes[0]?.time ?? first;
	const lastWrite = writes.reduce((m, r) => Math.max(m, r.time + (r.durationMs ?? 0)), firstWrite);
	return {
		requests: log.length,
		writes: writes.length,
		recordsWritten: writes.reduce((s, r) => s + (r.recordCount ?? 0), 0),
		// From the first write request to the last write's answer: where Airtable's ceiling applies.
		writeSpanMs: lastWrite - firstWrite,
		rateLimited: log.filter((r) => r.status === 429).length,
		maxPerSecond: maxPerWindow(
			log.map((r) => r.time),
			1000,
		),
		spanMs: last - first,
	};
}

const registrations = (airtable, suffix) =>
	airtable.records('Registrations').filter((r) => String(r.fields.dedupe_key).endsWith(suffix));

function builtInWorkflow(baseId, tableId) {
	const node = nodeFactory('b0000000');
	const normalize = `
const seen = new Set();
const out = [];
for (const item of $input.all()) {
  const email = String(item.json.Email ?? '').trim().toLowerCase();
  if (!/^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$/.test(email)) continue;
  const dedupe_key = email + '|builtin:${EVENT.name.toLowerCase()}';
  if (seen.has(dedupe_key)) continue;
  seen.add(dedupe_key);
  out.push({ json: { email, first_name: item.json['First Name'], last_name: item.json['Last Name'], company: item.json.Company, job_title: item.json['Job Title'], dedupe_key, registration_source: 'CSV Upload' } });
}
return out;`;
	const field = (id) => ({
		id,
		displayName: id,
		required: false,
		defaultMatch: false,
		display: true,
		type: 'string',
		canBeUsedToMatch: true,
	});
	const columns = ['email', 'first_name', 'last_name', 'company', 'job_title', 'dedupe_key'];
	return {
		id: BUILTIN.id,
		name: 'Benchmark: CSV import with n8n built-in nodes',
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
		nodes: [
			node(
				1,
				'CSV upload',
				'n8n-nodes-base.webhook',
				2,
				[0, 0],
				{ httpMethod: 'POST', path: BUILTIN.path, options: { rawBody: true } },
				{ webhookId: 'b0000000-0000-4000-8000-000000000051' },
			),
			node(2, 'Extract From File', 'n8n-nodes-base.extractFromFile', 1.1, [200, 0], {
				operation: 'csv',
				binaryPropertyName: 'data',
				options: { headerRow: true },
			}),
			node(3, 'Normalize and dedupe', 'n8n-nodes-base.code', 2, [400, 0], { jsCode: normalize }),
			node(4, 'Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, [600, 0], {
				batchSize: 5,
				options: {},
			}),
			node(
				5,
				'Airtable',
				'n8n-nodes-base.airtable',
				2.1,
				[800, 100],
				{
					authentication: 'airtableTokenApi',
					operation: 'upsert',
					base: { __rl: true, mode: 'id', value: baseId },
					table: { __rl: true, mode: 'id', value: tableId },
					columns: {
						mappingMode: 'defineBelow',
						value: Object.fromEntries(columns.map((c) => [c, `={{ $json.${c} }}`])),
						matchingColumns: ['dedupe_key'],
						schema: columns.map(field),
					},
					options: {},
				},
				{
					credentials: {
						airtableTokenApi: { id: 'mkopsBenchAtTok1', name: 'Airtable token (emulator)' },
					},
				},
			),
			node(
				6,
				'Wait 1 s',
				'n8n-nodes-base.wait',
				1.1,
				[1000, 100],
				{ amount: 1, unit: 'seconds' },
				{
					webhookId: 'b0000000-0000-4000-8000-000000000052',
				},
			),
			node(7, 'Done', 'n8n-nodes-base.noOp', 1, [800, -100], {}),
		],
		connections: {
			'CSV upload': { main: [[{ node: 'Extract From File', type: 'main', index: 0 }]] },
			'Extract From File': { main: [[{ node: 'Normalize and dedupe', type: 'main', index: 0 }]] },
			'Normalize and dedupe': { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
			'Loop Over Items': {
				main: [
					[{ node: 'Done', type: 'main', index: 0 }],
					[{ node: 'Airtable', type: 'main', index: 0 }],
				],
			},
			Airtable: { main: [[{ node: 'Wait 1 s', type: 'main', index: 0 }]] },
			'Wait 1 s': { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
		},
	};
}

/** The import form asks for a login (Basic Auth): the bench's own, for the shipped credential. */
const FORM_LOGIN = (() => {
	const user = 'bench-uploader';
	const password = randomBytes(18).toString('base64url');
	return {
		id: 'mkopsCsvFormAut1',
		user,
		password,
		header: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
	};
})();

/** What the form page's script does: wait until the execution waits at the Form Ending, then load it. */
async function summaryPage(formWaitingUrl, timeoutMs) {
	const statusUrl = new URL(formWaitingUrl);
	statusUrl.pathname += '/n8n-execution-status';
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const status = await (await fetch(statusUrl)).text();
		if (status === 'form-waiting') return await (await fetch(formWaitingUrl)).text();
		if (status === 'success' || status === 'error')
			throw new Error(`import ended with ${status} before its summary page`);
		await sleep(100);
	}
	throw new Error(`no summary page within ${timeoutMs / 1000} s`);
}

async function runOurs(n8n, airtable, hubspot) {
	airtable.reset();
	const form = new FormData();
	form.append('field-0', new Blob([csv], { type: 'text/csv' }), 'bench.csv');
	form.append('field-1', EVENT.name);
	form.append('field-2', EVENT.date);
	form.append('field-3', EVENT.type);
	form.append('field-4', '');
	const started = Date.now();
	const res = await fetch(`${n8n.baseUrl}/form/registration-csv-import`, {
		method: 'POST',
		body: form,
		headers: { authorization: FORM_LOGIN.header },
	});
	if (res.status !== 200)
		throw new Error(`form upload answered ${res.status}: ${await res.text()}`);
	const page = await summaryPage((await res.json()).formWaitingUrl, 300000);
	const ms = Date.now() - started;
	const figure = (label) => Number(new RegExp(`${label}: (\\d+)`).exec(page)?.[1]);
	const at = airtableFigures(airtable, started);
	const [execution] = await n8n.executions('mkopsCsvRegImprt', { ignoreDataSizeLimit: true });
	const nodeTimes = Object.entries(execution?.data?.resultData?.runData ?? {})
		.map(([name, runs]) => `${name} ${runs.reduce((t, r) => t + (r.executionTime ?? 0), 0)} ms`)
		.join(', ');
	const landed = registrations(airtable, `|csv:${EVENT.name.toLowerCase()}|${EVENT.date}`);
	return {
		ms,
		at,
		landed: landed.length,
		synced: landed.filter((r) => r.fields.sync_status === 'Synced to HubSpot').length,
		allEmails: validEmails.every((e) => landed.some((r) => r.fields.email === e)),
		summary: [
			'Rows',
			'Valid',
			'Duplicate',
			'Invalid',
			'Recorded in Airtable',
			'Synced to HubSpot',
			'Failed',
		]
			.map((l) => `${l} ${figure(l)}`)
			.join(', '),
		hubspotCalls: hubspot.requests().filter((r) => r.time >= started).length,
		nodeTimes,
		hubspotTimeline: hubspot
			.requests()
			.filter((r) => r.time >= started)
			.map(
				(r) =>
					`${r.method} ${r.path.replace('/crm/v3/', '')} +${r.time - started}ms ${r.durationMs}ms`,
			),
		airtableTimeline: airtable
			.requests()
			.filter((r) => r.time >= started)
			.slice(0, 8)
			.map((r) => `${r.method} ${r.path} +${r.time - started}ms ${r.durationMs}ms ${r.status}`),
	};
}

async function runBuiltIn(n8n, airtable) {
	airtable.reset();
	const started = Date.now();
	const res = await fetch(`${n8n.baseUrl}/webhook/${BUILTIN.path}`, {
		method: 'POST',
		headers: { 'content-type': 'text/csv' },
		body: csv,
	});
	if (!res.ok) throw new Error(`built-in webhook answered ${res.status}: ${await res.text()}`);
	const deadline = Date.now() + 600000;
	let execution;
	while (Date.now() < deadline) {
		const page = await n8n.publicApi('GET', `/executions?workflowId=${BUILTIN.id}&limit=1`);
		execution = page.data[0];
		if (execution && (execution.status === 'success' || execution.status === 'error')) break;
		execution = undefined;
		await sleep(500);
	}
	if (!execution) throw new Error('built-in side did not finish within 600 s');
	const ms = Date.parse(execution.stoppedAt) - started;
	let error;
	if (execution.status !== 'success') {
		const [full] = (await n8n.executions(BUILTIN.id)).filter((e) => e.id === execution.id);
		const e = full?.data?.resultData?.error;
		error = e ? `${e.message ?? ''} ${e.description ?? ''}`.trim() : 'no error recorded';
	}
	return {
		ms,
		status: execution.status,
		error,
		at: airtableFigures(airtable, started),
		landed: registrations(airtable, `|builtin:${EVENT.name.toLowerCase()}`).length,
	};
}

const main = (async () => {
	const tmp = tempFolder(cleanups, 'mkops-bench-csv-');
	const wantBuiltIn = SIDES !== 'ours';
	const wantOurs = SIDES !== 'builtin';
	let tls;
	if (wantBuiltIn) {
		checkHostsWritable();
		tls = makeTlsFiles(join(tmp, 'tls'), [HOST]);
	}
	const airtable = await startAirtableEmulator(
		tls ? { tls: { key: tls.key, cert: tls.cert, port: 443, host: '127.0.0.1' } } : {},
	).catch((error) => {
		if (error.code === 'EACCES' || error.code === 'EADDRINUSE')
			throw new Error(
				`cannot listen on 127.0.0.1:443 (${error.code}): n8n's Airtable node only calls https://${HOST}. Run as root with the port free, or BENCH_SIDES=ours.`,
			);
		throw error;
	});
	cleanups.add('Airtable emulator', () => airtable.close());
	if (wantBuiltIn) await pointHostHere(cleanups, HOST, 'hosts line');
	const hubspot = await startHubSpotEmulator({ tokens: [HUBSPOT_TOKEN] });
	cleanups.add('HubSpot emulator', () => hubspot.close());
	const slack = await startSlackEmulator();
	cleanups.add('Slack emulator', () => slack.close());

	// One CA file for n8n: Slack's egress proxy CA and, for the built-in side, the api.airtable.com CA.
	const caFile = join(tmp, 'extra-ca.pem');
	writeFileSync(caFile, [readFileSync(slack.caFile, 'utf8'), tls ? tls.ca : ''].join('\n'));
	const n8n = await N8n.create({
		userFolder: join(tmp, 'n8n'),
		env: {
			...slack.n8nEnv(),
			NODE_EXTRA_CA_CERTS: caFile,
			// The built-in Airtable node goes straight to api.airtable.com (the hosts line), not through the proxy.
			NO_PROXY: `127.0.0.1,localhost,::1,${HOST}`,
			no_proxy: `127.0.0.1,localhost,::1,${HOST}`,
			N8N_SSRF_PROTECTION_ENABLED: 'false',
			...(process.env.BENCH_N8N_ENV ? JSON.parse(process.env.BENCH_N8N_ENV) : {}),
		},
	});
	cleanups.add('n8n', () => n8n.stop());
	installPackage(n8n.userFolder);
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	);
	n8n.importCredentials([
		...template.map((c) => {
			if (c.type === 'hubSpotBatchApi')
				return { ...c, data: { ...c.data, accessToken: HUBSPOT_TOKEN, baseUrl: hubspot.url } };
			if (c.type === 'airtableRegistryApi')
				return {
					...c,
					data: { ...c.data, accessToken: airtable.defaultToken, baseUrl: airtable.url },
				};
			if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
			if (c.type === 'httpBasicAuth' && c.id === FORM_LOGIN.id)
				return { ...c, data: { user: FORM_LOGIN.user, password: FORM_LOGIN.password } };
			return c;
		}),
		{
			id: 'mkopsBenchAtTok1',
			name: 'Airtable token (emulator)',
			type: 'airtableTokenApi',
			data: { accessToken: airtable.defaultToken },
		},
	]);
	// The shipped import leaves the base to pick: pick the emulator's default base, as a user would.
	const picked = withAirtableBase(join(ROOT, 'workflows/csv-registration-import.json'), {
		id: airtable.baseId,
		name: 'Event Registry',
	});
	n8n.importWorkflow(picked);
	rmSync(dirname(picked), { recursive: true, force: true });
	n8n.importWorkflow(join(ROOT, 'workflows/error-alerts.json'));
	n8n.publish('mkopsCsvRegImprt');
	n8n.publish('mkopsErrorAlerts');
	if (wantBuiltIn) {
		// By name: the emulator's table IDs change on every reset.
		const tableId = 'Registrations';
		const file = join(tmp, 'builtin.json');
		writeFileSync(file, JSON.stringify(builtInWorkflow(airtable.baseId, tableId)));
		n8n.importWorkflow(file);
		n8n.publish(BUILTIN.id);
	}
	await n8n.start();
	await n8n.login();

	console.log(
		`CSV import benchmark: ${ROWS} rows (900 valid, 50 duplicate, 50 invalid), Airtable emulator 5 requests/s per base × 10 records = ${CEILING} records written/s, n8n 2.40.7`,
	);
	let ours;
	let builtIn;
	if (wantOurs) {
		ours = await runOurs(n8n, airtable, hubspot);
		console.log(
			'ours      shipped csv-registration-import (Form → Extract → Dedupe & Normalize → Airtable event → HubSpot Batch → one Airtable upsert per row with its sync status)',
		);
		console.log(
			`  time:        upload → summary page ${fmt1(ours.ms / 1000)} s; ${fmt1((ROWS * 1000) / ours.ms)} CSV rows/s (${fmt1((ours.at.recordsWritten * 1000) / ours.ms)} Airtable records written/s)`,
		);
		console.log(
			`  airtable:    ${ours.at.requests} requests (${ours.at.writes} writes, ${ours.at.recordsWritten} records), max ${ours.at.maxPerSecond} in any second, ${ours.at.rateLimited} × 429; writes ${fmt1(ours.at.writeSpanMs / 1000)} s = ${fmt1((ours.at.recordsWritten * 1000) / ours.at.writeSpanMs)} records written/s`,
		);
		console.log(
			`  landed:      ${ours.landed}/900 registrations, ${ours.synced} Synced to HubSpot, every valid email present: ${ours.allEmails}; HubSpot calls ${ours.hubspotCalls}`,
		);
		console.log(`  summary:     ${ours.summary}`);
		console.log(`  node times:  ${ours.nodeTimes}`);
		if (process.env.BENCH_DEBUG)
			console.log(ours.hubspotTimeline.join('\n'), '\n', ours.airtableTimeline.join('\n'));
	}
	if (wantBuiltIn) {
		builtIn = await runBuiltIn(n8n, airtable);
		console.log(
			'built-in  Webhook → Extract From File → Code (normalize, dedupe) → Loop Over Items (5) → Airtable 2.1 › Create or Update → Wait 1 s (no HubSpot)',
		);
		if (builtIn.error) console.log(`  execution:   ${builtIn.status}: ${builtIn.error}`);
		console.log(
			`  time:        upload → done ${fmt1(builtIn.ms / 1000)} s (${builtIn.status}); ${fmt1((ROWS * 1000) / builtIn.ms)} CSV rows/s (${fmt1((builtIn.at.recordsWritten * 1000) / builtIn.ms)} Airtable records written/s)`,
		);
		console.log(
			`  airtable:    ${builtIn.at.requests} requests (${builtIn.at.writes} writes, ${builtIn.at.recordsWritten} records), max ${builtIn.at.maxPerSecond} in any second, ${builtIn.at.rateLimited} × 429`,
		);
		console.log(`  landed:      ${builtIn.landed}/900 registrations`);
	}
	if (ours && builtIn)
		console.log(
			`ratios    time built-in/ours ${(builtIn.ms / ours.ms).toFixed(1)}x | Airtable requests built-in/ours ${(builtIn.at.requests / ours.at.requests).toFixed(1)}x`,
		);
	if (ours) {
		// The ceiling is Airtable's: records written per second while the import writes, not CSV rows read.
		const recordsPerSecond = (ours.at.recordsWritten * 1000) / ours.at.writeSpanMs;
		const goals = [
			[
				`ours ≥ ${0.9 * CEILING} records written/s (90% of ${CEILING})`,
				recordsPerSecond >= 0.9 * CEILING,
				fmt1(recordsPerSecond),
			],
			['every row accounted for', ours.landed === 900 && ours.allEmails, `${ours.landed}/900`],
			['0 × 429', ours.at.rateLimited === 0, ours.at.rateLimited],
		];
		console.log(
			`goals     ${goals.map(([label, ok, value]) => `${label}: ${ok ? 'PASS' : 'FAIL'} (${value})`).join(' | ')}`,
		);
		if (goals.some(([, ok]) => !ok)) process.exitCode = 1;
	}
})();
finish(main, cleanups, 'bench:csv');
