/**
 * The booking flow's HubSpot Batch nodes, as shipped in workflows/hubspot-booking-create.json, run in
 * n8n-core against the HubSpot emulator and real Redis: Queue › Check › Input Fields refuses a bad
 * request naming the field, Object › Batch Create builds the deal name from a Property Template, and
 * Queue › Enqueue takes its IDs and the note body from input fields. n8n-core's expression resolver
 * is watched: none of these nodes evaluates an expression. Then the same features on their own: every
 * refusal names its field and sends nothing, and nodes saved before them behave as they did.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import type { IDataObject, INode } from 'n8n-workflow';
import { WorkflowExpression } from 'n8n-workflow';

import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen, type NodeUnderTest } from '../harness/inProcess';
import { cleanupPrefix, ensureRedis, testRedis, testRedisCredentials } from '../harness/redis';

const TOKEN = 'pat-emulator-token';
const ROOT = join(__dirname, '..', '..');
let emulator: HubSpotEmulator;
let contacts: string[];
let tickets: string[];
const redis = testRedis('hubspot-booking-fields-test');
const queueName = `test-booking-fields-${process.pid}-${Date.now()}`;
const stream = (kind: 'associations' | 'notes') => `mkops:queue:{${queueName}:${kind}}:stream`;

/** Expressions n8n-core resolved while a test ran (every parameter value starting with "="). */
let evaluated: string[] = [];
const original = WorkflowExpression.prototype.resolveSimpleParameterValue;

beforeAll(async () => {
	await ensureRedis();
	emulator = await startHubSpotEmulator({});
	contacts = await create('contacts', [{ email: 'ada@school.edu' }, { email: 'bo@school.edu' }]);
	tickets = await create('tickets', [{ subject: 'CPA Part 1' }]);
	jest
		.spyOn(WorkflowExpression.prototype, 'resolveSimpleParameterValue')
		.mockImplementation(function (this: WorkflowExpression, ...args) {
			if (typeof args[0] === 'string' && args[0].startsWith('=')) evaluated.push(args[0]);
			return original.apply(this, args);
		});
});
beforeEach(() => {
	evaluated = [];
});
afterEach(() => {
	resetRateLimiters();
	forgetLearnedLimits();
});
afterAll(async () => {
	jest.restoreAllMocks();
	await emulator?.close();
	await closeSharedRedis();
	await cleanupPrefix(redis, `mkops:queue:{${queueName}`);
	await redis.quit();
});

async function create(type: string, inputs: IDataObject[]): Promise<string[]> {
	const res = await fetch(`${emulator.url}/crm/v3/objects/${type}/batch/create`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ inputs: inputs.map((properties) => ({ properties })) }),
	});
	return ((await res.json()) as { results: Array<{ id: string }> }).results.map((r) => r.id);
}

const credentials = () => ({
	hubSpotBatchApi: { accessToken: TOKEN, tier: 'starter', baseUrl: emulator.url },
	redis: { ...testRedisCredentials(), database: 0, ssl: false },
});

/** A shipped booking node, on this test's queue and with the harness's credential ids. */
function shippedNode(name: string): NodeUnderTest {
	const flow = JSON.parse(
		readFileSync(join(ROOT, 'workflows/hubspot-booking-create.json'), 'utf8'),
	) as { nodes: INode[] };
	const node = flow.nodes.find((n) => n.name === name)!;
	const parameters = { ...node.parameters };
	if (parameters.queueName !== undefined) parameters.queueName = queueName;
	return {
		...hubSpotNode(parameters, {
			id: node.id,
			name: node.name,
			redis: node.credentials?.redis !== undefined,
			onError: node.onError,
		}),
		// As shipped: HubSpot Queue for the checks and enqueues, HubSpot Batch version 2 for the rest.
		type: node.type,
		typeVersion: node.typeVersion,
		credentials: {
			...(node.credentials?.hubSpotBatchApi
				? { hubSpotBatchApi: { id: '1', name: 'HubSpot' } }
				: {}),
			...(node.credentials?.redis ? { redis: { id: '2', name: 'Redis' } } : {}),
		},
	};
}

async function runChain(nodes: NodeUnderTest[], rows: IDataObject[]) {
	return await runWorkflow(startThen(nodes, { id: 'wf-booking-fields' }), {
		startItems: rows.map((json) => ({ json })),
		credentials: credentials(),
		mode: 'webhook',
	});
}

/** The jobs waiting in one of this test's streams, oldest first. */
async function waiting(kind: 'associations' | 'notes'): Promise<IDataObject[]> {
	const entries = await redis.xrange(stream(kind), '-', '+');
	return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('p') + 1]) as IDataObject);
}

