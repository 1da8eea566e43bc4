import { runExclusive } from '../../nodes/shared/keyedMutex';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runExclusive', () => {
	it('never overlaps sections with the same key, and keeps their order', async () => {
		const events: string[] = [];
		const section = (name: string, ms: number) => async () => {
			events.push(`${name}:start`);
			await tick(ms);
			events.push(`${name}:end`);
			return name;
		};
		const results = await Promise.all([runExclusive('k', section('a', 30)), runExclusive('k', section('b', 5)), runExclusive('k', section('c', 1))]);
		expect(results).toEqual(['a', 'b', 'c']);
		expect(events).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
	});

	it('runs different keys concurrently', async () => {
		const events: string[] = [];
		await Promise.all([
			runExclusive('x', async () => { events.push('x:start'); await tick(20); events.push('x:end'); }),
			runExclusive('y', async () => { events.push('y:start'); await tick(1); events.push('y:end'); }),
		]);
		expect(events.indexOf('y:end')).toBeLessThan(events.indexOf('x:end'));
	});

	it('a failing section rejects its caller only; the next one still runs', async () => {
		const first = runExclusive('e', async () => { throw new Error('boom'); });
		const second = runExclusive('e', async () => 'ok');
		await expect(first).rejects.toThrow('boom');
		await expect(second).resolves.toBe('ok');
	});
});
