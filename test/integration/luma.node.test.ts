import { HookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameterResourceLocator,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
	IWebhookData,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { NodeConnectionTypes, Workflow } from 'n8n-workflow';

import { Luma } from '../../nodes/Luma/Luma.node';
import { searchEvents, searchWebhooks } from '../../nodes/Luma/v1/methods/listSearch';
import { LumaTrigger } from '../../nodes/LumaTrigger/LumaTrigger.node';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import type { LumaEmulator } from '../emulators/luma/server';
import { DEFAULT_API_KEY, startLumaEmulator } from '../emulators/luma/server';
import type { WorkflowJson } from '../harness/inProcess';
import {
	InMemoryProcessedDataStore,
	MapCredentialsHelper,
	createLoadOptionsContext,
	registerNodeType,
	runWorkflow,
	startThen,
} from '../harness/inProcess';

const LUMA = 'n8n-nodes-marketing-ops.luma';

interface WorkflowOpts {
	items?: IDataObject[];
	continueOnFail?: boolean;
	id?: string;
	typeVersion?: number;
}

function lumaWorkflow(parameters: INodeParameters, opts: WorkflowOpts = {}): WorkflowJson {
	return startThen(
		{
			name: 'Luma',
			type: LUMA,
			parameters,
			credentials: { lumaApi: { id: 'cred-1', name: 'Luma account' } },
			onError: opts.continueOnFail ? 'continueRegularOutput' : undefined,
			typeVersion: opts.typeVersion,
		},
		{ id: opts.id ?? 'wf-luma', name: 'Luma test', pinnedItems: opts.items },
	);
}

const byId = (value: string) => ({ __rl: true as const, mode: 'id', value });

const HOOK_BASE_URL = 'http://localhost:5678/webhook';

/** The Luma Trigger's activation hooks, run in n8n-core's own HookContext (as n8n does on publish). */
function triggerActivation(credentials: ICredentialDataDecryptedObject) {
	// Version 1 (a full path of the user's choosing): existing workflows keep it.
	const trigger = new LumaTrigger().getNodeType(1);
	const hooks = trigger.webhookMethods!.default!;
	const node: INode = {
		id: 'luma-trigger',
		name: 'Luma Trigger',
		type: 'n8n-nodes-marketing-ops.lumaTrigger',
		typeVersion: 1,
		position: [0, 0],
		webhookId: 'hook-1',
		parameters: { path: 'luma-activation', registration: 'automatic', events: ['guest.registered'], options: {} },
		credentials: { lumaApi: { id: 'cred-1', name: 'Luma account' } },
	};
	const workflow = new Workflow({
		id: 'wf-trigger',
		nodes: [node],
		connections: {},
		active: true,
		staticData: {},
		nodeTypes: {
			getByName: () => trigger,
			getByNameAndVersion: () => trigger,
			getKnownTypes: () => ({}),
		},
	});
	const additionalData = {
		credentialsHelper: new MapCredentialsHelper({ lumaApi: credentials }),
		webhookBaseUrl: HOOK_BASE_URL,
		webhookTestBaseUrl: `${HOOK_BASE_URL}-test`,
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
	const webhookData = {
		httpMethod: 'POST',
		node: node.name,
		path: 'luma-activation',
		webhookDescription: trigger.description.webhooks![0],
		workflowId: 'wf-trigger',
		workflowExecuteAdditionalData: additionalData,
		webhookId: 'hook-1',
	} as IWebhookData;
	const ctx = new HookContext(workflow, workflow.getNode(node.name)!, additionalData, 'trigger', 'activate', webhookData);
	return {
		url: `${HOOK_BASE_URL}/luma-activation`,
		create: async () => await hooks.create!.call(ctx),
		delete: async () => await hooks.delete!.call(ctx),
		stored: () => ctx.getWorkflowStaticData('node'),
	};
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

	describe('Webhook picker and Delete (version 2)', () => {
		const seedHooks = (n: number, eventTypes = ['guest.registered']) =>
			emulator.seed({
				webhooks: Array.from({ length: n }, (_, i) => ({ url: `https://n8n.example.com/webhook/hook-${i}`, event_types: eventTypes })),
			}).webhooks;
		const picker = () =>
			createLoadOptionsContext(
				lumaWorkflow({ resource: 'webhook', operation: 'delete', webhookId: { __rl: true, mode: 'list', value: '' } }, { typeVersion: 2 }),
				'Luma',
				{ credentials },
			);
		const deleteV2 = async (webhookId: INodeParameterResourceLocator, opts: WorkflowOpts = {}) =>
			await run({ resource: 'webhook', operation: 'delete', webhookId }, { ...opts, typeVersion: 2 });

		it('the picker lists every webhook by URL and event types, one Luma page at a time', async () => {
			const hooks = seedHooks(54);
			const [crm] = emulator.seed({
				webhooks: [{ url: 'https://crm.example.org/luma-sync', event_types: ['guest.updated', 'event.created'] }],
			}).webhooks;
			const ctx = picker();
			const first = await searchWebhooks.call(ctx);
			expect(first.results).toHaveLength(50);
			expect(first.results[0]).toEqual({ name: 'https://n8n.example.com/webhook/hook-0 (guest.registered)', value: hooks[0].id });
			expect(first.paginationToken).toEqual(expect.any(String));
			const second = await searchWebhooks.call(ctx, undefined, first.paginationToken as string);
			expect(second.paginationToken).toBeUndefined();
			expect([...first.results, ...second.results].map((r) => r.value)).toEqual([...hooks, crm].map((h) => h.id));
			expect(second.results.at(-1)).toEqual({
				name: 'https://crm.example.org/luma-sync (guest.updated, event.created)',
				value: crm.id,
			});
			// The cursor Luma gave is the one sent back; the signing secrets never reach the picker.
			const pages = emulator.requests({ path: '/v1/webhooks/list' });
			expect(pages.map((p) => p.query.pagination_cursor)).toEqual([undefined, first.paginationToken]);
			expect(JSON.stringify([first, second])).not.toContain('whsec_');
		});

		it('the picker filters on the URL, an event type or the exact ID', async () => {
			const hooks = seedHooks(3);
			const [crm] = emulator.seed({
				webhooks: [{ url: 'https://crm.example.org/luma-sync', event_types: ['guest.updated', 'event.created'] }],
			}).webhooks;
			const ctx = picker();
			const values = async (filter: string) => (await searchWebhooks.call(ctx, filter)).results.map((r) => r.value);
			expect(await values('CRM.example')).toEqual([crm.id]);
			expect(await values('event.created')).toEqual([crm.id]);
			expect(await values('guest.registered')).toEqual(hooks.map((h) => h.id));
			expect(await values(` ${hooks[1].id.toUpperCase()} `)).toEqual([hooks[1].id]);
			// Part of an ID is not a match: the ID filter is for pasting one.
			expect(await values(hooks[1].id.slice(0, 8))).toEqual([]);
		});

		it('Delete takes the webhook picked from the list or typed by ID, and only that one', async () => {
			const [a, b, c] = seedHooks(3);
			const picked = await deleteV2({ __rl: true, mode: 'list', value: a.id, cachedResultName: a.url });
			expect(picked.error).toBeUndefined();
			expect(picked.json('Luma')).toEqual([{ id: a.id, deleted: true }]);
			const typed = await deleteV2(byId(` ${b.id} `));
			expect(typed.json('Luma')).toEqual([{ id: b.id, deleted: true }]);
			expect([...emulator.state.webhooks.keys()]).toEqual([c.id]);
			const sent = emulator.requests({ path: '/v1/webhooks/delete' }).map((r) => JSON.parse(r.body ?? '{}'));
			expect(sent).toEqual([{ id: a.id }, { id: b.id }]);
		});

		const BAD_IDS = [
			['another kind of Luma ID', 'evt-AbC123'],
			['a slash', 'whk-AbC123/../whk-Other'],
			['dots only', '..'],
			['a query string', 'whk-AbC123?calendar=other'],
		];

		it.each(BAD_IDS)('Delete refuses a typed ID with %s before any request (the field\'s own check)', async (_kind, id) => {
			const [kept] = seedHooks(1);
			await expect(deleteV2(byId(id))).rejects.toThrow('Not a valid Luma webhook ID (it starts with "whk-")');
			expect(emulator.requests()).toHaveLength(0);
			expect([...emulator.state.webhooks.keys()]).toEqual([kept.id]);
		});

		it('an ID from an expression is checked when the node runs: each bad one reported on its item, the good one deleted', async () => {
			const [a, kept] = seedHooks(2);
			const result = await deleteV2(byId('={{ $json.hook }}'), {
				items: [...BAD_IDS.map(([, hook]) => ({ hook })), { hook: a.id }],
				continueOnFail: true,
			});
			const [items] = result.outputs('Luma');
			expect(items.map((i) => i.json)).toEqual([
				...BAD_IDS.map(([, id]) => ({ error: `Webhook ID "${id}" is not a valid id (expected ^whk-[A-Za-z0-9]+$)` })),
				{ id: a.id, deleted: true },
			]);
			expect(pairedIndexes(items)).toEqual([0, 1, 2, 3, 4]);
			expect(emulator.requests({ path: '/v1/webhooks/delete' }).map((r) => JSON.parse(r.body ?? '{}'))).toEqual([{ id: a.id }]);
			expect([...emulator.state.webhooks.keys()]).toEqual([kept.id]);
		});

		it('version 1 (a typed Webhook ID) is held to the same format', async () => {
			const result = await run({ resource: 'webhook', operation: 'delete', webhookId: '../whk-AbC123' });
			expect(result.error?.message).toMatch(/^Webhook ID "\.\.\/whk-AbC123" is not a valid id/);
			expect(emulator.requests()).toHaveLength(0);
		});
	});

	describe("as an AI agent's tool: List only", () => {
		const LUMA_TOOL = `${LUMA}Tool`;

		/** The Luma node as n8n offers it to an agent: type `…lumaTool`, its one output an ai_tool connection. */
		function lumaAsTool(): INodeType {
			const node = new Luma().getNodeType(2);
			expect(node.description.usableAsTool).toBe(true);
			return Object.create(node, {
				description: {
					value: {
						...node.description,
						name: 'lumaTool',
						displayName: 'Luma Tool',
						inputs: [],
						outputs: [NodeConnectionTypes.AiTool],
					},
				},
			}) as INodeType;
		}

		/** Stands in for the AI Agent: takes its tools from n8n-core (createNodeAsTool) and calls each once. */
		class ToolCaller implements INodeType {
			description: INodeTypeDescription = {
				displayName: 'Tool Caller',
				name: 'toolCaller',
				group: ['transform'],
				version: 1,
				description: 'test node',
				defaults: { name: 'Agent' },
				inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tools' }],
				outputs: [NodeConnectionTypes.Main],
				properties: [],
			};

			async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
				const tools = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as Array<{
					invoke(input: IDataObject): Promise<string>;
				}>;
				const out: INodeExecutionData[] = [];
				for (const tool of tools) {
					try {
						out.push({ json: { result: JSON.parse(await tool.invoke({})) as IDataObject } });
					} catch (error) {
						out.push({ json: { error: (error as Error).message } });
					}
				}
				return [out];
			}
		}

		const callAsTool = async (parameters: INodeParameters) =>
			await runWorkflow(
				{
					id: 'wf-luma-agent',
					nodes: [
						{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
						{ id: 'agent', name: 'Agent', type: 'test.toolCaller', typeVersion: 1, position: [200, 0], parameters: {} },
						{
							id: 'luma-tool',
							name: 'Luma Tool',
							type: LUMA_TOOL,
							typeVersion: 2,
							position: [200, 200],
							parameters,
							credentials: { lumaApi: { id: 'cred-1', name: 'Luma account' } },
						},
					],
					connections: {
						Start: { main: [[{ node: 'Agent', type: NodeConnectionTypes.Main, index: 0 }]] },
						'Luma Tool': { ai_tool: [[{ node: 'Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] },
					},
				},
				{ credentials, startNode: 'Start', nodeTypes: { [LUMA_TOOL]: lumaAsTool(), 'test.toolCaller': new ToolCaller() } },
			);

		it('List works from a tool node', async () => {
			const hooks = emulator.seed({
				webhooks: [{ url: 'https://n8n.example.com/webhook/a', event_types: ['guest.registered'] }],
			}).webhooks;
			const result = await callAsTool({ resource: 'webhook', operation: 'list', returnAll: true });
			expect(result.error).toBeUndefined();
			const [answer] = result.json('Agent');
			expect(answer.error).toBeUndefined();
			expect(JSON.stringify(answer.result)).toContain(hooks[0].id);
		});

		it('Create is refused from a tool node: nothing reaches Luma', async () => {
			const result = await callAsTool({
				resource: 'webhook',
				operation: 'create',
				url: 'https://attacker.example.com/collect',
				eventTypes: ['*'],
			});
			expect(result.json('Agent')).toEqual([{ error: expect.stringContaining('Creating a Luma webhook is not available to an AI agent') }]);
			expect(emulator.requests()).toHaveLength(0);
			expect(emulator.state.webhooks.size).toBe(0);
		});

		it('Delete is refused from a tool node: the webhook stays', async () => {
			const [hook] = emulator.seed({
				webhooks: [{ url: 'https://n8n.example.com/webhook/a', event_types: ['guest.registered'] }],
			}).webhooks;
			const result = await callAsTool({ resource: 'webhook', operation: 'delete', webhookId: byId(hook.id) });
			expect(result.json('Agent')).toEqual([{ error: expect.stringContaining('Deleting a Luma webhook is not available to an AI agent') }]);
			expect(emulator.requests()).toHaveLength(0);
			expect([...emulator.state.webhooks.keys()]).toEqual([hook.id]);
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
			expect(result.error?.message).toBe('Luma server error 503 after 5 tries: Internal server error');
			expect(emulator.requests()).toHaveLength(5);
		}, 30_000);
	});

	describe('webhook creates are never sent twice, and no call waits forever', () => {
		const createHook = async (creds = credentials) =>
			await runWorkflow(
				lumaWorkflow({
					resource: 'webhook',
					operation: 'create',
					url: 'https://n8n.example.com/webhook/luma',
					eventTypes: ['guest.registered'],
				}),
				{ credentials: creds },
			);

		it('Webhook › Create that meets a 5xx after Luma made the webhook: reported, not sent again', async () => {
			emulator.setFaults({ force5xxAfterApply: 1, status5xx: 502 });
			const result = await createHook();
			expect(emulator.requests({ path: '/v2/webhooks/create' })).toHaveLength(1);
			expect(emulator.state.webhooks.size).toBe(1);
			expect(result.error?.message).toMatch(/^Luma server error 502 .*may still have been applied/);
		});

		it('Webhook › Create that gets no answer: times out, reported, not sent again', async () => {
			emulator.setFaults({ hang: 1 });
			const result = await createHook({ lumaApi: { ...credentials.lumaApi, timeoutSeconds: 1 } });
			expect(result.error?.message).toBe(
				'Luma did not answer within 1000 ms (tried once and not retried: it may still have been applied)',
			);
			expect(emulator.requests({ path: '/v2/webhooks/create' })).toHaveLength(1);
			expect(emulator.state.webhooks.size).toBe(1);
		}, 20_000);

		it('a read that gets no answer times out and is tried again, instead of hanging forever', async () => {
			const [event] = emulator.seed({ events: 1 }).events;
			emulator.setFaults({ hang: 1 });
			const result = await runWorkflow(
				lumaWorkflow({ resource: 'event', operation: 'get', eventId: byId(event.id) }),
				{ credentials: { lumaApi: { ...credentials.lumaApi, timeoutSeconds: 1 } } },
			);
			expect(result.error).toBeUndefined();
			expect(result.json('Luma')[0].id).toBe(event.id);
			const log = emulator.requests({ path: '/v1/events/get' });
			expect(log.map((e) => Boolean(e.hung))).toEqual([true, false]);
		}, 20_000);
	});

	describe('rate limiting: the budget is the credential\'s', () => {
		let limited: LumaEmulator;
		beforeAll(async () => {
			limited = await startLumaEmulator({ rateLimitPerMinute: 50 });
		});
		afterAll(async () => {
			await limited.close();
		});
		beforeEach(() => {
			limited.reset();
			// Each test starts with the key's minute unspent, as a fresh n8n process would.
			resetRateLimiters();
		});

		it('5 parallel executions share the Requests per Minute of the credential: no 429', async () => {
			const { events } = limited.seed({ events: 1 });
			const creds = { lumaApi: { apiKey: DEFAULT_API_KEY, baseUrl: limited.url, requestsPerMinute: 50 } };
			const items = Array.from({ length: 10 }, (_, n) => ({ n }));
			const results = await Promise.all(
				Array.from({ length: 5 }, async (_, w) =>
					await runWorkflow(
						lumaWorkflow({ resource: 'event', operation: 'get', eventId: byId(events[0].id) }, { items, id: `wf-burst-${w}` }),
						{ credentials: creds },
					),
				),
			);
			for (const result of results) expect(result.json('Luma')).toHaveLength(10);
			expect(limited.requests().map((e) => e.status)).toEqual(Array(50).fill(200));
		}, 60_000);

		it('two Luma nodes with different settings no longer overwrite the shared limiter', async () => {
			// Workflows saved before the move still carry the old per-node options: one node asks for 1 call
			// a minute, the other for 200, and each used to reset the key's one limiter to its own figure
			// (the first node's third call always met a limiter set back to 1 a minute). The credential's
			// 50 per minute now holds for both.
			const { events } = limited.seed({ events: 1 });
			const creds = { lumaApi: { apiKey: DEFAULT_API_KEY, baseUrl: limited.url, requestsPerMinute: 50 } };
			const node = (maxRequestsPerMinute: number, count: number, id: string) =>
				runWorkflow(
					lumaWorkflow(
						{ resource: 'event', operation: 'get', eventId: byId(events[0].id), options: { maxRequestsPerMinute } },
						{ items: Array.from({ length: count }, (_, n) => ({ n })), id },
					),
					{ credentials: creds },
				);
			const [slow, fast] = await Promise.all([node(1, 3, 'wf-setting-1'), node(200, 1, 'wf-setting-200')]);
			expect(slow.json('Luma')).toHaveLength(3);
			expect(fast.json('Luma')).toHaveLength(1);
			expect(limited.requests().map((e) => e.status)).toEqual(Array(4).fill(200));
		}, 20_000);
	});

	describe('Luma Trigger activation (Register Automatically)', () => {
		beforeAll(() => {
			// Sets up n8n-core's container, as every harness run does.
			createLoadOptionsContext(lumaWorkflow({ resource: 'event', operation: 'getMany' }), 'Luma', { credentials });
		});

		const hooksFor = (url: string) => [...emulator.state.webhooks.values()].filter((h) => h.url === url);

		it.each([
			['meets a 502 after Luma made the webhook', { force5xxAfterApply: 1, status5xx: 502 }],
			['gets no answer (timeout) after Luma made the webhook', { hang: 1 }],
		])('a create that %s: Luma is asked first, and one webhook remains, whose secret the trigger holds', async (_name, fault) => {
			const activation = triggerActivation({ ...credentials.lumaApi, timeoutSeconds: 1 });
			emulator.setFaults(fault);
			expect(await activation.create()).toBe(true);
			const hooks = hooksFor(activation.url);
			expect(hooks).toHaveLength(1);
			// Luma tells a webhook's secret only in the create's answer: the one made unseen was replaced.
			expect(activation.stored()).toMatchObject({ webhookId: hooks[0].id, webhookSecret: hooks[0].secret });
			expect(emulator.requests().map((e) => `${e.method} ${e.path}`)).toEqual([
				'POST /v2/webhooks/create',
				'GET /v1/webhooks/list',
				'GET /v2/webhooks/get',
				'POST /v1/webhooks/delete',
				'POST /v2/webhooks/create',
			]);
		}, 20_000);

		it('a create Luma refused before making anything still fails the activation', async () => {
			const activation = triggerActivation(credentials.lumaApi);
			emulator.setFaults({ force5xx: 1, status5xx: 503 });
			await expect(activation.create()).rejects.toThrow(/Luma server error 503/);
			expect(hooksFor(activation.url)).toHaveLength(0);
			expect(emulator.requests({ path: '/v2/webhooks/create' })).toHaveLength(1);
		});

		it('a delete that fails with a 500 says which Luma webhook is left to delete, and keeps it', async () => {
			const activation = triggerActivation(credentials.lumaApi);
			expect(await activation.create()).toBe(true);
			const [hook] = hooksFor(activation.url);
			emulator.setFaults({ force5xx: 10, status5xx: 500 });
			await expect(activation.delete()).rejects.toThrow(
				`Could not delete the Luma webhook ${hook.id}: Luma server error 500 after 5 tries`,
			);
			expect(emulator.requests({ path: '/v1/webhooks/delete' })).toHaveLength(5);
			// Still known, so the next deactivation (or the user) can delete it.
			expect(hooksFor(activation.url)).toHaveLength(1);
			expect(activation.stored()).toMatchObject({ webhookId: hook.id });
		}, 30_000);
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

		const dedupeWorkflow = (keys: string[]): WorkflowJson =>
			startThen({ name: 'Seen', type: 'test.seenFilter' }, { id: 'wf-dedupe', pinnedItems: keys.map((key) => ({ key })) });

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
