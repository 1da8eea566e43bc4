/**
 * The WebinarJam and GoHighLevel workflows in real n8n 2.40.7: the shipped WebinarJam → database sync fills a
 * PostgreSQL cluster of this test's own from the WebinarJam emulator, then the shipped GoHighLevel attendance
 * checker answers GoHighLevel webhooks for an attendee, a no-show and an unknown email with the right tags in
 * the HighLevel emulator, a JSON reply and an audit row. The checker is closed by default (no secret: 401/403,
 * nothing written), ties the contact to the email, and answers 503 with a Slack alert when HighLevel or the
 * database is down (the private cluster is stopped for that, never the machine's shared server).
 * n8n runs with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE (the recommended setting) and its /metrics on: the checker's
 * hot paths (checked and tagged, refused with 422) must build no expression isolate, which n8n counts.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { startHighLevelEmulator, type HighLevelEmulator } from '../emulators/highlevel/server';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server';
import { startWebinarJamEmulator, type WebinarJamEmulator } from '../emulators/webinarjam/server';
import { privatePostgres, type PrivatePostgres } from '../harness/privatePostgres';
import { freePort, installPackage, N8n, parseCliRun, ROOT } from './harness/n8n';

const SYNC = 'mkopsWjSyncDb001';
const CHECKER = 'mkopsGhlAttend01';
const WEBINAR = 4101;
const SCHEDULE = 88;

let n8n: N8n;
let wj: WebinarJamEmulator;
let hl: HighLevelEmulator;
let pg: PrivatePostgres;
let slack: SlackEmulator;
/** The HighLevel credential's Webhook Secret in this run. */
const SECRET = 'e2e-ghl-webhook-secret-7f3a9c21';
const contacts: Record<string, string> = {};
let registrantIds: Record<string, number> = {};

/** A shipped workflow with its Schema parameters pointed at this run's schema. */
function workflowInSchema(file: string, schema: string): string {
	const wf = JSON.parse(readFileSync(join(ROOT, 'workflows', file), 'utf8')) as {
		nodes: Array<{ parameters: Record<string, unknown> }>;
	};
	for (const node of wf.nodes) if ('schema' in node.parameters) node.parameters.schema = schema;
	const out = join(n8n.userFolder, file);
	writeFileSync(out, JSON.stringify(wf));
	return out;
}

function credentials() {
	const template = JSON.parse(
		readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
	) as Array<{ type: string; data: Record<string, unknown> }>;
	return template.map((c) => {
		if (c.type === 'webinarJamApi')
			return {
				...c,
				data: { apiKey: wj.defaultKey, product: 'webinarjam', baseUrl: wj.webinarJamUrl },
			};
		if (c.type === 'postgres')
			return {
				...c,
				data: { ...c.data, ...pg.connection, port: Number(pg.connection.port), ssl: 'disable' },
			};
		if (c.type === 'highLevelAttendanceApi')
			return {
				...c,
				data: {
					...c.data,
					accessToken: hl.defaultToken,
					locationId: hl.locationId,
					baseUrl: hl.url,
					webhookSecret: SECRET,
				},
			};
		// The shipped checker's Webhook node checks this header (n8n's Header Auth).
		if (c.type === 'httpHeaderAuth' && (c as { id?: string }).id === 'mkopsCheckerHook')
			return { ...c, data: { name: 'X-Webhook-Secret', value: SECRET } };
		// n8n's Slack node always calls https://slack.com: the emulator is its HTTPS proxy (n8nEnv()).
		if (c.type === 'slackApi') return { ...c, data: { accessToken: slack.defaultToken } };
		return c;
	});
}

async function sync() {
	const out = await n8n.cliAsync(['execute', `--id=${SYNC}`, '--rawOutput'], {
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
	});
	const run = parseCliRun(out);
	return run.resultData.runData['Sync registrants'][0].data.main[0][0].json as Record<string, any>;
}

/** How the request carries the secret: a header (Custom Webhook action) or the URL (Webhook action). */
type SecretIn = { header: string } | { query: string } | 'none';

const SHIPPED_PATH = 'ghl-attendance';
/** The documented alternative for GoHighLevel's plain Webhook action, which sends no headers. */
const QUERY_PATH = 'ghl-attendance-query';
const QUERY_CHECKER = 'mkopsGhlAttendQ';

