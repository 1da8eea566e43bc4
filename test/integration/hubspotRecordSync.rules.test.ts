/**
 * The field rules in both systems: every authority × (only the app changed, only HubSpot changed,
 * both, neither), through HubSpot's webhook events (Apply HubSpot Changes) and through Reconcile,
 * checked in PostgreSQL, in HubSpot and in hubspot_sync_log. Real PostgreSQL, the HubSpot emulator.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { type HubSpotEmulator, startHubSpotEmulator } from '../emulators/hubspot/server';
import { claimEvents, readEvents } from '../../nodes/HubSpotSignedTrigger/events';
import { createCompanyProperties, type Rule, syncNode } from '../harness/hubSpotRecordSync';
import { runWorkflow, startThen } from '../harness/inProcess';
import { type TestPostgres, testPostgres } from '../harness/postgres';

jest.setTimeout(60_000);

let pg: TestPostgres;
let emulator: HubSpotEmulator;

/** One bidirectional field per authority, plus an app-owned and an immutable one. */
const RULES: Rule[] = [
	{ column: 'ban', property: 'ban', direction: 'toHubSpot', immutable: true },
	{ column: 'status', property: 'account_status', direction: 'toHubSpot' },
	{ column: 'company_name', property: 'name', direction: 'both', authority: 'latestWins' },
	{ column: 'credit_limit', property: 'credit_limit', direction: 'both', authority: 'hubspotWins' },
	{ column: 'email', property: 'billing_email', direction: 'both', authority: 'appWins' },
	{ column: 'payment_terms', property: 'payment_terms', direction: 'both', authority: 'manual' },
];

const credentials = () => ({
	postgres: { ...pg.connection, maxConnections: 10, ssl: 'disable' },
	hubSpotBatchApi: {
		accessToken: emulator.defaultToken,
		tier: 'professional',
		baseUrl: emulator.url,
	},
});

async function run(parameters: IDataObject, items: IDataObject[]) {
	const result = await runWorkflow(
		startThen(syncNode(pg.schema, parameters, { rules: RULES }), { pinnedItems: items }),
		{
			credentials: credentials(),
		},
	);
	if (result.status !== 'success') throw result.error ?? new Error(result.status);
	return result;
}

const ORIGINAL = {
	company_name: 'Acme Corp',
	credit_limit: '5000.00',
	email: 'ap@acme.test',
	payment_terms: 'net30',
	status: 'active',
};
const APP_EDIT = {
	company_name: 'Acme Corporation',
	credit_limit: '6000',
	email: 'billing@acme.test',
	payment_terms: 'net45',
	status: 'suspended',
};
const HS_EDIT = {
	name: 'Acme Corp Inc',
	credit_limit: '10000',
	billing_email: 'finance@acme.test',
	payment_terms: 'net60',
	account_status: 'closed',
	ban: 'XX-1',
};

interface Customer {
	id: string;
	hubspotId: string;
	ban: string;
}

/** A customer created through Create With Rollback (so both sides and the field state agree). */
async function createCustomer(ban: string): Promise<Customer> {
	const result = await run({ operation: 'createWithRollback', recordField: '' }, [
		{ ban, ...ORIGINAL },
	]);
	const record = (result.json('Sync')[0].data as IDataObject).record as IDataObject;
	return { id: String(record.id), hubspotId: String(record.hubspot_id), ban };
}

async function editApp(c: Customer, at = new Date()) {
	await pg.query(
		`UPDATE ${pg.qualified('customers')} SET company_name = $2, credit_limit = $3, email = $4, payment_terms = $5, status = $6, updated_at = $7 WHERE id = $1`,
		[
			c.id,
			APP_EDIT.company_name,
			APP_EDIT.credit_limit,
			APP_EDIT.email,
			APP_EDIT.payment_terms,
			APP_EDIT.status,
			at,
		],
	);
}

