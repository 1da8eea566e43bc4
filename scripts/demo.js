#!/usr/bin/env node
// npm run demo: the package in real n8n 2.40.7 against the local Luma, HubSpot, Airtable, WebinarJam, HighLevel,
// enrichment API, email verifier and Slack emulators, with the local PostgreSQL and Redis, until Ctrl-C.
//   scripts/node24.sh scripts/demo.js          start (or restart) the demo
//   scripts/node24.sh scripts/demo.js send [email] [--scheme=luma|standard|legacy]
//                                             POST one signed sample registration to the running demo
// Env: DEMO_DIR (default <repo>/.n8n-demo), DEMO_N8N_PORT (5678), DEMO_LUMA_PORT (5680), DEMO_HUBSPOT_PORT (5681),
// DEMO_AIRTABLE_PORT (5682), DEMO_WEBINARJAM_PORT (5683), DEMO_HIGHLEVEL_PORT (5684), DEMO_ENRICHMENT_PORT (5685, the
// enrichment API the pipeline's stage 4 calls), DEMO_VERIFIER_PORT (5686, the email verifier of stage 5), DEMO_DATABASE
// (mkops_demo, on the local PostgreSQL at 127.0.0.1:5432 used by the attendance flows, the enrichment pipeline in schema
// marketing and the GDPR request; they are left unconnected when it is not running), DEMO_REDIS_DB (1: the Redis
// database at 127.0.0.1:6379 holding the booking queue; without Redis the booking flows stay unpublished).
'use strict';
const { createHash, randomBytes } = require('crypto');
const fs = require('fs');
const net = require('net');
const { dirname, join, resolve } = require('path');
const { RECOMMENDED_N8N_ENV } = require('./n8n-settings');

const ROOT = resolve(__dirname, '..');
const DEMO_DIR = resolve(process.env.DEMO_DIR || join(ROOT, '.n8n-demo'));
const N8N_PORT = portFromEnv('DEMO_N8N_PORT', 5678);
const LUMA_PORT = portFromEnv('DEMO_LUMA_PORT', 5680);
const HUBSPOT_PORT = portFromEnv('DEMO_HUBSPOT_PORT', 5681);
const AIRTABLE_PORT = portFromEnv('DEMO_AIRTABLE_PORT', 5682);
const WEBINARJAM_PORT = portFromEnv('DEMO_WEBINARJAM_PORT', 5683);
const HIGHLEVEL_PORT = portFromEnv('DEMO_HIGHLEVEL_PORT', 5684);
const ENRICHMENT_PORT = portFromEnv('DEMO_ENRICHMENT_PORT', 5685);
const VERIFIER_PORT = portFromEnv('DEMO_VERIFIER_PORT', 5686);
const DEMO_DATABASE = process.env.DEMO_DATABASE || 'mkops_demo';
const REDIS = { host: '127.0.0.1', port: 6379, database: redisDbFromEnv() };
const N8N_URL = `http://127.0.0.1:${N8N_PORT}`;
const PACKAGE_NAME = JSON.parse(fs.readFileSync(join(ROOT, 'package.json'), 'utf8')).name;
const AIRTABLE_NODE = `${PACKAGE_NAME}.airtableRegistry`;
const shipped = (file) => JSON.parse(fs.readFileSync(join(ROOT, 'workflows', file), 'utf8'));
const webhookPath = (wf) =>
	wf.nodes.find((n) => n.type === 'n8n-nodes-base.webhook').parameters.path;

// The workflow `send` posts to. Luma Trigger v2 serves /webhook/<the node's webhook ID>/luma.
const SYNC = shipped('luma-registration-sync.json');
const WORKFLOW_ID = SYNC.id;
const WEBHOOK_URL = `${N8N_URL}/webhook/${SYNC.nodes.find((n) => n.type === `${PACKAGE_NAME}.lumaTrigger`).webhookId}/luma`;
// Published next to the sync: every shipped workflow names it as error workflow, and n8n 2.x runs only published ones.
const ERROR_WORKFLOW_ID = shipped('error-alerts.json').id;
// The run-once workflow that creates the Event Tracking contact properties the sync writes.
const SETUP_WORKFLOW_ID = shipped('hubspot-setup-properties.json').id;
// The CSV import form, behind the "CSV import form login" (Basic Auth).
const CSV_IMPORT = shipped('csv-registration-import.json');
const CSV_FORM_URL = `${N8N_URL}/form/${CSV_IMPORT.nodes.find((n) => n.type === 'n8n-nodes-base.formTrigger').parameters.options.path}`;
// Booking create (Header Auth) queues its follow-ups in Redis; the queue flush sends them.
const BOOKING = shipped('hubspot-booking-create.json');
const BOOKING_URL = `${N8N_URL}/webhook/${webhookPath(BOOKING)}`;
const FLUSH_ID = shipped('hubspot-queue-flush.json').id;
// The WebinarJam sync (run at every start) and the GoHighLevel attendance checker (published).
const WJ_SYNC_ID = shipped('webinarjam-supabase-sync.json').id;
const CHECKER = shipped('ghl-attendance-checker.json');
const CHECKER_URL = `${N8N_URL}/webhook/${webhookPath(CHECKER)}`;
const DEMO_WEBINAR = { id: 9001, schedule: 1 };
// The enrichment pipeline: five stage workflows, each woken by its event type in marketing.pipeline_events; the
// monitor, whose "Set up (run once)" row creates the tables; and the GDPR request webhook (Privacy node).
const STAGE_FILES = [
	'pipeline-1-validate.json',
	'pipeline-2-promote.json',
	'pipeline-3-slots.json',
	'pipeline-4-enrich.json',
	'pipeline-5-verify.json',
];
const STAGE_IDS = STAGE_FILES.map((file) => shipped(file).id);
const EVENT_TYPES = [
	'company_created',
	'company_validated',
	'company_promoted',
	'slots_created',
	'contact_enriched',
];
const MONITOR = shipped('pipeline-monitor.json');
const SETUP_ROW = 'Set up (run once)';
// That row alone, as a workflow of its own: `n8n execute` starts a workflow at its first trigger, which in the
// monitor is the schedule.
const PIPELINE_SETUP_ID = 'mkopsDemoPipeSetup';
const ENRICH_FILE = 'pipeline-4-enrich.json';
const VERIFY_FILE = 'pipeline-5-verify.json';
const ENRICH_NODE = 'Enrich contact';
const VERIFY_NODE = 'Verify email';
const GDPR_FILE = 'gdpr-request.json';
const GDPR = shipped(GDPR_FILE);
const GDPR_URL = `${N8N_URL}/webhook/${webhookPath(GDPR)}`;
const PRIVACY_NODE = `${PACKAGE_NAME}.privacy`;
// The credentials the demo fills for them, as the workflows name them.
const nodeCredential = (file, nodeName, type) =>
	shipped(file).nodes.find((n) => n.name === nodeName)?.credentials?.[type]?.id;
const ENRICH_CREDENTIAL_ID = nodeCredential(ENRICH_FILE, ENRICH_NODE, 'httpHeaderAuth');
const VERIFIER_CREDENTIAL_ID = nodeCredential(VERIFY_FILE, VERIFY_NODE, 'httpQueryAuth');
const PRIVACY_CREDENTIAL_ID = GDPR.nodes.find((n) => n.type === 'n8n-nodes-base.webhook')
	?.credentials?.httpHeaderAuth?.id;
