/**
 * List › Add Members' "Combine With Concurrent Executions", its By Name Template list and its Record
 * ID in Input Field: one-item executions run by n8n-core in-process against the HubSpot emulator over
 * real HTTP. A barrier node holds every execution until all have arrived, so they reach HubSpot
 * together (the combine window is only the upper bound for a batch that does not fill).
 */
import { WorkflowExecute } from 'n8n-core';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	Workflow,
} from 'n8n-workflow';
import { Expression, NodeConnectionTypes } from 'n8n-workflow';

import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { waitingSubmitters } from '../../nodes/shared/transport/coalescer';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen } from '../harness/inProcess';
import { sleep } from '../harness/redis';

const TOKEN = 'pat-emulator-token';
const LISTS = '/crm/v3/lists';
const BY_NAME = /^\/crm\/v3\/lists\/object-type-id\/0-1\/name\//;
const ADD = /^\/crm\/v3\/lists\/\d+\/memberships\/add$/;

class Barrier {
	private readonly waiting: Array<() => void> = [];

	constructor(private readonly count: number) {}

	async arrive(): Promise<void> {
		await new Promise<void>((resolve) => {
			this.waiting.push(resolve);
			if (this.waiting.length >= this.count) for (const go of this.waiting.splice(0)) go();
		});
	}
}

function barrierNode(barrier: Barrier): INodeType {
	return {
		description: {
			displayName: 'Barrier',
			name: 'barrier',
			group: ['transform'],
			version: 1,
			description: 'Test barrier',
			defaults: { name: 'Barrier' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			await barrier.arrive();
			return [this.getInputData()];
		},
	};
}

/** List › Add Members as the Luma sync can use it without an expression. */
const addByTemplate = (options: IDataObject = { combineWithinMs: 2000 }) => ({
	resource: 'list',
	operation: 'addMembers',
	listBy: 'template',
	listNameTemplate: 'Event Registrations - {event_name} - {event_date:date}',
	createIfMissing: true,
	identifyBy: 'recordIdField',
	recordIdField: 'hubspot_id',
	options,
});

const running = new Map<string, { cancel(): void }>();
const processRun = WorkflowExecute.prototype.processRunExecutionData;
let emulator: HubSpotEmulator;

beforeAll(() => {
	jest.spyOn(WorkflowExecute.prototype, 'processRunExecutionData').mockImplementation(function (
		this: WorkflowExecute,
		workflow: Workflow,
	) {
		const run = processRun.call(this, workflow);
		running.set(String(workflow.id), run);
		return run;
	});
});
afterAll(() => jest.restoreAllMocks());
beforeEach(async () => {
	emulator = await startHubSpotEmulator();
});
afterEach(async () => {
	running.clear();
	await emulator.close();
	resetRateLimiters();
	forgetLearnedLimits();
});

async function execution(id: string, row: IDataObject, barrier: Barrier, parameters: IDataObject) {
	return await runWorkflow(
		startThen(
			[{ name: 'Barrier', type: 'test.barrier' }, hubSpotNode(parameters, { id: `${id}-hubspot` })],
			{ id, startId: `${id}-start` },
		),
		{
			mode: 'webhook',
			nodeTypes: { 'test.barrier': barrierNode(barrier) },
			startItems: [{ json: row }],
			credentials: {
				hubSpotBatchApi: { accessToken: TOKEN, tier: 'professional', baseUrl: emulator.url },
			},
		},
	);
}

/** n contacts in HubSpot; their record IDs. */
async function seedContacts(n: number): Promise<string[]> {
	for (let start = 0; start < n; start += 100) {
		const inputs = Array.from({ length: Math.min(100, n - start) }, (_, k) => ({
			id: `member${start + k}@example.com`,
			idProperty: 'email',
			properties: {},
		}));
		const res = await fetch(`${emulator.url}/crm/v3/objects/contacts/batch/upsert`, {
			method: 'POST',
			headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
			body: JSON.stringify({ inputs }),
		});
		expect(res.status).toBe(200);
	}
	const byEmail = new Map(emulator.objects('contacts').map((c) => [c.properties.email, c.id]));
	emulator.state.log.length = 0;
	return Array.from({ length: n }, (_, i) => byEmail.get(`member${i}@example.com`)!);
}

const calls = (pattern: RegExp, method: string) =>
	emulator.requests({ method }).filter((r) => pattern.test(r.path));

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await sleep(10);
	}
}

