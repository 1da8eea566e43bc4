import {
	CancelledBeforeSendError,
	coalesce,
	uniqueKeyPrefix,
	waitingSubmitters,
} from '../../nodes/shared/transport/coalescer';

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
		// Each submitter sees its own rows' results only.
		expect([...a]).toEqual([
			['a0', 'a0!'],
			['a1', 'a1!'],
		]);
		expect([...b]).toEqual([['b0', 'b0!']]);
		expect([...c.keys()]).toEqual(['c0', 'c1', 'c2']);
	});

	it('flushes a group as soon as it holds maxRows, without waiting out the window', async () => {
		const { calls, flush } = recordingFlush();
		const both = Promise.all([
			coalesce('g2', rows('a', 3), { lingerMs: 5000, maxRows: 5, flush }),
			coalesce('g2', rows('b', 2), { lingerMs: 5000, maxRows: 5, flush }),
		]);
		// Sent as the second submitter filled it, not when the 5 s window ends.
		expect(calls).toEqual([['a0', 'a1', 'a2', 'b0', 'b1']]);
		await both;
	});

	it('with sendKey, a group is full at maxRows distinct send keys: repeats do not count, and a withdrawn repeat frees nothing', async () => {
		const { calls, flush } = recordingFlush();
		// Rows a0 and b0 share one contact (send key "x"); the rest are one contact each.
		const contact = (row: Row) => (row.key === 'a0' || row.key === 'b0' ? 'x' : row.key);
		const options = { lingerMs: 5000, maxRows: 3, sendKey: contact, flush };
		const controller = new AbortController();
		const a = coalesce('g2k', rows('a', 1), options);
		const b = coalesce('g2k', rows('b', 1), { ...options, signal: controller.signal });
		const c = coalesce('g2k', rows('c', 1), options);
		// Three rows, two contacts: not full yet.
		expect(calls).toEqual([]);
		controller.abort(); // b's repeat of x leaves: still two contacts
		await expect(b).rejects.toBeInstanceOf(CancelledBeforeSendError);
		expect(calls).toEqual([]);
		const d = coalesce('g2k', rows('d', 1), options);
		// The third distinct contact fills it at once.
		expect(calls).toEqual([['a0', 'c0', 'd0']]);
		await Promise.all([a, c, d]);
	});

	it('with sendKey, one submitter with maxRows rows but fewer distinct send keys still waits for company', async () => {
		const { calls, flush } = recordingFlush();
		const sameContact = (row: Row) => (row.key.startsWith('a') ? 'x' : row.key);
		const options = { lingerMs: 5000, maxRows: 3, sendKey: sameContact, flush };
		// Three rows of one contact: one send key, not a full batch.
		const a = coalesce('g2s', rows('a', 3), options);
		expect(calls).toEqual([]);
		const b = coalesce('g2s', rows('b', 2), options);
		expect(calls).toEqual([['a0', 'a1', 'a2', 'b0', 'b1']]);
		await Promise.all([a, b]);
	});

	describe('with idleMs (fake timers)', () => {
		beforeEach(() => jest.useFakeTimers());
		afterEach(() => jest.useRealTimers());

		it('a lone submitter goes once no one has joined for idleMs, not at the end of the window', async () => {
			const { calls, flush } = recordingFlush();
			const done = coalesce('idle1', rows('a', 1), {
				lingerMs: 10_000,
				idleMs: 1000,
				maxRows: 100,
				flush,
			});
			await jest.advanceTimersByTimeAsync(999);
			expect(calls).toEqual([]);
			await jest.advanceTimersByTimeAsync(1);
			expect(calls).toEqual([['a0']]);
			await done;
		});

		it('submitters joining within idleMs of each other keep the group open until the window ends', async () => {
			const { calls, flush } = recordingFlush();
			const options = { lingerMs: 3000, idleMs: 1000, maxRows: 100, flush };
			const all: Array<Promise<unknown>> = [];
			for (let i = 0; i < 5; i++) {
				all.push(coalesce('idle2', rows(`s${i}-`, 1), options));
				await jest.advanceTimersByTimeAsync(600);
			}
			// 3,000 ms after the first: five joins 600 ms apart never left the group idle for 1 s.
			expect(calls).toEqual([['s0-0', 's1-0', 's2-0', 's3-0', 's4-0']]);
			await Promise.all(all);
		});
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

	it("a failed row fails its own submitter's result only", async () => {
		const flush = async (rows: Row[]) =>
			new Map(rows.map((r) => [r.key, r.key === 'b0' ? 'rejected: bad email' : 'created']));
		const [a, b] = await Promise.all([
			coalesce('g7', rows('a', 2), { lingerMs: 20, maxRows: 100, flush }),
			coalesce('g7', rows('b', 1), { lingerMs: 20, maxRows: 100, flush }),
		]);
		expect([...a.values()]).toEqual(['created', 'created']);
		expect([...b.values()]).toEqual(['rejected: bad email']);
	});

	it('a submitter cancelled while it waits is taken out: nothing of it is sent, the others still go, with a live flush', async () => {
		const first = recordingFlush();
		const second = recordingFlush();
		const stopA = new AbortController();
		const a = coalesce('g8', rows('a', 2), {
			lingerMs: 5000,
			maxRows: 5,
			flush: first.flush,
			signal: stopA.signal,
		});
		const b = coalesce('g8', rows('b', 2), {
			lingerMs: 5000,
			maxRows: 5,
			flush: second.flush,
			signal: new AbortController().signal,
		});
		expect(waitingSubmitters()).toBe(2);
		stopA.abort();
		await expect(a).rejects.toBeInstanceOf(CancelledBeforeSendError);
		expect(waitingSubmitters()).toBe(1);
		// Its rows no longer count towards filling the batch: 2 + 3 = 5 fills it without a's.
		const c = coalesce('g8', rows('c', 3), { lingerMs: 5000, maxRows: 5, flush: second.flush });
		const [bResult, cResult] = await Promise.all([b, c]);
		expect(first.calls).toEqual([]);
		expect(second.calls).toEqual([['b0', 'b1', 'c0', 'c1', 'c2']]);
		expect([...bResult.keys()]).toEqual(['b0', 'b1']);
		expect([...cResult.keys()]).toEqual(['c0', 'c1', 'c2']);
	});

	it('a group whose every submitter was cancelled sends nothing; an already cancelled one never joins', async () => {
		const { calls, flush } = recordingFlush();
		const stop = new AbortController();
		const waiting = coalesce('g9', rows('a', 1), {
			lingerMs: 30,
			maxRows: 100,
			flush,
			signal: stop.signal,
		});
		stop.abort();
		await expect(waiting).rejects.toBeInstanceOf(CancelledBeforeSendError);
		await expect(
			coalesce('g9', rows('b', 1), { lingerMs: 30, maxRows: 100, flush, signal: stop.signal }),
		).rejects.toBeInstanceOf(CancelledBeforeSendError);
		await expect(
			coalesce('g9', rows('c', 1), { lingerMs: 0, maxRows: 100, flush, signal: stop.signal }),
		).rejects.toBeInstanceOf(CancelledBeforeSendError);
		await new Promise((r) => setTimeout(r, 60));
		expect(calls).toEqual([]);
		expect(waitingSubmitters()).toBe(0);
	});

	it('once the group is on its way, a cancellation does not take rows out: every submitter gets its results', async () => {
		let letGo!: () => void;
		const gate = new Promise<void>((r) => (letGo = r));
		const calls: string[][] = [];
		const flush = async (rs: Row[]) => {
			calls.push(rs.map((r) => r.key));
			await gate;
			return new Map(rs.map((r) => [r.key, 'created']));
		};
		const stopA = new AbortController();
		const a = coalesce('g10', rows('a', 1), {
			lingerMs: 5000,
			maxRows: 2,
			flush,
			signal: stopA.signal,
		});
		const b = coalesce('g10', rows('b', 1), { lingerMs: 5000, maxRows: 2, flush });
		expect(calls).toEqual([['a0', 'b0']]);
		stopA.abort();
		letGo();
		expect([...(await a).values()]).toEqual(['created']);
		expect([...(await b).values()]).toEqual(['created']);
	});

	it('uniqueKeyPrefix never repeats within a process', () => {
		const seen = new Set(Array.from({ length: 1000 }, () => uniqueKeyPrefix()));
		expect(seen.size).toBe(1000);
	});
});
