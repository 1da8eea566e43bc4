/**
 * Object › Batch Create's "Combine With Concurrent Executions": executions run by n8n-core in-process,
 * stopped the way n8n stops them (the run's cancel, which aborts the execution's signal), against the
 * HubSpot emulator. Each execution answers for its own rows only.
 */
import { WorkflowExecute } from 'n8n-core';
import type { IDataObject, Workflow } from 'n8n-workflow';

import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen, type WorkflowJson } from '../harness/inProcess';
import { sleep } from '../harness/redis';

const CREATE = '/crm/v3/objects/contacts/batch/create';
const PROPERTIES = '/crm/v3/properties/contacts';

/** The runs in progress, by workflow id: `.cancel()` is what n8n's Stop calls. */
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
	emulator = await startHubSpotEmulator({ orderedResults: false });
});
afterEach(async () => {
	running.clear();
	await emulator.close();
	resetRateLimiters();
	forgetLearnedLimits();
});

function workflow(id: string, options: IDataObject): WorkflowJson {
	const parameters = {
		resource: 'object',
		operation: 'batchCreate',
		objectType: 'contacts',
		columns: { mappingMode: 'autoMapInputData', value: null },
		options: { combineWithinMs: 1000, ...options },
	};
	return startThen(hubSpotNode(parameters, { id: `${id}-hubspot` }), {
		id,
		startId: `${id}-start`,
	});
}

/** Starts an execution creating one contact per email (a webhook call's rows). */
function execution(id: string, emails: string[], options: IDataObject = {}) {
	return runWorkflow(workflow(id, options), {
		mode: 'webhook',
		startItems: emails.map((email) => ({ json: { email, firstname: email.split('@')[0] } })),
		credentials: {
			hubSpotBatchApi: {
				accessToken: 'pat-emulator-token',
				tier: 'professional',
				baseUrl: emulator.url,
			},
		},
	});
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await sleep(10);
	}
}

const landed = (email: string) =>
	emulator.objects('contacts').filter((c) => c.properties.email === email).length;

const created = (result: Awaited<ReturnType<typeof execution>>) =>
	result.status === 'success'
		? result.outputs('HubSpot')[0].map((i) => [i.json.email, i.json.status])
		: [];

const answered = (path: string) => emulator.requests({ path }).filter((r) => r.status !== 0).length;

describe('Combine With Concurrent Executions: each execution answers for its own rows', () => {
	it("an execution stopped while it waits to be combined sends nothing; the other execution's rows still land", async () => {
		const a = execution('wf-combine-a', ['a-0@example.com', 'a-1@example.com']);
		// A is in the combine window once its property lookup is answered (a few ms later).
		await waitUntil(() => answered(PROPERTIES) >= 1, 'A read the contact properties');
		await sleep(50);
		const b = execution('wf-combine-b', ['b-0@example.com', 'b-1@example.com']);
		await sleep(50);
		running.get('wf-combine-a')!.cancel();
		const [stopped, other] = await Promise.all([a, b]);

		expect(landed('a-0@example.com') + landed('a-1@example.com')).toBe(0);
		expect(landed('b-0@example.com')).toBe(1);
		expect(landed('b-1@example.com')).toBe(1);
		expect(other.status).toBe('success');
		expect(created(other)).toEqual([
			['b-0@example.com', 'created'],
			['b-1@example.com', 'created'],
		]);
		expect(stopped.error?.message).toBe(
			'The execution was stopped before its rows were sent: none of them was written',
		);
		expect(emulator.requests({ path: CREATE }).map((r) => r.inputCount)).toEqual([2]);
	});

	it('stopping the execution whose call carries the combined rows, while it is in flight, does not fail the others', async () => {
		// HubSpot holds the combined create until the test lets it go.
		emulator.setFaults({ holdRequests: { path: CREATE, count: 99, timeoutMs: 60000 } });
		const a = execution('wf-combine-a', ['a-0@example.com']);
		await waitUntil(() => answered(PROPERTIES) >= 1, 'A read the contact properties');
		const b = execution('wf-combine-b', ['b-0@example.com', 'b-1@example.com']);
		await waitUntil(
			() => emulator.requests({ path: CREATE }).some((r) => r.held),
			'the combined create is in flight',
		);
		expect(emulator.requests({ path: CREATE }).map((r) => r.inputCount)).toEqual([3]);
		running.get('wf-combine-a')!.cancel();
		emulator.setFaults({ holdRequests: null });
		const [, other] = await Promise.all([a, b]);

		expect(other.error).toBeUndefined();
		expect(created(other)).toEqual([
			['b-0@example.com', 'created'],
			['b-1@example.com', 'created'],
		]);
		// Sent before the stop, so A's row landed too, once; nothing was sent again.
		for (const email of ['a-0@example.com', 'b-0@example.com', 'b-1@example.com'])
			expect(landed(email)).toBe(1);
		expect(emulator.requests({ path: CREATE })).toHaveLength(1);
	});

	it('a row HubSpot rejects fails only the execution it came from', async () => {
		const a = execution('wf-combine-a', ['a-0@example.com', 'not-an-email']);
		await waitUntil(() => answered(PROPERTIES) >= 1, 'A read the contact properties');
		const b = execution('wf-combine-b', ['b-0@example.com']);
		const [bad, good] = await Promise.all([a, b]);

		// One combined call, rejected as a whole for A's bad row, then split down to it.
		expect(emulator.requests({ path: CREATE })[0].inputCount).toBe(3);
		expect(good.error).toBeUndefined();
		expect(created(good)).toEqual([['b-0@example.com', 'created']]);
		expect(bad.error?.message).toMatch(/1 of 2 items failed/);
		expect(landed('a-0@example.com')).toBe(1);
		expect(landed('b-0@example.com')).toBe(1);
		expect(emulator.objects('contacts')).toHaveLength(2);
	});

	it("executions with different timeouts are not combined: one execution's short timeout does not fail another's rows", async () => {
		// HubSpot answers a create 1.5 s late, unless a second one arrives (then both at once).
		emulator.setFaults({ holdRequests: { path: CREATE, count: 2, timeoutMs: 1500 } });
		const a = execution('wf-combine-a', ['a-0@example.com'], { timeoutMs: 1000 });
		const b = execution('wf-combine-b', ['b-0@example.com'], { timeoutMs: 30000 });
		const [short, long] = await Promise.all([a, b]);

		expect(long.error).toBeUndefined();
		expect(created(long)).toEqual([['b-0@example.com', 'created']]);
		expect(short.error).toBeUndefined();
		expect(created(short)).toEqual([['a-0@example.com', 'created']]);
		// Two calls, one per execution's settings: A's 1 s timeout never applied to B's row.
		expect(emulator.requests({ path: CREATE }).map((r) => r.inputCount)).toEqual([1, 1]);
		expect(landed('a-0@example.com') + landed('b-0@example.com')).toBe(2);
	});
});
