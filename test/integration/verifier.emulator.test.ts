import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { VerifierEmulator } from '../emulators/verifier/server';
import {
	DEFAULT_API_KEY,
	DEFAULT_CREDITS,
	fingerprint,
	startVerifierEmulator,
} from '../emulators/verifier/server';

interface Reply {
	status: number;
	headers: Headers;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
}

interface VerifyInit {
	/** The `api` query parameter; null leaves it out. */
	api?: string | null;
	timeout?: number | null;
	method?: string;
	path?: string;
}

/** GET /api/v3/?api=KEY&email=EMAIL&timeout=10, as MillionVerifier documents it. */
async function verify(base: string, email: string | null, init: VerifyInit = {}): Promise<Reply> {
	const { api = DEFAULT_API_KEY, timeout = 10, method = 'GET', path: p = '/api/v3/' } = init;
	const params = new URLSearchParams();
	if (api !== null) params.set('api', api);
	if (email !== null) params.set('email', email);
	if (timeout !== null) params.set('timeout', String(timeout));
	const res = await fetch(`${base}${p}?${params}`, { method });
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const rate = (r: Reply) => ({
	limit: r.headers.get('x-ratelimit-limit'),
	remaining: r.headers.get('x-ratelimit-remaining'),
	reset: r.headers.get('x-ratelimit-reset'),
});

const emails = (n: number, prefix = 'person') =>
	Array.from({ length: n }, (_, i) => `${prefix}.${i}@company-${i % 37}.example.com`);

const RESPONSE_FIELDS = [
	'email',
	'quality',
	'result',
	'resultcode',
	'subresult',
	'free',
	'role',
	'didyoumean',
	'credits',
	'executiontime',
	'error',
	'livemode',
];

describe('verifier emulator (MillionVerifier single API)', () => {
	let emu: VerifierEmulator;

	beforeAll(async () => {
		emu = await startVerifierEmulator();
	});
	afterAll(async () => {
		await emu.close();
	});
	beforeEach(() => emu.reset());

	describe('auth', () => {
		it('answers an unknown or missing api key with HTTP 200, result "error" and "Apikey not found"', async () => {
			for (const api of ['not-a-key', null]) {
				const r = await verify(emu.url, 'someone@acme.com', { api });
				expect(r.status).toBe(200);
				expect(r.headers.get('content-type')).toMatch(/application\/json/);
				expect(r.body).toEqual({
					email: 'someone@acme.com',
					result: 'error',
					resultcode: 4,
					subresult: '',
					free: false,
					role: false,
					didyoumean: '',
					credits: 0,
					executiontime: 0,
					error: 'Apikey not found',
					livemode: true,
				});
			}
			expect(emu.state.counters.invalidKey).toBe(2);
			expect(emu.credits).toBe(DEFAULT_CREDITS);
			expect((await verify(emu.url, 'someone@acme.com')).body.error).toBe('');
		});

		it('accepts a configured key instead of the default', async () => {
			const custom = await startVerifierEmulator({ apiKey: 'mv-custom-key' });
			try {
				expect(custom.apiKey).toBe('mv-custom-key');
				expect(custom.endpoint).toBe(`${custom.url}/api/v3/`);
				const wrong = await verify(custom.url, 'a@acme.com', { api: DEFAULT_API_KEY });
				expect(wrong.body.result).toBe('error');
				const ok = await verify(custom.url, 'a@acme.com', { api: 'mv-custom-key' });
				expect(ok.body.error).toBe('');
			} finally {
				await custom.close();
			}
		});

		it('answers a missing email with result "error", other routes with 404 / 405', async () => {
			const r = await verify(emu.url, null);
			expect(r.status).toBe(200);
			expect(r.body).toMatchObject({ result: 'error', resultcode: 4 });
			expect(r.body.error).not.toBe('');
			expect((await verify(emu.url, 'a@acme.com', { path: '/api/v2/' })).status).toBe(404);
			expect((await verify(emu.url, 'a@acme.com', { method: 'POST' })).status).toBe(405);
			// Without the trailing slash it is the same endpoint.
			expect((await verify(emu.url, 'a@acme.com', { path: '/api/v3' })).body.error).toBe('');
		});
	});

	describe('results', () => {
		it('answers every documented field, the same for the same address', async () => {
			const a = await verify(emu.url, 'Jane.Doe@Acme.com');
			const b = await verify(emu.url, 'jane.doe@acme.com');
			expect(a.status).toBe(200);
			expect(Object.keys(a.body)).toEqual(RESPONSE_FIELDS);
			expect(a.body.email).toBe('Jane.Doe@Acme.com');
			expect(b.body.result).toBe(a.body.result);
			expect(a.body.result).toBe(emu.expectedResult('jane.doe@acme.com'));
			expect(a.body).toMatchObject({ error: '', livemode: true, didyoumean: '' });
			expect(typeof a.body.executiontime).toBe('number');
			expect(emu.verifications.get('jane.doe@acme.com')).toBe(2);
		});

		it('maps results to resultcode and quality as documented', async () => {
			const fixed = await startVerifierEmulator({
				resultFor: {
					'ok@acme.com': 'ok',
					'catch@acme.com': 'catch_all',
					'unknown@acme.com': 'unknown',
					'gone@acme.com': 'invalid',
					'Temp@Acme.com': 'disposable',
				},
			});
			try {
				const got: Record<string, [string, number, string]> = {};
				for (const e of ['ok', 'catch', 'unknown', 'gone', 'temp']) {
					const r = await verify(fixed.url, `${e}@acme.com`, { api: fixed.apiKey });
					got[e] = [r.body.result, r.body.resultcode, r.body.quality];
				}
				expect(got).toEqual({
					ok: ['ok', 1, 'good'],
					catch: ['catch_all', 2, 'risky'],
					unknown: ['unknown', 3, 'risky'],
					gone: ['invalid', 6, 'bad'],
					temp: ['disposable', 5, 'bad'],
				});
			} finally {
				await fixed.close();
			}
		});

		it('spreads results about 85 / 5 / 5 / 5, the same across emulators with the same seed', async () => {
			const sample = emails(400);
			const twin = await startVerifierEmulator({ seed: 1 });
			try {
				const a = await Promise.all(
					sample.map(async (e) => (await verify(emu.url, e)).body.result as string),
				);
				const b = await Promise.all(
					sample.map(async (e) => (await verify(twin.url, e, { api: twin.apiKey })).body.result),
				);
				expect(b).toEqual(a);
				const count = (r: string) => a.filter((x) => x === r).length;
				// The seed fixes the outcome; the bounds document the default shares.
				expect(count('ok')).toBeGreaterThanOrEqual(300);
				expect(count('ok')).toBeLessThanOrEqual(370);
				for (const r of ['catch_all', 'invalid', 'unknown']) {
					expect(count(r)).toBeGreaterThanOrEqual(5);
					expect(count(r)).toBeLessThanOrEqual(40);
				}
				expect(count('disposable')).toBe(0);
				expect(emu.state.counters.results.ok).toBe(count('ok'));
			} finally {
				await twin.close();
			}
		});

		it('answers disposable at disposableDomains, and free, role and didyoumean flags', async () => {
			const custom = await startVerifierEmulator({
				disposableDomains: ['throwaway.test'],
				resultFor: { 'info@gmail.com': 'ok' },
			});
			try {
				const d = await verify(custom.url, 'x@throwaway.test', { api: custom.apiKey });
				expect(d.body).toMatchObject({ result: 'disposable', resultcode: 5, quality: 'bad' });
				// The default list is replaced, not extended.
				const m = await verify(custom.url, 'x@mailinator.com', { api: custom.apiKey });
				expect(m.body.result).not.toBe('disposable');
				const info = await verify(custom.url, 'info@gmail.com', { api: custom.apiKey });
				expect(info.body).toMatchObject({ result: 'ok', free: true, role: true });
				const typo = await verify(custom.url, 'jane@gmial.com', { api: custom.apiKey });
				expect(typo.body.didyoumean).toBe('jane@gmail.com');
			} finally {
				await custom.close();
			}
			expect((await verify(emu.url, 'x@mailinator.com')).body.result).toBe('disposable');
			expect((await verify(emu.url, 'not-an-address')).body).toMatchObject({
				result: 'invalid',
				resultcode: 6,
			});
		});

		it('spends one credit per charged verification (ok, invalid, disposable)', async () => {
			const paid = await startVerifierEmulator({
				credits: 2,
				resultFor: { 'a@acme.com': 'ok', 'b@acme.com': 'catch_all', 'c@acme.com': 'invalid' },
			});
			try {
				const k = { api: paid.apiKey };
				expect((await verify(paid.url, 'a@acme.com', k)).body.credits).toBe(1);
				// catch_all and unknown are free, as MillionVerifier documents.
				expect((await verify(paid.url, 'b@acme.com', k)).body.credits).toBe(1);
				expect((await verify(paid.url, 'c@acme.com', k)).body.credits).toBe(0);
				const broke = await verify(paid.url, 'a@acme.com', k);
				expect(broke.status).toBe(200);
				expect(broke.body).toMatchObject({ result: 'error', resultcode: 4, credits: 0 });
				expect(broke.body.error).toMatch(/credits/i);
				expect(paid.credits).toBe(0);
				paid.setCredits(5);
				expect((await verify(paid.url, 'a@acme.com', k)).body.credits).toBe(4);
			} finally {
				await paid.close();
			}
			const all = await startVerifierEmulator({
				credits: 10,
				chargeAllResults: true,
				resultFor: { 'b@acme.com': 'catch_all' },
			});
			try {
				expect((await verify(all.url, 'b@acme.com', { api: all.apiKey })).body.credits).toBe(9);
			} finally {
				await all.close();
			}
		});
	});

	describe('rate window', () => {
		it('answers 429 with Retry-After and X-RateLimit-* once a key used up its window', async () => {
			// A 60 s window cannot roll over during the test.
			const limited = await startVerifierEmulator({
				limitPerWindow: 3,
				windowMs: 60000,
				apiKeys: ['second-key'],
			});
			try {
				const ok = [];
				for (let i = 0; i < 3; i++) ok.push(await verify(limited.url, `p${i}@acme.com`));
				expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
				expect(ok.map((r) => rate(r).remaining)).toEqual(['2', '1', '0']);
				for (const r of ok) {
					expect(rate(r).limit).toBe('3');
					expect(Number(rate(r).reset)).toBeGreaterThanOrEqual(1);
					expect(Number(rate(r).reset)).toBeLessThanOrEqual(60);
				}

				const over = await verify(limited.url, 'p3@acme.com');
				expect(over.status).toBe(429);
				expect(over.body).toEqual({ error: 'Too many requests' });
				const retry = over.headers.get('retry-after')!;
				expect(retry).toMatch(/^\d+$/);
				expect(Number(retry)).toBeGreaterThanOrEqual(1);
				expect(Number(retry)).toBeLessThanOrEqual(60);
				expect(rate(over)).toMatchObject({ limit: '3', remaining: '0' });

				const other = await verify(limited.url, 'p3@acme.com', { api: 'second-key' });
				expect(other.status).toBe(200);
				expect(rate(other).remaining).toBe('2');
				// A refused request spends no credit.
				const charged = [...ok, other].filter((r) =>
					['ok', 'invalid', 'disposable'].includes(r.body.result),
				).length;
				expect(limited.credits).toBe(DEFAULT_CREDITS - charged);
				expect(limited.state.counters.rateLimited).toBe(1);
				expect(limited.requests({ rateLimited: true })).toHaveLength(1);
			} finally {
				await limited.close();
			}
		});
	});

	describe('faults', () => {
		it('failNext(n) answers the next n requests with HTTP 500, then recovers', async () => {
			emu.failNext(2);
			const statuses = [];
			for (let i = 0; i < 3; i++) statuses.push((await verify(emu.url, 'a@acme.com')).status);
			expect(statuses).toEqual([500, 500, 200]);
			expect(emu.requests().map((e) => Boolean(e.forced))).toEqual([true, true, false]);
			emu.failNext(1, 503);
			const r = await verify(emu.url, 'a@acme.com');
			expect(r.status).toBe(503);
			expect(typeof r.body.error).toBe('string');
			expect(emu.state.counters.errors5xx).toBe(3);
			expect(emu.verifications.get('a@acme.com')).toBe(1);
		});

		it('failureRate fails a seeded share of requests, the same ones for the same seed', async () => {
			const a = await startVerifierEmulator({ failureRate: 0.5, seed: 3 });
			const b = await startVerifierEmulator({ failureRate: 0.5, seed: 3 });
			try {
				const run = async (e: VerifierEmulator) => {
					const out: number[] = [];
					for (const m of emails(20, 'fail'))
						out.push((await verify(e.url, m, { api: e.apiKey })).status);
					return out;
				};
				const sa = await run(a);
				expect(await run(b)).toEqual(sa);
				const failed = sa.filter((s) => s === 500).length;
				expect(failed).toBeGreaterThan(0);
				expect(failed).toBeLessThan(20);
			} finally {
				await a.close();
				await b.close();
			}
			emu.setFailureRate(1);
			expect((await verify(emu.url, 'a@acme.com')).status).toBe(500);
			emu.setFailureRate(0);
			expect((await verify(emu.url, 'a@acme.com')).status).toBe(200);
		});

		it('applies the latencyMs option and setLatency to every request', async () => {
			const slow = await startVerifierEmulator({ latencyMs: 30 });
			try {
				expect(slow.state.faults.latencyMs).toBe(30);
				await verify(slow.url, 'a@acme.com', { api: slow.apiKey });
				await verify(slow.url, 'a@acme.com', { api: 'wrong' });
				expect(slow.requests().map((e) => e.latencyMs)).toEqual([30, 30]);
				slow.setLatency(0);
				await verify(slow.url, 'a@acme.com', { api: slow.apiKey });
				expect(slow.requests().map((e) => e.latencyMs)).toEqual([30, 30, 0]);
			} finally {
				await slow.close();
			}
		});
	});

	describe('request log', () => {
		it('records method, URL, email, status and time without the api key', async () => {
			const before = Date.now();
			await verify(emu.url, 'jane+tag@acme.com');
			await verify(emu.url, 'jane@acme.com', { api: 'wrong-key-456' });
			const log = emu.requests();
			expect(log).toHaveLength(2);
			expect(log[0]).toMatchObject({
				method: 'GET',
				path: '/api/v3/',
				url: '/api/v3/?email=jane%2Btag%40acme.com&timeout=10',
				query: { email: 'jane+tag@acme.com', timeout: '10' },
				email: 'jane+tag@acme.com',
				timeout: 10,
				status: 200,
				keyFingerprint: fingerprint(DEFAULT_API_KEY),
			});
			expect(log[0].time).toBeGreaterThanOrEqual(before);
			expect(log[1]).toMatchObject({
				status: 200,
				result: 'error',
				keyFingerprint: fingerprint('wrong-key-456'),
			});
			const text = JSON.stringify(log) + JSON.stringify(emu.state.snapshot({ includeLog: true }));
			expect(text).not.toContain(DEFAULT_API_KEY);
			expect(text).not.toContain('wrong-key-456');
			expect(text).not.toContain('api=');
		});

		it('keeps only the last logLimit entries but counts every request', async () => {
			const small = await startVerifierEmulator({ logLimit: 10 });
			try {
				await Promise.all(
					emails(50, 'log').map(async (m) => await verify(small.url, m, { api: small.apiKey })),
				);
				expect(small.requests()).toHaveLength(10);
				expect(small.totalRequests).toBe(50);
				expect(small.verifications.size).toBe(50);
			} finally {
				await small.close();
			}
		});
	});

	it('cli.js starts with the given options and prints URL, endpoint and key', async () => {
		const cli = spawn(
			process.execPath,
			[
				path.join(__dirname, '../emulators/verifier/cli.js'),
				'--port',
				'0',
				'--limit-per-window',
				'7',
				'--window-ms',
				'60000',
				'--latency-ms',
				'2',
				'--failure-rate',
				'0',
				'--seed',
				'1',
				'--disposable-domains',
				'cli-throwaway.test',
			],
			{ stdio: ['ignore', 'pipe', 'inherit'] },
		);
		try {
			const lines = createInterface({ input: cli.stdout! });
			const printed: Record<string, string> = {};
			for await (const line of lines) {
				const i = line.indexOf('=');
				printed[line.slice(0, i)] = line.slice(i + 1);
				if (Object.keys(printed).length === 3) break;
			}
			expect(printed.VERIFIER_EMULATOR_API_KEY).toBe(DEFAULT_API_KEY);
			expect(printed.VERIFIER_EMULATOR_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(printed.VERIFIER_EMULATOR_ENDPOINT).toBe(`${printed.VERIFIER_EMULATOR_URL}/api/v3/`);
			const r = await verify(printed.VERIFIER_EMULATOR_URL, 'x@cli-throwaway.test');
			expect(r.body.result).toBe('disposable');
			expect(rate(r)).toMatchObject({ limit: '7', remaining: '6' });
		} finally {
			cli.kill('SIGTERM');
		}
	});
});