const editHubSpot = (c: Customer, at: number) =>
	emulator.uiUpdate('companies', c.hubspotId, HS_EDIT, { at });

async function appRow(c: Customer) {
	const { rows } = await pg.query(`SELECT * FROM ${pg.qualified('customers')} WHERE id = $1`, [
		c.id,
	]);
	const r = rows[0];
	return {
		ban: r.ban,
		company_name: r.company_name,
		credit_limit: Number(r.credit_limit),
		email: r.email,
		payment_terms: r.payment_terms,
		status: r.status,
	};
}

function hubspotRow(c: Customer) {
	const p = emulator.objects('companies').find((r) => r.id === c.hubspotId)!.properties;
	return {
		ban: p.ban,
		name: p.name,
		credit_limit: Number(p.credit_limit),
		billing_email: p.billing_email,
		payment_terms: p.payment_terms,
		account_status: p.account_status,
	};
}

async function log(c: Customer) {
	const { rows } = await pg.query(
		`SELECT field, side, action, reason FROM ${pg.qualified('hubspot_sync_log')} WHERE record_id = $1 AND source <> 'create' ORDER BY field`,
		[c.id],
	);
	return rows;
}

const ORIGINAL_HS = {
	ban: '',
	name: 'Acme Corp',
	credit_limit: 5000,
	billing_email: 'ap@acme.test',
	payment_terms: 'net30',
	account_status: 'active',
};
const ORIGINAL_APP = {
	ban: '',
	company_name: 'Acme Corp',
	credit_limit: 5000,
	email: 'ap@acme.test',
	payment_terms: 'net30',
	status: 'active',
};

beforeAll(async () => {
	pg = await testPostgres('hs_sync_rules');
	emulator = await startHubSpotEmulator();
});
afterAll(async () => {
	await emulator?.close();
	await pg?.cleanup();
});
beforeEach(async () => {
	emulator.reset();
	await createCompanyProperties(emulator);
	emulator.configureWebhooks({
		targetUrl: 'http://127.0.0.1:9/not-delivered',
		clientSecret: 'test-client-secret-0000000000',
		subscriptions: ['company.propertyChange'],
	});
	await run({ operation: 'applySchema', exampleTable: 'customers' }, [{}]);
	await pg.query(
		`TRUNCATE ${['customers', 'hubspot_sync_log', 'hubspot_field_state', 'hubspot_webhook_events', 'hubspot_reconciliation_runs'].map((t) => pg.qualified(t)).join(', ')}`,
	);
});

/** The events HubSpot queued for its UI edits, as the trigger emits them. */
function events(): IDataObject[] {
	return emulator
		.queuedWebhookEvents()
		.map(
			(e) => ({ ...e, eventId: String(e.eventId), objectId: String(e.objectId) }) as IDataObject,
		);
}

const reconcile = async (mode: 'apply' | 'report' = 'apply') =>
	await run({ operation: 'reconcile', mode }, [{}]);
const applyEvents = async (items: IDataObject[]) =>
	await run({ operation: 'applyHubSpotChanges' }, items);
const byField = (items: INodeExecutionData[]) =>
	Object.fromEntries(
		items.map((i) => [
			i.json.field ?? i.json.property,
			`${String(i.json.outcome)}:${String(i.json.reason)}`,
		]),
	);

