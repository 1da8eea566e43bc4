/**
 * HighLevel Attendance (Attendance › Check and Tag, Contact › Add Tags / Remove Tags / Find by
 * Email), run by n8n-core in-process over real HTTP against the HighLevel emulator, with the
 * attendance data in a fresh schema of the real PostgreSQL: directly (Postgres mode) and through
 * the PostgREST-protocol double with the real supabase-js (Supabase mode).
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	INodeExecutionData,
} from 'n8n-workflow';
import { Expression } from 'n8n-workflow';

import { HighLevelAttendanceApi } from '../../credentials/HighLevelAttendanceApi.credentials';
import { HighLevelAttendance } from '../../nodes/HighLevelAttendance/HighLevelAttendance.node';
import { postgresAttendanceStore } from '../../nodes/HighLevelAttendance/v1/database/attendance';
import { closeAllPools, postgresCredentials } from '../../nodes/shared/database/connection';
import { schemaStatements } from '../../nodes/shared/database/schema';
import { normalizeEmail } from '../../nodes/shared/normalize';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import {
	API_VERSION,
	DEFAULT_TOKEN,
	startHighLevelEmulator,
	type HighLevelEmulator,
	type RequestLogEntry,
	type StartHighLevelEmulatorOptions,
} from '../emulators/highlevel/server';
import { startPostgrestDouble, type PostgrestDouble } from '../emulators/postgrest/server';
import { searchContacts } from '../../nodes/HighLevelAttendance/v1/methods/listSearch';
import {
	createLoadOptionsContext,
	PostgresCredentialType,
	registerCredentialType,
	registerNodeType,
	runWorkflow,
	startThen,
	type WorkflowJson,
} from '../harness/inProcess';
import { testPostgres, type TestPostgres } from '../harness/postgres';


/** The fields of n8n's built-in `supabaseApi` credential. */
class SupabaseCredentialType implements ICredentialType {
	name = 'supabaseApi';
	displayName = 'Supabase API';
	properties = [
		{ displayName: 'Host', name: 'host', type: 'string' as const, default: '' },
		{ displayName: 'Secret Key', name: 'serviceRole', type: 'string' as const, default: '' },
	];
}

const NODE_TYPE = 'n8n-nodes-marketing-ops.highLevelAttendance';
registerNodeType(NODE_TYPE, new HighLevelAttendance());
registerCredentialType(new HighLevelAttendanceApi());
registerCredentialType(new PostgresCredentialType());
registerCredentialType(new SupabaseCredentialType());

/** The HighLevel credential's Webhook Secret; GoHighLevel sends it with every check. */
const SECRET = 'whs-Attendance-Secret-0123456789';
// Trust auth ignores it, but it must never show up anywhere.
const PG_PASSWORD = 'pg-Sekret-Passw0rd-4711';
const WEBINAR = 90210;
const SCHEDULE = 7;

let pg: TestPostgres;
let emulator: HighLevelEmulator;

