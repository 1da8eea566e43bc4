import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

import type { EnrichmentEmulator } from '../emulators/enrichment/server';
import {
	DEFAULT_API_KEY,
	fingerprint,
	startEnrichmentEmulator,
} from '../emulators/enrichment/server';

interface Reply {
	status: number;
	headers: Headers;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
}

interface EnrichInit {
	key?: string | null;
	/** Sent as-is when a string, JSON-encoded otherwise. */
	body?: unknown;
	method?: string;
	path?: string;
}

async function enrich(base: string, init: EnrichInit = {}): Promise<Reply> {
	const { key = DEFAULT_API_KEY, body, method = 'POST', path: p = '/v1/people/enrich' } = init;
	const headers: Record<string, string> = { accept: 'application/json' };
	if (body !== undefined) headers['content-type'] = 'application/json';
	if (key) headers.authorization = `Bearer ${key}`;
	const res = await fetch(`${base}${p}`, {
		method,
		headers,
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const lookup = async (base: string, domain: string, role = 'CEO', key?: string | null) =>
	await enrich(base, { key, body: { domain, company: `${domain} Inc`, role } });

const control = async (base: string, p: string, body?: unknown) =>
	await enrich(base, { key: null, path: p, method: body === undefined ? 'GET' : 'POST', body });

const rate = (r: Reply) => ({
	limit: r.headers.get('x-ratelimit-limit'),
	remaining: r.headers.get('x-ratelimit-remaining'),
	reset: r.headers.get('x-ratelimit-reset'),
});

const domains = (n: number, prefix = 'company') =>
	Array.from({ length: n }, (_, i) => `${prefix}-${i}.example.com`);

describe('enrichment emulator', () => {
	let emu: EnrichmentEmulator;

	beforeAll(async () => {
		emu = await startEnrichmentEmulator();
	});
	afterAll(async () => {
		await emu.close();
	});
	beforeEach(() => emu.reset());

	describe('auth and validation', () => {
		it('answers a missing or wrong bearer key with 401 unauthorized', async () => {
			for (const key of [null, 'not-the-key']) {
				const r = await lookup(emu.url, 'acme.com', 'CEO', key);
				expect(r.status).toBe(401);
				expect(r.headers.get('content-type')).toMatch(/application\/json/);
				expect(r.body).toEqual({ error: { code: 'unauthorized', message: 'Invalid API key' } });
				expect(rate(r).limit).toBe('600');
			}
			expect(emu.apiKey).toBe(DEFAULT_API_KEY);
			expect((await lookup(emu.url, 'acme.com')).status).not.toBe(401);
			expect(emu.state.counters.unauthorized).toBe(2);
			expect(emu.requests().map((e) => e.status)).toEqual([401, 401, expect.any(Number)]);
		});

		it('accepts a configured key and rejects the default one then', async () => {
			const custom = await startEnrichmentEmulator({ apiKey: 'custom-key-1' });
			try {
				expect(custom.apiKey).toBe('custom-key-1');
				expect((await lookup(custom.url, 'acme.com', 'CEO', DEFAULT_API_KEY)).status).toBe(401);
				expect((await lookup(custom.url, 'acme.com', 'CEO', 'custom-key-1')).status).not.toBe(401);
			} finally {
				await custom.close();
			}
		});

		it('rejects an unknown role with 400 invalid_role and a missing domain with invalid_request', async () => {
			const badRole = await lookup(emu.url, 'acme.com', 'CTO');
			expect(badRole.status).toBe(400);
			expect(badRole.body.error.code).toBe('invalid_role');
			expect(badRole.body.error.message).toMatch(/CEO, CFO, HR/);

			const noDomain = await enrich(emu.url, { body: { company: 'Acme Inc', role: 'CEO' } });
			expect(noDomain.status).toBe(400);
			expect(noDomain.body).toEqual({
				error: { code: 'invalid_request', message: 'domain is required' },
			});

			const notJson = await enrich(emu.url, { body: '{"domain": ' });
			expect(notJson.status).toBe(400);
			expect(notJson.body.error.code).toBe('invalid_request');

			expect((await enrich(emu.url, { method: 'GET' })).status).toBe(405);
			expect((await enrich(emu.url, { path: '/v1/people/search', body: {} })).status).toBe(404);
			expect(emu.state.counters.badRequests).toBe(3);
			expect(emu.lookups.size).toBe(0);
		});
	});

	describe('answers', () => {
		it('gives the same person for the same (domain, role), shaped as documented', async () => {
			const domain = domains(20).find((d) => emu.expectedPerson(d, 'CEO') !== null)!;
			const first = await lookup(emu.url, domain, 'CEO');
			const again = await lookup(emu.url, domain, 'CEO');
			expect(first.status).toBe(200);
			expect(again.body).toEqual(first.body);
			expect(first.body).toEqual(emu.expectedPerson(domain, 'CEO'));
			const { person, confidence } = first.body;
			expect(Object.keys(person).sort()).toEqual(
				['email', 'first_name', 'full_name', 'last_name', 'linkedin_url', 'title'].sort(),
			);
			expect(person.full_name).toBe(`${person.first_name} ${person.last_name}`);
			expect(person.email).toBe(person.email.toLowerCase());
			expect(person.email).toMatch(new RegExp(`^[a-z]+\\.[a-z]+@${domain.replace(/\./g, '\\.')}$`));
			expect(person.linkedin_url).toMatch(/^https:\/\/www\.linkedin\.com\/in\//);
			expect(confidence).toBeGreaterThanOrEqual(0);
			expect(confidence).toBeLessThanOrEqual(1);

			// Case, scheme, www. and path do not change the lookup; the role is matched ignoring case.
			const messy = await lookup(emu.url, `https://www.${domain.toUpperCase()}/about`, 'ceo');
			expect(messy.body).toEqual(first.body);
			expect(emu.lookupCount(domain, 'CEO')).toBe(3);
			expect(emu.lookups.get(`${domain}|CEO`)).toBe(3);
		});

		it('answers the same across emulators with the same seed, differently with another seed', async () => {
			const twin = await startEnrichmentEmulator({ seed: 1 });
			const other = await startEnrichmentEmulator({ seed: 2 });
			try {
				const sample = domains(10, 'seeded');
				const a = await Promise.all(
					sample.map(async (d) => (await lookup(emu.url, d, 'CFO')).body),
				);
				const b = await Promise.all(
					sample.map(async (d) => (await lookup(twin.url, d, 'CFO')).body),
				);
				const c = await Promise.all(
					sample.map(async (d) => (await lookup(other.url, d, 'CFO')).body),
				);
				expect(b).toEqual(a);
				expect(c).not.toEqual(a);
			} finally {
				await twin.close();
				await other.close();
			}
		});

		it('finds nobody for about notFoundRate of the pairs, always the same ones', async () => {
			const sample = domains(300, 'share');
			const statuses = await Promise.all(
				sample.map(async (d) => (await lookup(emu.url, d, 'HR')).status),
			);
			const missing = statuses.filter((s) => s === 404).length;
			expect(statuses.every((s) => s === 200 || s === 404)).toBe(true);
			// 10% of 300 = 30 expected; the seed fixes the outcome, the bounds only document "about".
			expect(missing).toBeGreaterThanOrEqual(15);
			expect(missing).toBeLessThanOrEqual(50);
			expect(emu.state.counters.notFound).toBe(missing);
			const i = statuses.indexOf(404);
			const r = await lookup(emu.url, sample[i], 'HR');
			expect(r.status).toBe(404);
			expect(r.body).toEqual({ error: { code: 'not_found', message: 'No person found' } });
			expect(emu.expectedPerson(sample[i], 'HR')).toBeNull();
		});

		it('honours notFoundRate and personFor', async () => {
			const forced = {
				first_name: 'Ada',
				last_name: 'Lovelace',
				full_name: 'Ada Lovelace',
				email: 'ada.lovelace@forced.com',
				title: 'CEO',
				linkedin_url: 'https://www.linkedin.com/in/ada-lovelace',
			};
			const none = await startEnrichmentEmulator({
				notFoundRate: 1,
				personFor: { 'forced.com|CEO': forced },
			});
			try {
				expect((await lookup(none.url, 'acme.com', 'CEO', none.apiKey)).status).toBe(404);
				const r = await lookup(none.url, 'forced.com', 'ceo', none.apiKey);
				expect(r.status).toBe(200);
				expect(r.body).toEqual({ person: forced, confidence: 1 });
			} finally {
				await none.close();
			}
		});
	});

	describe('rate window', () => {
		it('answers 429 with Retry-After and X-RateLimit-* once a key used up its window', async () => {
			// A 60 s window cannot roll over during the test.
			const limited = await startEnrichmentEmulator({
				limitPerWindow: 3,
				windowMs: 60000,
				apiKeys: ['second-key'],
			});
			try {
				const ok = [];
				for (let i = 0; i < 3; i++) ok.push(await lookup(limited.url, `w${i}.com`));
				expect(ok.map((r) => r.status).every((s) => s === 200 || s === 404)).toBe(true);
				expect(ok.map((r) => rate(r).remaining)).toEqual(['2', '1', '0']);
				for (const r of ok) {
					expect(rate(r).limit).toBe('3');
					expect(Number(rate(r).reset)).toBeGreaterThanOrEqual(1);
					expect(Number(rate(r).reset)).toBeLessThanOrEqual(60);
				}

				const over = await lookup(limited.url, 'w3.com');
				expect(over.status).toBe(429);
				expect(over.body.error.code).toBe('rate_limited');
				expect(typeof over.body.error.message).toBe('string');
				const retry = over.headers.get('retry-after')!;
				expect(retry).toMatch(/^\d+$/);
				expect(Number(retry)).toBeGreaterThanOrEqual(1);
				expect(Number(retry)).toBeLessThanOrEqual(60);
				expect(rate(over)).toMatchObject({ limit: '3', remaining: '0' });
				expect(Number(rate(over).reset)).toBeGreaterThanOrEqual(1);

				// Per key: another key has its own window.
				const other = await lookup(limited.url, 'w3.com', 'CEO', 'second-key');
				expect(other.status).not.toBe(429);
				expect(rate(other).remaining).toBe('2');
				expect(limited.state.counters.rateLimited).toBe(1);
				expect(limited.requests({ rateLimited: true })).toHaveLength(1);

				// reset() empties the windows.
				limited.reset();
				expect((await lookup(limited.url, 'w3.com')).status).not.toBe(429);
			} finally {
				await limited.close();
			}
		});

		it('can change the limit at run time', async () => {
			emu.setRateLimit({ limitPerWindow: 1, windowMs: 60000 });
			expect((await lookup(emu.url, 'a.com')).status).not.toBe(429);
			expect((await lookup(emu.url, 'a.com')).status).toBe(429);
			emu.reset();
			expect(emu.state.snapshot().limits).toEqual({ limitPerWindow: 600, windowMs: 1000 });
		});
	});

	describe('faults', () => {
		it('failNext(n) answers the next n requests with 500 internal, then recovers', async () => {
			const domain = domains(20).find((d) => emu.expectedPerson(d, 'CEO') !== null)!;
			emu.failNext(2);
			const a = await lookup(emu.url, domain);
			const b = await lookup(emu.url, domain);
			const c = await lookup(emu.url, domain);
			expect([a.status, b.status, c.status]).toEqual([500, 500, 200]);
			expect(a.body.error.code).toBe('internal');
			expect(typeof a.body.error.message).toBe('string');
			expect(emu.requests().map((e) => Boolean(e.forced))).toEqual([true, true, false]);

			emu.failNext(1, 503);
			const d = await lookup(emu.url, domain);
			expect(d.status).toBe(503);
			expect(d.body.error.code).toBe('unavailable');
			expect(emu.state.counters.errors5xx).toBe(3);
			// Injected failures do not count as lookups.
			expect(emu.lookupCount(domain, 'CEO')).toBe(1);
		});

		it('failureRate fails a seeded share of requests, the same ones for the same seed', async () => {
			const a = await startEnrichmentEmulator({ failureRate: 0.5, seed: 7 });
			const b = await startEnrichmentEmulator({ failureRate: 0.5, seed: 7 });
			try {
				const run = async (e: EnrichmentEmulator) => {
					const out: number[] = [];
					for (const d of domains(20, 'fail')) out.push((await lookup(e.url, d)).status);
					return out;
				};
				const sa = await run(a);
				const sb = await run(b);
				expect(sb).toEqual(sa);
				const failed = sa.filter((s) => s === 500).length;
				expect(failed).toBeGreaterThan(0);
				expect(failed).toBeLessThan(20);
			} finally {
				await a.close();
				await b.close();
			}
			emu.setFailureRate(1);
			expect((await lookup(emu.url, 'acme.com')).status).toBe(500);
			emu.setFailureRate(0);
			expect((await lookup(emu.url, 'acme.com')).status).not.toBe(500);
		});

		it('applies the latencyMs option and setLatency to every request', async () => {
			const slow = await startEnrichmentEmulator({ latencyMs: 30 });
			try {
				expect(slow.state.faults.latencyMs).toBe(30);
				await lookup(slow.url, 'acme.com');
				await lookup(slow.url, 'acme.com', 'CEO', 'wrong');
				expect(slow.requests().map((e) => e.latencyMs)).toEqual([30, 30]);
				slow.setLatency(0);
				await lookup(slow.url, 'acme.com');
				expect(slow.requests().map((e) => e.latencyMs)).toEqual([30, 30, 0]);
				slow.reset();
				expect(slow.state.faults.latencyMs).toBe(30);
			} finally {
				await slow.close();
			}
			emu.setLatency(5);
			await lookup(emu.url, 'acme.com');
			expect(emu.requests()[0].latencyMs).toBe(5);
		});
	});

	describe('request log', () => {
		it('records method, path, body, status and time, never the API key', async () => {
			const before = Date.now();
			await lookup(emu.url, 'acme.com', 'CFO');
			await enrich(emu.url, {
				path: `/v1/people/enrich?api_key=${DEFAULT_API_KEY}`,
				body: { domain: 'acme.com', role: 'HR' },
			});
			await lookup(emu.url, 'acme.com', 'CEO', 'wrong-key-123');
			const log = emu.requests();
			expect(log).toHaveLength(3);
			expect(log[0]).toMatchObject({
				method: 'POST',
				path: '/v1/people/enrich',
				body: { domain: 'acme.com', company: 'acme.com Inc', role: 'CFO' },
				keyFingerprint: fingerprint(DEFAULT_API_KEY),
				lookup: 'acme.com|CFO',
			});
			expect([200, 404]).toContain(log[0].status);
			expect(log[0].time).toBeGreaterThanOrEqual(before);
			expect(log[1].query).toEqual({ api_key: '[redacted]' });
			expect(log[2]).toMatchObject({ status: 401, keyFingerprint: fingerprint('wrong-key-123') });
			const text = JSON.stringify(log);
			expect(text).not.toContain(DEFAULT_API_KEY);
			expect(text).not.toContain('wrong-key-123');
			expect(JSON.stringify(emu.state.snapshot({ includeLog: true }))).not.toContain(
				DEFAULT_API_KEY,
			);
		});

		it('keeps only the last logLimit entries but counts every request', async () => {
			const small = await startEnrichmentEmulator({ logLimit: 10 });
			try {
				for (const batch of [domains(25, 'log-a'), domains(25, 'log-b')])
					await Promise.all(
						batch.map(async (d) => await lookup(small.url, d, 'CEO', small.apiKey)),
					);
				expect(small.requests()).toHaveLength(10);
				expect(small.totalRequests).toBe(50);
				expect(small.state.counters.requests).toBe(50);
				expect(small.lookups.size).toBe(50);
			} finally {
				await small.close();
			}
		});

		it('serves state, requests, faults and reset on /__emulator/', async () => {
			await lookup(emu.url, 'acme.com');
			const faults = await control(emu.url, '/__emulator/faults', { failNext: 1, latencyMs: 1 });
			expect(faults.body.faults).toMatchObject({ failNext: 1, latencyMs: 1 });
			expect((await lookup(emu.url, 'acme.com')).status).toBe(500);
			const state = (await control(emu.url, '/__emulator/state?lookups=1')).body;
			expect(state.counters).toMatchObject({ requests: 2, errors5xx: 1 });
			expect(state.lookups).toEqual({ 'acme.com|CEO': 1 });
			const reqs = (await control(emu.url, '/__emulator/requests?status=500')).body;
			expect(reqs.total).toBe(2);
			expect(reqs.entries).toHaveLength(1);
			expect((await control(emu.url, '/__emulator/reset', {})).body).toEqual({ ok: true });
			expect(emu.totalRequests).toBe(0);
			expect(emu.state.faults.latencyMs).toBe(0);
		});
	});

	it('cli.js starts with the given options and prints URL and key', async () => {
		const cli = spawn(
			process.execPath,
			[
				path.join(__dirname, '../emulators/enrichment/cli.js'),
				'--port',
				'0',
				'--limit-per-window',
				'7',
				'--window-ms',
				'60000',
				'--latency-ms',
				'3',
				'--failure-rate',
				'0',
				'--seed',
				'1',
			],
			{ stdio: ['ignore', 'pipe', 'inherit'] },
		);
		try {
			const lines = createInterface({ input: cli.stdout! });
			const printed: Record<string, string> = {};
			for await (const line of lines) {
				const i = line.indexOf('=');
				printed[line.slice(0, i)] = line.slice(i + 1);
				if (Object.keys(printed).length === 2) break;
			}
			expect(printed.ENRICHMENT_EMULATOR_API_KEY).toBe(DEFAULT_API_KEY);
			expect(printed.ENRICHMENT_EMULATOR_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			const r = await lookup(printed.ENRICHMENT_EMULATOR_URL, 'acme.com');
			expect(r.status === 404 ? null : r.body).toEqual(emu.expectedPerson('acme.com', 'CEO'));
			expect(rate(r)).toMatchObject({ limit: '7', remaining: '6' });
		} finally {
			cli.kill('SIGTERM');
		}
	});
});
