/**
 * The Luma Trigger behind a real HTTP server, called the way n8n calls a webhook node: a real
 * n8n-core WebhookContext over the request (raw body kept, as n8n's body parser does), the reply
 * written by the node or, for responseMode onReceived, n8n's 200 with the node's webhookResponse.
 * Every workflowData the node returns counts as one started execution.
 */
import { randomBytes } from 'crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';

import { HookContext, WebhookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeParameters,
	INodeType,
	IWebhookData,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { LumaTrigger } from '../../nodes/LumaTrigger/LumaTrigger.node';
import { MapCredentialsHelper, RedisCredentialType, registerCredentialType } from './inProcess';

registerCredentialType(new RedisCredentialType());

export const HOOK_BASE_URL = 'http://localhost:5678/webhook';

export interface TriggerUnderTest {
	url: string;
	/** The JSON of the items each started execution received. */
	executions: IDataObject[][];
	workflowId: string;
	node: INode;
	/** The node's activation hooks (publish / unpublish), in n8n-core's HookContext. */
	hook: HookContext;
	trigger: INodeType;
	close(): Promise<void>;
}

export interface TriggerOptions {
	version?: 1 | 2;
	parameters?: INodeParameters;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	webhookId?: string;
	workflowId?: string;
}

function buildWorkflow(trigger: INodeType, node: INode, workflowId: string): Workflow {
	return new Workflow({
		id: workflowId,
		nodes: [node],
		connections: {},
		active: true,
		staticData: {},
		nodeTypes: {
			getByName: () => trigger,
			getByNameAndVersion: () => trigger,
			getKnownTypes: () => ({}),
		},
	});
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

interface ExpressLikeResponse extends ServerResponse {
	status(code: number): ExpressLikeResponse;
	json(body: unknown): ExpressLikeResponse;
}

/** Express's `res.status().json()`, which is all the node writes with. */
function expressLike(res: ServerResponse): ExpressLikeResponse {
	const out = res as ExpressLikeResponse;
	out.status = (code: number) => {
		res.statusCode = code;
		return out;
	};
	out.json = (body: unknown) => {
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify(body));
		return out;
	};
	return out;
}

export async function startLumaTrigger(options: TriggerOptions): Promise<TriggerUnderTest> {
	const version = options.version ?? 2;
	const trigger = new LumaTrigger().getNodeType(version);
	const workflowId = options.workflowId ?? `wf-${randomBytes(6).toString('hex')}`;
	const node: INode = {
		id: `node-${randomBytes(6).toString('hex')}`,
		name: 'Luma Trigger',
		type: 'n8n-nodes-marketing-ops.lumaTrigger',
		typeVersion: version,
		position: [0, 0],
		webhookId: options.webhookId ?? randomBytes(16).toString('hex'),
		parameters: {
			registration: 'manual',
			events: ['guest.registered', 'guest.updated'],
			options: {},
			...(version === 1 ? { path: 'luma-registration' } : {}),
			...options.parameters,
		},
		credentials: { lumaApi: { id: 'cred-1', name: 'Luma account' }, redis: { id: 'cred-2', name: 'Redis' } },
	};
	const workflow = buildWorkflow(trigger, node, workflowId);
	const credentialsHelper = new MapCredentialsHelper(options.credentials);
	const baseData = {
		credentialsHelper,
		webhookBaseUrl: HOOK_BASE_URL,
		webhookTestBaseUrl: `${HOOK_BASE_URL}-test`,
		variables: {},
	};
	const webhookData = {
		httpMethod: 'POST',
		node: node.name,
		path: 'luma',
		webhookDescription: trigger.description.webhooks![0],
		workflowId,
		workflowExecuteAdditionalData: baseData,
		webhookId: node.webhookId,
	} as unknown as IWebhookData;
	const executions: IDataObject[][] = [];

	const server: Server = createServer((req, res) => {
		void (async () => {
			const raw = await readBody(req);
			Object.assign(req, { rawBody: raw });
			const additionalData = {
				...baseData,
				httpRequest: req,
				httpResponse: expressLike(res),
			} as unknown as IWorkflowExecuteAdditionalData;
			const ctx = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData, [], null);
			try {
				const result = await trigger.webhook!.call(ctx);
				if (result.noWebhookResponse) return;
				if (result.workflowData) executions.push(result.workflowData[0].map((i) => i.json));
				expressLike(res).status(200).json(result.webhookResponse ?? { message: 'Workflow was started' });
			} catch (error) {
				expressLike(res).status(500).json({ message: (error as Error).message });
			}
		})();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const hook = new HookContext(
		workflow,
		workflow.getNode(node.name)!,
		baseData as unknown as IWorkflowExecuteAdditionalData,
		'trigger',
		'activate',
		webhookData,
	);
	return {
		url: `http://127.0.0.1:${port}/`,
		executions,
		workflowId,
		node,
		hook,
		trigger,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
