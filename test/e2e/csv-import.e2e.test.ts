/**
 * The shipped CSV registration import in real n8n 2.40.7: a 1,000-row CSV posted (multipart) to the n8n Form's
 * production URL, every row accounted for on the summary page, in Airtable and in HubSpot. The form asks for
 * its login (Basic Auth); the summary does not depend on the canvas layout; Slack being down costs only the alert.
 * The workflows are imported as shipped, with only the base of their Airtable nodes picked.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { registrationCsv } from '../fixtures/registration-csv';
import { withAirtableBase } from '../harness/airtableBase';
import { installPackage, N8n, nodeOutputs, ROOT, sleep } from './harness/n8n';

const WORKFLOW = 'mkopsCsvRegImprt';
const WITH_AIRTABLE = ['luma-registration-sync.json', 'csv-registration-import.json'];
const ERROR_WORKFLOW = 'mkopsErrorAlerts';
const HUBSPOT_TOKEN = 'pat-e2e-csv-import-token';
// The event type is typed (any base's choices): spelled loosely here, written as the table spells it.
const EVENT = { name: 'Partner Treasury Day', date: '2026-02-10', type: 'partner event' };
const EVENT_ID = `csv:${EVENT.name.toLowerCase()}|${EVENT.date}`;
/** The shipped form's login credential, given this run's user and password. */
const FORM_LOGIN = {
	id: 'mkopsCsvFormAut1',
	user: 'uploader',
	password: randomBytes(18).toString('base64url'),
};
const AUTH = `Basic ${Buffer.from(`${FORM_LOGIN.user}:${FORM_LOGIN.password}`).toString('base64')}`;
/** The shipped workflow with every node's vertical position mirrored: upper branches become lower ones. */
const MIRRORED = { id: 'mkopsCsvMirrord1', path: 'registration-csv-import-mirrored' };

let n8n: N8n;
let hubspot: HubSpotEmulator;
let airtable: AirtableEmulator;
let slack: SlackEmulator;
/** The emulator's default base, as the user picks it in each Airtable node (From List). */
let base: { id: string; name: string };
/** The shipped import, with the base picked: what the user has after import. */
let csvWorkflowFile: string;

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
				data: { ...c.data, accessToken: airtable.defaultToken, baseUrl: airtable.url },
			};
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		if (c.type === 'httpBasicAuth' && (c as { id?: string }).id === FORM_LOGIN.id)
			return { ...c, data: { user: FORM_LOGIN.user, password: FORM_LOGIN.password } };
		return c;
	});
}

