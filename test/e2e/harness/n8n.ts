/**
 * Runs the pinned n8n (2.40.7, Node 24) as a child process with this package installed the way users get it:
 * `npm pack` output installed into <user folder>/.n8n/nodes. Used by the e2e suite, the demo and the benchmark.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'child_process';
import {
	closeSync,
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

export interface N8nOptions {
	userFolder?: string;
	port?: number;
	env?: Record<string, string>;
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

	private constructor(
		userFolder: string,
		port: number,
		env: Record<string, string>,
		private readonly brokerPort: number,
	) {
		this.userFolder = userFolder;
		this.port = port;
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.logFile = join(userFolder, 'n8n.log');
		this.env = env;
	}

	static async create(options: N8nOptions = {}): Promise<N8n> {
		const userFolder =
			options.userFolder ?? join(tmpdir(), `mkops-n8n-${process.pid}-${Date.now()}`);
		mkdirSync(userFolder, { recursive: true });
		const port = options.port ?? (await freePort());
		// Its own task-runner broker port too: 5679 may belong to another n8n on this machine.
		return new N8n(userFolder, port, options.env ?? {}, await freePort());
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

	async stop(): Promise<void> {
		const proc = this.proc;
		if (!proc || proc.exitCode !== null) return;
		await new Promise<void>((done) => {
			const timer = setTimeout(() => proc.kill('SIGKILL'), 30000);
			proc.once('exit', () => {
				clearTimeout(timer);
				done();
			});
			proc.kill('SIGTERM');
		});
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
