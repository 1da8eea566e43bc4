/**
 * The one batch core (nodes/shared/batch/writeInBatches.ts): chunking, splitting a rejected chunk
 * down to the row at fault, stopping on a fatal failure, and results tied to rows by key.
 */
import type { RowFailure, RowResult } from '../../nodes/shared/batch/writeInBatches';
import { writeInBatches } from '../../nodes/shared/batch/writeInBatches';

interface Row {
	key: string;
	value: number;
}

class Rejection extends Error {
	constructor(
		readonly kind: 'row' | 'fatal' | 'other',
		message: string,
	) {
		super(message);
	}
}

/** A vendor that stores rows whose value is not negative, answers in reverse order, and rejects a chunk holding a bad row. */
function vendor(options: { fatalOnCall?: number; reverse?: boolean; forget?: string } = {}) {
	const stored: Row[] = [];
	const calls: string[][] = [];
	return {
		stored,
		calls,
		options: {
			batchSize: 4,
			concurrency: 1,
			send: async (rows: Row[]) => {
				calls.push(rows.map((r) => r.key));
				if (options.fatalOnCall === calls.length) throw new Rejection('fatal', 'token revoked');
				const bad = rows.find((r) => r.value < 0);
				if (bad) throw new Rejection('row', `value ${bad.value} is negative`);
				stored.push(...rows);
				const answer = rows.filter((r) => r.key !== options.forget).map((r) => ({ id: `id-${r.key}`, key: r.key }));
				return options.reverse === false ? answer : answer.reverse();
			},
			results: (answer: Array<{ id: string; key: string }>) =>
				new Map<string, RowResult<string>>(answer.map((a) => [a.key, { ok: true, value: a.id }])),
			isRowRejection: (error: unknown) => error instanceof Rejection && error.kind === 'row',
			rejectedRow: (error: unknown): RowFailure => ({ ok: false, message: (error as Error).message, error }),
			isFatal: (error: unknown) => error instanceof Rejection && error.kind === 'fatal',
			describe: (error: unknown) => (error as Error).message,
			unconfirmedMessage: 'no result for this row',
		},
	};
}

const rows = (values: number[]): Row[] => values.map((value, i) => ({ key: `r${i}`, value }));

describe('writeInBatches', () => {
	it('matches results to rows by key although the vendor answers in another order', async () => {
		const v = vendor({ reverse: true });
		const out = await writeInBatches(rows([1, 2, 3, 4, 5, 6]), v.options);
		expect([...out.entries()].map(([k, r]) => [k, r.ok && r.value])).toEqual(
			['r0', 'r1', 'r2', 'r3', 'r4', 'r5'].map((k) => [k, `id-${k}`]),
		);
		expect(v.calls).toEqual([['r0', 'r1', 'r2', 'r3'], ['r4', 'r5']]);
	});

	it('splits a rejected chunk down to the bad row: the others land once, the bad one gets its reason', async () => {
		const v = vendor();
		const out = await writeInBatches(rows([1, 2, -3, 4, 5, 6, 7, -8]), v.options);
		expect(v.stored.map((r) => r.key).sort()).toEqual(['r0', 'r1', 'r3', 'r4', 'r5', 'r6']);
		expect(out.get('r2')).toMatchObject({ ok: false, message: 'value -3 is negative' });
		expect(out.get('r7')).toMatchObject({ ok: false, message: 'value -8 is negative' });
		expect([...out.values()].filter((r) => r.ok)).toHaveLength(6);
	});

	it('stops on a fatal failure: nothing more is sent and every unwritten row carries it', async () => {
		const v = vendor({ fatalOnCall: 2 });
		const out = await writeInBatches(rows([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), v.options);
		expect(v.calls).toHaveLength(2);
		expect(v.stored).toHaveLength(4);
		for (const key of ['r4', 'r5', 'r6', 'r7', 'r8', 'r9'])
			expect(out.get(key)).toMatchObject({ ok: false, message: 'token revoked', fatal: true });
	});

	it('reports a row the answer does not mention instead of assuming it landed', async () => {
		const v = vendor({ forget: 'r1' });
		const out = await writeInBatches(rows([1, 2, 3]), v.options);
		expect(out.get('r1')).toMatchObject({ ok: false, message: 'no result for this row', uncertain: true });
		expect(out.get('r0')?.ok).toBe(true);
	});

	it('marks every row of a chunk whose create may have been applied as uncertain', async () => {
		const v = vendor();
		const options = {
			...v.options,
			send: async () => {
				throw Object.assign(new Error('no answer in time'), { uncertain: true });
			},
		};
		const out = await writeInBatches(rows([1, 2]), options);
		expect([...out.values()]).toEqual([
			expect.objectContaining({ ok: false, uncertain: true }),
			expect.objectContaining({ ok: false, uncertain: true }),
		]);
	});
});
