/**
 * Seed 002 in real n8n 2.40.7: the shipped WebinarJam → database sync fills real Postgres from the WebinarJam
 * emulator, then the shipped GoHighLevel attendance checker answers GoHighLevel webhooks for an attendee, a
 * no-show and an unknown email with the right tags in the HighLevel emulator, a JSON reply and an audit row.
 * A second sync after attendance changed updates those rows and leaves the others untouched.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { startHighLevelEmulator, type HighLevelEmulator } from '../emulators/highlevel/server';
import { startWebinarJamEmulator, type WebinarJamEmulator } from '../emulators/webinarjam/server';
import { testPostgres, type TestPostgres } from '../harness/postgres';
import { freePort, installPackage, N8n, parseCliRun, ROOT } from './harness/n8n';

const SYNC = 'mkopsWjSyncDb001';
const CHECKER = 'mkopsGhlAttend01';
const WEBINAR = 4101;
const SCHEDULE = 88;

let n8n: N8n;
let wj: WebinarJamEmulator;
let hl: HighLevelEmulator;
let pg: TestPostgres;
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
				},
			};
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

/** What a GoHighLevel workflow "Webhook" action posts for a contact. */
async function ghlWebhook(
	email: string,
	contactId: string | undefined,
	tags = 'webinar-registered',
) {
	const res = await fetch(`${n8n.baseUrl}/webhook/ghl-attendance`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			contact_id: contactId,
			email,
			first_name: 'Test',
			tags,
			location: { id: hl.locationId },
			customData: { webinar_id: String(WEBINAR), schedule_id: String(SCHEDULE) },
		}),
	});
	return { status: res.status, json: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
	pg = await testPostgres('e2e_wj');
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

	n8n = await N8n.create();
	installPackage(n8n.userFolder);
	n8n.importCredentials(credentials());
	n8n.importWorkflow(join(ROOT, 'workflows/error-alerts.json'));
	n8n.importWorkflow(workflowInSchema('webinarjam-supabase-sync.json', pg.schema));
	n8n.importWorkflow(workflowInSchema('ghl-attendance-checker.json', pg.schema));
	n8n.publish(CHECKER);
	await n8n.start();
	await n8n.login();
}, 600000);

afterAll(async () => {
	await n8n?.stop();
	await wj?.close();
	await hl?.close();
	await pg?.cleanup();
});

describe('seed 002 in real n8n: WebinarJam → Postgres sync and the GoHighLevel attendance checker', () => {
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
		expect(hl.tagsOf(contacts.attendee)?.sort()).toEqual(['webinar-attended', 'webinar-registered']);
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
		expect(res.json.status).toBe('error');
		expect(String(res.json.error)).toMatch(/not found/i);
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