/**
 * The shipped checker changed as its page says for a sender without headers: the Webhook node's
 * Authentication None, Check and Tag's Caller Authentication Webhook Secret (header or ?secret=).
 */
function queryStringChecker(shippedCopy: string): string {
	const wf = JSON.parse(readFileSync(shippedCopy, 'utf8')) as {
		id: string;
		name: string;
		nodes: Array<{
			name: string;
			webhookId?: string;
			credentials?: unknown;
			parameters: Record<string, unknown>;
		}>;
	};
	wf.id = QUERY_CHECKER;
	wf.name = `${wf.name} (secret in the URL)`;
	for (const node of wf.nodes) {
		if (node.name === 'GoHighLevel webhook') {
			node.parameters = { ...node.parameters, path: QUERY_PATH };
			delete node.parameters.authentication;
			delete node.credentials;
			node.webhookId = 'd0a1b2c3-0000-4000-8000-000000000112';
		}
		if (node.name === 'Check and tag') node.parameters.authentication = 'webhookSecret';
	}
	const out = join(n8n.userFolder, 'ghl-attendance-checker-query.json');
	writeFileSync(out, JSON.stringify(wf));
	return out;
}

/** What a GoHighLevel workflow "Webhook" action posts for a contact. */
async function ghlWebhook(
	email: string,
	contactId: string | undefined,
	tags = 'webinar-registered',
	secret: SecretIn = { header: SECRET },
	path = typeof secret === 'object' && 'query' in secret ? QUERY_PATH : SHIPPED_PATH,
) {
	const query =
		typeof secret === 'object' && 'query' in secret
			? `?secret=${encodeURIComponent(secret.query)}`
			: '';
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (typeof secret === 'object' && 'header' in secret) headers['x-webhook-secret'] = secret.header;
	const res = await fetch(`${n8n.baseUrl}/webhook/${path}${query}`, {
		method: 'POST',
		headers,
		body: JSON.stringify({
			contact_id: contactId,
			email,
			first_name: 'Test',
			tags,
			location: { id: hl.locationId },
			customData: { webinar_id: String(WEBINAR), schedule_id: String(SCHEDULE) },
		}),
	});
	const text = await res.text();
	let json: Record<string, any> = {};
	try {
		json = JSON.parse(text) as Record<string, any>;
	} catch {
		// n8n's own Header Auth refusal is not always JSON.
	}
	return { status: res.status, text, json };
}

/**
 * n8n's own counts (its /metrics): isolates taken from the expression pool, and expressions evaluated.
 * With lazy acquire an execution takes an isolate on its first expression, and none without one.
 */
async function expressionMetrics(): Promise<{ isolates: number; evaluations: number }> {
	const text = await (await fetch(`${n8n.baseUrl}/metrics`)).text();
	const sum = (name: string) => {
		const lines = text.split('\n').filter((l) => l.startsWith(name));
		if (lines.length === 0 && !text.includes(`# TYPE ${name.replace(/_count$/, '')}`))
			throw new Error(`n8n's /metrics has no ${name}`);
		return lines.reduce((total, l) => total + Number(l.split(' ').at(-1)), 0);
	};
	return {
		isolates: sum('n8n_expression_pool_acquired_total'),
		evaluations: sum('n8n_expression_evaluation_duration_seconds_count'),
	};
}

const auditCount = async () =>
	Number(
		(await pg.query(`SELECT count(*)::int AS n FROM ${pg.qualified('attendance_checks')}`)).rows[0]
			.n,
	);

