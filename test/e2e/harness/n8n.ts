/**
 * Runs the pinned n8n (2.40.7, Node 24) as a child process with this package installed the way users get it:
 * `npm pack` output installed into <user folder>/.n8n/nodes. Used by the e2e suite, the demo and the benchmark.
 *
 * By default n8n runs alone on the user folder's SQLite file. With `postgres` and `queue` options it runs
 * in queue mode instead: `n8n start` enqueues production executions in Bull on Redis and `startWorker()`
 * adds `n8n worker` processes that run them, all on one PostgreSQL database (SQLite cannot be shared).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import {
	closeSync,
	cpSync,
	existsSync,
	mkdirSync,
	openSync,
	readFileSync,
	readdirSync,
	writeFileSync,
} from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

import bcrypt from 'bcryptjs';

export const ROOT = resolve(__dirname, '../../..');
const OWNER = {
	email: 'owner@example.com',
	password: 'E2e-Owner-Passw0rd!',
	first: 'Ops',
	last: 'Owner',
};

export function runtime(): { node: string; n8n: string } {
	let { NODE24, N8N_BIN } = process.env;
	if (!NODE24 || !N8N_BIN) {
		const out = execFileSync(join(ROOT, 'scripts/ensure-n8n-runtime.sh'), { encoding: 'utf8' });
		NODE24 = /NODE24=(.*)/.exec(out)?.[1];
		N8N_BIN = /N8N_BIN=(.*)/.exec(out)?.[1];
	}
	if (!NODE24 || !N8N_BIN)
		throw new Error('Node 24 / n8n runtime not found: run scripts/ensure-n8n-runtime.sh');
	return { node: NODE24, n8n: N8N_BIN };
}

export async function freePort(): Promise<number> {
	return await new Promise((resolvePort, reject) => {
		const srv = createServer();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolvePort(port));
		});
	});
}

/** Packs the built package (dist + workflows, as published) and installs it like `npm i` in ~/.n8n/nodes. */
export function installPackage(userFolder: string): void {
	if (!existsSync(join(ROOT, 'dist/nodes')))
		throw new Error('dist/ is missing: run `npm run build` first');
	const packDir = join(userFolder, 'pack');
	mkdirSync(packDir, { recursive: true });
	execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], {
		cwd: ROOT,
		stdio: 'pipe',
	});
	const tgz = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(
		join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true }),
	);
	// n8n-workflow is a peer provided by n8n itself; installing a second copy would split its classes.
	execFileSync(
		'npm',
		[
			'i',
			join(packDir, tgz as string),
			'--legacy-peer-deps',
			'--no-audit',
			'--no-fund',
			'--ignore-scripts',
			'--loglevel=error',
		],
		{ cwd: nodesDir, stdio: 'pipe' },
	);
}

/** A PostgreSQL database n8n keeps its data in (DB_TYPE=postgresdb) instead of SQLite. */
export interface N8nPostgres {
	host: string;
	port: number;
	database: string;
	user: string;
	password?: string;
}

/** Queue mode (EXECUTIONS_MODE=queue): Bull and n8n's pub/sub on this Redis, under a prefix of their own. */
export interface N8nQueueMode {
	redisHost?: string;
	redisPort?: number;
	redisDb?: number;
	/**
	 * QUEUE_BULL_PREFIX and N8N_REDIS_KEY_PREFIX (default `mkops-e2e-q-<random>`): processes that share
	 * it share a queue, so one per setup keeps parallel runs on one Redis apart.
	 */
	prefix?: string;
}

export interface N8nOptions {
	userFolder?: string;
	port?: number;
	env?: Record<string, string>;
	/** n8n's database; every process of a queue-mode setup (main, workers, CLI) must share one. */
	postgres?: N8nPostgres;
	/** Run the main process in queue mode; executions then need workers (`startWorker()`). */
	queue?: N8nQueueMode;
}

export interface N8nWorkerOptions {
	/** `n8n worker --concurrency` (n8n's default 10): jobs one worker runs at once. */
	concurrency?: number;
	env?: Record<string, string>;
}

/**
 * A fresh PostgreSQL database (`mkops_e2e_<label>_<random>`) on the test server
 * (test/harness/postgres.ts: POSTGRES_HOST/PORT/USER/PASSWORD, default postgres@127.0.0.1:5432).
 * `drop()` removes it, closing connections still open (stop n8n first all the same).
 */