/** The shipped import, every node's y mirrored (so n8n meets each fork's branches in the other order), at its own path. */
function mirroredWorkflowFile(): string {
	const wf = JSON.parse(readFileSync(csvWorkflowFile, 'utf8'));
	wf.id = MIRRORED.id;
	wf.name = 'CSV registration import (mirrored)';
	for (const node of wf.nodes) {
		node.position = [node.position[0], -node.position[1]];
		if (node.webhookId) node.webhookId = node.webhookId.replace(/..$/, '0f');
		if (node.name === 'Registration CSV Form') node.parameters.options.path = MIRRORED.path;
	}
	const file = join(mkdtempSync(join(tmpdir(), 'csv-mirrored-')), 'workflow.json');
	writeFileSync(file, JSON.stringify(wf));
	return file;
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

function csvForm(csv: string, event = EVENT): FormData {
	const form = new FormData();
	form.append('field-0', new Blob([csv], { type: 'text/csv' }), 'partner-treasury-day.csv');
	form.append('field-1', event.name);
	form.append('field-2', event.date);
	form.append('field-3', event.type);
	form.append('field-4', '');
	return form;
}

async function postCsv(
	csv: string,
	path = 'registration-csv-import',
	event = EVENT,
): Promise<string> {
	const res = await fetch(`${n8n.baseUrl}/form/${path}`, {
		method: 'POST',
		body: csvForm(csv, event),
		headers: { authorization: AUTH },
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
	base = { id: airtable.baseId, name: 'Event Registry' };
	slack = await startSlackEmulator();
	n8n = await N8n.create({ env: slack.n8nEnv() });
	installPackage(n8n.userFolder);
	n8n.importCredentials(credentials());
	for (const file of readdirSync(join(ROOT, 'workflows')).filter(
		(f) => f.endsWith('.json') && !f.startsWith('credentials'),
	)) {
		const shipped = join(ROOT, 'workflows', file);
		const path = WITH_AIRTABLE.includes(file) ? withAirtableBase(shipped, base) : shipped;
		if (file === 'csv-registration-import.json') csvWorkflowFile = path;
		n8n.importWorkflow(path);
	}
	n8n.importWorkflow(mirroredWorkflowFile());
	n8n.publish(MIRRORED.id);
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
	it('without its login the form answers 401, and nothing runs or is written', async () => {
		const url = `${n8n.baseUrl}/form/registration-csv-import`;
		const writes = () => [airtable.requests().length, hubspot.requests().length];
		const before = writes();
		const executions = (await n8n.executions(WORKFLOW)).length;
		const wrong = `Basic ${Buffer.from(`${FORM_LOGIN.user}:not-the-password`).toString('base64')}`;
		for (const headers of [{}, { authorization: wrong }] as Array<Record<string, string>>) {
			expect((await fetch(url, { headers })).status).toBe(401);
			const res = await fetch(url, { method: 'POST', body: csvForm(csvRows().csv), headers });
			expect(res.status).toBe(401);
			expect(res.headers.get('www-authenticate')).toContain('Basic');
		}
		expect(writes()).toEqual(before);
		expect(await n8n.executions(WORKFLOW)).toHaveLength(executions);
	});

	it('the form page is served at its production URL', async () => {
		const res = await fetch(`${n8n.baseUrl}/form/registration-csv-import`, {
			headers: { authorization: AUTH },
		});
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain('Import event registrations (CSV)');
		expect(html).toContain('CSV file');
		// Event type is typed, not one company's fixed list: any base's own choices can be named.
		expect(html).not.toContain('<select');
		const eventType = /for='field-3'>Event type<\/label>\s*<input([^>]*)\/>/.exec(html)?.[1] ?? '';
		expect(eventType).toContain("type='text'");
		expect(eventType).toContain('placeholder="e.g. Webinar');
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

	it('the summary counts every row whatever the canvas layout (every node mirrored top to bottom)', async () => {
		const csv =
			'Email,First Name,Last Name\n' +
			['m.one@example.com', 'm.two@example.com', 'M.One@example.com ', 'not-an-email']
				.map((e, i) => `${e},Mirror${i},Person`)
				.join('\n') +
			'\n';
		const page = await summaryPage(await postCsv(csv, MIRRORED.path), 120000);
		expect(page).toMatch(/Rows: 4\b/);
		expect(page).toMatch(/Valid: 2\b/);
		expect(page).toMatch(/Duplicate: 1\b/);
		expect(page).toMatch(/Invalid: 1\b/);
		expect(page).toMatch(/Recorded in Airtable: 2\b/);
		expect(page).toMatch(/Synced to HubSpot: 2\b/);
		expect(page).toMatch(/Failed: 0\b/);
		// The registrations still link to the event: it was found before they were written.
		const [event] = airtable.records('Events').filter((e) => e.fields.event_name === EVENT.name);
		const mirrored = airtable
			.records('Registrations')
			.filter((r) => String(r.fields.email).startsWith('m.'));
		expect(mirrored.map((r) => r.fields.event_id)).toEqual([[event.id], [event.id]]);
	}, 180000);

	it("an event type that is none of the Events table's choices: the event is created without it, every row lands", async () => {
		const event = { name: 'Founders Breakfast', date: '2026-04-02', type: 'Breakfast Meetup' };
		const csv = 'Email,First Name\nb.one@example.com,Bea\nb.two@example.com,Bo\n';
		const page = await summaryPage(await postCsv(csv, undefined, event), 120000);
		expect(page).toMatch(/Recorded in Airtable: 2\b/);
		expect(page).toMatch(/Synced to HubSpot: 2\b/);
		expect(page).toMatch(/Failed: 0\b/);
		const events = airtable.records('Events').filter((e) => e.fields.event_name === event.name);
		expect(events).toHaveLength(1);
		expect(events[0].fields.event_type).toBeUndefined();
		// A typed value never adds a choice to the table (read from the emulator's schema, not its rate-limited API).
		const schema = airtable.state as {
			tables: Array<{ name: string; fields: Array<{ name: string; options?: any }> }>;
		};
		const eventType = schema.tables
			.find((t) => t.name === 'Events')!
			.fields.find((f) => f.name === 'event_type')!;
		expect(eventType.options.choices.map((c: { name: string }) => c.name)).toEqual([
			'Luma Event',
			'Partner Event',
			'Internal Roundtable',
			'Webinar',
		]);
		const [latest] = await n8n.executions(WORKFLOW);
		expect(nodeOutputs(latest, 'Airtable: Find or Create Event')[0][0]).toMatchObject({
			status: 'created',
			skipped_choices: { event_type: event.type },
		});
		const landed = airtable
			.records('Registrations')
			.filter((r) => String(r.fields.email).startsWith('b.'));
		expect(landed.map((r) => r.fields.event_id)).toEqual([[events[0].id], [events[0].id]]);
	}, 180000);

	it('registrant text reaches Slack escaped: no <!channel>, no disguised link', async () => {
		const csv = 'Email,First Name\n<!channel>@x,Mallory\n<https://evil.example|click>,Eve\n';
		slack.reset();
		const page = await summaryPage(await postCsv(csv), 120000);
		expect(page).toMatch(/Invalid: 2\b/);
		const [alert] = slack.messages().filter((m) => m.text.includes('CSV import for'));
		expect(alert.text).toContain('&lt;!channel&gt;@x');
		expect(alert.text).toContain('&lt;https://evil.example|click&gt;');
		expect(alert.text).not.toMatch(/<!channel>|<https:/);
	}, 180000);

	it('with Slack unreachable, the uploader still gets the summary and the failed alert is in the execution', async () => {
		const port = slack.port;
		await slack.close();
		try {
			const { csv } = registrationCsv({ valid: 40, duplicates: 2, invalid: 2 });
			const formWaitingUrl = await postCsv(csv);
			const page = await summaryPage(formWaitingUrl, 180000);
			expect(page).toMatch(/Rows: 44\b/);
			expect(page).toMatch(/Invalid: 2\b/);
			const [latest] = await n8n.executions(WORKFLOW, { ignoreDataSizeLimit: true });
			const run = (latest.data?.resultData.runData['Slack: Alert Import Problems'] ?? [])[0] as
				| { error?: { message?: string }; data?: { main: Array<Array<{ json: any }>> } }
				| undefined;
			expect(run).toBeDefined();
			const shown = JSON.stringify([
				run?.error ?? null,
				nodeOutputs(latest, 'Slack: Alert Import Problems'),
			]);
			// The alert's failure is on the Slack node (n8n keeps its error on the item), not lost.
			expect(shown).toMatch(/error/i);
			expect(nodeOutputs(latest, 'Slack: Alert Import Problems')[0][0].error).toBeTruthy();
		} finally {
			slack = await startSlackEmulator({ port });
		}
	}, 240000);
});
