/**
 * Per-key locks (nodes/shared/locks.ts): within one process, and across processes through real
 * Redis (two connections stand for two n8n workers). Sections are gated, so overlap is decided by
 * the test, not the scheduler.
 */
import { keyLocks } from '../../nodes/shared/locks';
import { cleanupPrefix, ensureRedis, testPrefix, testRedis } from '../harness/redis';

/** A promise the test opens when it chooses. */
function gate() {
	let open!: () => void;
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { open, opened };
}

describe('key locks', () => {
	let workerA: ReturnType<typeof testRedis>;
	let workerB: ReturnType<typeof testRedis>;
	let namespace: string;

	beforeAll(async () => {
		await ensureRedis();
		workerA = testRedis('locks-a');
		workerB = testRedis('locks-b');
		namespace = testPrefix('locks').replace(/[{}]/g, '');
	});
	afterAll(async () => {
		await cleanupPrefix(workerA, `mkops:lock:{${namespace}`);
		await Promise.all([workerA.quit(), workerB.quit()]);
	});

	it.each(['one process', 'two workers through Redis'])(
		'%s: a second section on the same key starts only after the first ended',
		async (mode) => {
			const [first, second] =
				mode === 'one process'
					? [keyLocks(`${namespace}:p`), keyLocks(`${namespace}:p`)]
					: [keyLocks(`${namespace}:r`, workerA), keyLocks(`${namespace}:r`, workerB)];
			const events: string[] = [];
			const release = gate();
			const inside = gate();
			const a = first.run(['jane@example.com'], async () => {
				events.push('a start');
				inside.open();
				await release.opened;
				events.push('a end');
			});
			await inside.opened;
			const b = second.run(['jane@example.com', 'other@example.com'], async () => {
				events.push('b start');
			});
			// A different key is not held up by the first section.
			await second.run(['third@example.com'], async () => {
				events.push('c');
			});
			release.open();
			await Promise.all([a, b]);
			expect(events).toEqual(['a start', 'c', 'a end', 'b start']);
		},
	);

	it('a claim held by one token keeps others out until it is released or its lease ends', async () => {
		const a = keyLocks(`${namespace}:claims`, workerA);
		const b = keyLocks(`${namespace}:claims`, workerB);
		expect(await a.tryAcquire(['k1'], 'exec-1', 60_000)).toBe(true);
		const wait = await b.tryAcquire(['k1'], 'exec-2', 60_000);
		expect(typeof wait === 'number' && wait > 50_000).toBe(true);
		// The holder may take it again; another token's release does nothing.
		expect(await a.tryAcquire(['k1'], 'exec-1', 60_000)).toBe(true);
		await b.release(['k1'], 'exec-2');
		expect(await b.tryAcquire(['k1'], 'exec-2', 60_000)).not.toBe(true);
		await a.release(['k1'], 'exec-1');
		expect(await b.tryAcquire(['k1'], 'exec-2', 60_000)).toBe(true);
		// A lease that ends frees the key for the next token.
		expect(await a.tryAcquire(['k2'], 'exec-1', 1)).toBe(true);
		await new Promise((resolve) => setTimeout(resolve, 5));
		expect(await b.tryAcquire(['k2'], 'exec-2', 60_000)).toBe(true);
	});
});