beforeAll(async () => {
	pg = await testPostgres('highlevel_attendance');
	await pg.query('BEGIN');
	for (const statement of schemaStatements(pg.schema)) await pg.query(statement);
	await pg.query('COMMIT');
	const insert = async (row: IDataObject) => {
		const columns = Object.keys(row);
		await pg.query(
			`INSERT INTO ${pg.qualified('webinar_registrants')} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
			Object.values(row),
		);
	};
	const base = { webinar_id: WEBINAR, schedule_id: SCHEDULE, webinar_name: 'Scaling Ops' };
	// Ada registered twice for the same schedule: the newer registration (attended) must win.
	await insert({
		...base,
		webinarjam_id: 1,
		email: 'ada@example.com',
		first_name: 'Ada',
		last_name: 'Lovelace',
		event_date: '2030-03-07T17:00:00Z',
		attended_live: false,
	});
	await insert({
		...base,
		webinarjam_id: 2,
		email: 'ada@example.com',
		first_name: 'Ada',
		last_name: 'Lovelace',
		event_date: '2030-03-14T17:00:00Z',
		attended_live: true,
		date_live: '2030-03-14T17:02:00Z',
		time_live: '00:42:10',
		purchased_live: true,
		revenue_live: 497.5,
	});
	await insert({
		...base,
		webinarjam_id: 3,
		email: 'bob@example.com',
		first_name: 'Bob',
		event_date: '2030-03-14T17:00:00Z',
		attended_live: false,
		attended_replay: true,
	});
	await insert({
		...base,
		webinarjam_id: 4,
		email: 'cy@example.com',
		first_name: 'Cy',
		event_date: '2030-03-14T17:00:00Z',
		attended_live: false,
	});
	// Cy also attended another schedule of the webinar, later.
	await insert({
		...base,
		schedule_id: SCHEDULE + 1,
		webinarjam_id: 5,
		email: 'cy@example.com',
		first_name: 'Cy',
		event_date: '2030-03-21T17:00:00Z',
		attended_live: true,
	});
});

afterEach(async () => {
	await emulator?.close();
	resetRateLimiters();
	forgetLearnedLimits();
	await pg.query(`TRUNCATE ${pg.qualified('attendance_checks')}`);
});

afterAll(async () => {
	await closeAllPools();
	await pg?.cleanup();
});

async function start(opts: StartHighLevelEmulatorOptions = {}) {
	emulator = await startHighLevelEmulator(opts);
	return emulator;
}

const pgCredentials = (overrides: IDataObject = {}) => ({
	...pg.connection,
	password: PG_PASSWORD,
	ssl: 'disable',
	...overrides,
});

function credentials(
	overrides: { highLevel?: IDataObject; postgres?: IDataObject; supabase?: IDataObject } = {},
): Record<string, ICredentialDataDecryptedObject> {
	return {
		highLevelAttendanceApi: {
			accessToken: emulator.defaultToken,
			locationId: emulator.locationId,
			baseUrl: emulator.url,
			requestsPer10s: 100,
			webhookSecret: SECRET,
			...overrides.highLevel,
		} as ICredentialDataDecryptedObject,
		postgres: pgCredentials(overrides.postgres) as ICredentialDataDecryptedObject,
		supabaseApi: (overrides.supabase ?? {
			host: 'http://127.0.0.1:9',
			serviceRole: 'unused',
		}) as ICredentialDataDecryptedObject,
	};
}

type OnError = 'continueErrorOutput' | 'continueRegularOutput';

function workflow(parameters: IDataObject, onError?: OnError, typeVersion = 1): WorkflowJson {
	return startThen(
		{
			id: 'hl',
			name: 'HighLevel',
			type: NODE_TYPE,
			typeVersion,
			parameters,
			credentials: {
				highLevelAttendanceApi: { id: '1', name: 'HighLevel' },
				postgres: { id: '2', name: 'Postgres' },
				supabaseApi: { id: '3', name: 'Supabase' },
			},
			onError,
		},
		{ id: 'wf-highlevel-attendance', startName: 'Webhook' },
	);
}

/** Check and Tag with the node's defaults (which read a GoHighLevel Webhook action payload). */
const checkAndTag = (extra: IDataObject = {}) => ({
	resource: 'attendance',
	operation: 'checkAndTag',
	schema: pg.schema,
	...extra,
});

async function run(
	rows: IDataObject[],
	parameters: IDataObject,
	opts: { onError?: OnError; creds?: Parameters<typeof credentials>[0]; version?: number } = {},
) {
	return await runWorkflow(workflow(parameters, opts.onError, opts.version), {
		mode: 'webhook',
		startItems: rows.map((json) => ({ json })),
		credentials: credentials(opts.creds),
	});
}

/** What n8n's Webhook node outputs for a GoHighLevel workflow "Webhook" action. */
function ghlWebhook(body: IDataObject): IDataObject {
	return {
		headers: {
			'content-type': 'application/json',
			'user-agent': 'HighLevel',
			'x-webhook-secret': SECRET,
		},
		params: {},
		query: {},
		body: {
			full_name: 'Someone',
			location: { id: emulator.locationId, name: 'Marketing Ops Emulator' },
			workflow: { id: 'wf-ghl-1', name: 'Webinar follow-up' },
			customData: { webinar_id: String(WEBINAR), schedule_id: String(SCHEDULE) },
			...body,
		},
		webhookUrl: 'http://localhost:5678/webhook/ghl-attendance',
		executionMode: 'production',
	};
}

const paired = (items: INodeExecutionData[]) =>
	items.map(
		(i) =>
			(Array.isArray(i.pairedItem) ? i.pairedItem[0] : (i.pairedItem as { item: number })).item,
	);

const apiCalls = (filter?: (e: RequestLogEntry) => boolean) =>
	emulator.requests((e) => !e.path.startsWith('/__emulator') && (filter ? filter(e) : true));
const tagCalls = () => apiCalls((e) => e.path.endsWith('/tags'));

interface AuditRow {
	registrant_id: string | null;
	ghl_contact_id: string | null;
	email: string;
	webinar_id: number | null;
	schedule_id: number | null;
	attended: boolean | null;
	attendance_status: string;
	tag_added: string | null;
	tag_removed: string | null;
	error: string | null;
	response_time_ms: number | null;
}

const auditRows = async () =>
	(
		await pg.query<AuditRow>(
			`SELECT registrant_id, ghl_contact_id, email, webinar_id, schedule_id, attended, attendance_status,
			 tag_added, tag_removed, error, response_time_ms FROM ${pg.qualified('attendance_checks')} ORDER BY id`,
		)
	).rows;

const registrantId = async (webinarjamId: number) =>
	String(
		(
			await pg.query<{ id: string }>(
				`SELECT id FROM ${pg.qualified('webinar_registrants')} WHERE webinarjam_id = $1`,
				[webinarjamId],
			)
		).rows[0].id,
	);

/**
 * Each call refused with 429 was sent again only `waitMs` or more after that answer (the emulator's
 * clock; a wait can only come out longer, never shorter, on a busy machine).
 */
function expectWaitedAfter429s(waitMs: number) {
	const log = apiCalls();
	const limited = log.filter((e) => e.status === 429);
	expect(limited.length).toBeGreaterThan(0);
	for (const e of limited) {
		const answered = e.time + e.durationMs;
		const retry = log.find(
			(l) => l.seq > e.seq && l.method === e.method && l.path === e.path && l.time >= e.time,
		);
		expect(retry).toBeDefined();
		expect(retry!.time - answered).toBeGreaterThanOrEqual(waitMs - 2);
	}
}

/** Polls `check` until it holds; fails with `what` if it never does (the gate keeps the state still). */
async function eventually(what: string, check: () => Promise<boolean>) {
	for (let i = 0; i < 500; i++) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`never happened: ${what}`);
}

function expectNoSecrets(value: unknown) {
	const text = JSON.stringify(value);
	expect(text).not.toContain(emulator.defaultToken);
	expect(text).not.toContain(PG_PASSWORD);
}

describe('Attendance › Check and Tag (Postgres)', () => {
	it('attended: reads the contact, adds the Attended Tag, removes the No-Show Tag, outputs the status (no personal data) and writes an audit row', async () => {
		await start();
		const ada = emulator.seedContact({
			email: 'ada@example.com',
			tags: ['vip', 'webinar-no-show'],
		});
		const result = await run(
			[ghlWebhook({ contact_id: ada.id, email: ' Ada@Example.com', tags: 'vip,webinar-no-show' })],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		const [out] = result.outputs('HighLevel');
		expect(out).toHaveLength(1);
		expect(paired(out)).toEqual([0]);
		const json = out[0].json;
		expect(json).toMatchObject({
			email: 'ada@example.com',
			contact_id: ada.id,
			webinar_id: WEBINAR,
			schedule_id: SCHEDULE,
			status: 'attended',
			attended: true,
			tag_added: 'webinar-attended',
			tag_removed: 'webinar-no-show',
			highlevel_calls: 3,
		});
		// The check's status only: the registrant's row (name, purchase, revenue) never leaves the node.
		expect(json).not.toHaveProperty('registrant');
		expect(JSON.stringify(json)).not.toMatch(/Lovelace|497|revenue|purchased/);
		expect(typeof json.lookup_ms).toBe('number');
		expect(json.response_time_ms as number).toBeGreaterThanOrEqual(json.lookup_ms as number);

		expect(emulator.tagsOf(ada.id)).toEqual(['vip', 'webinar-attended']);
		const calls = tagCalls();
		expect(calls.map((c) => [c.method, c.path, c.body, c.version, c.status]).sort()).toEqual([
			['DELETE', `/contacts/${ada.id}/tags`, { tags: ['webinar-no-show'] }, API_VERSION, 200],
			['POST', `/contacts/${ada.id}/tags`, { tags: ['webinar-attended'] }, API_VERSION, 201],
		]);
		// The contact was read first, to tie the id to the email.
		expect(apiCalls().map((c) => [c.method, c.path])[0]).toEqual(['GET', `/contacts/${ada.id}`]);
		expect(apiCalls()).toHaveLength(3);

		const rows = await auditRows();
		expect(rows).toEqual([
			{
				registrant_id: await registrantId(2),
				ghl_contact_id: ada.id,
				email: 'ada@example.com',
				webinar_id: WEBINAR,
				schedule_id: SCHEDULE,
				attended: true,
				attendance_status: 'attended',
				tag_added: 'webinar-attended',
				tag_removed: 'webinar-no-show',
				error: null,
				response_time_ms: expect.any(Number),
			},
		]);
		expect(rows[0].response_time_ms).toBeGreaterThanOrEqual(0);
		expect(rows[0].response_time_ms).toBeLessThanOrEqual(
			Math.ceil(json.response_time_ms as number),
		);
		expectNoSecrets(result.run.data);
	});

	it('no-show: adds the No-Show Tag and removes the Attended Tag', async () => {
		await start();
		const cy = emulator.seedContact({ email: 'cy@example.com', tags: ['webinar-attended'] });
		const result = await run(
			[ghlWebhook({ contact_id: cy.id, email: 'cy@example.com', tags: 'webinar-attended' })],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		expect(result.json('HighLevel')[0]).toMatchObject({
			status: 'no_show',
			attended: false,
			tag_added: 'webinar-no-show',
			tag_removed: 'webinar-attended',
		});
		expect(emulator.tagsOf(cy.id)).toEqual(['webinar-no-show']);
		expect(
			tagCalls()
				.map((c) => c.method)
				.sort(),
		).toEqual(['DELETE', 'POST']);
		expect(await auditRows()).toEqual([
			expect.objectContaining({
				attendance_status: 'no_show',
				attended: false,
				tag_added: 'webinar-no-show',
				tag_removed: 'webinar-attended',
				registrant_id: await registrantId(4),
			}),
		]);
	});

	it('Schedule ID empty: the newest registration for the webinar decides; replay counts only with the option', async () => {
		await start();
		const cy = emulator.seedContact({ email: 'cy@example.com' });
		const bob = emulator.seedContact({ email: 'bob@example.com' });
		const noSchedule = (contact: string, email: string) =>
			ghlWebhook({
				contact_id: contact,
				email,
				tags: '',
				customData: { webinar_id: WEBINAR },
			});
		const first = await run(
			[noSchedule(cy.id, 'cy@example.com'), noSchedule(bob.id, 'bob@example.com')],
			checkAndTag(),
		);
		expect(first.error).toBeUndefined();
		const [cyOut, bobOut] = first.json('HighLevel');
		// Cy's later registration (schedule 8) attended.
		expect(cyOut).toMatchObject({ status: 'attended', schedule_id: null });
		expect(bobOut).toMatchObject({ status: 'no_show', attended: false });
		const cyAudit = (await auditRows()).find((r) => r.email === 'cy@example.com');
		expect(cyAudit?.registrant_id).toBe(await registrantId(5));

		expect(emulator.tagsOf(bob.id)).toEqual(['webinar-no-show']);
		const replay = await run(
			[
				{
					...noSchedule(bob.id, 'bob@example.com'),
					body: {
						...(noSchedule(bob.id, 'bob@example.com').body as IDataObject),
						tags: 'webinar-no-show',
					},
				},
			],
			checkAndTag({ options: { replayCountsAsAttended: true } }),
		);
		expect(replay.json('HighLevel')[0]).toMatchObject({ status: 'attended', attended: true });
		expect(emulator.tagsOf(bob.id)).toEqual(['webinar-attended']);
	});

	it("the contact's tags as HighLevel returns them skip needless calls; the payload's tags are not trusted", async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-attended'] });
		const cy = emulator.seedContact({ email: 'cy@example.com', tags: ['vip'] });
		const result = await run(
			[
				// Already attended-tagged in HighLevel (whatever the payload says): nothing to do.
				ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: 'webinar-no-show' }),
				// No-show without either tag: one add, no remove.
				ghlWebhook({ contact_id: cy.id, email: 'cy@example.com', tags: ['webinar-no-show'] }),
			],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		const [adaOut, cyOut] = result.json('HighLevel');
		expect(adaOut).toMatchObject({ status: 'attended', highlevel_calls: 1 });
		expect(cyOut).toMatchObject({ status: 'no_show', highlevel_calls: 2 });
		expect(tagCalls().map((c) => [c.method, c.path, c.body])).toEqual([
			['POST', `/contacts/${cy.id}/tags`, { tags: ['webinar-no-show'] }],
		]);
		expect(emulator.tagsOf(cy.id)).toEqual(['vip', 'webinar-no-show']);
		// The audit still records what the check decided.
		expect((await auditRows()).map((r) => [r.attendance_status, r.tag_added]).sort()).toEqual([
			['attended', 'webinar-attended'],
			['no_show', 'webinar-no-show'],
		]);

		// With the option off, every call is made.
		emulator.state.log.length = 0;
		const off = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: 'webinar-attended' })],
			checkAndTag({ useTagsFromPayload: false }),
		);
		expect(off.json('HighLevel')[0]).toMatchObject({ status: 'attended', highlevel_calls: 3 });
		expect(
			tagCalls()
				.map((c) => c.method)
				.sort(),
		).toEqual(['DELETE', 'POST']);
	});

	it('not found, No Change: no tag call (only the contact read), status not_found, audit row not_found', async () => {
		await start();
		const zed = emulator.seedContact({ email: 'zed@example.com', tags: ['webinar-no-show'] });
		const result = await run(
			[ghlWebhook({ contact_id: zed.id, email: 'zed@example.com', tags: 'webinar-no-show' })],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		expect(result.json('HighLevel')[0]).toMatchObject({
			status: 'not_found',
			attended: null,
			tag_added: null,
			tag_removed: null,
			highlevel_calls: 1,
		});
		expect(apiCalls().map((c) => c.method)).toEqual(['GET']);
		expect(emulator.tagsOf(zed.id)).toEqual(['webinar-no-show']);
		expect(await auditRows()).toEqual([
			expect.objectContaining({
				attendance_status: 'not_found',
				registrant_id: null,
				attended: null,
				ghl_contact_id: zed.id,
				email: 'zed@example.com',
			}),
		]);
	});

	it('not found, Add Tag: adds the Not Found Tag only', async () => {
		await start();
		const zed = emulator.seedContact({ email: 'zed@example.com', tags: ['webinar-no-show'] });
		const result = await run(
			[ghlWebhook({ contact_id: zed.id, email: 'zed@example.com', tags: 'webinar-no-show' })],
			checkAndTag({ whenNotFound: 'addTag', notFoundTag: 'Not-Registered' }),
		);
		expect(result.json('HighLevel')[0]).toMatchObject({
			status: 'not_found',
			tag_added: 'Not-Registered',
			tag_removed: null,
		});
		expect(tagCalls().map((c) => [c.method, c.body])).toEqual([
			['POST', { tags: ['Not-Registered'] }],
		]);
		expect(emulator.tagsOf(zed.id)).toEqual(['webinar-no-show', 'not-registered']);
		expect((await auditRows())[0]).toMatchObject({
			attendance_status: 'not_found',
			tag_added: 'Not-Registered',
		});
	});

	it('no contact id: finds the contact by email (while the database is queried) and uses its tags', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'Ada@Example.com', tags: ['webinar-attended'] });
		const cy = emulator.seedContact({ email: 'cy@example.com', tags: ['webinar-attended'] });
		const result = await run(
			[
				ghlWebhook({ email: 'ada@example.com', tags: undefined }),
				ghlWebhook({ email: 'cy@example.com', tags: undefined }),
			],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		const [adaOut, cyOut] = result.json('HighLevel');
		expect(adaOut).toMatchObject({ contact_id: ada.id, status: 'attended', highlevel_calls: 1 });
		expect(cyOut).toMatchObject({ contact_id: cy.id, status: 'no_show', highlevel_calls: 3 });
		const searches = apiCalls((e) => e.path === '/contacts/search/duplicate');
		expect(searches.map((s) => s.query).sort((a, b) => a.email.localeCompare(b.email))).toEqual([
			{ locationId: emulator.locationId, email: 'ada@example.com' },
			{ locationId: emulator.locationId, email: 'cy@example.com' },
		]);
		// Ada already had the tag (the search said so): no tag call for her.
		expect(tagCalls().every((c) => c.path === `/contacts/${cy.id}/tags`)).toBe(true);
		expect(emulator.tagsOf(cy.id)).toEqual(['webinar-no-show']);
		expect((await auditRows()).map((r) => r.ghl_contact_id).sort()).toEqual([ada.id, cy.id].sort());
	});

	it('unknown contact: the item goes to the error output with the field and reason; the others are tagged', async () => {
		await start();
		const cy = emulator.seedContact({ email: 'cy@example.com' });
		const result = await run(
			[
				ghlWebhook({ contact_id: cy.id, email: 'cy@example.com', tags: '' }),
				ghlWebhook({ contact_id: 'noSuchContact0000001', email: 'ada@example.com', tags: '' }),
				ghlWebhook({ email: 'nobody@example.com', tags: '' }),
				ghlWebhook({ contact_id: cy.id, email: 'not-an-email', tags: '' }),
			],
			checkAndTag(),
			{ onError: 'continueErrorOutput' },
		);
		expect(result.error).toBeUndefined();
		const [ok, failed] = result.outputs('HighLevel');
		expect(paired(ok)).toEqual([0]);
		expect(ok[0].json).toMatchObject({ status: 'no_show', contact_id: cy.id });
		expect(paired(failed)).toEqual([1, 2, 3]);
		expect(failed[0].json.error).toBe("Field 'contactId': contact not found in HighLevel");
		expect(failed[0].json.details).toMatchObject({
			error_field: 'contactId',
			status: 'error',
			email: 'ada@example.com',
			contact_id: 'noSuchContact0000001',
			http_status: 422,
			reason: "Field 'contactId': contact not found in HighLevel",
		});
		expect(failed[1].json.error).toBe("Field 'email': no HighLevel contact has this email");
		expect(failed[1].json.details).toMatchObject({ error_field: 'email', http_status: 422 });
		// What the caller may read names the field, never the location.
		expect(JSON.stringify(failed.map((f) => f.json.details))).not.toContain(emulator.locationId);
		expect(failed[2].json.error).toBe(
			`Field 'email': "not-an-email" is not a valid email address: missing '@'`,
		);
		// n8n merges the input item back in on the error output.
		expect((failed[0].json.body as IDataObject).contact_id).toBe('noSuchContact0000001');

		const rows = await auditRows();
		expect(rows.map((r) => r.attendance_status).sort()).toEqual([
			'error',
			'error',
			'error',
			'no_show',
		]);
		const unknown = rows.find((r) => r.ghl_contact_id === 'noSuchContact0000001')!;
		// The contact read failed before any decision: an error row, and no tag call for it.
		expect(unknown).toMatchObject({
			attended: null,
			error: "Field 'contactId': contact not found in HighLevel",
		});
		expect(tagCalls().filter((c) => c.path.includes('noSuchContact'))).toHaveLength(0);
		expect(rows.find((r) => r.email === 'nobody@example.com')).toMatchObject({
			error: expect.stringContaining('no HighLevel contact has this email'),
		});
	});

	it('without continue-on-fail, one failed webhook fails the node with its own message', async () => {
		await start();
		const result = await run(
			[ghlWebhook({ contact_id: 'noSuchContact0000001', email: 'ada@example.com', tags: '' })],
			checkAndTag(),
		);
		expect(result.error?.message).toBe("Field 'contactId': contact not found in HighLevel");
	});

	it('429s are waited out (the interval HighLevel reports) and never reach the user', async () => {
		await start({ windowMs: 400 });
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-no-show'] });
		emulator.setFaults({ force429: 3 });
		const result = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: 'webinar-no-show' })],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		expect(result.json('HighLevel')[0]).toMatchObject({ status: 'attended' });
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-attended']);
		expect(apiCalls((e) => e.status === 429)).toHaveLength(3);
		expect(apiCalls((e) => e.status < 300)).toHaveLength(3);
		expect(apiCalls((e) => e.status === 429).every((e) => e.rateLimit === 'burst')).toBe(true);
		// Each 429 pauses every caller on the token (the two calls share it) for the 400 ms interval.
		expectWaitedAfter429s(400);
	});

	it('429 with Retry-After: waits what HighLevel asks, not the interval', async () => {
		await start({ windowMs: 200, retryAfter: true });
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		emulator.setFaults({ force429: 1 });
		const result = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' })],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		expect(apiCalls((e) => e.status === 429)).toHaveLength(1);
		// The emulator sends Retry-After: 1 (its minimum), far above the 200 ms interval.
		expectWaitedAfter429s(1000);
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-attended']);
	});

	it('5xx responses are retried with backoff; three failures in a row are reported with the count', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		emulator.setFaults({ force5xx: 2, status5xx: 502 });
		const ok = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' })],
			checkAndTag(),
		);
		expect(ok.error).toBeUndefined();
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-attended']);
		expect(apiCalls((e) => e.status === 502)).toHaveLength(2);

		emulator.state.log.length = 0;
		emulator.setFaults({ force5xx: 3, status5xx: 503 });
		// One call (the payload shows no No-Show Tag to remove), failing three times.
		const failed = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' })],
			checkAndTag(),
			{ onError: 'continueRegularOutput' },
		);
		expect(failed.error).toBeUndefined();
		const [out] = failed.json('HighLevel');
		expect(out.status).toBe('error');
		expect(out.error).toMatch(/^HighLevel server error 503 after 3 tries: Service Unavailable$/);
		expect(apiCalls((e) => e.status === 503)).toHaveLength(3);
		expect(apiCalls()).toHaveLength(3);
		expect((await auditRows()).at(-1)).toMatchObject({
			attendance_status: 'error',
			error: out.error,
		});
	});

	it('401: fails at once with a clear message, makes no retry, and the token shows nowhere', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		emulator.setFaults({ revokeToken: emulator.defaultToken });
		const rows = [1, 2, 3].map(() =>
			ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: 'webinar-no-show' }),
		);
		const result = await run(rows, checkAndTag({ options: { concurrency: 1 } }));
		expect(result.error?.message).toBe(
			'HighLevel rejected the token (401): token revoked or invalid',
		);
		// The first item's contact read, refused once; the other items made no call.
		expect(apiCalls()).toHaveLength(1);
		expect(apiCalls().every((e) => e.status === 401)).toBe(true);
		// Every failed check is in the audit table.
		const audit = await auditRows();
		expect(audit.map((r) => r.attendance_status)).toEqual(['error', 'error', 'error']);
		expect(audit[0].error).toBe('HighLevel rejected the token (401): token revoked or invalid');
		expectNoSecrets(result.run.data);

		const tolerant = await run(rows.slice(0, 2), checkAndTag(), {
			onError: 'continueErrorOutput',
		});
		const [, failed] = tolerant.outputs('HighLevel');
		expect(failed.map((f) => f.json.error)).toEqual([
			'HighLevel rejected the token (401): token revoked or invalid',
			'HighLevel rejected the token (401): token revoked or invalid',
		]);
		expectNoSecrets(tolerant.run.data);
	});

	it('the daily limit stops the run without retrying: later items make no call', async () => {
		await start({ dailyLimit: 2 });
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const rows = [1, 2, 3].map(() =>
			ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' }),
		);
		const result = await run(rows, checkAndTag({ options: { concurrency: 1 } }), {
			onError: 'continueRegularOutput',
		});
		const out = result.json('HighLevel');
		expect(out[0]).toMatchObject({ status: 'attended' });
		const daily = `HighLevel daily API limit reached for location ${emulator.locationId} (2 requests per day): stopped without retrying`;
		expect(out.slice(1).map((o) => o.error)).toEqual([daily, daily]);
		// Item 0's read and add, item 1's refused read, and nothing after it.
		expect(apiCalls()).toHaveLength(3);
		expect(apiCalls()[2]).toMatchObject({ status: 429, rateLimit: 'daily' });
	});

	it('network errors and timeouts are retried three times, then named in words', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const item = ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' });
		const refused = await run([item], checkAndTag(), {
			creds: { highLevel: { baseUrl: 'http://127.0.0.1:1' } },
		});
		expect(refused.error?.message).toBe(
			'HighLevel could not be reached at http://127.0.0.1:1 (connection refused) after 3 tries',
		);
		emulator.setFaults({ latencyMs: 1500 });
		const slow = await run([item], checkAndTag({ options: { timeoutMs: 1000 } }));
		expect(slow.error?.message).toBe('HighLevel did not answer within 1000 ms after 3 tries');
		expect(apiCalls()).toHaveLength(3);
		expectNoSecrets(refused.run.data);
	});

	it('403: names the location the token cannot reach', async () => {
		await start({
			tokens: [{ token: 'pit-other-location-token', locationId: 'otherLocation00001' }],
		});
		const result = await run([ghlWebhook({ email: 'ada@example.com', tags: '' })], checkAndTag(), {
			creds: { highLevel: { accessToken: 'pit-other-location-token' } },
		});
		expect(result.error?.message).toBe(
			`HighLevel refused access to location ${emulator.locationId} (403): the token does not belong to this location or lacks a scope`,
		);
		expect(JSON.stringify(result.run.data)).not.toContain('pit-other-location-token');
	});

	it('database unreachable: every item errors with where and why, no password, and no HighLevel tag call', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const result = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' })],
			checkAndTag(),
			{ onError: 'continueRegularOutput', creds: { postgres: { port: 1 } } },
		);
		const [out] = result.json('HighLevel');
		expect(out.error).toMatch(/^PostgreSQL at 127\.0\.0\.1:1\/test is unreachable: /);
		expect(out.error_field).toBe('database');
		expect(tagCalls()).toHaveLength(0);
		expectNoSecrets(result.run.data);
	});

	it('a missing table is reported with the SQL error, and a bad Schema parameter before any query', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const item = ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' });
		const missing = await run([item], checkAndTag({ schema: 'mkops_no_such_schema' }), {
			onError: 'continueRegularOutput',
		});
		expect(missing.json('HighLevel')[0].error).toContain(
			'attendance lookup failed: relation "mkops_no_such_schema.webinar_registrants" does not exist [42P01]',
		);
		const bad = await run([item], checkAndTag({ schema: 'x; DROP TABLE y' }));
		expect(bad.error?.message).toBe(
			"Schema 'x; DROP TABLE y' is not a plain SQL name (letters, digits and _ only, at most 63 characters)",
		);
	});

	it('the add and the remove run at once, and the audit row is written while they are in flight', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-no-show'] });
		// Both tag calls are held unanswered: only calls made at the same time can both arrive.
		const gate = emulator.hold((e) => e.path.endsWith('/tags'));
		const running = run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: 'webinar-no-show' })],
			checkAndTag(),
		);
		try {
			await gate.reached(2);
			// The audit row goes in while neither call has come back.
			await eventually('the audit row while the tag calls are held', async () => {
				const rows = await auditRows();
				return rows.length === 1 && rows[0].attendance_status === 'attended';
			});
			expect(gate.held()).toBe(2);
		} finally {
			gate.release();
		}
		const result = await running;
		expect(result.error).toBeUndefined();
		expect(result.json('HighLevel')[0]).toMatchObject({ status: 'attended', highlevel_calls: 3 });
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-attended']);
	});

	it('an audit insert that fails is awaited and reported, after the tags were written', async () => {
		await start();
		const fn = pg.qualified('refuse_audit');
		await pg.query(
			`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused for %', NEW.email; END $$`,
		);
		await pg.query(
			`CREATE TRIGGER refuse_audit BEFORE INSERT ON ${pg.qualified('attendance_checks')} FOR EACH ROW WHEN (NEW.email = 'ada@example.com') EXECUTE FUNCTION ${fn}()`,
		);
		try {
			const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-no-show'] });
			const result = await run(
				[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: 'webinar-no-show' })],
				checkAndTag(),
				{ onError: 'continueErrorOutput' },
			);
			const [ok, failed] = result.outputs('HighLevel');
			expect(ok).toHaveLength(0);
			expect(failed[0].json.error).toBe(
				`Field 'writeAuditRow': tags written, but the attendance_checks row was not: PostgreSQL at 127.0.0.1:${pg.connection.port}/test: audit row not written: audit refused for ada@example.com [P0001]`,
			);
			expect(failed[0].json.details).toMatchObject({
				error_field: 'writeAuditRow',
				check_status: 'attended',
				tag_added: 'webinar-attended',
				http_status: 503,
			});
			expect(emulator.tagsOf(ada.id)).toEqual(['webinar-attended']);
			expect(await auditRows()).toEqual([]);
		} finally {
			await pg.query(`DROP TRIGGER refuse_audit ON ${pg.qualified('attendance_checks')}`);
			await pg.query(`DROP FUNCTION ${fn}()`);
		}
	});

	it('the audit row can be turned off', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const result = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' })],
			checkAndTag({ options: { writeAuditRow: false } }),
		);
		expect(result.json('HighLevel')[0].status).toBe('attended');
		expect(await auditRows()).toEqual([]);
	});

	it('many items: bounded concurrency, one output per item in order, paced under a limit HighLevel reports', async () => {
		// The credential allows 100 per 10 s; the location's real limit is 16 per second.
		await start({ limitPer10s: 16, windowMs: 1000 });
		const contacts = Array.from({ length: 20 }, (_, i) =>
			emulator.seedContact({ email: `p${i}@example.com` }),
		);
		await pg.query(
			`INSERT INTO ${pg.qualified('webinar_registrants')} (webinarjam_id, webinar_id, schedule_id, email, event_date, attended_live)
			 SELECT 1000 + i, $1, $2, 'p' || i || '@example.com', '2030-03-14T17:00:00Z', i % 2 = 0 FROM generate_series(0, 19) AS i`,
			[WEBINAR, SCHEDULE],
		);
		try {
			const rows = contacts.map((c) =>
				ghlWebhook({ contact_id: c.id, email: c.email, tags: undefined }),
			);
			const result = await run(rows, checkAndTag({ options: { concurrency: 1 } }));
			expect(result.error).toBeUndefined();
			const out = result.outputs('HighLevel')[0];
			expect(paired(out)).toEqual(contacts.map((_, i) => i));
			expect(out.map((o) => o.json.status)).toEqual(
				contacts.map((_, i) => (i % 2 === 0 ? 'attended' : 'no_show')),
			);
			// 40 tag calls; after the first reply the limiter runs at the reported 16 per second.
			expect(apiCalls()).toHaveLength(40);
			expect(apiCalls((e) => e.status === 429)).toHaveLength(0);
			for (const [i, c] of contacts.entries()) {
				expect(emulator.tagsOf(c.id)).toEqual([
					i % 2 === 0 ? 'webinar-attended' : 'webinar-no-show',
				]);
			}

			// Ten at a time against a matching credential: still no 429.
			emulator.reset();
			resetRateLimiters();
			forgetLearnedLimits();
			const again = contacts.map((c) => emulator.seedContact({ id: c.id, email: c.email }));
			const parallel = await run(
				again.map((c) => ghlWebhook({ contact_id: c.id, email: c.email, tags: undefined })),
				checkAndTag({ options: { concurrency: 10 } }),
				{ creds: { highLevel: { requestsPer10s: 16 } } },
			);
			expect(parallel.error).toBeUndefined();
			expect(parallel.outputs('HighLevel')[0]).toHaveLength(20);
			expect(apiCalls((e) => e.status === 429)).toHaveLength(0);
			expect(apiCalls()).toHaveLength(40);
		} finally {
			await pg.query(
				`DELETE FROM ${pg.qualified('webinar_registrants')} WHERE webinarjam_id >= 1000`,
			);
		}
	});
});

