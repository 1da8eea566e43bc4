'use strict';
// A tiny Slack Web API emulator for n8n's built-in Slack node. That node always calls https://slack.com/api,
// with no base-URL setting, so the emulator is reached the way a company network reaches Slack: through an
// egress proxy. It listens as an HTTP forward proxy (give n8n HTTPS_PROXY + NO_PROXY, which n8n 2.x honours
// for node requests), accepts CONNECT to slack.com:443 only, and terminates that TLS itself with a
// certificate from a throwaway one-day CA (give n8n NODE_EXTRA_CA_CERTS). No root, no /etc/hosts line.
// It answers chat.postMessage and users.profile.get and records every message.
const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const { makeTlsFiles } = require('../../bench/hubspot-tls');

const DEFAULT_TOKEN = 'xoxb-emulator-token';
const SLACK_HOST = 'slack.com';

const fingerprint = (token) => crypto.createHash('sha256').update(token).digest('hex').slice(0, 12);

async function readBody(req) {
	const chunks = [];
	for await (const chunk of req) chunks.push(chunk);
	const text = Buffer.concat(chunks).toString('utf8');
	const type = String(req.headers['content-type'] || '');
	if (text === '') return {};
	if (type.includes('application/x-www-form-urlencoded'))
		return Object.fromEntries(new URLSearchParams(text));
	try {
		return JSON.parse(text);
	} catch {
		return { _raw: text };
	}
}

async function startSlackEmulator(opts = {}) {
	const tokens = new Set([DEFAULT_TOKEN, ...(opts.tokens || [])]);
	const tlsDir = mkdtempSync(join(tmpdir(), 'mkops-slack-tls-'));
	const tls = makeTlsFiles(tlsDir, [SLACK_HOST]);
	const messages = [];
	const requests = [];
	const faults = { failNext: 0, failError: 'internal_error' };
	let ts = 1700000000;

	const api = https.createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
		const url = new URL(req.url, `https://${SLACK_HOST}`);
		const body = await readBody(req);
		const auth = String(req.headers.authorization || '');
		const token = auth.startsWith('Bearer ') ? auth.slice(7) : String(body.token || '');
		const entry = {
			method: req.method,
			path: url.pathname,
			tokenFingerprint: token ? fingerprint(token) : null,
			time: Date.now(),
		};
		requests.push(entry);
		const reply = (json) => {
			entry.ok = json.ok;
			entry.error = json.error;
			res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
			res.end(JSON.stringify(json));
		};
		if (!tokens.has(token)) return reply({ ok: false, error: 'invalid_auth' });
		if (url.pathname === '/api/users.profile.get')
			return reply({ ok: true, profile: { real_name: 'Emulator Bot', display_name: 'bot' } });
		if (url.pathname === '/api/chat.postMessage') {
			if (faults.failNext > 0) {
				faults.failNext--;
				return reply({ ok: false, error: faults.failError });
			}
			if (!body.channel) return reply({ ok: false, error: 'channel_not_found' });
			if (!body.text && !body.blocks && !body.attachments)
				return reply({ ok: false, error: 'no_text' });
			ts += 1;
			const message = {
				channel: String(body.channel),
				text: body.text === undefined ? '' : String(body.text),
				blocks: body.blocks,
				ts: `${ts}.000100`,
				tokenFingerprint: fingerprint(token),
			};
			messages.push(message);
			return reply({
				ok: true,
				channel: message.channel,
				ts: message.ts,
				message: { type: 'message', text: message.text, ts: message.ts },
			});
		}
		return reply({ ok: false, error: 'unknown_method' });
	});

	// The forward proxy: CONNECT slack.com:443 is handed to the TLS server above, anything else is refused.
	const proxy = http.createServer((req, res) => {
		res.writeHead(403, { 'content-type': 'text/plain' });
		res.end('slack emulator proxy: only CONNECT slack.com:443');
	});
	const sockets = new Set();
	proxy.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	proxy.on('connect', (req, socket) => {
		const [host, port] = String(req.url).split(':');
		if (host !== SLACK_HOST || (port && port !== '443')) {
			socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
			return;
		}
		socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
		api.emit('connection', socket);
	});

	await new Promise((resolve, reject) => {
		proxy.once('error', reject);
		proxy.listen(opts.port || 0, opts.host || '127.0.0.1', resolve);
	});
	const { port } = proxy.address();
	const proxyUrl = `http://127.0.0.1:${port}`;

	return {
		proxyUrl,
		port,
		caFile: tls.caFile,
		defaultToken: DEFAULT_TOKEN,
		/** Environment for an n8n process: Slack through this proxy, everything local direct. */
		n8nEnv() {
			return {
				HTTPS_PROXY: proxyUrl,
				https_proxy: proxyUrl,
				NO_PROXY: '127.0.0.1,localhost,::1',
				no_proxy: '127.0.0.1,localhost,::1',
				NODE_EXTRA_CA_CERTS: tls.caFile,
			};
		},
		messages: () => messages.slice(),
		requests: () => requests.slice(),
		setFaults(patch) {
			Object.assign(faults, patch);
			return { ...faults };
		},
		reset() {
			messages.length = 0;
			requests.length = 0;
			faults.failNext = 0;
		},
		async close() {
			for (const s of sockets) s.destroy();
			await new Promise((resolve) => proxy.close(() => resolve()));
			rmSync(tlsDir, { recursive: true, force: true });
		},
	};
}

module.exports = { startSlackEmulator, DEFAULT_TOKEN };
