/**
 * Any Airtable base, in real n8n 2.40.7: the emulator holds another team's base (otherBase.js:
 * lower-case table names, fields spelled "Event Name" / "Sync Status", select choices of its own).
 * The shipped Luma registration sync and CSV import are imported with nothing changed but the base
 * of their Airtable nodes (and the credentials, filled from the template), and both land rows there.
 */
import { randomBytes } from 'crypto';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { OTHER_BASE_NAME, otherBaseSpec } from '../emulators/airtable/otherBase';
import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { startLumaEmulator, type LumaEmulator } from '../emulators/luma/server';
import { sampleGuestRegistered, sendLumaWebhook } from '../emulators/luma/webhookSender';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { registrationCsv } from '../fixtures/registration-csv';
import { withAirtableBase } from '../harness/airtableBase';
import { installPackage, N8n, nodeOutputs, ROOT, sleep } from './harness/n8n';

const LUMA_WORKFLOW = 'mkopsLumaRegSync';
const CSV_WORKFLOW = 'mkopsCsvRegImprt';
const ERROR_WORKFLOW = 'mkopsErrorAlerts';
const WITH_AIRTABLE = ['luma-registration-sync.json', 'csv-registration-import.json'];
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const HUBSPOT_TOKEN = 'pat-e2e-any-base-token';
const FORM_LOGIN = {
	id: 'mkopsCsvFormAut1',
	user: 'uploader',
	password: randomBytes(18).toString('base64url'),
};
const AUTH = `Basic ${Buffer.from(`${FORM_LOGIN.user}:${FORM_LOGIN.password}`).toString('base64')}`;
const EVENT = { name: 'Growth Webinar Week', date: '2026-03-04', type: 'Webinar' };

let n8n: N8n;
let luma: LumaEmulator;
let hubspot: HubSpotEmulator;
let airtable: AirtableEmulator;
let slack: SlackEmulator;
let base: { id: string; name: string };
const imported = new Map<string, string>();

const shipped = (file: string) => join(ROOT, 'workflows', file);

/** The template's credentials, pointed at the emulators; Airtable's gets a token and a URL only. */
function credentials() {
	const template = JSON.parse(readFileSync(shipped('credentials.template.json'), 'utf8')) as Array<{
		id: string;
		type: string;
		data: Record<string, unknown>;
	}>;
	return template.map((c) => {
		if (c.type === 'lumaApi')
			return { ...c, data: { apiKey: 'luma_test_key', webhookSecret: SECRET, baseUrl: luma.url } };
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
	});
}

const records = (table: 'events' | 'registrations') => airtable.records(table, base.id);

async function succeeded(workflowId: string, count: number) {
	const [latest] = await n8n.waitForExecutions(workflowId, count, 120000);
	expect(latest.status).toBe('success');
	return latest;
}

beforeAll(async () => {
	luma = await startLumaEmulator();
	hubspot = await startHubSpotEmulator({ tokens: [HUBSPOT_TOKEN] });
	airtable = await startAirtableEmulator();
	slack = await startSlackEmulator();
	base = airtable.createBase(otherBaseSpec());
	n8n = await N8n.create({ env: slack.n8nEnv() });
	installPackage(n8n.userFolder);
	n8n.importCredentials(credentials());
	for (const file of readdirSync(join(ROOT, 'workflows')).filter(
		(f) => f.endsWith('.json') && !f.startsWith('credentials'),
	)) {
		const path = WITH_AIRTABLE.includes(file)
			? withAirtableBase(shipped(file), base)
			: shipped(file);
		imported.set(file, path);
		n8n.importWorkflow(path);
	}
	n8n.publish(LUMA_WORKFLOW);
	n8n.publish(CSV_WORKFLOW);
	n8n.publish(ERROR_WORKFLOW);
	await n8n.start();
	await n8n.login();
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await luma?.close();
	await hubspot?.close();
	await airtable?.close();
	await slack?.close();
});

