/**
 * The WebinarJam node in n8n-core's real WorkflowExecute (in-process), over real HTTP against the
 * WebinarJam emulator, writing to a real PostgreSQL (a fresh schema per run) directly and through
 * the PostgREST-protocol double with the real supabase-js client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
} from 'n8n-workflow';

import { WebinarJamApi } from '../../credentials/WebinarJamApi.credentials';
import {
	closeAllPools,
	postgresCredentials,
	postgresPool,
} from '../../nodes/shared/database/connection';
import { supabaseClient } from '../../nodes/shared/database/connection';
import { schemaScript } from '../../nodes/shared/database/schema';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import {
	PostgresRegistrantWriter,
	SupabaseRegistrantWriter,
} from '../../nodes/WebinarJam/v1/database/registrants';
import {
	type RegistrantRow,
	transformRegistrant,
	webinarContext,
} from '../../nodes/WebinarJam/v1/database/transform';
import { WebinarJam } from '../../nodes/WebinarJam/WebinarJam.node';
import {
	webinarJamApiTest,
	webinarJamPostgresTest,
} from '../../nodes/WebinarJam/v1/methods/credentialTest';
import { searchSchedules, searchWebinars } from '../../nodes/WebinarJam/v1/methods/listSearch';
import { getWebinars } from '../../nodes/WebinarJam/v1/methods/loadOptions';
import type { PostgrestDouble } from '../emulators/postgrest/server';
import { startPostgrestDouble } from '../emulators/postgrest/server';
import type { RequestLogEntry, WebinarJamEmulator } from '../emulators/webinarjam/server';
import { startWebinarJamEmulator } from '../emulators/webinarjam/server';
import {
	createLoadOptionsContext,
	PostgresCredentialType,
	registerCredentialType,
	registerNodeType,
	runWorkflow,
	type RunWorkflowResult,
	startThen,
	type WorkflowJson,
} from '../harness/inProcess';
import { type TestPostgres, testPostgres } from '../harness/postgres';

const WEBINARJAM = 'n8n-nodes-marketing-ops.webinarJam';

/** The fields of n8n's built-in `supabaseApi` credential. */
class SupabaseCredentialType implements ICredentialType {
	name = 'supabaseApi';
	displayName = 'Supabase API';
	properties: INodeProperties[] = [
		{ displayName: 'Host', name: 'host', type: 'string', default: '' },
		{
			displayName: 'Service Role Secret',
			name: 'serviceRole',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
	];
}

registerNodeType(WEBINARJAM, new WebinarJam());
registerCredentialType(new WebinarJamApi());
registerCredentialType(new PostgresCredentialType());
registerCredentialType(new SupabaseCredentialType());

type OnError = 'continueRegularOutput' | 'continueErrorOutput';

function workflow(
	parameters: INodeParameters,
	opts: { onError?: OnError; items?: IDataObject[] } = {},
): WorkflowJson {
	return startThen(
		{
			name: 'WebinarJam',
			type: WEBINARJAM,
			parameters,
			credentials: {
				webinarJamApi: { id: 'wj', name: 'WebinarJam account' },
				postgres: { id: 'pg', name: 'Postgres account' },
				supabaseApi: { id: 'sb', name: 'Supabase account' },
			},
			onError: opts.onError,
		},
		{ id: 'wf-webinarjam', name: 'WebinarJam test', pinnedItems: opts.items },
	);
}

const byId = (value: number | string) => ({ __rl: true, mode: 'id', value: String(value) });

function pairedIndexes(items: INodeExecutionData[]): number[] {
	return items.map((item) => (item.pairedItem as { item: number }).item);
}

/** Largest number of requests the emulator received inside any `windowMs`. */
function maxInAnyWindow(entries: RequestLogEntry[], windowMs: number): number {
	const times = entries.map((e) => e.time).sort((a, b) => a - b);
	let max = 0;
	let start = 0;
	for (let end = 0; end < times.length; end++) {
		while (times[end] - times[start] >= windowMs) start++;
		max = Math.max(max, end - start + 1);
	}
	return max;
}

/** Polls `check` until it holds; fails with `what` if it never does (a gate keeps the state still). */
async function eventually(what: string, check: () => boolean | Promise<boolean>) {
	for (let i = 0; i < 500; i++) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`never happened: ${what}`);
}

interface DbRow {
	webinarjam_id: string;
	email: string;
	attended_live: boolean;
	time_live: string | null;
	xmin: string;
	updated_at: Date;
	last_synced_at: Date;
}