describe('Attendance › Check and Tag (Supabase, through the PostgREST double)', () => {
	let double: PostgrestDouble;
	beforeAll(async () => {
		double = await startPostgrestDouble({ connection: pg.connection, schema: pg.schema });
	});
	afterAll(async () => {
		await double?.close();
	});

	const supabase = () => ({ host: double.url, serviceRole: double.serviceRoleKey });

	it('attended, no-show and not found: same outputs, tags and audit rows as Postgres mode', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-no-show'] });
		const cy = emulator.seedContact({ email: 'cy@example.com' });
		const zed = emulator.seedContact({ email: 'zed@example.com' });
		const result = await run(
			[
				ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: 'webinar-no-show' }),
				ghlWebhook({ email: 'cy@example.com' }),
				ghlWebhook({ contact_id: zed.id, email: 'zed@example.com', tags: '' }),
			],
			checkAndTag({ database: 'supabase' }),
			{ creds: { supabase: supabase(), postgres: { port: 1 } } },
		);
		expect(result.error).toBeUndefined();
		const [adaOut, cyOut, zedOut] = result.json('HighLevel');
		expect(adaOut).toMatchObject({
			status: 'attended',
			tag_added: 'webinar-attended',
			tag_removed: 'webinar-no-show',
		});
		expect(adaOut).not.toHaveProperty('registrant');
		expect(cyOut).toMatchObject({ status: 'no_show', contact_id: cy.id });
		expect(zedOut).toMatchObject({ status: 'not_found' });
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-attended']);
		expect(emulator.tagsOf(cy.id)).toEqual(['webinar-no-show']);

		const rows = await auditRows();
		expect(rows.map((r) => [r.email, r.attendance_status, r.ghl_contact_id]).sort()).toEqual(
			[
				['ada@example.com', 'attended', ada.id],
				['cy@example.com', 'no_show', cy.id],
				['zed@example.com', 'not_found', zed.id],
			].sort(),
		);
		expect(rows.every((r) => typeof r.response_time_ms === 'number')).toBe(true);

		// supabase-js sent the lightning query's filter, order and limit; the double ran it in SQL.
		const lookups = double.requests({ method: 'GET', table: 'webinar_registrants' });
		expect(lookups).toHaveLength(3);
		expect(lookups[0].query).toMatchObject({
			email: 'eq.ada@example.com',
			webinar_id: `eq.${WEBINAR}`,
			schedule_id: `eq.${SCHEDULE}`,
			order: 'event_date.desc',
			limit: '1',
		});
		expect(double.requests({ method: 'POST', table: 'attendance_checks' })).toHaveLength(3);
		expect(JSON.stringify(result.run.data)).not.toContain(double.serviceRoleKey);
	});

	it('a failed tag call turns the audit row written alongside it into an error row', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		// The contact is deleted in HighLevel between the read and the tag call.
		const gate = emulator.hold((e) => e.path.endsWith('/tags'));
		const running = run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' })],
			checkAndTag({ database: 'supabase' }),
			{ onError: 'continueRegularOutput', creds: { supabase: supabase() } },
		);
		try {
			await gate.reached(1);
			const deleted = await fetch(`${emulator.url}/contacts/${ada.id}`, {
				method: 'DELETE',
				headers: { Authorization: `Bearer ${emulator.defaultToken}`, Version: API_VERSION },
			});
			expect(deleted.status).toBe(200);
		} finally {
			gate.release();
		}
		const result = await running;
		expect(result.json('HighLevel')[0]).toMatchObject({
			status: 'error',
			error_field: 'contactId',
		});
		expect(await auditRows()).toEqual([
			expect.objectContaining({
				attendance_status: 'error',
				attended: true,
				error: expect.stringContaining(`Contact with id ${ada.id} not found`),
			}),
		]);
		expect(double.requests({ method: 'PATCH', table: 'attendance_checks' })).toHaveLength(1);
	});

	it('a wrong service key is reported without the key', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const result = await run(
			[ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', tags: '' })],
			checkAndTag({ database: 'supabase' }),
			{
				onError: 'continueRegularOutput',
				creds: { supabase: { host: double.url, serviceRole: 'sb-wrong-secret-key-123' } },
			},
		);
		const [out] = result.json('HighLevel');
		expect(out.error).toMatch(new RegExp(`^Supabase at ${double.url}: attendance lookup failed: `));
		expect(JSON.stringify(result.run.data)).not.toContain('sb-wrong-secret-key-123');
		expect(tagCalls()).toHaveLength(0);
	});
});

