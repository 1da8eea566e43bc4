/**
 * Real n8n 2.40.7 with the packed package installed in ~/.n8n/nodes, the shipped workflow and the credentials
 * template imported and published, driven over its production webhook URL. The workflows are imported as
 * shipped, with only the base of their Airtable nodes picked (what a user does after import).
 */
import { randomBytes } from 'crypto';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { startLumaEmulator, type LumaEmulator } from '../emulators/luma/server';
import {
	sampleGuestRegistered,
	sendLumaWebhook,
	type LumaSignatureScheme,
} from '../emulators/luma/webhookSender';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import {
	freePort,
	installPackage,
	N8n,
	nodeOutputs,
	parseCliRun,
	ROOT,
	sleep,
	type Execution,
} from './harness/n8n';
import { withAirtableBase } from '../harness/airtableBase';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const WORKFLOW = 'mkopsLumaRegSync';
const AUTO_WORKFLOW = 'mkopsLumaAutoE2E';
const ERROR_WORKFLOW = 'mkopsErrorAlerts';
const WITH_AIRTABLE = ['luma-registration-sync.json', 'csv-registration-import.json'];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** Luma Trigger v2's production path: `<node webhook ID>/luma`, read from the shipped workflow. */
const TRIGGER_PATH = (() => {
	const shipped = JSON.parse(
		readFileSync(join(ROOT, 'workflows/luma-registration-sync.json'), 'utf8'),
	);
	const node = shipped.nodes.find(
		(n: { type: string }) => n.type === 'n8n-nodes-marketing-ops.lumaTrigger',
	);
	return `${node.webhookId}/luma`;
})();

let n8n: N8n;
let luma: LumaEmulator;
let hubspot: HubSpotEmulator;
let airtable: AirtableEmulator;
let slack: SlackEmulator;
let setupRunOutput: string;
const HUBSPOT_TOKEN = 'pat-e2e-private-app-token';
let url: string;

function fillTemplate(emulatorUrl: string, hubspotUrl: string) {
	// Every credential of the template is imported; these four are the ones the imported workflows run with.
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	) as Array<{
		type: string;
		data: Record<string, string | number>;
	}>;
	return template.map((c) => {
		if (c.type === 'lumaApi')
			return {
				...c,
				data: { apiKey: 'luma_test_key', webhookSecret: SECRET, baseUrl: emulatorUrl },
			};
		if (c.type === 'hubSpotBatchApi')
			return { ...c, data: { ...c.data, accessToken: HUBSPOT_TOKEN, baseUrl: hubspotUrl } };
		if (c.type === 'airtableRegistryApi')
			return {
				...c,
				data: { ...c.data, accessToken: airtable.defaultToken, baseUrl: airtable.url },
			};
		// n8n's Slack node always calls https://slack.com: the emulator is its HTTPS proxy (see n8nEnv()).
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		return c;
	});
}

const registration = (n: number, overrides: Record<string, unknown> = {}) =>
	sampleGuestRegistered({
		email: `  Jane.Doe+${n}@ACME.com `,
		name: "jane mcdonald-o'brien",
		eventId: 'evt-cfo-dec',
		eventName: 'CFO Roundtable: Banking Stack',
		startAt: '2025-12-15T18:00:00.000Z',
		registeredAt: '2025-12-01T14:32:00Z',
		guestId: `gst-${n}`,
		phone: '(415) 555-2671',
		...overrides,
	});

/** The Airtable Registrations record for an email and Luma event (the upsert's dedupe_key). */
const registrationRecord = (email: string, lumaEventId: string) =>
	airtable.records('Registrations').find((r) => r.fields.dedupe_key === `${email}|${lumaEventId}`);

/** Every write the HubSpot and Airtable emulators have taken so far (anything but a read). */
const writesSoFar = () => ({
	hubspot: hubspot.requests().filter((r) => r.method !== 'GET').length,
	airtable: airtable.requests().filter((r) => r.method !== 'GET').length,
});

async function executionCountAfterQuietPeriod(): Promise<number> {
	await sleep(1500);
	return (await n8n.executions(WORKFLOW)).length;
}

beforeAll(async () => {
	luma = await startLumaEmulator();
	// A fresh portal: the Event Tracking properties exist only once the shipped setup workflow has run.
	hubspot = await startHubSpotEmulator({ tokens: [HUBSPOT_TOKEN], bareAccount: true });
	airtable = await startAirtableEmulator();
	slack = await startSlackEmulator();
	n8n = await N8n.create({ env: slack.n8nEnv() });
	installPackage(n8n.userFolder);
	n8n.importCredentials(fillTemplate(luma.url, hubspot.url));
	// Every shipped workflow, as a user would import them, then picks the base in the Airtable nodes.
	const base = { id: airtable.baseId, name: 'Event Registry' };
	for (const file of readdirSync(join(ROOT, 'workflows')).filter(
		(f) => f.endsWith('.json') && !f.startsWith('credentials'),
	)) {
		const shipped = join(ROOT, 'workflows', file);
		n8n.importWorkflow(WITH_AIRTABLE.includes(file) ? withAirtableBase(shipped, base) : shipped);
	}
	n8n.importWorkflow(join(__dirname, 'fixtures/luma-auto-registration.json'));
	n8n.publish(WORKFLOW);
	n8n.publish(AUTO_WORKFLOW);
	// n8n 2.x runs only the published version of an error workflow.
	n8n.publish(ERROR_WORKFLOW);
	await n8n.start();
	await n8n.login();
	url = `${n8n.baseUrl}/webhook/${TRIGGER_PATH}`;
	setupRunOutput = await n8n.cliAsync(['execute', '--id=mkopsHsSetupProp', '--rawOutput'], {
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
	});
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await luma?.close();
	await hubspot?.close();
	await airtable?.close();
	await slack?.close();
});

