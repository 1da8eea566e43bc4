/**
 * The two-way HubSpot ↔ PostgreSQL sync in real n8n 2.40.7, as shipped (workflows hubspot-inbound-sync,
 * app-record-create, app-update-queue, app-update-flush, hubspot-reconciliation), against PostgreSQL
 * and the HubSpot emulator, whose webhook deliveries are signed as HubSpot signs them (v3).
 *
 * - A forged, altered or stale delivery is answered 401 and starts no execution; a replayed one
 *   starts none either (its events are known).
 * - One delivery of 100 events, 10 of them repeating an eventId, applies 90 and logs 10 duplicates.
 * - A create lands in both systems (201) or in neither (502 with the failed fields).
 * - A queued app change reaches HubSpot on the next flush; the nightly reconciliation posts its counts.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { type HubSpotEmulator, startHubSpotEmulator } from '../emulators/hubspot/server';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { createCompanyProperties } from '../harness/hubSpotRecordSync';
import { settleEventLog, startedExecutions } from '../harness/n8nEventLog';
import { type TestPostgres, testPostgres } from '../harness/postgres';
import { freePort, installPackage, N8n, nodeOutputs, parseCliRun, ROOT } from './harness/n8n';

const INBOUND = 'mkopsHsInbound01';
const CREATE = 'mkopsAppRecCrt01';
const QUEUE = 'mkopsAppUpdQue01';
const FLUSH = 'mkopsE2eSyncFlush';
const SETUP = 'mkopsE2eSyncSetup';
const RECONCILE = 'mkopsE2eSyncRecon';
const CLIENT_SECRET = 'e2e-hubspot-client-secret-5b7c1d9e';
const APP_SECRET = 'e2e-app-webhook-secret-8c2f4a6b';

let n8n: N8n;
let hubspot: HubSpotEmulator;
let slack: SlackEmulator;
let pg: TestPostgres;
let inboundUrl: string;

type Workflow = {
	id: string;
	name: string;
	nodes: Array<Record<string, any>>;
	connections: Record<string, any>;
};

const shipped = (file: string) =>
	JSON.parse(readFileSync(join(ROOT, 'workflows', file), 'utf8')) as Workflow;

/** A workflow written for this run: Schema parameters pointed at the run's schema. */
function write(wf: Workflow, file: string): string {
	for (const node of wf.nodes)
		if (node.parameters && 'schema' in node.parameters) node.parameters.schema = pg.schema;
	const out = join(n8n.userFolder, file);
	writeFileSync(out, JSON.stringify(wf));
	return out;
}

/** What one trigger of a shipped workflow starts, behind a manual trigger, so the CLI can run it. */
function rowOf(trigger: string, id: string, file = 'hubspot-reconciliation.json'): Workflow {
	const wf = shipped(file);
	const keep = new Set<string>([trigger]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const name of [...keep])
			for (const out of wf.connections[name]?.main ?? [])
				for (const c of out ?? []) if (!keep.has(c.node)) (keep.add(c.node), (grew = true));
	}
	const manual = {
		parameters: {},
		id: `${id}-start`,
		name: 'Start',
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [0, 0],
	};
	const nodes = wf.nodes.filter((n) => keep.has(n.name) && n.name !== trigger);
	const connections = Object.fromEntries(
		Object.entries(wf.connections).filter(([name]) => keep.has(name) && name !== trigger),
	);
	connections.Start = wf.connections[trigger];
	return { ...wf, id, name: `${wf.name}: ${trigger}`, nodes: [manual, ...nodes], connections };
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
		if (c.id === 'mkopsAppDbPg0001')
			return {
				...c,
				data: { ...c.data, ...pg.connection, port: Number(pg.connection.port), ssl: 'disable' },
			};
		if (c.type === 'hubSpotBatchApi')
			return {
				...c,
				data: {
					...c.data,
					accessToken: hubspot.defaultToken,
					tier: 'professional',
					baseUrl: hubspot.url,
				},
			};
		if (c.type === 'hubSpotAppApi')
			return { ...c, data: { clientSecret: CLIENT_SECRET, previousClientSecret: '' } };
		if (c.id === 'mkopsAppHook0001')
			return { ...c, data: { name: 'X-Webhook-Secret', value: APP_SECRET } };
		if (c.type === 'redis')
			return {
				...c,
				data: { host: '127.0.0.1', port: 6379, password: '', database: 0, ssl: false },
			};
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		return c;
	});
}

async function cli(id: string) {
	return parseCliRun(
		await n8n.cliAsync(['execute', `--id=${id}`, '--rawOutput'], {
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		}),
	);
}

