#!/usr/bin/env node
// npm run demo: the package in real n8n 2.40.7 against the local Luma, HubSpot, Airtable and Slack emulators,
// until Ctrl-C.
//   scripts/node24.sh scripts/demo.js          start (or restart) the demo
//   scripts/node24.sh scripts/demo.js send [email] [--scheme=luma|standard|legacy]
//                                             POST one signed sample registration to the running demo
// Env: DEMO_DIR (default <repo>/.n8n-demo), DEMO_N8N_PORT (5678), DEMO_LUMA_PORT (5680), DEMO_HUBSPOT_PORT (5681),
// DEMO_AIRTABLE_PORT (5682), DEMO_WEBINARJAM_PORT (5683), DEMO_HIGHLEVEL_PORT (5684), DEMO_DATABASE (mkops_demo, on the
// local PostgreSQL at 127.0.0.1:5432 used by the seed 002 flows; they are left unconnected when it is not running).
'use strict';
const { createHash, randomBytes } = require('crypto');
const fs = require('fs');
const net = require('net');
const { join, resolve } = require('path');

const ROOT = resolve(__dirname, '..');
const DEMO_DIR = resolve(process.env.DEMO_DIR || join(ROOT, '.n8n-demo'));
const N8N_PORT = portFromEnv('DEMO_N8N_PORT', 5678);
const LUMA_PORT = portFromEnv('DEMO_LUMA_PORT', 5680);
const HUBSPOT_PORT = portFromEnv('DEMO_HUBSPOT_PORT', 5681);
const AIRTABLE_PORT = portFromEnv('DEMO_AIRTABLE_PORT', 5682);
const WEBINARJAM_PORT = portFromEnv('DEMO_WEBINARJAM_PORT', 5683);
const HIGHLEVEL_PORT = portFromEnv('DEMO_HIGHLEVEL_PORT', 5684);
const DEMO_DATABASE = process.env.DEMO_DATABASE || 'mkops_demo';
const WEBINARJAM_URL_FILE = join(DEMO_DIR, 'demo-webinarjam-url.txt');
// Seed 002: the WebinarJam sync (run at every start) and the GoHighLevel attendance checker (published).
const WJ_SYNC_ID = JSON.parse(fs.readFileSync(join(ROOT, 'workflows', 'webinarjam-supabase-sync.json'), 'utf8')).id;
const CHECKER = JSON.parse(fs.readFileSync(join(ROOT, 'workflows', 'ghl-attendance-checker.json'), 'utf8'));
const CHECKER_URL = `http://127.0.0.1:${N8N_PORT}/webhook/${CHECKER.nodes.find((n) => n.type === 'n8n-nodes-base.webhook').parameters.path}`;
const DEMO_WEBINAR = { id: 9001, schedule: 1 };
const SECRET_FILE = join(DEMO_DIR, 'demo-secret.txt');
const API_KEY_FILE = join(DEMO_DIR, 'demo-api-key.txt');
const LUMA_URL_FILE = join(DEMO_DIR, 'demo-luma-url.txt');
// Also tells `send` where to read the emulator's stored contacts.
const HUBSPOT_URL_FILE = join(DEMO_DIR, 'demo-hubspot-url.txt');
// Also tells `send` where to read the emulator's registrations.
const AIRTABLE_URL_FILE = join(DEMO_DIR, 'demo-airtable-url.txt');
// Written once the first setup (imports + publish) has finished, so a setup cut short is redone.
const SETUP_DONE_FILE = join(DEMO_DIR, 'demo-setup-done.txt');
const PACKAGE_NAME = JSON.parse(fs.readFileSync(join(ROOT, 'package.json'), 'utf8')).name;

// The workflow the demo publishes, and its trigger's path, as shipped.
const SYNC_FILE = join(ROOT, 'workflows', 'luma-registration-sync.json');
const SYNC = JSON.parse(fs.readFileSync(SYNC_FILE, 'utf8'));
const WORKFLOW_ID = SYNC.id;
const WEBHOOK_PATH = SYNC.nodes.find((n) => n.type === `${PACKAGE_NAME}.lumaTrigger`).parameters.path;
const N8N_URL = `http://127.0.0.1:${N8N_PORT}`;
const WEBHOOK_URL = `${N8N_URL}/webhook/${WEBHOOK_PATH}`;
// The run-once workflow that creates the Event Tracking contact properties the sync writes.
const SETUP_WORKFLOW_ID = JSON.parse(fs.readFileSync(join(ROOT, 'workflows', 'hubspot-setup-properties.json'), 'utf8')).id;
// Published next to the sync: its settings name it as error workflow, and n8n 2.x runs only published ones.
const ERROR_WORKFLOW_ID = JSON.parse(fs.readFileSync(join(ROOT, 'workflows', 'error-alerts.json'), 'utf8')).id;
const UPSERT_NODE = 'HubSpot: Upsert Contact';
const LIST_NODE = 'HubSpot: Add to Event List';