describe('package loads in real n8n', () => {
	it('registers every node and credential listed in package.json, with no load errors', async () => {
		const nodes = (await n8n.restGet('/types/nodes.json')) as Array<{ name: string }>;
		const credentials = (await n8n.restGet('/types/credentials.json')) as Array<{ name: string }>;
		const nodeNames = new Set(nodes.map((n) => n.name));
		const credentialNames = new Set(credentials.map((c) => c.name));
		for (const file of pkg.n8n.nodes as string[]) {
			const cls = Object.values(require(join(ROOT, file)))[0] as new () => {
				description: { name: string };
			};
			expect(nodeNames).toContain(`n8n-nodes-marketing-ops.${new cls().description.name}`);
		}
		for (const file of pkg.n8n.credentials as string[]) {
			const cls = Object.values(require(join(ROOT, file))).find(
				(v) => typeof v === 'function',
			) as new () => { name: string };
			expect(credentialNames).toContain(new cls().name);
		}
		expect(n8n.log()).not.toMatch(
			/error.*(loading|load).*(node|credential)|Problem loading|Cannot find module/i,
		);
	});

	it("the Luma credential's Test button: OK with the sandbox key, a clear failure for a revoked one, no key echoed", async () => {
		const test = (apiKey: string) =>
			n8n.restPost('/rest/credentials/test', {
				credentials: {
					id: 'mkopsLumaCred001',
					name: 'Luma account',
					type: 'lumaApi',
					data: { apiKey, webhookSecret: SECRET, baseUrl: luma.url },
				},
			});
		expect((await test('luma_test_key')).data).toEqual({
			status: 'OK',
			message: 'Connection successful!',
		});
		luma.setFaults({ revokedKeys: ['luma_revoked_key'] });
		const failed = (await test('luma_revoked_key')).data;
		expect(failed.status).toBe('Error');
		expect(JSON.stringify(failed)).not.toContain('luma_revoked_key');
		luma.setFaults({ revokedKeys: [] });
	});

	it('activated the shipped workflow (its production webhook answers)', async () => {
		expect(n8n.log()).not.toMatch(/could not be activated|Issue on initial workflow activation/i);
	});
});

