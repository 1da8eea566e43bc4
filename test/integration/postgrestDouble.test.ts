/**
 * The PostgREST-protocol test double (PostgREST itself cannot be installed on these machines),
 * driven by the real @supabase/supabase-js client against a table in a per-run schema of the real
 * PostgreSQL: every data effect asserted here is read back from Postgres with pg.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { createClient } from '@supabase/supabase-js';

import type { PostgrestDouble } from '../emulators/postgrest/server';
import { startPostgrestDouble } from '../emulators/postgrest/server';
import type { TestPostgres } from '../harness/postgres';
import { repoRoot, testPostgres } from '../harness/postgres';

interface AttendeeRow {
	id: number;
	ext_id: number;
	email: string | null;
	attended: boolean;
	joined_at: string | null;
	watch_time: string | null;
	score: number | null;
}

describe('PostgREST-protocol test double (real Postgres, real supabase-js)', () => {
	let pg: TestPostgres;
	let double: PostgrestDouble;
	const client = (key: string, schema = pg.schema) =>
		createClient(double.url, key, { db: { schema }, auth: { persistSession: false } });
	let supabase: ReturnType<typeof client>;

	const pgRows = async (where = 'TRUE') =>
		(
			await pg.query<{
				ext_id: number;
				email: string | null;
				attended: boolean;
				joined_at: Date | null;
				watch_minutes: string | null;
				score: string | null;
			}>(
				`SELECT ext_id, email, attended, joined_at, (extract(epoch FROM watch_time)::integer / 60)::text AS watch_minutes,
				 score::text AS score FROM attendees WHERE ${where} ORDER BY ext_id`,
			)
		).rows;

	beforeAll(async () => {
		pg = await testPostgres('postgrest_double');
		await pg.query(`
			CREATE TABLE attendees (
				id bigserial PRIMARY KEY,
				ext_id integer UNIQUE NOT NULL,
				email varchar(200),
				attended boolean DEFAULT false,
				joined_at timestamptz,
				watch_time interval,
				score numeric(10,2)
			);
			CREATE FUNCTION attendance_rate(min_minutes integer) RETURNS numeric LANGUAGE sql STABLE AS $$
				SELECT round(avg(CASE WHEN extract(epoch FROM watch_time) / 60 >= min_minutes THEN 1 ELSE 0 END), 2)
				FROM attendees
			$$;
			CREATE FUNCTION attendees_after(since timestamptz) RETURNS SETOF attendees LANGUAGE sql STABLE AS $$
				SELECT * FROM attendees WHERE joined_at > since
			$$;
		`);
		double = await startPostgrestDouble({ connection: pg.connection, schema: pg.schema });
		supabase = client(double.serviceRoleKey);
	});

	afterAll(async () => {
		await double?.close();
		await pg?.cleanup();
	});

	it('inserts an array as one INSERT, Postgres converting timestamptz, interval, numeric and boolean', async () => {
		const { data, error, status } = await supabase
			.from('attendees')
			.insert([
				{
					ext_id: 1,
					email: 'ada@example.com',
					attended: true,
					joined_at: '2025-03-01T17:05:00+01:00',
					watch_time: '01:30:00',
					score: 12.5,
				},
				{ ext_id: 2, email: 'bob@example.com', watch_time: 'PT45M', score: '7.25' },
				{ ext_id: 3, email: null, joined_at: '2025-03-02T09:00:00Z' },
			])
			.select('id, ext_id, attended, joined_at, watch_time, score');
		expect(error).toBeNull();
		expect(status).toBe(201);
		expect(data).toEqual([
			expect.objectContaining({
				ext_id: 1,
				attended: true,
				watch_time: '01:30:00',
				score: 12.5,
			}),
			// keys missing from a row are NULL (supabase-js sends ?columns=, PostgREST's bulk rule) …
			expect.objectContaining({ ext_id: 2, attended: null, watch_time: '00:45:00', score: 7.25 }),
			expect.objectContaining({ ext_id: 3, attended: null, score: null }),
		]);
		const returned = data as AttendeeRow[];
		expect(typeof returned[0].id).toBe('number');
		expect(new Date(returned[0].joined_at!).toISOString()).toBe('2025-03-01T16:05:00.000Z');

		const rows = await pgRows();
		expect(rows.map((r) => [r.ext_id, r.email, r.watch_minutes, r.score])).toEqual([
			[1, 'ada@example.com', '90', '12.50'],
			[2, 'bob@example.com', '45', '7.25'],
			[3, null, null, null],
		]);
		expect(rows[0].joined_at?.toISOString()).toBe('2025-03-01T16:05:00.000Z');
		const insert = double.requests({ method: 'POST', table: 'attendees' }).at(-1)!;
		const sql = double.statements({ requestSeq: insert.seq, kind: 'data' });
		expect(sql).toHaveLength(1);
		expect(sql[0].sql).toMatch(/INSERT INTO .* json_populate_recordset\(NULL::/);
	});

	it('a row missing a NOT NULL column fails the whole insert with 23502 → 400', async () => {
		const { error, status } = await supabase
			.from('attendees')
			.insert([{ ext_id: 4, email: 'four@example.com' }, { email: 'no-id@example.com' }]);
		expect(status).toBe(400);
		expect(error).toMatchObject({ code: '23502' });
		expect(await pgRows("ext_id = 4 OR email = 'no-id@example.com'")).toEqual([]);
	});

	it('defaultToNull: false sends Prefer: missing=default, so column defaults apply per row', async () => {
		const { data, error } = await supabase
			.from('attendees')
			.insert([{ ext_id: 4, attended: true }, { ext_id: 5 }], { defaultToNull: false })
			.select('ext_id, attended');
		expect(error).toBeNull();
		expect(data).toEqual([
			{ ext_id: 4, attended: true },
			{ ext_id: 5, attended: false },
		]);
		await pg.query('DELETE FROM attendees WHERE ext_id IN (4, 5)');
		await pg.query('UPDATE attendees SET attended = false WHERE attended IS NULL');
	});

	it('selects with filters, order, limit, offset; maybeSingle and single', async () => {
		const { data, error } = await supabase
			.from('attendees')
			.select('ext_id, email')
			.gte('ext_id', 1)
			.lt('ext_id', 100)
			.neq('ext_id', 2)
			.order('ext_id', { ascending: false })
			.limit(5);
		expect(error).toBeNull();
		expect(data).toEqual([
			{ ext_id: 3, email: null },
			{ ext_id: 1, email: 'ada@example.com' },
		]);

		const inList = await supabase
			.from('attendees')
			.select('ext_id')
			.in('ext_id', [1, 2, 42])
			.order('ext_id')
			.range(1, 1);
		expect(inList.data).toEqual([{ ext_id: 2 }]);

		const patterns = await supabase
			.from('attendees')
			.select('ext_id')
			.or('email.ilike.*BOB*,email.is.null')
			.order('ext_id');
		expect(patterns.data).toEqual([{ ext_id: 2 }, { ext_id: 3 }]);

		const attended = await supabase.from('attendees').select('ext_id').is('attended', true);
		expect(attended.data).toEqual([{ ext_id: 1 }]);

		const time = await supabase
			.from('attendees')
			.select('ext_id')
			.gt('joined_at', '2025-03-01T16:05:00Z');
		expect(time.data).toEqual([{ ext_id: 3 }]);

		const one = await supabase.from('attendees').select('*').eq('ext_id', 1).maybeSingle();
		expect(one.error).toBeNull();
		expect(one.data).toMatchObject({ ext_id: 1, email: 'ada@example.com', score: 12.5 });
		const none = await supabase.from('attendees').select('*').eq('ext_id', 999).maybeSingle();
		expect(none).toMatchObject({ data: null, error: null });

		const single = await supabase.from('attendees').select('ext_id').eq('ext_id', 2).single();
		expect(single.data).toEqual({ ext_id: 2 });
		const notSingle = await supabase.from('attendees').select('ext_id').single();
		expect(notSingle.status).toBe(406);
		expect(notSingle.error).toMatchObject({
			code: 'PGRST116',
			details: 'The result contains 3 rows',
		});
	});

	it('counts with Prefer: count=exact (HEAD and GET) from Content-Range', async () => {
		const head = await supabase
			.from('attendees')
			.select('*', { count: 'exact', head: true })
			.not('email', 'is', null);
		expect(head).toMatchObject({ error: null, count: 2, data: null });
		const page = await supabase
			.from('attendees')
			.select('ext_id', { count: 'exact' })
			.order('ext_id')
			.limit(1);
		expect(page).toMatchObject({ count: 3, data: [{ ext_id: 1 }], status: 206 });
	});

	it('upserts on a unique column: inserts, then updates the same rows in place', async () => {
		const first = await supabase.from('attendees').upsert(
			[
				{ ext_id: 10, email: 'x@example.com', attended: false, score: 1 },
				{ ext_id: 11, email: 'y@example.com', attended: false, score: 2 },
			],
			{ onConflict: 'ext_id' },
		);
		expect(first).toMatchObject({ error: null, status: 201, data: null });
		const before = await pg.query<{ id: string }>(
			'SELECT id FROM attendees WHERE ext_id IN (10, 11) ORDER BY ext_id',
		);

		const second = await supabase
			.from('attendees')
			.upsert(
				[
					{ ext_id: 10, email: 'x2@example.com', attended: true, score: 99.99 },
					{ ext_id: 12, email: 'z@example.com', attended: true, score: 3 },
				],
				{ onConflict: 'ext_id' },
			)
			.select('ext_id, email, attended, score');
		expect(second.error).toBeNull();
		expect(second.data).toEqual([
			{ ext_id: 10, email: 'x2@example.com', attended: true, score: 99.99 },
			{ ext_id: 12, email: 'z@example.com', attended: true, score: 3 },
		]);
		const rows = await pgRows('ext_id BETWEEN 10 AND 12');
		expect(rows.map((r) => [r.ext_id, r.email, r.attended, r.score])).toEqual([
			[10, 'x2@example.com', true, '99.99'],
			[11, 'y@example.com', false, '2.00'],
			[12, 'z@example.com', true, '3.00'],
		]);
		const after = await pg.query<{ id: string }>(
			'SELECT id FROM attendees WHERE ext_id IN (10, 11) ORDER BY ext_id',
		);
		expect(after.rows).toEqual(before.rows); // updated in place, not re-inserted

		const upsert = double.requests({ method: 'POST', table: 'attendees' }).at(-1)!;
		expect(upsert.query).toMatchObject({ on_conflict: 'ext_id' });
		const [stmt] = double.statements({ requestSeq: upsert.seq, kind: 'data' });
		expect(stmt.sql).toMatch(
			/ON CONFLICT \("ext_id"\) DO UPDATE SET .*"email" = EXCLUDED\."email"/,
		);
	});

	it('ignoreDuplicates leaves existing rows alone and inserts the new ones', async () => {
		const { data, error } = await supabase
			.from('attendees')
			.upsert(
				[
					{ ext_id: 10, email: 'ignored@example.com' },
					{ ext_id: 13, email: 'new@example.com' },
				],
				{ onConflict: 'ext_id', ignoreDuplicates: true },
			)
			.select('ext_id');
		expect(error).toBeNull();
		expect(data).toEqual([{ ext_id: 13 }]);
		const rows = await pgRows('ext_id IN (10, 13)');
		expect(rows.map((r) => [r.ext_id, r.email])).toEqual([
			[10, 'x2@example.com'],
			[13, 'new@example.com'],
		]);
	});

	it('updates and deletes by filter, with and without return=representation', async () => {
		const upd = await supabase
			.from('attendees')
			.update({ attended: true, watch_time: '2 hours' })
			.in('ext_id', [11, 13])
			.select('ext_id, attended, watch_time');
		expect(upd.error).toBeNull();
		expect(upd.status).toBe(200);
		expect((upd.data as AttendeeRow[]).sort((a, b) => a.ext_id - b.ext_id)).toEqual([
			{ ext_id: 11, attended: true, watch_time: '02:00:00' },
			{ ext_id: 13, attended: true, watch_time: '02:00:00' },
		]);
		const minimal = await supabase
			.from('attendees')
			.update({ score: 5 }, { count: 'exact' })
			.eq('ext_id', 13);
		expect(minimal).toMatchObject({ error: null, status: 204, count: 1 });
		expect((await pgRows('ext_id = 13'))[0]).toMatchObject({ watch_minutes: '120', score: '5.00' });

		const del = await supabase.from('attendees').delete().eq('ext_id', 13).select('ext_id');
		expect(del.data).toEqual([{ ext_id: 13 }]);
		const delMinimal = await supabase.from('attendees').delete().eq('ext_id', 12);
		expect(delMinimal).toMatchObject({ error: null, status: 204 });
		expect(await pgRows('ext_id IN (12, 13)')).toEqual([]);
	});

	it('calls functions through /rpc: a scalar comes back as the value, SETOF as rows', async () => {
		const rate = await supabase.rpc('attendance_rate', { min_minutes: 60 });
		expect(rate.error).toBeNull();
		expect(typeof rate.data).toBe('number');
		const expected = await pg.query<{ v: string }>('SELECT attendance_rate(60)::text AS v');
		expect(rate.data).toBe(Number(expected.rows[0].v));

		const rows = await supabase
			.rpc('attendees_after', { since: '2025-03-01T00:00:00Z' })
			.select('ext_id')
			.order('ext_id');
		expect(rows.error).toBeNull();
		expect(rows.data).toEqual([{ ext_id: 1 }, { ext_id: 3 }]);

		const missing = await supabase.rpc('attendance_rates', { min_minutes: 1 });
		expect(missing.status).toBe(404);
		expect(missing.error).toMatchObject({
			code: 'PGRST202',
			hint: `Perhaps you meant to call the function ${pg.schema}.attendance_rate`,
		});
	});

	it('surfaces Postgres errors the PostgREST way: 23505 → 409, 22P02 → 400, bad filter → PGRST100', async () => {
		const dup = await supabase.from('attendees').insert({ ext_id: 1, email: 'again@example.com' });
		expect(dup.status).toBe(409);
		expect(dup.error).toMatchObject({
			code: '23505',
			details: 'Key (ext_id)=(1) already exists.',
			message: 'duplicate key value violates unique constraint "attendees_ext_id_key"',
		});

		const badValue = await supabase.from('attendees').select('ext_id').eq('ext_id', 'one');
		expect(badValue).toMatchObject({ status: 400, error: { code: '22P02' } });

		const badFilter = await supabase
			.from('attendees')
			.select('ext_id')
			.filter('ext_id', 'between', 1);
		expect(badFilter).toMatchObject({ status: 400, error: { code: 'PGRST100' } });

		const badColumn = await supabase.from('attendees').insert({ ext_id: 77, nickname: 'x' });
		expect(badColumn).toMatchObject({ status: 400, error: { code: 'PGRST204' } });
	});

	it('quotes identifiers: a hostile column name is just an unknown column', async () => {
		const hostile = 'ext_id" = 1 OR TRUE; DROP TABLE attendees; --';
		const { error, status } = await supabase.from('attendees').select('ext_id').eq(hostile, 1);
		expect(status).toBe(400);
		expect(error?.code).toBe('42703');
		const still = await pg.query<{ n: string }>('SELECT count(*) AS n FROM attendees');
		expect(Number(still.rows[0].n)).toBeGreaterThan(0);
	});

	it('refuses a wrong API key, an unexposed schema and an unknown table', async () => {
		const wrongKey = await client('not-the-service-role-key').from('attendees').select('ext_id');
		expect(wrongKey.status).toBe(401);
		expect(wrongKey.error).toMatchObject({ message: 'Invalid API key' });
		expect(JSON.stringify(double.requests())).not.toContain(double.serviceRoleKey);

		const rest = `${double.restUrl}/attendees?select=ext_id`;
		const noKey = await fetch(rest);
		expect(noKey.status).toBe(401);
		expect(await noKey.json()).toEqual({
			message: 'No API key found in request',
			hint: 'No `apikey` request header or url param was found.',
		});
		const profile = { 'Accept-Profile': pg.schema };
		const noBearer = await fetch(rest, { headers: { apikey: double.serviceRoleKey, ...profile } });
		expect(noBearer.status).toBe(401);
		expect(await noBearer.json()).toMatchObject({ code: 'PGRST302' });
		const wrongBearer = await fetch(rest, {
			headers: { apikey: double.serviceRoleKey, Authorization: 'Bearer nope', ...profile },
		});
		expect(wrongBearer.status).toBe(401);
		expect(await wrongBearer.json()).toMatchObject({ code: 'PGRST301' });

		const otherSchema = await client(double.serviceRoleKey, 'public').from('attendees').select();
		expect(otherSchema.status).toBe(406);
		expect(otherSchema.error).toMatchObject({
			code: 'PGRST106',
			message: 'Invalid schema: public',
			hint: `Only the following schemas are exposed: ${pg.schema}`,
		});

		const unknown = await supabase.from('attendeez').select();
		expect(unknown.status).toBe(404);
		expect(unknown.error).toMatchObject({
			code: 'PGRST205',
			message: `Could not find the table '${pg.schema}.attendeez' in the schema cache`,
			hint: `Perhaps you meant the table '${pg.schema}.attendees'`,
		});
	});

	it('runs a 500-row upsert as ONE SQL statement', async () => {
		const rows = Array.from({ length: 500 }, (_, i) => ({
			ext_id: 1000 + i,
			email: `bulk${i}@example.com`,
			attended: i % 2 === 0,
			joined_at: new Date(Date.UTC(2025, 2, 1, 0, i)).toISOString(),
			watch_time: `${i} minutes`,
			score: i / 4,
		}));
		double.clearLogs();
		const first = await supabase.from('attendees').upsert(rows, { onConflict: 'ext_id' });
		expect(first.error).toBeNull();
		const second = await supabase.from('attendees').upsert(
			rows.map((r) => ({ ...r, attended: !r.attended })),
			{ onConflict: 'ext_id', count: 'exact' },
		);
		expect(second).toMatchObject({ error: null, count: 500 });

		const writes = double.requests({ method: 'POST' });
		expect(writes).toHaveLength(2);
		for (const req of writes) {
			expect(req).toMatchObject({ rows: 500, bodyRows: 500 });
			const data = double.statements({ requestSeq: req.seq, kind: 'data' });
			expect(data).toHaveLength(1);
			expect(data[0].sql).toMatch(/^WITH pgrst_source AS \(INSERT INTO .* ON CONFLICT/);
			expect(data[0].rowCount).toBe(1); // the one summary row of the WITH statement
		}
		const check = await pg.query<{ n: string; attended: string; minutes: string }>(
			`SELECT count(*) AS n, count(*) FILTER (WHERE attended) AS attended,
			 (sum(extract(epoch FROM watch_time))::bigint / 60)::text AS minutes FROM attendees WHERE ext_id >= 1000`,
		);
		expect(check.rows[0]).toEqual({ n: '500', attended: '250', minutes: String((499 * 500) / 2) });
		const odd = await pg.query<{ attended: boolean }>(
			'SELECT attended FROM attendees WHERE ext_id = 1001',
		);
		expect(odd.rows[0].attended).toBe(true); // i = 1: inserted false, flipped by the second upsert
	});

	it('injects 5xx faults and latency, then recovers', async () => {
		double.setFaults({ force5xx: 1, status5xx: 502, latencyMs: 30 });
		const started = Date.now();
		const failed = await supabase.from('attendees').insert({ ext_id: 5000 });
		expect(failed.status).toBe(502);
		expect(Date.now() - started).toBeGreaterThanOrEqual(25);
		expect(double.requests().at(-1)).toMatchObject({ status: 502, forced: true });
		expect(await pgRows('ext_id = 5000')).toEqual([]);
		double.setFaults({ latencyMs: 0 });
		const ok = await supabase.from('attendees').insert({ ext_id: 5000 });
		expect(ok).toMatchObject({ error: null, status: 201 });
		expect(await pgRows('ext_id = 5000')).toHaveLength(1);
	});

	it('cli.js starts the double and prints its URL and key', async () => {
		const child = spawn(
			process.execPath,
			[
				path.join(repoRoot, 'test', 'emulators', 'postgrest', 'cli.js'),
				'--port',
				'0',
				'--database',
				pg.connection.database,
				'--schema',
				pg.schema,
			],
			{ cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
		);
		try {
			const out = await new Promise<string>((resolve, reject) => {
				let buf = '';
				child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
					buf += chunk;
					if (buf.includes('POSTGREST_DOUBLE_SCHEMAS=')) resolve(buf);
				});
				child.on('exit', (code) => reject(new Error(`cli.js exited ${code}: ${buf}`)));
			});
			const url = /POSTGREST_DOUBLE_URL=(\S+)/.exec(out)![1];
			const key = /POSTGREST_DOUBLE_SERVICE_ROLE_KEY=(\S+)/.exec(out)![1];
			const viaCli = createClient(url, key, {
				db: { schema: pg.schema },
				auth: { persistSession: false },
			});
			const { data, error } = await viaCli.from('attendees').select('ext_id').eq('ext_id', 1);
			expect(error).toBeNull();
			expect(data).toEqual([{ ext_id: 1 }]);
		} finally {
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				child.kill('SIGTERM');
				await exited;
			}
		}
	});
});