describe.each([
	['Reconcile', 'reconcile'],
	['Apply HubSpot Changes', 'webhook'],
] as const)('%s', (_title, path) => {
	const sync = async () => (path === 'reconcile' ? await reconcile() : await applyEvents(events()));

	it('neither side changed: nothing is written anywhere', async () => {
		const c = await createCustomer('ZT-1');
		const before = emulator.requests().length;
		await sync();
		expect(await appRow(c)).toEqual({ ...ORIGINAL_APP, ban: 'ZT-1' });
		expect(hubspotRow(c)).toEqual({ ...ORIGINAL_HS, ban: 'ZT-1' });
		expect(await log(c)).toEqual([]);
		// Reconcile reads once; nothing is written.
		expect(
			emulator
				.requests()
				.slice(before)
				.filter((r) => r.path.includes('batch/update')),
		).toHaveLength(0);
	});

	it('only HubSpot changed: each shared field goes to the app whatever its authority; app-owned and immutable ones are put back in HubSpot', async () => {
		const c = await createCustomer('ZT-2');
		editHubSpot(c, emulator.now());
		const result = await sync();
		expect(await appRow(c)).toEqual({
			ban: 'ZT-2',
			company_name: 'Acme Corp Inc',
			credit_limit: 10000,
			email: 'finance@acme.test',
			payment_terms: 'net60',
			status: 'active',
		});
		expect(hubspotRow(c)).toEqual({
			ban: 'ZT-2',
			name: 'Acme Corp Inc',
			credit_limit: 10000,
			billing_email: 'finance@acme.test',
			payment_terms: 'net60',
			account_status: 'active',
		});
		expect(await log(c)).toEqual([
			{ field: 'ban', side: 'hubspot', action: 'refused', reason: 'immutable' },
			{ field: 'company_name', side: 'app', action: 'applied', reason: 'hubspot_changed' },
			{ field: 'credit_limit', side: 'app', action: 'applied', reason: 'hubspot_changed' },
			{ field: 'email', side: 'app', action: 'applied', reason: 'hubspot_changed' },
			{ field: 'payment_terms', side: 'app', action: 'applied', reason: 'hubspot_changed' },
			{ field: 'status', side: 'hubspot', action: 'refused', reason: 'app_owned' },
		]);
		if (path === 'webhook') expect(result.outputs('Sync')[1]).toHaveLength(0);
	});

	it('both changed, HubSpot later: HubSpot wins, Latest wins (HubSpot), App wins, Manual holds both sides', async () => {
		const c = await createCustomer('ZT-3');
		await editApp(c, new Date(Date.now() - 60_000));
		editHubSpot(c, emulator.now());
		const result = await sync();
		expect(await appRow(c)).toEqual({
			ban: 'ZT-3',
			company_name: 'Acme Corp Inc',
			credit_limit: 10000,
			email: 'billing@acme.test',
			payment_terms: 'net45',
			status: 'suspended',
		});
		expect(hubspotRow(c)).toEqual({
			ban: 'ZT-3',
			name: 'Acme Corp Inc',
			credit_limit: 10000,
			billing_email: 'billing@acme.test',
			payment_terms: 'net60',
			account_status: 'suspended',
		});
		expect(await log(c)).toEqual([
			{ field: 'ban', side: 'hubspot', action: 'refused', reason: 'immutable' },
			{ field: 'company_name', side: 'app', action: 'applied', reason: 'conflict_latest_hubspot' },
			{ field: 'credit_limit', side: 'app', action: 'applied', reason: 'conflict_hubspot_wins' },
			{ field: 'email', side: 'hubspot', action: 'applied', reason: 'conflict_app_wins' },
			{ field: 'payment_terms', side: 'none', action: 'manual', reason: 'conflict_manual' },
			{ field: 'status', side: 'hubspot', action: 'refused', reason: 'app_owned' },
		]);
		const review = result.outputs('Sync')[1];
		expect(review).toHaveLength(1);
		const manual =
			path === 'reconcile' ? (review[0].json.fields as IDataObject[])[0] : review[0].json;
		expect(manual).toMatchObject({
			field: 'payment_terms',
			app_value: 'net45',
			hubspot_value: 'net60',
			reason: 'conflict_manual',
		});
	});

	it('both changed, the app later: Latest wins takes the app value', async () => {
		const c = await createCustomer('ZT-4');
		editHubSpot(c, emulator.now() - 60_000);
		await editApp(c, new Date());
		await sync();
		expect((await appRow(c)).company_name).toBe('Acme Corporation');
		expect(hubspotRow(c).name).toBe('Acme Corporation');
		expect((await log(c)).find((l) => l.field === 'company_name')).toEqual({
			field: 'company_name',
			side: 'hubspot',
			action: 'applied',
			reason: 'conflict_latest_app',
		});
	});
});