describe('signed deliveries in real n8n', () => {
	// Legacy (no timestamp) is refused under Auto, the shipped setting: see the rejections below.
	const schemes: LumaSignatureScheme[] = ['luma', 'standard'];

	it.each(schemes.map((s, i) => [s, i] as const))(
		'%s signature: 200 and the Valid output holds the normalized contact',
		async (scheme, i) => {
			const before = (await n8n.executions(WORKFLOW)).length;
			const res = await sendLumaWebhook(url, { scheme, secret: SECRET, payload: registration(i) });
			expect(res.status).toBe(200);
			expect(res.body).toEqual({ received: true });
			const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
			const [valid, duplicate, invalid] = nodeOutputs(latest, 'Dedupe & Normalize');
			expect(duplicate).toHaveLength(0);
			expect(invalid).toHaveLength(0);
			expect(valid).toHaveLength(1);
			expect(valid[0]).toMatchObject({
				email: `jane.doe+${i}@acme.com`,
				first_name: 'Jane',
				last_name: "McDonald-O'Brien",
				phone: '+14155552671',
				registration_date: '2025-12-01T14:32:00.000Z',
				event_id: 'evt-cfo-dec',
				event_name: 'CFO Roundtable: Banking Stack',
				event_date: '2025-12-15T18:00:00.000Z',
				registration_source: 'Luma API',
				utm_campaign: 'event_cfo-roundtable-banking-stack_2025-12-15',
				source_record_id: `gst-${i}`,
			});
			const trigger = nodeOutputs(latest, 'Luma Trigger')[0][0];
			expect(trigger.signature_scheme).toBe(scheme);
			expect(JSON.stringify(latest.data)).not.toContain(SECRET);
		},
	);

	const now = () => Math.floor(Date.now() / 1000);
	const rejections: Array<[string, () => Parameters<typeof sendLumaWebhook>[1]]> = [
		[
			'tampered body',
			() => ({ scheme: 'luma', secret: SECRET, payload: registration(100), tamper: true }),
		],
		[
			'wrong secret',
			() => ({
				scheme: 'luma',
				secret: `whsec_${randomBytes(24).toString('base64')}`,
				payload: registration(101),
			}),
		],
		[
			'wrong secret (standard)',
			() => ({
				scheme: 'standard',
				secret: `whsec_${randomBytes(24).toString('base64')}`,
				payload: registration(102),
			}),
		],
		['missing signature header', () => ({ payload: registration(103), unsigned: true })],
		[
			'stale timestamp (6 min old)',
			() => ({
				scheme: 'luma',
				secret: SECRET,
				payload: registration(104),
				timestamp: now() - 360,
			}),
		],
		[
			'timestamp 6 min in the future',
			() => ({
				scheme: 'standard',
				secret: SECRET,
				payload: registration(105),
				timestamp: now() + 360,
			}),
		],
		[
			'legacy X-Luma-Signature under Auto (no timestamp: never accepted unless chosen)',
			() => ({ scheme: 'legacy', secret: SECRET, payload: registration(106) }),
		],
		[
			'replayed delivery signed a day ago',
			() => ({
				scheme: 'standard',
				secret: SECRET,
				payload: registration(0),
				timestamp: now() - 86400,
				id: 'msg_replay',
			}),
		],
	];

	it.each(rejections)(
		'%s: 401 with a generic body, no execution runs, nothing is written',
		async (_name, make) => {
			const before = (await n8n.executions(WORKFLOW)).length;
			const writes = writesSoFar();
			const res = await sendLumaWebhook(url, make());
			expect(res.status).toBe(401);
			expect(res.body).toEqual({ message: 'Unauthorized' });
			expect(await executionCountAfterQuietPeriod()).toBe(before);
			expect(writesSoFar()).toEqual(writes);
		},
	);

	it('the same signed delivery sent twice starts exactly one execution; the repeat gets 200 and writes nothing', async () => {
		const earlier = new Set((await n8n.executions(WORKFLOW)).map((e) => e.id));
		const before = earlier.size;
		const delivery = {
			scheme: 'luma' as const,
			secret: SECRET,
			payload: registration(600),
			timestamp: now(),
		};
		expect(await sendLumaWebhook(url, delivery)).toMatchObject({
			status: 200,
			body: { received: true },
		});
		// The first delivery's execution has finished (all its writes done) before the snapshot.
		const finished = await n8n.waitForExecutions(WORKFLOW, before + 1);
		expect(finished.filter((e) => !earlier.has(e.id))).toHaveLength(1);
		const writes = writesSoFar();
		expect(await sendLumaWebhook(url, delivery)).toMatchObject({
			status: 200,
			body: { received: true, duplicate: true },
		});
		expect(await executionCountAfterQuietPeriod()).toBe(before + 1);
		expect(writesSoFar()).toEqual(writes);
	});

	it('a signed null body gets 400 and starts no execution', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		const writes = writesSoFar();
		const res = await sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, body: 'null' });
		expect(res).toMatchObject({
			status: 400,
			body: { message: 'Body must be a JSON object with a "type"' },
		});
		expect(await executionCountAfterQuietPeriod()).toBe(before);
		expect(writesSoFar()).toEqual(writes);
	});

	it('an event type outside the filter gets 200 and starts nothing', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		const res = await sendLumaWebhook(url, {
			scheme: 'luma',
			secret: SECRET,
			payload: registration(200, { type: 'ticket.registered' }),
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ received: true, ignored: 'ticket.registered' });
		expect(await executionCountAfterQuietPeriod()).toBe(before);
	});

	it('a repeated delivery of the same registration goes to Duplicate, not Valid', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		// Luma fires guest.updated too for a new registration: same guest, fresh signature.
		const res = await sendLumaWebhook(url, {
			scheme: 'luma',
			secret: SECRET,
			payload: registration(0, { type: 'guest.updated' }),
		});
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		const [valid, duplicate] = nodeOutputs(latest, 'Dedupe & Normalize');
		expect(valid).toHaveLength(0);
		expect(duplicate).toHaveLength(1);
		expect(duplicate[0]).toMatchObject({
			email: 'jane.doe+0@acme.com',
			duplicate: { reason: 'seen in an earlier execution' },
		});
	});

	it('guest.registered and guest.updated arriving together: exactly one Valid', async () => {
		// A burst of deliveries for one new registration (Luma's registered + updated, plus retries) at once.
		const BURST = 12;
		const before = (await n8n.executions(WORKFLOW)).length;
		const sends = await Promise.all(
			Array.from({ length: BURST }, (_, i) =>
				sendLumaWebhook(url, {
					scheme: 'luma',
					secret: SECRET,
					payload: registration(500, { type: i % 2 ? 'guest.updated' : 'guest.registered' }),
					// Each its own signature: a byte-identical copy would be refused as a replay.
					timestamp: now() - i,
				}),
			),
		);
		expect(sends.map((r) => r.status)).toEqual(Array(BURST).fill(200));
		const outputs = (await n8n.waitForExecutions(WORKFLOW, before + BURST))
			.slice(0, BURST)
			.map((e) => nodeOutputs(e, 'Dedupe & Normalize'));
		expect(outputs.flatMap((o) => o[0]).map((c) => c.email)).toEqual(['jane.doe+500@acme.com']);
		expect(outputs.flatMap((o) => o[1])).toHaveLength(BURST - 1);
		// And it landed once: one Airtable registration, counted once in HubSpot.
		expect(
			airtable.records('Registrations').filter((r) => r.fields.email === 'jane.doe+500@acme.com'),
		).toHaveLength(1);
		expect(
			hubspot
				.objects('contacts')
				.filter((c) => c.properties.email === 'jane.doe+500@acme.com')
				.map((c) => c.properties.contact_total_events_attended),
		).toEqual(['1']);
	});

	it('dedupe memory survives an n8n restart (processed-data store)', async () => {
		await n8n.restart();
		await n8n.login();
		const before = (await n8n.executions(WORKFLOW)).length;
		expect(
			(await sendLumaWebhook(url, { scheme: 'standard', secret: SECRET, payload: registration(1) }))
				.status,
		).toBe(200);
		expect(
			(await sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, payload: registration(300) }))
				.status,
		).toBe(200);
		const executions: Execution[] = await n8n.waitForExecutions(WORKFLOW, before + 2);
		const outputs = executions.slice(0, 2).map((e) => nodeOutputs(e, 'Dedupe & Normalize'));
		const validEmails = outputs.flatMap((o) => o[0].map((c) => c.email));
		const duplicateEmails = outputs.flatMap((o) => o[1].map((c) => c.email));
		expect(validEmails).toEqual(['jane.doe+300@acme.com']);
		expect(duplicateEmails).toEqual(['jane.doe+1@acme.com']);
	});
});

