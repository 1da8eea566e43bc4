/**
 * HubSpot Record Sync › Apply Schema and Create With Rollback, run by n8n-core against real
 * PostgreSQL and the HubSpot emulator: a create lands in both systems or in neither.
 */
import type { IDataObject } from 'n8n-workflow';

import { type HubSpotEmulator, startHubSpotEmulator } from '../emulators/hubspot/server';
import { createCompanyProperties, syncNode } from '../harness/hubSpotRecordSync';
import { runWorkflow, startThen } from '../harness/inProcess';
import { type TestPostgres, testPostgres } from '../harness/postgres';

jest.setTimeout(60_000);

let pg: TestPostgres;
let emulator: HubSpotEmulator;

const credentials = () => ({
	postgres: { ...pg.connection, maxConnections: 10, ssl: 'disable' },
	hubSpotBatchApi: {
		accessToken: emulator.defaultToken,
		tier: 'professional',
		baseUrl: emulator.url,
	},
});

async function run(parameters: IDataObject, body: IDataObject[], onError?: 'continueErrorOutput') {
	return await runWorkflow(
		startThen(syncNode(pg.schema, parameters, { onError }), {
			pinnedItems: body.map((b) => ({ body: b })),
		}),
		{ credentials: credentials() },
	);
}

const rows = async () =>
	(await pg.query(`SELECT * FROM ${pg.qualified('customers')} ORDER BY ban`)).rows;
const companies = () => emulator.objects('companies');

const acme = {
	ban: 'ZT-487392012',
	company_name: 'Acme Corp',
	status: 'active',
	credit_limit: 5000,
	email: 'ap@acme.test',
};

beforeAll(async () => {
	pg = await testPostgres('hs_sync_create');
	emulator = await startHubSpotEmulator();
});
afterAll(async () => {
	await emulator?.close();
	await pg?.cleanup();
});
beforeEach(async () => {
	emulator.reset();
	await createCompanyProperties(emulator);
	const schema = await run({ operation: 'applySchema', exampleTable: 'customers' }, [{}]);
	expect(schema.status).toBe('success');
	await pg.query(
		`TRUNCATE ${pg.qualified('customers')}, ${pg.qualified('hubspot_sync_log')}, ${pg.qualified('hubspot_field_state')}`,
	);
});