describe('Reconcile', () => {
	it('only the app changed: every field the app may write goes to HubSpot, the HubSpot-owned one is taken back', async () => {
		const c = await createCustomer('ZT-5');
		await editApp(c);
		const result = await reconcile();
		expect(hubspotRow(c)).toEqual({
			ban: 'ZT-5',
			name: 'Acme Corporation',
			credit_limit: 6000,
			billing_email: 'billing@acme.test',
			payment_terms: 'net45',
			account_status: 'suspended',
		});
		expect(await appRow(c)).toEqual({
			ban: 'ZT-5',
			company_name: 'Acme Corporation',
			credit_limit: 6000,
			email: 'billing@acme.test',
			payment_terms: 'net45',
			status: 'suspended',
		});
		expect(await log(c)).toEqual([
			{ field: 'company_name', side: 'hubspot', action: 'applied', reason: 'app_changed' },
			{ field: 'credit_limit', side: 'hubspot', action: 'applied', reason: 'app_changed' },
			{ field: 'email', side: 'hubspot', action: 'applied', reason: 'app_changed' },
			{ field: 'payment_terms', side: 'hubspot', action: 'applied', reason: 'app_changed' },
			{ field: 'status', side: 'hubspot', action: 'applied', reason: 'app_owned' },
		]);
		expect(result.json('Sync')[0]).toMatchObject({
			compared: 1,
			equal: 0,
			updated_in_hubspot: 1,
			updated_in_app: 0,
			conflicts: 0,
		});
	});

	it('a value PostgreSQL refuses fails that record alone; the others in its batch are written', async () => {
		const emptied = await createCustomer('ZT-20');
		const renamed = await createCustomer('ZT-21');
		// company_name is NOT NULL in the app: HubSpot's emptied name cannot be written there.
		emulator.uiUpdate('companies', emptied.hubspotId, { name: '' });
		emulator.uiUpdate('companies', renamed.hubspotId, { name: 'Renamed' });
		const result = await reconcile();
		expect(result.json('Sync')[0]).toMatchObject({ compared: 2, updated_in_app: 1, errors: 1 });
		expect((await appRow(emptied)).company_name).toBe('Acme Corp');
		expect((await appRow(renamed)).company_name).toBe('Renamed');
		const { rows } = await pg.query(
			`SELECT action, reason FROM ${pg.qualified('hubspot_sync_log')} WHERE record_id = $1 AND field = 'company_name' AND source = 'reconcile'`,
			[emptied.id],
		);
		expect(rows).toEqual([
			{
				action: 'failed',
				reason: expect.stringMatching(
					/^hubspot_changed: PostgreSQL refused the value: null value in column "company_name"/,
				),
			},
		]);
	});

	it('report only: counts the differences, writes nothing but the run row', async () => {
		const c = await createCustomer('ZT-6');
		await editApp(c);
		const result = await reconcile('report');
		expect(await appRow(c)).toMatchObject({ company_name: 'Acme Corporation' });
		expect(hubspotRow(c)).toMatchObject({ name: 'Acme Corp' });
		expect(await log(c)).toEqual([]);
		expect(result.json('Sync')[0]).toMatchObject({
			mode: 'report',
			status: 'finished',
			compared: 1,
			updated_in_hubspot: 1,
		});
		expect(result.outputs('Sync')[1][0].json.fields).toHaveLength(5);
		const { rows } = await pg.query(
			`SELECT mode, compared FROM ${pg.qualified('hubspot_reconciliation_runs')}`,
		);
		expect(rows).toEqual([{ mode: 'report', compared: 1 }]);
	});
});

