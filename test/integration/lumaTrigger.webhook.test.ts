/**
 * The Luma Trigger's webhook over real HTTP (test/harness/lumaTrigger.ts), signed by the emulator's
 * independent signer; the replay memory in real Redis for the shared case.
 */
import { type ChildProcess, spawn } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import { once } from 'events';
import { createServer } from 'net';

import { CredentialTestContext } from 'n8n-core';
import type { IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { lumaApiCredentialTest } from '../../nodes/Luma/v1/methods/credentialTest';
import { closeSharedRedis, redisCredentialsOf, sharedRedis } from '../../nodes/shared/redis/connection';
import { replayKey, resetReplayMemory } from '../../nodes/shared/signature/replayGuard';
import { DEFAULT_API_KEY, startLumaEmulator, type LumaEmulator } from '../emulators/luma/server';
import { sampleGuestRegistered, sendLumaWebhook, signLumaDelivery } from '../emulators/luma/webhookSender';
import { HOOK_BASE_URL, startLumaTrigger, type TriggerUnderTest } from '../harness/lumaTrigger';
import { ensureRedis, testRedis, testRedisCredentials } from '../harness/redis';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);
const payload = (n: number, type = 'guest.registered') =>
	sampleGuestRegistered({ guestId: `gst-${n}`, email: `guest${n}@example.com`, eventId: 'evt-1', type });

