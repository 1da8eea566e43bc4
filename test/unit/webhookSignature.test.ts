import { createHmac, randomBytes } from 'crypto';
import {
	verifyWebhookSignature,
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