describe('Reconcile, both sides', () => {
	it('with “Also Count HubSpot Records Without an App Row”, lists the companies no customer points to', async () => {
		await createCustomer('BS-1');
		await createCustomer('BS-2');
		const orphan = emulator.uiCreate('companies', { name: 'Made in HubSpot' });
		emulator.state.log.length = 0;
		const result = await run(
			{ operation: 'reconcile', mode: 'report', options: { countUnlinked: true } },
			[{}],
		);
		expect(result.json('Sync')[0]).toMatchObject({
			compared: 2,
			equal: 2,
			missing_in_app: 1,
			hubspot_reads: 2,
		});
		expect(result.outputs('Sync')[1].map((i) => i.json)).toEqual([
			expect.objectContaining({
				hubspot_id: orphan.id,
				reason: 'no app row points to this HubSpot record',
			}),
		]);
		expect(emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
			'POST /crm/v3/objects/companies/batch/read',
			'GET /crm/v3/objects/companies',
		]);
	});
});

describe('Apply HubSpot Changes', () => {
	it('the same events again are logged as duplicates and change nothing', async () => {
		const c = await createCustomer('ZT-7');
		editHubSpot(c, emulator.now());
		const delivered = events();
		await applyEvents(delivered);
		await pg.query(
			`UPDATE ${pg.qualified('customers')} SET company_name = 'Changed since' WHERE id = $1`,
			[c.id],
		);
		const again = await applyEvents(delivered);
		expect(again.json('Sync').map((i) => i.outcome)).toEqual(delivered.map(() => 'duplicate'));
		expect((await appRow(c)).company_name).toBe('Changed since');
		const { rows } = await pg.query(
			`SELECT count(*)::int AS n FROM ${pg.qualified('hubspot_sync_log')} WHERE action = 'duplicate'`,
		);
		expect(rows[0].n).toBe(delivered.length);
	});

	it('an event older than a change already applied is not applied', async () => {
		const c = await createCustomer('ZT-8');
		emulator.uiUpdate('companies', c.hubspotId, { name: 'Older' }, { at: emulator.now() - 1000 });
		const older = events();
		emulator.uiUpdate('companies', c.hubspotId, { name: 'Newer' }, { at: emulator.now() });
		const newer = events().filter((e) => !older.some((o) => o.eventId === e.eventId));
		await applyEvents(newer);
		const result = await applyEvents(older);
		expect(byField(result.outputs('Sync')[0])).toEqual({
			name: 'stale:a newer HubSpot change was already applied',
		});
		expect((await appRow(c)).company_name).toBe('Newer');
	});

	it('two executions given the same events at once apply each once', async () => {
		const c = await createCustomer('ZT-9');
		editHubSpot(c, emulator.now());
		const delivered = events();
		const updatesBefore = emulator.requests({
			path: '/crm/v3/objects/companies/batch/update',
		}).length;
		const [first, second] = await Promise.all([applyEvents(delivered), applyEvents(delivered)]);
		const outcomes = [...first.json('Sync'), ...second.json('Sync')].map((i) => i.outcome);
		expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(delivered.length);
		expect(outcomes.filter((o) => o !== 'duplicate')).toHaveLength(delivered.length);
		// One restore of the app-owned and the immutable field each, not two.
		expect(
			emulator.requests({ path: '/crm/v3/objects/companies/batch/update' }).length - updatesBefore,
		).toBe(2);
		const { rows } = await pg.query(
			`SELECT count(*)::int AS n FROM ${pg.qualified('hubspot_sync_log')} WHERE record_id = $1 AND source = 'webhook' AND action IN ('applied', 'refused')`,
			[c.id],
		);
		expect(rows[0].n).toBe(delivered.length);
	});

	it('a change HubSpot does not take goes to the error output and stays unapplied until it is taken', async () => {
		const c = await createCustomer('ZT-10');
		emulator.uiUpdate(
			'companies',
			c.hubspotId,
			{ account_status: 'closed' },
			{ at: emulator.now() },
		);
		const delivered = events();
		emulator.setFaults({ force5xx: 20, status5xx: 503 });
		const failed = await runWorkflow(
			startThen(
				syncNode(
					pg.schema,
					{ operation: 'applyHubSpotChanges' },
					{ rules: RULES, onError: 'continueErrorOutput' },
				),
				{
					pinnedItems: delivered,
				},
			),
			{ credentials: credentials() },
		);
		const [done, , errors] = failed.outputs('Sync');
		expect(done).toHaveLength(0);
		expect(String(errors[0].json.error)).toMatch(
			/^HubSpot did not take account_status of record \d+: .*The event stays unapplied\.$/,
		);
		const pending = await pg.query(
			`SELECT applied_at FROM ${pg.qualified('hubspot_webhook_events')} WHERE event_id = $1`,
			[delivered[0].eventId],
		);
		expect(pending.rows.map((r) => r.applied_at)).toEqual([]);
		expect(hubspotRow(c).account_status).toBe('closed');

		emulator.setFaults({ force5xx: 0 });
		const again = await applyEvents(delivered);
		expect(again.json('Sync')[0]).toMatchObject({ outcome: 'refused', reason: 'app_owned' });
		expect(hubspotRow(c).account_status).toBe('active');
	});

	it('a merge moves the app row to the surviving company; a merge that would give one company two rows goes to Review', async () => {
		emulator.configureWebhooks({
			targetUrl: 'http://127.0.0.1:9/not-delivered',
			clientSecret: 'test-client-secret-0000000000',
			subscriptions: ['company.merge'],
		});
		const kept = await createCustomer('ZT-11');
		const other = emulator.uiCreate('companies', { name: 'Duplicate Acme' });
		// The app's customer is linked to the company that is merged away.
		await pg.query(`UPDATE ${pg.qualified('customers')} SET hubspot_id = $2 WHERE id = $1`, [
			kept.id,
			other.id,
		]);
		emulator.uiMerge('companies', kept.hubspotId, other.id);
		const merge = await applyEvents(events());
		expect(merge.json('Sync')[0]).toMatchObject({
			outcome: 'applied',
			records_moved: 1,
			hubspot_id: kept.hubspotId,
		});
		expect(
			(
				await pg.query(`SELECT hubspot_id FROM ${pg.qualified('customers')} WHERE id = $1`, [
					kept.id,
				])
			).rows[0].hubspot_id,
		).toBe(kept.hubspotId);

		const a = await createCustomer('ZT-12');
		const b = await createCustomer('ZT-13');
		emulator.uiMerge('companies', a.hubspotId, b.hubspotId);
		const both = await applyEvents(
			events()
				.filter((e) => String(e.objectId) === a.hubspotId || e.primaryObjectId !== undefined)
				.slice(-1),
		);
		const [done, review] = both.outputs('Sync');
		expect(done).toHaveLength(0);
		expect(review[0].json).toMatchObject({ outcome: 'reported', hubspot_id: a.hubspotId });
		expect((review[0].json.record_ids as string[]).sort()).toEqual([a.id, b.id].sort());
		// Neither row was changed.
		const { rows } = await pg.query(
			`SELECT id, hubspot_id FROM ${pg.qualified('customers')} WHERE id = ANY($1::uuid[])`,
			[[a.id, b.id]],
		);
		expect(Object.fromEntries(rows.map((r) => [r.id, r.hubspot_id]))).toEqual({
			[a.id]: a.hubspotId,
			[b.id]: b.hubspotId,
		});
	});
});