// Owner of the demo instance: set by the e2e harness through n8n's env-managed owner.
const DEFAULT_OWNER = { email: 'owner@example.com', password: 'E2e-Owner-Passw0rd!' };

function portFromEnv(name, fallback) {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		console.error(`${name} must be a TCP port, got '${raw}'`);
		process.exit(2);
	}
	return port;
}

const log = (line) => console.log(`[demo] ${line}`);
const readTrimmed = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '');
const writePrivate = (file, text) => fs.writeFileSync(file, `${text}\n`, { mode: 0o600 });
const shellQuote = (s) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`);

/** The sample registration both `send` and the printed curl command deliver: one fixed demo event. */
function samplePayload(email, sampleGuestRegistered) {
	const normalized = email.trim().toLowerCase();
	return sampleGuestRegistered({
		email,
		name: 'ada lovelace',
		phone: '(415) 555-2671',
		eventId: 'evt-mkopsDemo01',
		eventName: 'Marketing Ops Demo: Luma to CRM',
		startAt: '2030-03-14T17:00:00.000Z',
		// Same person, same guest ID: a resend looks like Luma re-delivering one registration.
		guestId: `gst-${createHash('sha256').update(normalized).digest('hex').slice(0, 12)}`,
		userId: `usr-${createHash('sha256').update(`u:${normalized}`).digest('hex').slice(0, 12)}`,
		registeredAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
	});
}

/** The command line that reaches this same demo (non-default env is spelled out). */
function selfCommand(args) {
	const env = [];
	if (process.env.DEMO_DIR) env.push(`DEMO_DIR=${shellQuote(DEMO_DIR)}`);
	if (process.env.DEMO_N8N_PORT) env.push(`DEMO_N8N_PORT=${N8N_PORT}`);
	return [...env, shellQuote(join(ROOT, 'scripts/node24.sh')), shellQuote(join(ROOT, 'scripts/demo.js')), ...args].join(' ');
}

function curlCommand(secretFile, body) {
	return [
		`secret=$(cat ${shellQuote(secretFile)})`,
		`body=${shellQuote(body)}`,
		't=$(date +%s)',
		`sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$secret" -hex | sed 's/^.* //')`,
		`curl -sS -w '\\nHTTP %{http_code}\\n' -X POST ${shellQuote(WEBHOOK_URL)} -H 'content-type: application/json' -H "webhook-signature: t=$t,v1=$sig" --data-binary "$body"`,
	];
}

async function assertPortFree(port, envName) {
	await new Promise((done, fail) => {
		const srv = net.createServer();
		srv.once('error', (error) =>
			fail(
				new Error(
					error.code === 'EADDRINUSE'
						? `port ${port} is in use (an earlier demo still running?). Stop it, or set ${envName} to a free port.`
						: `cannot listen on port ${port}: ${error.message}`,
				),
			),
		);
		srv.listen(port, '127.0.0.1', () => srv.close(() => done()));
	});
}

function removeDir(dir) {
	fs.rmSync(dir, { recursive: true, force: true });
}

function credentialsFromTemplate({ lumaUrl, apiKey, secret, hubspotUrl, hubspotToken, airtable, slackToken, attendance }) {
	const template = JSON.parse(fs.readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'));
	return template.map((c) => {
		if (c.type === 'lumaApi') return { ...c, data: { apiKey, webhookSecret: secret, baseUrl: lumaUrl } };
		// Tier and limit as the template ships them; the emulator enforces the same 190 per 10 s.
		if (c.type === 'hubSpotBatchApi') return { ...c, data: { ...c.data, accessToken: hubspotToken, baseUrl: hubspotUrl } };
		if (c.type === 'airtableRegistryApi')
			return { ...c, data: { ...c.data, accessToken: airtable.defaultToken, baseId: airtable.baseId, baseUrl: airtable.url } };
		// n8n's Slack node always calls https://slack.com; the Slack emulator is n8n's HTTPS proxy for it.
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slackToken } };
		if (attendance && c.type === 'webinarJamApi')
			return { ...c, data: { apiKey: attendance.webinarJam.defaultKey, product: 'webinarjam', baseUrl: attendance.webinarJam.webinarJamUrl } };
		if (attendance && c.type === 'postgres') return { ...c, data: { ...c.data, ...attendance.database, ssl: 'disable' } };
		if (attendance && c.type === 'highLevelAttendanceApi')
			return {
				...c,
				data: { ...c.data, accessToken: attendance.highLevel.defaultToken, locationId: attendance.highLevel.locationId, baseUrl: attendance.highLevel.url },
			};
		return c;
	});
}

