/**
 * HubSpot's webhook signatures, computed here from HubSpot's documented recipe (not with the code
 * under test): v3 accepted; altered, stale, forged and unselected versions refused.
 */
import { createHash, createHmac } from 'node:crypto';

import {
	clientSecretProblem,
	decodeUri,
	verifyHubSpotSignature,
} from '../../nodes/HubSpotSignedTrigger/signature';

const SECRET = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';
const URI = 'https://n8n.example.com/webhook/abc/hubspot';
const BODY = Buffer.from(
	JSON.stringify([{ eventId: 1, subscriptionType: 'company.propertyChange', objectId: 9 }]),
);
const NOW = 1_800_000_000_000;

const v3 = (body: Buffer, timestamp: number, secret = SECRET, uri = URI) =>
	createHmac('sha256', secret).update(`POST${uri}${body.toString()}${timestamp}`).digest('base64');

function verify(
	headers: Record<string, string>,
	opts: { allowed?: Array<'v1' | 'v2' | 'v3'>; body?: Buffer; uris?: string[] } = {},
) {
	return verifyHubSpotSignature({
		method: 'POST',
		uris: opts.uris ?? [URI],
		rawBody: opts.body ?? BODY,
		headers,
		secrets: [SECRET],
		allowed: opts.allowed ?? ['v3'],
		now: NOW,
	});
}

describe('v3', () => {
	const signed = (timestamp = NOW, secret = SECRET) => ({
		'x-hubspot-signature-v3': v3(BODY, timestamp, secret),
		'x-hubspot-request-timestamp': String(timestamp),
	});
	it('accepts a delivery signed with the client secret', () => {
		expect(verify(signed())).toEqual({ valid: true, version: 'v3', timestamp: NOW });
	});
	it('accepts a timestamp up to five minutes old, refuses an older one', () => {
		expect(verify(signed(NOW - 300_000)).valid).toBe(true);
		expect(verify(signed(NOW - 300_001))).toEqual({
			valid: false,
			reason: 'stale_timestamp',
			version: 'v3',
		});
		expect(verify(signed(NOW + 300_001))).toMatchObject({
			valid: false,
			reason: 'stale_timestamp',
		});
	});
	it('refuses another secret, an altered body, another URL', () => {
		expect(verify(signed(NOW, 'another-secret-entirely-0000'))).toMatchObject({
			valid: false,
			reason: 'signature_mismatch',
		});
		expect(
			verify(signed(), { body: Buffer.from(BODY.toString().replace('9', '8')) }),
		).toMatchObject({ reason: 'signature_mismatch' });
		expect(verify(signed(), { uris: ['https://n8n.example.com/webhook/abc/other'] })).toMatchObject(
			{ reason: 'signature_mismatch' },
		);
	});
	it('signs the URL with HubSpot’s decoding of %3A %2F %3F …', () => {
		const encoded = 'https://n8n.example.com/webhook/abc/hubspot?x=a%3Ab%2Cc';
		const headers = {
			'x-hubspot-signature-v3': v3(
				BODY,
				NOW,
				SECRET,
				'https://n8n.example.com/webhook/abc/hubspot?x=a:b,c',
			),
			'x-hubspot-request-timestamp': String(NOW),
		};
		expect(verify(headers, { uris: [encoded] }).valid).toBe(true);
		expect(decodeUri('%2F%3f%40%21%24%27%28%29%2A')).toBe("/?@!$'()*");
	});
	it('refuses a malformed timestamp or signature before any HMAC', () => {
		expect(
			verify({
				'x-hubspot-signature-v3': v3(BODY, NOW),
				'x-hubspot-request-timestamp': 'yesterday',
			}),
		).toMatchObject({ reason: 'malformed_header' });
		expect(
			verify({ 'x-hubspot-signature-v3': 'short', 'x-hubspot-request-timestamp': String(NOW) }),
		).toMatchObject({ reason: 'malformed_header' });
	});
	it('refuses when v3 is not selected', () => {
		expect(verify(signed(), { allowed: ['v1'] })).toMatchObject({
			valid: false,
			reason: 'version_not_allowed',
		});
	});
});

describe('v1 and v2: accepted only when selected', () => {
	const v1 = createHash('sha256')
		.update(SECRET + BODY.toString())
		.digest('hex');
	const v2 = createHash('sha256').update(`${SECRET}POST${URI}${BODY.toString()}`).digest('hex');
	it('v1', () => {
		const headers = { 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v1' };
		expect(verify(headers)).toMatchObject({
			valid: false,
			reason: 'version_not_allowed',
			version: 'v1',
		});
		expect(verify(headers, { allowed: ['v3', 'v1'] })).toEqual({ valid: true, version: 'v1' });
	});
	it('v2', () => {
		const headers = { 'x-hubspot-signature': v2, 'x-hubspot-signature-version': 'v2' };
		expect(verify(headers)).toMatchObject({
			valid: false,
			reason: 'version_not_allowed',
			version: 'v2',
		});
		expect(verify(headers, { allowed: ['v2'] })).toEqual({ valid: true, version: 'v2' });
		expect(
			verify({ ...headers, 'x-hubspot-signature-version': 'v1' }, { allowed: ['v1', 'v2'] }),
		).toMatchObject({ reason: 'signature_mismatch' });
	});
	it('no signature at all', () => {
		expect(verify({})).toEqual({ valid: false, reason: 'no_signature' });
	});
});

describe('client secret check', () => {
	it('refuses empty, placeholder and padded secrets', () => {
		expect(clientSecretProblem('')).toMatch(/empty/);
		expect(clientSecretProblem('REPLACE_WITH_SECRET_FROM_HUBSPOT')).toMatch(/placeholder/);
		expect(clientSecretProblem(` ${SECRET}`)).toMatch(/spaces/);
		expect(clientSecretProblem(SECRET)).toBeUndefined();
	});
});
