/**
 * The shipped CSV registration import in real n8n 2.40.7: a 1,000-row CSV posted (multipart) to the n8n Form's
 * production URL, every row accounted for on the summary page, in Airtable and in HubSpot.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { registrationCsv } from '../fixtures/registration-csv';
import { installPackage, N8n, nodeOutputs, ROOT, sleep } from './harness/n8n';

const WORKFLOW = 'mkopsCsvRegImprt';
const ERROR_WORKFLOW = 'mkopsErrorAlerts';
const HUBSPOT_TOKEN = 'pat-e2e-csv-import-token';
const EVENT = { name: 'Partner Treasury Day', date: '2026-02-10', type: 'Partner Event' };
const EVENT_ID = `csv:${EVENT.name.toLowerCase()}|${EVENT.date}`;

let n8n: N8n;
let hubspot: HubSpotEmulator;
let airtable: AirtableEmulator;
let slack: SlackEmulator;

function credentials() {
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	) as Array<{ type: string; data: Record<string, unknown> }>;
	return template.map((c) => {
		if (c.type === 'hubSpotBatchApi')
			return { ...c, data: { ...c.data, accessToken: HUBSPOT_TOKEN, baseUrl: hubspot.url } };
		if (c.type === 'airtableRegistryApi')
			return {
				...c,
				data: {
					...c.data,
					accessToken: airtable.defaultToken,
					baseId: airtable.baseId,
					baseUrl: airtable.url,
				},
			};
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		return c;
	});
}

/** 1,000 rows: 900 distinct people, 50 repeats of them in other spellings, 50 rows without a usable email. */
const csvRows = () => registrationCsv({ valid: 900, duplicates: 50, invalid: 50 });

/**
 * What the form page's script does after submitting: poll `<formWaitingUrl>/n8n-execution-status` until the
 * execution waits at the Form Ending node, then load the page (loading it earlier holds the request open).
 */
async function summaryPage(formWaitingUrl: string, timeoutMs: number): Promise<string> {
	const statusUrl = new URL(formWaitingUrl);
	statusUrl.pathname += '/n8n-execution-status';
	const deadline = Date.now() + timeoutMs;
	let status = '';
	while (Date.now() < deadline) {
		status = await (await fetch(statusUrl)).text();
		if (status === 'form-waiting' || status === 'success' || status === 'error') break;
		await sleep(500);
	}
	if (status !== 'form-waiting') throw new Error(`execution status ${status}, not form-waiting`);
	const page = await fetch(formWaitingUrl);
	expect(page.status).toBe(200);
	return await page.text();
}

async function postCsv(csv: string): Promise<string> {
	const form = new FormData();
	form.append('field-0', new Blob([csv], { type: 'text/csv' }), 'partner-treasury-day.csv');
	form.append('field-1', EVENT.name);
	form.append('field-2', EVENT.date);
	form.append('field-3', EVENT.type);
	form.append('field-4', '');
	const res = await fetch(`${n8n.baseUrl}/form/registration-csv-import`, {
		method: 'POST',
		body: form,
	});
	expect(res.status).toBe(200);
	const { formWaitingUrl } = (await res.json()) as { formWaitingUrl: string };
	expect(formWaitingUrl).toContain('/form-waiting/');
	return formWaitingUrl;
}

beforeAll(async () => {
	// The seeded portal has the Event Tracking properties already (the Luma suite covers the setup workflow).
	hubspot = await startHubSpotEmulator({ tokens: [HUBSPOT_TOKEN] });
	airtable = await startAirtableEmulator();
	slack = await startSlackEmulator();
	n8n = await N8n.create({ env: slack.n8nEnv() });
	installPackage(n8n.userFolder);
	n8n.importCredentials(credentials());
	for (const file of readdirSync(join(ROOT, 'workflows')).filter(
		(f) => f.endsWith('.json') && !f.startsWith('credentials'),
	)) {
		n8n.importWorkflow(join(ROOT, 'workflows', file));
	}
	n8n.publish(WORKFLOW);
	n8n.publish(ERROR_WORKFLOW);
	await n8n.start();
	await n8n.login();
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await hubspot?.close();
	await airtable?.close();
	await slack?.close();
});