describe('Contact operations', () => {
	it('Add Tags and Remove Tags change the contact; Find by Email returns it or found: false', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['vip'] });
		const add = await run([{ contact_id: ada.id }], {
			resource: 'contact',
			operation: 'addTags',
			tags: 'Webinar-Attended, newsletter ,vip',
		});
		expect(add.error).toBeUndefined();
		expect(add.json('HighLevel')[0]).toEqual({
			contact_id: ada.id,
			tags_added: ['Webinar-Attended', 'newsletter', 'vip'],
			tags: ['vip', 'webinar-attended', 'newsletter'],
		});
		const remove = await run([{ contact_id: ada.id }], {
			resource: 'contact',
			operation: 'removeTags',
			tags: '={{ ["newsletter", "VIP"] }}',
		});
		expect(remove.json('HighLevel')[0]).toEqual({
			contact_id: ada.id,
			tags_removed: ['newsletter', 'VIP'],
			tags: ['webinar-attended'],
		});
		expect(apiCalls().map((c) => [c.method, c.body])).toEqual([
			['POST', { tags: ['Webinar-Attended', 'newsletter', 'vip'] }],
			['DELETE', { tags: ['newsletter', 'VIP'] }],
		]);

		const find = await run([{ email: 'ADA@example.com' }, { email: 'nobody@example.com' }], {
			resource: 'contact',
			operation: 'findByEmail',
		});
		const [found, missing] = find.json('HighLevel');
		expect(found).toMatchObject({
			found: true,
			contact_id: ada.id,
			id: ada.id,
			email: 'ada@example.com',
		});
		expect(missing).toEqual({ email: 'nobody@example.com', found: false, contact_id: null });
	});

	it('an unknown contact or no tags is an item error naming the field', async () => {
		await start();
		const result = await run(
			[{ contact_id: 'noSuchContact0000001' }, { contact_id: '' }],
			{ resource: 'contact', operation: 'addTags', tags: 'x' },
			{ onError: 'continueErrorOutput' },
		);
		const [ok, failed] = result.outputs('HighLevel');
		expect(ok).toHaveLength(0);
		expect(paired(failed)).toEqual([0, 1]);
		expect(failed[0].json.error).toBe(
			"Field 'contactId': HighLevel rejected the request (400): Contact with id noSuchContact0000001 not found",
		);
		expect(failed[1].json.error).toBe("Field 'contactId': no contact id given");
		const none = await run([{ contact_id: 'abc' }], {
			resource: 'contact',
			operation: 'removeTags',
			tags: ' , ',
		});
		expect(none.error?.message).toBe("Field 'tags': no tags given");
	});
});