/**
 * Seed 002's sandbox: WebinarJam and HighLevel emulators and a local PostgreSQL database for the attendance tables.
 * Returns null (and says why) when PostgreSQL is not reachable: the rest of the demo runs without it.
 */
async function startAttendanceSandbox() {
	const pg = require('pg');
	const database = { host: '127.0.0.1', port: 5432, user: process.env.PGUSER || 'postgres', password: process.env.PGPASSWORD || '' };
	const admin = new pg.Client({ ...database, database: 'postgres', connectionTimeoutMillis: 3000 });
	try {
		await admin.connect();
		const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DEMO_DATABASE]);
		if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${DEMO_DATABASE.replace(/"/g, '')}"`);
	} catch (error) {
		log(`PostgreSQL at 127.0.0.1:5432 is not usable (${error.message}): the WebinarJam and GoHighLevel flows are imported but not connected`);
		return null;
	} finally {
		await admin.end().catch(() => undefined);
	}
	const { startWebinarJamEmulator } = require('../test/emulators/webinarjam/server');
	const { startHighLevelEmulator } = require('../test/emulators/highlevel/server');
	const webinarJam = await startWebinarJamEmulator({ port: WEBINARJAM_PORT, data: null });
	webinarJam.seed({
		webinars: [
			{ webinar_id: DEMO_WEBINAR.id, name: 'Demo: Treasury Automation Live', timezone: 'America/New_York', schedules: [{ schedule: DEMO_WEBINAR.schedule, date: '2030-03-20 13:00' }] },
		],
		registrants: [
			{ webinar_id: DEMO_WEBINAR.id, email: 'ada@example.com', first_name: 'Ada', attended_live: 'Yes', entered_live: '00:01:30', time_live: '00:48:00' },
			{ webinar_id: DEMO_WEBINAR.id, email: 'nora@example.com', first_name: 'Nora', attended_live: 'No' },
		],
	});
	webinarJam.generate({ webinarId: DEMO_WEBINAR.id, count: 250 });
	const highLevel = await startHighLevelEmulator({ port: HIGHLEVEL_PORT });
	const contacts = {};
	for (const email of ['ada@example.com', 'nora@example.com', 'sam@example.com'])
		contacts[email] = highLevel.seedContact({ email, firstName: email.split('@')[0], tags: ['webinar-registered'] }).id;
	log(`WebinarJam emulator on ${webinarJam.url}: webinar ${DEMO_WEBINAR.id}, 252 registrants (ada attended, nora did not)`);
	log(`HighLevel emulator on ${highLevel.url}: location ${highLevel.locationId}, contacts ada, nora, sam`);
	log(`attendance tables: PostgreSQL 127.0.0.1:5432, database ${DEMO_DATABASE}, schema public`);
	return { webinarJam, highLevel, contacts, database: { ...database, database: DEMO_DATABASE } };
}

/** Runs the shipped WebinarJam sync once (n8n execute) and logs its summary. */
async function runWebinarJamSync(n8n, harness) {
	const output = await n8n.cliAsync(['execute', `--id=${WJ_SYNC_ID}`, '--rawOutput'], {
		N8N_RUNNERS_BROKER_PORT: String(await harness.freePort()),
	});
	const run = harness.parseCliRun(output);
	const summary = run.resultData.runData['Sync registrants']?.[0]?.data?.main?.flat()?.[0]?.json;
	if (run.resultData.error || !summary) throw new Error(`WebinarJam sync failed: ${run.resultData.error?.message ?? output.slice(-1000)}`);
	const s = summary.details ?? summary;
	log(`  WebinarJam → PostgreSQL: ${s.fetched} fetched, ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed (sync_runs ${s.sync_run_id})`);
}

/** curl lines for the attendance checker: what GoHighLevel's Webhook action posts. */
function attendanceCurl(email, contactId) {
	const body = JSON.stringify({ contact_id: contactId, email, tags: 'webinar-registered', customData: { webinar_id: String(DEMO_WEBINAR.id), schedule_id: String(DEMO_WEBINAR.schedule) } });
	return `curl -sS -w '\\nHTTP %{http_code}\\n' -X POST ${CHECKER_URL} -H 'content-type: application/json' --data-binary ${shellQuote(body)}`;
}

function importShippedWorkflows(n8n) {
	for (const file of fs.readdirSync(join(ROOT, 'workflows')).sort()) {
		if (!file.endsWith('.json') || file.startsWith('credentials') || file.includes('template')) continue;
		n8n.importWorkflow(join(ROOT, 'workflows', file));
		log(`  imported workflows/${file}`);
	}
}

/** Runs the HubSpot setup workflow through `n8n execute` and logs what it did to the portal. */
async function runHubSpotSetup(n8n, harness) {
	// Async: the emulator answers from this process. Its own broker port: the running n8n holds one already.
	const output = await n8n.cliAsync(['execute', `--id=${SETUP_WORKFLOW_ID}`, '--rawOutput'], {
		N8N_RUNNERS_BROKER_PORT: String(await harness.freePort()),
	});
	const run = harness.parseCliRun(output);
	if (run.resultData.error) throw new Error(`setup workflow failed: ${run.resultData.error.message}`);
	const [summary] = Object.values(run.resultData.runData)
		.map((runs) => runs[0]?.data?.main?.[0]?.[0]?.json)
		.filter((json) => json && json.group && Array.isArray(json.properties));
	if (!summary) throw new Error(`setup workflow produced no summary:\n${output.slice(-2000)}`);
	log(
		`  group ${summary.group.name} ("${summary.group.label}"): ${summary.group.status}; ` +
			`properties: ${summary.created} created, ${summary.existing} existing`,
	);
	for (const p of summary.properties) log(`    ${p.name} (${p.type}): ${p.status}${p.warning ? ` - ${p.warning}` : ''}`);
}

async function start() {
	require('./ts-register');
	const harness = require('../test/e2e/harness/n8n.ts');
	const { installPackage, N8n, freePort } = harness;
	const { startLumaEmulator, DEFAULT_API_KEY } = require('../test/emulators/luma/server');
	const { startHubSpotEmulator, DEFAULT_TOKEN: HUBSPOT_TOKEN } = require('../test/emulators/hubspot/server');
	const { startAirtableEmulator } = require('../test/emulators/airtable/server');
	const { startSlackEmulator } = require('../test/emulators/slack/server');
	const { sampleGuestRegistered } = require('../test/emulators/luma/webhookSender');
	const owner = harness.OWNER ?? DEFAULT_OWNER;

	let luma;
	let hubspot;
	let airtable;
	let slack;
	let attendance;
	let n8n;
	let stopping = false;
	const shutdown = async (reason, code) => {
		if (stopping) {
			log(`${reason} again: exiting now`);
			process.exit(code || 130);
		}
		stopping = true;
		log(`${reason}: stopping n8n and the emulators`);
		try {
			await n8n?.stop();
		} finally {
			await luma?.close();
			await hubspot?.close();
			await airtable?.close();
			await slack?.close();
			await attendance?.webinarJam.close();
			await attendance?.highLevel.close();
		}
		log('stopped');
		process.exit(code);
	};
	process.on('SIGINT', () => void shutdown('SIGINT', 0));
	process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

	try {
		await assertPortFree(N8N_PORT, 'DEMO_N8N_PORT');
		await assertPortFree(LUMA_PORT, 'DEMO_LUMA_PORT');
		await assertPortFree(HUBSPOT_PORT, 'DEMO_HUBSPOT_PORT');
		await assertPortFree(AIRTABLE_PORT, 'DEMO_AIRTABLE_PORT');
		await assertPortFree(WEBINARJAM_PORT, 'DEMO_WEBINARJAM_PORT');
		await assertPortFree(HIGHLEVEL_PORT, 'DEMO_HIGHLEVEL_PORT');
		fs.mkdirSync(DEMO_DIR, { recursive: true });
		const reuse = fs.existsSync(join(DEMO_DIR, '.n8n', 'database.sqlite')) && fs.existsSync(SETUP_DONE_FILE);

		luma = await startLumaEmulator({ port: LUMA_PORT });
		const seeded = luma.seed({ events: 3, guestsPerEvent: 25 });
		log(`Luma emulator on ${luma.url}: ${seeded.events.length} events × 25 guests, API key ${DEFAULT_API_KEY}`);
		// A fresh portal, in memory: no Event Tracking properties until the setup workflow has run.
		hubspot = await startHubSpotEmulator({ port: HUBSPOT_PORT, bareAccount: true });
		log(`HubSpot emulator on ${hubspot.url}: empty portal (bareAccount), token ${HUBSPOT_TOKEN}`);
		// Airtable is the source of truth the sync writes first; the emulator keeps the base in memory.
		airtable = await startAirtableEmulator({ port: AIRTABLE_PORT });
		log(`Airtable emulator on ${airtable.url}: base ${airtable.baseId} (Events, Registrations), token ${airtable.defaultToken}`);
		slack = await startSlackEmulator();
		log(`Slack emulator: HTTPS proxy ${slack.proxyUrl} for slack.com (throwaway CA ${slack.caFile})`);
		attendance = await startAttendanceSandbox();
		const credentials = (secretValue) =>
			credentialsFromTemplate({
				lumaUrl: luma.url,
				apiKey: DEFAULT_API_KEY,
				secret: secretValue,
				hubspotUrl: hubspot.url,
				hubspotToken: HUBSPOT_TOKEN,
				airtable,
				slackToken: slack.defaultToken,
				attendance,
			});

		// The task-runner broker defaults to 5679 on every n8n; a free port keeps the demo clear of other instances.
		n8n = await N8n.create({
			userFolder: DEMO_DIR,
			port: N8N_PORT,
			env: { N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...slack.n8nEnv() },
		});

		// A fresh pack each time: no stale tarball, and the installed copy is always this build.
		removeDir(join(DEMO_DIR, 'pack'));
		removeDir(join(DEMO_DIR, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME));
		log(`installing the packed ${PACKAGE_NAME} into ${join(DEMO_DIR, '.n8n', 'nodes')}`);
		installPackage(DEMO_DIR);

		let secret = readTrimmed(SECRET_FILE);
		if (!reuse) {
			secret = `whsec_${randomBytes(24).toString('base64')}`;
			writePrivate(SECRET_FILE, secret);
			log('importing the credentials template (sandbox values) and every shipped workflow');
			n8n.importCredentials(credentials(secret));
			importShippedWorkflows(n8n);
			n8n.publish(WORKFLOW_ID);
			n8n.publish(ERROR_WORKFLOW_ID);
			if (attendance) n8n.publish(CHECKER.id);
			log(`published ${WORKFLOW_ID} and ${ERROR_WORKFLOW_ID}${attendance ? ` and ${CHECKER.id}` : ''}`);
			fs.writeFileSync(SETUP_DONE_FILE, `${new Date().toISOString()}\n`);
		} else {
			log(`reusing ${DEMO_DIR} (delete it for a fresh start)`);
			const lastHubSpotUrl = readTrimmed(HUBSPOT_URL_FILE);
			// Only when the credentials can no longer match: secret file lost, or an emulator moved.
			const lastAirtableUrl = readTrimmed(AIRTABLE_URL_FILE);
			if (
				!secret ||
				readTrimmed(LUMA_URL_FILE) !== luma.url ||
				lastHubSpotUrl !== hubspot.url ||
				lastAirtableUrl !== airtable.url ||
				(attendance && readTrimmed(WEBINARJAM_URL_FILE) !== attendance.webinarJam.url)
			) {
				if (!secret) {
					secret = `whsec_${randomBytes(24).toString('base64')}`;
					writePrivate(SECRET_FILE, secret);
				}
				log('updating the credentials (new signing secret or emulator URL)');
				n8n.importCredentials(credentials(secret));
			}
			if (!lastHubSpotUrl || !lastAirtableUrl) {
				// A demo folder from before the HubSpot or Airtable steps: bring in the shipped workflows that use them.
				log('this folder predates the HubSpot/Airtable steps: re-importing the shipped workflows');
				importShippedWorkflows(n8n);
				n8n.publish(WORKFLOW_ID);
				n8n.publish(ERROR_WORKFLOW_ID);
				log(`published ${WORKFLOW_ID} and ${ERROR_WORKFLOW_ID}`);
			}
		}
		writePrivate(LUMA_URL_FILE, luma.url);
		writePrivate(HUBSPOT_URL_FILE, hubspot.url);
		writePrivate(AIRTABLE_URL_FILE, airtable.url);
		if (attendance) {
			// A folder from before the seed 002 flows, or from a run without PostgreSQL: publish the checker now.
			if (reuse && !readTrimmed(WEBINARJAM_URL_FILE)) {
				importShippedWorkflows(n8n);
				n8n.publish(CHECKER.id);
				log(`published ${CHECKER.id}`);
			}
			writePrivate(WEBINARJAM_URL_FILE, attendance.webinarJam.url);
		}

		log(`starting n8n on port ${N8N_PORT} (log: ${n8n.logFile})`);
		await n8n.start();
		// The harness keeps its child private; JS can still watch it, so a crash ends the demo visibly.
		n8n['proc']?.once('exit', (code) => {
			if (stopping) return;
			console.error(`[demo] n8n exited unexpectedly (code ${code}); last log lines:\n${n8n.log().split('\n').slice(-20).join('\n')}`);
			void shutdown('n8n exit', 1);
		});

		// Public-API key for `send` to read executions: reuse the stored one while it still works.
		n8n.apiKey = readTrimmed(API_KEY_FILE);
		await n8n.login();
		try {
			await n8n.publicApi('GET', '/workflows?limit=1');
		} catch {
			n8n.apiKey = '';
			await n8n.login();
		}
		writePrivate(API_KEY_FILE, n8n.apiKey);

		// The emulator keeps its portal in memory, so every start (first setup or reuse) begins without the
		// Event Tracking properties: run the shipped setup workflow, as a user would once per portal.
		log(
			`running "${SETUP_WORKFLOW_ID}" (n8n execute) to create the Event Tracking properties` +
				(reuse ? ' again: the HubSpot emulator started empty' : ''),
		);
		await runHubSpotSetup(n8n, harness);
		if (attendance) {
			log(`running "${WJ_SYNC_ID}" (n8n execute): WebinarJam registrants into PostgreSQL`);
			await runWebinarJamSync(n8n, harness);
		}

		const curlBody = JSON.stringify(samplePayload('curl.demo@example.com', sampleGuestRegistered));
		const lines = [
			'',
			'Marketing Ops demo is running. Ctrl-C stops n8n and the emulators.',
			`  n8n editor:     ${N8N_URL}`,
			`  owner login:    ${owner.email} / ${owner.password}`,
			`  webhook URL:    ${WEBHOOK_URL}  (workflow "${SYNC.name}", published)`,
			`  Luma emulator:  ${luma.url}  (API key ${DEFAULT_API_KEY}; state: GET ${luma.url}/__emulator/state?log=0)`,
			`  HubSpot:        ${hubspot.url}  (emulator, token ${HUBSPOT_TOKEN}; state: GET ${hubspot.url}/__emulator/state?log=0)`,
			`  Airtable:       ${airtable.url}  (emulator, base ${airtable.baseId}; state: GET ${airtable.url}/__emulator/state)`,
			`  Slack:          emulator behind n8n's HTTPS proxy ${slack.proxyUrl} (alerts from invalid or failed rows)`,
			`  signing secret: ${SECRET_FILE}`,
			`  n8n log:        ${n8n.logFile}`,
			'',
			'Send a signed sample registration (the same email twice: first Valid, recorded in Airtable and written to HubSpot, then Duplicate):',
			`  ${selfCommand(['send', 'ada@example.com'])}`,
			'',
			'Or with curl and openssl (Luma signature scheme, timestamp taken when you run it):',
			...curlCommand(SECRET_FILE, curlBody).map((l) => `  ${l}`),
			'',
			'Backfill: open "Luma backfill (guests of every calendar event)" in the editor and click Execute workflow;',
			'it reads the emulator\'s events and guests through the Luma node.',
			'',
			...(attendance
				? [
						`GoHighLevel attendance checker (seed 002): ${CHECKER_URL}  (workflow "${CHECKER.name}", published)`,
						`  WebinarJam emulator ${attendance.webinarJam.url}, HighLevel emulator ${attendance.highLevel.url} (tags: GET ${attendance.highLevel.url}/__emulator/state?log=0)`,
						'  an attendee (gets webinar-attended), a no-show (webinar-no-show), an unknown email (not_found):',
						`  ${attendanceCurl('ada@example.com', attendance.contacts['ada@example.com'])}`,
						`  ${attendanceCurl('nora@example.com', attendance.contacts['nora@example.com'])}`,
						`  ${attendanceCurl('sam@example.com', attendance.contacts['sam@example.com'])}`,
						`  The sync ran at start ("${WJ_SYNC_ID}"); run it again from the editor, or let its schedule (every 6 h) do it.`,
						'',
					]
				: ['GoHighLevel attendance checker: not connected (PostgreSQL on 127.0.0.1:5432 was not usable).', '']),
		];
		console.log(lines.join('\n'));
	} catch (error) {
		console.error(`[demo] failed: ${error && error.message ? error.message : error}`);
		await shutdown('error', 1);
	}
}