describe('List › Add Members: Combine With Concurrent Executions', () => {
	it('150 executions adding to 2 lists: 2 membership calls, each list looked up and created once', async () => {
		const ids = await seedContacts(150);
		const barrier = new Barrier(150);
		const rows = ids.map((hubspot_id, i) => ({
			email: `member${i}@example.com`,
			hubspot_id,
			event_name: i % 2 === 0 ? 'Launch' : 'Webinar',
			event_date: i % 2 === 0 ? '2026-03-05T18:00:00-05:00' : '2026-03-12',
		}));
		const results = await Promise.all(
			rows.map(async (row, i) => await execution(`wf-list-${i}`, row, barrier, addByTemplate())),
		);

		const lists = emulator.state.snapshot().lists;
		expect(lists.map((l) => l.name).sort()).toEqual([
			'Event Registrations - Launch - 2026-03-05',
			'Event Registrations - Webinar - 2026-03-12',
		]);
		expect(calls(ADD, 'PUT').map((r) => r.inputCount)).toEqual([75, 75]);
		expect(calls(BY_NAME, 'GET')).toHaveLength(2);
		expect(emulator.requests({ method: 'POST', path: LISTS })).toHaveLength(2);
		const memberships = emulator.state.snapshot().memberships;
		results.forEach((result, i) => {
			expect(result.error).toBeUndefined();
			const [item] = result.json('HubSpot');
			const list = lists.find((l) => l.name.includes(rows[i].event_name))!;
			expect(item).toMatchObject({
				hubspot_id: ids[i],
				list_id: list.listId,
				list_name: list.name,
				list_status: 'added',
			});
			expect(memberships[list.listId]).toContain(ids[i]);
		});
	}, 120_000);

	it('one new list whose members need two calls is still created once, though the calls overlap', async () => {
		const ids = await seedContacts(150);
		// HubSpot holds the list's create until a second create arrives (or 5 s): the second batch's
		// call, 2 s later, finds the create still in flight and waits for it instead of sending its own.
		emulator.setFaults({ holdRequests: { path: LISTS, count: 2, timeoutMs: 5000 } });
		const barrier = new Barrier(150);
		const results = await Promise.all(
			ids.map(
				async (hubspot_id, i) =>
					await execution(
						`wf-one-${i}`,
						{ hubspot_id, event_name: 'Launch', event_date: '2026-03-05' },
						barrier,
						addByTemplate(),
					),
			),
		);
		expect(results.every((r) => r.json('HubSpot')[0].list_status === 'added')).toBe(true);
		expect(emulator.state.snapshot().lists).toHaveLength(1);
		expect(emulator.requests({ method: 'POST', path: LISTS })).toHaveLength(1);
		expect(calls(BY_NAME, 'GET')).toHaveLength(1);
		expect(
			calls(ADD, 'PUT')
				.map((r) => r.inputCount)
				.sort((a, b) => a! - b!),
		).toEqual([50, 100]);
	}, 120_000);

	it('an execution stopped while it waits adds nothing; the other is added', async () => {
		const [a, b] = await seedContacts(2);
		const barrier = new Barrier(2);
		const params = addByTemplate({ combineWithinMs: 3000 });
		const row = { event_name: 'Launch', event_date: '2026-03-05' };
		const stopped = execution('wf-stop-a', { ...row, hubspot_id: a }, barrier, params);
		const other = execution('wf-stop-b', { ...row, hubspot_id: b }, barrier, params);
		await waitUntil(() => waitingSubmitters() === 2, 'both executions wait to be combined');
		running.get('wf-stop-a')!.cancel();
		const [stoppedRun, otherRun] = await Promise.all([stopped, other]);

		expect(stoppedRun.error?.message).toBe(
			'The execution was stopped before its rows were sent: none of them was written',
		);
		expect(otherRun.json('HubSpot')[0].list_status).toBe('added');
		expect(calls(ADD, 'PUT').map((r) => r.inputCount)).toEqual([1]);
		const [list] = emulator.state.snapshot().lists;
		expect(emulator.state.snapshot().memberships[list.listId]).toEqual([b]);
	}, 60_000);

	it('an item missing a template field fails alone, naming the field; one without a record ID too', async () => {
		const [id] = await seedContacts(1);
		const result = await runWorkflow(
			startThen(hubSpotNode(addByTemplate({}), { onError: 'continueRegularOutput' }), {
				id: 'wf-template',
			}),
			{
				startItems: [
					{ json: { hubspot_id: id, event_name: 'Launch', event_date: '2026-03-05' } },
					{ json: { hubspot_id: id, event_name: '', event_date: '2026-03-05' } },
					{ json: { hubspot_id: id, event_name: 'Launch', event_date: 'soon' } },
					{ json: { event_name: 'Launch', event_date: '2026-03-05' } },
				],
				credentials: {
					hubSpotBatchApi: { accessToken: TOKEN, tier: 'professional', baseUrl: emulator.url },
				},
			},
		);
		const out = result.json('HubSpot');
		expect(out.map((j) => j.list_status ?? j.status)).toEqual(['added', 'error', 'error', 'error']);
		expect(out[1]).toMatchObject({ error_field: 'event_name' });
		expect(String(out[2].error)).toMatch(/Field 'event_date': "soon" is not a date/);
		expect(out[3]).toMatchObject({ error_field: 'hubspot_id' });
		expect(emulator.state.snapshot().lists.map((l) => l.name)).toEqual([
			'Event Registrations - Launch - 2026-03-05',
		]);
	});
});

