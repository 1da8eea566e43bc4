/**
 * Privacy › Export and Erase in n8n-core, against real PostgreSQL (two schemas), real Redis, and the
 * HubSpot and Airtable emulators over HTTP. One person (Ada) is written into every store through the
 * package's own nodes and schema functions, next to another person (Grace) whose address contains
 * Ada's: Export returns all of Ada's data and none of Grace's; Erase leaves nothing of Ada's in any
 * store (by address or by ID) and all of Grace's; a second Erase removes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { schemaStatements } from '../../nodes/shared/database/schema';
import { closeAllPools } from '../../nodes/shared/database/connection';
import { keyLocks } from '../../nodes/shared/locks';
import { ReliableQueue } from '../../nodes/shared/queue/reliableQueue';
import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { mentions } from '../../nodes/Privacy/v1/helpers/subject';
import { startAirtableEmulator, type AirtableEmulator } from '../emulators/airtable/server';
import { type HubSpotEmulator, startHubSpotEmulator } from '../emulators/hubspot/server';
import { airtableCredentials, airtableWorkflow } from '../harness/airtableRegistry';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { createCompanyProperties, syncNode } from '../harness/hubSpotRecordSync';
import { runWorkflow, startThen, type NodeUnderTest } from '../harness/inProcess';
import { quoteIdent, type TestPostgres, testPostgres } from '../harness/postgres';
import { pipelineNode, privacyNode, type PrivacyStore } from '../harness/privacy';
import { cleanupPrefix, ensureRedis, testRedis, testRedisCredentials } from '../harness/redis';

jest.setTimeout(120_000);

const tag = randomBytes(4).toString('hex');
/** The person. */
const ADA = `ada.${tag}@example.test`;
/** Another person, whose address contains Ada's: none of it may be taken for hers. */
const GRACE = `grace.ada.${tag}@example.test`;
const HS_QUEUE = `privacy-${tag}-hs`;
const PEOPLE_QUEUE = `privacy-${tag}:people`;
const LOCKS = `dedupe:privacy-${tag}`;

let pg: TestPostgres;
let S1: string;
let S2: string;
let hubspot: HubSpotEmulator;
let airtable: AirtableEmulator;
const redis = testRedis('privacy-test');

/** What the test wrote, per person. */
interface Person {
	email: string;
	customer: string;
	company: string;
	contact: string;
	enrichment: string;
	events: string[];
	errors: string[];
	airtable: string[];
}
const ada = { email: ADA } as Person;
const grace = { email: GRACE } as Person;
let companyCreatedEvent: string;

const prefixes = () => [
	`mkops:queue:{hubspot-sync:${S1}.`,
	`mkops:queue:{privacy-${tag}`,
	`mkops:lock:{${LOCKS}}`,
];

const credentials = () => ({
	postgres: { ...pg.connection, maxConnections: 10, ssl: 'disable' },
	hubSpotBatchApi: {
		accessToken: hubspot.defaultToken,
		tier: 'professional',
		baseUrl: hubspot.url,
	},
	airtableRegistryApi: airtableCredentials(airtable),
	redis: { ...testRedisCredentials(), database: 0, ssl: false },
});

async function runNode(node: NodeUnderTest, items: IDataObject[] = [{}]) {
	const result = await runWorkflow(startThen(node, { pinnedItems: items }), {
		credentials: credentials(),
	});
	if (result.status !== 'success') throw result.error ?? new Error(result.status);
	return result;
}

async function privacy(
	operation: 'export' | 'erase',
	items: IDataObject[],
	opts: {
		parameters?: IDataObject;
		onError?: 'continueRegularOutput';
		stores?: PrivacyStore[];
	} = {},
) {
	return await runWorkflow(
		startThen(
			privacyNode(
				{
					operation,
					schemas: `${S1}, ${S2}`,
					appTables: {
						table: [{ table: `${S1}.customers`, emailColumn: 'email', keyColumn: 'id' }],
					},
					airtableTable: 'Registrations',
					keyPrefix: prefixes().join(', '),
					...opts.parameters,
				},
				{ onError: opts.onError, stores: opts.stores },
			),
			{ pinnedItems: items },
		),
		{ credentials: credentials() },
	);
}

const only = (items: INodeExecutionData[]) => {
	expect(items).toHaveLength(1);
	return items[0].json;
};

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

// ---- writing both people into every store