describe('Luma node in real n8n: the shipped backfill workflow', () => {
	it('pages through every event and guest of the calendar and normalizes them (n8n execute)', async () => {
		const seeded = luma.seed({ events: 2, guestsPerEvent: 130 });
		const pagesBefore = luma.requests({ path: '/v1/events/guests/list' }).length;
		// A second n8n process on the same user folder: give its task broker its own port.
		const out = await n8n.cliAsync(['execute', '--id=mkopsLumaBackfil', '--rawOutput'], {
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		});
		let run: ReturnType<typeof parseCliRun>;
		try {
			run = parseCliRun(out);
		} catch {
			throw new Error(`n8n execute printed no run:\n${out.slice(0, 4000)}\n…\n${out.slice(-4000)}`);
		}
		const dedupe = run.resultData.runData['Dedupe & Normalize'][0].data.main as Array<
			Array<{ json: any }>
		>;
		expect(dedupe[2]).toEqual([]);
		expect(dedupe[0]).toHaveLength(260);
		const event = seeded.events[0];
		const guest = seeded.guests[event.id][0];
		expect(dedupe[0].find((i) => i.json.source_record_id === guest.id)?.json).toMatchObject({
			email: guest.user_email.toLowerCase(),
			event_id: event.id,
			event_name: event.name,
			registration_source: 'Luma API',
		});
		// 1 events page + 2 pages of guests per event (100 per page), all within the rate limit.
		expect(luma.requests({ path: '/v1/events/guests/list' }).length - pagesBefore).toBe(4);
		expect(luma.requests().filter((r) => r.status === 429)).toHaveLength(0);
	});
});

describe('Register Automatically', () => {
	const autoHook = () =>
		[...luma.state.webhooks.values()].find((h) => h.url === `${n8n.baseUrl}/webhook/luma-auto-e2e`);

	it('created the webhook in Luma on publish, and Luma deliveries signed with its secret run the workflow', async () => {
		const hook = autoHook();
		expect(hook).toBeDefined();
		const before = (await n8n.executions(AUTO_WORKFLOW)).length;
		const res = await luma.sendWebhook({ webhookId: hook!.id, payload: registration(400) });
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(AUTO_WORKFLOW, before + 1);
		expect(nodeOutputs(latest, 'Dedupe & Normalize')[0][0]).toMatchObject({
			email: 'jane.doe+400@acme.com',
		});
	});

	it('deletes the webhook in Luma when the workflow is unpublished', async () => {
		expect(autoHook()).toBeDefined();
		await n8n.publicApi('POST', `/workflows/${AUTO_WORKFLOW}/deactivate`);
		// Unpublishing is applied asynchronously by n8n 2.x; Luma must see the delete shortly after.
		const deadline = Date.now() + 20000;
		while (autoHook() && Date.now() < deadline) await sleep(250);
		expect(autoHook()).toBeUndefined();
		expect(
			luma.requests({ method: 'POST', path: '/v1/webhooks/delete' }).map((r) => r.status),
		).toEqual([200]);
	});

	it('publishing while Luma answers the create with a 502 after making it: Luma is asked first, one webhook remains', async () => {
		const createsBefore = luma.requests({ path: '/v2/webhooks/create' }).length;
		// Publishing lists Luma's webhooks first: only the create meets the fault.
		luma.setFaults({ force5xxAfterApply: 1, status5xx: 502, faultPath: '/v2/webhooks/create' });
		await n8n.publicApi('POST', `/workflows/${AUTO_WORKFLOW}/activate`);
		// n8n activates asynchronously: wait for the create that follows the unseen one.
		const creates = () => luma.requests({ path: '/v2/webhooks/create' }).length - createsBefore;
		const deadline = Date.now() + 20000;
		while (creates() < 2 && Date.now() < deadline) await sleep(250);
		await sleep(500);
		// The webhook made unseen (its secret is only in the lost answer) was replaced, once.
		expect(creates()).toBe(2);
		expect(luma.requests({ method: 'POST', path: '/v1/webhooks/delete' })).toHaveLength(2);
		const hooks = [...luma.state.webhooks.values()].filter(
			(h) => h.url === `${n8n.baseUrl}/webhook/luma-auto-e2e`,
		);
		expect(hooks).toHaveLength(1);
		// The adopted webhook's secret verifies Luma's deliveries.
		const before = (await n8n.executions(AUTO_WORKFLOW)).length;
		const res = await luma.sendWebhook({ webhookId: hooks[0].id, payload: registration(401) });
		expect(res.status).toBe(200);
		await n8n.waitForExecutions(AUTO_WORKFLOW, before + 1);
	});
});

