#!/usr/bin/env node
'use strict';
// Usage: node test/emulators/verifier/cli.js [--port 0] [--host 127.0.0.1] [--api-key K]
//        [--latency-ms 0] [--failure-rate 0] [--limit-per-window 600] [--window-ms 1000]
//        [--credits 1000000] [--disposable-domains a.com,b.com] [--seed 1]
// Env fallbacks: VERIFIER_EMULATOR_PORT, VERIFIER_EMULATOR_API_KEY, VERIFIER_EMULATOR_LATENCY_MS,
// VERIFIER_EMULATOR_FAILURE_RATE, VERIFIER_EMULATOR_LIMIT_PER_WINDOW, VERIFIER_EMULATOR_WINDOW_MS,
// VERIFIER_EMULATOR_CREDITS, VERIFIER_EMULATOR_DISPOSABLE_DOMAINS, VERIFIER_EMULATOR_SEED.
// Prints VERIFIER_EMULATOR_URL= (base URL; the API is at /api/v3/), VERIFIER_EMULATOR_ENDPOINT= and
// VERIFIER_EMULATOR_API_KEY= once listening, so a parent process can parse them. The key is the
// emulator's own test key, not a real account's.
const { startVerifierEmulator } = require('./server');

function arg(name) {
	const argv = process.argv.slice(2);
	const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
	if (i === -1) return undefined;
	const a = argv[i];
	return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

function num(value, name) {
	if (value === undefined || value === '') return undefined;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0) {
		console.error(`Invalid ${name}: ${value}`);
		process.exit(2);
	}
	return n;
}

/** A share between 0 and 1. */
function share(value, name) {
	if (value === undefined || value === '') return undefined;
	const n = Number(value);
	if (!(n >= 0 && n <= 1)) {
		console.error(`Invalid ${name}: ${value} (expected 0..1)`);
		process.exit(2);
	}
	return n;
}

function list(value) {
	if (value === undefined || value === '') return undefined;
	return value
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}

async function main() {
	const env = process.env;
	const emulator = await startVerifierEmulator({
		port: num(arg('port') ?? env.VERIFIER_EMULATOR_PORT, 'port') ?? 0,
		host: arg('host'),
		apiKey: arg('api-key') ?? env.VERIFIER_EMULATOR_API_KEY,
		latencyMs: num(arg('latency-ms') ?? env.VERIFIER_EMULATOR_LATENCY_MS, 'latency-ms'),
		failureRate: share(arg('failure-rate') ?? env.VERIFIER_EMULATOR_FAILURE_RATE, 'failure-rate'),
		limitPerWindow: num(
			arg('limit-per-window') ?? env.VERIFIER_EMULATOR_LIMIT_PER_WINDOW,
			'limit-per-window',
		),
		windowMs: num(arg('window-ms') ?? env.VERIFIER_EMULATOR_WINDOW_MS, 'window-ms'),
		credits: num(arg('credits') ?? env.VERIFIER_EMULATOR_CREDITS, 'credits'),
		disposableDomains: list(arg('disposable-domains') ?? env.VERIFIER_EMULATOR_DISPOSABLE_DOMAINS),
		seed: num(arg('seed') ?? env.VERIFIER_EMULATOR_SEED, 'seed'),
	});
	console.log(`VERIFIER_EMULATOR_URL=${emulator.url}`);
	console.log(`VERIFIER_EMULATOR_ENDPOINT=${emulator.endpoint}`);
	console.log(`VERIFIER_EMULATOR_API_KEY=${emulator.apiKey}`);
	const stop = () => emulator.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
