/**
 * The pipeline's tables and statements on real PostgreSQL: the trigger function, claiming with SKIP
 * LOCKED, completion with a next event, failure → retry → dead, stuck events taken back, and the
 * Pipeline Trigger's consumer settling what executions leave.
 */
import pg from 'pg';

import { PipelineConsumer, type RunOutcome } from '../../nodes/PipelineTrigger/consumer';
import {
	checkHealth,
	claimEvents,
	completeEvents,
	emitEvents,
	failEvents,
	type PipelineEvent,
	recoverStuckEvents,
	releaseClaimed,
} from '../../nodes/shared/pipeline/events';
import { PIPELINE_CHANNEL } from '../../nodes/shared/pipeline/schema';
import { applyPipeline, eventStatuses } from '../harness/pipeline';
import { type TestPostgres, testPostgres } from '../harness/postgres';

jest.setTimeout(60_000);

let db: TestPostgres;
const claim = (limit: number, claimedBy = 'test', types: string[] = [], maxAttempts = 5) =>
	claimEvents(db.pool, db.schema, { types, limit, claimedBy, maxAttempts });
const emit = (type: string, n: number) =>
	emitEvents(
		db.pool,
		db.schema,
		Array.from({ length: n }, (_, i) => ({
			eventType: type,
			recordId: String(i + 1),
			payload: { n: i + 1 },
		})),
	);

beforeEach(async () => {
	db = await testPostgres('pipeline', { poolSize: 6 });
	await applyPipeline(db);
});
afterEach(async () => await db.cleanup());

test('Apply Schema runs twice without change and the views answer', async () => {
	await applyPipeline(db, true);
	await applyPipeline(db, true);
	for (const view of [
		'vw_pending_by_type',
		'vw_latency_by_stage',
		'vw_error_rate_24h',
		'vw_unresolved_errors',
	])
		expect((await db.query(`SELECT * FROM ${db.qualified(view)}`)).rows).toEqual([]);
	const triggers = await db.query(
		`SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`,
		[`${db.schema}.company_raw_intake`],
	);
	expect(triggers.rows.map((r) => r.tgname)).toEqual(['pipeline_company_created_07b911e6']);
});

test('Apply Schema over an older version: views with other columns are replaced, an older trigger of the same event type too', async () => {
	await applyPipeline(db, true);
	// What an earlier version left: a view with other columns, the intake trigger under its old name.
	await db.query(`DROP VIEW ${db.qualified('vw_error_rate_24h')}`);
	await db.query(
		`CREATE VIEW ${db.qualified('vw_error_rate_24h')} AS SELECT 1 AS stage, 2 AS dead_count`,
	);
	await db.query(
		`CREATE TRIGGER pipeline_company_created AFTER INSERT ON ${db.qualified('company_raw_intake')} FOR EACH ROW EXECUTE FUNCTION ${db.qualified('emit_pipeline_event')}('company_created', 'id')`,
	);
	await applyPipeline(db, true);
	const triggers = await db.query(
		`SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`,
		[`${db.schema}.company_raw_intake`],
	);
	expect(triggers.rows.map((r) => r.tgname)).toEqual(['pipeline_company_created_07b911e6']);
	await db.query(`INSERT INTO ${db.qualified('company_raw_intake')} (company_name) VALUES ('One')`);
	expect(
		(await db.query(`SELECT count(*)::int AS n FROM ${db.qualified('pipeline_events')}`)).rows[0].n,
	).toBe(1);
	expect(
		Object.keys(
			(await db.query(`SELECT * FROM ${db.qualified('vw_error_rate_24h')}`)).fields.reduce(
				(a, f) => ({ ...a, [f.name]: 1 }),
				{},
			),
		),
	).toEqual([
		'event_type',
		'attempts',
		'error_count',
		'critical_count',
		'warning_count',
		'dead_count',
		'error_rate',
	]);
});

