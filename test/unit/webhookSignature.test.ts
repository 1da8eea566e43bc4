import { createHash, createHmac, randomBytes } from 'crypto';

import { claimDelivery, replayKey, resetReplayMemory } from '../../nodes/shared/signature/replayGuard';
import {
	AUTO_SCHEMES,
	clampTolerance,
	MAX_TOLERANCE_SECONDS,
	standardWebhooksKey,
	verifyWebhookSignature,
	webhookSecretProblem,
	type HeaderBag,
	type SignatureScheme,
} from '../../nodes/shared/signature/webhookSignature';

// Signatures here are computed independently of the module under test, straight from each scheme's definition.
const hexMac = (key: Buffer | string, data: string | Buffer) => createHmac('sha256', key).update(data).digest('hex');
const b64Mac = (key: Buffer | string, data: string | Buffer) => createHmac('sha256', key).update(data).digest('base64');

function sign(scheme: SignatureScheme, secret: string, body: Buffer, t: number, id = 'msg_1'): HeaderBag {
	if (scheme === 'luma') {
		return { 'webhook-signature': `t=${t},v1=${hexMac(secret, Buffer.concat([Buffer.from(`${t}.`), body]))}` };
	}
	if (scheme === 'standard') {
		const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
		const sig = b64Mac(key, Buffer.concat([Buffer.from(`${id}.${t}.`), body]));
		return { 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': `v1,${sig}` };
	}
	return { 'x-luma-signature': hexMac(secret, body) };
}

interface Case {
	name: string;
	scheme: SignatureScheme;
	headers: HeaderBag;
	body: Buffer;
	secrets: string[];
	allowed: SignatureScheme[];
	expectValid: boolean;
}

const NOW = 1_764_600_000;
const TOL = 300;
const ALL: SignatureScheme[] = ['luma', 'standard', 'legacy'];

// Deterministic pseudo-random bodies: JSON with unicode, whitespace and binary-ish bytes.
function bodyFor(seed: number): Buffer {
	const json = JSON.stringify({ type: 'guest.registered', data: { id: `gst-${seed}`, user_name: 'Zoë Ørsted 😀', n: seed } }, null, seed % 3);
	return Buffer.from(seed % 4 === 0 ? json + '\n' : json, 'utf8');
}

function cases(): Case[] {
	const out: Case[] = [];
	for (let seed = 0; seed < 10; seed++) {
		const secret = `whsec_${randomBytes(24).toString('base64')}`;
		const other = `whsec_${randomBytes(24).toString('base64')}`;
		const body = bodyFor(seed);
		for (const scheme of ALL) {
			const hasTime = scheme !== 'legacy';
			const ok = sign(scheme, secret, body, NOW);
			const add = (name: string, c: Partial<Case> & { expectValid: boolean }) =>
				out.push({ name: `${scheme}#${seed} ${name}`, scheme, headers: ok, body, secrets: [secret], allowed: ALL, ...c });

			add('valid', { expectValid: true });
			add('valid, only this scheme allowed', { allowed: [scheme], expectValid: true });
			add('scheme not allowed', { allowed: ALL.filter((s) => s !== scheme), expectValid: false });
			add('tampered body (one byte)', { body: Buffer.from(body.map((b, i) => (i === 5 ? b ^ 1 : b))), expectValid: false });
			add('body re-serialized', { body: Buffer.from(JSON.stringify(JSON.parse(body.toString()))), expectValid: body.toString() === JSON.stringify(JSON.parse(body.toString())) });
			add('wrong secret', { secrets: [other], expectValid: false });
			add('rotated: old and new secret configured', { secrets: [other, secret], expectValid: true });
			add('missing signature header', { headers: {}, expectValid: false });
			add('empty secret list', { secrets: [], expectValid: false });
			add('header value upper-case hex/garbage', {
				headers: scheme === 'legacy' ? { 'x-luma-signature': 'zz' + hexMac(secret, body).slice(2) } : { ...ok, 'webhook-signature': 'garbage' },
				expectValid: false,
			});
			if (hasTime) {
				add('stale (tolerance + 1 s)', { headers: sign(scheme, secret, body, NOW - TOL - 1), expectValid: false });
				add('future (tolerance + 1 s)', { headers: sign(scheme, secret, body, NOW + TOL + 1), expectValid: false });
				add('edge of tolerance', { headers: sign(scheme, secret, body, NOW - TOL), expectValid: true });
				add('old replay (1 day)', { headers: sign(scheme, secret, body, NOW - 86400), expectValid: false });
				add('timestamp swapped after signing', {
					headers: Object.fromEntries(Object.entries(ok).map(([k, v]) => [k, String(v).replace(String(NOW), String(NOW - 1))])),
					expectValid: false,
				});
			}
			// Key rotation on the sender side: several signatures in one header, any one may match.
			if (scheme === 'luma') {
				const good = sign('luma', secret, body, NOW)['webhook-signature'] as string;
				const bad = hexMac(other, `${NOW}.${body}`);
				add('several v1, one good', { headers: { 'webhook-signature': `${good},v1=${bad}` }, expectValid: true });
				add('several v1, good last', { headers: { 'webhook-signature': `t=${NOW},v1=${bad},${good.split(',')[1]}` }, expectValid: true });
				add('several v1, none good', { headers: { 'webhook-signature': `t=${NOW},v1=${bad},v1=${bad.split('').reverse().join('')}` }, expectValid: false });
				add('no t=', { headers: { 'webhook-signature': good.split(',')[1] }, expectValid: false });
			} else if (scheme === 'standard') {
				const good = ok['webhook-signature'] as string;
				const bad = `v1,${b64Mac(Buffer.from(other.slice(6), 'base64'), `msg_1.${NOW}.${body}`)}`;
				add('several sigs, one good', { headers: { ...ok, 'webhook-signature': `${bad} ${good}` }, expectValid: true });
				add('several sigs, none good', { headers: { ...ok, 'webhook-signature': `${bad} v1a,xyz` }, expectValid: false });
				add('webhook-id changed', { headers: { ...ok, 'webhook-id': 'msg_2' }, expectValid: false });
				add('missing webhook-timestamp', { headers: { 'webhook-id': 'msg_1', 'webhook-signature': good }, expectValid: false });
			} else {
				const good = ok['x-luma-signature'] as string;
				add('several sigs, one good', { headers: { 'x-luma-signature': `${hexMac(other, body)},${good}` }, expectValid: true });
				add('sha256= prefix', { headers: { 'x-luma-signature': `sha256=${good}` }, expectValid: true });
				add('truncated signature', { headers: { 'x-luma-signature': good.slice(0, 62) }, expectValid: false });
			}
		}
	}
	return out;
}

describe('verifyWebhookSignature: generated table', () => {
	const table = cases();

	it('has at least 200 generated cases', () => {
		expect(table.length).toBeGreaterThanOrEqual(200);
	});

	it.each(table.map((c) => [c.name, c] as const))('%s', (_name, c) => {
		const result = verifyWebhookSignature({
			rawBody: c.body,
			headers: c.headers,
			secrets: c.secrets,
			allowedSchemes: c.allowed,
			toleranceSeconds: TOL,
			nowSeconds: NOW,
		});
		expect(result.valid).toBe(c.expectValid);
		if (result.valid) expect(result.scheme).toBe(c.scheme);
	});

	it('summary: 0 wrong accepts, 0 wrong rejects', () => {
		let wrongAccepts = 0;
		let wrongRejects = 0;
		for (const c of table) {
			const r = verifyWebhookSignature({ rawBody: c.body, headers: c.headers, secrets: c.secrets, allowedSchemes: c.allowed, toleranceSeconds: TOL, nowSeconds: NOW });
			if (r.valid && !c.expectValid) wrongAccepts++;
			if (!r.valid && c.expectValid) wrongRejects++;
		}
		// Printed so the closing note can quote it.
		console.log(`signature cases: ${table.length}, wrong accepts: ${wrongAccepts}, wrong rejects: ${wrongRejects}`);
		expect({ wrongAccepts, wrongRejects }).toEqual({ wrongAccepts: 0, wrongRejects: 0 });
	});
});

describe('verifyWebhookSignature: reasons', () => {
	const secret = 'whsec_' + Buffer.from('0123456789abcdef0123').toString('base64');
	const body = Buffer.from('{"a":1}');
	it.each([
		['no header', {}, 'no_signature'],
		['stale', sign('luma', secret, body, NOW - 1000), 'timestamp_out_of_tolerance'],
		['mismatch', sign('luma', 'whsec_other', body, NOW), 'signature_mismatch'],
		['malformed', { 'webhook-signature': 't=abc,v1=zz' }, 'malformed_header'],
	])('%s → %s', (_n, headers, reason) => {
		const r = verifyWebhookSignature({ rawBody: body, headers: headers as HeaderBag, secrets: [secret], allowedSchemes: ALL, toleranceSeconds: TOL, nowSeconds: NOW });
		expect(r).toMatchObject({ valid: false, reason });
	});

	it('honours a custom tolerance', () => {
		const headers = sign('standard', secret, body, NOW - 900);
		const opts = { rawBody: body, headers, secrets: [secret], allowedSchemes: ALL };
		expect(verifyWebhookSignature({ ...opts, toleranceSeconds: 300, nowSeconds: NOW }).valid).toBe(false);
		expect(verifyWebhookSignature({ ...opts, toleranceSeconds: 1000, nowSeconds: NOW }).valid).toBe(true);
	});
});

describe('verifyWebhookSignature: what issue F closed', () => {
	const body = Buffer.from('{"type":"guest.registered","data":{"id":"gst-1"}}');
	const secret = 'whsec_' + Buffer.from('0123456789abcdef0123').toString('base64');
	const verify = (headers: HeaderBag, o: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
		verifyWebhookSignature({ rawBody: body, headers, secrets: [secret], allowedSchemes: AUTO_SCHEMES, toleranceSeconds: TOL, nowSeconds: NOW, ...o });

	it('Auto never accepts the untimestamped legacy scheme; chosen explicitly, it does', () => {
		const legacy = sign('legacy', secret, body, NOW);
		expect(verify(legacy)).toEqual({ valid: false, reason: 'scheme_not_allowed', scheme: 'legacy' });
		expect(verify(legacy, { allowedSchemes: ['legacy'] })).toMatchObject({ valid: true, scheme: 'legacy' });
	});

	it('Auto cannot be downgraded: a broken timestamped header next to a valid legacy one is refused', () => {
		const headers = { ...sign('legacy', secret, body, NOW), 'webhook-signature': 'garbage' };
		expect(verify(headers).valid).toBe(false);
	});

	it('the tolerance has a ceiling of 900 s whatever is configured', () => {
		expect(clampTolerance(100000)).toBe(MAX_TOLERANCE_SECONDS);
		expect(MAX_TOLERANCE_SECONDS).toBe(900);
		expect(clampTolerance('x')).toBe(300);
		expect(clampTolerance(0)).toBe(300);
		expect(verify(sign('luma', secret, body, NOW - 1000), { toleranceSeconds: 100000 })).toMatchObject({
			valid: false,
			reason: 'timestamp_out_of_tolerance',
		});
		expect(verify(sign('luma', secret, body, NOW - 900), { toleranceSeconds: 100000 }).valid).toBe(true);
	});

	it('the delivery id is signed material: webhook-id for Standard Webhooks, the signed content hash for Luma', () => {
		const standard = verify(sign('standard', secret, body, NOW, 'msg_abc'));
		expect(standard).toMatchObject({ valid: true, deliveryId: 'msg_abc' });
		const luma = sign('luma', secret, body, NOW);
		const expected = `sha256:${createHash('sha256').update(`${NOW}.`).update(body).digest('hex').slice(0, 32)}`;
		// Unsigned headers a replayer could change, and an extra junk v1 entry, change nothing.
		const noisy = { ...luma, 'webhook-id': 'attacker', 'x-luma-delivery-id': 'attacker', 'webhook-signature': `${luma['webhook-signature']},v1=00` };
		expect(verify(luma)).toMatchObject({ valid: true, deliveryId: expected });
		expect(verify(noisy)).toMatchObject({ valid: true, deliveryId: expected });
		expect(verify(sign('luma', secret, body, NOW - 1))).not.toMatchObject({ deliveryId: expected });
	});

	it('a whsec_ secret in base64url decodes as such', () => {
		// 0xfb 0xef 0xbe is "++++" in base64 and "----" in base64url.
		const key = Buffer.concat([randomBytes(21), Buffer.from([0xfb, 0xef, 0xbe])]);
		const urlSecret = `whsec_${key.toString('base64url')}`;
		expect(urlSecret).toMatch(/-/);
		const sig = b64Mac(key, Buffer.concat([Buffer.from(`msg_1.${NOW}.`), body]));
		const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW), 'webhook-signature': `v1,${sig}` };
		expect(verify(headers, { secrets: [urlSecret] })).toMatchObject({ valid: true, scheme: 'standard' });
		expect(standardWebhooksKey(urlSecret)).toEqual(key);
		expect(webhookSecretProblem(urlSecret)).toBeUndefined();
	});

	it('a whsec_ secret that does not decode is refused, never used as text', () => {
		const bad = 'whsec_not*base64!';
		expect(webhookSecretProblem(bad)).toMatch(/not base64/);
		expect(webhookSecretProblem(bad)).not.toContain(bad);
		expect(webhookSecretProblem('whsec_abc+def_')).toMatch(/not base64/); // mixed alphabets
		expect(webhookSecretProblem('plain-luma-secret')).toBeUndefined();
		expect(webhookSecretProblem('REPLACE_WITH_LUMA_WEBHOOK_SIGNING_SECRET')).toMatch(/placeholder/);
		// Signed with the secret's text as the key: what the old code silently accepted.
		const sig = b64Mac(Buffer.from(bad, 'utf8'), Buffer.concat([Buffer.from(`msg_1.${NOW}.`), body]));
		const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW), 'webhook-signature': `v1,${sig}` };
		expect(verify(headers, { secrets: [bad] })).toEqual({ valid: false, reason: 'secret_not_decodable', scheme: 'standard' });
	});
});

