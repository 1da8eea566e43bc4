import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { searchEvents } from '../../nodes/Luma/v1/methods/listSearch';
import type { LumaEmulator, RequestLogEntry } from '../emulators/luma/server';
import { DEFAULT_API_KEY, startLumaEmulator } from '../emulators/luma/server';
import type { WorkflowJson } from '../harness/inProcess';
import {
	InMemoryProcessedDataStore,
	createLoadOptionsContext,
	registerNodeType,
	runWorkflow,
} from '../harness/inProcess';

const LUMA = 'n8n-nodes-marketing-ops.luma';

interface WorkflowOpts {
	items?: IDataObject[];
	continueOnFail?: boolean;
	id?: string;
}

function lumaWorkflow(parameters: INodeParameters, opts: WorkflowOpts = {}): WorkflowJson {
	return {
		id: opts.id ?? 'wf-luma',
		name: 'Luma test',
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				name: 'Luma',
				type: LUMA,
				typeVersion: 1,
				position: [220, 0],
				parameters,
				credentials: { lumaApi: { id: 'cred-1', name: 'Luma account' } },
				...(opts.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			},
		],
		connections: { Start: { main: [[{ node: 'Luma', type: 'main', index: 0 }]] } },
		pinData: opts.items ? { Start: opts.items.map((json) => ({ json })) } : undefined,
	};
}

const byId = (value: string) => ({ __rl: true, mode: 'id', value });

/** Largest number of log entries inside any `windowMs` span of server arrival times. */
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

function pairedIndexes(items: INodeExecutionData[]): number[] {
	return items.map((item) => {
		const paired = item.pairedItem;
		if (paired === undefined || typeof paired === 'number' || Array.isArray(paired)) {
			throw new Error(`unexpected pairedItem ${JSON.stringify(paired)}`);
		}
		return paired.item;
	});
}