describe('Apply Schema', () => {
	it('creates the sync tables once; a second run changes nothing', async () => {
		const again = await run({ operation: 'applySchema', exampleTable: 'customers' }, [{}]);
		expect(again.json('Sync')[0]).toMatchObject({
			schema: pg.schema,
			tables: [
				'hubspot_webhook_events',
				'hubspot_field_state',
				'hubspot_sync_log',
				'hubspot_reconciliation_runs',
				'customers',
			],
		});
		const { rows: tables } = await pg.query<{ table_name: string }>(
			`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
			[pg.schema],
		);
		expect(tables.map((t) => t.table_name)).toEqual([
			'customers',
			'hubspot_field_state',
			'hubspot_reconciliation_runs',
			'hubspot_sync_log',
			'hubspot_webhook_events',
		]);
	});
});

describe('Create With Rollback', () => {
	it('creates the row and the company, stores the company id, and records the synced fields', async () => {
		const result = await run({ operation: 'createWithRollback' }, [acme]);
		expect(result.status).toBe('success');
		const [out] = result.json('Sync');
		const [row] = await rows();
		expect(companies()).toHaveLength(1);
		const company = companies()[0];
		expect(row.hubspot_id).toBe(company.id);
		expect(company.properties).toMatchObject({
			app_record_id: row.id,
			ban: 'ZT-487392012',
			name: 'Acme Corp',
			account_status: 'active',
			credit_limit: '5000',
			billing_email: 'ap@acme.test',
		});
		// A HubSpot-owned field is not sent on create.
		expect(company.properties.payment_terms ?? null).toBeNull();
		expect(out).toMatchObject({
			success: true,
			data: {
				record: { id: row.id, ban: 'ZT-487392012', hubspot_id: company.id },
				hubspot_sync: {
					success: true,
					hubspot_id: company.id,
					fields_synced: [
						'ban',
						'company_name',
						'status',
						'credit_limit',
						'current_balance',
						'email',
					],
				},
			},
		});
		const state = await pg.query(
			`SELECT field, synced_value FROM ${pg.qualified('hubspot_field_state')} WHERE record_id = $1 ORDER BY field`,
			[row.id],
		);
		expect(Object.fromEntries(state.rows.map((r) => [r.field, r.synced_value]))).toMatchObject({
			ban: 'ZT-487392012',
			company_name: 'Acme Corp',
			credit_limit: '5000.00',
			payment_terms: null,
		});
	});

	const failures: Array<[string, () => void, string, IDataObject]> = [
		[
			'HubSpot answers 503',
			() => emulator.setFaults({ force5xx: 1, status5xx: 503 }),
			'Record creation rolled back due to HubSpot sync failure: Failed to create HubSpot company. Failed fields: [hubspot_api: Service Unavailable (503)]',
			{},
		],
		[
			'HubSpot creates the company, then a proxy answers 502',
			() =>
				emulator.setFaults({
					force5xxAfterApply: 1,
					status5xx: 502,
					faultPath: '/crm/v3/objects/companies',
				}),
			'Failed fields: [hubspot_api: Bad Gateway (502)]',
			{},
		],
		[
			'HubSpot creates the company and never answers',
			() => emulator.setFaults({ hangAfterApply: 1, faultPath: '/crm/v3/objects/companies' }),
			'Failed fields: [hubspot_api: No answer within 1 s]',
			{ options: { timeoutSeconds: 1 } },
		],
	];
	it.each(failures)(
		'%s: no row in PostgreSQL, no company in HubSpot, and the failed fields named',
		async (_name, fault, message, extra) => {
			fault();
			const result = await run(
				{ operation: 'createWithRollback', ...extra },
				[acme],
				'continueErrorOutput',
			);
			expect(result.status).toBe('success');
			const [done, review, failed] = result.outputs('Sync');
			expect(done).toHaveLength(0);
			expect(review).toHaveLength(0);
			expect(failed).toHaveLength(1);
			expect(String(failed[0].json.error)).toContain(message);
			expect(failed[0].json.details).toMatchObject({ success: false, code: 'HUBSPOT_SYNC_FAILED' });
			expect(await rows()).toHaveLength(0);
			expect(companies()).toHaveLength(0);
		},
	);

	it('HubSpot refuses one property: the field is named, nothing is created', async () => {
		const result = await run(
			{ operation: 'createWithRollback' },
			[{ ...acme, status: 'pending' }],
			'continueErrorOutput',
		);
		const failed = result.outputs('Sync')[2];
		expect(String(failed[0].json.error)).toMatch(
			/^Record creation rolled back\. Failed fields: \[status: Invalid property value \(.+\)\]$/,
		);
		expect(failed[0].json.details).toMatchObject({
			code: 'HUBSPOT_SYNC_FAILED',
			failed_fields: [{ field: 'status' }],
		});
		expect(await rows()).toHaveLength(0);
		expect(companies()).toHaveLength(0);
		// Refused outright: nothing to look up or remove.
		expect(emulator.requests({ method: 'GET' })).toHaveLength(0);
	});

	it('without Continue, a refused create fails the node with the same message', async () => {
		emulator.setFaults({ force5xx: 1, status5xx: 503 });
		const result = await run({ operation: 'createWithRollback' }, [acme]);
		expect(result.status).toBe('error');
		expect(result.error?.message).toContain(
			'Failed fields: [hubspot_api: Service Unavailable (503)]',
		);
		expect(await rows()).toHaveLength(0);
	});

	it('a field that is not a column fails the item before anything is written', async () => {
		const result = await run(
			{ operation: 'createWithRollback' },
			[{ ...acme, colour: 'red' }],
			'continueErrorOutput',
		);
		expect(String(result.outputs('Sync')[2][0].json.error)).toBe(
			"Field 'colour': not a column of customers",
		);
		expect(emulator.requests().filter((r) => r.path.startsWith('/crm/v3/objects'))).toHaveLength(0);
		expect(await rows()).toHaveLength(0);
	});

	it('a value PostgreSQL refuses (a BAN taken) is the caller’s mistake: named, and HubSpot is not called', async () => {
		await run({ operation: 'createWithRollback' }, [acme]);
		const before = emulator.requests().length;
		const result = await run(
			{ operation: 'createWithRollback' },
			[{ ...acme, company_name: 'Other' }],
			'continueErrorOutput',
		);
		const failed = result.outputs('Sync')[2][0].json;
		expect(String(failed.error)).toMatch(
			/duplicate key value violates unique constraint "customers_ban_key"/,
		);
		expect(failed.details).toMatchObject({ code: 'INVALID_INPUT' });
		expect(emulator.requests().slice(before)).toHaveLength(0);
		expect(await rows()).toHaveLength(1);
		expect(companies()).toHaveLength(1);
	});

	it('a table that does not exist fails every item to the error output, never to Done', async () => {
		const result = await run(
			{ operation: 'createWithRollback', table: 'no_such_table' },
			[acme, acme],
			'continueErrorOutput',
		);
		const [done, review, failed] = result.outputs('Sync');
		expect(done).toHaveLength(0);
		expect(review).toHaveLength(0);
		expect(failed.map((f) => f.json.error)).toEqual([
			`Table ${pg.schema}.no_such_table does not exist`,
			`Table ${pg.schema}.no_such_table does not exist`,
		]);
		expect(companies()).toHaveLength(0);
	});
});