describe('WebinarJam node (in-process n8n, WebinarJam emulator, real Postgres)', () => {
	let emu: WebinarJamEmulator;
	let pg: TestPostgres;
	let pgCredentials: ICredentialDataDecryptedObject;
	let credentials: Record<string, ICredentialDataDecryptedObject>;

	const wj = (over: IDataObject = {}): ICredentialDataDecryptedObject => ({
		apiKey: emu.defaultKey,
		product: 'webinarjam',
		baseUrl: `${emu.webinarJamUrl}/`,
		...over,
	});

	const run = async (
		parameters: INodeParameters,
		opts: {
			onError?: OnError;
			items?: IDataObject[];
			credentials?: Record<string, ICredentialDataDecryptedObject>;
		} = {},
	): Promise<RunWorkflowResult> =>
		await runWorkflow(workflow(parameters, opts), { credentials: opts.credentials ?? credentials });

	const ok = (result: RunWorkflowResult) => {
		if (result.error)
			throw new Error(
				`run failed: ${result.error.message} ${String(result.error.description ?? '')}`,
			);
		return result;
	};

	const sync = (schema: string, extra: INodeParameters = {}): INodeParameters => ({
		resource: 'registrant',
		operation: 'syncToDatabase',
		database: 'postgres',
		webinarSelection: 'all',
		scheduleSelection: 'all',
		schema,
		...extra,
	});

	const dbRows = async (where = 'TRUE') =>
		(
			await pg.query<DbRow>(
				`SELECT webinarjam_id, email, attended_live, time_live::text AS time_live, xmin::text AS xmin,
				 updated_at, last_synced_at FROM webinar_registrants WHERE ${where} ORDER BY webinarjam_id`,
			)
		).rows;

	const api = (filter: Partial<RequestLogEntry> = {}) =>
		emu.requests(filter).filter((e) => e.endpoint !== null);
	const clearLog = () => {
		(emu.state as { log: unknown[] }).log.length = 0;
	};

	beforeAll(async () => {
		emu = await startWebinarJamEmulator();
		pg = await testPostgres('webinarjam_node');
		pgCredentials = { ...pg.connection, ssl: 'disable', maxConnections: 10 };
		// Apply Schema through the node itself (its own test is further down).
		credentials = { webinarJamApi: wj(), postgres: pgCredentials };
		ok(
			await run({
				resource: 'database',
				operation: 'applySchema',
				database: 'postgres',
				schema: pg.schema,
			}),
		);
	});
	afterAll(async () => {
		await emu.close();
		await pg.cleanup();
		await closeAllPools();
	});
	beforeEach(async () => {
		emu.reset();
		resetRateLimiters();
		credentials = { webinarJamApi: wj(), postgres: pgCredentials };
		await pg.query('TRUNCATE webinar_registrants, sync_runs RESTART IDENTITY CASCADE');
	});

	describe('credential', () => {
		/**
		 * The node's test of the WebinarJam credential (testedBy), as n8n's tester calls it, with a
		 * request helper over real HTTP that encodes `form` and throws a non-2xx status, as n8n's does.
		 */
		async function credentialTest(
			data: ICredentialDataDecryptedObject,
		): Promise<{ status: string; message: string; sent: string[] }> {
			const sent: string[] = [];
			const helpers = {
				request: async (options: { method: string; uri: string; form: Record<string, string> }) => {
					sent.push(options.uri);
					const response = await fetch(options.uri, {
						method: options.method,
						headers: { 'content-type': 'application/x-www-form-urlencoded' },
						body: new URLSearchParams(options.form).toString(),
					});
					const text = await response.text();
					if (!response.ok)
						throw Object.assign(new Error('request failed'), { statusCode: response.status });
					return text === '' ? undefined : (JSON.parse(text) as IDataObject);
				},
			};
			const result = await webinarJamApiTest.call({ helpers } as never, {
				id: 'wj',
				name: 'WebinarJam',
				type: 'webinarJamApi',
				data,
			});
			return { ...result, sent };
		}

		it('Test sends a form-encoded POST to /webinars with api_key in the body', async () => {
			expect(await credentialTest(wj())).toMatchObject({
				status: 'OK',
				message: 'Connection successful',
			});
			const [entry] = api();
			expect(entry).toMatchObject({
				method: 'POST',
				path: '/webinarjam/webinars',
				contentType: 'application/x-www-form-urlencoded',
				apiKeySource: 'body',
				status: 200,
			});
			expect(entry.params).toEqual({});
			// EverWebinar without a Base URL override would go to api.webinarjam.com/everwebinar.
			expect(
				await credentialTest(wj({ product: 'everwebinar', baseUrl: emu.everWebinarUrl })),
			).toMatchObject({
				status: 'OK',
			});
			expect(api()[1].path).toBe('/everwebinar/webinars');
		});

		it('Test fails on a wrong key with a clear message', async () => {
			expect(await credentialTest(wj({ apiKey: 'wrong-key'.padEnd(64, 'x') }))).toMatchObject({
				status: 'Error',
				message: 'WebinarJam rejected the API key (401): check the key and the Product',
			});
		});

		it('Test refuses a Base URL that is not https:// (except localhost) before the key is sent', async () => {
			for (const baseUrl of ['http://api.example.com/webinarjam', 'ftp://example.com', 'nope']) {
				const refused = await credentialTest(wj({ baseUrl }));
				expect(refused.status).toBe('Error');
				expect(refused.message).toMatch(/Base URL/);
				expect(refused.sent).toEqual([]);
			}
			expect(api()).toHaveLength(0);
		});

		it('the node tests its own credential (a declarative test would send the key to any URL)', () => {
			const v1 = new WebinarJam().nodeVersions[1] as unknown as {
				description: { credentials: Array<{ name: string; testedBy?: string }> };
			};
			expect(v1.description.credentials.find((c) => c.name === 'webinarJamApi')?.testedBy).toBe(
				'webinarJamApiTest',
			);
			expect((new WebinarJamApi() as { test?: unknown }).test).toBeUndefined();
		});

		it('Postgres credential Test connects, and names host and user (never the password) when it cannot', async () => {
			expect(
				await webinarJamPostgresTest.call({} as never, {
					id: '1',
					name: 'pg',
					type: 'postgres',
					data: pgCredentials,
				}),
			).toEqual({
				status: 'OK',
				message: `Connected to ${pg.connection.host}:${pg.connection.port}/${pg.connection.database}`,
			});
			const wrong = await webinarJamPostgresTest.call({} as never, {
				id: '1',
				name: 'pg',
				type: 'postgres',
				data: { ...pgCredentials, port: 1, password: 'hunter2-secret' },
			});
			expect(wrong.status).toBe('Error');
			expect(wrong.message).toContain(`${pg.connection.host}:1/`);
			expect(wrong.message).not.toContain('hunter2-secret');
		});
	});

	describe('Webinar', () => {
		it('Get Many lists the webinars of the product (paired), Limit cuts', async () => {
			const all = ok(await run({ resource: 'webinar', operation: 'getMany', returnAll: true }));
			const items = all.outputs('WebinarJam')[0];
			expect(items.map((i) => i.json.webinar_id)).toEqual([1, 2]);
			expect(items[0].json).toMatchObject({
				name: 'Marketing Ops Live: Attribution 101',
				timezone: 'America/New_York',
			});
			expect(pairedIndexes(items)).toEqual([0, 0]);
			const one = ok(
				await run({ resource: 'webinar', operation: 'getMany', returnAll: false, limit: 1 }),
			);
			expect(one.json('WebinarJam').map((w) => w.webinar_id)).toEqual([1]);
			const ever = ok(
				await run(
					{ resource: 'webinar', operation: 'getMany', returnAll: true },
					{
						credentials: {
							webinarJamApi: wj({ product: 'everwebinar', baseUrl: emu.everWebinarUrl }),
						},
					},
				),
			);
			expect(ever.json('WebinarJam').map((w) => w.webinar_id)).toEqual([3]);
			for (const entry of api()) {
				expect(entry).toMatchObject({
					method: 'POST',
					contentType: 'application/x-www-form-urlencoded',
					apiKeySource: 'body',
				});
				expect(entry.params.api_key).toBeUndefined();
			}
		});

		it('Get returns schedules and time zone, one item per input item', async () => {
			const result = ok(
				await run(
					{ resource: 'webinar', operation: 'get', webinarId: '={{ $json.id }}' },
					{ items: [{ id: 2 }, { id: 1 }] },
				),
			);
			const items = result.outputs('WebinarJam')[0];
			expect(items.map((i) => i.json.webinar_id)).toEqual([2, 1]);
			expect(pairedIndexes(items)).toEqual([0, 1]);
			expect(items[0].json).toMatchObject({
				timezone: 'Europe/London',
				schedules: [
					{ schedule: 1002, date: '2026-03-05 16:00', comment: 'Every Thursday, 4:00 PM' },
					{ schedule: 1002, date: '2026-03-12 16:00', comment: 'Every Thursday, 4:00 PM' },
				],
			});
			expect(api({ endpoint: 'webinar' }).map((e) => e.params)).toEqual([
				{ webinar_id: '2' },
				{ webinar_id: '1' },
			]);
		});

		it('Get of an unknown webinar: a clear 404, or an error item with Continue', async () => {
			const failed = await run({ resource: 'webinar', operation: 'get', webinarId: byId(99) });
			expect(failed.error?.message).toBe('WebinarJam has no webinar 99 (404)');
			const continued = ok(
				await run(
					{ resource: 'webinar', operation: 'get', webinarId: '={{ $json.id }}' },
					{ items: [{ id: 99 }, { id: 1 }], onError: 'continueRegularOutput' },
				),
			);
			const items = continued.outputs('WebinarJam')[0];
			expect(items[0].json).toMatchObject({
				error: 'WebinarJam has no webinar 99 (404)',
				httpCode: '404',
			});
			expect(items[1].json.webinar_id).toBe(1);
			expect(pairedIndexes(items)).toEqual([0, 1]);
		});

		it('the webinar pickers list the account’s webinars', async () => {
			const ctx = createLoadOptionsContext(
				workflow({ resource: 'webinar', operation: 'get' }),
				'WebinarJam',
				{
					credentials: { webinarJamApi: wj() },
				},
			);
			expect((await searchWebinars.call(ctx)).results).toEqual([
				{ name: 'Marketing Ops Live: Attribution 101 (#1)', value: '1' },
				{ name: 'Weekly Product Demo (#2)', value: '2' },
			]);
			expect((await searchWebinars.call(ctx, 'weekly')).results.map((r) => r.value)).toEqual(['2']);
			expect((await searchWebinars.call(ctx, '1')).results.map((r) => r.value)).toEqual(['1']);
			expect(await getWebinars.call(ctx)).toEqual([
				{
					name: 'Marketing Ops Live: Attribution 101 (#1)',
					value: 1,
					description: 'America/New_York',
				},
				{ name: 'Weekly Product Demo (#2)', value: 2, description: 'Europe/London' },
			]);
		});

		it('the schedule picker lists the schedules of the webinar picked above, and nothing before one is picked', async () => {
			const ctx = (webinarId: ReturnType<typeof byId>) =>
				createLoadOptionsContext(
					workflow({ resource: 'registrant', operation: 'register', webinarId }),
					'WebinarJam',
					{ credentials: { webinarJamApi: wj() } },
				);
			const webinar = (await searchWebinars.call(ctx(byId(1)))).results[0];
			expect(webinar.value).toBe('1');
			const listed = await searchSchedules.call(ctx({ __rl: true, mode: 'list', value: '1' }));
			const ids = listed.results.map((r) => r.value);
			expect(ids.length).toBeGreaterThan(0);
			expect(ids.every((id) => /^\d+$/.test(String(id)))).toBe(true);
			expect(ids).toContain('1001');
			// The one call was the picked webinar's details.
			expect(api({ endpoint: 'webinar' }).map((e) => e.params.webinar_id)).toEqual(['1']);
			expect(
				(await searchSchedules.call(ctx({ __rl: true, mode: 'list', value: '' }))).results,
			).toEqual([]);
		});
	});

	describe('Registrant › Get Many and Register', () => {
		it('Return All reads every page once, with no duplicates; Limit stops early', async () => {
			emu.setFaults({ perPage: 100 });
			emu.generate({ webinarId: 1, count: 246 });
			const all = ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: true,
				}),
			);
			const rows = all.json('WebinarJam');
			expect(rows).toHaveLength(250);
			expect(new Set(rows.map((r) => r.id)).size).toBe(250);
			expect(rows.every((r) => r.webinar_id === 1)).toBe(true);
			expect(api({ endpoint: 'registrants' }).map((e) => e.params.page)).toEqual(['1', '2', '3']);
			expect(new Set(rows.map((r) => r.id))).toEqual(
				new Set(emu.registrants({ webinar_id: 1 }).map((r) => r.id)),
			);

			clearLog();
			const limited = ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: false,
					limit: 120,
				}),
			);
			expect(limited.json('WebinarJam')).toHaveLength(120);
			expect(api({ endpoint: 'registrants' }).map((e) => e.params.page)).toEqual(['1', '2']);
		});

		it('filters go out with their documented names and values', async () => {
			const result = ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: true,
					filters: {
						schedule_id: 1001,
						attended_live: 3,
						attended_live_timestamp: 3600,
						attended_replay: 2,
						purchased: 1,
						date_range: 0,
						search: 'ada',
					},
				}),
			);
			const [entry] = api({ endpoint: 'registrants' });
			expect(entry.params).toEqual({
				webinar_id: '1',
				schedule_id: '1001',
				attended_live: '3',
				attended_live_timestamp: '3600',
				attended_replay: '2',
				purchased: '1',
				search: 'ada',
				page: '1',
			});
			expect(entry.ignoredParams).toBeUndefined();
			// Ada entered at 00:02:10 and stayed 00:55:00: she left at 3430 s, before 3600.
			expect(result.json('WebinarJam').map((r) => r.email)).toEqual(['ada@example.com']);

			clearLog();
			const attended = ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: true,
					filters: { attended_live: 1, date_range: 0 },
				}),
			);
			expect(
				attended
					.json('WebinarJam')
					.map((r) => r.first_name)
					.sort(),
			).toEqual(['Ada', 'alan ']);
			// "All time" (0) is the default, so it is not sent; 8 (last 30 days) is.
			expect(api({ endpoint: 'registrants' })[0].params).toEqual({
				webinar_id: '1',
				attended_live: '1',
				page: '1',
			});
			clearLog();
			ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: true,
					filters: { attended_live: 2, purchased: 2, date_range: 8 },
				}),
			);
			expect(api({ endpoint: 'registrants' })[0].params).toEqual({
				webinar_id: '1',
				attended_live: '2',
				purchased: '2',
				date_range: '8',
				page: '1',
			});
		});

		it('Register creates the registration once and returns the user', async () => {
			const params = {
				resource: 'registrant',
				operation: 'register',
				webinarId: byId(1),
				firstName: '={{ $json.first }}',
				email: '={{ $json.email }}',
				schedule: 1001,
				additionalFields: { last_name: 'Hamilton', phone_country_code: '+1', phone: '6175550100' },
			};
			const first = ok(
				await run(params, { items: [{ first: 'Margaret', email: 'margaret@example.com' }] }),
			);
			const user = first.json('WebinarJam')[0];
			expect(user).toMatchObject({
				webinar_id: 1,
				first_name: 'Margaret',
				last_name: 'Hamilton',
				email: 'margaret@example.com',
				schedule: '1001',
			});
			const again = ok(
				await run(params, { items: [{ first: 'Margaret', email: 'margaret@example.com' }] }),
			);
			expect(again.json('WebinarJam')[0].user_id).toBe(user.user_id);
			expect(api({ endpoint: 'register' })[0].params).toEqual({
				webinar_id: '1',
				first_name: 'Margaret',
				email: 'margaret@example.com',
				schedule: '1001',
				last_name: 'Hamilton',
				phone_country_code: '+1',
				phone: '6175550100',
			});
			// The picker's value (a resource locator) is sent the same way as the plain number above.
			const picked = ok(
				await run(
					{ ...params, schedule: { __rl: true, mode: 'list', value: '1001' } },
					{ items: [{ first: 'Ada', email: 'ada.picker@example.com' }] },
				),
			);
			expect(picked.json('WebinarJam')[0]).toMatchObject({ schedule: '1001' });
			// Required: n8n refuses to run the node without one.
			await expect(
				run(
					{ ...params, schedule: { __rl: true, mode: 'list', value: '' } },
					{ items: [{ first: 'X', email: 'x@example.com' }] },
				),
			).rejects.toThrow(/Parameter "Schedule" is required/);
			const invalid = await run(
				{ ...params, schedule: 4242 },
				{ items: [{ first: 'X', email: 'x@example.com' }] },
			);
			expect(invalid.error?.message).toBe(
				'WebinarJam rejected the request (422): The selected schedule is invalid.',
			);
		});

		it.each([500, 502, 503])(
			'Register is not sent again after a %i (a proxy may answer so after it was applied)',
			async (status) => {
				const params = {
					resource: 'registrant',
					operation: 'register',
					webinarId: byId(1),
					firstName: 'Y',
					email: 'y@example.com',
					schedule: 1001,
				};
				emu.setFaults({ force5xx: 1, status5xx: status });
				const failed = await run(params);
				expect(failed.error?.message).toBe(
					`WebinarJam server error ${status} (tried once and not retried: it may still have been applied): Server Error`,
				);
				expect(api({ endpoint: 'register' })).toHaveLength(1);
				// A read is sent again after the same answer.
				clearLog();
				emu.setFaults({ force5xx: 1, status5xx: status });
				ok(await run({ resource: 'webinar', operation: 'get', webinarId: byId(1) }));
				expect(api({ endpoint: 'webinar' }).map((e) => e.status)).toEqual([status, 200]);
			},
		);

		it('Register is retried when the connection was never made (nothing reached WebinarJam)', async () => {
			const result = await run(
				{
					resource: 'registrant',
					operation: 'register',
					webinarId: byId(1),
					firstName: 'Y',
					email: 'y@example.com',
					schedule: 1001,
				},
				{ credentials: { webinarJamApi: wj({ baseUrl: 'http://127.0.0.1:1/webinarjam' }) } },
			);
			expect(result.error?.message).toBe(
				'WebinarJam could not be reached at http://127.0.0.1:1/webinarjam (connection refused) after 3 tries',
			);
		});
	});

	describe('errors and limits', () => {
		it('401: "WebinarJam rejected the API key", without the key anywhere', async () => {
			emu.setFaults({ revokeKey: emu.defaultKey });
			const result = await run({ resource: 'webinar', operation: 'getMany', returnAll: true });
			expect(result.error?.message).toBe('WebinarJam rejected the API key (401)');
			expect(result.error?.description).toContain('Check the API key and the Product (webinarjam)');
			expect(JSON.stringify(result.run)).not.toContain(emu.defaultKey);
			expect(api()).toHaveLength(1); // not retried
		});

		it('an unreachable WebinarJam is retried, then named (host and reason, no key)', async () => {
			const result = await run(
				{ resource: 'webinar', operation: 'getMany', returnAll: true },
				{ credentials: { webinarJamApi: wj({ baseUrl: 'http://127.0.0.1:1/webinarjam' }) } },
			);
			expect(result.error?.message).toBe(
				'WebinarJam could not be reached at http://127.0.0.1:1/webinarjam (connection refused) after 3 tries',
			);
			expect(JSON.stringify(result.run)).not.toContain(emu.defaultKey);
		});

		it('an error sent as HTTP 200 + status "error" is an error too (protocol fixture, one fixed answer)', async () => {
			// WebinarJam may report errors in a 200 answer; the emulator always uses HTTP statuses,
			// so this one-purpose server gives exactly that answer to every call.
			const server = http.createServer((req, res) => {
				req.resume();
				req.on('end', () => {
					res.writeHead(200, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ status: 'error', message: 'Invalid API key' }));
				});
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			const { port } = server.address() as AddressInfo;
			try {
				const result = await run(
					{ resource: 'webinar', operation: 'getMany', returnAll: true },
					{
						credentials: { webinarJamApi: wj({ baseUrl: `http://127.0.0.1:${port}/webinarjam` }) },
					},
				);
				expect(result.error?.message).toBe('WebinarJam rejected the API key (401)');
				expect(result.error?.description).toContain('WebinarJam said: Invalid API key');
			} finally {
				server.closeAllConnections();
				await new Promise<void>((resolve) => server.close(() => resolve()));
			}
		});

		/** Each call refused with 429 was sent again only `waitMs` or more after that answer. */
		const expectWaitedAfter429s = (waitMs: number) => {
			const log = api();
			const limited = log.filter((e) => e.status === 429);
			expect(limited.length).toBeGreaterThan(0);
			for (const e of limited) {
				const retry = log.find(
					(l) => l.seq > e.seq && l.endpoint === e.endpoint && l.params.page === e.params.page,
				);
				expect(retry).toBeDefined();
				expect(retry!.time - (e.time + (e.durationMs ?? 0))).toBeGreaterThanOrEqual(waitMs - 2);
			}
		};

		it.each([
			['without Retry-After (WebinarJam documents none): one window', 0, 1000],
			['with Retry-After: as long as it says', 2, 2000],
		])('a 429 %s is waited out', async (_label, retryAfter, waitMs) => {
			emu.setFaults({ force429: 2, retryAfter });
			const probe = await fetch(`${emu.webinarJamUrl}/webinars`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ api_key: emu.defaultKey }),
			});
			expect([probe.status, probe.headers.get('retry-after')]).toEqual([
				429,
				retryAfter > 0 ? String(retryAfter) : null,
			]);
			clearLog();
			const result = ok(await run({ resource: 'webinar', operation: 'getMany', returnAll: true }));
			expect(result.json('WebinarJam')).toHaveLength(2);
			expect(api().map((e) => e.status)).toEqual([429, 200]);
			expectWaitedAfter429s(waitMs);
		});

		it('429s are waited out and 5xx retried: nothing lost, no 429 reaches the user', async () => {
			emu.setFaults({ perPage: 50, force429: 2 });
			emu.generate({ webinarId: 1, count: 296 });
			const result = ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: true,
				}),
			);
			expect(result.json('WebinarJam')).toHaveLength(300);
			expect(api({ status: 429 })).toHaveLength(2);

			clearLog();
			emu.setFaults({ force5xx: 2, status5xx: 502 });
			const again = ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: true,
				}),
			);
			expect(again.json('WebinarJam')).toHaveLength(300);
			expect(
				api()
					.map((e) => e.status)
					.slice(0, 3),
			).toEqual([502, 502, 200]);
		});

		it('stays under 20 calls per second (the emulator’s real limit), so no 429 at full speed', async () => {
			emu.setFaults({ perPage: 10 });
			emu.generate({ webinarId: 1, count: 496 }); // 50 pages
			const started = Date.now();
			const result = ok(
				await run({
					resource: 'registrant',
					operation: 'getMany',
					webinarId: byId(1),
					returnAll: true,
				}),
			);
			const seconds = (Date.now() - started) / 1000;
			expect(result.json('WebinarJam')).toHaveLength(500);
			expect(api({ status: 429 })).toHaveLength(0);
			expect(maxInAnyWindow(api(), 1000)).toBeLessThanOrEqual(20);
			console.log(`Get Many, 50 pages: ${(50 / seconds).toFixed(1)} pages/s`);
		});
	});

	describe('Registrant › Sync to Database (Postgres)', () => {
		it('fills webinar_registrants with transformed rows; counts and sync_runs are right', async () => {
			emu.generate({ webinarId: 1, count: 1200 });
			const result = ok(await run(sync(pg.schema)));
			const items = result.outputs('WebinarJam')[0];
			expect(items).toHaveLength(1);
			const summary = items[0].json;
			expect(summary).toMatchObject({
				status: 'success',
				database: 'postgres',
				schema: pg.schema,
				fetched: 1205,
				inserted: 1205,
				updated: 0,
				unchanged: 0,
				failed: 0,
				duplicates: 0,
				errors: [],
				error_count: 0,
				pages: 14, // webinar 1: 1204 rows = 13 pages of 100; webinar 2: 1 page
				webinars_synced: 2,
				rate_limited: 0,
			});
			// /webinars + 2 × /webinar + 14 pages
			expect(summary.api_calls).toBe(17);
			expect(summary.webinars).toEqual([
				{
					webinar_id: 1,
					name: 'Marketing Ops Live: Attribution 101',
					timezone: 'America/New_York',
					schedules: [1001],
					pages: 13,
					fetched: 1204,
					failed: 0,
				},
				{
					webinar_id: 2,
					name: 'Weekly Product Demo',
					timezone: 'Europe/London',
					schedules: [1002],
					pages: 1,
					fetched: 1,
					failed: 0,
				},
			]);
			expect(summary.schedules_synced).toBe(2);

			const count = await pg.query<{ n: string }>('SELECT count(*) AS n FROM webinar_registrants');
			expect(Number(count.rows[0].n)).toBe(1205);
			const ada = (
				await pg.query(
					`SELECT webinarjam_id::int, lead_id::int, webinar_id, schedule_id, email, first_name, webinar_name, schedule,
					 event_date, signup_date, attended_live, date_live, entered_live::text, time_live::text, purchased_live,
					 revenue_live::text, attended_replay, date_replay, revenue_replay::text FROM webinar_registrants WHERE email = 'ada@example.com'`,
				)
			).rows[0];
			expect(ada).toEqual({
				webinarjam_id: 1,
				lead_id: expect.any(Number),
				webinar_id: 1,
				schedule_id: 1001,
				email: 'ada@example.com',
				first_name: 'Ada',
				webinar_name: 'Marketing Ops Live: Attribution 101',
				schedule: 'Tuesday, 10 Mar 2026, 1:00 PM',
				event_date: new Date('2026-03-10T17:00:00Z'), // 13:00 EDT
				signup_date: new Date('2026-03-01T14:15:00Z'), // 09:15 EST
				attended_live: true,
				date_live: new Date('2026-03-10T17:02:10Z'),
				entered_live: '00:02:10',
				time_live: '00:55:00',
				purchased_live: true,
				revenue_live: '97.00',
				attended_replay: false,
				date_replay: null,
				revenue_replay: '0.00',
			});
			const grace = (
				await pg.query(
					`SELECT email, attended_replay, date_replay, time_replay::text FROM webinar_registrants WHERE webinarjam_id = 2`,
				)
			).rows[0];
			expect(grace).toEqual({
				email: 'grace.hopper@example.com',
				attended_replay: true,
				date_replay: new Date('2026-03-12T00:00:00Z'), // 20:00 EDT on the 11th
				time_replay: '00:21:30',
			});
			// Barbara's series session (5 March 16:00 London) comes from date_live − entered_live.
			const barbara = (
				await pg.query(
					`SELECT event_date, schedule FROM webinar_registrants WHERE email = 'barbara@example.com'`,
				)
			).rows[0];
			expect(barbara).toEqual({
				event_date: new Date('2026-03-05T16:00:00Z'),
				schedule: 'Every Thursday, 4:00 PM',
			});

			const runs = (await pg.query('SELECT * FROM sync_runs')).rows;
			expect(runs).toHaveLength(1);
			expect(runs[0]).toMatchObject({
				id: String(summary.sync_run_id),
				source: 'webinarjam',
				status: 'success',
				webinar_ids: 'all',
				pages: 14,
				fetched: 1205,
				inserted: 1205,
				updated: 0,
				unchanged: 0,
				failed: 0,
				errors: [],
			});
			expect(runs[0].duration_ms).toBeGreaterThanOrEqual(0);
			expect(runs[0].finished_at).toBeInstanceOf(Date);
			expect(JSON.stringify(result.run)).not.toContain(emu.defaultKey);
		});

		it('a second sync updates exactly the changed rows and leaves the others untouched', async () => {
			const gen = emu.generate({ webinarId: 1, count: 600 });
			ok(await run(sync(pg.schema)));
			const before = new Map((await dbRows()).map((r) => [r.webinarjam_id, r]));

			const changed = [gen.firstId + 3, gen.firstId + 100, gen.firstId + 555];
			emu.updateRegistrant(changed[0], {
				attended_live: 'Yes',
				entered_live: '00:01:00',
				time_live: '00:42:00',
			});
			emu.updateRegistrant(changed[1], { attended_replay: 'Yes', time_replay: '00:10:00' });
			emu.updateRegistrant(changed[2], { purchased_live: 'Yes', revenue_live: '497.00' });
			await new Promise((resolve) => setTimeout(resolve, 20));

			const second = ok(await run(sync(pg.schema)));
			expect(second.json('WebinarJam')[0]).toMatchObject({
				status: 'success',
				fetched: 605,
				inserted: 0,
				updated: 3,
				unchanged: 602,
				failed: 0,
			});
			const after = await dbRows();
			for (const row of after) {
				const old = before.get(row.webinarjam_id)!;
				if (changed.includes(Number(row.webinarjam_id))) {
					expect(row.xmin).not.toBe(old.xmin);
					expect(row.updated_at.getTime()).toBeGreaterThan(old.updated_at.getTime());
					expect(row.last_synced_at.getTime()).toBeGreaterThan(old.last_synced_at.getTime());
				} else {
					expect({
						id: row.webinarjam_id,
						xmin: row.xmin,
						updated_at: row.updated_at,
						last_synced_at: row.last_synced_at,
					}).toEqual({
						id: old.webinarjam_id,
						xmin: old.xmin,
						updated_at: old.updated_at,
						last_synced_at: old.last_synced_at,
					});
				}
			}
			const first = after.find((r) => Number(r.webinarjam_id) === changed[0])!;
			expect(first).toMatchObject({ attended_live: true, time_live: '00:42:00' });
			const runs = (await pg.query('SELECT status, updated, unchanged FROM sync_runs ORDER BY id'))
				.rows;
			expect(runs).toEqual([
				{ status: 'success', updated: 0, unchanged: 0 },
				{ status: 'success', updated: 3, unchanged: 602 },
			]);
		});

		it('bad rows are reported (field and reason), the rest land; the node fails after writing unless Continue', async () => {
			const gen = emu.generate({ webinarId: 1, count: 300 });
			const longEmail = `${'a'.repeat(60)}@${Array.from({ length: 4 }, () => 'b'.repeat(60)).join('.')}.com`;
			expect(longEmail.length).toBeGreaterThan(255);
			emu.updateRegistrant(gen.firstId + 10, {
				date_live: '2026-13-45 10:00:00',
				attended_live: 'Yes',
			});
			emu.updateRegistrant(gen.firstId + 20, { email: '' });
			emu.updateRegistrant(gen.firstId + 30, { revenue_live: 'N/A' });
			emu.updateRegistrant(gen.firstId + 40, { email: longEmail });
			emu.updateRegistrant(gen.firstId + 50, { first_name: 'F'.repeat(300) });

			const failed = await run(sync(pg.schema));
			expect(failed.error?.message).toMatch(
				/^Sync to Database: 5 problem\(s\), 5 of 305 registrants not written \(300 written or unchanged; sync run \d+\)\. First: /,
			);
			expect(
				Number((await pg.query('SELECT count(*) AS n FROM webinar_registrants')).rows[0].n),
			).toBe(300);

			await pg.query('TRUNCATE webinar_registrants, sync_runs RESTART IDENTITY CASCADE');
			const result = ok(await run(sync(pg.schema), { onError: 'continueRegularOutput' }));
			const summary = result.json('WebinarJam')[0];
			expect(summary).toMatchObject({
				status: 'partial',
				fetched: 305,
				inserted: 300,
				failed: 5,
				error_count: 5,
			});
			expect(String(summary.error)).toMatch(/^Sync to Database: 5 problem/);
			const byId = new Map((summary.errors as IDataObject[]).map((e) => [e.webinarjam_id, e]));
			expect(byId.get(gen.firstId + 10)).toMatchObject({
				field: 'date_live',
				reason: "date_live '2026-13-45 10:00:00' is not a valid date",
			});
			expect(byId.get(gen.firstId + 20)).toMatchObject({
				field: 'email',
				email: null,
				reason: 'the registrant has no email',
			});
			expect(byId.get(gen.firstId + 30)).toMatchObject({
				field: 'revenue_live',
				reason: "revenue_live 'N/A' is not a number",
			});
			expect(byId.get(gen.firstId + 40)).toMatchObject({ field: 'email', email: longEmail });
			expect(String(byId.get(gen.firstId + 40)?.reason)).toContain(
				'value too long for type character varying(255) [22001]',
			);
			expect(byId.get(gen.firstId + 50)).toMatchObject({ field: 'first_name' });
			// Never dated "now", never dropped silently: the rows are simply not in the table.
			const bad = [10, 20, 30, 40, 50].map((k) => gen.firstId + k);
			expect(
				(
					await pg.query(
						'SELECT count(*) AS n FROM webinar_registrants WHERE webinarjam_id = ANY($1)',
						[bad],
					)
				).rows[0].n,
			).toBe('0');
			const runRow = (await pg.query('SELECT status, failed, inserted, errors FROM sync_runs'))
				.rows[0];
			expect(runRow).toMatchObject({ status: 'partial', failed: 5, inserted: 300 });
			expect(runRow.errors).toHaveLength(5);

			// On the error output (Continue using error output) the summary item carries the error.
			const routed = ok(await run(sync(pg.schema), { onError: 'continueErrorOutput' }));
			const [main, errors] = routed.outputs('WebinarJam');
			expect(main).toHaveLength(0);
			expect(errors).toHaveLength(1);
			expect(errors[0].json.error).toMatch(/^Sync to Database: 5 problem/);
			expect(errors[0].json.details).toMatchObject({
				status: 'partial',
				failed: 5,
				unchanged: 300,
			});
		});

		it('429 bursts and 5xx while syncing: every row lands, the user sees no 429', async () => {
			emu.generate({ webinarId: 1, count: 996 }); // 1000 rows on webinar 1 → 10 pages
			emu.setFaults({ limitPerSecond: 4 }); // well below our pace: real 429s
			emu.setFaults({ force5xx: 2, status5xx: 503 });
			const result = ok(await run(sync(pg.schema, { webinarSelection: 'list', webinarIds: [1] })));
			const summary = result.json('WebinarJam')[0];
			expect(summary).toMatchObject({
				status: 'success',
				fetched: 1000,
				inserted: 1000,
				failed: 0,
				pages: 10,
			});
			expect(summary.rate_limited).toBe(api({ status: 429 }).length);
			expect(Number(summary.rate_limited)).toBeGreaterThan(0);
			expect(api().filter((e) => e.status === 503)).toHaveLength(2);
			expect(
				Number((await pg.query('SELECT count(*) AS n FROM webinar_registrants')).rows[0].n),
			).toBe(1000);
			// Every page was read: the emulator saw each page number answered once with 200 (pages are
			// fetched a few ahead, so a retried one can be answered after a later one).
			const pages = api({ endpoint: 'registrants', status: 200 }).map((e) => Number(e.params.page));
			expect(pages.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		});

		it('401 during a sync: a clear error, the run is recorded as failed, no key anywhere', async () => {
			emu.setFaults({ revokeKey: emu.defaultKey });
			const result = await run(sync(pg.schema));
			expect(result.error?.message).toBe('WebinarJam rejected the API key (401)');
			expect(result.error?.description).toMatch(/Sync run \d+ was recorded as failed/);
			const runs = (await pg.query('SELECT status, errors FROM sync_runs')).rows;
			expect(runs).toHaveLength(1);
			expect(runs[0].status).toBe('failed');
			expect(JSON.stringify(runs[0].errors)).toContain('WebinarJam rejected the API key (401)');
			expect(JSON.stringify([result.run, runs])).not.toContain(emu.defaultKey);

			const continued = ok(await run(sync(pg.schema), { onError: 'continueRegularOutput' }));
			expect(continued.json('WebinarJam')[0]).toMatchObject({
				status: 'failed',
				error: 'WebinarJam rejected the API key (401)',
				fetched: 0,
			});
		});

		it('chosen webinars and schedules (EverWebinar), an unknown webinar and schedule are reported', async () => {
			emu.seed({
				registrants: [
					{
						webinar_id: 3,
						schedule: 1004,
						email: 'jit@example.com',
						first_name: 'Jit',
						attended_live: 'No',
					},
				],
			});
			const result = ok(
				await run(
					sync(pg.schema, {
						webinarSelection: 'list',
						webinarIds: '={{ [3, 77] }}',
						scheduleSelection: 'list',
						scheduleIds: '1003, 5555',
					}),
					{
						credentials: {
							...credentials,
							webinarJamApi: wj({ product: 'everwebinar', baseUrl: emu.everWebinarUrl }),
						},
						onError: 'continueRegularOutput',
					},
				),
			);
			const summary = result.json('WebinarJam')[0];
			expect(summary).toMatchObject({
				status: 'partial',
				fetched: 1,
				inserted: 1,
				failed: 0,
				error_count: 2,
				schedules_synced: 1,
			});
			expect(summary.errors).toEqual([
				{ webinar_id: 77, field: 'webinar_id', reason: 'WebinarJam has no webinar 77 (404)' },
				{ field: 'schedule_id', reason: 'schedule 5555 belongs to none of the webinars synced' },
			]);
			expect(api({ endpoint: 'registrants' }).map((e) => e.params)).toEqual([
				{ webinar_id: '3', schedule_id: '1003', page: '1' },
			]);
			const rows = (
				await pg.query('SELECT email, schedule_id, event_date FROM webinar_registrants')
			).rows;
			// Katherine attended schedule 1003 (10:00 Los Angeles, PDT).
			expect(rows).toEqual([
				{
					email: 'katherine@example.com',
					schedule_id: 1003,
					event_date: new Date('2026-03-11T17:00:00Z'),
				},
			]);
			expect((await pg.query('SELECT webinar_ids, status FROM sync_runs')).rows[0]).toEqual({
				webinar_ids: '3,77',
				status: 'partial',
			});
		});

		it('5,000 registrants: a small in-test figure (timing goals belong to the benchmark)', async () => {
			emu.generate({ webinarId: 2, count: 4999 });
			const result = ok(await run(sync(pg.schema, { webinarSelection: 'list', webinarIds: [2] })));
			const s = result.json('WebinarJam')[0];
			expect(s).toMatchObject({
				status: 'success',
				fetched: 5000,
				inserted: 5000,
				pages: 50,
				rate_limited: 0,
			});
			console.log(
				`Sync 5,000 registrants to Postgres: ${String(s.duration_ms)} ms, ${String(s.pages_per_second)} pages/s, ${String(s.rows_per_second)} rows/s, ${String(s.api_calls)} API calls`,
			);
		});
	});

	describe('registrant writers (real Postgres, real supabase-js through the PostgREST double)', () => {
		const ctx = webinarContext({
			webinar_id: 1,
			name: 'W',
			timezone: 'America/New_York',
			schedules: [{ schedule: 1001, date: '2026-03-10 13:00' }],
		});
		const make = (id: number, over: IDataObject = {}): RegistrantRow => {
			const result = transformRegistrant(
				{
					id,
					email: `p${id}@example.com`,
					schedule: 1001,
					first_name: 'P',
					attended_live: 'No',
					signup_date: '2026-03-01 10:00:00',
					...over,
				},
				ctx,
			);
			if (!result.ok) throw new Error(result.failure.reason);
			return result.row;
		};

		it('Postgres: duplicate ids in a chunk (last wins), a rejected row is split out', async () => {
			const c = postgresCredentials(pgCredentials);
			const writer = new PostgresRegistrantWriter(postgresPool(c), c, pg.schema);
			const chunk = [
				make(1, { first_name: 'Old' }),
				make(2),
				make(1, { first_name: 'New' }),
				make(3, { last_name: 'L'.repeat(256) }),
				make(4),
			];
			const result = await writer.write(chunk);
			expect(result).toMatchObject({
				rows: 4,
				inserted: 3,
				updated: 0,
				unchanged: 0,
				duplicates: 1,
			});
			expect(result.failures).toEqual([
				{
					webinarjam_id: 3,
					email: 'p3@example.com',
					field: 'last_name',
					reason: expect.stringContaining('value too long for type character varying(255)'),
					webinar_id: 1,
				},
			]);
			expect(
				(
					await pg.query(
						'SELECT webinarjam_id::int AS id, first_name FROM webinar_registrants ORDER BY 1',
					)
				).rows,
			).toEqual([
				{ id: 1, first_name: 'New' },
				{ id: 2, first_name: 'P' },
				{ id: 4, first_name: 'P' },
			]);
			const again = await writer.write([
				make(1, { first_name: 'New' }),
				make(2, { attended_live: 'Yes' }),
			]);
			expect(again).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, failures: [] });
		});

		it('Postgres: a chunk the table refuses as a whole stops the sync instead of reporting every row', async () => {
			const c = postgresCredentials(pgCredentials);
			const writer = new PostgresRegistrantWriter(postgresPool(c), c, pg.schema);
			const rows = Array.from({ length: 10 }, (_, i) =>
				make(100 + i, { last_name: 'L'.repeat(300) }),
			);
			await expect(writer.write(rows)).rejects.toThrow(
				/rejected every row of a 10-row chunk with the same error/,
			);
		});

		describe('Supabase', () => {
			let sb: TestPostgres;
			let double: PostgrestDouble;
			let sbCredentials: ICredentialDataDecryptedObject;

			beforeAll(async () => {
				sb = await testPostgres('webinarjam_supabase');
				double = await startPostgrestDouble({ connection: sb.connection, schema: sb.schema });
				sbCredentials = { host: double.url, serviceRole: double.serviceRoleKey };
			});
			afterAll(async () => {
				await double.close();
				await sb.cleanup();
			});

			const sbRun = async (parameters: INodeParameters, opts: { onError?: OnError } = {}) =>
				await run(parameters, {
					...opts,
					credentials: {
						webinarJamApi: wj(),
						supabaseApi: sbCredentials,
						postgres: { ...pgCredentials, database: sb.connection.database },
					},
				});

			const rows = async () =>
				(
					await sb.query<DbRow>(
						`SELECT webinarjam_id, email, attended_live, time_live::text AS time_live, xmin::text AS xmin, updated_at, last_synced_at
						 FROM webinar_registrants ORDER BY webinarjam_id`,
					)
				).rows;

			it('Apply Schema: PostgREST cannot create tables, so it says where to run the SQL; Return SQL Only gives it', async () => {
				const missing = await sbRun({
					resource: 'database',
					operation: 'applySchema',
					database: 'supabase',
					schema: sb.schema,
				});
				expect(missing.error?.message).toBe(
					`Supabase at ${double.url}: schema "${sb.schema}" lacks webinar_registrants, attendance_checks, sync_runs, attendance_check_performance_hourly, webinar_attendance_rates, and Supabase's REST API cannot create tables`,
				);
				expect(missing.error?.description).toContain('Supabase › SQL Editor');
				const sql = ok(
					await sbRun({
						resource: 'database',
						operation: 'applySchema',
						database: 'supabase',
						schema: sb.schema,
						options: { returnSqlOnly: true },
					}),
				).json('WebinarJam')[0];
				expect(sql.sql).toContain(
					`CREATE TABLE IF NOT EXISTS "${sb.schema}"."webinar_registrants"`,
				);
				// Run it as a user would in the SQL editor, then check again.
				await sb.query(String(sql.sql));
				const checked = ok(
					await sbRun({
						resource: 'database',
						operation: 'applySchema',
						database: 'supabase',
						schema: sb.schema,
					}),
				);
				expect(checked.json('WebinarJam')[0]).toEqual({
					database: 'supabase',
					schema: sb.schema,
					tables: ['webinar_registrants', 'attendance_checks', 'sync_runs'],
					views: ['attendance_check_performance_hourly', 'webinar_attendance_rates'],
					missing: [],
					ok: true,
				});
			});

			it('Sync to Database end to end: inserted, then only the changed rows updated', async () => {
				await sb.query(schemaScript(sb.schema)); // (the Apply Schema test above does the same)
				await sb.query('TRUNCATE webinar_registrants, sync_runs RESTART IDENTITY CASCADE');
				double.clearLogs();
				const gen = emu.generate({ webinarId: 1, count: 345 });
				const first = ok(await sbRun(sync(sb.schema, { database: 'supabase' })));
				expect(first.json('WebinarJam')[0]).toMatchObject({
					status: 'success',
					database: 'supabase',
					fetched: 350,
					inserted: 350,
					updated: 0,
					unchanged: 0,
				});
				const before = new Map((await rows()).map((r) => [r.webinarjam_id, r]));
				expect(before.size).toBe(350);
				const ada = (
					await sb.query(
						`SELECT event_date, time_live::text, revenue_live::text FROM webinar_registrants WHERE email = 'ada@example.com'`,
					)
				).rows[0];
				expect(ada).toEqual({
					event_date: new Date('2026-03-10T17:00:00Z'),
					time_live: '00:55:00',
					revenue_live: '97.00',
				});

				emu.updateRegistrant(gen.firstId + 7, {
					attended_live: 'Yes',
					entered_live: '00:00:10',
					time_live: '00:20:00',
				});
				emu.updateRegistrant(gen.firstId + 300, {
					revenue_replay: '12.50',
					purchased_replay: 'Yes',
				});
				const second = ok(await sbRun(sync(sb.schema, { database: 'supabase' })));
				expect(second.json('WebinarJam')[0]).toMatchObject({
					status: 'success',
					fetched: 350,
					inserted: 0,
					updated: 2,
					unchanged: 348,
				});
				for (const row of await rows()) {
					const old = before.get(row.webinarjam_id)!;
					const changed = [gen.firstId + 7, gen.firstId + 300].includes(Number(row.webinarjam_id));
					if (changed) expect(row.xmin).not.toBe(old.xmin);
					else expect([row.xmin, row.updated_at]).toEqual([old.xmin, old.updated_at]);
				}
				expect(JSON.stringify([first.run, second.run])).not.toContain(double.serviceRoleKey);
				const runs = (
					await sb.query('SELECT status, inserted, updated, unchanged FROM sync_runs ORDER BY id')
				).rows;
				expect(runs).toEqual([
					{ status: 'success', inserted: 350, updated: 0, unchanged: 0 },
					{ status: 'success', inserted: 0, updated: 2, unchanged: 348 },
				]);
				// One read per page, and an upsert only for pages with new or changed rows: 5 pages
				// (349 + 1 registrants), all new the first time; 2 pages with a change the second time.
				const reads = double.requests({ method: 'GET', table: 'webinar_registrants' });
				const writes = double.requests({ method: 'POST', table: 'webinar_registrants' });
				expect([reads.length, writes.length]).toEqual([10, 5 + 2]);
			});

			it.each([1, 2])(
				'streams with Pages Ahead %i: later pages are fetched while page N is written, never more than that many ahead',
				async (lookahead) => {
					await sb.query(schemaScript(sb.schema));
					await sb.query('TRUNCATE webinar_registrants, sync_runs RESTART IDENTITY CASCADE');
					emu.setFaults({ perPage: 50 });
					emu.generate({ webinarId: 1, count: 296 }); // 300 registrants → 6 pages
					double.clearLogs();
					// Each page's write is held until the pages fetched meanwhile have been counted.
					const writes = double.hold({ method: 'POST', path: '/rest/v1/webinar_registrants' });
					const fetched = () => api({ endpoint: 'registrants', status: 200 }).length;
					const running = sbRun(
						sync(sb.schema, {
							database: 'supabase',
							webinarSelection: 'list',
							webinarIds: [1],
							options: { lookahead },
						}),
					);
					try {
						for (let page = 1; page <= 6; page++) {
							await writes.reached(1);
							// While page N is written, pages N + 1 … N + lookahead are fetched (the pipeline
							// overlaps) …
							const ahead = Math.min(6, page + lookahead);
							await eventually(
								`page ${ahead} fetched while page ${page} is written`,
								() => fetched() >= ahead,
							);
							// … and no further: the next page is asked for only once page N is written.
							await new Promise((r) => setTimeout(r, 100));
							expect(fetched()).toBe(ahead);
							writes.releaseNext();
						}
					} finally {
						writes.release();
					}
					const result = ok(await running);
					expect(result.json('WebinarJam')[0]).toMatchObject({
						fetched: 300,
						inserted: 300,
						pages: 6,
					});
					expect(double.requests({ method: 'POST', table: 'webinar_registrants' })).toHaveLength(6);
				},
			);

			it('a rejected row is split out and reported; duplicates in a chunk: last wins', async () => {
				const c = { host: double.url, serviceRole: double.serviceRoleKey };
				const writer = new SupabaseRegistrantWriter(supabaseClient(c, sb.schema), c, sb.schema);
				await sb.query(schemaScript(sb.schema));
				await sb.query('TRUNCATE webinar_registrants RESTART IDENTITY CASCADE');
				const result = await writer.write([
					make(1, { first_name: 'Old' }),
					make(2, { first_name: 'X'.repeat(300) }),
					make(1, { first_name: 'New' }),
					make(3),
				]);
				expect(result).toMatchObject({
					rows: 3,
					inserted: 2,
					updated: 0,
					unchanged: 0,
					duplicates: 1,
				});
				expect(result.failures).toEqual([
					expect.objectContaining({
						webinarjam_id: 2,
						field: 'first_name',
						reason: expect.stringContaining('value too long'),
					}),
				]);
				expect(
					(
						await sb.query(
							'SELECT webinarjam_id::int AS id, first_name FROM webinar_registrants ORDER BY 1',
						)
					).rows,
				).toEqual([
					{ id: 1, first_name: 'New' },
					{ id: 3, first_name: 'P' },
				]);
				expect(JSON.stringify(result)).not.toContain(double.serviceRoleKey);
			});
		});
	});

	describe('Database › Apply Schema (Postgres)', () => {
		it('creates everything once; running it again (also concurrently) changes nothing', async () => {
			const fresh = await testPostgres('webinarjam_schema');
			try {
				await fresh.query(`DROP SCHEMA ${fresh.schema}`); // Apply Schema creates the schema too
				const params = {
					resource: 'database',
					operation: 'applySchema',
					database: 'postgres',
					schema: fresh.schema,
				};
				const first = ok(await run(params)).json('WebinarJam')[0];
				expect(first).toMatchObject({
					database: 'postgres',
					schema: fresh.schema,
					tables: ['attendance_checks', 'sync_runs', 'webinar_registrants'],
					views: ['attendance_check_performance_hourly', 'webinar_attendance_rates'],
				});
				expect(first.indexes).toEqual(
					expect.arrayContaining([
						'idx_webinar_registrants_email',
						'idx_webinar_registrants_lookup',
						'idx_webinar_registrants_attended',
						'idx_attendance_checks_date',
						'idx_sync_runs_started',
						'webinar_registrants_webinarjam_id_key',
					]),
				);
				expect((first.created as string[]).length).toBe(
					(first.tables as string[]).length +
						(first.views as string[]).length +
						(first.indexes as string[]).length,
				);
				const again = ok(await run(params)).json('WebinarJam')[0];
				expect(again).toMatchObject({
					tables: first.tables,
					views: first.views,
					indexes: first.indexes,
					created: [],
				});

				const other = await testPostgres('webinarjam_schema_race');
				await other.query(`DROP SCHEMA ${other.schema}`);
				const racing = await Promise.all(
					[1, 2, 3, 4].map(async () => await run({ ...params, schema: other.schema })),
				);
				for (const r of racing) expect(r.error).toBeUndefined();
				const created = racing.map((r) => (r.json('WebinarJam')[0].created as string[]).length);
				expect(created.filter((n) => n > 0)).toHaveLength(1);
				await other.cleanup();
			} finally {
				await fresh.cleanup();
			}
		});
	});
});
