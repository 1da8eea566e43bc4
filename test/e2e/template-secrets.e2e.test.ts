/**
 * The credentials template as shipped, in real n8n 2.40.7: the booking webhook's Header Auth value and
 * the CSV form's Basic Auth login are empty, and n8n refuses every request to a webhook or form whose
 * secret is empty (Webhook node: 500 "No authentication data defined on node!"; Form Trigger: 401), so
 * importing and publishing without editing leaves both closed. The template's old placeholders, no
 * secret and an empty one are all refused; nothing starts, nothing is queued or written.
 *
 * Only the non-secret fields the flows would need are filled in (HubSpot and Airtable point at the
 * emulators, Redis at a redis-server of this test's own). Copies of the same two workflows with a secret
 * and a login set show that the same setup does run and write: the checks of the refused requests
 * could have seen a run or a write.
 *
 * n8n runs with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true and its Prometheus metrics on, so the booking
 * with its secret also shows what n8n's expression engine did for it (/metrics: isolates acquired,
 * expressions evaluated): nothing, for a refused booking (400) as for an accepted one (201).
 */
import { createHmac, randomBytes } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { connectRedis } from '../../nodes/shared/redis/connection';
import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { withAirtableBase } from '../harness/airtableBase';
import { credentialsTemplate, type TemplateCredential } from '../harness/bookingWebhook';
import { settleEventLog, startedExecutions } from '../harness/n8nEventLog';
import { PrivateRedis } from '../harness/privateRedis';
import { installPackage, N8n, ROOT, sleep } from './harness/n8n';

const BOOKINGS = 'mkopsHsBookings1';
const CSV_IMPORT = 'mkopsCsvRegImprt';
const APP_CREATE = 'mkopsAppRecCrt01';
const GDPR_REQUEST = 'mkopsGdprReqst01';
const HUBSPOT_INBOUND = 'mkopsHsInbound01';
const HUBSPOT_TOKEN = 'pat-e2e-template-secrets';
/** The values the template shipped before it was emptied: public in this repository's history. */
const OLD_SECRET = 'REPLACE_WITH_A_LONG_RANDOM_SECRET';
const OLD_LOGIN = {
	user: 'REPLACE_WITH_FORM_USER',
	password: 'REPLACE_WITH_A_LONG_RANDOM_PASSWORD',
};
/** The same workflows with a secret / login set, as a user has them after editing the template. */
const CONTROL = {
	bookings: { id: 'mkopsTplBookCtl1', path: 'bookings-control', credential: 'mkopsTplHookCtl1' },
	csv: { id: 'mkopsTplCsvCtl01', path: 'registration-csv-control', credential: 'mkopsTplFormCtl1' },
	secret: randomBytes(24).toString('base64url'),
	login: { user: 'uploader', password: randomBytes(18).toString('base64url') },
};

let n8n: N8n;
let hubspot: HubSpotEmulator;
let airtable: AirtableEmulator;
let slack: SlackEmulator;
let queueRedis: PrivateRedis;
let template: TemplateCredential[];

const basic = (user: string, password: string) =>
	`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const booking = {
	contact_id: '1001',
	exam_id: '2001',
	exam_name: 'Template check',
	exam_date: '2026-12-01',
};

async function postBooking(
	path: string,
	headers: Record<string, string>,
	body: Record<string, string> = booking,
) {
	const res = await fetch(`${n8n.baseUrl}/webhook/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body),
	});
	return { status: res.status, text: await res.text() };
}

/** n8n's expression engine counters (/metrics): isolates acquired and expressions evaluated so far. */
async function expressionEngine(): Promise<{ acquired: number; evaluated: number }> {
	const text = await (await fetch(`${n8n.baseUrl}/metrics`)).text();
	const sum = (name: string) =>
		text
			.split('\n')
			.filter((line) => line.startsWith(name))
			.reduce((total, line) => total + Number(line.split(' ').pop()), 0);
	return {
		acquired: sum('n8n_expression_pool_acquired_total'),
		evaluated: sum('n8n_expression_evaluation_duration_seconds_count'),
	};
}

function csvForm(): FormData {
	const form = new FormData();
	const csv =
		'Email,First Name,Last Name\nada@example.com,Ada,Lovelace\ngrace@example.com,Grace,Hopper\n';
	form.append('field-0', new Blob([csv], { type: 'text/csv' }), 'template-check.csv');
	form.append('field-1', 'Template Check Day');
	form.append('field-2', '2026-03-01');
	form.append('field-3', 'Webinar');
	form.append('field-4', '');
	return form;
}