describe("the shipped workflows on another team's base", () => {
	it('are imported with nothing changed but the base of their Airtable nodes', () => {
		expect(base.name).toBe(OTHER_BASE_NAME);
		for (const file of WITH_AIRTABLE) {
			const original = JSON.parse(readFileSync(shipped(file), 'utf8'));
			const used = JSON.parse(readFileSync(imported.get(file)!, 'utf8'));
			const airtableNodes = original.nodes.filter((n: { name: string }) =>
				n.name.startsWith('Airtable:'),
			);
			expect(airtableNodes.length).toBeGreaterThan(1);
			for (const node of airtableNodes) {
				// Shipped: version 2 with the base left to pick (From List), tables by their default names.
				expect(node.typeVersion).toBe(2);
				expect(node.parameters.base).toMatchObject({ __rl: true, mode: 'list', value: '' });
			}
			for (const node of used.nodes) {
				if (node.name.startsWith('Airtable:')) {
					expect(node.parameters.base.value).toBe(base.id);
					delete node.parameters.base;
				}
			}
			for (const node of original.nodes)
				if (node.name.startsWith('Airtable:')) delete node.parameters.base;
			expect(used).toEqual(original);
		}
		expect(n8n.log()).not.toMatch(/could not be activated|Issue on initial workflow activation/i);
	});

	it('Luma registration sync: a signed registration lands in the base under its own field names and choices', async () => {
		const before = (await n8n.executions(LUMA_WORKFLOW)).length;
		const url = `${n8n.baseUrl}/webhook/${
			JSON.parse(readFileSync(shipped('luma-registration-sync.json'), 'utf8')).nodes.find(
				(n: { type: string }) => n.type === 'n8n-nodes-marketing-ops.lumaTrigger',
			).webhookId
		}/luma`;
		const res = await sendLumaWebhook(url, {
			scheme: 'luma',
			secret: SECRET,
			payload: sampleGuestRegistered({
				email: 'Ada.Lovelace@Example.com',
				name: 'ada lovelace',
				eventId: 'evt-any-base',
				eventName: 'Analytical Engines Meetup',
				startAt: '2026-02-20T17:00:00.000Z',
				registeredAt: '2026-02-01T09:00:00Z',
				guestId: 'gst-any-base',
				phone: '(415) 555-2671',
			}),
		});
		expect(res.status).toBe(200);
		const execution = await succeeded(LUMA_WORKFLOW, before + 1);

		const events = records('events');
		expect(events).toHaveLength(1);
		expect(events[0].fields).toEqual(
			expect.objectContaining({
				'Event Name': 'Analytical Engines Meetup',
				'Event Date': '2026-02-20T17:00:00.000Z',
				'Luma Event ID': 'evt-any-base',
				// The workflow's luma / event match this base's LUMA / Event.
				'UTM Source': 'LUMA',
				'UTM Medium': 'Event',
				'UTM Campaign': 'evt-analytical-engines-meetup-2026-02-20',
			}),
		);
		// Luma Event, Tier 2 (Strategic), Growth are no choices here: left empty, as the workflow asks.
		for (const field of ['Event Type', 'Event Tier', 'Host'])
			expect(events[0].fields[field]).toBeUndefined();
		expect(nodeOutputs(execution, 'Airtable: Find or Create Event')[0][0].skipped_choices).toEqual({
			'Event Type': 'Luma Event',
			'Event Tier': 'Tier 2 (Strategic)',
			Host: 'Growth',
		});

		const contact = hubspot
			.objects('contacts')
			.find((c) => c.properties.email === 'ada.lovelace@example.com');
		expect(contact).toBeDefined();
		const registrations = records('registrations');
		expect(registrations).toHaveLength(1);
		expect(registrations[0].fields).toEqual(
			expect.objectContaining({
				'Dedupe Key': 'ada.lovelace@example.com|evt-any-base',
				'Event ID': [events[0].id],
				Email: 'ada.lovelace@example.com',
				'First Name': 'Ada',
				'Last Name': 'Lovelace',
				Phone: '+14155552671',
				'Sync Status': 'synced to hubspot',
				'HubSpot Contact ID': Number(contact!.id),
			}),
		);
		// The default base was never written.
		expect(airtable.records('Events')).toHaveLength(0);
		expect(airtable.records('Registrations')).toHaveLength(0);
	});

	it('CSV import: every valid row lands in the base, linked to the event, synced', async () => {
		const { csv, validEmails } = registrationCsv({ valid: 8, duplicates: 1, invalid: 1 });
		const form = new FormData();
		form.append('field-0', new Blob([csv], { type: 'text/csv' }), 'webinar-week.csv');
		form.append('field-1', EVENT.name);
		form.append('field-2', EVENT.date);
		form.append('field-3', EVENT.type);
		form.append('field-4', '');
		const res = await fetch(`${n8n.baseUrl}/form/registration-csv-import`, {
			method: 'POST',
			body: form,
			headers: { authorization: AUTH },
		});
		expect(res.status).toBe(200);
		const { formWaitingUrl } = (await res.json()) as { formWaitingUrl: string };

		// The summary page is served once the import has reached the Form Ending node.
		const statusUrl = new URL(formWaitingUrl);
		statusUrl.pathname += '/n8n-execution-status';
		let status = '';
		for (let i = 0; i < 240 && status !== 'form-waiting'; i++) {
			status = await (await fetch(statusUrl)).text();
			if (status === 'error' || status === 'success') break;
			await sleep(500);
		}
		expect(status).toBe('form-waiting');
		const page = await (await fetch(formWaitingUrl)).text();
		expect(page).toContain('Recorded in Airtable: 8');
		expect(page).toContain('Failed: 0');

		const event = records('events').find((e) => e.fields['Event Name'] === EVENT.name);
		expect(event?.fields).toEqual(
			expect.objectContaining({
				'Event Type': 'Webinar',
				'Event Date': '2026-03-04T00:00:00.000Z',
			}),
		);
		const rows = records('registrations').filter(
			(r) => r.fields['Event ID']?.toString() === event!.id,
		);
		expect(rows.map((r) => r.fields.Email).sort()).toEqual([...validEmails].sort());
		for (const r of rows) {
			expect(r.fields['Sync Status']).toBe('synced to hubspot');
			expect(typeof r.fields['HubSpot Contact ID']).toBe('number');
			// "CSV Upload" is no choice of this base's Registration Source: left empty.
			expect(r.fields['Registration Source']).toBeUndefined();
		}
		expect(airtable.records('Registrations')).toHaveLength(0);

		// Leaving the summary page lets the execution end.
		await fetch(formWaitingUrl, { method: 'POST', body: new FormData() });
	});
});
