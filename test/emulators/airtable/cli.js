#!/usr/bin/env node
'use strict';
// Usage: node test/emulators/airtable/cli.js [--port 0] [--limit-per-second 5] [--penalty-ms 30000]
//        [--base-id appEmuRegistry001] [--seed 1]
// Env fallbacks: AIRTABLE_EMULATOR_PORT, AIRTABLE_EMULATOR_LIMIT_PER_SECOND, AIRTABLE_EMULATOR_PENALTY_MS,
// AIRTABLE_EMULATOR_BASE_ID, AIRTABLE_EMULATOR_SEED.
// Prints "AIRTABLE_EMULATOR_URL=http://127.0.0.1:<port>" once listening, so a parent process can parse it.
const { startAirtableEmulator } = require('./server');

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
	const emulator = await startAirtableEmulator({
		port: num(arg('port') ?? env.AIRTABLE_EMULATOR_PORT, 'port') ?? 0,
		limitPerSecond: num(
			arg('limit-per-second') ?? env.AIRTABLE_EMULATOR_LIMIT_PER_SECOND,
			'limit-per-second',
		),
		penaltyMs: num(arg('penalty-ms') ?? env.AIRTABLE_EMULATOR_PENALTY_MS, 'penalty-ms'),
		baseId: arg('base-id') ?? env.AIRTABLE_EMULATOR_BASE_ID,
		seed: num(arg('seed') ?? env.AIRTABLE_EMULATOR_SEED, 'seed'),
	});
	console.log(`AIRTABLE_EMULATOR_URL=${emulator.url}`);
	console.log(`AIRTABLE_EMULATOR_BASE_ID=${emulator.baseId}`);
	const stop = () => emulator.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