// The workflows whose imported copy the demo edits with values of this start (emulator URLs, Redis up or not).
const EDITED_FILES = [ENRICH_FILE, VERIFY_FILE, GDPR_FILE];
// Sample companies for the pipeline, inserted at every start with a new batch number in their domains (<slug>-b<n>), so
// each batch runs all five stages. Four are invalid (stage 1 stops them), one repeats a domain (stage 2 promotes it once).
const SAMPLE_COMPANIES = [
	['Northwind Traders', 'https://www.northwind-b#.example.com/about'],
	['Contoso Pharmaceuticals', 'https://contoso-b#.example.com'],
	['Fabrikam Industries', 'fabrikam-b#.example.com'],
	['Globex Corporation', 'https://www.globex-b#.example.com'],
	['Initrode Systems', 'https://initrode-b#.example.com/contact'],
	['Umbrella Logistics', 'http://umbrella-b#.example.com'],
	['Stark Fabrication', 'https://stark-b#.example.com'],
	['Wayne Freight', 'https://www.wayne-freight-b#.example.com'],
	['Tyrell Analytics', 'https://tyrell-b#.example.com/team'],
	['Cyberdyne Robotics', 'https://cyberdyne-b#.example.com'],
	['Soylent Foods', 'https://www.soylent-b#.example.com'],
	['Hooli Cloud', 'https://hooli-b#.example.com'],
	['Vandelay Imports', 'vandelay-b#.example.com/about-us'],
	['Pied Piper Compression', 'https://piedpiper-b#.example.com'],
	['Massive Dynamic', 'https://massive-dynamic-b#.example.com'],
	['Northwind Traders (EMEA)', 'http://NORTHWIND-b#.example.com/emea'],
	['X', 'https://x-b#.example.com'],
	['Nowhere Labs', null],
	['Broken Link Ltd', 'ftp://files.broken-link-b#.example.com'],
	['Localhost Software', 'http://localhost:3000'],
];

// The demo folder's secrets: made once, reused on every later start (and by `send`).
const SECRET_FILE = join(DEMO_DIR, 'demo-secret.txt');
const CHECKER_SECRET_FILE = join(DEMO_DIR, 'demo-checker-secret.txt');
const FORM_LOGIN_FILE = join(DEMO_DIR, 'demo-form-login.txt');
const BOOKING_SECRET_FILE = join(DEMO_DIR, 'demo-booking-secret.txt');
const API_KEY_FILE = join(DEMO_DIR, 'demo-api-key.txt');
const PRIVACY_SECRET_FILE = join(DEMO_DIR, 'demo-privacy-secret.txt');
// Also tells `send` where to read the emulator's stored contacts.
const HUBSPOT_URL_FILE = join(DEMO_DIR, 'demo-hubspot-url.txt');
// Also tells `send` where to read the emulator's registrations.
const AIRTABLE_URL_FILE = join(DEMO_DIR, 'demo-airtable-url.txt');
// Hash of the credentials last imported: they are imported again only when a value (URL, secret) changed.
const CREDENTIALS_HASH_FILE = join(DEMO_DIR, 'demo-credentials.sha256');
// Hash of the edited workflows last imported (EDITED_FILES): imported again when they changed (a port, Redis, the file).
const WORKFLOW_EDITS_HASH_FILE = join(DEMO_DIR, 'demo-workflow-edits.sha256');
// Workflows published so far, one ID a line: each start publishes only the ones missing.
const PUBLISHED_FILE = join(DEMO_DIR, 'demo-published.txt');
// Written once the workflows are imported; a folder set up by an earlier demo (other mark) gets them again.
const SETUP_DONE_FILE = join(DEMO_DIR, 'demo-setup-done.txt');
const SETUP_MARK =
	'workflows imported: Luma Trigger v2, Airtable base picked in the nodes, secrets on every webhook and form, pipeline and GDPR request';
const SAMPLE_CSV_FILE = join(DEMO_DIR, 'demo-registrations.csv');

const UPSERT_NODE = 'HubSpot: Upsert Contact';
const LIST_NODE = 'HubSpot: Add to Event List';

// Owner of the demo instance: set by the e2e harness through n8n's env-managed owner.
const DEFAULT_OWNER = { email: 'owner@example.com', password: 'E2e-Owner-Passw0rd!' };

function redisDbFromEnv() {
	const raw = process.env.DEMO_REDIS_DB;
	const db = raw === undefined || raw === '' ? 1 : Number(raw);
	if (!Number.isInteger(db) || db < 0 || db > 15) {
		console.error(`DEMO_REDIS_DB must be a Redis database number (0-15), got '${raw}'`);
		process.exit(2);
	}
	return db;
}

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
const shellQuote = (s) =>
	/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;

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
	return [
		...env,
		shellQuote(join(ROOT, 'scripts/node24.sh')),
		shellQuote(join(ROOT, 'scripts/demo.js')),
		...args,
	].join(' ');
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

/** A random secret kept in the demo folder: made on the first start, reused on every later one. */
function folderSecret(file, make) {
	let value = readTrimmed(file);
	if (!value) {
		value = make();
		writePrivate(file, value);
	}
	return value;
}

/** Every secret the demo's credentials hold, one set per demo folder. */
function demoSecrets() {
	const random = () => randomBytes(24).toString('base64url');
	const [formUser, formPassword] = folderSecret(
		FORM_LOGIN_FILE,
		() => `demo-uploader:${random()}`,
	).split(/:(.*)/s);
	return {
		// The Luma credential's signing secret, in Luma's whsec_<base64> form.
		luma: folderSecret(SECRET_FILE, () => `whsec_${randomBytes(24).toString('base64')}`),
		// HighLevel credential's Webhook Secret: what GoHighLevel sends to the attendance checker.
		checker: folderSecret(CHECKER_SECRET_FILE, random),
		formUser,
		formPassword,
		booking: folderSecret(BOOKING_SECRET_FILE, random),
		// The GDPR request webhook's X-Webhook-Secret (Header Auth), shipped empty.
		privacy: folderSecret(PRIVACY_SECRET_FILE, random),
	};
}

/** The booking webhook's Header Auth credential as the template ships it (header name), if the template has one. */
function bookingHeaderCredential() {
	const template = JSON.parse(
		fs.readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	);
	const ids = BOOKING.nodes.map((n) => n.credentials?.httpHeaderAuth?.id).filter(Boolean);
	return template.find((c) => c.type === 'httpHeaderAuth' && ids.includes(c.id));
}