/** Latest execution of the workflow, through the public API (null when none). */
async function latestExecution(apiKey) {
	const res = await fetch(`${N8N_URL}/api/v1/executions?workflowId=${WORKFLOW_ID}&includeData=true&limit=1`, {
		headers: { 'X-N8N-API-KEY': apiKey },
	});
	if (!res.ok) throw new Error(`GET /api/v1/executions answered ${res.status}`);
	const page = await res.json();
	return page.data[0] ?? null;
}

/** What the two HubSpot nodes did in this execution: per-row results, the error output, or the node's error. */
function printHubSpotRuns(runData) {
	const outputs = (name) => {
		const run = runData[name]?.[0];
		if (!run) return null;
		const [ok = [], failed = []] = (run.data?.main ?? []).map((items) => (items ?? []).map((i) => i.json));
		return { ok, failed, error: run.error };
	};
	const upsert = outputs(UPSERT_NODE);
	if (!upsert) {
		console.log(`${UPSERT_NODE}: not run (no Valid contact), nothing written to HubSpot`);
		return;
	}
	console.log(`${UPSERT_NODE}: ${upsert.ok.length} ok, ${upsert.failed.length} error`);
	for (const r of upsert.ok) console.log(`  ${r.email}: ${r.status}, hubspot_id ${r.hubspot_id}`);
	for (const r of upsert.failed) console.log(`  ${r.email}: ${r.status ?? 'error'}: ${r.error}`);
	if (upsert.error) console.log(`  node error: ${upsert.error.message}`);

	const list = outputs(LIST_NODE);
	if (!list) {
		console.log(`${LIST_NODE}: not run`);
		return;
	}
	console.log(`${LIST_NODE}: ${list.ok.length} ok, ${list.failed.length} error`);
	for (const r of list.ok) {
		console.log(`  hubspot_id ${r.hubspot_id} -> list "${r.list_name ?? ''}" (id ${r.list_id}): ${r.list_status}`);
	}
	for (const r of list.failed) console.log(`  hubspot_id ${r.hubspot_id ?? '?'}: ${r.status ?? 'error'}: ${r.error}`);
	if (list.error) console.log(`  node error: ${list.error.message}`);

	for (const name of ['Airtable: Mark Synced', 'Airtable: Mark Sync Error']) {
		const marked = outputs(name);
		if (!marked) continue;
		for (const r of marked.ok) console.log(`${name}: registration ${r.airtable_id} -> sync_status "${r.sync_status}"`);
		for (const r of marked.failed) console.log(`${name}: ${r.error}`);
	}
}