describe('Contact picker', () => {
	it("lists the location's contacts matching name or email (POST /contacts/search), and feeds Add Tags", async () => {
		await start();
		const ada = emulator.seedContact({
			email: 'ada@example.com',
			firstName: 'Ada',
			lastName: 'Lovelace',
		});
		emulator.seedContact({ email: 'cy@example.com', firstName: 'Cy' });
		const params = {
			resource: 'contact',
			operation: 'addTags',
			contactId: { __rl: true, mode: 'list', value: ada.id },
			tags: 'vip',
		};
		const ctx = createLoadOptionsContext(workflow(params), 'HighLevel', {
			credentials: credentials(),
		});
		const found = await searchContacts.call(ctx, 'lovelace');
		expect(found.results).toEqual([{ name: 'Ada Lovelace – ada@example.com', value: ada.id }]);
		expect((await searchContacts.call(ctx)).results.map((r) => r.value)).toHaveLength(2);
		expect(apiCalls()[0]).toMatchObject({
			method: 'POST',
			path: '/contacts/search',
			body: { locationId: emulator.locationId, query: 'lovelace', page: 1, pageLimit: 50 },
		});
		const tagged = await run([{}], params);
		expect(tagged.error).toBeUndefined();
		expect(emulator.tagsOf(ada.id)).toEqual(['vip']);
	});
});

describe('contact ids that are not HighLevel ids (the id goes into the URL the token is sent to)', () => {
	// `..` would make /contacts/../tags, which the HTTP client sends as /tags.
	const BAD_IDS = ['..', 'a/b', '%2e%2e', '   '];
	const refused = (id: string) =>
		id.trim() === ''
			? "Field 'contactId': no contact id given"
			: `Field 'contactId': ${JSON.stringify(id)} is not a HighLevel contact id (1 to 64 letters and digits)`;

	it.each(['addTags', 'removeTags'])(
		'Contact › %s: each is a Contact ID error and no request reaches HighLevel',
		async (operation) => {
			await start();
			emulator.seedContact({ email: 'ada@example.com', tags: ['x'] });
			const result = await run(
				BAD_IDS.map((contact_id) => ({ contact_id })),
				{ resource: 'contact', operation, tags: 'x' },
				{ onError: 'continueErrorOutput' },
			);
			expect(result.error).toBeUndefined();
			const [ok, failed] = result.outputs('HighLevel');
			expect(ok).toHaveLength(0);
			expect(paired(failed)).toEqual([0, 1, 2, 3]);
			expect(failed.map((f) => f.json.error)).toEqual(BAD_IDS.map(refused));
			for (const f of failed) expect(f.json.details).toMatchObject({ error_field: 'contactId' });
			expect(apiCalls()).toEqual([]);
		},
	);

	it('Check and Tag: a webhook contact id is refused before any HighLevel call, with an error audit row', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-no-show'] });
		const ids = BAD_IDS.filter((id) => id.trim() !== ''); // empty means "find by email" here
		const result = await run(
			ids.map((contact_id) =>
				ghlWebhook({ contact_id, email: 'ada@example.com', tags: 'webinar-no-show' }),
			),
			checkAndTag(),
			{ onError: 'continueErrorOutput' },
		);
		expect(result.error).toBeUndefined();
		const [ok, failed] = result.outputs('HighLevel');
		expect(ok).toHaveLength(0);
		expect(failed.map((f) => f.json.error)).toEqual(ids.map(refused));
		for (const f of failed)
			expect(f.json.details).toMatchObject({ error_field: 'contactId', status: 'error' });
		expect(apiCalls()).toEqual([]);
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-no-show']);
		const audit = (await auditRows()).map((r) => [r.ghl_contact_id, r.attendance_status]);
		expect(audit.sort()).toEqual(ids.map((id) => [id, 'error']).sort());
	});

	it('Check and Tag: an id the email search returns is checked too; only the search was sent', async () => {
		await start();
		const odd = emulator.seedContact({ id: '..', email: 'ada@example.com', tags: [] });
		expect(odd.id).toBe('..');
		const result = await run(
			[ghlWebhook({ email: 'ada@example.com', tags: undefined })],
			checkAndTag(),
			{ onError: 'continueErrorOutput' },
		);
		const [ok, failed] = result.outputs('HighLevel');
		expect(ok).toHaveLength(0);
		expect(failed[0].json.error).toBe(
			`Field 'contactId': HighLevel’s contact for this email: ".." is not a HighLevel contact id (1 to 64 letters and digits)`,
		);
		expect(failed[0].json.details).toMatchObject({ error_field: 'contactId', contact_id: '..' });
		expect(apiCalls().map((c) => [c.method, c.path])).toEqual([
			['GET', '/contacts/search/duplicate'],
		]);
	});
});

