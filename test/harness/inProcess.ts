/**
 * Runs workflow JSON in-process with n8n-core's real WorkflowExecute: real parameter resolution,
 * real credential `authenticate` handling, real HTTP through n8n's request helpers, and a real
 * (in-memory) deduplication backend for `this.helpers.checkProcessedAndRecord`.
 *
 * Quirks worth knowing (n8n-core 2.41 as installed):
 * - n8n-core ships its own nested copies of @n8n/di, @n8n/backend-common, ... so the DI container
 *   must be taken from n8n-core's resolution path, not from the top-level @n8n/di.
 * - InstanceSettings is replaced by a stub: the real one reads/writes ~/.n8n/config on construction.
 * - DataDeduplicationService is a process-wide singleton that refuses a second init(); we init it
 *   once with a router that forwards to the store registered for each workflow id.
 * - Nodes without an `id` get a stable one derived from their name, so node-scoped dedupe state
 *   survives across runs of the same JSON (n8n keys node scope on node.id).
 * - n8n's ErrorReporter logs every node failure to the console; it is replaced by a collector
 *   (`reportedErrors`, printed when N8N_HARNESS_VERBOSE is set).
 * - n8n validates required parameters before running: a workflow with a statically empty required
 *   field makes runWorkflow() reject with WorkflowHasIssuesError instead of returning an error.
 *
 * Usage:
 *   const result = await runWorkflow(workflowJson, { credentials: { lumaApi: { apiKey, baseUrl } } });
 *   result.outputs('Luma')[0]  // INodeExecutionData[] of output 0
 */
import path from 'node:path';

import type {
	DeduplicationItemTypes,
	DeduplicationMode,
	DeduplicationScope,
	ICheckProcessedContextData,
	ICheckProcessedOptions,
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialType,
	IDataDeduplicator,
	IDataObject,
	IDeduplicationOutput,
	IExecuteFunctions,
	IHttpRequestHelper,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	IPinData,
	IRun,
	IRunData,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	IRequestOptionsSimplified,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createRunExecutionData, ICredentialsHelper, NodeConnectionTypes, NodeHelpers, Workflow } from 'n8n-workflow';
import {
	DataDeduplicationService,
	ErrorReporter,
	ExecutionLifecycleHooks,
	ExternalSecretsProxy,
	InstanceSettings,
	LoadOptionsContext,
	WorkflowExecute,
} from 'n8n-core';

import { LumaApi } from '../../credentials/LumaApi.credentials';
import { Luma } from '../../nodes/Luma/Luma.node';

// ---------------------------------------------------------------------------------------------
// DI: resolve @n8n/di the way n8n-core does, so Container.set() affects what n8n-core reads.

