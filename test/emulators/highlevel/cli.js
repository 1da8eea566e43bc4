#!/usr/bin/env node
'use strict';
// Usage: node test/emulators/highlevel/cli.js [--port 0] [--host 127.0.0.1] [--location-id X]
//        [--limit-per-10s 100] [--window-ms 10000] [--daily-limit 200000] [--seed 1]
// Env fallbacks: HIGHLEVEL_EMULATOR_PORT, HIGHLEVEL_EMULATOR_LOCATION_ID,
// HIGHLEVEL_EMULATOR_LIMIT_PER_10S, HIGHLEVEL_EMULATOR_WINDOW_MS, HIGHLEVEL_EMULATOR_DAILY_LIMIT,
// HIGHLEVEL_EMULATOR_SEED.
// Prints HIGHLEVEL_EMULATOR_URL=, HIGHLEVEL_EMULATOR_TOKEN= and HIGHLEVEL_EMULATOR_LOCATION_ID= once
// listening, so a parent process can parse them. The token is the emulator's fixed sandbox token.
const { startHighLevelEmulator } = require('./server');

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

async function main() {
	const env = process.env;
	const emulator = await startHighLevelEmulator({
		port: num(arg('port') ?? env.HIGHLEVEL_EMULATOR_PORT, 'port') ?? 0,
		host: arg('host'),
		locationId: arg('location-id') ?? env.HIGHLEVEL_EMULATOR_LOCATION_ID,
		limitPer10s: num(arg('limit-per-10s') ?? env.HIGHLEVEL_EMULATOR_LIMIT_PER_10S, 'limit-per-10s'),
		windowMs: num(arg('window-ms') ?? env.HIGHLEVEL_EMULATOR_WINDOW_MS, 'window-ms'),
		dailyLimit: num(arg('daily-limit') ?? env.HIGHLEVEL_EMULATOR_DAILY_LIMIT, 'daily-limit'),
		seed: num(arg('seed') ?? env.HIGHLEVEL_EMULATOR_SEED, 'seed'),
	});
	console.log(`HIGHLEVEL_EMULATOR_URL=${emulator.url}`);
	console.log(`HIGHLEVEL_EMULATOR_TOKEN=${emulator.defaultToken}`);
	console.log(`HIGHLEVEL_EMULATOR_LOCATION_ID=${emulator.locationId}`);
	const stop = () => emulator.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