async function writeSync(p: Person, ban: string) {
	const created = await runNode(
		syncNode(S1, { operation: 'createWithRollback', recordField: '' }),
		[{ ban, company_name: `Company ${ban}`, status: 'active', credit_limit: 1000, email: p.email }],
	);
	const record = (created.json('Sync')[0].data as IDataObject).record as IDataObject;
	p.customer = String(record.id);
	p.company = String(record.hubspot_id);
	await runNode(syncNode(S1, { operation: 'queueAppChanges' }, { redis: true }), [
		{ body: { id: p.customer, changed: ['credit_limit'] } },
	]);
}

async function writeContact(p: Person, first: string, last: string) {
	const upsert = hubSpotNode({
		resource: 'contact',
		operation: 'upsert',
		columns: { mappingMode: 'autoMapInputData', value: null },
	});
	const result = await runNode(upsert, [
		{ email: p.email.toUpperCase(), firstname: first, lastname: last },
	]);
	p.contact = String(result.json('HubSpot')[0].hubspot_id);
}

async function writeHubSpotQueue(p: Person, booking: string) {
	const queue = (parameters: IDataObject) =>
		hubSpotNode({ resource: 'queue', queueName: HS_QUEUE, ...parameters }, { redis: true });
	await runNode(
		queue({
			operation: 'enqueue',
			kind: 'association',
			fromObjectType: 'contacts',
			toObjectType: 'companies',
			associationType: 'default',
			fromId: '={{ $json.contact }}',
			toId: '={{ $json.company }}',
		}),
		[{ contact: p.contact, company: p.company }],
	);
	await runNode(
		queue({
			operation: 'enqueue',
			kind: 'note',
			noteBody: '={{ "Booked " + $json.booking }}',
			timestamp: '2026-11-20T10:00:00Z',
			associations: { contact: [{ contactId: '={{ $json.contact }}' }] },
		}),
		[{ contact: p.contact, booking }],
	);
}

async function writeAttendance(schema: string) {
	for (const sql of schemaStatements(schema)) await pg.query(sql);
	const registrant = async (id: number, email: string, first: string, last: string) =>
		(
			await pg.query<{ id: string }>(
				`INSERT INTO ${quoteIdent(schema)}.webinar_registrants (webinarjam_id, webinar_id, schedule_id, email, first_name, last_name)
VALUES ($1, 7, 70, $2, $3, $4) RETURNING id::text AS id`,
				[id, email, first, last],
			)
		).rows[0].id;
	const adaRegistrant = await registrant(9001, ADA.toUpperCase(), 'Ada', 'Lovelace');
	const graceRegistrant = await registrant(9002, GRACE, 'Grace', 'Hopper');
	const check = `INSERT INTO ${quoteIdent(schema)}.attendance_checks (registrant_id, email, webinar_id, schedule_id, attendance_status) VALUES ($1, $2, 7, 70, 'attended')`;
	await pg.query(check, [adaRegistrant, ADA]);
	// An earlier address of hers, tied to her registration.
	await pg.query(check, [adaRegistrant, `old.${tag}@example.test`]);
	await pg.query(check, [graceRegistrant, GRACE]);
}

