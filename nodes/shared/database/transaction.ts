import type pg from 'pg';

/**
 * `work` inside BEGIN … COMMIT on one pooled connection; any failure rolls back and is thrown
 * unchanged (after the connection went back to the pool).
 */
export async function inTransaction<T>(
	pool: pg.Pool,
	work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
	const client = await pool.connect();
	let outcome: { ok: true; value: T } | { ok: false; error: unknown };
	try {
		await client.query('BEGIN');
		const value = await work(client);
		await client.query('COMMIT');
		outcome = { ok: true, value };
	} catch (error) {
		await client.query('ROLLBACK').catch(() => undefined);
		outcome = { ok: false, error };
	} finally {
		client.release();
	}
	if (!outcome.ok) throw outcome.error;
	return outcome.value;
}