describe('Reconcile with Latest Change Wins conflicts', () => {
	it('reads history only for the records changed on both sides, 50 per call', async () => {
		const made: Customer[] = [];
		for (let i = 0; i < 120; i++)
			made.push(await createCustomer(`LW-${String(i).padStart(3, '0')}`));
		for (const [i, c] of made.entries()) {
			// Even customers: HubSpot's rename is the later one; odd: the app's.
			const appAt = new Date(Date.now() + (i % 2 === 0 ? -60_000 : 60_000));
			await pg.query(
				`UPDATE ${pg.qualified('customers')} SET company_name = $2, updated_at = $3 WHERE id = $1`,
				[c.id, `App ${i}`, appAt],
			);
			emulator.uiUpdate('companies', c.hubspotId, { name: `HubSpot ${i}` }, { at: emulator.now() });
		}
		emulator.state.log.length = 0;
		const result = await reconcile();
		const reads = emulator.requests({ path: '/crm/v3/objects/companies/batch/read' });
		// Each page: its records (100 per call), then the history of its conflicts (50 per call).
		expect(reads.map((r) => r.inputCount)).toEqual([100, 50, 50, 20, 20]);
		expect(result.json('Sync')[0]).toMatchObject({
			compared: 120,
			conflicts: 120,
			updated_in_app: 60,
			updated_in_hubspot: 60,
			hubspot_reads: 5,
		});
		const names = new Map(
			(await pg.query(`SELECT id, company_name FROM ${pg.qualified('customers')}`)).rows.map(
				(r) => [r.id, r.company_name],
			),
		);
		for (const [i, c] of made.entries()) {
			const winner = i % 2 === 0 ? `HubSpot ${i}` : `App ${i}`;
			expect([names.get(c.id), hubspotRow(c).name]).toEqual([winner, winner]);
		}
	});
});