describe('HubSpot Batch in real n8n: the shipped sync and setup workflows', () => {
	const contact = (email: string) =>
		hubspot.objects('contacts').find((c) => c.properties.email === email);
	const listNamed = (name: string) => hubspot.state.snapshot().lists.find((l) => l.name === name);

	it('the setup workflow created the Event Tracking group and the seed properties (n8n execute)', () => {
		const run = parseCliRun(setupRunOutput);
		const summary =
			run.resultData.runData['HubSpot: Ensure Event Tracking Properties'][0].data.main[0][0].json;
		expect(summary.group).toEqual({
			name: 'event_tracking',
			label: 'Event Tracking',
			status: 'created',
		});
		expect(summary.created).toBe(5);
		const group = hubspot.state
			.snapshot()
			.properties.contacts.filter((p) => p.groupName === 'event_tracking');
		expect(group.map((p) => p.name).sort()).toEqual([
			'contact_first_event_date',
			'contact_lifecycle_event_source',
			'contact_recent_event_date',
			'contact_recent_event_name',
			'contact_total_events_attended',
		]);
	});

	it("the HubSpot credential's Test button: OK with the token, a clear failure for a revoked one, no token echoed", async () => {
		const test = (accessToken: string) =>
			n8n.restPost('/rest/credentials/test', {
				credentials: {
					id: 'mkopsHubSpotCrd1',
					name: 'HubSpot account',
					type: 'hubSpotBatchApi',
					data: { accessToken, tier: 'professional', baseUrl: hubspot.url },
				},
			});
		expect((await test(HUBSPOT_TOKEN)).data).toEqual({
			status: 'OK',
			message: 'Connection successful!',
		});
		expect(
			hubspot.requests({ method: 'GET', path: '/crm/v3/objects/contacts' }).length,
		).toBeGreaterThan(0);
		hubspot.setFaults({ tokens: ['pat-revoked-token'], revokedTokens: ['pat-revoked-token'] });
		const failed = (await test('pat-revoked-token')).data;
		expect(failed.status).toBe('Error');
		expect(JSON.stringify(failed)).not.toContain('pat-revoked-token');
		hubspot.setFaults({ revokedTokens: [] });
	});

	it("the editor loads the account's properties, object types and columns through the node's methods", async () => {
		const base = {
			nodeTypeAndVersion: { name: 'n8n-nodes-marketing-ops.hubSpotBatch', version: 1 },
			credentials: { hubSpotBatchApi: { id: 'mkopsHubSpotCrd1', name: 'HubSpot account' } },
		};
		const columns = await n8n.restPost('/rest/dynamic-node-parameters/resource-mapper-fields', {
			...base,
			path: 'columns',
			methodName: 'getContactColumns',
			currentNodeParameters: { resource: 'contact', operation: 'upsert' },
		});
		const fields = columns.data.fields as Array<{ id: string; required: boolean }>;
		expect(fields[0]).toMatchObject({ id: 'email', required: true });
		expect(fields.map((f) => f.id)).toEqual(
			expect.arrayContaining(['firstname', 'contact_total_events_attended']),
		);
		// Read-only properties cannot be mapped.
		expect(fields.map((f) => f.id)).not.toContain('hs_object_id');

		const options = await n8n.restPost('/rest/dynamic-node-parameters/options', {
			...base,
			path: 'mergeRules.rule.property',
			methodName: 'getContactPropertyOptions',
			currentNodeParameters: { resource: 'contact', operation: 'upsert' },
		});
		expect(options.data.map((o: { value: string }) => o.value)).toContain(
			'contact_first_event_date',
		);

		const types = await n8n.restPost('/rest/dynamic-node-parameters/options', {
			...base,
			path: 'objectType',
			methodName: 'getObjectTypes',
			currentNodeParameters: { resource: 'object', operation: 'batchUpsert' },
		});
		expect(types.data.map((o: { value: string }) => o.value)).toEqual(
			expect.arrayContaining(['companies', 'deals']),
		);
	});

	it('signed Luma delivery → contact upserted with the merge rules, and added to the event list', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		const res = await sendLumaWebhook(url, {
			scheme: 'luma',
			secret: SECRET,
			payload: registration(501, { guestId: 'gst-hs-1' }),
		});
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		expect(latest.status).toBe('success');
		const [upserted, upsertErrors] = nodeOutputs(latest, 'HubSpot: Upsert Contact');
		expect(upsertErrors ?? []).toHaveLength(0);
		expect(upserted).toHaveLength(1);
		expect(upserted[0]).toMatchObject({ email: 'jane.doe+501@acme.com', status: 'created' });

		const stored = contact('jane.doe+501@acme.com')!;
		expect(stored.id).toBe(upserted[0].hubspot_id);
		expect(stored.properties).toMatchObject({
			firstname: 'Jane',
			lastname: "McDonald-O'Brien",
			phone: '+14155552671',
			contact_recent_event_name: 'CFO Roundtable: Banking Stack',
			contact_recent_event_date: '2025-12-15',
			contact_first_event_date: '2025-12-15',
			contact_total_events_attended: '1',
			utm_campaign: 'event_cfo-roundtable-banking-stack_2025-12-15',
		});

		const list = listNamed('Event Registrations - CFO Roundtable: Banking Stack - 2025-12-15')!;
		expect(list).toMatchObject({ processingType: 'MANUAL', objectTypeId: '0-1' });
		expect(hubspot.state.snapshot().memberships[list.listId]).toContain(stored.id);
		const [[added]] = nodeOutputs(latest, 'HubSpot: Add to Event List');
		expect(added).toMatchObject({
			list_id: list.listId,
			list_status: 'added',
			hubspot_id: stored.id,
		});

		// Airtable, the source of truth: one event per Luma event, the registration linked to it and marked synced.
		const events = airtable
			.records('Events')
			.filter((e) => e.fields.luma_event_id === 'evt-cfo-dec');
		expect(events).toHaveLength(1);
		expect(events[0].fields).toMatchObject({
			event_name: 'CFO Roundtable: Banking Stack',
			event_type: 'Luma Event',
			utm_source: 'luma',
			utm_medium: 'event',
			// The seed's formula only replaces spaces.
			utm_campaign: 'event_cfo-roundtable:-banking-stack_2025-12-15',
		});
		const record = registrationRecord('jane.doe+501@acme.com', 'evt-cfo-dec')!;
		expect(record.fields).toMatchObject({
			email: 'jane.doe+501@acme.com',
			first_name: 'Jane',
			last_name: "McDonald-O'Brien",
			phone: '+14155552671',
			registration_source: 'Luma API',
			event_id: [events[0].id],
			sync_status: 'Synced to HubSpot',
			hubspot_contact_id: Number(stored.id),
		});
		expect(record.fields.sync_error).toBeUndefined();
		expect(nodeOutputs(latest, 'Airtable: Mark Synced')[0][0]).toMatchObject({
			airtable_id: record.id,
			sync_status: 'Synced to HubSpot',
		});
		expect(nodeOutputs(latest, 'Airtable: Mark Sync Error')).toEqual([]);
		expect(JSON.stringify(latest.data)).not.toContain(HUBSPOT_TOKEN);
		expect(JSON.stringify(latest.data)).not.toContain(airtable.defaultToken);
	});

	it('a second registration of the same person, to a later event: name appended, count incremented, first date kept', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		const later = registration(501, {
			guestId: 'gst-hs-2',
			eventId: 'evt-treasury-jan',
			eventName: 'Treasury Summit',
			startAt: '2026-01-20T17:00:00.000Z',
		});
		expect(
			(await sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, payload: later })).status,
		).toBe(200);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		expect(nodeOutputs(latest, 'HubSpot: Upsert Contact')[0][0]).toMatchObject({
			status: 'updated',
		});
		expect(contact('jane.doe+501@acme.com')!.properties).toMatchObject({
			contact_recent_event_name: 'CFO Roundtable: Banking Stack;Treasury Summit',
			contact_recent_event_date: '2026-01-20',
			contact_first_event_date: '2025-12-15',
			contact_total_events_attended: '2',
		});
		expect(
			hubspot.objects('contacts').filter((c) => c.properties.email === 'jane.doe+501@acme.com'),
		).toHaveLength(1);
		const list = listNamed('Event Registrations - Treasury Summit - 2026-01-20')!;
		expect(hubspot.state.snapshot().memberships[list.listId]).toEqual([
			contact('jane.doe+501@acme.com')!.id,
		]);
	});

	it('a revoked token: the row leaves on the error output with a clear message, the execution still succeeds', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		hubspot.setFaults({ revokedTokens: [HUBSPOT_TOKEN] });
		const res = await sendLumaWebhook(url, {
			scheme: 'luma',
			secret: SECRET,
			payload: registration(502, { guestId: 'gst-hs-3' }),
		});
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		hubspot.setFaults({ revokedTokens: [] });
		expect(latest.status).toBe('success');
		const [ok, failed] = nodeOutputs(latest, 'HubSpot: Upsert Contact');
		expect(ok ?? []).toHaveLength(0);
		expect(failed).toHaveLength(1);
		expect(failed[0]).toMatchObject({
			email: 'jane.doe+502@acme.com',
			error: 'HubSpot rejected the access token (401): token revoked or invalid',
		});
		expect(contact('jane.doe+502@acme.com')).toBeUndefined();
		expect(JSON.stringify(latest.data)).not.toContain(HUBSPOT_TOKEN);

		// Recorded in Airtable before HubSpot was tried, then marked Error with HubSpot's message.
		const record = registrationRecord('jane.doe+502@acme.com', 'evt-cfo-dec')!;
		expect(record.fields).toMatchObject({
			sync_status: 'Error',
			sync_error: 'HubSpot rejected the access token (401): token revoked or invalid',
		});
		expect(record.fields.hubspot_contact_id).toBeUndefined();
		expect(nodeOutputs(latest, 'Airtable: Mark Synced')).toEqual([]);
		// And posted to Slack, through n8n's own Slack node.
		const alerts = slack.messages().filter((m) => m.text.includes('jane.doe+502@acme.com'));
		expect(alerts).toHaveLength(1);
		expect(alerts[0].channel).toBe('#mops-alerts');
		expect(alerts[0].text).toContain(
			'Reason: HubSpot rejected the access token (401): token revoked or invalid',
		);
		expect(alerts[0].text).toContain('CFO Roundtable: Banking Stack');
	});
});