describe('replay guard (in memory)', () => {
	beforeEach(() => resetReplayMemory());

	it('a delivery is claimed once within its window, and again once the window has passed', async () => {
		const key = replayKey(['wf-1', 'node-1'], 'luma:sha256:abc');
		expect(await claimDelivery(key, 600_000, undefined, 1_000)).toBe(true);
		expect(await claimDelivery(key, 600_000, undefined, 1_000)).toBe(false);
		expect(await claimDelivery(key, 600_000, undefined, 600_999)).toBe(false);
		expect(await claimDelivery(key, 600_000, undefined, 601_000)).toBe(true);
	});

	it('keys are scoped per workflow and node, and hold no sender-chosen text', async () => {
		const a = replayKey(['wf-1', 'node-1'], 'standard:msg_1');
		const b = replayKey(['wf-2', 'node-1'], 'standard:msg_1');
		expect(a).not.toBe(b);
		expect(a).toMatch(/^mkops:webhook-delivery:[0-9a-f]{64}$/);
		expect(await claimDelivery(a, 1000, undefined, 0)).toBe(true);
		expect(await claimDelivery(b, 1000, undefined, 0)).toBe(true);
	});

	it('after many deliveries, an expired one can be claimed again and a live one stays refused', async () => {
		for (let i = 0; i < 1100; i++) await claimDelivery(`k${i}`, 1000, undefined, 0);
		// At t=5000 every earlier entry has expired.
		expect(await claimDelivery('live', 10_000, undefined, 5_000)).toBe(true);
		expect(await claimDelivery('k0', 1000, undefined, 5_000)).toBe(true);
		expect(await claimDelivery('live', 10_000, undefined, 5_001)).toBe(false);
	});
});