/** Waits (bounded) for a Slack message containing `text`: the alert is posted after the reply. */
async function slackMessage(text: string) {
	for (let i = 0; i < 200; i++) {
		const found = slack.messages().find((m) => m.text.includes(text));
		if (found) return found;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(
		`no Slack message containing "${text}"; posted: ${JSON.stringify(slack.messages().map((m) => m.text))}`,
	);
}

beforeAll(async () => {
	pg = await privatePostgres();
	wj = await startWebinarJamEmulator({ data: null });
	const seeded = wj.seed({
		webinars: [
			{
				webinar_id: WEBINAR,
				name: 'Treasury Automation Live',
				timezone: 'America/New_York',
				schedules: [{ schedule: SCHEDULE, date: '2026-11-20 13:00', comment: 'Friday session' }],
			},
		],
		registrants: [
			{
				webinar_id: WEBINAR,
				email: ' Ada.Attendee@Example.com ',
				first_name: 'Ada',
				attended_live: 'Yes',
				entered_live: '00:02:10',
				time_live: '00:51:00',
				purchased_live: 'Yes',
				revenue_live: '97.00',
				signup_date: '2026-11-01 09:15:00',
			},
			{
				webinar_id: WEBINAR,
				email: 'nora.noshow@example.com',
				first_name: 'Nora',
				attended_live: 'No',
				signup_date: '2026-11-02 10:00:00',
			},
			...Array.from({ length: 148 }, (_, i) => ({
				webinar_id: WEBINAR,
				email: `viewer${i}@example.com`,
				first_name: `Viewer${i}`,
				attended_live: (i % 2 === 0 ? 'Yes' : 'No') as 'Yes' | 'No',
				time_live: i % 2 === 0 ? '00:30:00' : '',
			})),
		],
	});
	registrantIds = Object.fromEntries(
		seeded.registrants.map((r) => [String(r.email).trim().toLowerCase(), Number(r.id)]),
	);
	hl = await startHighLevelEmulator();
	for (const [key, email] of Object.entries({
		attendee: 'ada.attendee@example.com',
		noshow: 'nora.noshow@example.com',
		stranger: 'sam.stranger@example.com',
	}))
		contacts[key] = hl.seedContact({
			email,
			firstName: key,
			// The attendee was tagged no-show by an earlier, wrong check: the check must remove it.
			tags: key === 'attendee' ? ['webinar-registered', 'webinar-no-show'] : ['webinar-registered'],
		}).id;

	slack = await startSlackEmulator();
	n8n = await N8n.create({
		env: {
			...slack.n8nEnv(),
			// An execution that evaluates no expression then builds no isolate; n8n counts those it builds.
			N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
			N8N_METRICS: 'true',
		},
	});
	installPackage(n8n.userFolder);
	n8n.importCredentials(credentials());
	n8n.importWorkflow(join(ROOT, 'workflows/error-alerts.json'));
	n8n.importWorkflow(workflowInSchema('webinarjam-supabase-sync.json', pg.schema));
	const checker = workflowInSchema('ghl-attendance-checker.json', pg.schema);
	n8n.importWorkflow(checker);
	n8n.importWorkflow(queryStringChecker(checker));
	n8n.publish(CHECKER);
	n8n.publish(QUERY_CHECKER);
	// The checker's 503 alert goes through Error alerts, which n8n 2.x runs only when published.
	n8n.publish('mkopsErrorAlerts');
	await n8n.start();
	await n8n.login();
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await wj?.close();
	await hl?.close();
	await slack?.close();
	await pg?.cleanup();
});

describe('in real n8n: WebinarJam → Postgres sync and the GoHighLevel attendance checker', () => {
	it('the WebinarJam and HighLevel credentials pass their Test, and fail it clearly with a bad key', async () => {
		for (const c of credentials().filter((x) =>
			['webinarJamApi', 'highLevelAttendanceApi'].includes(x.type),
		)) {
			const good = await n8n.restPost('/rest/credentials/test', { credentials: c });
			expect(good.data).toMatchObject({ status: 'OK' });
			const secretField = c.type === 'webinarJamApi' ? 'apiKey' : 'accessToken';
			const badSecret = 'wrong-secret-value-0123456789';
			const bad = await n8n.restPost('/rest/credentials/test', {
				credentials: { ...c, data: { ...c.data, [secretField]: badSecret } },
			});
			expect(bad.data.status).toBe('Error');
			expect(JSON.stringify(bad.data)).not.toContain(badSecret);
		}
	});

	it('a sync run creates the tables and fills Postgres from the emulator (n8n execute)', async () => {
		const summary = await sync();
		expect(summary).toMatchObject({
			status: 'success',
			fetched: 150,
			inserted: 150,
			updated: 0,
			failed: 0,
		});
		const { rows } = await pg.query(
			`SELECT email, attended_live, revenue_live::text AS revenue, time_live::text AS time_live, event_date
			   FROM ${pg.qualified('webinar_registrants')} WHERE email = $1`,
			['ada.attendee@example.com'],
		);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ attended_live: true, revenue: '97.00', time_live: '00:51:00' });
		// 13:00 in New York on 2026-11-20 (EST) is 18:00 UTC; the session started 2 min 10 s before she entered.
		expect(new Date(rows[0].event_date).toISOString()).toBe('2026-11-20T18:00:00.000Z');
		const runs = await pg.query(
			`SELECT status, fetched, inserted FROM ${pg.qualified('sync_runs')}`,
		);
		expect(runs.rows).toEqual([{ status: 'success', fetched: 150, inserted: 150 }]);
		expect(wj.requests().filter((r) => r.status === 429)).toHaveLength(0);
	});

	it('an attendee gets the attended tag (no-show tag removed), the JSON reply and an audit row', async () => {
		const res = await ghlWebhook(
			'ada.attendee@example.com',
			contacts.attendee,
			'webinar-registered, webinar-no-show',
		);
		expect(res.status).toBe(200);
		expect(res.json).toMatchObject({
			email: 'ada.attendee@example.com',
			contact_id: contacts.attendee,
			status: 'attended',
			attended: true,
			tag_added: 'webinar-attended',
			tag_removed: 'webinar-no-show',
		});
		expect(hl.tagsOf(contacts.attendee)?.sort()).toEqual([
			'webinar-attended',
			'webinar-registered',
		]);
		const audit = await pg.query(
			`SELECT attendance_status, ghl_contact_id, tag_added, tag_removed, response_time_ms
			   FROM ${pg.qualified('attendance_checks')} WHERE email = $1`,
			['ada.attendee@example.com'],
		);
		expect(audit.rows).toHaveLength(1);
		expect(audit.rows[0]).toMatchObject({
			attendance_status: 'attended',
			ghl_contact_id: contacts.attendee,
			tag_added: 'webinar-attended',
		});
		expect(audit.rows[0].response_time_ms).toBeGreaterThanOrEqual(0);
	});

	it('a no-show gets the no-show tag, found by email when GoHighLevel sends no contact id', async () => {
		const res = await ghlWebhook('Nora.NoShow@example.com', undefined);
		expect(res.status).toBe(200);
		expect(res.json).toMatchObject({
			status: 'no_show',
			attended: false,
			contact_id: contacts.noshow,
			tag_added: 'webinar-no-show',
		});
		expect(hl.tagsOf(contacts.noshow)?.sort()).toEqual(['webinar-no-show', 'webinar-registered']);
	});

	it('an email WebinarJam does not know: status not_found, tags untouched, still audited', async () => {
		const before = hl.requests().length;
		const res = await ghlWebhook('sam.stranger@example.com', contacts.stranger);
		expect(res.status).toBe(200);
		expect(res.json).toMatchObject({ status: 'not_found', tag_added: null, tag_removed: null });
		expect(hl.tagsOf(contacts.stranger)).toEqual(['webinar-registered']);
		expect(
			hl
				.requests()
				.slice(before)
				.filter((r) => r.path.includes('/tags')),
		).toHaveLength(0);
		const audit = await pg.query(
			`SELECT attendance_status FROM ${pg.qualified('attendance_checks')} WHERE email = $1`,
			['sam.stranger@example.com'],
		);
		expect(audit.rows).toEqual([{ attendance_status: 'not_found' }]);
	});

	it('a contact HighLevel does not have: 422 with the reason', async () => {
		const res = await ghlWebhook('nora.noshow@example.com', 'noSuchContact0001');
		expect(res.status).toBe(422);
		expect(res.json).toEqual({
			status: 'error',
			field: 'contact_id',
			error: "Field 'contact_id': contact not found in HighLevel",
			http_status: 422,
		});
	});

	it('checked and tagged, or refused with 422: no expression evaluated, no isolate built (lazy acquire); the error path builds one', async () => {
		const before = await expressionMetrics();
		const answers = [
			await ghlWebhook('ada.attendee@example.com', contacts.attendee),
			await ghlWebhook('nora.noshow@example.com', undefined),
			await ghlWebhook('sam.stranger@example.com', contacts.stranger),
			await ghlWebhook('not-an-email', contacts.stranger),
			await ghlWebhook('ada.attendee@example.com', contacts.stranger),
		];
		expect(answers.map((a) => [a.status, a.json.status, a.json.field])).toEqual([
			[200, 'attended', undefined],
			[200, 'no_show', undefined],
			[200, 'not_found', undefined],
			[422, 'error', 'email'],
			[422, 'error', 'contact_id'],
		]);
		const after = await expressionMetrics();
		expect(after).toEqual(before);

		// The control: the URL variant's refusal without a secret takes the error output, whose reply
		// is an expression. n8n counts it, so the equality above is not blind.
		const refused = await ghlWebhook(
			'sam.stranger@example.com',
			contacts.stranger,
			'x',
			'none',
			QUERY_PATH,
		);
		expect(refused.status).toBe(401);
		const control = await expressionMetrics();
		expect(control.isolates).toBeGreaterThan(after.isolates);
		expect(control.evaluations).toBeGreaterThan(after.evaluations);
	});

	it('a second sync after attendance changed updates exactly those rows and leaves the others untouched', async () => {
		const table = pg.qualified('webinar_registrants');
		const before = await pg.query(
			`SELECT webinarjam_id, xmin::text AS xmin, updated_at FROM ${table}`,
		);
		const noshowId = registrantIds['nora.noshow@example.com'];
		wj.updateRegistrant(noshowId, { attended_replay: 'Yes', time_replay: '00:20:00' });
		wj.updateRegistrant(registrantIds['viewer1@example.com'], {
			attended_live: 'Yes',
			time_live: '00:05:00',
		});
		const summary = await sync();
		expect(summary).toMatchObject({
			fetched: 150,
			inserted: 0,
			updated: 2,
			unchanged: 148,
			failed: 0,
		});
		const after = new Map(
			(
				await pg.query(`SELECT webinarjam_id, xmin::text AS xmin, updated_at FROM ${table}`)
			).rows.map((r) => [String(r.webinarjam_id), r]),
		);
		const changed = before.rows.filter((r) => after.get(String(r.webinarjam_id))!.xmin !== r.xmin);
		expect(changed.map((r) => Number(r.webinarjam_id)).sort()).toEqual(
			[noshowId, registrantIds['viewer1@example.com']].sort(),
		);
		const replay = await pg.query(`SELECT attended_replay FROM ${table} WHERE webinarjam_id = $1`, [
			noshowId,
		]);
		expect(replay.rows[0].attended_replay).toBe(true);
		const runs = await pg.query(
			`SELECT updated, unchanged FROM ${pg.qualified('sync_runs')} ORDER BY id`,
		);
		expect(runs.rows.at(-1)).toEqual({ updated: 2, unchanged: 148 });
	});
});

