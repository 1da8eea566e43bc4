/**
 * The Pipeline Event node in n8n-core on real PostgreSQL: every operation as the editor configures it,
 * item errors to the error output, whole-run failures as error items under "Continue".
 */
import type { IDataObject } from 'n8n-workflow';

import { eventItem } from '../../nodes/PipelineTrigger/PipelineTrigger.node';
import { claimEvents, emitEvents } from '../../nodes/shared/pipeline/events';
import { closeAllPools } from '../../nodes/shared/database/connection';
import { runWorkflow, startThen } from '../harness/inProcess';
import {
	applyPipeline,
	eventStatuses,
	pipelineCredentials,
	pipelineNode,
} from '../harness/pipeline';
import { type TestPostgres, testPostgres } from '../harness/postgres';

jest.setTimeout(60_000);

let db: TestPostgres;

beforeEach(async () => {
	db = await testPostgres('pipeline_node');
	await applyPipeline(db);
});
afterEach(async () => await db.cleanup());
afterAll(async () => await closeAllPools());

async function run(
	parameters: IDataObject,
	items: IDataObject[] = [{}],
	opts: { onError?: 'continueErrorOutput' | 'continueRegularOutput'; schema?: string } = {},
) {
	const result = await runWorkflow(
		startThen(pipelineNode(opts.schema ?? db.schema, parameters, { onError: opts.onError }), {
			pinnedItems: items,
		}),
		{ credentials: pipelineCredentials(db) },
	);
	return result;
}

async function claimed(n: number, type = 'company_created') {
	await emitEvents(
		db.pool,
		db.schema,
		Array.from({ length: n }, (_, i) => ({
			eventType: type,
			recordId: `r${i + 1}`,
			payload: { i },
		})),
	);
	const events = await claimEvents(db.pool, db.schema, {
		types: [type],
		limit: n,
		claimedBy: 'test',
		maxAttempts: 3,
	});
	// What the Pipeline Trigger's items hold.
	return events.map((e) => eventItem(e).json as IDataObject & { id: string; record_id: string });
}

test('Complete with a next event: done, the next event carries the item without the event fields', async () => {
	const [a, b] = await claimed(2);
	const result = await run(
		{
			operation: 'complete',
			eventIdField: 'id',
			nextEventType: 'company_validated',
			nextPayload: 'item',
			nextRecordIdField: 'domain',
		},
		[
			{ ...a, domain: 'acme.com', valid: true },
			{ ...b, domain: 'beta.com', valid: true },
		],
	);
	expect(result.status).toBe('success');
	const out = result.json('Pipeline');
	expect(out.map((o) => (o.pipeline as IDataObject).outcome)).toEqual(['completed', 'completed']);
	const next = await db.query(
		`SELECT record_id, payload, parent_id::text AS parent FROM ${db.qualified('pipeline_events')} WHERE event_type = 'company_validated' ORDER BY id`,
	);
	expect(next.rows).toEqual([
		{
			record_id: 'acme.com',
			payload: { record_id: 'r1', payload: { i: 0 }, domain: 'acme.com', valid: true },
			parent: a.id,
		},
		{
			record_id: 'beta.com',
			payload: { record_id: 'r2', payload: { i: 1 }, domain: 'beta.com', valid: true },
			parent: b.id,
		},
	]);
	expect((out[0].pipeline as IDataObject).next_event_id).toBe(String(Number(b.id) + 1));
	// Run again (a retried execution): already done, nothing emitted twice.
	const again = await run(
		{ operation: 'complete', eventIdField: 'id', nextEventType: 'company_validated' },
		[{ ...a }],
	);
	expect(again.json('Pipeline')[0].pipeline).toEqual({
		event_id: a.id,
		outcome: 'already_done',
		next_event_id: null,
	});
	expect(
		(
			await db.query(
				`SELECT count(*)::int AS n FROM ${db.qualified('pipeline_events')} WHERE event_type = 'company_validated'`,
			)
		).rows[0].n,
	).toBe(2);
});