test('1,000 rows inserted in one transaction: 1,000 pending events and one notification', async () => {
	await db.query(`CREATE TABLE ${db.qualified('leads')} (lead_key text PRIMARY KEY, email text)`);
	await db.query(
		`SELECT ${db.qualified('attach_pipeline_event')}($1::regclass, 'lead_created', 'INSERT', 'lead_key')`,
		[`${db.schema}.leads`],
	);
	const listener = new pg.Client(db.connection);
	await listener.connect();
	const notes: string[] = [];
	let first: () => void = () => undefined;
	const arrived = new Promise<void>((resolve) => (first = resolve));
	listener.on('notification', (n) => {
		notes.push(String(n.payload));
		first();
	});
	await listener.query(`LISTEN ${PIPELINE_CHANNEL}`);
	try {
		await db.query(
			`INSERT INTO ${db.qualified('leads')} SELECT 'L' || g, 'p' || g || '@example.test' FROM generate_series(1, 1000) g`,
		);
		await arrived;
		await listener.query('SELECT 1'); // anything else notified would have arrived before this answer
		expect(notes.map((n) => JSON.parse(n))).toEqual([
			{ schema: db.schema, event_type: 'lead_created' },
		]);
	} finally {
		await listener.end();
	}
	const { rows } = await db.query(
		`SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS records, min(payload->>'email') AS email
FROM ${db.qualified('pipeline_events')} WHERE status = 'pending' AND event_type = 'lead_created'`,
	);
	expect(rows[0]).toEqual({ n: 1000, records: 1000, email: 'p1000@example.test' });
});