/** The contact as the HubSpot emulator stores it, and its list memberships, via the control endpoint. */
async function printStoredContact(email) {
	const hubspotUrl = readTrimmed(HUBSPOT_URL_FILE);
	if (!hubspotUrl) {
		console.log(`(no HubSpot emulator URL in ${HUBSPOT_URL_FILE}; restart the demo to read stored contacts)`);
		return;
	}
	let state;
	try {
		const res = await fetch(`${hubspotUrl}/__emulator/state?log=0`);
		if (!res.ok) throw new Error(`HTTP ${res.status}`);
		state = await res.json();
	} catch (error) {
		console.log(`(could not read ${hubspotUrl}/__emulator/state: ${error.cause?.code ?? error.message})`);
		return;
	}
	const wanted = email.trim().toLowerCase();
	const contact = (state.objects?.contacts ?? []).find((c) => String(c.properties?.email ?? '').toLowerCase() === wanted);
	if (!contact) {
		console.log(`HubSpot emulator (GET ${hubspotUrl}/__emulator/state): no contact with email ${wanted} (it starts empty on each demo start)`);
		return;
	}
	const props = Object.fromEntries(Object.entries(contact.properties).filter(([, v]) => v !== null && v !== ''));
	console.log(`HubSpot emulator (GET ${hubspotUrl}/__emulator/state): contact ${contact.id} stored properties:`);
	console.log(`  ${JSON.stringify(props)}`);
	const lists = (state.lists ?? []).filter((l) => (state.memberships?.[l.listId] ?? []).includes(contact.id));
	for (const l of lists) {
		console.log(`  member of list "${l.name}" (id ${l.listId}, ${l.processingType}, ${state.memberships[l.listId].length} member(s))`);
	}
	if (lists.length === 0) console.log('  on no list');

	const airtableUrl = readTrimmed(AIRTABLE_URL_FILE);
	if (!airtableUrl) return;
	try {
		const res = await fetch(`${airtableUrl}/__emulator/state`);
		if (!res.ok) throw new Error(`HTTP ${res.status}`);
		const registrations = JSON.stringify(await res.json());
		const hit = registrations.includes(`"dedupe_key":"${wanted}|`);
		console.log(`Airtable emulator (GET ${airtableUrl}/__emulator/state): registration for ${wanted} ${hit ? 'stored' : 'not found'}`);
	} catch (error) {
		console.log(`(could not read ${airtableUrl}/__emulator/state: ${error.cause?.code ?? error.message})`);
	}
}