describe('Dedupe in real n8n: a registration counts as processed only once it has landed', () => {
	const contact = (email: string) =>
		hubspot.objects('contacts').find((c) => c.properties.email === email);
	const deliver = async (payload: ReturnType<typeof registration>): Promise<Execution> => {
		const before = (await n8n.executions(WORKFLOW)).length;
		expect((await sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, payload })).status).toBe(
			200,
		);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		return latest;
	};
	const dedupe = (execution: Execution) => {
		const [valid, duplicate] = nodeOutputs(execution, 'Dedupe & Normalize');
		return { valid: valid.map((c) => c.email), duplicate: duplicate.map((c) => c.email) };
	};

	it('HubSpot failed: the next delivery, a guest.updated with changes, is not a Duplicate and lands once', async () => {
		const email = 'jane.doe+700@acme.com';
		hubspot.setFaults({ revokedTokens: [HUBSPOT_TOKEN] });
		let failed: Execution;
		try {
			failed = await deliver(registration(700, { guestId: 'gst-retry-1' }));
		} finally {
			hubspot.setFaults({ revokedTokens: [] });
		}
		expect(dedupe(failed).valid).toEqual([email]);
		expect(nodeOutputs(failed, 'HubSpot: Upsert Contact')[1]).toHaveLength(1);
		expect(nodeOutputs(failed, 'Dedupe: Release for Retry (HubSpot)')[0]).toHaveLength(1);
		expect(contact(email)).toBeUndefined();

		const updated = await deliver(
			registration(700, {
				guestId: 'gst-retry-1',
				type: 'guest.updated',
				phone: '+44 20 7946 0958',
			}),
		);
		expect(updated.status).toBe('success');
		expect(dedupe(updated)).toEqual({ valid: [email], duplicate: [] });
		expect(contact(email)!.properties).toMatchObject({
			phone: '+442079460958',
			contact_total_events_attended: '1',
		});
		expect(registrationRecord(email, 'evt-cfo-dec')!.fields).toMatchObject({
			phone: '+442079460958',
			sync_status: 'Synced to HubSpot',
		});

		// Landed: a later guest.updated, even with changes, is a Duplicate; the registration is counted once.
		const later = await deliver(
			registration(700, { guestId: 'gst-retry-1', type: 'guest.updated', name: 'Janet Doe' }),
		);
		expect(dedupe(later)).toEqual({ valid: [], duplicate: [email] });
		expect(contact(email)!.properties.contact_total_events_attended).toBe('1');
		expect(nodeOutputs(later, 'HubSpot: Upsert Contact')).toEqual([]);
	});

	it('HubSpot applied the upsert but answered 5xx every try: reported, and the next delivery does not count it twice', async () => {
		const email = 'jane.doe+702@acme.com';
		hubspot.setFaults({
			force5xxAfterApply: 3,
			faultPath: '/crm/v3/objects/contacts/batch/upsert',
		});
		let failed: Execution;
		try {
			failed = await deliver(registration(702, { guestId: 'gst-retry-3' }));
		} finally {
			hubspot.setFaults({ force5xxAfterApply: 0, faultPath: '' });
		}
		const [, errors] = nodeOutputs(failed, 'HubSpot: Upsert Contact');
		expect(errors).toHaveLength(1);
		expect(errors[0].details).toMatchObject({ may_have_landed: true });
		// The three tries each wrote the same values: the registration is counted once.
		expect(contact(email)!.properties.contact_total_events_attended).toBe('1');

		// Redelivered: remembered as processed (a fresh read would increment again), so a Duplicate.
		const again = await deliver(
			registration(702, { guestId: 'gst-retry-3', type: 'guest.updated' }),
		);
		expect(dedupe(again)).toEqual({ valid: [], duplicate: [email] });
		expect(contact(email)!.properties.contact_total_events_attended).toBe('1');
	});

	it('Airtable failed: the next delivery of the registration is not a Duplicate and lands once', async () => {
		const email = 'jane.doe+701@acme.com';
		airtable.setFaults({ revokeToken: airtable.defaultToken });
		let failed: Execution;
		try {
			failed = await deliver(registration(701, { guestId: 'gst-retry-2' }));
		} finally {
			airtable.setFaults({ restoreToken: airtable.defaultToken });
		}
		expect(dedupe(failed).valid).toEqual([email]);
		expect(nodeOutputs(failed, 'Dedupe: Release for Retry (Airtable)')[0]).toHaveLength(1);
		expect(registrationRecord(email, 'evt-cfo-dec')).toBeUndefined();
		expect(contact(email)).toBeUndefined();

		const again = await deliver(registration(701, { guestId: 'gst-retry-2' }));
		expect(again.status).toBe('success');
		expect(dedupe(again)).toEqual({ valid: [email], duplicate: [] });
		expect(registrationRecord(email, 'evt-cfo-dec')!.fields.sync_status).toBe('Synced to HubSpot');
		expect(contact(email)!.properties.contact_total_events_attended).toBe('1');
	});

	it('the list add failed after the contact was counted: marked Error and alerted, never released, so a redelivery is a Duplicate', async () => {
		const email = 'jane.doe+703@acme.com';
		const slackBefore = slack.messages().length;
		hubspot.setFaults({ force5xxAfterApply: 10, faultPath: '/memberships/add' });
		let failed: Execution;
		try {
			failed = await deliver(registration(703, { guestId: 'gst-retry-4' }));
		} finally {
			hubspot.setFaults({ force5xxAfterApply: 0, faultPath: '' });
		}
		expect(failed.status).toBe('success');
		expect(dedupe(failed).valid).toEqual([email]);
		expect(nodeOutputs(failed, 'HubSpot: Add to Event List')[1]).toHaveLength(1);
		// Counted once by Confirm Processed; no Release after it, where it could only mislead.
		const ran = Object.keys(failed.data!.resultData.runData);
		expect(ran.filter((name) => name.startsWith('Dedupe: Release'))).toEqual([]);
		expect(ran).toEqual(
			expect.arrayContaining(['Airtable: Mark Sync Error', 'Slack: Alert Sync Error']),
		);
		expect(registrationRecord(email, 'evt-cfo-dec')!.fields.sync_status).toBe('Error');
		expect(
			slack
				.messages()
				.slice(slackBefore)
				.filter((m) => m.text.includes(email)),
		).toHaveLength(1);

		const again = await deliver(
			registration(703, { guestId: 'gst-retry-4', type: 'guest.updated' }),
		);
		expect(dedupe(again)).toEqual({ valid: [], duplicate: [email] });
		expect(contact(email)!.properties.contact_total_events_attended).toBe('1');
	});
});

