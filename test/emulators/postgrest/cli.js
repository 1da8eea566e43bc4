#!/usr/bin/env node
'use strict';
// PostgREST-protocol test double (PostgREST itself cannot be installed on these machines).
// Usage: node test/emulators/postgrest/cli.js [--port 5684] [--host 127.0.0.1] [--database test]
//        [--schema public] [--schemas public,other] [--service-role-key <key>] [--pool-size 10]
//        [--pg-host 127.0.0.1] [--pg-port 5432] [--pg-user postgres] [--pg-password ""]
// Env fallbacks: POSTGREST_DOUBLE_PORT, POSTGREST_DOUBLE_SCHEMA, POSTGREST_DOUBLE_SCHEMAS,
// POSTGREST_DOUBLE_SERVICE_ROLE_KEY, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DATABASE, POSTGRES_USER,
// POSTGRES_PASSWORD.
// Prints "POSTGREST_DOUBLE_URL=http://127.0.0.1:<port>" (the Supabase project URL) and the service
// role key once listening, so a parent process can parse them.
const { startPostgrestDouble } = require('./server');

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
	const schema = arg('schema') ?? env.POSTGREST_DOUBLE_SCHEMA ?? 'public';
	const schemas = (arg('schemas') ?? env.POSTGREST_DOUBLE_SCHEMAS ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s !== '');
	const double = await startPostgrestDouble({
		port: num(arg('port') ?? env.POSTGREST_DOUBLE_PORT, 'port') ?? 5684,
		host: arg('host') ?? '127.0.0.1',
		schema,
		schemas: schemas.length ? schemas : undefined,
		serviceRoleKey: arg('service-role-key') ?? env.POSTGREST_DOUBLE_SERVICE_ROLE_KEY,
		poolSize: num(arg('pool-size'), 'pool-size'),
		connection: {
			host: arg('pg-host') ?? env.POSTGRES_HOST ?? '127.0.0.1',
			port: num(arg('pg-port') ?? env.POSTGRES_PORT, 'pg-port') ?? 5432,
			database: arg('database') ?? env.POSTGRES_DATABASE ?? 'test',
			user: arg('pg-user') ?? env.POSTGRES_USER ?? 'postgres',
			password: arg('pg-password') ?? env.POSTGRES_PASSWORD ?? '',
		},
	});
	console.log(`POSTGREST_DOUBLE_URL=${double.url}`);
	console.log(`POSTGREST_DOUBLE_SERVICE_ROLE_KEY=${double.serviceRoleKey}`);
	console.log(`POSTGREST_DOUBLE_SCHEMAS=${double.schemas.join(',')}`);
	const stop = () => double.close().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