const coreDistDir = path.dirname(require.resolve('n8n-core'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Container } = require(require.resolve('@n8n/di', { paths: [coreDistDir] })) as typeof import('@n8n/di');

let diReady = false;
function ensureContainer(): void {
	if (diReady) return;
	const stub = {
		n8nFolder: path.join(process.cwd(), '.tmp', 'n8n-harness'),
		staticCacheDir: path.join(process.cwd(), '.tmp', 'n8n-harness', 'cache'),
		customExtensionDir: path.join(process.cwd(), '.tmp', 'n8n-harness', 'custom'),
		instanceId: 'harness-instance',
		hmacSignatureSecret: 'harness-hmac-secret',
		encryptionKey: 'harness-encryption-key',
		instanceType: 'main',
		instanceRole: 'leader',
		isLeader: true,
		isFollower: false,
		isWorker: false,
		isMultiMain: false,
		isSingleMain: true,
	};
	Container.set(InstanceSettings, stub as unknown as InstanceSettings);
	// n8n reports every node failure to its ErrorReporter, which logs to the console by default.
	// Collect instead (set N8N_HARNESS_VERBOSE=1 to also print them).
	const collect = (error: unknown) => {
		reportedErrors.push(error);
		if (process.env.N8N_HARNESS_VERBOSE) console.error('[n8n ErrorReporter]', error);
	};
	Container.set(ErrorReporter, { error: collect, warn: collect, info: () => undefined } as unknown as ErrorReporter);
	diReady = true;
}

/** Errors n8n-core handed to its ErrorReporter during runs (for debugging failed tests). */
export const reportedErrors: unknown[] = [];

// ---------------------------------------------------------------------------------------------
// Deduplication: an in-memory IDataDeduplicator with n8n's semantics.

type StoredValue = { mode: DeduplicationMode; data: DeduplicationItemTypes | DeduplicationItemTypes[] };

/**
 * Mirrors n8n's DeduplicationHelper (packages/cli): per workflow id + scope ('' for workflow scope,
 * `n:<node id>` for node scope). In 'entries' mode the very first call records everything as new,
 * later calls compare against what was stored *before* the call, and `maxEntries` keeps the newest.
 */
export class InMemoryProcessedDataStore implements IDataDeduplicator {
	private readonly records = new Map<string, StoredValue>();

	static contextKey(scope: DeduplicationScope, contextData: ICheckProcessedContextData): string {
		let context = '';
		if (scope === 'node') {
			if (!contextData.node) {
				throw new Error("No node information has been provided and so cannot use scope 'node'");
			}
			context = `n:${contextData.node.id}`;
		}
		return `${contextData.workflow.id}|${context}`;
	}

	/** Stored values for assertions (entries mode: the recorded values, oldest first). */
	get(workflowId: string, scope: DeduplicationScope, nodeId?: string): StoredValue | undefined {
		const key = `${workflowId}|${scope === 'node' ? `n:${nodeId}` : ''}`;
		const value = this.records.get(key);
		return value && { mode: value.mode, data: Array.isArray(value.data) ? [...value.data] : value.data };
	}

	clear(): void {
		this.records.clear();
	}

	get size(): number {
		return this.records.size;
	}

	private static compare(mode: DeduplicationMode, a: DeduplicationItemTypes, b: DeduplicationItemTypes): number {
		let x: number;
		let y: number;
		if (mode === 'latestIncrementalKey') {
			x = Number(a);
			y = Number(b);
			if (Number.isNaN(x) || Number.isNaN(y)) {
				throw new Error('Invalid value. Only numbers are supported in mode "latestIncrementalKey"');
			}
		} else {
			x = new Date(String(a)).getTime();
			y = new Date(String(b)).getTime();
			if (Number.isNaN(x) || Number.isNaN(y)) {
				throw new Error('Invalid value. Only valid dates are supported in mode "latestDate"');
			}
		}
		return x === y ? 0 : x > y ? 1 : -1;
	}

	async checkProcessedAndRecord(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
		options: ICheckProcessedOptions,
	): Promise<IDeduplicationOutput> {
		const key = InMemoryProcessedDataStore.contextKey(scope, contextData);
		const existing = this.records.get(key);
		if (existing && existing.mode !== options.mode) {
			throw new Error(
				'Deduplication data was originally saved with an incompatible setting of the ‘Keep Items Where’ parameter. Try ’Clean Database’ operation to reset.',
			);
		}

		if (options.mode === 'entries') {
			const values = items.map((item) => String(item));
			if (!existing) {
				const data = options.maxEntries ? values.slice(-options.maxEntries) : values;
				this.records.set(key, { mode: options.mode, data });
				return { new: [...items], processed: [] };
			}
			const stored = existing.data as DeduplicationItemTypes[];
			const seen = new Set(stored.map(String));
			const result: IDeduplicationOutput = { new: [], processed: [] };
			items.forEach((item, i) => {
				if (seen.has(values[i])) {
					result.processed.push(item);
				} else {
					result.new.push(item);
					stored.push(values[i]);
				}
			});
			if (options.maxEntries && stored.length > options.maxEntries) {
				stored.splice(0, stored.length - options.maxEntries);
			}
			return result;
		}

		const sorted = [...items].sort((a, b) => InMemoryProcessedDataStore.compare(options.mode, a, b));
		if (!existing) {
			if (sorted.length) this.records.set(key, { mode: options.mode, data: sorted[sorted.length - 1] });
			return { new: [...items], processed: [] };
		}
		const result: IDeduplicationOutput = { new: [], processed: [] };
		let largest = existing.data as DeduplicationItemTypes;
		for (const item of sorted) {
			if (InMemoryProcessedDataStore.compare(options.mode, item, existing.data as DeduplicationItemTypes) === 1) {
				result.new.push(item);
				if (InMemoryProcessedDataStore.compare(options.mode, item, largest) === 1) largest = item;
			} else {
				result.processed.push(item);
			}
		}
		existing.data = largest;
		return result;
	}

	async removeProcessed(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
		options: ICheckProcessedOptions,
	): Promise<void> {
		if (options.mode !== 'entries') {
			throw new Error('Removing processed data is not possible in mode "latest"');
		}
		const existing = this.records.get(InMemoryProcessedDataStore.contextKey(scope, contextData));
		if (!existing || !Array.isArray(existing.data)) return;
		const stored = existing.data;
		for (const item of items) {
			const index = stored.findIndex((v) => String(v) === String(item));
			if (index !== -1) stored.splice(index, 1);
		}
	}

	async clearAllProcessedItems(scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<void> {
		this.records.delete(InMemoryProcessedDataStore.contextKey(scope, contextData));
	}

	async getProcessedDataCount(
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
		options: ICheckProcessedOptions,
	): Promise<number> {
		const existing = this.records.get(InMemoryProcessedDataStore.contextKey(scope, contextData));
		return options.mode === 'entries' && existing && Array.isArray(existing.data) ? existing.data.length : 0;
	}
}

/** Used when runWorkflow() gets no processedDataStore; shared by all runs in this module registry. */
export const defaultProcessedDataStore = new InMemoryProcessedDataStore();
const storesByWorkflowId = new Map<string, InMemoryProcessedDataStore | IDataDeduplicator>();

const routingDeduplicator: IDataDeduplicator = {
	checkProcessedAndRecord: async (items, scope, ctx, options) =>
		await storeFor(ctx).checkProcessedAndRecord(items, scope, ctx, options),
	removeProcessed: async (items, scope, ctx, options) => await storeFor(ctx).removeProcessed(items, scope, ctx, options),
	clearAllProcessedItems: async (scope, ctx, options) => await storeFor(ctx).clearAllProcessedItems(scope, ctx, options),
	getProcessedDataCount: async (scope, ctx, options) => await storeFor(ctx).getProcessedDataCount(scope, ctx, options),
};

function storeFor(ctx: ICheckProcessedContextData): IDataDeduplicator {
	return storesByWorkflowId.get(ctx.workflow.id) ?? defaultProcessedDataStore;
}

let dedupeReady: Promise<void> | undefined;
async function ensureDeduplication(): Promise<void> {
	dedupeReady ??= (async () => {
		try {
			await DataDeduplicationService.init(routingDeduplicator);
		} catch (error) {
			// Someone else initialised the singleton in this registry; nothing we can do but say so.
			throw new Error(`DataDeduplicationService was already initialised elsewhere: ${(error as Error).message}`);
		}
	})();
	await dedupeReady;
}

// ---------------------------------------------------------------------------------------------
// Node and credential types.

/** Stand-in for n8n's Manual Trigger: outputs its input (one empty item) or its pinned data. */
class HarnessManualTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'When clicking ‘Execute workflow’',
		name: 'manualTrigger',
		group: ['trigger', 'input'],
		version: 1,
		description: 'Harness stand-in for the manual trigger',
		defaults: { name: 'When clicking ‘Execute workflow’' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** Pass-through, handy as a sink or to fan in. */
class HarnessNoOp implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'No Operation, do nothing',
		name: 'noOp',
		group: ['organization'],
		version: 1,
		description: 'Harness pass-through',
		defaults: { name: 'No Operation, do nothing' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

export const PACKAGE_NODE_PREFIX = 'n8n-nodes-marketing-ops';

const nodeRegistry = new Map<string, INodeType | IVersionedNodeType>([
	['n8n-nodes-base.manualTrigger', new HarnessManualTrigger()],
	['n8n-nodes-base.noOp', new HarnessNoOp()],
	[`${PACKAGE_NODE_PREFIX}.luma`, new Luma()],
]);

const credentialRegistry = new Map<string, ICredentialType>([['lumaApi', new LumaApi()]]);

/**
 * The fields of n8n's built-in `redis` credential (n8n-nodes-base is not loaded in-process).
 * Not registered by default: whoever runs a node that asks for it registers it (hubSpotBatch.ts does).
 */
/** The fields of n8n's built-in `postgres` credential (n8n-nodes-base is not loaded in-process). */
export class PostgresCredentialType implements ICredentialType {
	name = 'postgres';
	displayName = 'Postgres';
	properties: INodeProperties[] = [
		{ displayName: 'Host', name: 'host', type: 'string', default: 'localhost' },
		{ displayName: 'Database', name: 'database', type: 'string', default: 'postgres' },
		{ displayName: 'User', name: 'user', type: 'string', default: 'postgres' },
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'Maximum Number of Connections',
			name: 'maxConnections',
			type: 'number',
			default: 100,
		},
		{
			displayName: 'Ignore SSL Issues',
			name: 'allowUnauthorizedCerts',
			type: 'boolean',
			default: false,
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [{ name: 'Disable', value: 'disable' }],
			default: 'disable',
		},
		{ displayName: 'Port', name: 'port', type: 'number', default: 5432 },
		{ displayName: 'SSH Tunnel', name: 'sshTunnel', type: 'boolean', default: false },
	];
}

export class RedisCredentialType implements ICredentialType {
	name = 'redis';
	displayName = 'Redis';
	properties: INodeProperties[] = [
		{ displayName: 'Password', name: 'password', type: 'string', default: '' },
		{ displayName: 'User', name: 'user', type: 'string', default: '' },
		{ displayName: 'Host', name: 'host', type: 'string', default: 'localhost' },
		{ displayName: 'Port', name: 'port', type: 'number', default: 6379 },
		{ displayName: 'Database Number', name: 'database', type: 'number', default: 0 },
		{ displayName: 'SSL', name: 'ssl', type: 'boolean', default: false },
	];
}

/** Makes a node type available to every later runWorkflow() call in this module registry. */
export function registerNodeType(typeName: string, instance: INodeType | IVersionedNodeType): void {
	nodeRegistry.set(typeName, instance);
}

export function registerCredentialType(instance: ICredentialType): void {
	credentialRegistry.set(instance.name, instance);
}

function createNodeTypes(extra: Record<string, INodeType | IVersionedNodeType> = {}): INodeTypes {
	const lookup = (type: string) => {
		const found = extra[type] ?? nodeRegistry.get(type);
		if (!found) throw new Error(`Harness: unknown node type "${type}" (use registerNodeType)`);
		return found;
	};
	return {
		getByName: (type) => lookup(type),
		getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(lookup(type), version),
		getKnownTypes: () => {
			const known: IDataObject = {};
			for (const name of [...nodeRegistry.keys(), ...Object.keys(extra)]) known[name] = {};
			return known;
		},
	};
}

// ---------------------------------------------------------------------------------------------
// Credentials.

/**
 * Resolves credentials from a plain `{ [credentialType]: data }` map, fills in the credential
 * type's defaults, and applies `authenticate` like n8n's CredentialsHelper (function or generic).
 */
export class MapCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	private type(name: string): ICredentialType {
		const type = credentialRegistry.get(name);
		if (!type) throw new Error(`Harness: unknown credential type "${name}" (use registerCredentialType)`);
		return type;
	}

	getParentTypes(name: string): string[] {
		const parents = this.type(name).extends ?? [];
		return parents.flatMap((p) => [p, ...(credentialRegistry.has(p) ? this.getParentTypes(p) : [])]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.type(type).properties;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incoming: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incoming as IHttpRequestOptions;
		const { authenticate } = this.type(typeName);
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate.type !== 'generic') return requestOptions;
		const resolve = (value: unknown): unknown => {
			if (typeof value !== 'string' || !value.startsWith('=')) return value;
			if (workflow && node) {
				return workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials }, undefined, '');
			}
			// Without a workflow (e.g. credential tests) only plain `={{$credentials.x}}` is supported.
			return value.slice(1).replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_m, k: string) => String(credentials[k] ?? ''));
		};
		const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
		for (const [outerKey, inner] of Object.entries(authenticate.properties)) {
			target[outerKey] ??= {};
			for (const [key, value] of Object.entries(inner as Record<string, unknown>)) {
				target[outerKey][String(resolve(key))] = resolve(value);
			}
		}
		return requestOptions;
	}

	async preAuthentication(
		_helpers: IHttpRequestHelper,
		_credentials: ICredentialDataDecryptedObject,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<ICredentials> {
		const data = await this.getDecrypted({} as IWorkflowExecuteAdditionalData, nodeCredentials, type);
		return {
			id: nodeCredentials.id ?? undefined,
			name: nodeCredentials.name,
			type,
			data: undefined,
			getData: () => data,
			getDataToSave: () => ({ id: nodeCredentials.id, name: nodeCredentials.name, type, data: '' }),
			setData: () => undefined,
		} as unknown as ICredentials;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const provided = this.credentials[type];
		if (!provided) throw new Error(`Harness: no credentials of type "${type}" were passed to runWorkflow()`);
		const withDefaults: ICredentialDataDecryptedObject = {};
		for (const prop of this.type(type).properties) {
			if (prop.default !== undefined && prop.type !== 'notice') withDefaults[prop.name] = prop.default as never;
		}
		return { ...withDefaults, ...provided };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// Running.

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[] | Array<Omit<INode, 'id'> & { id?: string }>;
	connections: IWorkflowBase['connections'];
	settings?: IWorkflowBase['settings'];
	pinData?: IPinData;
	staticData?: IDataObject;
}

/** A node a startThen() workflow runs; typeVersion 1 unless given. */
export interface NodeUnderTest {
	name: string;
	type: string;
	parameters?: IDataObject | INodeParameters;
	credentials?: INode['credentials'];
	onError?: INode['onError'];
	/** Without one the harness derives `harness-<name>` (see prepareWorkflow). */
	id?: string;
	typeVersion?: number;
	/** Default: 200 to the right of the node before it. */
	position?: [number, number];
}

/**
 * Start (manual trigger) → `nodes`, chained in order: the workflow most integration tests run.
 * `pinnedItems` become the Start's pin data; without them the Start outputs runWorkflow()'s start items.
 */
export function startThen(
	nodes: NodeUnderTest | NodeUnderTest[],
	workflow: { id?: string; name?: string; startName?: string; startId?: string; pinnedItems?: IDataObject[] } = {},
): WorkflowJson {
	const startName = workflow.startName ?? 'Start';
	const chain = Array.isArray(nodes) ? nodes : [nodes];
	const names = [startName, ...chain.map((node) => node.name)];
	const connections: WorkflowJson['connections'] = {};
	for (let i = 0; i < names.length - 1; i++) {
		connections[names[i]] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
	}
	return {
		...(workflow.id !== undefined ? { id: workflow.id } : {}),
		...(workflow.name !== undefined ? { name: workflow.name } : {}),
		nodes: [
			{
				id: workflow.startId ?? 'start',
				name: startName,
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			...chain.map((node, i) => ({
				...(node.id !== undefined ? { id: node.id } : {}),
				name: node.name,
				type: node.type,
				typeVersion: node.typeVersion ?? 1,
				position: node.position ?? ([200 * (i + 1), 0] as [number, number]),
				parameters: (node.parameters ?? {}) as INodeParameters,
				...(node.credentials ? { credentials: node.credentials } : {}),
				...(node.onError ? { onError: node.onError } : {}),
			})),
		],
		connections,
		...(workflow.pinnedItems ? { pinData: { [startName]: workflow.pinnedItems.map((json) => ({ json })) } } : {}),
	};
}

export interface RunWorkflowOptions {
	/** `{ lumaApi: { apiKey, baseUrl } }`: keyed by credential type name. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** Extra node types for this run only (type name → instance). */
	nodeTypes?: Record<string, INodeType | IVersionedNodeType>;
	/** Dedupe backend for this workflow id; defaults to defaultProcessedDataStore. */
	processedDataStore?: IDataDeduplicator;
	/** Default 'manual'. Use 'trigger' / 'webhook' to mimic production runs. */
	mode?: WorkflowExecuteMode;
	/** Name of the node to start from; default: n8n's own start-node choice. */
	startNode?: string;
	/** Items the start node receives (default one empty item). */
	startItems?: INodeExecutionData[];
}

export interface RunWorkflowResult {
	run: IRun;
	runData: IRunData;
	status: IRun['status'];
	/** Workflow-level error (a node failed without Continue On Fail). */
	error: IRun['data']['resultData']['error'];
	/** Names of nodes in the order they finished. */
	executionOrder: string[];
	/** Output items of a node's `runIndex`-th run, per output index. */
	outputs(nodeName: string, runIndex?: number): INodeExecutionData[][];
	/** Shortcut: the json of output 0. */
	json(nodeName: string, runIndex?: number): IDataObject[];
}

let executionCounter = 0;

function baseUrls(): Pick<
	IWorkflowExecuteAdditionalData,
	| 'restApiUrl'
	| 'instanceBaseUrl'
	| 'formBaseUrl'
	| 'formWaitingBaseUrl'
	| 'formTestBaseUrl'
	| 'webhookBaseUrl'
	| 'webhookWaitingBaseUrl'
	| 'webhookTestBaseUrl'
	| 'mcpBaseUrl'
	| 'mcpTestBaseUrl'
> {
	const base = 'http://localhost:5678';
	return {
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
	};
}

function prepareWorkflow(workflowJson: WorkflowJson, options: RunWorkflowOptions) {
	const json = JSON.parse(JSON.stringify(workflowJson)) as WorkflowJson;
	const nodes: INode[] = json.nodes.map((node) => ({
		...node,
		id: node.id ?? `harness-${node.name.replace(/[^A-Za-z0-9]+/g, '-')}`,
		parameters: node.parameters ?? {},
	})) as INode[];
	const workflowId = json.id ?? 'harness-workflow';
	const workflow = new Workflow({
		id: workflowId,
		name: json.name ?? 'Harness workflow',
		nodes,
		connections: json.connections ?? {},
		nodeTypes: createNodeTypes(options.nodeTypes),
		settings: json.settings,
		staticData: json.staticData,
		active: false,
	});
	return { json, nodes, workflowId, workflow };
}

function buildAdditionalData(
	options: RunWorkflowOptions,
	extra: { executionId: string; workflowId: string; hooks?: ExecutionLifecycleHooks },
): IWorkflowExecuteAdditionalData {
	return {
		...baseUrls(),
		credentialsHelper: new MapCredentialsHelper(options.credentials ?? {}),
		hooks: extra.hooks,
		executionId: extra.executionId,
		workflowId: extra.workflowId,
		currentNodeExecutionIndex: 0,
		variables: {},
		externalSecretsProxy: new ExternalSecretsProxy(),
		executeWorkflow: async () => {
			throw new Error('Harness: sub-workflow execution is not supported');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => undefined,
		startRunnerTask: async () => {
			throw new Error('Harness: task runners (Code node) are not supported');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/**
 * A real n8n-core LoadOptionsContext for `nodeName`, e.g. to call a node's listSearch /
 * loadOptions methods against the emulator: `searchEvents.call(ctx, 'filter')`.
 */
export function createLoadOptionsContext(
	workflowJson: WorkflowJson,
	nodeName: string,
	options: Pick<RunWorkflowOptions, 'credentials' | 'nodeTypes'> = {},
): ILoadOptionsFunctions {
	ensureContainer();
	const { workflow, workflowId } = prepareWorkflow(workflowJson, options);
	const node = workflow.getNode(nodeName);
	if (!node) throw new Error(`Harness: no node named "${nodeName}"`);
	const additionalData = buildAdditionalData(options, { executionId: `harness-lo-${++executionCounter}`, workflowId });
	return new LoadOptionsContext(workflow, node, additionalData, '');
}

/**
 * Executes `workflowJson` from its start node to the end and resolves when the run finishes.
 * Node failures do not reject: inspect `error` / `status`.
 */
export async function runWorkflow(workflowJson: WorkflowJson, options: RunWorkflowOptions = {}): Promise<RunWorkflowResult> {
	ensureContainer();
	await ensureDeduplication();

	const { json, nodes, workflowId, workflow } = prepareWorkflow(workflowJson, options);
	const mode = options.mode ?? 'manual';
	const executionId = `harness-${++executionCounter}`;

	if (options.processedDataStore) storesByWorkflowId.set(workflowId, options.processedDataStore);
	else storesByWorkflowId.delete(workflowId);

	const workflowData: IWorkflowBase = {
		id: workflowId,
		name: json.name ?? 'Harness workflow',
		active: false,
		isArchived: false,
		activeVersionId: null,
		nodes,
		connections: json.connections ?? {},
		settings: json.settings,
		createdAt: new Date(),
		updatedAt: new Date(),
	} as IWorkflowBase;
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const executionOrder: string[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName: string) => {
		executionOrder.push(nodeName);
	});
	const additionalData = buildAdditionalData(options, { executionId, workflowId, hooks });

	const startNode = options.startNode ? workflow.getNode(options.startNode) : workflow.getStartNode();
	if (!startNode) throw new Error('Harness: no start node found (add a node without inputs)');

	const workflowExecute = new WorkflowExecute(additionalData, mode);
	let run: IRun;
	if (options.startItems) {
		// run() always starts with one empty item; build the stack ourselves to pass custom items.
		const runExecutionData = createRunExecutionData({
			executionData: {
				nodeExecutionStack: [{ node: startNode, data: { main: [options.startItems] }, source: null }],
			},
			resultData: { pinData: json.pinData },
		});
		run = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
	} else {
		run = await workflowExecute.run({ workflow, startNode, pinData: json.pinData });
	}

	const runData = run.data.resultData.runData;
	const outputs = (nodeName: string, runIndex = 0): INodeExecutionData[][] => {
		const taskData = runData[nodeName]?.[runIndex];
		if (!taskData) throw new Error(`Harness: node "${nodeName}" has no run #${runIndex}`);
		return (taskData.data?.main ?? []).map((items) => items ?? []);
	};
	return {
		run,
		runData,
		status: run.status,
		error: run.data.resultData.error,
		executionOrder,
		outputs,
		json: (nodeName, runIndex) => (outputs(nodeName, runIndex)[0] ?? []).map((item) => item.json),
	};
}