async function send(args) {
	const { sampleGuestRegistered, sendLumaWebhook, SIGNATURE_SCHEMES } = require('../test/emulators/luma/webhookSender');
	const schemeArg = args.find((a) => a.startsWith('--scheme='));
	const scheme = schemeArg ? schemeArg.slice('--scheme='.length) : 'luma';
	if (!SIGNATURE_SCHEMES.includes(scheme)) throw new Error(`--scheme must be one of ${SIGNATURE_SCHEMES.join(', ')}`);
	const email = args.find((a) => !a.startsWith('--')) ?? 'ada@example.com';

	const secret = readTrimmed(SECRET_FILE);
	if (!secret) throw new Error(`no signing secret in ${SECRET_FILE}: start the demo first (npm run demo)`);
	const apiKey = readTrimmed(API_KEY_FILE);
	let before;
	let noExecutions = apiKey ? '' : `no public-API key in ${API_KEY_FILE}`;
	if (apiKey) {
		before = await latestExecution(apiKey).catch((error) => {
			noExecutions = `could not read executions: ${error.message}`;
			return undefined;
		});
	}

	let res;
	try {
		res = await sendLumaWebhook(WEBHOOK_URL, { scheme, secret, payload: samplePayload(email, sampleGuestRegistered) });
	} catch (error) {
		throw new Error(`could not reach ${WEBHOOK_URL} (${error.cause?.code ?? error.message}): is \`npm run demo\` running?`);
	}
	console.log(`POST ${WEBHOOK_URL} (${scheme} signature, guest.registered, ${email}) -> HTTP ${res.status} ${JSON.stringify(res.body)}`);
	if (res.status !== 200) process.exit(1);
	if (before === undefined) {
		console.log(`(${noExecutions}; the execution is in the editor's Executions list)`);
		return;
	}

	const deadline = Date.now() + 30000;
	while (Date.now() < deadline) {
		const latest = await latestExecution(apiKey);
		if (latest && latest.id !== before?.id && latest.status !== 'running' && latest.status !== 'new') {
			const run = latest.data?.resultData?.runData?.['Dedupe & Normalize']?.[0];
			const [valid = [], duplicate = [], invalid = []] = (run?.data?.main ?? []).map((items) => (items ?? []).map((i) => i.json));
			console.log(
				`execution ${latest.id} (${latest.status}): Dedupe & Normalize -> Valid ${valid.length}, Duplicate ${duplicate.length}, Invalid ${invalid.length}`,
			);
			for (const c of valid) console.log(`  Valid:     ${JSON.stringify(c)}`);
			for (const c of duplicate) console.log(`  Duplicate: ${c.email} ${c.event_id} (${c.duplicate?.reason})`);
			for (const c of invalid) console.log(`  Invalid:   ${JSON.stringify(c.errors)}`);
			printHubSpotRuns(latest.data?.resultData?.runData ?? {});
			await printStoredContact(email);
			return;
		}
		await new Promise((r) => setTimeout(r, 300));
	}
	console.log('no new execution within 30 s; see the Executions list in the editor');
	process.exit(1);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'send') {
	send(rest).catch((error) => {
		console.error(error.message);
		process.exit(1);
	});
} else if (command === undefined || command === 'start') {
	void start();
} else {
	console.error('usage: demo.js [start] | demo.js send [email] [--scheme=luma|standard|legacy]');
	process.exit(2);
}