/** Everything the refused requests could have written: HubSpot, Airtable, the booking queue's Redis. */
async function writes() {
	const redis = connectRedis({ host: '127.0.0.1', port: queueRedis.port });
	try {
		return {
			hubspot: hubspot.requests().length,
			airtable: airtable.requests().length,
			redisKeys: await redis.dbsize(),
		};
	} finally {
		await redis.quit();
	}
}

/** A shipped workflow as a user has it after setting its secret: its own id, path and credential. */
function controlWorkflow(
	file: string,
	control: { id: string; path: string; credential: string },
	credentialType: 'httpHeaderAuth' | 'httpBasicAuth',
): string {
	const flow = JSON.parse(readFileSync(file, 'utf8'));
	flow.id = control.id;
	flow.name = `${flow.name} (secret set)`;
	for (const node of flow.nodes) {
		if (node.webhookId) node.webhookId = `c0c0c0c0${node.webhookId.slice(8)}`;
		if (node.credentials?.[credentialType]) {
			node.credentials[credentialType] = { id: control.credential, name: control.credential };
			if (credentialType === 'httpHeaderAuth') node.parameters.path = control.path;
			else node.parameters.options.path = control.path;
		}
	}
	const out = join(n8n.userFolder, `${control.id}.json`);
	writeFileSync(out, JSON.stringify(flow));
	return out;
}