test('a claim never takes rows another open claim holds (SKIP LOCKED)', async () => {
	await emit('a', 30);
	const holder = await db.pool.connect();
	try {
		await holder.query('BEGIN');
		const first = await claimEvents(holder, db.schema, {
			types: [],
			limit: 10,
			claimedBy: 'A',
			maxAttempts: 5,
		});
		// A has not committed: its rows are locked, so B gets the next ten without waiting.
		const second = await claim(10, 'B');
		await holder.query('COMMIT');
		expect(first.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
		expect(second.map((e) => e.id)).toEqual([
			'11',
			'12',
			'13',
			'14',
			'15',
			'16',
			'17',
			'18',
			'19',
			'20',
		]);
	} finally {
		holder.release();
	}
	const { rows } = await db.query(
		`SELECT claimed_by, count(*)::int AS n FROM ${db.qualified('pipeline_events')} GROUP BY claimed_by ORDER BY claimed_by NULLS LAST`,
	);
	expect(rows).toEqual([
		{ claimed_by: 'A', n: 10 },
		{ claimed_by: 'B', n: 10 },
		{ claimed_by: null, n: 10 },
	]);
});

test('claims filter by event type and return oldest first', async () => {
	await emit('a', 3);
	await emit('b', 3);
	expect((await claim(10, 'x', ['b'])).map((e) => [e.id, e.event_type])).toEqual([
		['4', 'b'],
		['5', 'b'],
		['6', 'b'],
	]);
	expect((await claim(2, 'x', ['a', 'c'])).map((e) => e.id)).toEqual(['1', '2']);
});

test('Complete: done once, the next event emitted once however often it is completed', async () => {
	await emit('company_created', 2);
	const [a, b] = await claim(2);
	const next = { eventType: 'company_validated', payload: { ok: true } };
	const first = await completeEvents(db.pool, db.schema, [{ id: a.id, next }, { id: b.id }]);
	expect(first.completed.sort()).toEqual([a.id, b.id]);
	expect([...first.emitted.keys()]).toEqual([a.id]);
	const again = await completeEvents(db.pool, db.schema, [{ id: a.id, next }, { id: '999' }]);
	expect(again).toMatchObject({
		completed: [],
		alreadyDone: [a.id],
		refused: [{ id: '999', status: null }],
	});
	expect(again.emitted.size).toBe(0);
	const { rows } = await db.query(
		`SELECT event_type, record_id, payload, parent_id::text AS parent FROM ${db.qualified('pipeline_events')} WHERE event_type = 'company_validated'`,
	);
	expect(rows).toEqual([
		{
			event_type: 'company_validated',
			record_id: a.record_id,
			payload: { ok: true },
			parent: a.id,
		},
	]);
});

test('Fail: retried after the delay, dead after max attempts, one error row per failure', async () => {
	await emit('a', 1);
	const [e1] = await claim(1, 'x', [], 2);
	const r1 = await failEvents(
		db.pool,
		db.schema,
		[{ id: e1.id, message: 'boom 1', severity: 'error', retry: true }],
		3600,
	);
	expect(r1.outcomes.get(e1.id)).toMatchObject({ outcome: 'retry', attempts: 1 });
	expect(await claim(1)).toEqual([]); // waiting for its retry an hour from now
	await db.query(`UPDATE ${db.qualified('pipeline_events')} SET available_at = now()`);
	const [e2] = await claim(1, 'x', [], 2);
	expect(e2).toMatchObject({ id: e1.id, attempts: 2 });
	const r2 = await failEvents(
		db.pool,
		db.schema,
		[{ id: e1.id, message: 'boom 2', severity: 'critical', retry: true }],
		0,
	);
	expect(r2.outcomes.get(e1.id)).toMatchObject({ outcome: 'dead', attempts: 2, retryAt: null });
	expect(await claim(1)).toEqual([]);
	const errors = await db.query(
		`SELECT event_id::text AS event_id, stage, severity, error_message, attempt, outcome, resolved FROM ${db.qualified('pipeline_errors')} ORDER BY id`,
	);
	expect(errors.rows).toEqual([
		{
			event_id: e1.id,
			stage: 'a',
			severity: 'error',
			error_message: 'boom 1',
			attempt: 1,
			outcome: 'retry',
			resolved: false,
		},
		{
			event_id: e1.id,
			stage: 'a',
			severity: 'critical',
			error_message: 'boom 2',
			attempt: 2,
			outcome: 'dead',
			resolved: false,
		},
	]);
	// Failing an event nobody holds changes nothing.
	expect(
		(
			await failEvents(
				db.pool,
				db.schema,
				[{ id: e1.id, message: 'x', severity: 'error', retry: true }],
				0,
			)
		).outcomes.size,
	).toBe(0);
});

test('events stuck in processing past the timeout go back to pending, or dead after max attempts', async () => {
	await emit('a', 2);
	const [x, y] = await claim(2, 'gone', [], 1);
	await db.query(
		`UPDATE ${db.qualified('pipeline_events')} SET claimed_at = now() - interval '10 minutes', max_attempts = 2 WHERE id = $1`,
		[x.id],
	);
	await db.query(
		`UPDATE ${db.qualified('pipeline_events')} SET claimed_at = now() - interval '10 minutes' WHERE id = $1`,
		[y.id],
	);
	expect(await recoverStuckEvents(db.pool, db.schema, 3600)).toEqual([]);
	const recovered = await recoverStuckEvents(db.pool, db.schema, 60);
	expect(recovered.sort((a, b) => Number(a.id) - Number(b.id))).toEqual([
		{ id: x.id, outcome: 'retry' },
		{ id: y.id, outcome: 'dead' },
	]);
	expect(await eventStatuses(db)).toEqual(
		new Map([
			[x.id, 'pending'],
			[y.id, 'dead'],
		]),
	);
	const errors = await db.query(
		`SELECT severity, outcome FROM ${db.qualified('pipeline_errors')} ORDER BY event_id`,
	);
	expect(errors.rows).toEqual([
		{ severity: 'warning', outcome: 'retry' },
		{ severity: 'critical', outcome: 'dead' },
	]);
});

test('a released batch is pending again with its attempt given back', async () => {
	await emit('a', 2);
	const events = await claim(2, 'batch');
	expect(
		await releaseClaimed(
			db.pool,
			db.schema,
			events.map((e) => e.id),
			'other',
		),
	).toBe(0);
	expect(
		await releaseClaimed(
			db.pool,
			db.schema,
			events.map((e) => e.id),
			'batch',
		),
	).toBe(2);
	expect((await claim(5)).map((e) => e.attempts)).toEqual([1, 1]);
});

describe('consumer', () => {
	const options = {
		types: [] as string[],
		batchSize: 40,
		maxInFlight: 2,
		timeoutSeconds: 300,
		maxAttempts: 3,
		retryDelaySeconds: 0,
		completeOnSuccess: true,
		instance: 'test',
	};
	const quiet = { warn: () => undefined };

	test('every event goes to exactly one execution, batches within the size, executions within the limit', async () => {
		await emit('a', 500);
		const seen = new Map<string, number>();
		let running = 0;
		let most = 0;
		const sizes: number[] = [];
		const consumer = new PipelineConsumer(
			db.pool,
			{ ...options, schema: db.schema },
			async (events: PipelineEvent[]): Promise<RunOutcome> => {
				running++;
				most = Math.max(most, running);
				sizes.push(events.length);
				for (const e of events) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
				await new Promise((r) => setImmediate(r));
				running--;
				return { status: 'success' };
			},
			quiet,
		);
		consumer.wake();
		await consumer.settled();
		expect(seen.size).toBe(500);
		expect([...seen.values()].every((n) => n === 1)).toBe(true);
		expect(Math.max(...sizes)).toBe(40);
		expect(most).toBeLessThanOrEqual(2);
		expect(new Set((await eventStatuses(db)).values())).toEqual(new Set(['done']));
	});

	test('an execution that fails: its events are retried, then dead with an error row per attempt', async () => {
		await emit('bad', 3);
		await emit('good', 2);
		const consumer = new PipelineConsumer(
			db.pool,
			{ ...options, schema: db.schema, batchSize: 1 },
			async (events) =>
				events.some((e) => e.event_type === 'bad')
					? { status: 'error', message: 'Enrich: the service answered 500' }
					: { status: 'success' },
			quiet,
		);
		// Each round re-offers the failed events at once (retry delay 0) until they are dead.
		for (let round = 0; round < 6; round++) {
			consumer.wake();
			await consumer.settled();
		}
		const { rows } = await db.query(
			`SELECT event_type, status, attempts FROM ${db.qualified('pipeline_events')} ORDER BY id`,
		);
		expect(rows.filter((r) => r.event_type === 'bad')).toEqual(
			Array(3).fill({ event_type: 'bad', status: 'dead', attempts: 3 }),
		);
		const errors = await db.query(
			`SELECT outcome, count(*)::int AS n, min(error_message) AS message FROM ${db.qualified('pipeline_errors')} GROUP BY outcome ORDER BY outcome`,
		);
		expect(errors.rows).toEqual([
			{ outcome: 'dead', n: 3, message: 'The execution failed: Enrich: the service answered 500' },
			{ outcome: 'retry', n: 6, message: 'The execution failed: Enrich: the service answered 500' },
		]);
		expect(rows.filter((r) => r.event_type === 'good').map((r) => r.status)).toEqual([
			'done',
			'done',
		]);
	});

	test('events the workflow settled itself are left as it set them', async () => {
		await emit('a', 4);
		const consumer = new PipelineConsumer(
			db.pool,
			{ ...options, schema: db.schema, completeOnSuccess: false, retryDelaySeconds: 3600 },
			async (events) => {
				await failEvents(
					db.pool,
					db.schema,
					[{ id: events[0].id, message: 'invalid', severity: 'warning', retry: false }],
					0,
				);
				await completeEvents(db.pool, db.schema, [{ id: events[1].id }]);
				return { status: 'success' };
			},
			quiet,
		);
		consumer.wake();
		await consumer.settled();
		const statuses = [...(await eventStatuses(db)).entries()].sort(
			(a, b) => Number(a[0]) - Number(b[0]),
		);
		// Not completing on success: what the workflow left is failed ("not settled") and retried.
		expect(statuses.map(([, s]) => s)).toEqual(['dead', 'done', 'failed', 'failed']);
	});
});

test('health: stalled, error rate and latency by the operations guide thresholds', async () => {
	const events = db.qualified('pipeline_events');
	await db.query(
		`INSERT INTO ${events} (event_type, created_at, available_at) SELECT 'stuck', now() - interval '10 minutes', now() - interval '10 minutes' FROM generate_series(1, 101)`,
	);
	await db.query(
		`INSERT INTO ${events} (event_type, status, attempts, created_at, processed_at)
SELECT 'slow', 'done', 1, now() - interval '30 seconds', now() - interval '10 seconds' FROM generate_series(1, 20)`,
	);
	await db.query(
		`INSERT INTO ${db.qualified('pipeline_errors')} (event_id, event_type, stage, severity, error_message) SELECT id, 'slow', 'enrichment', 'error', 'x' FROM ${events} WHERE event_type = 'slow' ORDER BY id LIMIT 3`,
	);
	const th = {
		stalledCount: 100,
		stalledMinutes: 5,
		errorRate: 0.1,
		latencySeconds: 10,
		windowMinutes: 60,
		minAttempts: 10,
	};
	const { alerts } = await checkHealth(db.pool, db.schema, th);
	expect(alerts.map((a) => [a.check, a.stage, a.value])).toEqual([
		['pipeline_stalled', null, 101],
		['high_error_rate', 'slow', 0.15],
		['slow_processing', null, 20],
	]);
	const calm = await checkHealth(db.pool, db.schema, {
		...th,
		stalledCount: 101,
		errorRate: 0.15,
		latencySeconds: 20,
	});
	expect(calm.alerts).toEqual([]);
});

describe('a claim that timed out', () => {
	const back = (id: string) =>
		db.query(
			`UPDATE ${db.qualified('pipeline_events')} SET claimed_at = now() - interval '10 minutes' WHERE id = $1`,
			[id],
		);

	test('its late Complete and Fail are refused once another claim took the event; the new claim settles it', async () => {
		await emit('a', 1);
		const [first] = await claim(1, 'A');
		await back(first.id);
		expect(await recoverStuckEvents(db.pool, db.schema, 60, ['a'])).toEqual([
			{ id: first.id, outcome: 'retry' },
		]);
		const [second] = await claim(1, 'B');
		expect(second).toMatchObject({ id: first.id, attempts: 2, claimed_by: 'B' });
		const late = await completeEvents(db.pool, db.schema, [
			{ id: first.id, claim: 'A', next: { eventType: 'next' } },
		]);
		expect(late).toMatchObject({ completed: [], refused: [{ id: first.id, status: 'claimed' }] });
		expect(late.emitted.size).toBe(0);
		const lateFail = await failEvents(
			db.pool,
			db.schema,
			[{ id: first.id, claim: 'A', message: 'late', severity: 'error', retry: true }],
			0,
		);
		expect(lateFail.outcomes.size).toBe(0);
		const current = await completeEvents(db.pool, db.schema, [
			{ id: first.id, claim: 'B', next: { eventType: 'next' } },
		]);
		expect(current.completed).toEqual([first.id]);
		expect(current.emitted.size).toBe(1);
	});

	test('taken back but not claimed again: the late Complete still counts, so the event is not run twice', async () => {
		await emit('a', 1);
		const [first] = await claim(1, 'A');
		await back(first.id);
		await recoverStuckEvents(db.pool, db.schema, 60);
		expect(
			(await completeEvents(db.pool, db.schema, [{ id: first.id, claim: 'A' }])).completed,
		).toEqual([first.id]);
		expect(await claim(1, 'B')).toEqual([]);
	});

	test("a trigger's sweep takes back only its own event types (each stage has its own timeout)", async () => {
		await emit('a', 1);
		await emit('b', 1);
		const stuck = await claim(2, 'gone');
		for (const e of stuck) await back(e.id);
		expect(await recoverStuckEvents(db.pool, db.schema, 60, ['b'])).toEqual([
			{ id: stuck[1].id, outcome: 'retry' },
		]);
		expect(await eventStatuses(db)).toEqual(
			new Map([
				[stuck[0].id, 'processing'],
				[stuck[1].id, 'pending'],
			]),
		);
	});

	test('an execution still running when the trigger stops waiting: its events stay claimed, nothing settled', async () => {
		await emit('a', 3);
		const consumer = new PipelineConsumer(
			db.pool,
			{
				schema: db.schema,
				types: [],
				batchSize: 10,
				maxInFlight: 1,
				timeoutSeconds: 300,
				maxAttempts: 3,
				retryDelaySeconds: 0,
				completeOnSuccess: true,
				instance: 'test',
			},
			async () => ({ status: 'running' }),
			{ warn: () => undefined },
		);
		consumer.wake();
		await consumer.settled();
		expect(new Set((await eventStatuses(db)).values())).toEqual(new Set(['processing']));
		expect(
			(await db.query(`SELECT count(*)::int AS n FROM ${db.qualified('pipeline_errors')}`)).rows[0]
				.n,
		).toBe(0);
	});
});