/** The credentials template with sandbox values: the emulators' URLs and tokens, the folder's secrets. */
function credentialsFromTemplate({
	luma,
	hubspot,
	airtable,
	slack,
	attendance,
	pipeline,
	secrets,
}) {
	const template = JSON.parse(
		fs.readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	);
	const booking = bookingHeaderCredential();
	return template.map((c) => {
		if (c.type === 'lumaApi')
			return {
				...c,
				data: { apiKey: luma.apiKey, webhookSecret: secrets.luma, baseUrl: luma.url },
			};
		// Tier and limit as the template ships them.
		if (c.type === 'hubSpotBatchApi')
			return { ...c, data: { ...c.data, accessToken: hubspot.token, baseUrl: hubspot.url } };
		// The token only: each Airtable node picks its base.
		if (c.type === 'airtableRegistryApi')
			return {
				...c,
				data: { ...c.data, accessToken: airtable.defaultToken, baseUrl: airtable.url },
			};
		// n8n's Slack node always calls https://slack.com; the Slack emulator is n8n's HTTPS proxy for it.
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		if (c.type === 'httpBasicAuth')
			return { ...c, data: { user: secrets.formUser, password: secrets.formPassword } };
		if (booking && c.id === booking.id)
			return { ...c, data: { ...c.data, value: secrets.booking } };
		// The checker's Webhook node checks the same secret as its X-Webhook-Secret header (Header Auth).
		if (c.id === 'mkopsCheckerHook') return { ...c, data: { ...c.data, value: secrets.checker } };
		if (c.id === PRIVACY_CREDENTIAL_ID)
			return { ...c, data: { ...c.data, value: secrets.privacy } };
		// Header `Authorization: Bearer <key>` for the enrichment API, query parameter `api` for the verifier.
		if (pipeline && c.id === ENRICH_CREDENTIAL_ID)
			return { ...c, data: { ...c.data, value: `Bearer ${pipeline.enrichment.apiKey}` } };
		if (pipeline && c.id === VERIFIER_CREDENTIAL_ID)
			return { ...c, data: { ...c.data, value: pipeline.verifier.apiKey } };
		if (c.type === 'redis') return { ...c, data: { ...c.data, ...REDIS, password: '' } };
		if (attendance && c.type === 'webinarJamApi')
			return {
				...c,
				data: {
					apiKey: attendance.webinarJam.defaultKey,
					product: 'webinarjam',
					baseUrl: attendance.webinarJam.webinarJamUrl,
				},
			};
		if (attendance && c.type === 'postgres')
			return { ...c, data: { ...c.data, ...attendance.database, ssl: 'disable' } };
		if (attendance && c.type === 'highLevelAttendanceApi')
			return {
				...c,
				data: {
					...c.data,
					accessToken: attendance.highLevel.defaultToken,
					locationId: attendance.highLevel.locationId,
					webhookSecret: secrets.checker,
					baseUrl: attendance.highLevel.url,
				},
			};
		return c;
	});
}

/**
 * The attendance flows' sandbox: WebinarJam and HighLevel emulators and a local PostgreSQL database for the attendance tables.
 * Returns null (and says why) when PostgreSQL is not reachable: the rest of the demo runs without it.
 */
async function startAttendanceSandbox() {
	const pg = require('pg');
	const database = {
		host: '127.0.0.1',
		port: 5432,
		user: process.env.PGUSER || 'postgres',
		password: process.env.PGPASSWORD || '',
	};
	const admin = new pg.Client({ ...database, database: 'postgres', connectionTimeoutMillis: 3000 });
	try {
		await admin.connect();
		const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
			DEMO_DATABASE,
		]);
		if (exists.rowCount === 0)
			await admin.query(`CREATE DATABASE "${DEMO_DATABASE.replace(/"/g, '')}"`);
	} catch (error) {
		log(
			`PostgreSQL at 127.0.0.1:5432 is not usable (${error.message}): the WebinarJam and GoHighLevel flows are imported but not connected`,
		);
		return null;
	} finally {
		await admin.end().catch(() => undefined);
	}
	const { startWebinarJamEmulator } = require('../test/emulators/webinarjam/server');
	const { startHighLevelEmulator } = require('../test/emulators/highlevel/server');
	const webinarJam = await startWebinarJamEmulator({ port: WEBINARJAM_PORT, data: null });
	webinarJam.seed({
		webinars: [
			{
				webinar_id: DEMO_WEBINAR.id,
				name: 'Demo: Treasury Automation Live',
				timezone: 'America/New_York',
				schedules: [{ schedule: DEMO_WEBINAR.schedule, date: '2030-03-20 13:00' }],
			},
		],
		registrants: [
			{
				webinar_id: DEMO_WEBINAR.id,
				email: 'ada@example.com',
				first_name: 'Ada',
				attended_live: 'Yes',
				entered_live: '00:01:30',
				time_live: '00:48:00',
			},
			{
				webinar_id: DEMO_WEBINAR.id,
				email: 'nora@example.com',
				first_name: 'Nora',
				attended_live: 'No',
			},
		],
	});
	webinarJam.generate({ webinarId: DEMO_WEBINAR.id, count: 250 });
	const highLevel = await startHighLevelEmulator({ port: HIGHLEVEL_PORT });
	const contacts = {};
	for (const email of ['ada@example.com', 'nora@example.com', 'sam@example.com'])
		contacts[email] = highLevel.seedContact({
			email,
			firstName: email.split('@')[0],
			tags: ['webinar-registered'],
		}).id;
	log(
		`WebinarJam emulator on ${webinarJam.url}: webinar ${DEMO_WEBINAR.id}, 252 registrants (ada attended, nora did not)`,
	);
	log(
		`HighLevel emulator on ${highLevel.url}: location ${highLevel.locationId}, contacts ada, nora, sam`,
	);
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
	if (run.resultData.error || !summary)
		throw new Error(
			`WebinarJam sync failed: ${run.resultData.error?.message ?? output.slice(-1000)}`,
		);
	const s = summary.details ?? summary;
	log(
		`  WebinarJam → PostgreSQL: ${s.fetched} fetched, ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed (sync_runs ${s.sync_run_id})`,
	);
}

/**
 * The enrichment pipeline's sandbox, on the attendance flows' database (schema marketing): the enrichment API and email
 * verifier emulators. Only when PostgreSQL is usable (`attendance` set).
 */
async function startPipelineSandbox(attendance) {
	const { startEnrichmentEmulator } = require('../test/emulators/enrichment/server');
	const { startVerifierEmulator } = require('../test/emulators/verifier/server');
	const enrichment = await startEnrichmentEmulator({ port: ENRICHMENT_PORT });
	const verifier = await startVerifierEmulator({ port: VERIFIER_PORT });
	log(
		`enrichment API emulator on ${enrichment.url}: POST /v1/people/enrich, key ${enrichment.apiKey}, about 1 lookup in 10 finds nobody`,
	);
	log(
		`email verifier emulator on ${verifier.endpoint} (MillionVerifier's API), key ${verifier.apiKey}`,
	);
	log(`pipeline tables: PostgreSQL 127.0.0.1:5432, database ${DEMO_DATABASE}, schema marketing`);
	return { enrichment, verifier, database: attendance.database };
}

/**
 * What the demo edits in the imported copy of a pipeline or GDPR workflow, as a user does after importing: the
 * emulators' URLs in *Enrich contact* and *Verify email* (when they run), and on the GDPR request's Privacy nodes the
 * demo's Airtable base, without the Redis credential when Redis does not answer (that store is then reported skipped).
 * Returns the workflow and what was edited, or null for a file imported as shipped.
 */
function editedWorkflow(file, { base, pipeline, redis }) {
	const wf = shipped(file);
	const edits = [];
	for (const node of wf.nodes) {
		if (pipeline && file === ENRICH_FILE && node.name === ENRICH_NODE) {
			node.parameters.url = `${pipeline.enrichment.url}/v1/people/enrich`;
			edits.push(`"${node.name}" → ${node.parameters.url}`);
		}
		if (pipeline && file === VERIFY_FILE && node.name === VERIFY_NODE) {
			node.parameters.url = pipeline.verifier.endpoint;
			edits.push(`"${node.name}" → ${node.parameters.url}`);
		}
		if (file === GDPR_FILE && node.type === PRIVACY_NODE) {
			node.parameters.airtableBase = base.id;
			if (!redis) delete node.credentials.redis;
			edits.push(`"${node.name}": base ${base.id}${redis ? '' : ', no Redis credential'}`);
		}
	}
	// A shipped workflow renamed these nodes: better stop than call enrichment.example.com.
	const expected = {
		[ENRICH_FILE]: `node "${ENRICH_NODE}"`,
		[VERIFY_FILE]: `node "${VERIFY_NODE}"`,
		[GDPR_FILE]: 'Privacy node',
	}[file];
	if (pipeline && expected && edits.length === 0)
		throw new Error(`workflows/${file} has no ${expected} for the demo to edit`);
	return edits.length > 0 ? { wf, edits } : null;
}