describe('Credential tests', () => {
	/**
	 * The node's test of the HighLevel credential, as n8n's credential tester calls it, with a
	 * request helper over real HTTP (what n8n's helper does: a non-2xx answer throws its status).
	 */
	async function testHighLevelCredential(data: IDataObject) {
		const type = new HighLevelAttendanceApi();
		const withDefaults: IDataObject = {};
		for (const p of type.properties) withDefaults[p.name] = p.default;
		const v1 = new HighLevelAttendance().nodeVersions[1] as unknown as {
			methods: { credentialTest: Record<string, (c: unknown) => Promise<IDataObject>> };
			description: { credentials: Array<{ name: string; testedBy?: string }> };
		};
		const testedBy = v1.description.credentials.find(
			(c) => c.name === 'highLevelAttendanceApi',
		)?.testedBy;
		const sent: string[] = [];
		const helpers = {
			request: async (options: {
				method: string;
				uri: string;
				headers: Record<string, string>;
			}) => {
				sent.push(options.uri);
				const response = await fetch(options.uri, {
					method: options.method,
					headers: options.headers,
				});
				const body = (await response.json()) as IDataObject;
				if (!response.ok)
					throw Object.assign(new Error('request failed'), { statusCode: response.status });
				return body;
			},
		};
		const result = await v1.methods.credentialTest[testedBy!].call(
			{ helpers },
			{
				id: '1',
				name: 'HighLevel',
				type: 'highLevelAttendanceApi',
				data: { ...withDefaults, ...data },
			},
		);
		return { result, sent };
	}

	it('HighLevel: reads the location with the Version header; a revoked token or another location fails without the token', async () => {
		await start({
			tokens: [DEFAULT_TOKEN, { token: 'pit-other-loc', locationId: 'otherLocation00001' }],
		});
		const ok = await testHighLevelCredential({
			accessToken: emulator.defaultToken,
			locationId: ` ${emulator.locationId} `,
			baseUrl: `${emulator.url}/`,
		});
		expect(ok.sent).toEqual([`${emulator.url}/locations/${emulator.locationId}`]);
		expect(ok.result).toEqual({ status: 'OK', message: 'Connection successful' });
		expect(apiCalls()[0]).toMatchObject({ version: API_VERSION, status: 200 });

		const wrongLocation = await testHighLevelCredential({
			accessToken: 'pit-other-loc',
			locationId: emulator.locationId,
			baseUrl: emulator.url,
		});
		expect(wrongLocation.result.status).toBe('Error');
		expect(wrongLocation.result.message).toMatch(
			/^The token has no access to this Location ID \(403\)/,
		);

		emulator.setFaults({ revokeToken: emulator.defaultToken });
		const revoked = await testHighLevelCredential({
			accessToken: emulator.defaultToken,
			locationId: emulator.locationId,
			baseUrl: emulator.url,
		});
		expect(revoked.result).toEqual({
			status: 'Error',
			message: 'HighLevel rejected the Private Integration Token (401)',
		});
		expect(JSON.stringify(revoked)).not.toContain(emulator.defaultToken);
	});

	it('HighLevel: a Base URL that is not https:// (except localhost) is refused before the token is sent', async () => {
		await start();
		for (const baseUrl of ['http://services.example.com', 'ftp://example.com', 'not a url']) {
			const refused = await testHighLevelCredential({
				accessToken: emulator.defaultToken,
				locationId: emulator.locationId,
				baseUrl,
			});
			expect(refused.result.status).toBe('Error');
			expect(refused.result.message).toMatch(/Base URL/);
			expect(refused.sent).toEqual([]);
		}
		// A location id that would step out of the path is refused the same way.
		const dots = await testHighLevelCredential({
			accessToken: emulator.defaultToken,
			locationId: '..',
			baseUrl: emulator.url,
		});
		expect(dots.result.status).toBe('Error');
		expect(dots.sent).toEqual([]);
		expect(apiCalls()).toHaveLength(0);
	});

	it('HighLevel: a Webhook Secret that is a placeholder or too short fails the test', async () => {
		await start();
		const base = {
			accessToken: emulator.defaultToken,
			locationId: emulator.locationId,
			baseUrl: emulator.url,
		};
		for (const webhookSecret of ['REPLACE_WITH_A_RANDOM_SECRET_OF_32_CHARACTERS', 'short-secret']) {
			const tested = await testHighLevelCredential({ ...base, webhookSecret });
			expect(tested.result.status).toBe('Error');
			expect(tested.result.message).toMatch(/Webhook Secret/);
			expect(JSON.stringify(tested.result)).not.toContain(webhookSecret);
		}
		expect((await testHighLevelCredential({ ...base, webhookSecret: SECRET })).result.status).toBe(
			'OK',
		);
	});

	it("Postgres (the node's credentialTest): OK names the server; a failure names it and the reason, never the password", async () => {
		const node = new HighLevelAttendance();
		const v1 = node.nodeVersions[1] as unknown as {
			methods: {
				credentialTest: Record<
					string,
					(credential: { data: IDataObject }) => Promise<{ status: string; message: string }>
				>;
			};
			description: { credentials: Array<{ name: string; testedBy?: string }> };
		};
		const testedBy = v1.description.credentials.find((c) => c.name === 'postgres')?.testedBy;
		expect(testedBy).toBe('highLevelAttendancePostgresTest');
		const test = v1.methods.credentialTest[testedBy!];
		const ok = await test.call({}, { data: pgCredentials() });
		expect(ok).toEqual({
			status: 'OK',
			message: `Connected to 127.0.0.1:${pg.connection.port}/test`,
		});
		const down = await test.call({}, { data: pgCredentials({ port: 1 }) });
		expect(down.status).toBe('Error');
		expect(down.message).toMatch(/^PostgreSQL at 127\.0\.0\.1:1\/test is unreachable: /);
		const noDb = await test.call({}, { data: pgCredentials({ database: 'mkops_no_such_db' }) });
		expect(noDb.status).toBe('Error');
		expect(noDb.message).toContain('mkops_no_such_db');
		for (const r of [ok, down, noDb]) expect(r.message).not.toContain(PG_PASSWORD);
	});
});

describe('one email rule', () => {
	// The sync stores emails through the shared normalizeEmail; an address it refuses can never be
	// found, so Check and Tag and Find by Email refuse it too, and accept what it accepts.
	const addresses = [
		'jane@example',
		'jane@example.com',
		' <Jane@Example.COM> ',
		'mailto:jane@example.com',
		'jane@@example.com',
		'jane doe@example.com',
		'jane@example.c',
		'jane..doe@example.com',
	];

	it.each(addresses)('Check and Tag treats %p as normalizeEmail does', async (address) => {
		await start();
		// The contact's own email, as HighLevel stores it: the check compares the two by the same rule.
		const jane = emulator.seedContact({ email: 'jane@example.com' });
		const result = await run(
			[ghlWebhook({ contact_id: jane.id, email: address, tags: '' })],
			checkAndTag(),
			{
				onError: 'continueRegularOutput',
			},
		);
		const [out] = result.json('HighLevel');
		const verdict = normalizeEmail(address);
		if (verdict.ok) {
			expect(out.status).toBe('not_found');
			expect(out.email).toBe(verdict.value);
		} else {
			expect(out.status).toBe('error');
			expect(out.error_field).toBe('email');
			expect(out.error).toBe(`Field 'email': "${address.trim()}" is ${verdict.reason}`);
		}
	});

	it.each(addresses)('Find by Email treats %p as normalizeEmail does', async (address) => {
		await start();
		const result = await run(
			[{ email: address }],
			{ resource: 'contact', operation: 'findByEmail' },
			{
				onError: 'continueRegularOutput',
			},
		);
		const [out] = result.json('HighLevel');
		const verdict = normalizeEmail(address);
		if (verdict.ok) expect(out).toEqual({ email: verdict.value, found: false, contact_id: null });
		else expect(out).toMatchObject({ status: 'error', error_field: 'email' });
		// A refused address never reaches HighLevel.
		expect(apiCalls()).toHaveLength(verdict.ok ? 1 : 0);
	});
});