/** What n8n's Webhook node outputs for a JSON POST, the secret header included. */
const webhookItem = (body: IDataObject) => ({
	headers: { 'content-type': 'application/json', 'x-webhook-secret': 'not-for-hubspot' },
	params: {},
	query: {},
	body,
	webhookUrl: 'http://localhost:5678/webhook/bookings',
	executionMode: 'production',
});

const BOOKING_NODES = [
	'Valid booking?',
	'Queue reachable?',
	'HubSpot: Create Booking',
	'Queue: booking → contact, exam',
	'Queue: timeline note',
];

describe('the shipped booking nodes in n8n-core', () => {
	it('a booking is checked, created with its templated name, and its three jobs queued from input fields; no expression is evaluated', async () => {
		const since = emulator.state.log.length;
		const result = await runChain(BOOKING_NODES.map(shippedNode), [
			webhookItem({
				contact_id: contacts[0],
				exam_id: Number(tickets[0]),
				exam_name: 'CPA Part 1',
				exam_date: '2026-12-01T18:00:00-05:00',
				dealname: 'set by the caller',
				amount: '1000000',
			}),
		]);
		expect(result.error).toBeUndefined();
		// No parameter is an expression, and HubSpot calls carry the token without one (the policy's
		// authHeaders, not the credential's declarative `authenticate`).
		expect(emulator.requests().filter((r) => r.seq > since).length).toBeGreaterThan(0);
		expect(evaluated).toEqual([]);
		// Only the four checked fields go on: no request header, and nothing a caller added.
		expect(result.json('Valid booking?')).toEqual([
			{
				contact_id: contacts[0],
				exam_id: Number(tickets[0]),
				exam_name: 'CPA Part 1',
				exam_date: '2026-12-01T18:00:00-05:00',
			},
		]);
		const [created] = result.json('Queue: timeline note');
		// Output ID Field: the new deal's ID comes out as booking_id, the name the reply uses.
		const dealId = String(created.booking_id);
		expect(dealId).toMatch(/^\d+$/);
		expect(created).toMatchObject({ status: 'created', queued: 'note', contact_id: contacts[0] });
		expect(created).not.toHaveProperty('hubspot_id');
		const deal = emulator.objects('deals').find((d) => d.id === dealId)!;
		expect(deal.properties.dealname).toBe('Booking: CPA Part 1 on 2026-12-01');
		expect(deal.properties.amount).toBeUndefined();
		// The booking's two associations went in one Redis call; the item names both jobs.
		expect(result.json('Queue: booking → contact, exam')[0].queue_ids).toHaveLength(2);
		expect(await waiting('associations')).toEqual([
			{
				fromType: 'deals',
				toType: 'contacts',
				mode: 'default',
				from: dealId,
				to: contacts[0],
				types: [],
			},
			{
				fromType: 'deals',
				toType: 'tickets',
				mode: 'default',
				from: dealId,
				to: tickets[0],
				types: [],
			},
		]);
		const [note] = await waiting('notes');
		expect(note).toEqual({
			properties: {
				hs_note_body: 'Booking created for CPA Part 1 on 2026-12-01',
				hs_timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
			},
			associations: [
				{
					to: { id: contacts[0] },
					types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }],
				},
			],
			key: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});
		// Queued at the time of the booking.
		expect(
			Math.abs(Date.parse(String((note.properties as IDataObject).hs_timestamp)) - Date.now()),
		).toBeLessThan(600000);
	});

	it('a bad request is refused by Valid booking? with its reason and field, before Redis or HubSpot is asked', async () => {
		const before = emulator.requests().length;
		const queued = await redis.xlen(stream('associations'));
		const good = {
			contact_id: contacts[1],
			exam_id: tickets[0],
			exam_name: 'X',
			exam_date: '2026-12-01',
		};
		const result = await runChain(
			[shippedNode('Valid booking?')],
			[
				webhookItem({ ...good, contact_id: 'abc' }),
				webhookItem({ ...good, exam_id: undefined }),
				webhookItem({ ...good, exam_name: ' ' }),
				webhookItem({ ...good, exam_date: 'soon' }),
				webhookItem({ ...good, exam_date: '2026-02-30' }),
				webhookItem(good),
			],
		);
		expect(evaluated).toEqual([]);
		const [passed, refused] = result.outputs('Valid booking?');
		expect(passed.map((i) => i.pairedItem)).toEqual([{ item: 5 }]);
		expect(
			refused.map((i) => [i.pairedItem, i.json.error, (i.json.details as IDataObject).error_field]),
		).toEqual([
			[{ item: 0 }, "Field 'contact_id': must be a HubSpot contact ID (digits)", 'contact_id'],
			[{ item: 1 }, "Field 'exam_id': must be a HubSpot record ID (digits)", 'exam_id'],
			[{ item: 2 }, "Field 'exam_name': missing", 'exam_name'],
			[{ item: 3 }, "Field 'exam_date': must be a date (YYYY-MM-DD)", 'exam_date'],
			[{ item: 4 }, "Field 'exam_date': must be a date (YYYY-MM-DD)", 'exam_date'],
		]);
		expect(emulator.requests().length).toBe(before);
		expect(await redis.xlen(stream('associations'))).toBe(queued);
	});
});