export async function createPostgresDatabase(
	label = 'n8n',
): Promise<N8nPostgres & { drop(): Promise<void> }> {
	const { ensurePostgres, quoteIdent, testPostgresConnection } = await import(
		'../../harness/postgres'
	);
	const { Client } = await import('pg');
	await ensurePostgres();
	const clean = label
		.toLowerCase()
		.replace(/[^a-z0-9_]+/g, '_')
		.slice(0, 30);
	const database = `mkops_e2e_${clean}_${randomBytes(5).toString('hex')}`;
	const connection = testPostgresConnection(database);
	const admin = async (sql: string) => {
		const client = new Client({ ...connection, database: 'postgres' });
		await client.connect();
		try {
			await client.query(sql);
		} finally {
			await client.end();
		}
	};
	await admin(`CREATE DATABASE ${quoteIdent(database)}`);
	return {
		...connection,
		drop: async () => await admin(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`),
	};
}

/**
 * Spawns `n8n <args>` logging to `logFile`, hands the process to `onSpawn` (so it can be stopped even if
 * it never gets ready), and waits until `ready()` holds; throws with the log tail if it exits.
 */
async function spawnUntilReady(
	args: string[],
	env: NodeJS.ProcessEnv,
	logFile: string,
	onSpawn: (proc: ChildProcess) => void,
	ready: (log: string) => Promise<boolean>,
	what: string,
): Promise<void> {
	const { node, n8n } = runtime();
	// A file descriptor, not a pipe: a crash's last lines reach the log even if n8n dies at once.
	const fd = openSync(logFile, 'a');
	const proc = spawn(node, [n8n, ...args], { env, stdio: ['ignore', fd, fd] });
	closeSync(fd);
	onSpawn(proc);
	const read = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
	const deadline = Date.now() + 180000;
	while (Date.now() < deadline) {
		if (proc.exitCode !== null || proc.signalCode !== null) {
			throw new Error(
				`${what} exited early (code ${proc.exitCode ?? proc.signalCode}):\n${read().split('\n').slice(-25).join('\n')}`,
			);
		}
		if (await ready(read())) return;
		await sleep(500);
	}
	throw new Error(`${what} did not become ready in 180 s; see ${logFile}`);
}

async function stopProcess(proc: ChildProcess | undefined): Promise<void> {
	if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
	await new Promise<void>((done) => {
		const timer = setTimeout(() => proc.kill('SIGKILL'), 30000);
		proc.once('exit', () => {
			clearTimeout(timer);
			done();
		});
		proc.kill('SIGTERM');
	});
}

/** A process of a queue-mode setup besides the main one: a worker or a webhook process. */
class N8nQueueProcess {
	readonly logFile: string;

	private proc?: ChildProcess;

	constructor(
		readonly name: string,
		readonly userFolder: string,
		logName: string,
	) {
		this.logFile = join(userFolder, logName);
	}

	/** @internal */
	attach(proc: ChildProcess): void {
		this.proc = proc;
	}

	log(): string {
		return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
	}

	async stop(): Promise<void> {
		await stopProcess(this.proc);
	}
}

/** One `n8n worker` process of a queue-mode setup (see `N8n.startWorker()`). */
export class N8nWorker extends N8nQueueProcess {
	constructor(
		name: string,
		userFolder: string,
		/** The worker server's port (QUEUE_HEALTH_CHECK_PORT): /healthz, /healthz/readiness. */
		readonly healthPort: number,
	) {
		super(name, userFolder, 'n8n-worker.log');
	}

	/** IDs of the executions this worker ran (its "Worker started execution <id> (job <n>)" lines). */
	executionIds(): string[] {
		return [...this.log().matchAll(/Worker started execution (\d+) \(job /g)].map((m) => m[1]);
	}
}

/** One `n8n webhook` process of a queue-mode setup (see `N8n.startWebhookProcess()`). */
export class N8nWebhookProcess extends N8nQueueProcess {
	/** Where it takes production webhooks: `${baseUrl}/webhook/<path>`. */
	readonly baseUrl: string;

	constructor(
		name: string,
		userFolder: string,
		readonly port: number,
	) {
		super(name, userFolder, 'n8n-webhook.log');
		this.baseUrl = `http://127.0.0.1:${port}`;
	}
}

/** Ready once its log has `line` and `readinessUrl` answers 2xx. */
function readyWhen(line: string, readinessUrl: string) {
	return async (log: string): Promise<boolean> => {
		if (!log.includes(line)) return false;
		const res = await fetch(readinessUrl).catch(() => undefined);
		return res?.ok === true;
	};
}

export class N8n {
	readonly userFolder: string;
	readonly port: number;
	readonly baseUrl: string;
	readonly logFile: string;
	private proc?: ChildProcess;
	private readonly env: Record<string, string>;
	private cookie = '';
	apiKey = '';
	/** Workflows published through the CLI; login() waits until n8n has activated their triggers. */
	private readonly published = new Set<string>();
	/** Workers started with startWorker(), in start order. */
	readonly workers: N8nWorker[] = [];
	/** Webhook processes started with startWebhookProcess(), in start order. */
	readonly webhookProcesses: N8nWebhookProcess[] = [];
	readonly postgres?: N8nPostgres;
	/** Queue mode settings with the prefix filled in, when queue mode is on. */
	readonly queue?: Required<N8nQueueMode>;

	private constructor(
		userFolder: string,
		port: number,
		env: Record<string, string>,
		private readonly brokerPort: number,
		postgres?: N8nPostgres,
		queue?: N8nQueueMode,
	) {
		this.userFolder = userFolder;
		this.port = port;
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.logFile = join(userFolder, 'n8n.log');
		this.env = env;
		this.postgres = postgres;
		if (queue)
			this.queue = {
				redisHost: queue.redisHost ?? process.env.REDIS_HOST ?? '127.0.0.1',
				redisPort: queue.redisPort ?? Number(process.env.REDIS_PORT ?? 6379),
				redisDb: queue.redisDb ?? 0,
				prefix: queue.prefix ?? `mkops-e2e-q-${randomBytes(4).toString('hex')}`,
			};
	}

	static async create(options: N8nOptions = {}): Promise<N8n> {
		const userFolder =
			options.userFolder ?? join(tmpdir(), `mkops-n8n-${process.pid}-${Date.now()}`);
		mkdirSync(userFolder, { recursive: true });
		const port = options.port ?? (await freePort());
		// Its own task-runner broker port too: 5679 may belong to another n8n on this machine.
		return new N8n(
			userFolder,
			port,
			options.env ?? {},
			await freePort(),
			options.postgres,
			options.queue,
		);
	}

	/** DB_* and queue-mode variables from the options (empty for the default SQLite, regular mode). */
	private modeEnv(): Record<string, string> {
		const env: Record<string, string> = {};
		if (this.postgres) {
			Object.assign(env, {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: this.postgres.host,
				DB_POSTGRESDB_PORT: String(this.postgres.port),
				DB_POSTGRESDB_DATABASE: this.postgres.database,
				DB_POSTGRESDB_USER: this.postgres.user,
				DB_POSTGRESDB_PASSWORD: this.postgres.password ?? '',
			});
		}
		if (this.queue) {
			Object.assign(env, {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: this.queue.redisHost,
				QUEUE_BULL_REDIS_PORT: String(this.queue.redisPort),
				QUEUE_BULL_REDIS_DB: String(this.queue.redisDb),
				QUEUE_BULL_PREFIX: this.queue.prefix,
				// n8n's pub/sub channels, cache and locks (default prefix `n8n`).
				N8N_REDIS_KEY_PREFIX: this.queue.prefix,
			});
		}
		return env;
	}

	private processEnv(): NodeJS.ProcessEnv {
		const { node } = runtime();
		// Jest sets NODE_ENV=test, which n8n treats as its own test mode; real users run production.
		const { NODE_ENV: _nodeEnv, JEST_WORKER_ID: _worker, ...inherited } = process.env;
		return {
			...inherited,
			NODE_ENV: 'production',
			PATH: `${resolve(node, '..')}:${process.env.PATH}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			WEBHOOK_URL: `${this.baseUrl}/`,
			N8N_WEBHOOK_URL: `${this.baseUrl}/`,
			N8N_ENCRYPTION_KEY: 'mkops-e2e-encryption-key-0123456789',
			N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
			N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
			N8N_INSTANCE_OWNER_FIRST_NAME: OWNER.first,
			N8N_INSTANCE_OWNER_LAST_NAME: OWNER.last,
			N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(OWNER.password, 10),
			N8N_SECURE_COOKIE: 'false',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_LOG_LEVEL: 'info',
			N8N_LOG_OUTPUT: 'console',
			DB_SQLITE_POOL_SIZE: '4',
			N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			N8N_PAYLOAD_SIZE_MAX: '256',
			NODE_OPTIONS: '--max-old-space-size=6144',
			...this.modeEnv(),
			...this.env,
		};
	}

	/** One n8n CLI command (import:…, publish:…, execute) against this user folder. */
	cli(args: string[], env: Record<string, string> = {}): string {
		const { node, n8n } = runtime();
		try {
			return execFileSync(node, [n8n, ...args], {
				env: { ...this.processEnv(), ...env },
				encoding: 'utf8',
				stdio: 'pipe',
				timeout: 180000,
				maxBuffer: 512 * 1024 * 1024,
			});
		} catch (error) {
			const e = error as { stdout?: string; stderr?: string; message: string };
			throw new Error(
				`n8n ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
			);
		}
	}

	/**
	 * Same, without blocking this process: needed when the command calls an emulator that runs in this process
	 * (a synchronous child would deadlock it).
	 */
	async cliAsync(args: string[], env: Record<string, string> = {}): Promise<string> {
		const { node, n8n } = runtime();
		return await new Promise((resolveRun, reject) => {
			execFile(
				node,
				[n8n, ...args],
				{
					env: { ...this.processEnv(), ...env },
					encoding: 'utf8',
					timeout: 300000,
					maxBuffer: 512 * 1024 * 1024,
				},
				(error, stdout, stderr) => {
					if (error)
						reject(
							new Error(`n8n ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`),
						);
					else resolveRun(stdout);
				},
			);
		});
	}

	importCredentials(credentials: unknown[]): void {
		const file = join(this.userFolder, 'credentials.import.json');
		writeFileSync(file, JSON.stringify(credentials));
		this.cli(['import:credentials', `--input=${file}`]);
	}

	importWorkflow(workflowFile: string): string {
		const wf = JSON.parse(readFileSync(workflowFile, 'utf8')) as { id: string };
		this.cli(['import:workflow', `--input=${workflowFile}`]);
		return wf.id;
	}

	publish(workflowId: string): void {
		this.cli(['publish:workflow', `--id=${workflowId}`]);
		this.published.add(workflowId);
	}

	/**
	 * n8n 2.40.7 activates published workflows asynchronously (publication outbox + reconciler), so
	 * "Editor is now accessible" can come before their webhooks exist: wait for each to be live.
	 */
	async waitForPublished(workflowIds: Iterable<string> = this.published, timeoutMs = 60000) {
		for (const id of workflowIds) {
			const deadline = Date.now() + timeoutMs;
			let last: unknown;
			for (;;) {
				const res = await this.rest('GET', `/rest/workflows/${id}/publication-status`);
				last = res.json?.data ?? res.json;
				const status = (last as { status?: string } | undefined)?.status;
				if (status === 'published') break;
				if (status === 'failed' || status === 'partial')
					throw new Error(`workflow ${id} did not activate: ${JSON.stringify(last)}`);
				if (Date.now() > deadline)
					throw new Error(`workflow ${id} not live after ${timeoutMs} ms: ${JSON.stringify(last)}`);
				await sleep(200);
			}
		}
	}

	async start(): Promise<void> {
		const { node, n8n } = runtime();
		// A file descriptor, not a pipe: a crash's last lines reach the log even if n8n dies at once.
		const fd = openSync(this.logFile, 'a');
		this.proc = spawn(node, [n8n, 'start'], { env: this.processEnv(), stdio: ['ignore', fd, fd] });
		closeSync(fd);
		const deadline = Date.now() + 180000;
		while (Date.now() < deadline) {
			if (this.proc.exitCode !== null) {
				throw new Error(
					`n8n exited early (code ${this.proc.exitCode}):\n${this.log().split('\n').slice(-25).join('\n')}`,
				);
			}
			if (this.log().includes('Editor is now accessible')) {
				const res = await fetch(`${this.baseUrl}/healthz/readiness`).catch(() => undefined);
				if (res?.ok) return;
			}
			await sleep(500);
		}
		throw new Error(`n8n did not become ready in 180 s; see ${this.logFile}`);
	}

	/**
	 * Starts one `n8n worker` (queue mode only) on the same database, Redis, encryption key and queue,
	 * and waits until its worker server reports ready. Each worker gets its own user folder
	 * (<user folder>/worker-<n>, as each container of a deployment has its own ~/.n8n) holding a copy of
	 * the installed package from the main user folder's .n8n/nodes (call installPackage() first), and its
	 * own task-runner broker port and worker-server port.
	 */
	async startWorker(options: N8nWorkerOptions = {}): Promise<N8nWorker> {
		const name = `worker-${this.workers.length + 1}`;
		const folder = this.queueProcessFolder(name);
		const healthPort = await freePort();
		const worker = new N8nWorker(name, folder, healthPort);
		this.workers.push(worker);
		const env = {
			...(await this.queueProcessEnv(folder)),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			...(options.env ?? {}),
		};
		const args = ['worker'];
		if (options.concurrency !== undefined) args.push(`--concurrency=${options.concurrency}`);
		await spawnUntilReady(
			args,
			env,
			worker.logFile,
			(proc) => worker.attach(proc),
			readyWhen('n8n worker is now ready', `http://127.0.0.1:${healthPort}/healthz/readiness`),
			`n8n ${name}`,
		);
		return worker;
	}

	/**
	 * Starts one `n8n webhook` process (queue mode only): it takes production webhook requests on a port of
	 * its own, runs their trigger step and hands the executions to the workers through the queue, as the
	 * webhook processes behind a load balancer do in n8n's queue-mode deployments. Waits until it answers
	 * /healthz/readiness.
	 */
	async startWebhookProcess(env: Record<string, string> = {}): Promise<N8nWebhookProcess> {
		const name = `webhook-${this.webhookProcesses.length + 1}`;
		const folder = this.queueProcessFolder(name);
		const port = await freePort();
		const hook = new N8nWebhookProcess(name, folder, port);
		this.webhookProcesses.push(hook);
		await spawnUntilReady(
			['webhook'],
			{ ...(await this.queueProcessEnv(folder)), N8N_PORT: String(port), ...env },
			hook.logFile,
			(proc) => hook.attach(proc),
			readyWhen('Webhook listener waiting for requests', `${hook.baseUrl}/healthz/readiness`),
			`n8n ${name}`,
		);
		return hook;
	}

	/**
	 * A user folder of its own for one more process of a queue-mode setup (<user folder>/<name>, as each
	 * container of a deployment has its own ~/.n8n), holding a copy of the installed package from the main
	 * user folder's .n8n/nodes (call installPackage() first).
	 */
	private queueProcessFolder(name: string): string {
		if (!this.queue || !this.postgres)
			throw new Error(
				'workers and webhook processes need N8n.create({ queue, postgres }): they share one database',
			);
		const folder = join(this.userFolder, name);
		mkdirSync(join(folder, '.n8n'), { recursive: true });
		const nodesDir = join(this.userFolder, '.n8n', 'nodes');
		if (existsSync(nodesDir))
			cpSync(nodesDir, join(folder, '.n8n', 'nodes'), { recursive: true, verbatimSymlinks: true });
		return folder;
	}

	/** The main process's environment (database, Redis, encryption key, queue) with its own folder and broker port. */
	private async queueProcessEnv(folder: string): Promise<NodeJS.ProcessEnv> {
		return {
			...this.processEnv(),
			N8N_USER_FOLDER: folder,
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		};
	}

	async stop(): Promise<void> {
		await stopProcess(this.proc);
	}

	/** Stops the workers started with startWorker() (the main process stays up). */
	async stopWorkers(): Promise<void> {
		await Promise.all(this.workers.map(async (w) => await w.stop()));
	}

	/** Stops the webhook processes started with startWebhookProcess(). */
	async stopWebhookProcesses(): Promise<void> {
		await Promise.all(this.webhookProcesses.map(async (w) => await w.stop()));
	}

	async restart(): Promise<void> {
		await this.stop();
		this.cookie = '';
		await this.start();
	}

	log(): string {
		return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
	}

	private async rest(
		method: string,
		path: string,
		body?: unknown,
	): Promise<{ status: number; json: any; headers: Headers }> {
		const res = await fetch(`${this.baseUrl}${path}`, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': 'mkops-e2e',
				cookie: this.cookie,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		let json: any = text;
		try {
			json = JSON.parse(text);
		} catch {
			/* not JSON */
		}
		return { status: res.status, json, headers: res.headers };
	}

	/** Owner login (owner comes from env) and a public-API key with every scope. */
	async login(): Promise<void> {
		const login = await this.rest('POST', '/rest/login', {
			emailOrLdapLoginId: OWNER.email,
			password: OWNER.password,
		});
		if (login.status !== 200)
			throw new Error(`login failed: ${login.status} ${JSON.stringify(login.json)}`);
		this.cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
		if (!this.apiKey) {
			const scopes = await this.rest('GET', '/rest/api-keys/scopes');
			const created = await this.rest('POST', '/rest/api-keys', {
				label: `e2e-${Date.now()}`,
				scopes: scopes.json.data,
				expiresAt: null,
			});
			if (!created.json?.data?.rawApiKey)
				throw new Error(`api key creation failed: ${JSON.stringify(created.json)}`);
			this.apiKey = created.json.data.rawApiKey;
		}
		await this.waitForPublished();
	}

	async restPost(path: string, body: unknown): Promise<any> {
		const res = await this.rest('POST', path, body);
		if (res.status !== 200)
			throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.json)}`);
		return res.json;
	}

	async restGet(path: string): Promise<any> {
		const res = await this.rest('GET', path);
		if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
		return res.json;
	}

	async publicApi(method: string, path: string, body?: unknown): Promise<any> {
		const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
			method,
			headers: { 'X-N8N-API-KEY': this.apiKey, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = await res.json().catch(() => undefined);
		if (!res.ok) throw new Error(`${method} /api/v1${path}: ${res.status} ${JSON.stringify(json)}`);
		return json;
	}

	/** Every execution of a workflow with its run data, newest first. */
	async executions(
		workflowId: string,
		options: { ignoreDataSizeLimit?: boolean } = {},
	): Promise<Execution[]> {
		const out: Execution[] = [];
		let cursor: string | undefined;
		do {
			const qs = new URLSearchParams({ workflowId, includeData: 'true', limit: '100' });
			// n8n leaves out run data above its display limit unless asked (benchmarks move 100k items).
			if (options.ignoreDataSizeLimit) qs.set('ignoreDataSizeLimit', 'true');
			if (cursor) qs.set('cursor', cursor);
			const page = await this.publicApi('GET', `/executions?${qs}`);
			out.push(...(page.data as Execution[]));
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		return out;
	}

	/** Waits until the workflow has `count` finished executions. */
	async waitForExecutions(
		workflowId: string,
		count: number,
		timeoutMs = 60000,
		options: { ignoreDataSizeLimit?: boolean } = {},
	): Promise<Execution[]> {
		const deadline = Date.now() + timeoutMs;
		let last: Execution[] = [];
		while (Date.now() < deadline) {
			last = (await this.executions(workflowId, options)).filter(
				(e) => e.finished || e.status === 'error' || e.status === 'success',
			);
			if (last.length >= count) return last;
			await sleep(300);
		}
		throw new Error(`expected ${count} executions of ${workflowId}, saw ${last.length}`);
	}
}

export interface Execution {
	id: string;
	finished: boolean;
	status: string;
	startedAt: string;
	stoppedAt: string;
	data?: {
		resultData: {
			runData: Record<string, Array<{ data?: { main: Array<Array<{ json: any }>> } }>>;
			error?: unknown;
		};
	};
}

/** The items a node sent on each of its outputs in one execution. */
export function nodeOutputs(
	execution: Execution,
	nodeName: string,
): Array<Array<Record<string, any>>> {
	const run = execution.data?.resultData.runData[nodeName]?.[0];
	return (run?.data?.main ?? []).map((items) => (items ?? []).map((i) => i.json));
}

/** `n8n execute --id=… --rawOutput` prints the run as JSON after its log lines. */
export function parseCliRun(output: string): Execution['data'] & { resultData: any } {
	const start = output.indexOf('\n{') >= 0 ? output.indexOf('\n{') + 1 : output.indexOf('{');
	const end = output.lastIndexOf('\n}') + 2;
	return JSON.parse(output.slice(start, end)).data;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