test('Complete: an item without an event ID, or with an unknown one, goes to the error output', async () => {
	const [a] = await claimed(1);
	const result = await run(
		{ operation: 'complete', eventIdField: 'event.id' },
		[{ event: { id: a.id } }, { event: { id: 'x' } }, { event: { id: '424242' } }],
		{
			onError: 'continueErrorOutput',
		},
	);
	const [ok, failed] = result.outputs('Pipeline');
	expect(ok.map((i) => (i.json.pipeline as IDataObject).event_id)).toEqual([a.id]);
	expect(failed.map((i) => [i.pairedItem, i.json.error])).toEqual([
		[{ item: 1 }, "Field 'event.id': is not a pipeline event ID"],
		[{ item: 2 }, `Pipeline event 424242 does not exist in ${db.schema}.pipeline_events`],
	]);
});

test('Complete without Continue: the good items are completed, then the node fails naming the bad one', async () => {
	const [a] = await claimed(1);
	const result = await run({ operation: 'complete' }, [{ id: a.id }, { id: 'nope' }]);
	expect(result.status).toBe('error');
	expect(result.error?.message).toBe(
		"1 of 2 items failed (1 completed). First: item 1: Field 'id': is not a pipeline event ID",
	);
	expect((await eventStatuses(db)).get(a.id)).toBe('done');
});

test("Fail: the item's own error becomes the message; retry until max attempts, then dead", async () => {
	const [a, b] = await claimed(2);
	const result = await run(
		{ operation: 'fail', severity: 'warning', retry: false, stage: 'validation' },
		[
			{ id: a.id, error: 'website missing' },
			{ id: b.id, error: { message: 'HTTP 500 internal' } },
		],
	);
	expect(result.json('Pipeline').map((o) => (o.pipeline as IDataObject).outcome)).toEqual([
		'dead',
		'dead',
	]);
	const errors = await db.query(
		`SELECT event_id::text AS id, stage, severity, error_message FROM ${db.qualified('pipeline_errors')} ORDER BY id`,
	);
	expect(errors.rows).toEqual([
		{ id: a.id, stage: 'validation', severity: 'warning', error_message: 'website missing' },
		{ id: b.id, stage: 'validation', severity: 'warning', error_message: 'HTTP 500 internal' },
	]);
	const [c] = await claimed(1, 'slots_created');
	const retried = await run(
		{ operation: 'fail', message: 'lookup refused', retry: true, retryDelaySeconds: 60 },
		[{ id: c.id }],
	);
	const pipeline = retried.json('Pipeline')[0].pipeline as IDataObject;
	expect(pipeline).toMatchObject({ event_id: c.id, outcome: 'retry', attempts: 1 });
	expect(new Date(String(pipeline.retry_at)).getTime()).toBeGreaterThan(Date.now() + 50_000);
	// Failing it again while it waits: it is not being processed, so the item errors.
	const twice = await run({ operation: 'fail', message: 'again' }, [{ id: c.id }], {
		onError: 'continueRegularOutput',
	});
	expect(twice.json('Pipeline')[0].error).toBe(
		`Pipeline event ${c.id} is not being processed under this claim (already settled, claimed again, or never claimed): not failed`,
	);
});

test('Emit: one event per item, the payload from a field, the record ID from another', async () => {
	const result = await run(
		{
			operation: 'emit',
			eventType: 'lead_created',
			recordIdField: 'lead.id',
			payload: 'field',
			payloadField: 'lead',
		},
		[
			{ lead: { id: 7, email: 'a@example.test' } },
			{ lead: { id: 8, email: 'b@example.test' } },
			{ lead: 'not an object' },
		],
		{ onError: 'continueErrorOutput' },
	);
	const [ok, failed] = result.outputs('Pipeline');
	expect(ok).toHaveLength(2);
	expect(failed.map((i) => i.json.error)).toEqual(["Field 'lead': is not an object"]);
	const rows = await db.query(
		`SELECT event_type, record_id, payload, status FROM ${db.qualified('pipeline_events')} ORDER BY id`,
	);
	expect(rows.rows).toEqual([
		{
			event_type: 'lead_created',
			record_id: '7',
			payload: { id: 7, email: 'a@example.test' },
			status: 'pending',
		},
		{
			event_type: 'lead_created',
			record_id: '8',
			payload: { id: 8, email: 'b@example.test' },
			status: 'pending',
		},
	]);
});