beforeAll(async () => {
	queueRedis = await PrivateRedis.start();
	hubspot = await startHubSpotEmulator({ tokens: [HUBSPOT_TOKEN] });
	airtable = await startAirtableEmulator();
	slack = await startSlackEmulator();
	n8n = await N8n.create({
		env: { ...slack.n8nEnv(), N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true', N8N_METRICS: 'true' },
	});
	installPackage(n8n.userFolder);
	template = credentialsTemplate();
	// Every template entry as shipped; only where the other flows' services are is filled in.
	const filled = template.map((c) => {
		if (c.type === 'hubSpotBatchApi')
			return { ...c, data: { ...c.data, accessToken: HUBSPOT_TOKEN, baseUrl: hubspot.url } };
		if (c.type === 'airtableRegistryApi')
			return {
				...c,
				data: { ...c.data, accessToken: airtable.defaultToken, baseUrl: airtable.url },
			};
		if (c.type === 'redis')
			return { ...c, data: { ...c.data, host: '127.0.0.1', port: queueRedis.port, password: '' } };
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		return c;
	});
	const hook = template.find((c) => c.id === 'mkopsBookingHook')!;
	const login = template.find((c) => c.id === 'mkopsCsvFormAut1')!;
	n8n.importCredentials([
		...filled,
		{
			...hook,
			id: CONTROL.bookings.credential,
			name: CONTROL.bookings.credential,
			data: { ...hook.data, value: CONTROL.secret },
		},
		{
			...login,
			id: CONTROL.csv.credential,
			name: CONTROL.csv.credential,
			data: CONTROL.login,
		},
	]);
	const bookingFile = join(ROOT, 'workflows/hubspot-booking-create.json');
	const csvFile = join(ROOT, 'workflows/csv-registration-import.json');
	n8n.importWorkflow(bookingFile);
	n8n.importWorkflow(csvFile);
	n8n.importWorkflow(controlWorkflow(bookingFile, CONTROL.bookings, 'httpHeaderAuth'));
	// The control import runs to its end, so its Airtable nodes need the base a user picks.
	n8n.importWorkflow(
		controlWorkflow(
			withAirtableBase(csvFile, { id: airtable.baseId, name: 'Event Registry' }),
			CONTROL.csv,
			'httpBasicAuth',
		),
	);
	n8n.importWorkflow(join(ROOT, 'workflows/app-record-create.json'));
	n8n.importWorkflow(join(ROOT, 'workflows/hubspot-inbound-sync.json'));
	n8n.importWorkflow(join(ROOT, 'workflows/gdpr-request.json'));
	for (const id of [
		BOOKINGS,
		CSV_IMPORT,
		APP_CREATE,
		HUBSPOT_INBOUND,
		GDPR_REQUEST,
		CONTROL.bookings.id,
		CONTROL.csv.id,
	])
		n8n.publish(id);
	await n8n.start();
	await n8n.login();
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await hubspot?.close();
	await airtable?.close();
	await slack?.close();
	await queueRedis?.stop();
});

describe('the credentials template as shipped keeps the booking webhook and the CSV form closed', () => {
	it('the template leaves the booking secret and the form login empty', () => {
		expect(template.find((c) => c.id === 'mkopsBookingHook')!.data).toEqual({
			name: 'X-Webhook-Secret',
			value: '',
		});
		expect(template.find((c) => c.id === 'mkopsCsvFormAut1')!.data).toEqual({
			user: '',
			password: '',
		});
	});

	it('the booking webhook refuses no header, the old placeholder and an empty header: nothing queued or written', async () => {
		const before = await writes();
		const answers = [
			await postBooking('bookings', {}),
			await postBooking('bookings', { 'X-Webhook-Secret': OLD_SECRET }),
			await postBooking('bookings', { 'X-Webhook-Secret': '' }),
		];
		// n8n refuses before the workflow runs while the credential's value is empty.
		expect(answers).toEqual(
			Array(3).fill({ status: 500, text: 'No authentication data defined on node!' }),
		);
		expect(await writes()).toEqual(before);
		expect(before).toEqual({ hubspot: 0, airtable: 0, redisKeys: 0 });
	});

	it('the CSV form refuses GET and POST with no login, the old placeholder login and an empty login: nothing written', async () => {
		const url = `${n8n.baseUrl}/form/registration-csv-import`;
		const before = await writes();
		for (const headers of [
			{},
			{ authorization: basic(OLD_LOGIN.user, OLD_LOGIN.password) },
			{ authorization: basic('', '') },
		] as Array<Record<string, string>>) {
			const page = await fetch(url, { headers });
			const post = await fetch(url, { method: 'POST', body: csvForm(), headers });
			const answers = [page, post].map((r) => [r.status, r.headers.get('www-authenticate')]);
			expect(answers).toEqual(Array(2).fill([401, 'Basic realm="Enter credentials"']));
			// No form page, no formWaitingUrl.
			expect(await page.text()).toBe('');
			expect(await post.text()).toBe('');
		}
		expect(await writes()).toEqual(before);
		expect(before).toEqual({ hubspot: 0, airtable: 0, redisKeys: 0 });
	});

	it('the same workflows with the secret and the login set run and write; the shipped ones started no execution', async () => {
		// A bad booking, with the secret: 400 naming the field, and n8n's expression engine did nothing.
		const engineAtStart = await expressionEngine();
		const refused = await postBooking(
			CONTROL.bookings.path,
			{ 'X-Webhook-Secret': CONTROL.secret },
			{ ...booking, exam_date: 'next week' },
		);
		expect([refused.status, JSON.parse(refused.text)]).toEqual([
			400,
			{ error: "Field 'exam_date': must be a date (YYYY-MM-DD)" },
		]);
		expect(await expressionEngine()).toEqual(engineAtStart);

		// The booking, with its secret: 201, a deal in HubSpot, its three follow-up jobs in the Redis
		// the shipped booking would have used.
		const callsBefore = hubspot.requests().length;
		const accepted = await postBooking(CONTROL.bookings.path, {
			'X-Webhook-Secret': CONTROL.secret,
		});
		expect(accepted.status).toBe(201);
		const reply = JSON.parse(accepted.text) as { booking_id: unknown };
		expect(reply).toEqual({
			booking_id: expect.stringMatching(/^\d+$/),
			message: 'Booking created successfully',
		});
		const dealId = String(reply.booking_id);
		// No node on the way, and no HubSpot call, evaluated an expression: no isolate was built.
		expect(hubspot.requests().length - callsBefore).toBeGreaterThan(0);
		expect(await expressionEngine()).toEqual(engineAtStart);
		expect(hubspot.objects('deals').filter((d) => d.id === dealId)).toHaveLength(1);
		const redis = connectRedis({ host: '127.0.0.1', port: queueRedis.port });
		try {
			expect(await redis.xlen('mkops:queue:{hubspot:associations}:stream')).toBe(2);
			expect(await redis.xlen('mkops:queue:{hubspot:notes}:stream')).toBe(1);
		} finally {
			await redis.quit();
		}

		// The form, with its login: the page, then an upload that reaches Airtable.
		const url = `${n8n.baseUrl}/form/${CONTROL.csv.path}`;
		const authorization = basic(CONTROL.login.user, CONTROL.login.password);
		const page = await fetch(url, { headers: { authorization } });
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Import event registrations (CSV)');
		const post = await fetch(url, { method: 'POST', body: csvForm(), headers: { authorization } });
		expect(post.status).toBe(200);
		const { formWaitingUrl } = (await post.json()) as { formWaitingUrl: string };
		// Let the import reach its summary page before n8n stops.
		const statusUrl = new URL(formWaitingUrl);
		statusUrl.pathname += '/n8n-execution-status';
		const deadline = Date.now() + 120000;
		let status = '';
		while (status !== 'form-waiting' && Date.now() < deadline) {
			status = await (await fetch(statusUrl)).text();
			if (status === 'error' || status === 'success') break;
			if (status !== 'form-waiting') await sleep(500);
		}
		expect(status).toBe('form-waiting');
		expect(airtable.requests().length).toBeGreaterThan(0);

		// n8n logged the controls' runs; the shipped workflows, refused above, have none before them.
		await settleEventLog(n8n);
		expect(startedExecutions(n8n.userFolder, CONTROL.bookings.id)).toHaveLength(2);
		expect(startedExecutions(n8n.userFolder, CONTROL.csv.id)).toHaveLength(1);
		expect(startedExecutions(n8n.userFolder, BOOKINGS)).toEqual([]);
		expect(startedExecutions(n8n.userFolder, CSV_IMPORT)).toEqual([]);
	}, 180000);

	it('the two-way HubSpot sync as shipped: the app webhook refuses every call, the HubSpot trigger every delivery', async () => {
		expect(template.find((c) => c.id === 'mkopsAppHook0001')!.data).toEqual({
			name: 'X-Webhook-Secret',
			value: '',
		});
		expect(template.find((c) => c.id === 'mkopsHsAppSign01')!.data).toEqual({
			clientSecret: '',
			previousClientSecret: '',
		});
		const before = await writes();
		const customer = { ban: 'TPL-1', company_name: 'Template Check' };
		const answers = [
			await postBooking('customers', {}, customer),
			await postBooking('customers', { 'X-Webhook-Secret': '' }, customer),
			await postBooking('customers', { 'X-Webhook-Secret': 'guess' }, customer),
		];
		expect(answers).toEqual(
			Array(3).fill({ status: 500, text: 'No authentication data defined on node!' }),
		);

		// The client secret is empty, so a delivery signed with an empty key, or any other, is refused.
		const inbound = JSON.parse(
			readFileSync(join(ROOT, 'workflows/hubspot-inbound-sync.json'), 'utf8'),
		);
		const webhookId = inbound.nodes.find((n: { type: string }) =>
			n.type.endsWith('hubSpotSignedTrigger'),
		).webhookId;
		const url = `${n8n.baseUrl}/webhook/${webhookId}/hubspot`;
		const body = JSON.stringify([
			{
				eventId: 1,
				subscriptionType: 'company.propertyChange',
				objectId: 1,
				propertyName: 'name',
				propertyValue: 'x',
				occurredAt: Date.now(),
			},
		]);
		for (const key of ['', 'REPLACE_WITH_HUBSPOT_CLIENT_SECRET', 'guess']) {
			const timestamp = String(Date.now());
			const signature = createHmac('sha256', key)
				.update(`POST${url}${body}${timestamp}`)
				.digest('base64');
			const res = await fetch(url, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'x-hubspot-signature-v3': signature,
					'x-hubspot-request-timestamp': timestamp,
				},
				body,
			});
			expect([res.status, await res.text()]).toEqual([401, '{"message":"Unauthorized"}']);
		}
		expect(await writes()).toEqual(before);
		await settleEventLog(n8n);
		expect(startedExecutions(n8n.userFolder, APP_CREATE)).toEqual([]);
		expect(startedExecutions(n8n.userFolder, HUBSPOT_INBOUND)).toEqual([]);
	});

	it('the GDPR request as shipped: the privacy webhook refuses every call before anything runs', async () => {
		expect(template.find((c) => c.id === 'mkopsPrivHook001')!.data).toEqual({
			name: 'X-Webhook-Secret',
			value: '',
		});
		const request = { action: 'erase', email: 'someone@example.test' };
		const answers = [
			await postBooking('privacy', {}, request),
			await postBooking('privacy', { 'X-Webhook-Secret': '' }, request),
			await postBooking('privacy', { 'X-Webhook-Secret': 'guess' }, request),
		];
		expect(answers).toEqual(
			Array(3).fill({ status: 500, text: 'No authentication data defined on node!' }),
		);
		await settleEventLog(n8n);
		expect(startedExecutions(n8n.userFolder, GDPR_REQUEST)).toEqual([]);
	});
});