describe('the features on their own', () => {
	const queueNode = (parameters: IDataObject, name = 'Queue') =>
		hubSpotNode(
			{ resource: 'queue', operation: 'enqueue', queueName, ...parameters },
			{ id: name, name, redis: true, onError: 'continueErrorOutput' },
		);

	it('Enqueue from input fields refuses an item whose ID field is missing or not digits, naming that field; the others are queued', async () => {
		const before = await redis.xlen(stream('associations'));
		const result = await runChain(
			[
				queueNode({
					kind: 'association',
					source: 'inputFields',
					fromObjectType: 'deals',
					toObjectType: 'companies',
					fromIdField: 'deal.id',
					toIdField: 'company_id',
				}),
			],
			[
				{ deal: { id: 11 }, company_id: '21' },
				{ deal: {}, company_id: '22' },
				{ deal: { id: '13' }, company_id: 'x-23' },
			],
		);
		expect(evaluated).toEqual([]);
		const [ok, failed] = result.outputs('Queue');
		expect(ok.map((i) => [i.pairedItem, i.json.queued])).toEqual([[{ item: 0 }, 'association']]);
		expect(failed.map((i) => [i.pairedItem, i.json.error])).toEqual([
			[{ item: 1 }, "Field 'deal.id': missing; a HubSpot record ID is required"],
			[{ item: 2 }, 'Field \'company_id\': "x-23" is not a HubSpot record ID (digits only)'],
		]);
		expect(await redis.xlen(stream('associations'))).toBe(before + 1);
	});

	it('a labelled association from input fields keeps its type', async () => {
		const before = (await waiting('associations')).length;
		const result = await runChain(
			[
				queueNode({
					kind: 'association',
					source: 'inputFields',
					fromObjectType: 'contacts',
					toObjectType: 'companies',
					associationType: 'labelled',
					associationCategory: 'USER_DEFINED',
					associationTypeId: { mode: 'id', value: '7' },
					toIdField: 'company_id',
				}),
			],
			[{ hubspot_id: '31', company_id: '41' }],
		);
		expect(result.outputs('Queue')[0]).toHaveLength(1);
		expect((await waiting('associations')).slice(before)).toEqual([
			{
				fromType: 'contacts',
				toType: 'companies',
				mode: 'labelled',
				from: '31',
				to: '41',
				types: [{ associationCategory: 'USER_DEFINED', associationTypeId: 7 }],
			},
		]);
	});

	it('Also Associate With queues every association of an item, or none when one of its IDs is missing', async () => {
		const before = (await waiting('associations')).length;
		const result = await runChain(
			[
				queueNode({
					kind: 'association',
					source: 'inputFields',
					fromObjectType: 'deals',
					toObjectType: 'contacts',
					fromIdField: 'deal_id',
					toIdField: 'contact_id',
					moreTargets: {
						target: [
							{ objectType: 'tickets', idField: 'ticket_id' },
							{ objectType: 'companies', idField: 'company.id' },
						],
					},
				}),
			],
			[
				{ deal_id: '81', contact_id: '82', ticket_id: '83', company: { id: 84 } },
				{ deal_id: '91', contact_id: '92', company: { id: 94 } },
			],
		);
		expect(evaluated).toEqual([]);
		const [ok, failed] = result.outputs('Queue');
		expect(ok.map((i) => [i.pairedItem, (i.json.queue_ids as string[]).length])).toEqual([
			[{ item: 0 }, 3],
		]);
		expect(ok[0].json.queue_id).toBe((ok[0].json.queue_ids as string[])[0]);
		expect(failed.map((i) => [i.pairedItem, i.json.error])).toEqual([
			[{ item: 1 }, "Field 'ticket_id': missing; a HubSpot record ID is required"],
		]);
		expect(
			(await waiting('associations')).slice(before).map((j) => [j.toType, j.from, j.to, j.mode]),
		).toEqual([
			['contacts', '81', '82', 'default'],
			['tickets', '81', '83', 'default'],
			['companies', '81', '84', 'default'],
		]);
	});

	it('a note from input fields: its time and records from fields, and an item whose placeholder has no value is refused', async () => {
		const before = (await waiting('notes')).length;
		const result = await runChain(
			[
				queueNode({
					kind: 'note',
					source: 'inputFields',
					noteBody: '<b>{name}</b> registered for {event.title}',
					timestampField: 'at',
					contactIdField: '',
					recordFields: { record: [{ objectType: 'deals', idField: 'deal_id' }] },
				}),
			],
			[
				{ name: 'Ada', event: { title: 'Launch' }, at: '2026-03-01T10:00:00Z', deal_id: '51' },
				{ name: 'Bo', event: {}, at: '2026-03-01T10:00:00Z', deal_id: '52' },
				{ name: 'Cy', event: { title: 'Launch' }, at: 'yesterday', deal_id: '53' },
			],
		);
		const [ok, failed] = result.outputs('Queue');
		expect(ok).toHaveLength(1);
		expect(failed.map((i) => [i.pairedItem, i.json.error])).toEqual([
			[{ item: 1 }, "Field 'event.title': missing; the note body's {event.title} needs a value"],
			[
				{ item: 2 },
				'Field \'at\': "yesterday" is not a date and time (ISO 8601 or epoch milliseconds)',
			],
		]);
		expect((await waiting('notes')).slice(before)).toEqual([
			{
				properties: {
					hs_note_body: '<b>Ada</b> registered for Launch',
					hs_timestamp: '2026-03-01T10:00:00.000Z',
				},
				associations: [
					{
						to: { id: '51' },
						types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }],
					},
				],
				key: expect.any(String),
			},
		]);
	});

	it('an Enqueue saved before Take Values From existed still reads its ID parameters, expressions included', async () => {
		const before = (await waiting('associations')).length;
		const result = await runChain(
			[
				queueNode({
					kind: 'association',
					fromObjectType: 'deals',
					toObjectType: 'contacts',
					toId: '={{ $json.contact }}',
				}),
			],
			[{ hubspot_id: '61', contact: '71' }],
		);
		expect(result.outputs('Queue')[0]).toHaveLength(1);
		// From Record ID at its default, {{ $json.hubspot_id }}, and To Record ID as set.
		expect(evaluated).toEqual(['={{ $json.hubspot_id }}', '={{ $json.contact }}']);
		expect((await waiting('associations')).slice(before)).toEqual([
			expect.objectContaining({ from: '61', to: '71' }),
		]);
	});

	it('Property Templates: a template wins over a mapped field, one whose placeholder has no value refuses that item only', async () => {
		const before = emulator.objects('deals').length;
		const result = await runChain(
			[
				hubSpotNode(
					{
						resource: 'object',
						operation: 'batchCreate',
						objectType: 'deals',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: {
							propertyTemplates: {
								template: [
									{ property: 'dealname', text: '{who} – {what}' },
									{ property: 'amount', text: '{price}' },
								],
							},
						},
					},
					{ name: 'Create', onError: 'continueErrorOutput' },
				),
			],
			[
				{ who: 'Ada', what: 'Launch', price: 12.5, dealname: 'mapped' },
				{ who: 'Bo', price: 3 },
			],
		);
		expect(evaluated).toEqual([]);
		const [ok, failed] = result.outputs('Create');
		expect(ok).toHaveLength(1);
		const deal = emulator.objects('deals').find((d) => d.id === ok[0].json.hubspot_id)!;
		expect(deal.properties).toMatchObject({ dealname: 'Ada – Launch', amount: '12.5' });
		expect(failed.map((i) => [i.pairedItem, i.json.error])).toEqual([
			[{ item: 1 }, "Field 'what': missing; the template of property dealname needs a value"],
		]);
		expect(emulator.objects('deals')).toHaveLength(before + 1);
	});

	it('a template for a property the object type does not have fails the node before anything is written', async () => {
		const before = emulator.requests({ method: 'POST' }).length;
		const result = await runChain(
			[
				hubSpotNode(
					{
						resource: 'object',
						operation: 'batchCreate',
						objectType: 'deals',
						columns: { mappingMode: 'autoMapInputData', value: null },
						options: {
							propertyTemplates: { template: [{ property: 'no_such_prop', text: '{x}' }] },
						},
					},
					{ name: 'Create' },
				),
			],
			[{ x: '1', dealname: 'would be created' }],
		);
		expect(String(result.error?.message)).toBe(
			'Field \'propertyTemplates\': deals has no writable property "no_such_prop"',
		);
		expect(emulator.requests({ method: 'POST' })).toHaveLength(before);
	});

	it('Check › Input Fields without a rule fails the node instead of passing everything', async () => {
		const result = await runChain(
			[
				hubSpotNode(
					{ resource: 'queue', operation: 'check', check: 'fields' },
					{ name: 'Check', redis: true },
				),
			],
			[{ a: 1 }],
		);
		expect(String(result.error?.message)).toBe("Field 'rules': add at least one rule");
	});
});