describe('the trigger’s record of received events', () => {
	const received = (items: IDataObject[]) => {
		const read = readEvents(items);
		if (typeof read === 'string') throw new Error(read);
		return read.events;
	};

	it('two webhook processes given the same delivery at once start its events once, and count both deliveries', async () => {
		const c = await createCustomer('EV-1');
		editHubSpot(c, emulator.now());
		const delivered = received(events());
		const [a, b] = await Promise.all([
			claimEvents(pg.pool, pg.schema, delivered),
			claimEvents(pg.pool, pg.schema, delivered),
		]);
		expect(a.fresh.length + b.fresh.length).toBe(delivered.length);
		expect(new Set([...a.fresh, ...b.fresh].map((e) => e.eventId)).size).toBe(delivered.length);
		const { rows } = await pg.query(
			`SELECT DISTINCT deliveries FROM ${pg.qualified('hubspot_webhook_events')}`,
		);
		expect(rows).toEqual([{ deliveries: 2 }]);
	});

	it('an event that was received but never applied is settled by the next reconciliation', async () => {
		const c = await createCustomer('EV-2');
		emulator.uiUpdate(
			'companies',
			c.hubspotId,
			{ account_status: 'closed', name: 'Renamed' },
			{ at: emulator.now() },
		);
		const items = events();
		await claimEvents(pg.pool, pg.schema, received(items));
		// The execution that should have applied them never ran (n8n stopped, or HubSpot was down).
		const result = await reconcile();
		expect(result.json('Sync')[0]).toMatchObject({
			events_reconciled: 2,
			updated_in_app: 1,
			updated_in_hubspot: 1,
		});
		expect(await appRow(c)).toMatchObject({ company_name: 'Renamed', status: 'active' });
		expect(hubspotRow(c)).toMatchObject({ name: 'Renamed', account_status: 'active' });
		const { rows } = await pg.query(
			`SELECT DISTINCT outcome FROM ${pg.qualified('hubspot_webhook_events')} WHERE applied_at IS NOT NULL`,
		);
		expect(rows).toEqual([{ outcome: 'reconciled' }]);
		// Delivered late after all, they change nothing.
		const late = await applyEvents(items);
		expect(late.json('Sync').map((i) => i.outcome)).toEqual(['duplicate', 'duplicate']);
	});
});