describe("The Luma sync's HubSpot steps without expressions", () => {
	/** Runs Contact › Upsert → List › Add Members on one registration; returns the expressions n8n evaluated. */
	async function chain(upsert: IDataObject, add: IDataObject) {
		const evaluated: string[] = [];
		const resolve = Expression.prototype.resolveSimpleParameterValue;
		const spy = jest
			.spyOn(Expression.prototype, 'resolveSimpleParameterValue')
			.mockImplementation(function (this: Expression, value, ...rest) {
				// Node parameters only: the credential's Authorization header is the transport's matter.
				if (typeof value === 'string' && value.startsWith('=') && !value.includes('$credentials'))
					evaluated.push(value);
				return resolve.call(this, value, ...rest);
			});
		try {
			const result = await runWorkflow(
				startThen(
					[
						hubSpotNode({ resource: 'contact', operation: 'upsert', ...upsert }, { id: 'upsert' }),
						{ ...hubSpotNode(add, { id: 'add' }), name: 'HubSpot List' },
					],
					{ id: 'wf-luma-hubspot' },
				),
				{
					mode: 'webhook',
					startItems: [
						{
							json: {
								email: 'ada@example.com',
								first_name: 'Ada',
								event_name: 'Launch',
								event_date: '2026-03-05T18:00:00.000Z',
							},
						},
					],
					credentials: {
						hubSpotBatchApi: { accessToken: TOKEN, tier: 'professional', baseUrl: emulator.url },
					},
				},
			);
			expect(result.error).toBeUndefined();
			return { evaluated, item: result.json('HubSpot List')[0] };
		} finally {
			spy.mockRestore();
		}
	}

	it('Canonical Contact and a list name template evaluate no parameter expression; the expression-based setup evaluates some', async () => {
		const native = await chain(
			{ contactInput: 'canonical', options: { combineWithinMs: 50 } },
			addByTemplate({ combineWithinMs: 50 }),
		);
		expect(native.evaluated).toEqual([]);
		expect(native.item).toMatchObject({
			list_name: 'Event Registrations - Launch - 2026-03-05',
			list_status: 'added',
		});

		const withExpressions = await chain(
			{
				columns: {
					mappingMode: 'defineBelow',
					value: { email: '={{ $json.email }}', firstname: '={{ $json.first_name }}' },
				},
			},
			{ resource: 'list', operation: 'addMembers', listBy: 'name', createIfMissing: true },
		);
		expect(withExpressions.evaluated.length).toBeGreaterThan(0);
		expect(withExpressions.item).toMatchObject({
			list_name: 'Event Registrations - Launch - 2026-03-05',
			list_status: 'already_member',
		});
	});
});
