#!/usr/bin/env node
'use strict';
// Usage: node test/emulators/enrichment/cli.js [--port 0] [--host 127.0.0.1] [--api-key K]
//        [--latency-ms 0] [--failure-rate 0] [--not-found-rate 0.1] [--limit-per-window 600]
//        [--window-ms 1000] [--seed 1]
// Env fallbacks: ENRICHMENT_EMULATOR_PORT, ENRICHMENT_EMULATOR_API_KEY,
// ENRICHMENT_EMULATOR_LATENCY_MS, ENRICHMENT_EMULATOR_FAILURE_RATE,
// ENRICHMENT_EMULATOR_NOT_FOUND_RATE, ENRICHMENT_EMULATOR_LIMIT_PER_WINDOW,
// ENRICHMENT_EMULATOR_WINDOW_MS, ENRICHMENT_EMULATOR_SEED.
// Prints ENRICHMENT_EMULATOR_URL= and ENRICHMENT_EMULATOR_API_KEY= once listening, so a parent
// process can parse them. The key is the emulator's own test key, not a real account's.
const { startEnrichmentEmulator } = require('./server');

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

async function main() {
	const env = process.env;
	const emulator = await startEnrichmentEmulator({
		port: num(arg('port') ?? env.ENRICHMENT_EMULATOR_PORT, 'port') ?? 0,
		host: arg('host'),
		apiKey: arg('api-key') ?? env.ENRICHMENT_EMULATOR_API_KEY,
		latencyMs: num(arg('latency-ms') ?? env.ENRICHMENT_EMULATOR_LATENCY_MS, 'latency-ms'),
		failureRate: share(arg('failure-rate') ?? env.ENRICHMENT_EMULATOR_FAILURE_RATE, 'failure-rate'),
		notFoundRate: share(
			arg('not-found-rate') ?? env.ENRICHMENT_EMULATOR_NOT_FOUND_RATE,
			'not-found-rate',
		),
		limitPerWindow: num(
			arg('limit-per-window') ?? env.ENRICHMENT_EMULATOR_LIMIT_PER_WINDOW,
			'limit-per-window',
		),
		windowMs: num(arg('window-ms') ?? env.ENRICHMENT_EMULATOR_WINDOW_MS, 'window-ms'),
		seed: num(arg('seed') ?? env.ENRICHMENT_EMULATOR_SEED, 'seed'),
	});
	console.log(`ENRICHMENT_EMULATOR_URL=${emulator.url}`);
	console.log(`ENRICHMENT_EMULATOR_API_KEY=${emulator.apiKey}`);
	const stop = () => emulator.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