describe('in real n8n: the sync alerts Slack with registrant text escaped, and a Slack outage does not fail it', () => {
	it('a row WebinarJam sends with <!channel> and a disguised link is posted escaped; with Slack refusing, the run still succeeds', async () => {
		const bad = registrantIds['viewer7@example.com'];
		wj.updateRegistrant(bad, { time_live: '<!channel> <https://evil.example|click> & more' });
		const runSync = async () =>
			parseCliRun(
				await n8n.cliAsync(['execute', `--id=${SYNC}`, '--rawOutput'], {
					N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				}),
			);
		const before = slack.messages().length;
		const first = await runSync();
		// The run with a failed row goes out on the error output, to Slack.
		const problem = first.resultData.runData['Sync registrants'][0].data.main[1][0].json;
		expect(JSON.stringify(problem)).toContain('time_live');
		const posted = slack.messages().slice(before);
		expect(posted).toHaveLength(1);
		expect(posted[0].channel).toBe('#mops-alerts');
		expect(posted[0].text).toContain(
			'&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; more',
		);
		expect(posted[0].text).not.toMatch(/<!channel>|<https:/);

		// Slack down (the next post refused): the sync run is still a success.
		slack.setFaults({ failNext: 1, failError: 'channel_not_found' });
		const second = await runSync();
		expect(second.resultData.error).toBeUndefined();
		expect(second.resultData.runData['Slack: Sync problems'][0].executionStatus).toBe('success');
		expect(slack.messages().length).toBe(before + 1);
		wj.updateRegistrant(bad, { time_live: '00:30:00' });
	});
});