describe('CSV registration import in real n8n', () => {
	it('the form page is served at its production URL', async () => {
		const res = await fetch(`${n8n.baseUrl}/form/registration-csv-import`);
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain('Import event registrations (CSV)');
		expect(html).toContain('CSV file');
	});

	it('a 1,000-row CSV: every row is valid, duplicate or invalid, and every valid row lands in Airtable and HubSpot', async () => {
		const { csv, validEmails } = csvRows();
		const started = Date.now();
		const formWaitingUrl = await postCsv(csv);
		// The form's next page is the summary, served once the import has reached the Form Ending node.
		const page = await summaryPage(formWaitingUrl, 240000);
		const seconds = (Date.now() - started) / 1000;
		const figure = (label: string) => Number(new RegExp(`${label}: (\\d+)`).exec(page)?.[1]);
		expect(page).toContain(`Imported 1000 rows for ${EVENT.name}`);
		expect(figure('Rows')).toBe(1000);
		expect(figure('Valid')).toBe(900);
		expect(figure('Duplicate')).toBe(50);
		expect(figure('Invalid')).toBe(50);
		expect(figure('Valid') + figure('Duplicate') + figure('Invalid')).toBe(1000);
		expect(figure('Recorded in Airtable')).toBe(900);
		expect(figure('Synced to HubSpot')).toBe(900);
		expect(figure('Failed')).toBe(0);
		console.log(
			`csv import: 1000 rows (900 valid) → summary page after ${seconds.toFixed(1)} s (${(1000 / seconds).toFixed(0)} rows/s; Airtable allows 50 rows/s)`,
		);

		// Airtable: one event, 900 registrations linked to it, each synced with its HubSpot id.
		const events = airtable.records('Events').filter((e) => e.fields.event_name === EVENT.name);
		expect(events).toHaveLength(1);
		expect(events[0].fields).toMatchObject({ event_type: 'Partner Event', utm_source: 'direct' });
		const registrations = airtable
			.records('Registrations')
			.filter((r) => String(r.fields.dedupe_key).endsWith(`|${EVENT_ID}`));
		expect(registrations).toHaveLength(900);
		expect(new Set(registrations.map((r) => r.fields.email))).toEqual(new Set(validEmails));
		for (const r of registrations) {
			expect(r.fields).toMatchObject({
				registration_source: 'CSV Upload',
				sync_status: 'Synced to HubSpot',
				event_id: [events[0].id],
			});
		}

		// HubSpot: the same 900 contacts, ids matching Airtable's hubspot_contact_id, all on the event list.
		const contacts = new Map(
			hubspot
				.objects('contacts')
				.filter((c) => validEmails.includes(String(c.properties.email)))
				.map((c) => [String(c.properties.email), c]),
		);
		expect(contacts.size).toBe(900);
		for (const r of registrations)
			expect(r.fields.hubspot_contact_id).toBe(Number(contacts.get(String(r.fields.email))!.id));
		expect(contacts.get('csv.person3@example.com')!.properties).toMatchObject({
			firstname: 'First3',
			lastname: 'Last3',
			company: 'Acme, Inc.',
			phone: '+14155552671',
			contact_recent_event_name: EVENT.name,
			contact_first_event_date: EVENT.date,
			contact_total_events_attended: '1',
		});
		const list = hubspot.state
			.snapshot()
			.lists.find((l) => l.name === `Event Registrations - ${EVENT.name} - ${EVENT.date}`)!;
		expect(new Set(hubspot.state.snapshot().memberships[list.listId])).toEqual(
			new Set([...contacts.values()].map((c) => c.id)),
		);

		// One Slack alert for the import, naming the invalid rows.
		const alerts = slack.messages().filter((m) => m.text.includes('CSV import for'));
		expect(alerts).toHaveLength(1);
		expect(alerts[0].text).toContain('*50 invalid*');
		expect(alerts[0].text).toContain('not-an-email-0');

		// Leaving the summary page resumes the waiting execution, which then ends successfully.
		const resume = await fetch(formWaitingUrl, { method: 'POST', body: new FormData() });
		expect(resume.status).toBeLessThan(400);
		const executionDeadline = Date.now() + 30000;
		let status = '';
		while (Date.now() < executionDeadline) {
			const [latest] = await n8n.executions(WORKFLOW, { ignoreDataSizeLimit: true });
			status = latest?.status ?? '';
			if (status === 'success' || status === 'error') {
				const [valid, duplicate, invalid] = nodeOutputs(latest, 'Dedupe & Normalize');
				expect([valid.length, duplicate.length, invalid.length]).toEqual([900, 50, 50]);
				break;
			}
			await sleep(500);
		}
		expect(status).toBe('success');
		expect(await n8n.executions(ERROR_WORKFLOW)).toHaveLength(0);
	}, 400000);

	it('the same file again: every row is a Duplicate, nothing is written twice', async () => {
		const before = hubspot.requests({ method: 'POST' }).length;
		const page = await summaryPage(await postCsv(csvRows().csv), 60000);
		expect(page).toMatch(/Valid: 0\b/);
		expect(page).toMatch(/Duplicate: 950\b/);
		expect(page).toMatch(/Invalid: 50\b/);
		expect(page).toMatch(/Synced to HubSpot: 0\b/);
		expect(hubspot.requests({ method: 'POST' }).length).toBe(before);
		expect(
			airtable
				.records('Registrations')
				.filter((r) => String(r.fields.dedupe_key).endsWith(`|${EVENT_ID}`)),
		).toHaveLength(900);
	}, 120000);

	it('rows HubSpot could not take are not Duplicates on the next import: they land then, once', async () => {
		const people = ['retry.one@example.com', 'retry.two@example.com'];
		const csv = `Email,First Name,Last Name\n${people.map((e, i) => `${e},Retry${i},Person`).join('\n')}\n`;
		const inHubSpot = () =>
			hubspot.objects('contacts').filter((c) => people.includes(String(c.properties.email)));

		// HubSpot fails every try of the read that comes before the upsert: both rows fail.
		hubspot.setFaults({ force5xx: 3 });
		const failedPage = await summaryPage(await postCsv(csv), 120000);
		expect(failedPage).toMatch(/Valid: 2\b/);
		expect(failedPage).toMatch(/Failed: 2\b/);
		expect(inHubSpot()).toHaveLength(0);

		hubspot.setFaults({ force5xx: 0 });
		const page = await summaryPage(await postCsv(csv), 120000);
		expect(page).toMatch(/Valid: 2\b/);
		expect(page).toMatch(/Duplicate: 0\b/);
		expect(page).toMatch(/Synced to HubSpot: 2\b/);
		const contacts = inHubSpot();
		expect(contacts).toHaveLength(2);
		// Counted once: the failed import did not increment the event count.
		for (const c of contacts) expect(c.properties.contact_total_events_attended).toBe('1');

		// And a third import of the same rows now finds them processed.
		const again = await summaryPage(await postCsv(csv), 120000);
		expect(again).toMatch(/Duplicate: 2\b/);
	}, 400000);
});