async function writePipeline(schema: string) {
	await runNode(pipelineNode(schema, { operation: 'applySchema', cascadeTables: true }));
	const contact = async (p: Person, company: string, name: string) => {
		p.enrichment = (
			await pg.query<{ id: string }>(
				`INSERT INTO ${quoteIdent(schema)}.contact_enrichment (company_id, role, status, full_name, email)
VALUES ($1, 'CEO', 'found', $2, $3) RETURNING id::text AS id`,
				[company, name, p.email],
			)
		).rows[0].id;
		await pg.query(
			`INSERT INTO ${quoteIdent(schema)}.email_verification (email, result, deliverable) VALUES ($1, 'valid', true)`,
			[p.email],
		);
	};
	await contact(ada, 'c-ada', 'Ada Lovelace');
	await contact(grace, 'c-grace', 'Grace Hopper');
	// The intake trigger emits company_created with the intake row's id: the same number as Ada's
	// contact_enrichment id, and not hers.
	await pg.query(
		`INSERT INTO ${quoteIdent(schema)}.company_raw_intake (id, company_name, website) VALUES ($1, 'Analytical Engines', 'https://engines.example')`,
		[Number(ada.enrichment)],
	);
	companyCreatedEvent = (
		await pg.query<{ id: string }>(
			`SELECT id::text AS id FROM ${quoteIdent(schema)}.pipeline_events WHERE event_type = 'company_created'`,
		)
	).rows[0].id;
	const eventId = async (eventType: string, item: IDataObject, recordIdField = '') => {
		const result = await runNode(
			pipelineNode(schema, { operation: 'emit', eventType, recordIdField }),
			[item],
		);
		return String((result.json('Pipeline')[0].pipeline as IDataObject).event_id);
	};
	ada.events = [
		// Her own record as the payload: the event is hers, deleted whole.
		await eventId('lead_created', { email: ` ${ADA.toUpperCase()}`, first_name: 'Ada' }),
		// A company's contacts, as the enrichment stage emits them: only her part is hers.
		await eventId(
			'contact_enriched',
			{
				company_id: 'CMP-ENGINES',
				contacts: [
					{ role: 'CEO', full_name: 'Ada Lovelace', email: ADA },
					{ role: 'CFO', full_name: 'Charles Babbage', email: `charles.${tag}@engines.example` },
				],
			},
			'company_id',
		),
	];
	grace.events = [await eventId('lead_seen', { lead: { email: GRACE } })];
	const error = async (eventId: string | null, message: string) =>
		(
			await pg.query<{ id: string }>(
				`INSERT INTO ${quoteIdent(schema)}.pipeline_errors (event_id, stage, error_message) VALUES ($1, 'verify', $2) RETURNING id::text AS id`,
				[eventId, message],
			)
		).rows[0].id;
	ada.errors = [
		await error(ada.events[0], 'verifier timed out'),
		await error(null, `Verifier refused ${ADA.toUpperCase()}: mailbox full.`),
	];
	grace.errors = [await error(grace.events[0], `Verifier refused ${GRACE}: mailbox full.`)];
}

async function writeWebhookEvents() {
	const insert = `INSERT INTO ${pg.qualified('hubspot_webhook_events')} (event_id, subscription_type, object_id) VALUES ($1, $2, $3)`;
	await pg.query(insert, [`${tag}-1`, 'company.propertyChange', ada.company]);
	await pg.query(insert, [`${tag}-2`, 'contact.propertyChange', ada.contact]);
	await pg.query(insert, [`${tag}-3`, 'company.propertyChange', grace.company]);
	// Another object with the same number as Ada's company: not hers.
	await pg.query(insert, [`${tag}-4`, 'deal.propertyChange', ada.company]);
}

async function writeAirtable() {
	const rows = [
		{
			email: ` ${ADA.toUpperCase()} `,
			first_name: 'Ada',
			last_name: 'Lovelace',
			event_id: 'evt-1',
		},
		{ email: ADA, first_name: 'Ada', last_name: 'Lovelace', event_id: 'evt-2' },
		{ email: GRACE, first_name: 'Grace', last_name: 'Hopper', event_id: 'evt-1' },
	].map((r) => ({ ...r, registration_source: 'Luma API' }));
	const result = await runWorkflow(
		airtableWorkflow({
			resource: 'registration',
			operation: 'upsert',
			columns: { mappingMode: 'autoMapInputData', value: null },
		}),
		{
			startItems: rows.map((json) => ({ json })),
			credentials: { airtableRegistryApi: airtableCredentials(airtable) },
		},
	);
	if (result.status !== 'success') throw result.error;
	const ids = result.json('Airtable').map((j) => String(j.airtable_id));
	ada.airtable = ids.slice(0, 2);
	grace.airtable = ids.slice(2);
}

let graceQueued: string;

async function writeQueuesAndLocks() {
	const people = new ReliableQueue<IDataObject>(redis, {
		name: PEOPLE_QUEUE,
		consumer: 'privacy-test',
	});
	const [adaPending, gracePending, adaDead] = await people.enqueue([
		{ person: { email: ADA.toUpperCase(), name: 'Ada Lovelace' } },
		{ person: { email: GRACE, name: 'Grace Hopper' } },
		{ contact: JSON.stringify({ email: ADA }) },
	]);
	graceQueued = gracePending;
	expect((await people.claim(3)).map((i) => i.id)).toEqual([adaPending, gracePending, adaDead]);
	await people.fail([{ id: gracePending, error: `HubSpot: ${ADA} already exists` }]);
	await people.deadLetter([{ id: adaDead, error: 'undeliverable' }]);
	const locks = keyLocks(LOCKS, redis);
	expect(await locks.tryAcquire([ADA], 'holder-a', 600_000)).toBe(true);
	expect(await locks.tryAcquire([GRACE], 'holder-g', 600_000)).toBe(true);
}

// ---- reading every store back

