/**
 * Queue App Changes and Flush App Changes in n8n-core, on real PostgreSQL, real Redis and the HubSpot
 * emulator: changes to one record are sent once, HubSpot-owned fields never, a record HubSpot refuses
 * is tried 4 times and then dead-lettered.
 */
import type { IDataObject } from 'n8n-workflow';

import { type HubSpotEmulator, startHubSpotEmulator } from '../emulators/hubspot/server';
import { createCompanyProperties, syncNode } from '../harness/hubSpotRecordSync';
import { runWorkflow, startThen } from '../harness/inProcess';
import { closeAllPools } from '../../nodes/shared/database/connection';
import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { type TestPostgres, testPostgres } from '../harness/postgres';
import { cleanupPrefix, testRedis, testRedisCredentials } from '../harness/redis';

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
	redis: { ...testRedisCredentials(), database: 0, ssl: false },
});

async function run(parameters: IDataObject, items: IDataObject[] = [{}]) {
	const result = await runWorkflow(
		startThen(syncNode(pg.schema, parameters, { redis: true }), { pinnedItems: items }),
		{
			credentials: credentials(),
		},
	);
	if (result.status !== 'success') throw result.error ?? new Error(result.status);
	return result;
}

async function create(ban: string) {
	const result = await run({ operation: 'createWithRollback', recordField: '' }, [
		{
			ban,
			company_name: `Company ${ban}`,
			status: 'active',
			credit_limit: 1000,
			email: `${ban}@example.test`,
		},
	]);
	const record = (result.json('Sync')[0].data as IDataObject).record as IDataObject;
	return { id: String(record.id), hubspotId: String(record.hubspot_id) };
}

const company = (id: string) => emulator.objects('companies').find((r) => r.id === id)!.properties;
const updates = () => emulator.requests({ path: '/crm/v3/objects/companies/batch/update' });
const flush = async () =>
	(await run({ operation: 'flush', options: { retryDelayMs: 0 } })).json('Sync')[0];

beforeAll(async () => {
	pg = await testPostgres('hs_sync_queue');
	emulator = await startHubSpotEmulator();
	await createCompanyProperties(emulator);
	await run({ operation: 'applySchema', exampleTable: 'customers' });
});
afterAll(async () => {
	const redis = testRedis('cleanup');
	await cleanupPrefix(redis, `mkops:queue:{hubspot-sync:${pg.schema}.`);
	await redis.quit();
	await closeSharedRedis();
	await closeAllPools();
	await emulator?.close();
	await pg?.cleanup();
});

it('sends each queued record once, in one batch call, without the fields HubSpot owns', async () => {
	const a = await create('q-a');
	const b = await create('q-b');
	await pg.query(
		`UPDATE ${pg.qualified('customers')} SET credit_limit = 2500, status = 'suspended', payment_terms = 'net45', updated_at = now() WHERE id = $1`,
		[a.id],
	);
	await pg.query(
		`UPDATE ${pg.qualified('customers')} SET email = 'new-b@example.test', updated_at = now() WHERE id = $1`,
		[b.id],
	);
	const queued = await run({ operation: 'queueAppChanges' }, [
		{ body: { id: a.id, changed: ['credit_limit', 'status', 'payment_terms'] } },
		{ body: { id: a.id, changed: ['credit_limit'] } },
		{ body: { id: b.id } },
	]);
	expect(queued.json('Sync').map((i) => i.queued)).toEqual([true, true, true]);
	const before = updates().length;

	const summary = await flush();

	expect(summary).toMatchObject({
		claimed: 3,
		records: 2,
		synced: 2,
		failed: 0,
		dead_lettered: 0,
		waiting: 0,
		hubspot_reads: 1,
		hubspot_writes: 1,
	});
	const sent = updates().slice(before);
	expect(sent).toHaveLength(1);
	expect(sent[0].inputCount).toBe(2);
	expect(company(a.hubspotId)).toMatchObject({ credit_limit: '2500', account_status: 'suspended' });
	// payment_terms belongs to HubSpot: never sent, and the app's edit stays until HubSpot's value is synced.
	expect(company(a.hubspotId).payment_terms ?? null).toBeNull();
	expect(company(b.hubspotId).billing_email).toBe('new-b@example.test');
	// Nothing left: a second flush claims nothing and calls nothing.
	expect(await flush()).toMatchObject({ claimed: 0, hubspot_reads: 0, hubspot_writes: 0 });
});

it('a record HubSpot refuses is tried 4 times in all, then moved to the dead-letter set', async () => {
	const c = await create('q-c');
	await pg.query(
		`UPDATE ${pg.qualified('customers')} SET status = 'on-hold', updated_at = now() WHERE id = $1`,
		[c.id],
	);
	await run({ operation: 'queueAppChanges' }, [{ body: { id: c.id, changed: ['status'] } }]);
	const runs = [];
	for (let i = 0; i < 4; i++) runs.push(await flush());
	expect(runs.map((r) => [r.claimed, r.failed, r.dead_lettered])).toEqual([
		[1, 1, 0],
		[1, 1, 0],
		[1, 1, 0],
		[1, 1, 1],
	]);
	expect(runs[3]).toMatchObject({ waiting: 0, dead_letters: 1 });
	expect(String((runs[0].errors as IDataObject[])[0].error)).toContain('account_status');
	expect(company(c.hubspotId).account_status).toBe('active');
	expect(await flush()).toMatchObject({ claimed: 0 });
});
