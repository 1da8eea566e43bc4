/**
 * Real n8n 2.40.7 with the packed package installed in ~/.n8n/nodes, the shipped workflow and the credentials
 * template imported and published, driven over its production webhook URL.
 */
import { randomBytes } from 'crypto';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { startLumaEmulator, type LumaEmulator } from '../emulators/luma/server';
import { sampleGuestRegistered, sendLumaWebhook, type LumaSignatureScheme } from '../emulators/luma/webhookSender';
import { freePort, installPackage, N8n, nodeOutputs, parseCliRun, ROOT, sleep, type Execution } from './harness/n8n';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const WORKFLOW = 'mkopsLumaRegSync';
const AUTO_WORKFLOW = 'mkopsLumaAutoE2E';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

let n8n: N8n;
let luma: LumaEmulator;
let url: string;

function fillTemplate(emulatorUrl: string) {
	const template = JSON.parse(readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8')) as Array<{ type: string; data: Record<string, string> }>;
	return template.map((c) => {
		if (c.type === 'lumaApi') return { ...c, data: { apiKey: 'luma_test_key', webhookSecret: SECRET, baseUrl: emulatorUrl } };
		return c;
	});
}

const registration = (n: number, overrides: Record<string, unknown> = {}) =>
	sampleGuestRegistered({
		email: `  Jane.Doe+${n}@ACME.com `,
		name: 'jane mcdonald-o\'brien',
		eventId: 'evt-cfo-dec',
		eventName: 'CFO Roundtable: Banking Stack',
		startAt: '2025-12-15T18:00:00.000Z',
		registeredAt: '2025-12-01T14:32:00Z',
		guestId: `gst-${n}`,
		phone: '(415) 555-2671',
		...overrides,
	});

async function executionCountAfterQuietPeriod(): Promise<number> {
	await sleep(1500);
	return (await n8n.executions(WORKFLOW)).length;
}

beforeAll(async () => {
	luma = await startLumaEmulator();
	n8n = await N8n.create();
	installPackage(n8n.userFolder);
	n8n.importCredentials(fillTemplate(luma.url));
	// Every shipped workflow, as a user would import them.
	for (const file of readdirSync(join(ROOT, 'workflows')).filter((f) => f.endsWith('.json') && !f.startsWith('credentials'))) {
		n8n.importWorkflow(join(ROOT, 'workflows', file));
	}
	n8n.importWorkflow(join(__dirname, 'fixtures/luma-auto-registration.json'));
	n8n.publish(WORKFLOW);
	n8n.publish(AUTO_WORKFLOW);
	await n8n.start();
	await n8n.login();
	url = `${n8n.baseUrl}/webhook/luma-registration`;
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await luma?.close();
});

describe('package loads in real n8n', () => {
	it('registers every node and credential listed in package.json, with no load errors', async () => {
		const nodes = (await n8n.restGet('/types/nodes.json')) as Array<{ name: string }>;
		const credentials = (await n8n.restGet('/types/credentials.json')) as Array<{ name: string }>;
		const nodeNames = new Set(nodes.map((n) => n.name));
		const credentialNames = new Set(credentials.map((c) => c.name));
		for (const file of pkg.n8n.nodes as string[]) {
			const cls = Object.values(require(join(ROOT, file)))[0] as new () => { description: { name: string } };
			expect(nodeNames).toContain(`n8n-nodes-marketing-ops.${new cls().description.name}`);
		}
		for (const file of pkg.n8n.credentials as string[]) {
			const cls = Object.values(require(join(ROOT, file)))[0] as new () => { name: string };
			expect(credentialNames).toContain(new cls().name);
		}
		expect(n8n.log()).not.toMatch(/error.*(loading|load).*(node|credential)|Problem loading|Cannot find module/i);
	});

	it("the Luma credential's Test button: OK with the sandbox key, a clear failure for a revoked one, no key echoed", async () => {
		const test = (apiKey: string) =>
			n8n.restPost('/rest/credentials/test', {
				credentials: { id: 'mkopsLumaCred001', name: 'Luma account', type: 'lumaApi', data: { apiKey, webhookSecret: SECRET, baseUrl: luma.url } },
			});
		expect((await test('luma_test_key')).data).toEqual({ status: 'OK', message: 'Connection successful!' });
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
	const schemes: LumaSignatureScheme[] = ['luma', 'standard', 'legacy'];

	it.each(schemes.map((s, i) => [s, i] as const))('%s signature: 200 and the Valid output holds the normalized contact', async (scheme, i) => {
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
	});

	const now = () => Math.floor(Date.now() / 1000);
	const rejections: Array<[string, () => Parameters<typeof sendLumaWebhook>[1]]> = [
		['tampered body', () => ({ scheme: 'luma', secret: SECRET, payload: registration(100), tamper: true })],
		['wrong secret', () => ({ scheme: 'luma', secret: `whsec_${randomBytes(24).toString('base64')}`, payload: registration(101) })],
		['wrong secret (standard)', () => ({ scheme: 'standard', secret: `whsec_${randomBytes(24).toString('base64')}`, payload: registration(102) })],
		['missing signature header', () => ({ payload: registration(103), unsigned: true })],
		['stale timestamp (6 min old)', () => ({ scheme: 'luma', secret: SECRET, payload: registration(104), timestamp: now() - 360 })],
		['timestamp 6 min in the future', () => ({ scheme: 'standard', secret: SECRET, payload: registration(105), timestamp: now() + 360 })],
		['replayed delivery signed a day ago', () => ({ scheme: 'standard', secret: SECRET, payload: registration(0), timestamp: now() - 86400, id: 'msg_replay' })],
	];

	it.each(rejections)('%s: 401 with a generic body, and no execution runs', async (_name, make) => {
		const before = (await n8n.executions(WORKFLOW)).length;
		const res = await sendLumaWebhook(url, make());
		expect(res.status).toBe(401);
		expect(res.body).toEqual({ message: 'Unauthorized' });
		expect(await executionCountAfterQuietPeriod()).toBe(before);
	});

	it('an event type outside the filter gets 200 and starts nothing', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		const res = await sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, payload: registration(200, { type: 'ticket.registered' }) });
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ received: true, ignored: 'ticket.registered' });
		expect(await executionCountAfterQuietPeriod()).toBe(before);
	});

	it('a repeated delivery of the same registration goes to Duplicate, not Valid', async () => {
		const before = (await n8n.executions(WORKFLOW)).length;
		// Luma fires guest.updated too for a new registration: same guest, fresh signature.
		const res = await sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, payload: registration(0, { type: 'guest.updated' }) });
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(WORKFLOW, before + 1);
		const [valid, duplicate] = nodeOutputs(latest, 'Dedupe & Normalize');
		expect(valid).toHaveLength(0);
		expect(duplicate).toHaveLength(1);
		expect(duplicate[0]).toMatchObject({ email: 'jane.doe+0@acme.com', duplicate: { reason: 'seen in an earlier execution' } });
	});

	it('guest.registered and guest.updated arriving together: exactly one Valid', async () => {
		// A burst of deliveries for one new registration (Luma's registered + updated, plus retries) at once.
		const BURST = 12;
		const before = (await n8n.executions(WORKFLOW)).length;
		const sends = await Promise.all(
			Array.from({ length: BURST }, (_, i) =>
				sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, payload: registration(500, { type: i % 2 ? 'guest.updated' : 'guest.registered' }) }),
			),
		);
		expect(sends.map((r) => r.status)).toEqual(Array(BURST).fill(200));
		const outputs = (await n8n.waitForExecutions(WORKFLOW, before + BURST)).slice(0, BURST).map((e) => nodeOutputs(e, 'Dedupe & Normalize'));
		expect(outputs.flatMap((o) => o[0]).map((c) => c.email)).toEqual(['jane.doe+500@acme.com']);
		expect(outputs.flatMap((o) => o[1])).toHaveLength(BURST - 1);
	});

	it('dedupe memory survives an n8n restart (processed-data store)', async () => {
		await n8n.restart();
		await n8n.login();
		const before = (await n8n.executions(WORKFLOW)).length;
		expect((await sendLumaWebhook(url, { scheme: 'standard', secret: SECRET, payload: registration(1) })).status).toBe(200);
		expect((await sendLumaWebhook(url, { scheme: 'luma', secret: SECRET, payload: registration(300) })).status).toBe(200);
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
		const out = await n8n.cliAsync(['execute', '--id=mkopsLumaBackfil', '--rawOutput'], { N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
		const run = parseCliRun(out);
		const dedupe = run.resultData.runData['Dedupe & Normalize'][0].data.main as Array<Array<{ json: any }>>;
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
	const autoHook = () => [...luma.state.webhooks.values()].find((h) => h.url === `${n8n.baseUrl}/webhook/luma-auto-e2e`);

	it('created the webhook in Luma on publish, and Luma deliveries signed with its secret run the workflow', async () => {
		const hook = autoHook();
		expect(hook).toBeDefined();
		const before = (await n8n.executions(AUTO_WORKFLOW)).length;
		const res = await luma.sendWebhook({ webhookId: hook!.id, payload: registration(400) });
		expect(res.status).toBe(200);
		const [latest] = await n8n.waitForExecutions(AUTO_WORKFLOW, before + 1);
		expect(nodeOutputs(latest, 'Dedupe & Normalize')[0][0]).toMatchObject({ email: 'jane.doe+400@acme.com' });
	});

	it('deletes the webhook in Luma when the workflow is unpublished', async () => {
		expect(autoHook()).toBeDefined();
		await n8n.publicApi('POST', `/workflows/${AUTO_WORKFLOW}/deactivate`);
		// Unpublishing is applied asynchronously by n8n 2.x; Luma must see the delete shortly after.
		const deadline = Date.now() + 20000;
		while (autoHook() && Date.now() < deadline) await sleep(250);
		expect(autoHook()).toBeUndefined();
		expect(luma.requests({ method: 'POST', path: '/v1/webhooks/delete' }).map((r) => r.status)).toEqual([200]);
	});
});