async function post(path: string, body: unknown, secret: string | undefined = APP_SECRET) {
	const res = await fetch(`${n8n.baseUrl}/webhook/${path}`, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			...(secret ? { 'x-webhook-secret': secret } : {}),
		},
		body: JSON.stringify(body),
	});
	const text = await res.text();
	let json: Record<string, any> = {};
	try {
		json = JSON.parse(text);
	} catch {
		// not JSON: kept as text
	}
	return { status: res.status, json, text };
}

async function createCustomer(ban: string, extra: Record<string, unknown> = {}) {
	const res = await post('customers', {
		ban,
		company_name: `Company ${ban}`,
		status: 'active',
		credit_limit: 1000,
		email: `${ban.toLowerCase()}@example.test`,
		...extra,
	});
	if (res.status !== 201 || res.json.data === undefined)
		throw new Error(`create ${ban}: ${res.status} ${res.text}`);
	return {
		id: String(res.json.data.record.id),
		hubspotId: String(res.json.data.hubspot_sync.hubspot_id),
		ban,
	};
}

/** The inbound workflow's executions n8n has finished and saved (every one is saved). */
const finishedRuns = async () => (await n8n.executions(INBOUND)).length;

/**
 * Executions n8n started for the inbound workflow, from its event log once every event sent so far
 * is written (this logs in again: n8n limits logins, so it is called once per test). The trigger
 * decides whether a delivery starts one before it answers.
 */
async function startedRuns(): Promise<number> {
	await settleEventLog(n8n);
	return startedExecutions(n8n.userFolder, INBOUND).length;
}
const customers = async () =>
	(await pg.query(`SELECT * FROM ${pg.qualified('customers')} ORDER BY ban`)).rows;

/** Until n8n has finished `count` executions of the inbound workflow; then how many it started. */
async function settleInbound(count: number) {
	const runs = await n8n.waitForExecutions(INBOUND, count, 60_000);
	return { runs, total: await startedRuns() };
}