async function postRaw(url: string, raw: string, headers: Record<string, string>) {
	const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
	return { status: res.status, body: (await res.json()) as unknown };
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

const started: TriggerUnderTest[] = [];
async function trigger(options: Partial<Parameters<typeof startLumaTrigger>[0]> = {}) {
	const t = await startLumaTrigger({ credentials: { lumaApi: { apiKey: 'k', webhookSecret: SECRET } }, ...options });
	started.push(t);
	return t;
}

beforeEach(() => resetReplayMemory());
afterAll(async () => {
	await Promise.all(started.map(async (t) => await t.close()));
	await closeSharedRedis();
});

describe('replayed deliveries start no execution', () => {
	it('the same signed delivery twice: one execution; the second gets 200 so a retrying sender stops', async () => {
		const t = await trigger();
		const delivery = { scheme: 'luma' as const, secret: SECRET, payload: payload(1), timestamp: now() };
		const first = await sendLumaWebhook(t.url, delivery);
		const second = await sendLumaWebhook(t.url, delivery);
		expect(first).toMatchObject({ status: 200, body: { received: true } });
		expect(second).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
		expect(t.executions).toHaveLength(1);
	});

	it("Standard Webhooks: a sender's retry (same webhook-id, new timestamp) is the same delivery", async () => {
		const t = await trigger();
		const send = async (timestamp: number) =>
			await sendLumaWebhook(t.url, { scheme: 'standard', secret: SECRET, payload: payload(2), id: 'msg_retry', timestamp });
		expect((await send(now() - 10)).body).toEqual({ received: true });
		expect((await send(now())).body).toEqual({ received: true, duplicate: true });
		expect(t.executions).toHaveLength(1);
		expect(t.executions[0][0].delivery_id).toBe('msg_retry');
	});

	it('a fresh signature of the same registration is a new delivery (Dedupe downstream handles it)', async () => {
		const t = await trigger();
		await sendLumaWebhook(t.url, { scheme: 'luma', secret: SECRET, payload: payload(3), timestamp: now() - 1 });
		await sendLumaWebhook(t.url, { scheme: 'luma', secret: SECRET, payload: payload(3), timestamp: now() });
		expect(t.executions).toHaveLength(2);
	});

	it('the replay memory is per trigger: two workflows each accept the delivery once', async () => {
		const a = await trigger();
		const b = await trigger();
		const delivery = { scheme: 'luma' as const, secret: SECRET, payload: payload(4), timestamp: now() };
		await sendLumaWebhook(a.url, delivery);
		await sendLumaWebhook(b.url, delivery);
		await sendLumaWebhook(b.url, delivery);
		expect([a.executions.length, b.executions.length]).toEqual([1, 1]);
	});

	describe('in Redis, so it holds across n8n processes', () => {
		const redisCredentials = { ...testRedisCredentials() };
		const keys: string[] = [];
		beforeAll(async () => await ensureRedis());
		let redisServer: ChildProcess | undefined;
		afterAll(async () => {
			const redis = testRedis();
			if (keys.length > 0) await redis.del(...keys);
			await redis.quit();
			// Quit the trigger's connections while their servers still answer: a connection left
			// reconnecting to a server that is gone keeps the process alive.
			await closeSharedRedis();
			if (redisServer !== undefined && redisServer.exitCode === null) {
				const exited = once(redisServer, 'exit');
				redisServer.kill('SIGTERM');
				await exited;
			}
		});

		it('a delivery accepted by one process is refused by another (memory of this process cleared)', async () => {
			const t = await trigger({
				parameters: { coordinateWorkers: true },
				credentials: { lumaApi: { apiKey: 'k', webhookSecret: SECRET }, redis: redisCredentials },
			});
			const delivery = { scheme: 'standard' as const, secret: SECRET, payload: payload(5), id: `msg_${randomBytes(6).toString('hex')}`, timestamp: now() };
			keys.push(replayKey([t.workflowId, t.node.id], `standard:${delivery.id}`));
			expect((await sendLumaWebhook(t.url, delivery)).body).toEqual({ received: true });
			resetReplayMemory();
			expect((await sendLumaWebhook(t.url, delivery)).body).toEqual({ received: true, duplicate: true });
			expect(t.executions).toHaveLength(1);
			// Held for twice the tolerance (300 s by default), no longer.
			const redis = testRedis();
			const ttl = await redis.pttl(keys[0]);
			await redis.quit();
			expect(ttl).toBeGreaterThan(0);
			expect(ttl).toBeLessThanOrEqual(600_000);
		});

		it('without Redis each process remembers its own (the contrast)', async () => {
			const t = await trigger();
			const delivery = { scheme: 'luma' as const, secret: SECRET, payload: payload(6), timestamp: now() };
			await sendLumaWebhook(t.url, delivery);
			resetReplayMemory();
			await sendLumaWebhook(t.url, delivery);
			expect(t.executions).toHaveLength(2);
		});

		it('a Redis that never answers: 503, and the trigger leaves no connection reconnecting behind', async () => {
			const never = { host: '127.0.0.1', port: await freePort() };
			const connection = sharedRedis(redisCredentialsOf(never));
			const ended = new Promise((resolve) => connection.once('end', resolve));
			const t = await trigger({
				parameters: { coordinateWorkers: true },
				credentials: { lumaApi: { apiKey: 'k', webhookSecret: SECRET }, redis: never },
			});
			const res = await sendLumaWebhook(t.url, { scheme: 'luma', secret: SECRET, payload: payload(70) });
			expect(res).toMatchObject({ status: 503, body: { message: 'Service Unavailable' } });
			await ended;
			expect(connection.status).toBe('end');
			expect(sharedRedis(redisCredentialsOf(never))).not.toBe(connection);
		});

		it('Redis unreachable: 503 and no execution; the retry once Redis answers starts it, once', async () => {
			const down = { host: '127.0.0.1', port: await freePort() };
			const t = await trigger({
				parameters: { coordinateWorkers: true },
				credentials: { lumaApi: { apiKey: 'k', webhookSecret: SECRET }, redis: down },
			});
			const delivery = { scheme: 'luma' as const, secret: SECRET, payload: payload(7), timestamp: now() };
			expect(await sendLumaWebhook(t.url, delivery)).toMatchObject({ status: 503, body: { message: 'Service Unavailable' } });
			expect(t.executions).toHaveLength(0);

			// The trigger's connection keeps trying; Redis coming up on that port is all it takes.
			const connection = sharedRedis(redisCredentialsOf(down));
			// Not events.once: it would reject on the 'error' each failed reconnect emits.
			const ready = new Promise((resolve) => connection.once('ready', resolve));
			redisServer = spawn('redis-server', ['--port', String(down.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
				stdio: 'ignore',
			});
			const failed = once(redisServer, 'exit').then(() => {
				throw new Error('redis-server exited before it answered');
			});
			failed.catch(() => undefined); // Only a failure while waiting for 'ready'; the server is stopped in afterAll.
			await Promise.race([ready, failed]);
			expect(await sendLumaWebhook(t.url, delivery)).toMatchObject({ status: 200, body: { received: true } });
			expect((await sendLumaWebhook(t.url, delivery)).body).toEqual({ received: true, duplicate: true });
			expect(t.executions).toHaveLength(1);
		});
	});
});

describe('the delivery id comes from signed material only', () => {
	it('Luma scheme: the hash of the signed content, whatever webhook-id header is sent alongside', async () => {
		const t = await trigger();
		const timestamp = now();
		const { headers, body } = signLumaDelivery({ scheme: 'luma', secret: SECRET, body: payload(8), timestamp });
		const res = await postRaw(t.url, body, { ...headers, 'webhook-id': 'chosen-by-anyone', 'x-luma-delivery-id': 'chosen-by-anyone' });
		expect(res.status).toBe(200);
		const expected = `sha256:${createHash('sha256').update(`${timestamp}.${body}`).digest('hex').slice(0, 32)}`;
		expect(t.executions[0][0].delivery_id).toBe(expected);
	});
});

describe('signature schemes and tolerance', () => {
	it('Auto refuses the legacy X-Luma-Signature (401, no execution); chosen explicitly it is accepted', async () => {
		const auto = await trigger();
		const legacy = await trigger({ parameters: { options: { signatureScheme: 'legacy' } } });
		const delivery = { scheme: 'legacy' as const, secret: SECRET, payload: payload(9) };
		expect(await sendLumaWebhook(auto.url, delivery)).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
		expect((await sendLumaWebhook(legacy.url, delivery)).status).toBe(200);
		expect([auto.executions.length, legacy.executions.length]).toEqual([0, 1]);
	});

	it('the template placeholder as the secret verifies nothing: 401 and no execution, and publishing fails', async () => {
		const placeholder = 'REPLACE_WITH_LUMA_WEBHOOK_SIGNING_SECRET';
		const t = await trigger({ credentials: { lumaApi: { apiKey: 'k', webhookSecret: placeholder } } });
		// Signed with the public placeholder: what anyone who read the template could send.
		const res = await sendLumaWebhook(t.url, { scheme: 'luma', secret: placeholder, payload: payload(11) });
		expect(res).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
		expect(t.executions).toHaveLength(0);
		const checkExists = t.trigger.webhookMethods!.default!.checkExists!;
		await expect(checkExists.call(t.hook)).rejects.toThrow(/template placeholder/);
	});

	it('a tolerance above the ceiling is held to 900 s', async () => {
		const t = await trigger({ parameters: { options: { toleranceSeconds: 86400 } } });
		const res = await sendLumaWebhook(t.url, { scheme: 'luma', secret: SECRET, payload: payload(10), timestamp: now() - 3600 });
		expect(res.status).toBe(401);
		expect(t.executions).toHaveLength(0);
	});

	it('a whsec_ secret in base64url verifies Standard Webhooks deliveries', async () => {
		const key = Buffer.concat([randomBytes(21), Buffer.from([0xfb, 0xef, 0xbe])]);
		const urlSecret = `whsec_${key.toString('base64url')}`;
		const t = await trigger({ credentials: { lumaApi: { apiKey: 'k', webhookSecret: urlSecret } } });
		// The emulator's signer decodes base64; the same key written in base64 signs identically.
		const res = await sendLumaWebhook(t.url, { scheme: 'standard', secret: `whsec_${key.toString('base64')}`, payload: payload(11) });
		expect(res.status).toBe(200);
		expect(t.executions).toHaveLength(1);
	});
});

describe('a signed body that is not a delivery gets 400 and starts nothing', () => {
	it.each([
		['null', 'null'],
		['an array', '[{"type":"guest.registered"}]'],
		['a string', '"guest.registered"'],
		['an object with no type', JSON.stringify({ event: { id: 'evt-1' }, user: { email: 'a@b.co' }, registration: {} })],
		['an empty type', '{"type":"","data":{}}'],
	])('%s', async (_name, raw) => {
		const t = await trigger();
		const { headers } = signLumaDelivery({ scheme: 'luma', secret: SECRET, body: raw });
		const res = await postRaw(t.url, raw, headers);
		expect(res).toEqual({ status: 400, body: { message: 'Body must be a JSON object with a "type"' } });
		expect(t.executions).toHaveLength(0);
	});

	it('unsigned, the same body is a 401 (the signature is checked first)', async () => {
		const t = await trigger();
		expect((await postRaw(t.url, 'null', {})).status).toBe(401);
	});
});

describe('webhook path: two triggers cannot share one by accident', () => {
	it('version 2 puts the node webhook ID in the URL; version 1 keeps its full path', async () => {
		const a = await trigger({ webhookId: 'aaaa1111' });
		const b = await trigger({ webhookId: 'bbbb2222' });
		const v1a = await trigger({ version: 1 });
		const v1b = await trigger({ version: 1 });
		expect(a.hook.getNodeWebhookUrl('default')).toBe(`${HOOK_BASE_URL}/aaaa1111/luma`);
		expect(b.hook.getNodeWebhookUrl('default')).toBe(`${HOOK_BASE_URL}/bbbb2222/luma`);
		// What version 1 did: two triggers left at the default path get the same URL.
		expect(v1a.hook.getNodeWebhookUrl('default')).toBe(`${HOOK_BASE_URL}/luma-registration`);
		expect(v1b.hook.getNodeWebhookUrl('default')).toBe(v1a.hook.getNodeWebhookUrl('default'));
		expect(a.trigger.description.properties.map((p) => p.name)).not.toContain('path');
		expect(a.trigger.description.webhooks![0].path).not.toMatch(/^=/);
	});

	it('version 1 still verifies and starts its workflow', async () => {
		const t = await trigger({ version: 1 });
		expect((await sendLumaWebhook(t.url, { scheme: 'luma', secret: SECRET, payload: payload(12) })).status).toBe(200);
		expect(t.executions).toHaveLength(1);
	});
});

describe('a secret that cannot be decoded is refused before use', () => {
	it('publishing a Manual trigger fails with a clear message that does not repeat the secret', async () => {
		const bad = 'whsec_not*base64!';
		const t = await trigger({ credentials: { lumaApi: { apiKey: 'k', webhookSecret: bad } } });
		const checkExists = t.trigger.webhookMethods!.default!.checkExists!;
		await expect(checkExists.call(t.hook)).rejects.toThrow(/not base64 or base64url/);
		await expect(checkExists.call(t.hook)).rejects.not.toThrow(bad);
		const good = await trigger();
		await expect(checkExists.call(good.hook)).resolves.toBe(true);
	});
});

describe("the Luma credential's Test button (lumaApiCredentialTest)", () => {
	let emulator: LumaEmulator;
	beforeAll(async () => {
		emulator = await startLumaEmulator();
	});
	afterAll(async () => await emulator.close());

	const test = async (data: Record<string, string>) =>
		await lumaApiCredentialTest.call(new CredentialTestContext({} as IWorkflowExecuteAdditionalData), {
			id: 'c',
			name: 'Luma',
			type: 'lumaApi',
			data,
		});

	it('OK for a working key on the emulator (http allowed for localhost)', async () => {
		expect(await test({ apiKey: DEFAULT_API_KEY, baseUrl: emulator.url, webhookSecret: SECRET })).toEqual({
			status: 'OK',
			message: 'Connection successful!',
		});
	});

	it('a non-https base URL is refused before the key is sent anywhere', async () => {
		const before = emulator.requests().length;
		const result = await test({ apiKey: DEFAULT_API_KEY, baseUrl: 'http://example.com' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/https:\/\//);
		expect(emulator.requests().length).toBe(before);
	});

	it('an undecodable whsec_ secret is refused at save time, its text never echoed', async () => {
		const result = await test({ apiKey: DEFAULT_API_KEY, baseUrl: emulator.url, webhookSecret: 'whsec_not*base64!' });
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/not base64 or base64url/) });
		expect(result.message).not.toContain('not*base64!');
	});

	it('a revoked key: a clear failure that never contains the key', async () => {
		emulator.setFaults({ revokedKeys: ['luma_revoked'] });
		const result = await test({ apiKey: 'luma_revoked', baseUrl: emulator.url });
		expect(result).toEqual({ status: 'Error', message: 'Luma refused the API key (401)' });
	});
});