/** Imports a workflow object through a file in a temporary folder. */
function importWorkflowObject(n8n, wf, file) {
	const dir = fs.mkdtempSync(join(DEMO_DIR, 'import-'));
	try {
		fs.writeFileSync(join(dir, file), JSON.stringify(wf));
		n8n.importWorkflow(join(dir, file));
	} finally {
		removeDir(dir);
	}
}

/** Hash of EDITED_FILES as this start imports them: a change (an emulator port, Redis) means importing them again. */
function workflowEditsHash(context) {
	const copies = EDITED_FILES.map((file) => editedWorkflow(file, context)?.wf ?? shipped(file));
	return createHash('sha256').update(JSON.stringify(copies)).digest('hex');
}

/**
 * The monitor's "Set up (run once)" row as a workflow of its own, the nodes as shipped: what the user runs by hand
 * from that trigger, and what `n8n execute` can run (it would start the monitor itself at its schedule).
 */
function pipelineSetupWorkflow() {
	const wf = shipped('pipeline-monitor.json');
	const keep = new Set([SETUP_ROW]);
	for (let name = SETUP_ROW; wf.connections[name]; name = wf.connections[name].main[0][0].node)
		keep.add(wf.connections[name].main[0][0].node);
	return {
		...wf,
		id: PIPELINE_SETUP_ID,
		name: `${MONITOR.name}: ${SETUP_ROW} (demo)`,
		nodes: wf.nodes.filter((n) => keep.has(n.name)),
		connections: Object.fromEntries(
			Object.entries(wf.connections).filter(([name]) => keep.has(name)),
		),
	};
}

/**
 * Runs the pipeline monitor's "Set up (run once)" row (n8n execute): Pipeline Event › Apply Schema with the enrichment
 * tables. Before the stages are published: a Pipeline Trigger refuses to activate without pipeline_events. Idempotent,
 * so every start runs it.
 */
async function runPipelineSetup(n8n, harness) {
	let output;
	try {
		output = await n8n.cliAsync(['execute', `--id=${PIPELINE_SETUP_ID}`, '--rawOutput'], {
			N8N_RUNNERS_BROKER_PORT: String(await harness.freePort()),
		});
	} catch (error) {
		// The CLI's output is long (the whole failed run): keep it in a file, show the node's message.
		const logFile = join(DEMO_DIR, 'pipeline-setup.log');
		fs.writeFileSync(logFile, error.message);
		const message = /"message": ("(?:[^"\\]|\\.)*")/.exec(error.message)?.[1];
		throw new Error(
			`"${SETUP_ROW}" failed: ${message ? JSON.parse(message) : error.message.split('\n')[0]} (n8n's output: ${logFile})`,
		);
	}
	const run = harness.parseCliRun(output);
	const summary = run.resultData.runData['Apply Schema']?.[0]?.data?.main?.[0]?.[0]?.json;
	if (run.resultData.error || !summary)
		throw new Error(
			`pipeline set-up failed: ${run.resultData.error?.message ?? output.slice(-1000)}`,
		);
	log(
		`  schema ${summary.schema}: tables ${summary.tables.join(', ')}; views ${summary.views.join(', ')} (what exists is kept)`,
	);
}