/** Every value under the test's prefixes, as stored. */
async function redisValues(): Promise<Array<{ key: string; raw: string }>> {
	const out: Array<{ key: string; raw: string }> = [];
	for (const prefix of prefixes()) {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(
				cursor,
				'MATCH',
				`${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
			);
			cursor = next;
			for (const key of keys) {
				const type = await redis.type(key);
				const raws =
					type === 'string'
						? [(await redis.get(key)) ?? '']
						: type === 'hash'
							? Object.values(await redis.hgetall(key))
							: type === 'list'
								? await redis.lrange(key, 0, -1)
								: type === 'set'
									? await redis.smembers(key)
									: type === 'zset'
										? await redis.zrange(key, '0', '-1')
										: (await redis.xrange(key, '-', '+')).map(([, f]) => f.join('\u0000'));
				for (const raw of raws) out.push({ key, raw });
			}
		} while (cursor !== '0');
	}
	return out;
}

/** Every row of every table of both schemas whose text names the address as a whole. */
async function rowsNaming(email: string): Promise<Record<string, number>> {
	const { rows: tables } = await pg.query<{ schema: string; name: string }>(
		`SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
		[[S1, S2]],
	);
	const out: Record<string, number> = {};
	for (const t of tables) {
		const { rows } = await pg.query<{ text: string }>(
			`SELECT t::text AS text FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)} t`,
		);
		const n = rows.filter((r) => mentions(r.text, email)).length;
		if (n > 0) out[`${t.schema}.${t.name}`] = n;
	}
	return out;
}

const hubspotHolds = (email: string) =>
	['contacts', 'companies', 'notes'].flatMap((type) =>
		hubspot
			.objects(type)
			.filter((r) =>
				Object.values(r.properties).some((v) => v !== null && mentions(String(v), email)),
			)
			.map((r) => `${type}:${r.id}`),
	);

const airtableHolds = (email: string) =>
	airtable
		.records('Registrations')
		.filter(
			(r) =>
				String(r.fields.email ?? '')
					.trim()
					.toLowerCase() === email,
		)
		.map((r) => r.id);

const ids = (rows: unknown) => ((rows ?? []) as IDataObject[]).map((r) => String(r.id)).sort();

beforeAll(async () => {
	await ensureRedis();
	pg = await testPostgres('privacy');
	S1 = pg.schema;
	S2 = `${pg.schema}_m`;
	await pg.query(`CREATE SCHEMA ${quoteIdent(S2)}`);
	hubspot = await startHubSpotEmulator();
	airtable = await startAirtableEmulator({ penaltyMs: 1000 });
	await createCompanyProperties(hubspot);
	await runNode(syncNode(S1, { operation: 'applySchema', exampleTable: 'customers' }));
	await writeSync(ada, `ada-${tag}`);
	await writeSync(grace, `grace-${tag}`);
	await writeContact(ada, 'Ada', 'Lovelace');
	await writeContact(grace, 'Grace', 'Hopper');
	await writeHubSpotQueue(ada, 'B-ada');
	await writeHubSpotQueue(grace, 'B-grace');
	await writeAttendance(S1);
	await writePipeline(S2);
	await writeWebhookEvents();
	await writeAirtable();
	await writeQueuesAndLocks();
});

afterAll(async () => {
	for (const prefix of [
		...prefixes(),
		`mkops:ratelimit:{${hubspot?.url}`,
		`mkops:ratelimit:{airtable:${airtable?.url}`,
	])
		await cleanupPrefix(redis, prefix);
	await redis.quit();
	await closeSharedRedis();
	await closeAllPools();
	await hubspot?.close();
	await airtable?.close();
	await pg?.query(`DROP SCHEMA IF EXISTS ${quoteIdent(S2)} CASCADE`);
	await pg?.cleanup();
});

let graceBefore: { postgres: Record<string, number>; hubspot: string[]; airtable: string[] };

describe('Privacy', () => {
	it('Export returns every row, record and queued item written for the person, and none of the other person’s', async () => {
		graceBefore = {
			postgres: await rowsNaming(GRACE),
			hubspot: hubspotHolds(GRACE),
			airtable: airtableHolds(GRACE),
		};
		const result = await privacy('export', [{ email: ` ${ADA.toUpperCase()} ` }]);
		expect(result.error).toBeUndefined();
		const out = only(result.outputs('Privacy')[0]);
		expect(out).toMatchObject({ action: 'export', status: 'done', subject_hash: sha(ADA) });
		expect(JSON.stringify(out)).not.toContain(GRACE);

		const data = out.data as IDataObject;
		const postgres = data.postgres as Record<string, IDataObject[]>;
		const expectIds = async (table: string, where: string, params: unknown[]) => {
			const { rows } = await pg.query(`SELECT id::text AS id FROM ${table} WHERE ${where}`, params);
			return rows.map((r) => String(r.id)).sort();
		};
		const q1 = (name: string) => `${quoteIdent(S1)}.${quoteIdent(name)}`;
		expect(ids(postgres[`${S1}.customers`])).toEqual([ada.customer]);
		expect(ids(postgres[`${S1}.webinar_registrants`])).toEqual(
			await expectIds(q1('webinar_registrants'), 'webinarjam_id = 9001', []),
		);
		expect(postgres[`${S1}.attendance_checks`]).toHaveLength(2);
		expect(postgres[`${S1}.hubspot_field_state`].map((r) => r.record_id)).toEqual(
			(
				await pg.query(`SELECT record_id FROM ${q1('hubspot_field_state')} WHERE record_id = $1`, [
					ada.customer,
				])
			).rows.map(() => ada.customer),
		);
		expect(postgres[`${S1}.hubspot_field_state`].length).toBeGreaterThan(3);
		expect(ids(postgres[`${S1}.hubspot_sync_log`])).toEqual(
			await expectIds(q1('hubspot_sync_log'), 'record_id = $1', [ada.customer]),
		);
		expect(postgres[`${S1}.hubspot_webhook_events`].map((r) => r.event_id).sort()).toEqual([
			`${tag}-1`,
			`${tag}-2`,
		]);
		expect(ids(postgres[`${S2}.contact_enrichment`])).toEqual([ada.enrichment]);
		expect(postgres[`${S2}.email_verification`].map((r) => r.email)).toEqual([ADA]);
		expect(ids(postgres[`${S2}.pipeline_events`])).toEqual([...ada.events].sort());
		// The company's event is exported as her part only: her colleague's data stays out of her export.
		expect(JSON.stringify(postgres[`${S2}.pipeline_events`])).not.toContain('Babbage');
		expect(JSON.stringify(postgres[`${S2}.pipeline_events`])).toContain('Ada Lovelace');
		expect(ids(postgres[`${S2}.pipeline_errors`])).toEqual([...ada.errors].sort());
		// Every table with a row naming her is in the export, with at least those rows (a synced
		// record's other fields come along).
		const naming = await rowsNaming(ADA);
		for (const [table, n] of Object.entries(naming))
			if (!table.endsWith('.privacy_requests'))
				expect([table, (postgres[table]?.length ?? 0) >= n]).toEqual([table, true]);

		const hs = data.hubspot as { contacts: IDataObject[]; synced_records: IDataObject[] };
		expect(hs.contacts.map((c) => c.id)).toEqual([ada.contact]);
		expect((hs.contacts[0].properties as IDataObject).email).toBe(ADA);
		expect(hs.synced_records.map((c) => [c.objectType, c.id])).toEqual([
			['companies', ada.company],
		]);
		expect(ids(data.airtable).sort()).toEqual([...ada.airtable].sort());

		const rd = data.redis as { items: IDataObject[]; hashed_keys: string[] };
		const values = rd.items
			.filter((i) => i.match === 'value')
			.map((i) => i.key)
			.sort();
		expect(values).toEqual(
			[
				`mkops:queue:{hubspot-sync:${S1}.customers:companies}:stream`,
				`mkops:queue:{${HS_QUEUE}:associations}:stream`,
				`mkops:queue:{${HS_QUEUE}:notes}:stream`,
				`mkops:queue:{${PEOPLE_QUEUE}}:stream`,
				`mkops:queue:{${PEOPLE_QUEUE}}:dead:items`,
			].sort(),
		);
		expect(rd.items.filter((i) => i.match === 'mention').map((i) => [i.key, i.field])).toEqual([
			[`mkops:queue:{${PEOPLE_QUEUE}}:errors`, graceQueued],
		]);
		expect(rd.hashed_keys).toHaveLength(1);
		expect(out.stores).toMatchObject({
			postgres: { status: 'done' },
			hubspot: { status: 'done', found: 2, contacts: 1, synced_records: 1 },
			airtable: { status: 'done', found: 2 },
			redis: { status: 'done', items: 5, mentions: 1, hashed_keys: 1 },
		});
	});

	it('Erase removes all of it: no store holds the address or her IDs, the other person is intact, the audit rows hold neither', async () => {
		const result = await privacy('erase', [{ email: ADA }], {
			parameters: { deleteSyncedRecords: true },
		});
		expect(result.error).toBeUndefined();
		const out = only(result.outputs('Privacy')[0]);
		expect(out).toMatchObject({ action: 'erase', status: 'done', subject_hash: sha(ADA) });
		expect(out.data).toBeUndefined();
		expect(out.stores).toMatchObject({
			hubspot: { status: 'done', removed: 2, contacts: 1, synced_records: 1 },
			airtable: { status: 'done', removed: 2 },
			redis: { status: 'done', items: 5, redacted: 1, hashed_keys: 1 },
		});
		expect(((out.stores as IDataObject).postgres as IDataObject).removed).toBeGreaterThan(15);

		// PostgreSQL: no row names her, and none of her IDs is left where it was hers.
		expect(await rowsNaming(ADA)).toEqual({});
		const count = async (sql: string, params: unknown[]) =>
			Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0].n);
		const q1 = (name: string) => `${quoteIdent(S1)}.${quoteIdent(name)}`;
		const q2 = (name: string) => `${quoteIdent(S2)}.${quoteIdent(name)}`;
		expect(await count(`${q1('customers')} WHERE id::text = $1`, [ada.customer])).toBe(0);
		expect(
			await count(`${q1('hubspot_field_state')} WHERE record_id = $1 OR hubspot_id = $2`, [
				ada.customer,
				ada.company,
			]),
		).toBe(0);
		expect(
			await count(`${q1('hubspot_sync_log')} WHERE record_id = $1 OR hubspot_id = $2`, [
				ada.customer,
				ada.company,
			]),
		).toBe(0);
		expect(
			await count(`${q1('hubspot_webhook_events')} WHERE event_id = ANY($1)`, [
				[`${tag}-1`, `${tag}-2`],
			]),
		).toBe(0);
		expect(await count(`${q1('attendance_checks')} WHERE email LIKE $1`, [`old.${tag}%`])).toBe(0);
		expect(await count(`${q2('pipeline_events')} WHERE id = $1`, [ada.events[0]])).toBe(0);
		// The company's event stays, her part replaced, her colleague's untouched.
		const company = await pg.query(`SELECT payload FROM ${q2('pipeline_events')} WHERE id = $1`, [
			ada.events[1],
		]);
		expect(company.rows[0].payload.contacts).toEqual([
			{ erased: true },
			{ role: 'CFO', full_name: 'Charles Babbage', email: `charles.${tag}@engines.example` },
		]);
		expect(
			await count(
				`${q2('pipeline_errors')} WHERE id = ANY($1::bigint[]) OR event_id = ANY($2::bigint[])`,
				[ada.errors, ada.events],
			),
		).toBe(0);
		// Not hers although it carries her numbers: the deal event, the company_created event.
		expect(await count(`${q1('hubspot_webhook_events')} WHERE event_id = $1`, [`${tag}-4`])).toBe(
			1,
		);
		expect(
			await count(`${q2('pipeline_events')} WHERE id = $1 AND record_id = $2`, [
				companyCreatedEvent,
				ada.enrichment,
			]),
		).toBe(1);
		expect(await rowsNaming(GRACE)).toEqual(graceBefore.postgres);

		// HubSpot: no record holds her address, her contact and company are gone; Grace's stay.
		expect(hubspotHolds(ADA)).toEqual([]);
		const search = await fetch(`${hubspot.url}/crm/v3/objects/contacts/search`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${hubspot.defaultToken}`,
				'content-type': 'application/json',
			},
			body: JSON.stringify({
				filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: ADA }] }],
			}),
		});
		expect(((await search.json()) as IDataObject).total).toBe(0);
		expect(hubspot.objects('contacts').map((r) => r.id)).not.toContain(ada.contact);
		expect(hubspot.objects('companies').map((r) => r.id)).not.toContain(ada.company);
		expect(hubspot.gdprBlocklist()).toEqual([]);
		expect(hubspotHolds(GRACE).sort()).toEqual([...graceBefore.hubspot].sort());

		// Airtable.
		expect(airtableHolds(ADA)).toEqual([]);
		expect(airtableHolds(GRACE)).toEqual(graceBefore.airtable);

		// Redis: nothing names her, carries her row's key or points at her HubSpot contact.
		const values = await redisValues();
		expect(values.filter((v) => mentions(v.raw, ADA))).toEqual([]);
		expect(values.filter((v) => v.raw.includes(ada.customer))).toEqual([]);
		expect(values.filter((v) => v.raw.includes(`"${ada.contact}"`))).toEqual([]);
		expect(values.filter((v) => v.raw.includes(GRACE)).length).toBeGreaterThanOrEqual(1);
		expect(values.filter((v) => v.raw.includes(grace.customer))).toHaveLength(1);
		expect(values.filter((v) => v.raw.includes(`"${grace.contact}"`))).toHaveLength(2);
		const people = `mkops:queue:{${PEOPLE_QUEUE}}`;
		expect((await redis.xrange(`${people}:stream`, '-', '+')).map(([id]) => id)).toEqual([
			graceQueued,
		]);
		expect((await redis.xpending(`${people}:stream`, 'workers'))[0]).toBe(1);
		expect(await redis.hget(`${people}:errors`, graceQueued)).toBe(
			'HubSpot: [erased] already exists',
		);
		expect(await redis.zcard(`${people}:dead`)).toBe(0);
		expect(await redis.hlen(`${people}:dead:items`)).toBe(0);
		const lockKeys = values.filter((v) => v.key.startsWith(`mkops:lock:{${LOCKS}}`));
		expect(lockKeys).toHaveLength(1);

		// The audit rows: export and erase, by hash only.
		const { rows: audit } = await pg.query(
			`SELECT a.*, a::text AS text FROM ${q1('privacy_requests')} a ORDER BY id`,
		);
		expect(audit.map((r) => [r.action, r.status, r.subject_hash])).toEqual([
			['export', 'done', sha(ADA)],
			['erase', 'done', sha(ADA)],
		]);
		for (const row of audit) {
			expect(String(row.text).toLowerCase()).not.toContain(ADA);
			expect(String(row.text)).not.toMatch(/\b(ada|lovelace)\b/i);
			expect(String(row.text)).not.toContain(ada.customer);
		}
		expect(audit[1].counts).toMatchObject({
			hubspot: { status: 'done', removed: 2 },
			airtable: { status: 'done', removed: 2 },
			postgres: { status: 'done', tables: { [`${S1}.customers`]: 1 } },
		});
		expect(out.request_id).toBe(String(audit[1].id));
	});

	it('a second Erase finds nothing and removes nothing, in every store', async () => {
		const again = only((await privacy('erase', [{ email: ADA }])).outputs('Privacy')[0]);
		expect(again).toMatchObject({ status: 'done', removed: 0 });
		for (const store of ['postgres', 'hubspot', 'airtable', 'redis'])
			expect([store, ((again.stores as IDataObject)[store] as IDataObject).removed]).toEqual([
				store,
				0,
			]);
		expect(
			Object.values(
				((again.stores as IDataObject).postgres as IDataObject).tables as IDataObject,
			).every((n) => n === 0),
		).toBe(true);
		// HubSpot blocklists an address it has no contact for (and answers 204) …
		expect(hubspot.gdprBlocklist()).toEqual([ADA]);
		// … or answers 404: nothing to remove either way.
		hubspot.setFaults({ gdprDeleteMissing: '404' });
		const third = only((await privacy('erase', [{ email: ADA }])).outputs('Privacy')[0]);
		hubspot.setFaults({ gdprDeleteMissing: 'blocklist' });
		expect(third).toMatchObject({
			status: 'done',
			removed: 0,
			stores: { hubspot: { status: 'done', removed: 0 } },
		});
	});

	it('an invalid email is an item error that does not name the value; a store without a credential is skipped', async () => {
		const result = await privacy('export', [{ email: 'grace.hopper@@navy' }, { email: GRACE }], {
			onError: 'continueRegularOutput',
			stores: ['redis'],
		});
		const [bad, good] = result.outputs('Privacy')[0].map((i) => i.json);
		expect(bad).toMatchObject({
			action: 'export',
			status: 'error',
			error: "Field 'Email': is not a valid email address",
		});
		expect(JSON.stringify(bad)).not.toContain('hopper');
		expect(good).toMatchObject({
			status: 'done',
			stores: {
				postgres: { status: 'done' },
				hubspot: { status: 'skipped', reason: 'no HubSpot Batch API credential' },
				airtable: { status: 'skipped', reason: 'no Airtable Registry API credential' },
				redis: { status: 'done' },
			},
		});
		const failed = await privacy('export', [{ email: 'grace.hopper@@navy' }], { stores: [] });
		expect(failed.status).toBe('error');
		expect(String(failed.error?.message)).toContain("Field 'Email': is not a valid email address");
		expect(String(failed.error?.message)).not.toContain('hopper');
	});

	it('a store that fails is reported for that item, without secrets or the address, and the others still run', async () => {
		hubspot.setFaults({ force5xx: 20, status5xx: 500 });
		let result;
		try {
			result = await privacy('export', [{ email: GRACE }], { onError: 'continueRegularOutput' });
		} finally {
			hubspot.setFaults({ force5xx: 0 });
		}
		const out = only(result.outputs('Privacy')[0]);
		expect(out.status).toBe('error');
		const stores = out.stores as Record<string, IDataObject>;
		expect(stores.hubspot.status).toBe('error');
		expect(String(stores.hubspot.error)).toMatch(/HubSpot.*500/);
		expect(stores.postgres.status).toBe('done');
		expect(stores.airtable).toMatchObject({ status: 'done', found: 1 });
		expect(stores.redis.status).toBe('done');
		expect(String(out.error)).toContain('hubspot: ');
		for (const text of [String(out.error), String(stores.hubspot.error)]) {
			expect(text).not.toContain(hubspot.defaultToken);
			expect(text.toLowerCase()).not.toContain(GRACE);
		}
		const { rows } = await pg.query(
			`SELECT status, counts FROM ${pg.qualified('privacy_requests')} WHERE subject_hash = $1`,
			[sha(GRACE)],
		);
		expect(rows.map((r) => r.status)).toEqual(['done', 'partial']);
		expect(rows[1].counts.hubspot).toEqual({ status: 'error' });
	});

	it('PostgreSQL is erased in one transaction: a delete refused part way leaves every row of the person in place', async () => {
		// A table of the user's that points at Grace's enrichment row: deleting that row is refused,
		// after her customer, attendance and registrant rows were deleted in the same transaction.
		await pg.query(
			`CREATE TABLE ${quoteIdent(S2)}.enrichment_notes (contact_id bigint REFERENCES ${quoteIdent(S2)}.contact_enrichment (id), note text)`,
		);
		await pg.query(`INSERT INTO ${quoteIdent(S2)}.enrichment_notes VALUES ($1, 'call back')`, [
			grace.enrichment,
		]);
		const before = await rowsNaming(GRACE);
		const result = await privacy('erase', [{ email: GRACE }], { onError: 'continueRegularOutput' });
		const out = only(result.outputs('Privacy')[0]);
		const stores = out.stores as Record<string, IDataObject>;
		expect(stores.postgres.status).toBe('error');
		expect(String(stores.postgres.error)).toContain('23503');
		expect(String(out.error)).toContain('postgres: ');
		expect(String(out.error).toLowerCase()).not.toContain(GRACE);
		expect(await rowsNaming(GRACE)).toEqual(before);
		expect(before[`${S1}.customers`]).toBe(1);
		// The other stores still ran.
		expect(stores.airtable).toMatchObject({ status: 'done', removed: 1 });
		expect(airtableHolds(GRACE)).toEqual([]);
	});
	it('an Erase with a store down deletes nothing in PostgreSQL, so the same request later finds and erases everything', async () => {
		await pg.query(`DROP TABLE IF EXISTS ${quoteIdent(S2)}.enrichment_notes`);
		const before = await rowsNaming(GRACE);
		expect(Object.keys(before).length).toBeGreaterThan(0);
		hubspot.setFaults({ force5xx: 20, status5xx: 503 });
		let first;
		try {
			first = await privacy('erase', [{ email: GRACE }], { onError: 'continueRegularOutput' });
		} finally {
			hubspot.setFaults({ force5xx: 0 });
		}
		const stores = only(first.outputs('Privacy')[0]).stores as Record<string, IDataObject>;
		expect(stores.hubspot.status).toBe('error');
		expect(stores.postgres).toEqual({
			status: 'error',
			error:
				'not erased: another store failed, so nothing was deleted here; send the same request again',
		});
		// The rows that lead to her HubSpot records and queued jobs are all still there.
		expect(await rowsNaming(GRACE)).toEqual(before);
		const again = await privacy('erase', [{ email: GRACE }]);
		const out = only(again.outputs('Privacy')[0]);
		expect(out.status).toBe('done');
		expect(await rowsNaming(GRACE)).toEqual({});
		// Her contact is gone; a company synced from her app row stays (Delete Synced HubSpot Records is off).
		expect(hubspotHolds(GRACE).filter((r) => r.startsWith('contacts:'))).toEqual([]);
	});
});