test('Get Stats: the views as items; Alerts: one item per condition that holds, none when all is well', async () => {
	await db.query(
		`INSERT INTO ${db.qualified('pipeline_events')} (event_type, created_at, available_at) SELECT 'company_created', now() - interval '10 minutes', now() - interval '10 minutes' FROM generate_series(1, 3)`,
	);
	const pending = await run({ operation: 'stats', report: 'pendingByType' });
	expect(pending.json('Pipeline')).toEqual([
		expect.objectContaining({ event_type: 'company_created', pending_count: '3' }),
	]);
	const alerts = await run({
		operation: 'stats',
		report: 'health',
		thresholds: { stalledCount: 2 },
	});
	expect(alerts.json('Pipeline')).toEqual([
		expect.objectContaining({
			level: 'critical',
			check: 'pipeline_stalled',
			value: 3,
			threshold: 2,
			schema: db.schema,
		}),
	]);
	const calm = await run({ operation: 'stats', report: 'health', thresholds: { stalledCount: 3 } });
	expect(calm.json('Pipeline')).toEqual([]);
});

test('Attach to Table: inserts and matching updates of the table emit events', async () => {
	await db.query(`CREATE TABLE ${db.qualified('deals')} (deal_id text PRIMARY KEY, stage text)`);
	const attached = await run({
		operation: 'attachToTable',
		table: `${db.schema}.deals`,
		eventType: 'deal_stage_changed',
		firesOn: ['INSERT', 'UPDATE'],
		idColumn: 'deal_id',
		condition: '',
	});
	expect(attached.json('Pipeline')[0].trigger).toBe('pipeline_deal_stage_changed_a4a961d5');
	await db.query(`INSERT INTO ${db.qualified('deals')} VALUES ('D1', 'new')`);
	await db.query(`UPDATE ${db.qualified('deals')} SET stage = 'won'`);
	const rows = await db.query(
		`SELECT record_id, payload->>'stage' AS stage FROM ${db.qualified('pipeline_events')} ORDER BY id`,
	);
	expect(rows.rows).toEqual([
		{ record_id: 'D1', stage: 'new' },
		{ record_id: 'D1', stage: 'won' },
	]);
	const bad = await run({
		operation: 'attachToTable',
		table: 'deals; DROP TABLE x',
		eventType: 'x',
		firesOn: ['INSERT'],
	});
	expect(bad.error?.message).toBe("Table 'deals; DROP TABLE x' is not a plain schema.table name");
});

test('Purge: only done events past their days; a missing schema is an error item under Continue', async () => {
	await db.query(
		`INSERT INTO ${db.qualified('pipeline_events')} (event_type, status, processed_at) VALUES ('a', 'done', now() - interval '40 days'), ('a', 'done', now() - interval '1 day'), ('a', 'dead', now() - interval '40 days')`,
	);
	const purged = await run({ operation: 'purge', days: 30, errorDays: 90 });
	expect(purged.json('Pipeline')[0].deleted).toEqual({ events: 1, errors: 0 });
	const missing = await run({ operation: 'complete' }, [{ id: '1' }, { id: '2' }], {
		schema: 'no_such_schema',
		onError: 'continueRegularOutput',
	});
	expect(missing.json('Pipeline').map((i) => i.code)).toEqual([
		'PIPELINE_FAILED',
		'PIPELINE_FAILED',
	]);
	expect(String(missing.json('Pipeline')[0].error)).toMatch(
		/relation "no_such_schema.pipeline_events" does not exist/,
	);
});