/** One query on the demo database, on a connection of its own. */
async function demoQuery(database, sql, params = []) {
	const pg = require('pg');
	const client = new pg.Client({ ...database, connectionTimeoutMillis: 5000 });
	await client.connect();
	try {
		return (await client.query(sql, params)).rows;
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** The events of these intake rows' cascade: their company_created events and every event that followed from them. */
const CASCADE_SQL = `WITH RECURSIVE chain AS (
	SELECT e.id, e.parent_id, e.event_type, e.status FROM marketing.pipeline_events e
	WHERE e.event_type = 'company_created' AND e.record_id = ANY($1::text[])
	UNION ALL
	SELECT e.id, e.parent_id, e.event_type, e.status FROM marketing.pipeline_events e JOIN chain c ON e.parent_id = c.id
)
SELECT id::text, event_type, status FROM chain`;

const countBy = (rows, key) =>
	rows.reduce((acc, r) => ((acc[key(r)] = (acc[key(r)] ?? 0) + 1), acc), {});
const countsText = (counts) =>
	Object.entries(counts)
		.sort(([, a], [, b]) => b - a)
		.map(([k, n]) => `${n} ${k}`)
		.join(', ');

/**
 * Inserts the sample companies (one INSERT, one transaction) with this start's batch number, waits until their
 * cascade settles (every event done or dead) and logs what the five stages made of them. Returns the batch and a
 * contact found for the GDPR curl lines (null when none was).
 */
async function runPipelineSample(pipeline, timeoutMs = 180000) {
	const { database } = pipeline;
	const [{ batch }] = await demoQuery(
		database,
		`SELECT COALESCE(max(substring(source FROM '^npm run demo, batch ([0-9]+)$')::int), 0) + 1 AS batch FROM marketing.company_raw_intake`,
	);
	const source = `npm run demo, batch ${batch}`;
	const values = SAMPLE_COMPANIES.map(
		(_, i) => `($${2 * i + 1}, $${2 * i + 2}, $${2 * SAMPLE_COMPANIES.length + 1})`,
	).join(', ');
	const params = SAMPLE_COMPANIES.flatMap(([name, website]) => [
		name,
		website === null ? null : website.replace('#', String(batch)),
	]);
	const inserted = await demoQuery(
		database,
		`INSERT INTO marketing.company_raw_intake (company_name, website, source) VALUES ${values} RETURNING id::text`,
		[...params, source],
	);
	const ids = inserted.map((r) => r.id);
	log(
		`  ${ids.length} companies inserted (ids ${ids[0]}–${ids[ids.length - 1]}, source '${source}'): 4 invalid, 1 repeating a domain`,
	);

	const started = Date.now();
	let events = [];
	let settled = false;
	while (Date.now() - started < timeoutMs) {
		events = await demoQuery(database, CASCADE_SQL, [ids]);
		settled = events.length > 0 && events.every((e) => e.status === 'done' || e.status === 'dead');
		if (settled) break;
		await new Promise((r) => setTimeout(r, 500));
	}
	const open = events.filter((e) => e.status !== 'done' && e.status !== 'dead').length;
	log(
		settled
			? `  settled in ${((Date.now() - started) / 1000).toFixed(1)} s: ${events.length} events, each done or dead`
			: `  not settled after ${timeoutMs / 1000} s: ${events.length} events so far, ${open} still open (retries wait 30 s, doubling; see vw_unresolved_errors)`,
	);
	for (const type of EVENT_TYPES) {
		const ofType = events.filter((e) => e.event_type === type);
		if (ofType.length > 0)
			log(`    ${type.padEnd(18)} ${countsText(countBy(ofType, (e) => e.status))}`);
	}

	const [contacts] = await demoQuery(
		database,
		`SELECT count(*)::int AS slots, count(*) FILTER (WHERE c.status = 'found')::int AS found, count(*) FILTER (WHERE c.status = 'not_found')::int AS not_found,
	count(DISTINCT c.company_id)::int AS companies
FROM marketing.contact_enrichment c JOIN marketing.company_master m USING (company_id)
WHERE m.intake_id = ANY($1::bigint[])`,
		[ids],
	);
	log(
		`  contacts found: ${contacts.found} of ${contacts.slots} executive slots (CEO, CFO, HR) of ${contacts.companies} companies; ${contacts.not_found} not found`,
	);
	const verified = await demoQuery(
		database,
		`SELECT v.result, v.deliverable FROM marketing.email_verification v
WHERE v.email IN (SELECT c.email FROM marketing.contact_enrichment c JOIN marketing.company_master m USING (company_id)
	WHERE m.intake_id = ANY($1::bigint[]) AND c.status = 'found')`,
		[ids],
	);
	log(
		`  addresses verified: ${verified.length}` +
			(verified.length > 0
				? ` (${countsText(countBy(verified, (v) => v.result))}); ${verified.filter((v) => v.deliverable).length} deliverable`
				: ''),
	);
	const errors = await demoQuery(
		database,
		`SELECT stage, severity, outcome, error_message, count(*)::int AS n FROM marketing.pipeline_errors
WHERE event_id = ANY($1::bigint[]) GROUP BY 1, 2, 3, 4 ORDER BY 1, 5 DESC, 4`,
		[events.map((e) => e.id)],
	);
	if (errors.length === 0) log('  errors by stage: none');
	else {
		log('  errors by stage:');
		for (const [stage, rows] of Object.entries(Object.groupBy(errors, (e) => e.stage))) {
			const total = rows.reduce((n, r) => n + r.n, 0);
			log(
				`    ${stage} ${total}: ${rows.map((r) => `${r.error_message} (${r.severity}, ${r.outcome})${r.n > 1 ? ` ×${r.n}` : ''}`).join('; ')}`,
			);
		}
	}
	const [contact] = await demoQuery(
		database,
		`SELECT c.email, c.full_name, c.role, m.company_name FROM marketing.contact_enrichment c
JOIN marketing.company_master m USING (company_id) JOIN marketing.email_verification v USING (email)
WHERE m.intake_id = ANY($1::bigint[]) AND c.status = 'found' ORDER BY c.id LIMIT 1`,
		[ids],
	);
	return { batch, contact: contact ?? null };
}

/** A curl line for the GDPR request webhook: the secret read from its file when the line runs. */
function privacyCurl(action, email) {
	return (
		`curl -sS -w '\\nHTTP %{http_code}\\n' -X POST ${GDPR_URL} -H 'content-type: application/json' ` +
		`-H "X-Webhook-Secret: $(cat ${shellQuote(PRIVACY_SECRET_FILE)})" --data-binary ${shellQuote(JSON.stringify({ action, email }))}`
	);
}

/** A psql line on the demo database (SQL with string literals in double quotes, for readability). */
function psqlCommand(database, sql) {
	const quoted = sql.includes("'") && !/["$`\\!]/.test(sql) ? `"${sql}"` : shellQuote(sql);
	return `psql -h ${database.host} -p ${database.port} -U ${shellQuote(database.user)} -d ${shellQuote(database.database)} -c ${quoted}`;
}

/** The running demo's pipeline and GDPR request section: what runs where, and commands to try them. */
function pipelineLines(pipeline, sample, redis) {
	const db = pipeline.database;
	const { contact } = sample;
	const stores = `PostgreSQL schemas public and marketing, the HubSpot and Airtable emulators${redis ? `, Redis database ${REDIS.database}` : ' (Redis skipped: it did not answer)'}`;
	return [
		`Enrichment pipeline: "${shipped(STAGE_FILES[0]).name}" … "${shipped(STAGE_FILES[4]).name}" and "${MONITOR.name}" (alerts to the Slack emulator) published; tables in ${DEMO_DATABASE}, schema marketing`,
		`  enrichment API emulator ${pipeline.enrichment.url}, email verifier emulator ${pipeline.verifier.url} (state of each: GET <url>/__emulator/state)`,
		`  batch ${sample.batch} of sample companies ran at this start (summary above). Add a company: it runs the five stages (inserted again, stage 2 completes it as already promoted):`,
		`  ${psqlCommand(db, "INSERT INTO marketing.company_raw_intake (company_name, website, source) VALUES ('Initech', 'https://www.initech.example.com', 'psql')")}`,
		'  what waits per event type (no row: nothing waits), seconds from insert to done per stage, failed attempts and dead events:',
		...['vw_pending_by_type', 'vw_latency_by_stage', 'vw_unresolved_errors'].map(
			(view) => `  ${psqlCommand(db, `SELECT * FROM marketing.${view}`)}`,
		),
		'',
		`GDPR request: ${GDPR_URL}  (workflow "${GDPR.name}", published; X-Webhook-Secret in ${PRIVACY_SECRET_FILE})`,
		`  stores searched: ${stores}`,
		...(contact
			? [
					`  export what the package holds about ${contact.full_name} (${contact.role}, ${contact.company_name}), then erase it (erased again: "removed": 0; without the secret: 403):`,
					`  ${privacyCurl('export', contact.email)}`,
					`  ${privacyCurl('erase', contact.email)}`,
				]
			: [
					'  (no contact was found in this batch: put the address of a found contact, SELECT email FROM marketing.contact_enrichment, in these lines)',
					`  ${privacyCurl('export', 'someone@example.com')}`,
				]),
		'',
	];
}

/**
 * A curl line for the attendance checker: what GoHighLevel's Custom Webhook action posts, the HighLevel credential's
 * Webhook Secret in the X-Webhook-Secret header (none when `secret` is empty).
 */
function attendanceCurl(email, contactId, secret) {
	const body = JSON.stringify({
		contact_id: contactId,
		email,
		customData: { webinar_id: String(DEMO_WEBINAR.id), schedule_id: String(DEMO_WEBINAR.schedule) },
	});
	const header = secret ? ` -H ${shellQuote(`X-Webhook-Secret: ${secret}`)}` : '';
	return `curl -sS -w '\\nHTTP %{http_code}\\n' -X POST ${CHECKER_URL} -H 'content-type: application/json'${header} --data-binary ${shellQuote(body)}`;
}

/** A curl line for the booking webhook, with the header of the Booking webhook secret credential. */
function bookingCurl(header, secret, body) {
	return `curl -sS -w '\\nHTTP %{http_code}\\n' -X POST ${BOOKING_URL} -H 'content-type: application/json' -H ${shellQuote(`${header}: ${secret}`)} --data-binary ${shellQuote(JSON.stringify(body))}`;
}

/** A curl line that submits the CSV import form with its login, as the form page does. */
function csvFormCurl(user, password) {
	return (
		`curl -sS -w '\\nHTTP %{http_code}\\n' -u ${shellQuote(`${user}:${password}`)} ${CSV_FORM_URL} ` +
		`-F ${shellQuote(`field-0=@${SAMPLE_CSV_FILE};type=text/csv`)} -F 'field-1=Demo: CSV Import Day' -F field-2=2030-04-02 -F field-3= -F field-4=`
	);
}

/**
 * Imports every shipped workflow. In those with Airtable nodes the demo's base is picked in each of them, as a user
 * does after importing; the pipeline's and GDPR request's copies get the edits of editedWorkflow(); nothing else is
 * changed.
 */
function importShippedWorkflows(n8n, context) {
	const { base } = context;
	const { withAirtableBase } = require('../test/harness/airtableBase.ts');
	for (const file of fs.readdirSync(join(ROOT, 'workflows')).sort()) {
		if (!file.endsWith('.json') || file.startsWith('credentials') || file.includes('template'))
			continue;
		const original = join(ROOT, 'workflows', file);
		const edited = editedWorkflow(file, context);
		if (edited) {
			importWorkflowObject(n8n, edited.wf, file);
			log(`  imported workflows/${file}, ${edited.edits.join('; ')}`);
			continue;
		}
		if (!shipped(file).nodes.some((n) => n.type === AIRTABLE_NODE)) {
			n8n.importWorkflow(original);
			log(`  imported workflows/${file}`);
			continue;
		}
		const picked = withAirtableBase(original, base);
		try {
			n8n.importWorkflow(picked);
		} finally {
			removeDir(dirname(picked));
		}
		log(
			`  imported workflows/${file}, base "${base.name}" (${base.id}) picked in its Airtable nodes`,
		);
	}
}

/** Whether a Redis server answers at the sandbox address (the booking queue needs it). */
async function redisReachable() {
	return await new Promise((done) => {
		const socket = net.connect(REDIS.port, REDIS.host);
		socket.setTimeout(3000);
		socket.once('connect', () => {
			socket.end();
			done(true);
		});
		socket.once('error', () => done(false));
		socket.once('timeout', () => {
			socket.destroy();
			done(false);
		});
	});
}

/** A student contact and an exam (ticket) in the HubSpot emulator, through its API, for the booking curl line. */
async function hubspotBookingRecords(hubspot, token) {
	const create = async (type, properties) => {
		const res = await fetch(`${hubspot.url}/crm/v3/objects/${type}`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({ properties }),
		});
		if (!res.ok)
			throw new Error(
				`HubSpot emulator: creating a ${type} record answered ${res.status} ${await res.text()}`,
			);
		return String((await res.json()).id);
	};
	return {
		contactId: await create('contacts', {
			email: 'student@example.com',
			firstname: 'Grace',
			lastname: 'Hopper',
		}),
		examId: await create('tickets', {
			subject: 'CPA Exam Part 1',
			hs_pipeline: '0',
			hs_pipeline_stage: '1',
		}),
	};
}

/** Runs the HubSpot setup workflow through `n8n execute` and logs what it did to the portal. */
async function runHubSpotSetup(n8n, harness) {
	// Async: the emulator answers from this process. Its own broker port: the running n8n holds one already.
	const output = await n8n.cliAsync(['execute', `--id=${SETUP_WORKFLOW_ID}`, '--rawOutput'], {
		N8N_RUNNERS_BROKER_PORT: String(await harness.freePort()),
	});
	const run = harness.parseCliRun(output);
	if (run.resultData.error)
		throw new Error(`setup workflow failed: ${run.resultData.error.message}`);
	const [summary] = Object.values(run.resultData.runData)
		.map((runs) => runs[0]?.data?.main?.[0]?.[0]?.json)
		.filter((json) => json && json.group && Array.isArray(json.properties));
	if (!summary) throw new Error(`setup workflow produced no summary:\n${output.slice(-2000)}`);
	log(
		`  group ${summary.group.name} ("${summary.group.label}"): ${summary.group.status}; ` +
			`properties: ${summary.created} created, ${summary.existing} existing`,
	);
	for (const p of summary.properties)
		log(`    ${p.name} (${p.type}): ${p.status}${p.warning ? ` - ${p.warning}` : ''}`);
}

async function start() {
	require('./ts-register');
	const harness = require('../test/e2e/harness/n8n.ts');
	const { installPackage, N8n, freePort } = harness;
	const { startLumaEmulator, DEFAULT_API_KEY } = require('../test/emulators/luma/server');
	const {
		startHubSpotEmulator,
		DEFAULT_TOKEN: HUBSPOT_TOKEN,
	} = require('../test/emulators/hubspot/server');
	const { startAirtableEmulator } = require('../test/emulators/airtable/server');
	const { startSlackEmulator } = require('../test/emulators/slack/server');
	const { sampleGuestRegistered } = require('../test/emulators/luma/webhookSender');
	const { registrationCsv } = require('../test/fixtures/registration-csv');
	const owner = harness.OWNER ?? DEFAULT_OWNER;

	let luma;
	let hubspot;
	let airtable;
	let slack;
	let attendance;
	let pipeline;
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
			await pipeline?.enrichment.close();
			await pipeline?.verifier.close();
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
		await assertPortFree(ENRICHMENT_PORT, 'DEMO_ENRICHMENT_PORT');
		await assertPortFree(VERIFIER_PORT, 'DEMO_VERIFIER_PORT');
		fs.mkdirSync(DEMO_DIR, { recursive: true });
		const hasDatabase = fs.existsSync(join(DEMO_DIR, '.n8n', 'database.sqlite'));
		const setUp = hasDatabase && readTrimmed(SETUP_DONE_FILE).endsWith(SETUP_MARK);
		const secrets = demoSecrets();

		luma = await startLumaEmulator({ port: LUMA_PORT });
		const seeded = luma.seed({ events: 3, guestsPerEvent: 25 });
		log(
			`Luma emulator on ${luma.url}: ${seeded.events.length} events × 25 guests, API key ${DEFAULT_API_KEY}`,
		);
		// A fresh portal, in memory: no Event Tracking properties until the setup workflow has run.
		hubspot = await startHubSpotEmulator({ port: HUBSPOT_PORT, bareAccount: true });
		log(`HubSpot emulator on ${hubspot.url}: empty portal (bareAccount), token ${HUBSPOT_TOKEN}`);
		// Airtable is the source of truth the sync writes first; the emulator keeps the base in memory.
		airtable = await startAirtableEmulator({ port: AIRTABLE_PORT });
		const base = { id: airtable.baseId, name: airtable.state.bases.get(airtable.baseId).name };
		log(
			`Airtable emulator on ${airtable.url}: base "${base.name}" (${base.id}: Events, Registrations), token ${airtable.defaultToken}`,
		);
		slack = await startSlackEmulator();
		log(
			`Slack emulator: HTTPS proxy ${slack.proxyUrl} for slack.com (throwaway CA ${slack.caFile})`,
		);
		attendance = await startAttendanceSandbox();
		if (attendance) pipeline = await startPipelineSandbox(attendance);
		else
			log(
				'the enrichment pipeline and the GDPR request need PostgreSQL too: imported, not connected',
			);
		const redis = await redisReachable();
		if (!redis)
			log(
				`Redis at ${REDIS.host}:${REDIS.port} does not answer: the booking flows are imported but not published`,
			);
		const bookingHeader = bookingHeaderCredential()?.data.name;
		const booking = redis ? await hubspotBookingRecords(hubspot, HUBSPOT_TOKEN) : null;
		fs.writeFileSync(SAMPLE_CSV_FILE, registrationCsv({ valid: 3, duplicates: 1, invalid: 1 }).csv);

		// The task-runner broker defaults to 5679 on every n8n; a free port keeps the demo clear of other instances.
		n8n = await N8n.create({
			userFolder: DEMO_DIR,
			port: N8N_PORT,
			env: {
				...RECOMMENDED_N8N_ENV,
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				...slack.n8nEnv(),
			},
		});

		// A fresh pack each time: no stale tarball, and the installed copy is always this build.
		removeDir(join(DEMO_DIR, 'pack'));
		removeDir(join(DEMO_DIR, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME));
		log(`installing the packed ${PACKAGE_NAME} into ${join(DEMO_DIR, '.n8n', 'nodes')}`);
		installPackage(DEMO_DIR);

		// Credentials again only when a value changed (an emulator URL, a secret file deleted, PostgreSQL now usable).
		const credentials = credentialsFromTemplate({
			luma: { url: luma.url, apiKey: DEFAULT_API_KEY },
			hubspot: { url: hubspot.url, token: HUBSPOT_TOKEN },
			airtable,
			slack,
			attendance,
			pipeline,
			secrets,
		});
		const credentialsHash = createHash('sha256').update(JSON.stringify(credentials)).digest('hex');
		if (!setUp || readTrimmed(CREDENTIALS_HASH_FILE) !== credentialsHash) {
			log("importing the credentials template with sandbox values and this folder's secrets");
			n8n.importCredentials(credentials);
			writePrivate(CREDENTIALS_HASH_FILE, credentialsHash);
		}
		const editContext = { base, pipeline, redis };
		const editsHash = workflowEditsHash(editContext);
		if (!setUp) {
			log(
				hasDatabase
					? 'this folder was set up by an earlier demo: importing the shipped workflows again'
					: 'importing every shipped workflow',
			);
			importShippedWorkflows(n8n, editContext);
			fs.writeFileSync(PUBLISHED_FILE, '');
			fs.writeFileSync(SETUP_DONE_FILE, `${new Date().toISOString()} ${SETUP_MARK}\n`);
		} else {
			log(`reusing ${DEMO_DIR} (delete it for a fresh start)`);
		}
		const published = new Set(readTrimmed(PUBLISHED_FILE).split(/\s+/).filter(Boolean));
		if (setUp && readTrimmed(WORKFLOW_EDITS_HASH_FILE) !== editsHash) {
			// An import unpublishes: these are published again below.
			log(
				"importing the pipeline's and GDPR request's edited workflows again (an emulator port, PostgreSQL, Redis or the shipped file changed)",
			);
			for (const file of EDITED_FILES) {
				const edited = editedWorkflow(file, editContext);
				importWorkflowObject(n8n, edited?.wf ?? shipped(file), file);
				published.delete(shipped(file).id);
				log(`  imported workflows/${file}${edited ? `, ${edited.edits.join('; ')}` : ''}`);
			}
			fs.writeFileSync(PUBLISHED_FILE, `${[...published].join('\n')}\n`);
		}
		writePrivate(WORKFLOW_EDITS_HASH_FILE, editsHash);
		if (pipeline) {
			// Imported at every start (never published): always the shipped row, also in a folder set up without it.
			importWorkflowObject(n8n, pipelineSetupWorkflow(), 'pipeline-setup.json');
			log(
				`running "${MONITOR.name}" › ${SETUP_ROW} (n8n execute, as workflow ${PIPELINE_SETUP_ID}): the pipeline tables, before the stages are published`,
			);
			await runPipelineSetup(n8n, harness);
		}
		// Publish what this start can run and was not published yet (PostgreSQL or Redis may have come up since).
		// The booking webhook only behind its Header Auth secret. The pipeline monitor alerts through Slack (the
		// demo's Slack emulator), the stages after the set-up above.
		const wanted = [
			WORKFLOW_ID,
			ERROR_WORKFLOW_ID,
			CSV_IMPORT.id,
			...(booking && bookingHeader ? [BOOKING.id, FLUSH_ID] : []),
			...(attendance ? [CHECKER.id] : []),
			...(pipeline ? [...(slack ? [MONITOR.id] : []), ...STAGE_IDS, GDPR.id] : []),
		];
		for (const id of wanted.filter((w) => !published.has(w))) {
			n8n.publish(id);
			published.add(id);
			fs.writeFileSync(PUBLISHED_FILE, `${[...published].join('\n')}\n`);
			log(`  published ${id}`);
		}
		writePrivate(HUBSPOT_URL_FILE, hubspot.url);
		writePrivate(AIRTABLE_URL_FILE, airtable.url);

		log(
			`starting n8n on port ${N8N_PORT} with ${Object.entries(RECOMMENDED_N8N_ENV)
				.map(([k, v]) => `${k}=${v}`)
				.join(' ')} (log: ${n8n.logFile})`,
		);
		await n8n.start();
		// The harness keeps its child private; JS can still watch it, so a crash ends the demo visibly.
		n8n['proc']?.once('exit', (code) => {
			if (stopping) return;
			console.error(
				`[demo] n8n exited unexpectedly (code ${code}); last log lines:\n${n8n.log().split('\n').slice(-20).join('\n')}`,
			);
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
				(setUp ? ' again: the HubSpot emulator started empty' : ''),
		);
		await runHubSpotSetup(n8n, harness);
		if (attendance) {
			log(`running "${WJ_SYNC_ID}" (n8n execute): WebinarJam registrants into PostgreSQL`);
			await runWebinarJamSync(n8n, harness);
		}
		let sample = null;
		if (pipeline) {
			log(
				`pipeline: ${SAMPLE_COMPANIES.length} sample companies into marketing.company_raw_intake (one INSERT); the five stages take them from there`,
			);
			sample = await runPipelineSample(pipeline);
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
			`  Airtable:       ${airtable.url}  (emulator, base "${base.name}" ${base.id}, picked in every Airtable node; state: GET ${airtable.url}/__emulator/state)`,
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
			"it reads the emulator's events and guests through the Luma node.",
			'',
			`CSV import form: ${CSV_FORM_URL}  (workflow "${CSV_IMPORT.name}", published; login ${secrets.formUser} / ${secrets.formPassword})`,
			`  upload ${SAMPLE_CSV_FILE} (3 people, 1 duplicate, 1 row without an email) in the browser, or with curl;`,
			'  it answers {"formWaitingUrl": …}: open that URL for the summary page.',
			`  ${csvFormCurl(secrets.formUser, secrets.formPassword)}`,
			'',
			...(booking && bookingHeader
				? [
						`Booking webhook: ${BOOKING_URL}  (workflow "${BOOKING.name}", published; queue in Redis ${REDIS.host}:${REDIS.port} database ${REDIS.database}, sent by "HubSpot queue flush" every 5 s)`,
						`  a booking for contact ${booking.contactId} and exam (ticket) ${booking.examId}: 201 {booking_id}; without the ${bookingHeader} header: 403`,
						`  ${bookingCurl(bookingHeader, secrets.booking, { contact_id: booking.contactId, exam_id: booking.examId, exam_name: 'CPA Exam Part 1', exam_date: '2030-05-04' })}`,
						'',
					]
				: [
						`Booking webhook: not available (${redis ? 'the booking workflow names no Header Auth credential' : `Redis on ${REDIS.host}:${REDIS.port} did not answer`}).`,
						'',
					]),
			...(attendance
				? [
						`GoHighLevel attendance checker: ${CHECKER_URL}  (workflow "${CHECKER.name}", published)`,
						`  WebinarJam emulator ${attendance.webinarJam.url}, HighLevel emulator ${attendance.highLevel.url} (tags: GET ${attendance.highLevel.url}/__emulator/state?log=0)`,
						'  an attendee (gets webinar-attended), a no-show (webinar-no-show), an unknown email (not_found), then without the secret (403, refused by the Header Auth of the Webhook node):',
						...['ada@example.com', 'nora@example.com', 'sam@example.com'].map(
							(e) => `  ${attendanceCurl(e, attendance.contacts[e], secrets.checker)}`,
						),
						`  ${attendanceCurl('ada@example.com', attendance.contacts['ada@example.com'], '')}`,
						`  The sync ran at start ("${WJ_SYNC_ID}"); run it again from the editor, or let its schedule (every 6 h) do it.`,
						'',
					]
				: [
						'GoHighLevel attendance checker: not connected (PostgreSQL on 127.0.0.1:5432 was not usable).',
						'',
					]),
			...(pipeline
				? pipelineLines(pipeline, sample, redis)
				: [
						'Enrichment pipeline and GDPR request: not connected (PostgreSQL on 127.0.0.1:5432 was not usable).',
						'',
					]),
		];
		console.log(lines.join('\n'));
	} catch (error) {
		console.error(`[demo] failed: ${error && error.message ? error.message : error}`);
		await shutdown('error', 1);
	}
}

/** Latest execution of the workflow, through the public API (null when none). */
async function latestExecution(apiKey) {
	const res = await fetch(
		`${N8N_URL}/api/v1/executions?workflowId=${WORKFLOW_ID}&includeData=true&limit=1`,
		{
			headers: { 'X-N8N-API-KEY': apiKey },
		},
	);
	if (!res.ok) throw new Error(`GET /api/v1/executions answered ${res.status}`);
	const page = await res.json();
	return page.data[0] ?? null;
}

/** What the two HubSpot nodes did in this execution: per-row results, the error output, or the node's error. */
function printHubSpotRuns(runData) {
	const outputs = (name) => {
		const run = runData[name]?.[0];
		if (!run) return null;
		const [ok = [], failed = []] = (run.data?.main ?? []).map((items) =>
			(items ?? []).map((i) => i.json),
		);
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
		console.log(
			`  hubspot_id ${r.hubspot_id} -> list "${r.list_name ?? ''}" (id ${r.list_id}): ${r.list_status}`,
		);
	}
	for (const r of list.failed)
		console.log(`  hubspot_id ${r.hubspot_id ?? '?'}: ${r.status ?? 'error'}: ${r.error}`);
	if (list.error) console.log(`  node error: ${list.error.message}`);

	for (const name of ['Airtable: Mark Synced', 'Airtable: Mark Sync Error']) {
		const marked = outputs(name);
		if (!marked) continue;
		for (const r of marked.ok)
			console.log(`${name}: registration ${r.airtable_id} -> sync_status "${r.sync_status}"`);
		for (const r of marked.failed) console.log(`${name}: ${r.error}`);
	}
}

/** The contact as the HubSpot emulator stores it, and its list memberships, via the control endpoint. */
async function printStoredContact(email) {
	const hubspotUrl = readTrimmed(HUBSPOT_URL_FILE);
	if (!hubspotUrl) {
		console.log(
			`(no HubSpot emulator URL in ${HUBSPOT_URL_FILE}; restart the demo to read stored contacts)`,
		);
		return;
	}
	let state;
	try {
		const res = await fetch(`${hubspotUrl}/__emulator/state?log=0`);
		if (!res.ok) throw new Error(`HTTP ${res.status}`);
		state = await res.json();
	} catch (error) {
		console.log(
			`(could not read ${hubspotUrl}/__emulator/state: ${error.cause?.code ?? error.message})`,
		);
		return;
	}
	const wanted = email.trim().toLowerCase();
	const contact = (state.objects?.contacts ?? []).find(
		(c) => String(c.properties?.email ?? '').toLowerCase() === wanted,
	);
	if (!contact) {
		console.log(
			`HubSpot emulator (GET ${hubspotUrl}/__emulator/state): no contact with email ${wanted} (it starts empty on each demo start)`,
		);
		return;
	}
	const props = Object.fromEntries(
		Object.entries(contact.properties).filter(([, v]) => v !== null && v !== ''),
	);
	console.log(
		`HubSpot emulator (GET ${hubspotUrl}/__emulator/state): contact ${contact.id} stored properties:`,
	);
	console.log(`  ${JSON.stringify(props)}`);
	const lists = (state.lists ?? []).filter((l) =>
		(state.memberships?.[l.listId] ?? []).includes(contact.id),
	);
	for (const l of lists) {
		console.log(
			`  member of list "${l.name}" (id ${l.listId}, ${l.processingType}, ${state.memberships[l.listId].length} member(s))`,
		);
	}
	if (lists.length === 0) console.log('  on no list');

	const airtableUrl = readTrimmed(AIRTABLE_URL_FILE);
	if (!airtableUrl) return;
	try {
		const res = await fetch(`${airtableUrl}/__emulator/state`);
		if (!res.ok) throw new Error(`HTTP ${res.status}`);
		const registrations = JSON.stringify(await res.json());
		const hit = registrations.includes(`"dedupe_key":"${wanted}|`);
		console.log(
			`Airtable emulator (GET ${airtableUrl}/__emulator/state): registration for ${wanted} ${hit ? 'stored' : 'not found'}`,
		);
	} catch (error) {
		console.log(
			`(could not read ${airtableUrl}/__emulator/state: ${error.cause?.code ?? error.message})`,
		);
	}
}

async function send(args) {
	const {
		sampleGuestRegistered,
		sendLumaWebhook,
		SIGNATURE_SCHEMES,
	} = require('../test/emulators/luma/webhookSender');
	const schemeArg = args.find((a) => a.startsWith('--scheme='));
	const scheme = schemeArg ? schemeArg.slice('--scheme='.length) : 'luma';
	if (!SIGNATURE_SCHEMES.includes(scheme))
		throw new Error(`--scheme must be one of ${SIGNATURE_SCHEMES.join(', ')}`);
	const email = args.find((a) => !a.startsWith('--')) ?? 'ada@example.com';

	const secret = readTrimmed(SECRET_FILE);
	if (!secret)
		throw new Error(`no signing secret in ${SECRET_FILE}: start the demo first (npm run demo)`);
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
		res = await sendLumaWebhook(WEBHOOK_URL, {
			scheme,
			secret,
			payload: samplePayload(email, sampleGuestRegistered),
		});
	} catch (error) {
		throw new Error(
			`could not reach ${WEBHOOK_URL} (${error.cause?.code ?? error.message}): is \`npm run demo\` running?`,
		);
	}
	console.log(
		`POST ${WEBHOOK_URL} (${scheme} signature, guest.registered, ${email}) -> HTTP ${res.status} ${JSON.stringify(res.body)}`,
	);
	if (res.status !== 200) process.exit(1);
	if (before === undefined) {
		console.log(`(${noExecutions}; the execution is in the editor's Executions list)`);
		return;
	}

	const deadline = Date.now() + 30000;
	while (Date.now() < deadline) {
		const latest = await latestExecution(apiKey);
		if (
			latest &&
			latest.id !== before?.id &&
			latest.status !== 'running' &&
			latest.status !== 'new'
		) {
			const run = latest.data?.resultData?.runData?.['Dedupe & Normalize']?.[0];
			const [valid = [], duplicate = [], invalid = []] = (run?.data?.main ?? []).map((items) =>
				(items ?? []).map((i) => i.json),
			);
			console.log(
				`execution ${latest.id} (${latest.status}): Dedupe & Normalize -> Valid ${valid.length}, Duplicate ${duplicate.length}, Invalid ${invalid.length}`,
			);
			for (const c of valid) console.log(`  Valid:     ${JSON.stringify(c)}`);
			for (const c of duplicate)
				console.log(`  Duplicate: ${c.email} ${c.event_id} (${c.duplicate?.reason})`);
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
