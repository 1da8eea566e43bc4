#!/usr/bin/env node
'use strict';
// Usage: node test/emulators/webinarjam/cli.js [--port 0] [--generate 1000] [--per-page 100]
//        [--limit-per-second 20] [--retry-after 0] [--seed 1] [--empty]
// Env fallbacks: WEBINARJAM_EMULATOR_PORT, WEBINARJAM_EMULATOR_GENERATE, WEBINARJAM_EMULATOR_PER_PAGE,
// WEBINARJAM_EMULATOR_LIMIT_PER_SECOND, WEBINARJAM_EMULATOR_RETRY_AFTER, WEBINARJAM_EMULATOR_SEED.
// --retry-after N sends `Retry-After: N` on 429s (default: none, as WebinarJam documents none).
// --generate N adds N deterministic registrants to the first demo webinar (webinar_id 1).
// Prints "WEBINARJAM_EMULATOR_URL=http://127.0.0.1:<port>" and the emulator's own test key once
// listening, so a parent process can parse them. The key is the emulator's, not a real account's.
const { startWebinarJamEmulator } = require('./server');

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
	const emulator = await startWebinarJamEmulator({
		port: num(arg('port') ?? env.WEBINARJAM_EMULATOR_PORT, 'port') ?? 0,
		perPage: num(arg('per-page') ?? env.WEBINARJAM_EMULATOR_PER_PAGE, 'per-page'),
		limitPerSecond: num(
			arg('limit-per-second') ?? env.WEBINARJAM_EMULATOR_LIMIT_PER_SECOND,
			'limit-per-second',
		),
		retryAfter: num(arg('retry-after') ?? env.WEBINARJAM_EMULATOR_RETRY_AFTER, 'retry-after'),
		seed: num(arg('seed') ?? env.WEBINARJAM_EMULATOR_SEED, 'seed'),
		data: process.argv.includes('--empty') ? null : undefined,
	});
	const generate = num(arg('generate') ?? env.WEBINARJAM_EMULATOR_GENERATE, 'generate');
	if (generate) {
		const g = emulator.generate({ count: generate });
		console.log(
			`generated ${g.count} registrants for webinar ${g.webinar_id} schedule ${g.schedule} (ids ${g.firstId}-${g.lastId})`,
		);
	}
	console.log(`WEBINARJAM_EMULATOR_URL=${emulator.url}`);
	console.log(`WEBINARJAM_EMULATOR_API_KEY=${emulator.defaultKey}`);
	console.log(
		`  WebinarJam base URL ${emulator.webinarJamUrl}, EverWebinar ${emulator.everWebinarUrl}; state: GET ${emulator.url}/__emulator/state?log=0`,
	);
	const stop = () => emulator.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