beforeAll(async () => {
	pg = await testPostgres('e2e_hs_sync');
	hubspot = await startHubSpotEmulator();
	await createCompanyProperties(hubspot);
	slack = await startSlackEmulator();
	n8n = await N8n.create({
		env: { ...slack.n8nEnv(), N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
	});
	installPackage(n8n.userFolder);
	n8n.importCredentials(credentials());
	n8n.importWorkflow(join(ROOT, 'workflows/error-alerts.json'));
	for (const file of [
		'hubspot-inbound-sync.json',
		'app-record-create.json',
		'app-update-queue.json',
	])
		n8n.importWorkflow(write(shipped(file), file));
	n8n.importWorkflow(write(rowOf('Every minute', FLUSH, 'app-update-flush.json'), 'flush.json'));
	// The customers table is the user's own; here Apply Schema creates the example one.
	const setup = rowOf('Set up tables (run once)', SETUP);
	setup.nodes.find((n) => n.name === 'Apply Schema')!.parameters.exampleTable = 'customers';
	n8n.importWorkflow(write(setup, 'setup.json'));
	n8n.importWorkflow(write(rowOf('Daily at 02:00', RECONCILE), 'reconcile.json'));
	for (const id of [INBOUND, CREATE, QUEUE, 'mkopsErrorAlerts']) n8n.publish(id);
	await n8n.start();
	await n8n.login();
	const tables = await cli(SETUP);
	expect(tables.resultData.error).toBeUndefined();
	const webhookId = shipped('hubspot-inbound-sync.json').nodes.find((n) =>
		n.type.endsWith('hubSpotSignedTrigger'),
	)!.webhookId;
	inboundUrl = `${n8n.baseUrl}/webhook/${webhookId}/hubspot`;
	hubspot.configureWebhooks({
		targetUrl: inboundUrl,
		clientSecret: CLIENT_SECRET,
		subscriptions: ['company.propertyChange', 'company.deletion', 'company.merge'],
		retryDelaysMs: [100, 200],
	});
}, 600_000);

afterAll(async () => {
	await n8n?.stop();
	await hubspot?.close();
	await slack?.close();
	await pg?.cleanup();
});

describe('App record create', () => {
	it('201: the customer is in PostgreSQL and its company in HubSpot, each holding the other’s id', async () => {
		const c = await createCustomer('E2E-1');
		const [row] = (await customers()).filter((r) => r.ban === 'E2E-1');
		expect(row.hubspot_id).toBe(c.hubspotId);
		const company = hubspot.objects('companies').find((r) => r.id === c.hubspotId)!;
		expect(company.properties).toMatchObject({
			app_record_id: c.id,
			ban: 'E2E-1',
			name: 'Company E2E-1',
			credit_limit: '1000',
		});
	});

	it('502 when HubSpot is down: nothing in either system, the documented error shape', async () => {
		const before = hubspot.objects('companies').length;
		hubspot.setFaults({ force5xx: 1, status5xx: 503 });
		const res = await post('customers', {
			ban: 'E2E-DOWN',
			company_name: 'Down Inc',
			status: 'active',
		});
		expect(res.status).toBe(502);
		expect(res.json).toEqual({
			success: false,
			error: {
				code: 'HUBSPOT_SYNC_FAILED',
				message:
					'Record creation rolled back due to HubSpot sync failure: Failed to create HubSpot company. Failed fields: [hubspot_api: Service Unavailable (503)]',
				failed_fields: [{ field: 'hubspot_api', message: 'Service Unavailable (503)' }],
			},
		});
		expect((await customers()).filter((r) => r.ban === 'E2E-DOWN')).toHaveLength(0);
		expect(hubspot.objects('companies')).toHaveLength(before);
	});

	it('502 naming the field HubSpot refused, and 502 when HubSpot created the company but never answered: nothing left in either system', async () => {
		const before = hubspot.objects('companies').length;
		const refused = await post('customers', {
			ban: 'E2E-BAD',
			company_name: 'Bad Inc',
			status: 'pending',
		});
		expect(refused.status).toBe(502);
		expect(refused.json.error.message).toMatch(
			/^Record creation rolled back\. Failed fields: \[status: Invalid property value \(.+\)\]$/,
		);
		expect(refused.json.error.failed_fields).toEqual([
			{ field: 'status', message: expect.stringMatching(/^Invalid property value/) },
		]);

		hubspot.setFaults({ hangAfterApply: 1, faultPath: '/crm/v3/objects/companies' });
		const silent = await post('customers', {
			ban: 'E2E-HANG',
			company_name: 'Hang Inc',
			status: 'active',
		});
		expect(silent.status).toBe(502);
		expect(silent.json.error.message).toContain(
			'Failed fields: [hubspot_api: No answer within 10 s]',
		);
		// HubSpot did create it: found by app_record_id and removed.
		expect(hubspot.requests({ method: 'DELETE' })).toHaveLength(1);
		expect((await customers()).filter((r) => ['E2E-BAD', 'E2E-HANG'].includes(r.ban))).toHaveLength(
			0,
		);
		expect(hubspot.objects('companies')).toHaveLength(before);
	});

	it('closed by default: without the secret n8n refuses the call and nothing is created', async () => {
		const none = await post('customers', { ban: 'E2E-NOSECRET', company_name: 'X' }, '');
		expect(none.status).toBe(403);
		const wrong = await post('customers', { ban: 'E2E-NOSECRET', company_name: 'X' }, 'guess');
		expect(wrong.status).toBe(403);
		expect((await customers()).filter((r) => r.ban === 'E2E-NOSECRET')).toHaveLength(0);
	});
});

describe('HubSpot inbound sync', () => {
	it('forged, altered, stale and unselected-version deliveries get 401 and start nothing; a replay starts nothing', async () => {
		const c = await createCustomer('E2E-SIG');
		hubspot.uiUpdate('companies', c.hubspotId, { name: 'Signed Name' });
		const events = hubspot.queuedWebhookEvents();
		expect(events).toHaveLength(1);
		const before = await finishedRuns();
		const now = hubspot.now();
		expect(
			(await hubspot.sendWebhookEvents(events, { secret: 'not-the-client-secret-at-all' })).status,
		).toBe(401);
		expect((await hubspot.sendWebhookEvents(events, { tamperBody: true })).status).toBe(401);
		expect((await hubspot.sendWebhookEvents(events, { timestamp: now - 6 * 60_000 })).status).toBe(
			401,
		);
		expect((await hubspot.sendWebhookEvents(events, { signatureVersion: 'v1' })).status).toBe(401);
		expect((await hubspot.sendWebhookEvents(events, { signatureVersion: 'v2' })).status).toBe(401);
		const unsigned = await fetch(inboundUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(events),
		});
		expect(unsigned.status).toBe(401);
		expect((await customers()).find((r) => r.ban === 'E2E-SIG')!.company_name).toBe(
			'Company E2E-SIG',
		);

		// The genuine delivery, then the same bytes again (a capture replayed within five minutes).
		const first = await hubspot.sendWebhookEvents(events, { timestamp: now });
		expect(first.status).toBe(200);
		const replay = await hubspot.sendWebhookEvents(events, { timestamp: now });
		expect(replay.status).toBe(200);
		expect(JSON.parse(replay.body)).toMatchObject({ duplicates: 1 });
		// One execution in all: the refused deliveries and the replay started none.
		const { total } = await settleInbound(before + 1);
		expect(total).toBe(before + 1);
		expect((await customers()).find((r) => r.ban === 'E2E-SIG')!.company_name).toBe('Signed Name');
	});

	it('one delivery of 100 events with 10 repeated eventIds applies 90 and logs 10 duplicates', async () => {
		const made = [];
		for (let i = 0; i < 30; i++)
			made.push(await createCustomer(`E2E-B${String(i).padStart(2, '0')}`));
		hubspot.configureWebhooks({
			targetUrl: inboundUrl,
			clientSecret: CLIENT_SECRET,
			subscriptions: ['company.propertyChange'],
			retryDelaysMs: [100],
		});
		for (const c of made)
			hubspot.uiUpdate('companies', c.hubspotId, {
				name: `${c.ban} renamed`,
				credit_limit: '2500',
				billing_email: `${c.ban.toLowerCase()}@new.test`,
			});
		const ids = new Set(made.map((c) => c.hubspotId));
		const events = hubspot.queuedWebhookEvents().filter((e) => ids.has(String(e.objectId)));
		expect(events).toHaveLength(90);
		const delivery = [...events, ...events.slice(0, 10)];
		const before = await finishedRuns();
		const res = await hubspot.sendWebhookEvents(delivery);
		expect(res.status).toBe(200);
		const runs = await n8n.waitForExecutions(INBOUND, before + 1, 60_000);
		const [done, review] = nodeOutputs(runs[0], 'Apply HubSpot Changes');
		expect(done).toHaveLength(90);
		expect(review ?? []).toHaveLength(0);
		expect(done.every((i) => i.outcome === 'applied')).toBe(true);
		const rows = (await customers()).filter((r) => r.ban.startsWith('E2E-B'));
		expect(
			rows.every((r) => r.company_name === `${r.ban} renamed` && Number(r.credit_limit) === 2500),
		).toBe(true);
		const { rows: dups } = await pg.query(
			`SELECT reason, count(*)::int AS n FROM ${pg.qualified('hubspot_sync_log')} WHERE action = 'duplicate' AND event_id = ANY($1::text[]) GROUP BY reason`,
			[events.map((e) => String(e.eventId))],
		);
		expect(dups).toEqual([{ reason: 'eventId repeated within one delivery', n: 10 }]);

		// HubSpot delivers the same events itself (one request of up to 100): nothing more runs.
		const delivered = await hubspot.deliverWebhooks();
		expect(delivered.requests.map((r) => r.status)).toEqual([200]);
		expect(await startedRuns()).toBe(before + 1);
	});
});

