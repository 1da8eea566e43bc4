/**
 * Reconcile at volume: 10,000 customers ↔ companies with 1 % drift on each side, in n8n-core against
 * real PostgreSQL and the HubSpot emulator (190 requests per 10 s, as a Professional account).
 */
import type { IDataObject } from 'n8n-workflow';

import { type HubSpotEmulator, startHubSpotEmulator } from '../emulators/hubspot/server';
import { createCompanyProperties, CUSTOMER_RULES, syncNode } from '../harness/hubSpotRecordSync';
import { runWorkflow, startThen } from '../harness/inProcess';
import { type TestPostgres, testPostgres } from '../harness/postgres';

jest.setTimeout(300_000);

const COUNT = 10_000;
let pg: TestPostgres;
let emulator: HubSpotEmulator;

beforeAll(async () => {
	pg = await testPostgres('hs_sync_reconcile', { poolSize: 2 });
	emulator = await startHubSpotEmulator();
	await createCompanyProperties(emulator);
});
afterAll(async () => {
	await emulator?.close();
	await pg?.cleanup();
});

const credentials = () => ({
	postgres: { ...pg.connection, maxConnections: 10, ssl: 'disable' },
	hubSpotBatchApi: {
		accessToken: emulator.defaultToken,
		tier: 'professional',
		baseUrl: emulator.url,
	},
});

const run = async (parameters: IDataObject) => {
	const result = await runWorkflow(startThen(syncNode(pg.schema, parameters)), {
		credentials: credentials(),
	});
	if (result.status !== 'success') throw result.error ?? new Error(result.status);
	return result;
};

/** The most requests HubSpot saw within any 10 seconds. */
function busiestTenSeconds(times: number[]): number {
	let most = 0;
	for (let i = 0, j = 0; i < times.length; i++) {
		while (times[i] - times[j] >= 10_000) j++;
		most = Math.max(most, i - j + 1);
	}
	return most;
}

it('10,000 records, 100 changed in HubSpot and 100 in the app: one read per 100 records, one write per side’s 100, counts that match', async () => {
	await run({ operation: 'applySchema', exampleTable: 'customers' });
	// Both sides as a previous sync left them: equal values, and the field state that says so.
	const rows = Array.from({ length: COUNT }, (_, i) => {
		const record = emulator.state.createRecord('companies', {
			ban: `R-${String(i).padStart(5, '0')}`,
			name: `Company ${i}`,
			account_status: 'active',
			credit_limit: '1000',
			current_balance: '0',
			payment_terms: 'net30',
			billing_email: `c${i}@example.test`,
		});
		return { i, hubspot_id: record.id };
	});
	await pg.query(
		`INSERT INTO ${pg.qualified('customers')} (ban, company_name, status, credit_limit, current_balance, payment_terms, email, hubspot_id)
SELECT 'R-' || lpad(r.i::text, 5, '0'), 'Company ' || r.i, 'active', 1000, 0, 'net30', 'c' || r.i || '@example.test', r.hubspot_id
FROM jsonb_to_recordset($1::jsonb) AS r(i int, hubspot_id text)`,
		[JSON.stringify(rows)],
	);
	await pg.query(
		`INSERT INTO ${pg.qualified('hubspot_field_state')} (app_table, record_id, field, hubspot_object_type, hubspot_id, synced_value, synced_at)
SELECT 'customers', c.id::text, f.field, 'companies', c.hubspot_id, to_jsonb(c) ->> f.field, now()
FROM ${pg.qualified('customers')} c CROSS JOIN unnest($1::text[]) AS f(field)`,
		[CUSTOMER_RULES.map((r) => r.column)],
	);
	// 1 % drift each way: HubSpot renames every 100th company, the app changes the limit of others.
	for (const { i, hubspot_id } of rows)
		if (i % 100 === 0)
			emulator.uiUpdate('companies', hubspot_id, { name: `Renamed in HubSpot ${i}` });
	await pg.query(
		`UPDATE ${pg.qualified('customers')} SET credit_limit = 2000, updated_at = now() WHERE substr(ban, 3)::int % 100 = 50`,
	);
	emulator.state.log.length = 0;

	const result = await run({ operation: 'reconcile', mode: 'apply' });

	const reads = emulator.requests({ path: '/crm/v3/objects/companies/batch/read' });
	const writes = emulator.requests({ path: '/crm/v3/objects/companies/batch/update' });
	expect(reads).toHaveLength(COUNT / 100);
	expect(writes).toHaveLength(1);
	expect(emulator.requests({ status: 429 })).toHaveLength(0);
	expect(busiestTenSeconds(emulator.requests().map((r) => r.time))).toBeLessThanOrEqual(190);
	expect(result.json('Sync')[0]).toMatchObject({
		status: 'finished',
		compared: COUNT,
		equal: COUNT - 200,
		updated_in_app: 100,
		updated_in_hubspot: 100,
		conflicts: 0,
		manual: 0,
		errors: 0,
		missing_in_hubspot: 0,
		hubspot_reads: 100,
		hubspot_writes: 1,
	});
	const renamed = await pg.query(
		`SELECT count(*)::int AS n FROM ${pg.qualified('customers')} WHERE company_name LIKE 'Renamed in HubSpot %'`,
	);
	expect(renamed.rows[0].n).toBe(100);
	const raised = emulator.objects('companies').filter((r) => r.properties.credit_limit === '2000');
	expect(raised).toHaveLength(100);
	const logged = await pg.query(
		`SELECT side, count(*)::int AS n FROM ${pg.qualified('hubspot_sync_log')} GROUP BY side ORDER BY side`,
	);
	expect(logged.rows).toEqual([
		{ side: 'app', n: 100 },
		{ side: 'hubspot', n: 100 },
	]);

	// A second run finds nothing left to do.
	const again = await run({ operation: 'reconcile', mode: 'report' });
	expect(again.json('Sync')[0]).toMatchObject({
		compared: COUNT,
		equal: COUNT,
		updated_in_app: 0,
		updated_in_hubspot: 0,
	});
});
