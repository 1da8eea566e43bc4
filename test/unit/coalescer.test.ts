import { coalesce, uniqueKeyPrefix } from '../../nodes/shared/transport/coalescer';

interface Row {
	key: string;
}

/** A flush that records each call and answers every row with `<key>!`. */
function recordingFlush() {
	const calls: string[][] = [];
	const flush = async (rows: Row[]) => {
		calls.push(rows.map((r) => r.key));
		return new Map(rows.map((r) => [r.key, `${r.key}!`]));
	};
	return { calls, flush };
}

const rows = (prefix: string, n: number): Row[] =>
	Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}` }));

describe('coalesce', () => {
	it('combines submitters that arrive within the window into one flush, each getting its own results', async () => {
		const { calls, flush } = recordingFlush();
		const options = { lingerMs: 30, maxRows: 100, flush };
		const [a, b, c] = await Promise.all([
			coalesce('g1', rows('a', 2), options),
			coalesce('g1', rows('b', 1), options),
			coalesce('g1', rows('c', 3), options),
		]);
		expect(calls).toEqual([['a0', 'a1', 'b0', 'c0', 'c1', 'c2']]);
		expect(a.get('a1')).toBe('a1!');
		expect(b.get('b0')).toBe('b0!');
		expect(c.get('c2')).toBe('c2!');
	});

	it('flushes a group as soon as it holds maxRows, without waiting out the window', async () => {
		const { calls, flush } = recordingFlush();
		const started = Date.now();
		await Promise.all([
			coalesce('g2', rows('a', 3), { lingerMs: 5000, maxRows: 5, flush }),
			coalesce('g2', rows('b', 2), { lingerMs: 5000, maxRows: 5, flush }),
		]);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(calls).toEqual([['a0', 'a1', 'a2', 'b0', 'b1']]);
	});

	it('a later submitter opens a new group once the first was flushed', async () => {
		const { calls, flush } = recordingFlush();
		await coalesce('g3', rows('a', 1), { lingerMs: 10, maxRows: 100, flush });
		await coalesce('g3', rows('b', 1), { lingerMs: 10, maxRows: 100, flush });
		expect(calls).toEqual([['a0'], ['b0']]);
	});

	it('keeps groups apart by key', async () => {
		const { calls, flush } = recordingFlush();
		await Promise.all([
			coalesce('g4-x', rows('a', 1), { lingerMs: 20, maxRows: 100, flush }),
			coalesce('g4-y', rows('b', 1), { lingerMs: 20, maxRows: 100, flush }),
		]);
		expect(calls.sort()).toEqual([['a0'], ['b0']]);
	});

	it('without a window, each submitter flushes alone', async () => {
		const { calls, flush } = recordingFlush();
		await Promise.all([
			coalesce('g5', rows('a', 1), { lingerMs: 0, maxRows: 100, flush }),
			coalesce('g5', rows('b', 1), { lingerMs: 0, maxRows: 100, flush }),
		]);
		expect(calls).toEqual([['a0'], ['b0']]);
	});

	it('a failed flush rejects every submitter of the group', async () => {
		const flush = async () => {
			throw new Error('HubSpot rejected the access token (401)');
		};
		const results = await Promise.allSettled([
			coalesce('g6', rows('a', 1), { lingerMs: 20, maxRows: 100, flush }),
			coalesce('g6', rows('b', 1), { lingerMs: 20, maxRows: 100, flush }),
		]);
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
		expect((results[0] as PromiseRejectedResult).reason.message).toContain('401');
	});

	it('uniqueKeyPrefix never repeats within a process', () => {
		const seen = new Set(Array.from({ length: 1000 }, () => uniqueKeyPrefix()));
		expect(seen.size).toBe(1000);
	});
});