describe('App update queue and flush', () => {
	it('a queued change reaches HubSpot on the next flush, in one batch update', async () => {
		const c = await createCustomer('E2E-Q1');
		await pg.query(
			`UPDATE ${pg.qualified('customers')} SET credit_limit = 7777, status = 'suspended', updated_at = now() WHERE id = $1`,
			[c.id],
		);
		const queued = await post('customers/changed', {
			id: c.id,
			changed: ['credit_limit', 'status'],
		});
		expect(queued.status).toBe(202);
		expect(queued.json).toMatchObject({ key: c.id, queued: true });
		const before = hubspot.requests().filter((r) => r.path.endsWith('/batch/update')).length;
		const run = await cli(FLUSH);
		const summary = run.resultData.runData['Flush App Changes'][0].data.main[0][0].json;
		expect(summary).toMatchObject({ claimed: 1, synced: 1, failed: 0 });
		expect(hubspot.requests().filter((r) => r.path.endsWith('/batch/update')).length).toBe(
			before + 1,
		);
		expect(
			hubspot.objects('companies').find((r) => r.id === c.hubspotId)!.properties,
		).toMatchObject({ credit_limit: '7777', account_status: 'suspended' });
	});
});

describe('HubSpot reconciliation', () => {
	it('puts drift right both ways and posts its counts to Slack', async () => {
		const c = await createCustomer('E2E-R1');
		hubspot.uiUpdate('companies', c.hubspotId, { payment_terms: 'net90' });
		await pg.query(
			`UPDATE ${pg.qualified('customers')} SET company_name = 'Renamed in app', updated_at = now() WHERE id = $1`,
			[c.id],
		);
		const run = await cli(RECONCILE);
		const summary = run.resultData.runData.Reconcile[0].data.main[0][0].json;
		expect(summary).toMatchObject({ status: 'finished', mode: 'apply', errors: 0 });
		// Every other customer was kept in step by the tests before: only this one drifted.
		expect(summary).toMatchObject({
			updated_in_app: 1,
			updated_in_hubspot: 1,
			conflicts: 0,
			manual: 0,
		});
		expect(summary.equal).toBe(summary.compared - 1);
		expect((await customers()).find((r) => r.ban === 'E2E-R1')!.payment_terms).toBe('net90');
		expect(hubspot.objects('companies').find((r) => r.id === c.hubspotId)!.properties.name).toBe(
			'Renamed in app',
		);
		const posted = slack
			.messages()
			.find((m) => m.text.includes('HubSpot reconciliation (applied) finished'));
		expect(posted?.text).toContain(`${summary.compared} customers compared`);
	});
});
