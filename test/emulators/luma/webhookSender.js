'use strict';
// Signs and delivers Luma-style webhooks. Written independently of nodes/ so that tests of the
// trigger's verification code check it against a second implementation, not against itself.
const crypto = require('node:crypto');

const SCHEMES = ['luma', 'standard', 'legacy'];

function toRawBody(body) {
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	return JSON.stringify(body);
}

// Standard Webhooks keys are the base64 part after "whsec_"; a secret without the prefix is
// treated as plain base64, which is what the reference libraries do.
function standardKey(secret) {
	const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
	return Buffer.from(b64, 'base64');
}

function hmac(key, data, encoding) {
	return crypto.createHmac('sha256', key).update(data, 'utf8').digest(encoding);
}

function signLumaDelivery({ scheme = 'luma', secret, body, timestamp, id }) {
	if (!SCHEMES.includes(scheme)) throw new Error(`Unknown signature scheme "${scheme}"`);
	if (typeof secret !== 'string' || secret === '') throw new Error('A signing secret is required');
	const raw = toRawBody(body);
	const t = timestamp === undefined ? Math.floor(Date.now() / 1000) : Math.floor(Number(timestamp));
	const headers = {};
	if (scheme === 'luma') {
		headers['webhook-signature'] = `t=${t},v1=${hmac(secret, `${t}.${raw}`, 'hex')}`;
	} else if (scheme === 'standard') {
		const msgId = id || `msg_${crypto.randomBytes(12).toString('hex')}`;
		headers['webhook-id'] = msgId;
		headers['webhook-timestamp'] = String(t);
		headers['webhook-signature'] = `v1,${hmac(standardKey(secret), `${msgId}.${t}.${raw}`, 'base64')}`;
	} else {
		headers['x-luma-signature'] = hmac(secret, raw, 'hex');
	}
	return { headers, body: raw };
}

/**
 * POSTs a signed delivery. `tamper: true` alters the body after signing so that
 * receivers can be tested against a bad signature with otherwise identical traffic.
 */
async function sendLumaWebhook(url, opts) {
	const { scheme = 'luma', secret, payload, body, timestamp, id, headers: extraHeaders, tamper, unsigned } =
		opts || {};
	const source = body !== undefined ? body : payload;
	if (source === undefined) throw new Error('sendLumaWebhook needs a payload or body');
	const signed = unsigned ? { headers: {}, body: toRawBody(source) } : signLumaDelivery({ scheme, secret, body: source, timestamp, id });
	let raw = signed.body;
	if (tamper) raw = raw.replace(/"type"\s*:\s*"/, '"type":"x');
	if (tamper && raw === signed.body) raw = `${raw} `;
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'user-agent': 'Luma-Webhooks/1.0', ...signed.headers, ...(extraHeaders || {}) },
		body: raw,
	});
	const text = await res.text();
	let parsed = text;
	try {
		parsed = text === '' ? '' : JSON.parse(text);
	} catch {
		// not JSON: hand back the text as-is
	}
	const responseHeaders = {};
	res.headers.forEach((value, key) => {
		responseHeaders[key] = value;
	});
	return { status: res.status, body: parsed, headers: responseHeaders };
}

function randomId(prefix) {
	return `${prefix}-${crypto.randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
}

function sampleGuestRegistered(opts) {
	const o = opts || {};
	const name = o.name !== undefined ? o.name : 'Ada Lovelace';
	const [first, ...rest] = String(name).split(' ');
	const startAt = o.startAt || '2030-03-14T17:00:00.000Z';
	const endAt = o.endAt || new Date(new Date(startAt).getTime() + 60 * 60 * 1000).toISOString();
	const eventId = o.eventId || randomId('evt');
	return {
		type: o.type || 'guest.registered',
		data: {
			id: o.guestId || randomId('gst'),
			user_id: o.userId || randomId('usr'),
			user_email: o.email !== undefined ? o.email : 'ada@example.com',
			user_name: name,
			user_first_name: o.firstName !== undefined ? o.firstName : first || '',
			user_last_name: o.lastName !== undefined ? o.lastName : rest.join(' '),
			approval_status: o.approvalStatus || 'approved',
			registered_at: o.registeredAt || new Date().toISOString(),
			phone_number: o.phone !== undefined ? o.phone : '+14155550123',
			utm_source: o.utmSource !== undefined ? o.utmSource : null,
			event_tickets: [],
			event: {
				id: eventId,
				name: o.eventName || 'Marketing Ops Meetup',
				start_at: startAt,
				end_at: endAt,
				timezone: o.timezone || 'America/New_York',
				url: o.eventUrl || `https://lu.ma/${eventId.slice(4, 12).toLowerCase()}`,
				calendar_id: o.calendarId || 'cal-emulator',
			},
		},
	};
}

module.exports = { signLumaDelivery, sendLumaWebhook, sampleGuestRegistered, SIGNATURE_SCHEMES: SCHEMES };