describe('in real n8n: the attendance checker is closed by default and every failure reaches a human', () => {
	it('without the secret (header or query, missing or wrong, or the template placeholder): 401/403, no tag, no attendance_checks row', async () => {
		const hlBefore = hl.requests().length;
		const auditBefore = await auditCount();
		const tagsBefore = hl.tagsOf(contacts.stranger);
		// As shipped, n8n's Header Auth refuses before any node runs; the URL variant, Check and Tag.
		const variants: Array<[SecretIn, string, number]> = [
			['none', SHIPPED_PATH, 403],
			[{ header: `${SECRET}-wrong` }, SHIPPED_PATH, 403],
			[{ header: '' }, SHIPPED_PATH, 403],
			['none', QUERY_PATH, 401],
			[{ query: 'not-the-secret-at-all' }, QUERY_PATH, 403],
			[{ query: 'REPLACE_WITH_A_RANDOM_SECRET_OF_32_CHARACTERS' }, QUERY_PATH, 403],
			[{ header: `${SECRET}-wrong` }, QUERY_PATH, 403],
		];
		for (const [secret, path, status] of variants) {
			const res = await ghlWebhook(
				'sam.stranger@example.com',
				contacts.stranger,
				'x',
				secret,
				path,
			);
			expect([secret, path, res.status]).toEqual([secret, path, status]);
			if (path === QUERY_PATH) expect(res.json).toMatchObject({ status: 'error' });
			expect(res.text).not.toContain(SECRET);
		}
		expect(hl.requests().length).toBe(hlBefore);
		expect(hl.tagsOf(contacts.stranger)).toEqual(tagsBefore);
		expect(await auditCount()).toBe(auditBefore);
	});

	it('with the secret in the query string (the plain Webhook action): the check runs', async () => {
		const res = await ghlWebhook('nora.noshow@example.com', contacts.noshow, '', { query: SECRET });
		expect(res.status).toBe(200);
		expect(res.json).toMatchObject({ status: expect.stringMatching(/^(attended|no_show)$/) });
		expect(res.text).not.toContain(SECRET);
	});

	it("a contact id with someone else's email: 422 naming the contact id, no tag, no personal data in the reply", async () => {
		const before = hl.requests().length;
		const auditBefore = await auditCount();
		// The stranger's contact, with the email of Ada (an attendee who purchased for 97.00).
		const res = await ghlWebhook('ada.attendee@example.com', contacts.stranger);
		expect(res.status).toBe(422);
		expect(res.json).toEqual({
			status: 'error',
			field: 'contact_id',
			error: "Field 'contact_id': the contact’s email is not the email in the request",
			http_status: 422,
		});
		expect(res.text).not.toMatch(/Ada|97|revenue|purchased|attended_live|registrant/i);
		expect(hl.tagsOf(contacts.stranger)).toEqual(['webinar-registered']);
		expect(
			hl
				.requests()
				.slice(before)
				.filter((r) => r.path.includes('/tags')),
		).toHaveLength(0);
		// The refused check is audited as an error.
		expect(await auditCount()).toBe(auditBefore + 1);
	});

	it('HighLevel down: 503 with a reason naming no location or host, and the alert arrives in Slack', async () => {
		const slackBefore = slack.messages().length;
		hl.setFaults({ force5xx: 3, status5xx: 503 });
		const res = await ghlWebhook('nora.noshow@example.com', contacts.noshow, '');
		expect(res.status).toBe(503);
		expect(res.json).toEqual({ status: 'error', field: null, error: 'HighLevel is unavailable' });
		expect(res.text).not.toContain(hl.locationId);
		const alert = await slackMessage('HighLevel is unavailable');
		expect(alert.channel).toBe('#mops-alerts');
		expect(alert.text).toContain('answered 503');
		expect(slack.messages().length).toBe(slackBefore + 1);
	});

	it('PostgreSQL down (this test’s own cluster stopped): 503 with no database host in the reply, the alert in Slack, no tag', async () => {
		const before = hl.requests().length;
		await pg.stop();
		const res = await ghlWebhook('ada.attendee@example.com', contacts.attendee, '');
		expect(res.status).toBe(503);
		expect(res.json).toEqual({
			status: 'error',
			field: 'database',
			error: 'the attendance database is unavailable',
		});
		expect(res.text).not.toContain('127.0.0.1');
		expect(res.text).not.toContain(String(pg.connection.port));
		const alert = await slackMessage('the attendance database is unavailable');
		expect(alert.channel).toBe('#mops-alerts');
		// The alert names where (for whoever fixes it); the reply did not.
		expect(alert.text).toContain(String(pg.connection.port));
		expect(
			hl
				.requests()
				.slice(before)
				.filter((r) => r.path.includes('/tags')),
		).toHaveLength(0);
	});
});
