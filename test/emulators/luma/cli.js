#!/usr/bin/env node
'use strict';
// Usage: node test/emulators/luma/cli.js [--port 0] [--rate-limit 200] [--window-ms 60000] [--seed '<json>']
// Env fallbacks: LUMA_EMULATOR_PORT, LUMA_EMULATOR_RATE_LIMIT, LUMA_EMULATOR_WINDOW_MS.
// Prints "LUMA_EMULATOR_URL=http://127.0.0.1:<port>" once listening, so a parent process can parse it.
const { startLumaEmulator } = require('./server');

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
	const positional = process.argv.slice(2).find((a) => /^\d+$/.test(a));
	const port = num(arg('port') ?? positional ?? process.env.LUMA_EMULATOR_PORT, 'port') ?? 0;
	const rateLimitPerMinute = num(arg('rate-limit') ?? process.env.LUMA_EMULATOR_RATE_LIMIT, 'rate limit');
	const windowMs = num(arg('window-ms') ?? process.env.LUMA_EMULATOR_WINDOW_MS, 'window');
	const emulator = await startLumaEmulator({ port, rateLimitPerMinute, windowMs });
	const seed = arg('seed');
	if (seed) emulator.seed(JSON.parse(seed));
	console.log(`LUMA_EMULATOR_URL=${emulator.url}`);
	const stop = () => emulator.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