describe('Luma node against the emulator (in-process n8n)', () => {
	let emulator: LumaEmulator;
	let credentials: { lumaApi: ICredentialDataDecryptedObject };

	beforeAll(async () => {
		emulator = await startLumaEmulator();
		// Trailing slash on purpose: the transport must strip it.
		credentials = { lumaApi: { apiKey: DEFAULT_API_KEY, baseUrl: `${emulator.url}/` } };
	});
	afterAll(async () => {
		await emulator.close();
	});
	beforeEach(() => emulator.reset());

	const run = async (parameters: INodeParameters, opts?: WorkflowOpts) =>
		await runWorkflow(lumaWorkflow(parameters, opts), { credentials });

	describe('Event', () => {
		it('Get by ID and by URL returns the event, paired to its input', async () => {
			const [event] = emulator.seed({ events: 2 }).events;
			const result = await run({ resource: 'event', operation: 'get', eventId: byId(event.id) });
			expect(result.error).toBeUndefined();
			const [items] = result.outputs('Luma');
			expect(items).toHaveLength(1);
			expect(items[0].json).toEqual(event);
			expect(items[0].pairedItem).toEqual({ item: 0 });

			const viaUrl = await run({
				resource: 'event',
				operation: 'get',
				eventId: { __rl: true, mode: 'url', value: `https://luma.com/event/manage/${event.id}` },
			});
			expect(viaUrl.json('Luma')[0].id).toBe(event.id);

			const log = emulator.requests({ path: '/v1/events/get' });
			expect(log).toHaveLength(2);
			expect(log[0].query).toEqual({ id: event.id });
			expect(log[0].keyFingerprint).not.toBeNull();
			expect(JSON.stringify(log)).not.toContain(DEFAULT_API_KEY);
		});

		it('Get of an unknown event fails at once with a clear message', async () => {
			const result = await run({ resource: 'event', operation: 'get', eventId: byId('evt-doesnotexist') });
			expect(result.status).toBe('error');
			expect(result.error?.message).toBe("Event 'evt-doesnotexist' not found");
			expect((result.error as unknown as IDataObject).httpCode).toBe('404');
			expect(emulator.requests({ path: '/v1/events/get' })).toHaveLength(1);
		});

		it('Get Many with Return All follows the cursor across every page', async () => {
			const { events } = emulator.seed({ events: 250 });
			const result = await run({ resource: 'event', operation: 'getMany', returnAll: true });
			expect(result.error).toBeUndefined();
			const [items] = result.outputs('Luma');
			expect(items).toHaveLength(250);
			expect(items.map((i) => i.json.id)).toEqual(events.map((e) => e.id));
			expect(new Set(pairedIndexes(items))).toEqual(new Set([0]));

			const pages = emulator.requests({ path: '/v1/calendars/events/list' });
			expect(pages).toHaveLength(3);
			expect(pages.map((p) => p.query.pagination_limit)).toEqual(['100', '100', '100']);
			expect(pages[0].query.pagination_cursor).toBeUndefined();
			const cursors = pages.slice(1).map((p) => p.query.pagination_cursor);
			expect(cursors.every((c) => typeof c === 'string' && c.length > 0)).toBe(true);
			expect(new Set(cursors).size).toBe(2);
			expect(pages.every((p) => p.status === 200)).toBe(true);
		});

		it('Get Many with a limit asks only for what it needs', async () => {
			emulator.seed({ events: 250 });
			const result = await run({ resource: 'event', operation: 'getMany', returnAll: false, limit: 120 });
			expect(result.json('Luma')).toHaveLength(120);
			const pages = emulator.requests({ path: '/v1/calendars/events/list' });
			expect(pages.map((p) => p.query.pagination_limit)).toEqual(['100', '20']);
		});

		it('Get Many passes the date filters through', async () => {
			emulator.seed({
				events: [
					{ name: 'Jan', start_at: '2031-01-15T17:00:00.000Z' },
					{ name: 'Feb', start_at: '2031-02-15T17:00:00.000Z' },
					{ name: 'Mar', start_at: '2031-03-15T17:00:00.000Z' },
				],
			});
			const result = await run({
				resource: 'event',
				operation: 'getMany',
				returnAll: true,
				filters: { after: '2031-02-01T00:00:00.000Z', before: '2031-03-01T00:00:00.000Z' },
			});
			expect(result.json('Luma').map((e) => e.name)).toEqual(['Feb']);
		});

		it('the event picker lists, filters and pages through events', async () => {
			emulator.seed({ events: 60 });
			emulator.seed({ events: [{ name: 'Quarterly Marketing Ops Summit' }] });
			const ctx = createLoadOptionsContext(
				lumaWorkflow({ resource: 'event', operation: 'get', eventId: { __rl: true, mode: 'list', value: '' } }),
				'Luma',
				{ credentials },
			);
			const first = await searchEvents.call(ctx);
			expect(first.results).toHaveLength(50);
			expect(first.paginationToken).toBeDefined();
			const second = await searchEvents.call(ctx, undefined, first.paginationToken as string);
			expect(second.results).toHaveLength(11);
			expect(second.paginationToken).toBeUndefined();
			const filtered = await searchEvents.call(ctx, 'summit', first.paginationToken as string);
			expect(filtered.results.map((r) => r.name)).toEqual([expect.stringContaining('Quarterly Marketing Ops Summit')]);
		});
	});

	describe('Guest', () => {
		it('Get finds a guest by ID and by email, one output per input item', async () => {
			const seeded = emulator.seed({ events: 1, guestsPerEvent: 5 });
			const event = seeded.events[0];
			const [g1, , g3] = seeded.guests[event.id];
			const result = await run(
				{ resource: 'guest', operation: 'get', eventId: byId(event.id), guestId: '={{ $json.lookup }}' },
				{ items: [{ lookup: g1.id }, { lookup: g3.user_email.toUpperCase() }] },
			);
			expect(result.error).toBeUndefined();
			const [items] = result.outputs('Luma');
			expect(items.map((i) => i.json)).toEqual([g1, g3].map((g) => ({ ...g, event_id: event.id })));
			expect(pairedIndexes(items)).toEqual([0, 1]);
			expect(emulator.requests({ path: '/v1/events/guests/get' }).map((r) => r.query.id)).toEqual([
				g1.id,
				g3.user_email.toUpperCase(),
			]);
		});

		it('Get of an unknown guest names the guest and the event', async () => {
			const { events } = emulator.seed({ events: 1 });
			const result = await run({
				resource: 'guest',
				operation: 'get',
				eventId: byId(events[0].id),
				guestId: 'nobody@example.com',
			});
			expect(result.error?.message).toBe(`Guest 'nobody@example.com' not found in event '${events[0].id}'`);
		});

		it('Get Many with Return All pages through every guest', async () => {
			const seeded = emulator.seed({ events: 1, guestsPerEvent: 230 });
			const event = seeded.events[0];
			const result = await run({ resource: 'guest', operation: 'getMany', eventId: byId(event.id), returnAll: true });
			const [items] = result.outputs('Luma');
			expect(items).toHaveLength(230);
			expect(items.map((i) => i.json.id)).toEqual(seeded.guests[event.id].map((g) => g.id));
			expect(new Set(items.map((i) => i.json.event_id))).toEqual(new Set([event.id]));
			const pages = emulator.requests({ path: '/v1/events/guests/list' });
			expect(pages).toHaveLength(3);
			expect(pages.every((p) => p.query.event_id === event.id)).toBe(true);
		});

		it('Get Many honours the limit and the approval status filter', async () => {
			const { events } = emulator.seed({ events: 1 });
			const eventId = events[0].id;
			emulator.seed({
				guests: {
					[eventId]: [
						...Array.from({ length: 40 }, () => ({ approval_status: 'approved' })),
						...Array.from({ length: 7 }, () => ({ approval_status: 'waitlist' })),
					],
				},
			});
			const limited = await run({
				resource: 'guest',
				operation: 'getMany',
				eventId: byId(eventId),
				returnAll: false,
				limit: 30,
			});
			expect(limited.json('Luma')).toHaveLength(30);
			expect(emulator.requests({ path: '/v1/events/guests/list' })[0].query.pagination_limit).toBe('30');

			const waitlist = await run({
				resource: 'guest',
				operation: 'getMany',
				eventId: byId(eventId),
				returnAll: true,
				filters: { approvalStatus: 'waitlist' },
			});
			const statuses = waitlist.json('Luma').map((g) => g.approval_status);
			expect(statuses).toEqual(Array(7).fill('waitlist'));
		});
	});

	describe('Webhook', () => {
		it('Create, List and Delete; the signing secret stays out of the output by default', async () => {
			const created = await run({
				resource: 'webhook',
				operation: 'create',
				url: 'https://n8n.example.com/webhook/luma',
				eventTypes: ['guest.registered', 'guest.updated'],
			});
			expect(created.error).toBeUndefined();
			const [hook] = created.json('Luma');
			expect(hook).toMatchObject({
				url: 'https://n8n.example.com/webhook/luma',
				event_types: ['guest.registered', 'guest.updated'],
				status: 'active',
			});
			expect(hook).not.toHaveProperty('secret');
			const stored = emulator.state.webhooks.get(String(hook.id));
			expect(stored?.secret).toMatch(/^whsec_/);
			expect(JSON.stringify(created.run)).not.toContain(stored?.secret);
			expect(JSON.parse(emulator.requests({ path: '/v2/webhooks/create' })[0].body ?? '{}')).toEqual({
				url: 'https://n8n.example.com/webhook/luma',
				event_types: ['guest.registered', 'guest.updated'],
			});

			const withSecret = await run({
				resource: 'webhook',
				operation: 'create',
				url: 'https://n8n.example.com/webhook/other',
				eventTypes: ['*'],
				options: { includeSigningSecret: true },
			});
			const [second] = withSecret.json('Luma');
			expect(second.secret).toBe(emulator.state.webhooks.get(String(second.id))?.secret);

			const listed = await run({ resource: 'webhook', operation: 'list', returnAll: true });
			expect(listed.json('Luma').map((w) => w.id).sort()).toEqual([hook.id, second.id].sort());
			expect(listed.json('Luma').every((w) => w.secret === undefined)).toBe(true);

			const deleted = await run({ resource: 'webhook', operation: 'delete', webhookId: String(hook.id) });
			expect(deleted.json('Luma')).toEqual([{ id: hook.id, deleted: true }]);
			expect([...emulator.state.webhooks.keys()]).toEqual([second.id]);

			const again = await run({ resource: 'webhook', operation: 'delete', webhookId: String(hook.id) });
			expect(again.error?.message).toBe(`Webhook '${hook.id}' not found`);
		});

		it('an empty Event Types selection never reaches Luma', async () => {
			// Statically empty: n8n's own parameter validation stops the run.
			await expect(
				run({ resource: 'webhook', operation: 'create', url: 'https://n8n.example.com/webhook/luma', eventTypes: [] }),
			).rejects.toThrow(/Event Types.*required/);
			// Empty via an expression: the node's own check.
			const result = await run({
				resource: 'webhook',
				operation: 'create',
				url: 'https://n8n.example.com/webhook/luma',
				eventTypes: '={{ [] }}',
			});
			expect(result.error?.message).toBe('Select at least one event type');
			expect(emulator.requests()).toHaveLength(0);
		});
	});

	describe('errors and resilience', () => {
		it('a revoked key fails with a clear 401 message that never contains the key', async () => {
			const { events } = emulator.seed({ events: 1 });
			emulator.setFaults({ revokedKeys: [DEFAULT_API_KEY] });
			const result = await run({ resource: 'event', operation: 'get', eventId: byId(events[0].id) });
			expect(result.status).toBe('error');
			expect(result.error?.message).toBe('Luma rejected the API key (401)');
			expect(result.error?.description).toMatch(/revoked/);
			expect(JSON.stringify(result.run)).not.toContain(DEFAULT_API_KEY);
			// 4xx other than 429 is not retried.
			expect(emulator.requests()).toHaveLength(1);
		});

		it('with Continue On Fail the error becomes an output item paired to its input', async () => {
			const { events } = emulator.seed({ events: 1 });
			emulator.setFaults({ revokedKeys: [DEFAULT_API_KEY] });
			const result = await run(
				{ resource: 'event', operation: 'get', eventId: byId(events[0].id) },
				{ items: [{ n: 1 }, { n: 2 }], continueOnFail: true },
			);
			expect(result.status).toBe('success');
			const [items] = result.outputs('Luma');
			expect(items).toHaveLength(2);
			expect(items.map((i) => i.json.error)).toEqual([
				'Luma rejected the API key (401)',
				'Luma rejected the API key (401)',
			]);
			expect(items.every((i) => i.json.httpCode === '401')).toBe(true);
			expect(pairedIndexes(items)).toEqual([0, 1]);
		});

		it('Continue On Fail keeps good items flowing next to failed ones', async () => {
			const { events } = emulator.seed({ events: 1 });
			const result = await run(
				{ resource: 'event', operation: 'get', eventId: byId('={{ $json.id }}') },
				{ items: [{ id: events[0].id }, { id: 'evt-missing' }], continueOnFail: true },
			);
			const [items] = result.outputs('Luma');
			expect(items[0].json.id).toBe(events[0].id);
			expect(items[1].json.error).toBe("Event 'evt-missing' not found");
			expect(pairedIndexes(items)).toEqual([0, 1]);
		});

		it('two forced 429s: succeeds, retries spaced by Retry-After', async () => {
			const { events } = emulator.seed({ events: 1 });
			emulator.setFaults({ force429: 2, retryAfterSeconds: 1 });
			const result = await run({ resource: 'event', operation: 'get', eventId: byId(events[0].id) });
			expect(result.error).toBeUndefined();
			expect(result.json('Luma')[0].id).toBe(events[0].id);
			const log = emulator.requests({ path: '/v1/events/get' });
			expect(log.map((e) => e.status)).toEqual([429, 429, 200]);
			expect(log[1].time - log[0].time).toBeGreaterThanOrEqual(990);
			expect(log[2].time - log[1].time).toBeGreaterThanOrEqual(990);
		});

		it('forced 5xx: retries with backoff, then succeeds', async () => {
			const { events } = emulator.seed({ events: 1 });
			emulator.setFaults({ force5xx: 2 });
			const result = await run({ resource: 'event', operation: 'get', eventId: byId(events[0].id) });
			expect(result.error).toBeUndefined();
			expect(emulator.requests({ path: '/v1/events/get' }).map((e) => e.status)).toEqual([500, 500, 200]);
		});

		it('a dropped connection is retried', async () => {
			const { events } = emulator.seed({ events: 1 });
			emulator.setFaults({ dropConnections: 1 });
			const result = await run({ resource: 'event', operation: 'get', eventId: byId(events[0].id) });
			expect(result.error).toBeUndefined();
			const log = emulator.requests({ path: '/v1/events/get' });
			expect(log.map((e) => Boolean(e.dropped))).toEqual([true, false]);
		});

		it('gives up after 5 attempts of 5xx with a message that says so', async () => {
			const { events } = emulator.seed({ events: 1 });
			emulator.setFaults({ force5xx: 10, status5xx: 503 });
			const result = await run({ resource: 'event', operation: 'get', eventId: byId(events[0].id) });
			expect(result.error?.message).toBe('Luma server error (503) after 5 attempt(s)');
			expect(emulator.requests()).toHaveLength(5);
		}, 30_000);
	});

	describe('rate limiting', () => {
		let limited: LumaEmulator;
		beforeAll(async () => {
			limited = await startLumaEmulator({ rateLimitPerMinute: 20, windowMs: 1000 });
		});
		afterAll(async () => {
			await limited.close();
		});

		it('a burst of 250 calls from 5 parallel executions never trips a 20/s limit', async () => {
			const { events } = limited.seed({ events: 1 });
			const creds = { lumaApi: { apiKey: DEFAULT_API_KEY, baseUrl: limited.url } };
			const parameters: INodeParameters = {
				resource: 'event',
				operation: 'get',
				eventId: byId(events[0].id),
				options: { maxRequestsPerMinute: 20, rateLimitWindowSeconds: 1 },
			};
			const items = Array.from({ length: 50 }, (_, n) => ({ n }));
			const results = await Promise.all(
				Array.from({ length: 5 }, async (_, w) =>
					await runWorkflow(lumaWorkflow(parameters, { items, id: `wf-burst-${w}` }), { credentials: creds }),
				),
			);
			for (const result of results) {
				expect(result.error).toBeUndefined();
				expect(result.json('Luma')).toHaveLength(50);
			}
			const log = limited.requests();
			expect(log).toHaveLength(250);
			expect(log.filter((e) => e.status === 429)).toHaveLength(0);
			expect(log.every((e) => e.status === 200)).toBe(true);
			expect(maxInAnyWindow(log, 1000)).toBeLessThanOrEqual(20);
		}, 60_000);
	});

	describe('harness: registered node types and deduplication', () => {
		/** Minimal node that keeps only values it has not seen before (node scope). */
		class SeenFilter implements INodeType {
			description: INodeTypeDescription = {
				displayName: 'Seen Filter',
				name: 'seenFilter',
				group: ['transform'],
				version: 1,
				description: 'test node',
				defaults: { name: 'Seen Filter' },
				inputs: [NodeConnectionTypes.Main],
				outputs: [NodeConnectionTypes.Main],
				properties: [],
			};

			async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
				const items = this.getInputData();
				const keys = items.map((i) => String(i.json.key));
				const { new: fresh } = await this.helpers.checkProcessedAndRecord(keys, 'node', {
					mode: 'entries',
					maxEntries: 3,
				});
				return [items.filter((i) => fresh.includes(String(i.json.key)))];
			}
		}

		const dedupeWorkflow = (keys: string[]): WorkflowJson => ({
			id: 'wf-dedupe',
			nodes: [
				{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{ name: 'Seen', type: 'test.seenFilter', typeVersion: 1, position: [200, 0], parameters: {} },
			],
			connections: { Start: { main: [[{ node: 'Seen', type: 'main', index: 0 }]] } },
			pinData: { Start: keys.map((key) => ({ json: { key } })) },
		});

		it('checkProcessedAndRecord works in-process and persists across runs of one workflow', async () => {
			registerNodeType('test.seenFilter', new SeenFilter());
			const store = new InMemoryProcessedDataStore();
			const keysOf = async (keys: string[]) =>
				(await runWorkflow(dedupeWorkflow(keys), { processedDataStore: store })).json('Seen').map((j) => j.key);

			expect(await keysOf(['a', 'b'])).toEqual(['a', 'b']);
			expect(await keysOf(['a', 'b', 'c'])).toEqual(['c']);
			// maxEntries 3: adding d evicts a, the oldest.
			expect(await keysOf(['d'])).toEqual(['d']);
			expect(store.get('wf-dedupe', 'node', 'harness-Seen')?.data).toEqual(['b', 'c', 'd']);
			expect(await keysOf(['a', 'd'])).toEqual(['a']);

			// A different store is a clean slate.
			const other = await runWorkflow(dedupeWorkflow(['a', 'b']), { processedDataStore: new InMemoryProcessedDataStore() });
			expect(other.json('Seen').map((j) => j.key)).toEqual(['a', 'b']);

			// startItems feeds the start node directly (no pin data).
			const fed = await runWorkflow(
				{ ...dedupeWorkflow([]), pinData: undefined },
				{ processedDataStore: new InMemoryProcessedDataStore(), startItems: [{ json: { key: 'x' } }] },
			);
			expect(fed.json('Seen')).toEqual([{ key: 'x' }]);
			expect(fed.executionOrder).toEqual(['Start', 'Seen']);
		});
	});
});
