#!/usr/bin/env node
// npm run demo: the package in real n8n 2.40.7 against the local Luma emulator, until Ctrl-C.
//   scripts/node24.sh scripts/demo.js          start (or restart) the demo
//   scripts/node24.sh scripts/demo.js send [email] [--scheme=luma|standard|legacy]
//                                             POST one signed sample registration to the running demo
// Env: DEMO_DIR (default <repo>/.n8n-demo), DEMO_N8N_PORT (5678), DEMO_LUMA_PORT (5680).
'use strict';
const { createHash, randomBytes } = require('crypto');
const fs = require('fs');
const net = require('net');
const { join, resolve } = require('path');

const ROOT = resolve(__dirname, '..');
const DEMO_DIR = resolve(process.env.DEMO_DIR || join(ROOT, '.n8n-demo'));
const N8N_PORT = portFromEnv('DEMO_N8N_PORT', 5678);
const LUMA_PORT = portFromEnv('DEMO_LUMA_PORT', 5680);
const SECRET_FILE = join(DEMO_DIR, 'demo-secret.txt');
const API_KEY_FILE = join(DEMO_DIR, 'demo-api-key.txt');
const LUMA_URL_FILE = join(DEMO_DIR, 'demo-luma-url.txt');
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

function credentialsFromTemplate(emulatorUrl, apiKey, secret) {
	const template = JSON.parse(fs.readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'));
	return template.map((c) => (c.type === 'lumaApi' ? { ...c, data: { apiKey, webhookSecret: secret, baseUrl: emulatorUrl } } : c));
}

async function start() {
	require('./ts-register');
	const harness = require('../test/e2e/harness/n8n.ts');
	const { installPackage, N8n, freePort } = harness;
	const { startLumaEmulator, DEFAULT_API_KEY } = require('../test/emulators/luma/server');
	const { sampleGuestRegistered } = require('../test/emulators/luma/webhookSender');
	const owner = harness.OWNER ?? DEFAULT_OWNER;

	let luma;
	let n8n;
	let stopping = false;
	const shutdown = async (reason, code) => {
		if (stopping) {
			log(`${reason} again: exiting now`);
			process.exit(code || 130);
		}
		stopping = true;
		log(`${reason}: stopping n8n and the Luma emulator`);
		try {
			await n8n?.stop();
		} finally {
			await luma?.close();
		}
		log('stopped');
		process.exit(code);
	};
	process.on('SIGINT', () => void shutdown('SIGINT', 0));
	process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

	try {
		await assertPortFree(N8N_PORT, 'DEMO_N8N_PORT');
		await assertPortFree(LUMA_PORT, 'DEMO_LUMA_PORT');
		fs.mkdirSync(DEMO_DIR, { recursive: true });
		const reuse = fs.existsSync(join(DEMO_DIR, '.n8n', 'database.sqlite')) && fs.existsSync(SETUP_DONE_FILE);

		luma = await startLumaEmulator({ port: LUMA_PORT });
		const seeded = luma.seed({ events: 3, guestsPerEvent: 25 });
		log(`Luma emulator on ${luma.url}: ${seeded.events.length} events × 25 guests, API key ${DEFAULT_API_KEY}`);

		// The task-runner broker defaults to 5679 on every n8n; a free port keeps the demo clear of other instances.
		n8n = await N8n.create({ userFolder: DEMO_DIR, port: N8N_PORT, env: { N8N_RUNNERS_BROKER_PORT: String(await freePort()) } });

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
			n8n.importCredentials(credentialsFromTemplate(luma.url, DEFAULT_API_KEY, secret));
			for (const file of fs.readdirSync(join(ROOT, 'workflows')).sort()) {
				if (!file.endsWith('.json') || file.startsWith('credentials') || file.includes('template')) continue;
				n8n.importWorkflow(join(ROOT, 'workflows', file));
				log(`  imported workflows/${file}`);
			}
			n8n.publish(WORKFLOW_ID);
			log(`published ${WORKFLOW_ID}`);
			fs.writeFileSync(SETUP_DONE_FILE, `${new Date().toISOString()}\n`);
		} else {
			log(`reusing ${DEMO_DIR} (delete it for a fresh start)`);
			// Only when the credential can no longer match: secret file lost, or the emulator moved.
			if (!secret || readTrimmed(LUMA_URL_FILE) !== luma.url) {
				if (!secret) {
					secret = `whsec_${randomBytes(24).toString('base64')}`;
					writePrivate(SECRET_FILE, secret);
				}
				log('updating the Luma credential (new signing secret or emulator URL)');
				n8n.importCredentials(credentialsFromTemplate(luma.url, DEFAULT_API_KEY, secret));
			}
		}
		writePrivate(LUMA_URL_FILE, luma.url);

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

		const curlBody = JSON.stringify(samplePayload('curl.demo@example.com', sampleGuestRegistered));
		const lines = [
			'',
			'Marketing Ops demo is running. Ctrl-C stops n8n and the Luma emulator.',
			`  n8n editor:     ${N8N_URL}`,
			`  owner login:    ${owner.email} / ${owner.password}`,
			`  webhook URL:    ${WEBHOOK_URL}  (workflow "${SYNC.name}", published)`,
			`  Luma emulator:  ${luma.url}  (API key ${DEFAULT_API_KEY}; state: GET ${luma.url}/__emulator/state?log=0)`,
			`  signing secret: ${SECRET_FILE}`,
			`  n8n log:        ${n8n.logFile}`,
			'',
			'Send a signed sample registration (the same email twice: first Valid, then Duplicate):',
			`  ${selfCommand(['send', 'ada@example.com'])}`,
			'',
			'Or with curl and openssl (Luma signature scheme, timestamp taken when you run it):',
			...curlCommand(SECRET_FILE, curlBody).map((l) => `  ${l}`),
			'',
			'Backfill: open "Luma backfill (guests of every calendar event)" in the editor and click Execute workflow;',
			'it reads the emulator\'s events and guests through the Luma node.',
			'',
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