describe('attendance lookup', () => {
	it('over 100,000 registrants: finds each one through the lookup index (speed: npm run bench:attendance)', async () => {
		await pg.query(
			`INSERT INTO ${pg.qualified('webinar_registrants')} (webinarjam_id, webinar_id, schedule_id, email, event_date, attended_live)
			 SELECT 100000 + i, 500 + i % 20, i % 3, 'bulk' || i || '@example.com', '2030-01-01T00:00:00Z'::timestamptz + (i % 50) * interval '1 day', i % 4 = 0
			 FROM generate_series(1, 100000) AS i`,
		);
		await pg.query(`ANALYZE ${pg.qualified('webinar_registrants')}`);
		// The rows stay (webinar ids 500-519 meet no other test); the schema is dropped at the end.
		const store = postgresAttendanceStore(postgresCredentials(pgCredentials()), pg.schema);
		for (let n = 0; n < 200; n++) {
			const i = 1 + ((n * 7919) % 100000);
			const row = await store.lookup({
				email: `bulk${i}@example.com`,
				webinarId: 500 + (i % 20),
				scheduleId: i % 3,
			});
			expect(row).toMatchObject({
				email: `bulk${i}@example.com`,
				webinar_id: 500 + (i % 20),
				schedule_id: i % 3,
				attended_live: i % 4 === 0,
			});
		}
		const plan = await pg.query<{ 'QUERY PLAN': string }>(
			`EXPLAIN SELECT id FROM ${pg.qualified('webinar_registrants')} WHERE email = 'bulk5@example.com' AND webinar_id = 505 AND schedule_id = 2 ORDER BY event_date DESC LIMIT 1`,
		);
		expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(
			'idx_webinar_registrants_lookup',
		);
	});
});

describe('closed by default: the webhook secret and the contact tied to the email', () => {
	const withoutSecret = (
		body: IDataObject,
		where: { headers?: IDataObject; query?: IDataObject },
	) => {
		const item = ghlWebhook(body);
		const headers = { ...(item.headers as IDataObject) };
		delete headers['x-webhook-secret'];
		return { ...item, headers: { ...headers, ...where.headers }, query: { ...where.query } };
	};

	it('no secret: 401, wrong secret: 403, before any HighLevel call or audit row; the output never holds the secret', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-no-show'] });
		const body = { contact_id: ada.id, email: 'ada@example.com', tags: '' };
		const result = await run(
			[
				withoutSecret(body, {}),
				withoutSecret(body, { headers: { 'x-webhook-secret': `${SECRET}x` } }),
				withoutSecret(body, { query: { secret: 'REPLACE_WITH_A_RANDOM_SECRET_OF_32_CHARACTERS' } }),
				withoutSecret(body, { headers: { authorization: `Bearer ${SECRET}` } }),
			],
			checkAndTag(),
			{ onError: 'continueErrorOutput' },
		);
		const [ok, failed] = result.outputs('HighLevel');
		expect(ok).toHaveLength(0);
		expect(failed.map((f) => (f.json.details as IDataObject).http_status)).toEqual([
			401, 403, 403, 401,
		]);
		expect((failed[0].json.details as IDataObject).reason).toMatch(/no secret given/);
		expect(apiCalls()).toHaveLength(0);
		expect(await auditRows()).toEqual([]);
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-no-show']);
		// What the node adds to the item (details, error) never repeats a secret.
		for (const f of failed) {
			expect(JSON.stringify([f.json.error, f.json.details])).not.toContain(SECRET);
		}
	});

	it('the secret in the query string (the plain Webhook action) or the header (any case) is accepted', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const cy = emulator.seedContact({ email: 'cy@example.com' });
		const result = await run(
			[
				withoutSecret(
					{ contact_id: ada.id, email: 'ada@example.com' },
					{ query: { secret: SECRET } },
				),
				withoutSecret(
					{ contact_id: cy.id, email: 'cy@example.com' },
					{ headers: { 'X-Webhook-Secret': SECRET } },
				),
			],
			checkAndTag(),
		);
		expect(result.error).toBeUndefined();
		expect(result.json('HighLevel').map((o) => o.status)).toEqual(['attended', 'no_show']);
		expect(JSON.stringify(result.outputs('HighLevel'))).not.toContain(SECRET);
	});

	it('a credential whose Webhook Secret is empty, short or the placeholder lets nobody in (503, so someone is alerted)', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		for (const webhookSecret of [
			'',
			'too-short',
			'REPLACE_WITH_A_RANDOM_SECRET_OF_32_CHARACTERS',
		]) {
			const item = withoutSecret(
				{ contact_id: ada.id, email: 'ada@example.com' },
				{ headers: { 'x-webhook-secret': webhookSecret } },
			);
			const result = await run([item], checkAndTag(), {
				onError: 'continueErrorOutput',
				creds: { highLevel: { webhookSecret } },
			});
			const [ok, failed] = result.outputs('HighLevel');
			expect(ok).toHaveLength(0);
			expect((failed[0].json.details as IDataObject).http_status).toBe(503);
			expect((failed[0].json.details as IDataObject).reason).toMatch(/Webhook Secret/);
		}
		expect(apiCalls()).toHaveLength(0);
		expect(await auditRows()).toEqual([]);
	});

	it('Caller Authentication "None" leaves it to the workflow: no secret needed', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const result = await run(
			[withoutSecret({ contact_id: ada.id, email: 'ada@example.com' }, {})],
			checkAndTag({ authentication: 'none' }),
			{ creds: { highLevel: { webhookSecret: '' } } },
		);
		expect(result.error).toBeUndefined();
		expect(result.json('HighLevel')[0].status).toBe('attended');
	});

	it("a contact id with someone else's email: 422 on the contact id, no tag, and nothing of the registrant in the output", async () => {
		await start();
		const victim = emulator.seedContact({ email: 'cy@example.com', tags: ['vip'] });
		const result = await run(
			// Ada is a registrant (attended, purchased); the request names Cy's contact with Ada's email.
			[ghlWebhook({ contact_id: victim.id, email: 'ada@example.com', tags: '' })],
			checkAndTag(),
			{ onError: 'continueErrorOutput' },
		);
		const [ok, failed] = result.outputs('HighLevel');
		expect(ok).toHaveLength(0);
		expect(failed[0].json.error).toBe(
			"Field 'contactId': the contact’s email is not the email in the request",
		);
		const details = failed[0].json.details as IDataObject;
		expect(details).toMatchObject({ http_status: 422, error_field: 'contactId', attended: null });
		expect(JSON.stringify(details)).not.toMatch(/Lovelace|Ada|497|revenue|purchased|registrant/);
		expect(tagCalls()).toHaveLength(0);
		expect(emulator.tagsOf(victim.id)).toEqual(['vip']);
		expect(apiCalls().map((c) => [c.method, c.path])).toEqual([['GET', `/contacts/${victim.id}`]]);
	});

	it('database down: 503 with a reason that names no host; HighLevel down: 503 "HighLevel is unavailable"', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const item = ghlWebhook({ contact_id: ada.id, email: 'ada@example.com' });
		const dbDown = await run([item], checkAndTag(), {
			onError: 'continueErrorOutput',
			creds: { postgres: { port: 1 } },
		});
		const dbDetails = dbDown.outputs('HighLevel')[1][0].json.details as IDataObject;
		expect(dbDetails).toMatchObject({
			http_status: 503,
			reason: 'the attendance database is unavailable',
		});
		expect(String(dbDown.outputs('HighLevel')[1][0].json.error)).toContain('127.0.0.1:1');
		expect(tagCalls()).toHaveLength(0);

		emulator.setFaults({ force5xx: 3, status5xx: 503 });
		const hlDown = await run([item], checkAndTag(), { onError: 'continueErrorOutput' });
		const hlDetails = hlDown.outputs('HighLevel')[1][0].json.details as IDataObject;
		expect(hlDetails).toMatchObject({ http_status: 503, reason: 'HighLevel is unavailable' });
		expect(JSON.stringify(hlDetails.reason)).not.toContain(emulator.locationId);
		expect(emulator.tagsOf(ada.id)).toEqual([]);
	});
});