describe('Alerts in real n8n: Slack and the error workflow', () => {
	it('an invalid registration is posted to Slack with its reasons and never reaches Airtable or HubSpot', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		const slackBefore = slack.messages().length;
		const res = await sendLumaWebhook(url, {
			scheme: 'luma',
			secret: SECRET,
			payload: registration(600, { email: 'not-an-email', guestId: 'gst-invalid-1' }),
		});
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		expect(latest.status).toBe('success');
		const [valid, , invalid] = nodeOutputs(latest, 'Dedupe & Normalize');
		expect(valid).toHaveLength(0);
		expect(invalid).toHaveLength(1);
		const posted = slack.messages().slice(slackBefore);
		expect(posted).toHaveLength(1);
		expect(posted[0].text).toContain('Invalid Luma registration (guest gst-invalid-1');
		expect(posted[0].text).toMatch(/email: /);
		expect(
			airtable
				.records('Registrations')
				.filter((r) => String(r.fields.email).includes('not-an-email')),
		).toHaveLength(0);
		expect(nodeOutputs(latest, 'Airtable: Find or Create Event')).toEqual([]);
	});

	it('Slack refusing the alert fails nothing: the execution succeeds, the refusal is kept on the Slack node, no error run', async () => {
		// An alert that cannot be delivered must not fail the flow it reports on (the alert node continues).
		const before = (await n8n.executions(WORKFLOW)).length;
		const errorRunsBefore = (await n8n.executions(ERROR_WORKFLOW)).length;
		const slackBefore = slack.messages().length;
		const since = Date.now();
		slack.setFaults({ failNext: 1, failError: 'channel_not_found' });
		const res = await sendLumaWebhook(url, {
			scheme: 'luma',
			secret: SECRET,
			payload: registration(601, { email: 'still-not-an-email', guestId: 'gst-invalid-2' }),
		});
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		expect(latest.status).toBe('success');
		expect(nodeOutputs(latest, 'Dedupe & Normalize')[2]).toHaveLength(1);
		// Slack was asked and refused: the refusal is on the alert's item, where the execution shows it.
		const refused = slack.requests().filter((r) => r.time >= since && r.ok === false);
		expect(refused).toHaveLength(1);
		const [[alert]] = nodeOutputs(latest, 'Slack: Alert Invalid Registration');
		expect(JSON.stringify(alert.error)).toContain('channel_not_found');
		expect(slack.messages()).toHaveLength(slackBefore);
		expect(await executionCountAfterQuietPeriod()).toBe(before + 1);
		expect(await n8n.executions(ERROR_WORKFLOW)).toHaveLength(errorRunsBefore);
	});
});