describe('version 2: the GoHighLevel Webhook input and the Invalid Input output', () => {
	/** Version 2 as the shipped checker sets it: the defaults, Caller Authentication left to the workflow. */
	const v2 = (extra: IDataObject = {}) => checkAndTag({ authentication: 'none', ...extra });
	const runV2 = async (
		rows: IDataObject[],
		parameters: IDataObject = v2(),
		opts: { onError?: OnError; creds?: Parameters<typeof credentials>[0] } = {},
	) => await run(rows, parameters, { ...opts, version: 2 });

	/** Expressions n8n evaluates during `fn` (every one goes through this method, whatever the engine). */
	async function countExpressions<T>(fn: () => Promise<T>): Promise<{ value: T; count: number }> {
		const spy = jest.spyOn(Expression.prototype, 'resolveSimpleParameterValue');
		try {
			const value = await fn();
			return { value, count: spy.mock.calls.length };
		} finally {
			spy.mockRestore();
		}
	}

	it('reads email, contact_id and Custom Data from the request, tags the contact, and evaluates no expression (version 1 evaluates its four)', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['webinar-no-show'] });
		const request = ghlWebhook({ contact_id: ada.id, email: ' Ada@Example.com' });
		const { value: result, count } = await countExpressions(async () => await runV2([request]));
		expect(result.error).toBeUndefined();
		const [checked, invalid] = result.outputs('HighLevel');
		expect(invalid).toEqual([]);
		expect(paired(checked)).toEqual([0]);
		expect(checked[0].json).toMatchObject({
			email: 'ada@example.com',
			contact_id: ada.id,
			webinar_id: WEBINAR,
			schedule_id: SCHEDULE,
			status: 'attended',
			tag_added: 'webinar-attended',
			tag_removed: 'webinar-no-show',
		});
		expect(count).toBe(0);
		expect(emulator.tagsOf(ada.id)).toEqual(['webinar-attended']);
		expect(await auditRows()).toEqual([
			expect.objectContaining({ attendance_status: 'attended', ghl_contact_id: ada.id }),
		]);

		// The control: version 1 reads the same request through its default expressions.
		const v1 = await countExpressions(async () => await run([request], v2()));
		expect(v1.value.json('HighLevel')[0]).toMatchObject({ status: 'attended', contact_id: ada.id });
		expect(v1.count).toBeGreaterThanOrEqual(4);
	});

	it('webinar_id and schedule_id at the top level or in the URL query; a contact found by email; an item that is the payload itself', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const cy = emulator.seedContact({ email: 'cy@example.com' });
		const bob = emulator.seedContact({ email: 'bob@example.com' });
		const topLevel = ghlWebhook({
			contact_id: ada.id,
			email: 'ada@example.com',
			customData: {},
			webinar_id: WEBINAR,
			schedule_id: SCHEDULE,
		});
		// The plain Webhook action with the ids (and the secret) in its URL; no contact_id: by email.
		const inQuery = {
			...ghlWebhook({ email: 'cy@example.com', customData: { webinar_id: '' } }),
			query: { secret: SECRET, webinar_id: String(WEBINAR), schedule_id: [String(SCHEDULE), '99'] },
		};
		const flat = {
			contact_id: bob.id,
			email: 'bob@example.com',
			customData: { webinar_id: WEBINAR, schedule_id: SCHEDULE },
		};
		const result = await runV2([topLevel, inQuery, flat]);
		expect(result.error).toBeUndefined();
		const [checked, invalid] = result.outputs('HighLevel');
		expect(invalid).toEqual([]);
		expect(checked.map((i) => i.json)).toEqual([
			expect.objectContaining({ contact_id: ada.id, status: 'attended', schedule_id: SCHEDULE }),
			expect.objectContaining({ contact_id: cy.id, status: 'no_show', schedule_id: SCHEDULE }),
			expect.objectContaining({ contact_id: bob.id, status: 'no_show', webinar_id: WEBINAR }),
		]);
		expect(apiCalls((e) => e.path === '/contacts/search/duplicate')).toHaveLength(1);
	});

	it('a request at fault leaves on Invalid Input as the reply (field named by its payload key, 422), is audited, and does not fail the node', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com', tags: ['vip'] });
		const cy = emulator.seedContact({ email: 'cy@example.com' });
		const rows = [
			ghlWebhook({ contact_id: cy.id, email: 'cy@example.com' }),
			ghlWebhook({ contact_id: ada.id }),
			ghlWebhook({ contact_id: ada.id, email: 'jane@example' }),
			ghlWebhook({ contact_id: '../locations', email: 'ada@example.com' }),
			ghlWebhook({ contact_id: ada.id, email: 'ada@example.com', customData: {} }),
			ghlWebhook({
				contact_id: ada.id,
				email: 'ada@example.com',
				customData: { webinar_id: 'abc' },
			}),
			// Cy's contact with Ada's email: Ada attended and purchased; none of it may leave.
			ghlWebhook({ contact_id: cy.id, email: 'ada@example.com' }),
			ghlWebhook({ contact_id: 'noSuchContact0000001', email: 'ada@example.com' }),
			ghlWebhook({ email: 'nobody@example.com' }),
		];
		// No On Error setting: a refusal is an answer, not a failure of the node.
		const result = await runV2(rows);
		expect(result.error).toBeUndefined();
		const [checked, invalid] = result.outputs('HighLevel');
		expect(paired(checked)).toEqual([0]);
		expect(checked[0].json).toMatchObject({ status: 'no_show', contact_id: cy.id });
		expect(paired(invalid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
		const reply = (field: string, error: string) => ({
			status: 'error',
			field,
			error: `Field '${field}': ${error}`,
			http_status: 422,
		});
		expect(invalid.map((i) => i.json)).toEqual([
			reply('email', 'no email given'),
			reply('email', `"jane@example" is not a valid email address: domain 'example' has no dot`),
			reply(
				'contact_id',
				'"../locations" is not a HighLevel contact id (1 to 64 letters and digits)',
			),
			reply(
				'webinar_id',
				'no webinar id given (set Custom Data "webinar_id" in the HighLevel Webhook action)',
			),
			reply('webinar_id', '"abc" is not a WebinarJam webinar id (a whole number)'),
			reply('contact_id', 'the contact’s email is not the email in the request'),
			reply('contact_id', 'contact not found in HighLevel'),
			reply('email', 'no HighLevel contact has this email'),
		]);
		// The reply carries the caller's own field and why: nothing of the request, a registrant or the setup.
		const text = JSON.stringify(invalid);
		expect(text).not.toMatch(/Lovelace|497|revenue|purchased|x-webhook-secret/i);
		expect(text).not.toContain(SECRET);
		expect(text).not.toContain(emulator.locationId);
		expect(text).not.toContain(pg.schema);
		expect(emulator.tagsOf(ada.id)).toEqual(['vip']);
		expect(tagCalls().filter((c) => !c.path.includes(cy.id))).toHaveLength(0);
		// Every refusal that passed authentication is an 'error' audit row, with the full reason.
		const audit = await auditRows();
		expect(audit.filter((r) => r.attendance_status === 'error')).toHaveLength(8);
		expect(audit.find((r) => r.ghl_contact_id === 'noSuchContact0000001')?.error).toBe(
			"Field 'contact_id': contact not found in HighLevel",
		);
	});

	it('unauthenticated (401/403) and unavailable (503) checks stay on the error output; a refusal that cannot be audited is a 503', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const noSecret = {
			...ghlWebhook({ contact_id: ada.id, email: 'ada@example.com' }),
			headers: {},
		};
		const refused = await runV2([noSecret], v2({ authentication: 'webhookSecret' }), {
			onError: 'continueErrorOutput',
		});
		const [, invalid, failed] = refused.outputs('HighLevel');
		expect(invalid).toEqual([]);
		expect(failed[0].json.details).toMatchObject({ http_status: 401, status: 'error' });
		expect(apiCalls()).toHaveLength(0);

		// The database is down: a bad request cannot be recorded. The caller gets 503, not a 422 that
		// would say the check was logged, and the reply names no host.
		const dbDown = await runV2([ghlWebhook({ contact_id: ada.id })], v2(), {
			onError: 'continueErrorOutput',
			creds: { postgres: { port: 1 } },
		});
		const [ok, none, down] = dbDown.outputs('HighLevel');
		expect([ok, none]).toEqual([[], []]);
		expect(down[0].json.details).toMatchObject({
			http_status: 503,
			error_field: 'database',
			reason: 'the attendance database is unavailable',
		});
		expect(String(down[0].json.error)).toMatch(
			/^Field 'email': no email given \(the 'error' audit row was not written either: .*127\.0\.0\.1:1/,
		);
		expect(JSON.stringify(down[0].json.details)).not.toContain('127.0.0.1');
	});

	it('Field by Field: the parameters are read (expressions allowed), and a request at fault still leaves on Invalid Input, named by its parameter', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const result = await runV2(
			[
				{ who: 'ada@example.com', contact: ada.id },
				{ who: 'ada@example.com', contact: 'not-a-contact-id!' },
			],
			v2({
				inputMode: 'fields',
				email: '={{ $json.who }}',
				contactId: '={{ $json.contact }}',
				webinarId: String(WEBINAR),
				scheduleId: '',
			}),
		);
		expect(result.error).toBeUndefined();
		const [checked, invalid] = result.outputs('HighLevel');
		expect(checked.map((i) => i.json.status)).toEqual(['attended']);
		expect(invalid.map((i) => i.json)).toEqual([
			{
				status: 'error',
				field: 'contactId',
				error: `Field 'contactId': "not-a-contact-id!" is not a HighLevel contact id (1 to 64 letters and digits)`,
				http_status: 422,
			},
		]);
	});

	it('Contact operations answer on the first output only, as in version 1', async () => {
		await start();
		const ada = emulator.seedContact({ email: 'ada@example.com' });
		const result = await runV2([{ email: 'ada@example.com' }], {
			resource: 'contact',
			operation: 'findByEmail',
			email: '={{ $json.email }}',
		});
		const outputs = result.outputs('HighLevel');
		expect(outputs[0].map((i) => i.json)).toEqual([
			expect.objectContaining({ found: true, contact_id: ada.id }),
		]);
		expect(outputs[1] ?? []).toEqual([]);
	});
});

describe('version 1 is unchanged, save for one leak', () => {
	it('its reply reason for a bad request never carries what the database said about the audit row', async () => {
		await start();
		const result = await run(
			[ghlWebhook({ contact_id: 'abc123', email: 'jane@example' })],
			checkAndTag(),
			{
				onError: 'continueErrorOutput',
				creds: { postgres: { port: 1 } },
			},
		);
		const [ok, failed] = result.outputs('HighLevel');
		expect(ok).toEqual([]);
		const details = failed[0].json.details as IDataObject;
		// Still version 1's answer (422 naming the parameter) …
		expect(details).toMatchObject({ http_status: 422, error_field: 'email' });
		expect(String(failed[0].json.error)).toContain('127.0.0.1:1');
		// … but the reason a webhook reply shows is the refusal alone.
		expect(details.reason).toBe(
			`Field 'email': "jane@example" is not a valid email address: domain 'example' has no dot`,
		);
	});
});
