import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	NodeApiError,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { lumaApiRequest, lumaApiRequestAllItems } from '../Luma/v1/transport';
import {
	ALL_SCHEMES,
	type SignatureScheme,
	verifyWebhookSignature,
} from '../shared/signature/webhookSignature';
import { buildOutput, eventTypeMatches, expandEventTypes } from './payload';

interface StoredWebhook {
	webhookId?: string;
	webhookSecret?: string;
	webhookUrl?: string;
}

const sameEventTypes = (hook: IDataObject, wanted: string[]) =>
	[...((hook.event_types as string[]) ?? [])].sort().join(',') === [...wanted].sort().join(',');

/** The Luma webhooks pointing at this URL for these events. */
async function registeredHooks(
	this: IHookFunctions,
	webhookUrl: string,
	eventTypes: string[],
): Promise<IDataObject[]> {
	const hooks = await lumaApiRequestAllItems.call(this, '/v1/webhooks/list', {}, { returnAll: true });
	return hooks.filter((h) => h.url === webhookUrl && sameEventTypes(h, eventTypes));
}

/** The first of `hooks` whose signing secret Luma tells (only a create's answer is sure to). */
async function firstWithSecret(
	this: IHookFunctions,
	hooks: IDataObject[],
): Promise<IDataObject | undefined> {
	for (const hook of hooks) {
		const full = await lumaApiRequest.call(this, 'GET', '/v2/webhooks/get', { qs: { id: hook.id as string } });
		if (typeof full.id === 'string' && typeof full.secret === 'string') return full;
	}
	return undefined;
}

/** The Luma webhook already pointing at this URL for these events, with its signing secret. */
async function findRegistered(
	this: IHookFunctions,
	webhookUrl: string,
	eventTypes: string[],
): Promise<IDataObject | undefined> {
	return await firstWithSecret.call(this, await registeredHooks.call(this, webhookUrl, eventTypes));
}

/** One create: the webhook Luma answered with, or why there is none (its outcome may be unknown). */
async function createHook(this: IHookFunctions, webhookUrl: string, eventTypes: string[]) {
	return await lumaApiRequest
		.call(this, 'POST', '/v2/webhooks/create', { body: { url: webhookUrl, event_types: eventTypes } })
		.then(
			(hook) => ({ hook, failure: undefined }),
			(failure: Error) => ({ hook: undefined, failure }),
		);
}

/**
 * Creates the webhook once. A create that timed out or met a 5xx may have been made in Luma, so it
 * is never sent again blindly: Luma is asked first. A webhook it made is adopted when Luma tells its
 * secret; otherwise it is deleted (its deliveries could not be verified) and created once more.
 */
async function createOnce(
	this: IHookFunctions,
	webhookUrl: string,
	eventTypes: string[],
): Promise<IDataObject> {
	const first = await createHook.call(this, webhookUrl, eventTypes);
	if (first.hook !== undefined) return first.hook;
	const made = await registeredHooks.call(this, webhookUrl, eventTypes);
	if (made.length === 0) throw first.failure;
	const adopted = await firstWithSecret.call(this, made);
	if (adopted !== undefined) return adopted;
	for (const hook of made) {
		await lumaApiRequest.call(this, 'POST', '/v1/webhooks/delete', {
			body: { id: hook.id as string },
			idempotent: true,
		});
	}
	const second = await createHook.call(this, webhookUrl, eventTypes);
	if (second.hook === undefined) throw second.failure;
	return second.hook;
}

const splitSecrets = (value: unknown) =>
	typeof value === 'string' ? value.split(/[\s,]+/).filter((s) => s.length > 0) : [];

export class LumaTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Luma Trigger',
		name: 'lumaTrigger',
		icon: { light: 'file:../Luma/luma.svg', dark: 'file:../Luma/luma.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow on a signed Luma webhook delivery (registrations, guest updates, tickets, events)',
		defaults: { name: 'Luma Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'lumaApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// Empty: n8n then replies with our webhookResponse ack instead of the literal 'firstEntryJson'.
				responseData: '',
				path: '={{$parameter["path"]}}',
				isFullPath: true,
			},
		],
		properties: [
			{
				displayName: 'Path',
				name: 'path',
				type: 'string',
				default: 'luma-registration',
				required: true,
				placeholder: 'luma-registration',
				description: 'The production URL is the n8n base URL followed by /webhook/ and this path',
			},
			{
				displayName: 'Webhook Registration',
				name: 'registration',
				type: 'options',
				default: 'manual',
				options: [
					{
						name: 'Manual',
						value: 'manual',
						description:
							'You create the webhook in Luma (Calendar › Settings › Developer) and paste its signing secret into the credential',
					},
					{
						name: 'Register Automatically',
						value: 'automatic',
						description:
							'The trigger creates the webhook through the Luma API when the workflow is published, keeps its secret, and deletes it when unpublished',
					},
				],
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['guest.registered'],
				options: [
					{ name: 'All Events', value: '*' },
					{ name: 'Event Created, Updated or Canceled', value: 'event.*' },
					{ name: 'Guest Registered', value: 'guest.registered' },
					{
						name: 'Guest Updated',
						value: 'guest.updated',
						description: 'Also fires on new registrations: dedupe downstream on the delivery and guest IDs',
					},
					{ name: 'Ticket Registered', value: 'ticket.registered', description: 'Once per ticket' },
				],
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Signature Scheme',
						name: 'signatureScheme',
						type: 'options',
						default: 'auto',
						description: 'Which signature header to accept. Auto detects it from the headers present.',
						options: [
							{ name: 'Auto', value: 'auto' },
							{ name: 'Luma (Webhook-Signature: T=…,v1=…)', value: 'luma' },
							{ name: 'Standard Webhooks (Webhook-ID, Webhook-Timestamp)', value: 'standard' },
							{
								name: 'Legacy X-Luma-Signature (No Timestamp, No Replay Protection)',
								value: 'legacy',
							},
						],
					},
					{
						displayName: 'Timestamp Tolerance (Seconds)',
						name: 'toleranceSeconds',
						type: 'number',
						default: 300,
						typeOptions: { minValue: 1 },
						description:
							'Deliveries signed longer ago than this, or this far in the future, are rejected as replays',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				if (this.getNodeParameter('registration') !== 'automatic') return true;
				const webhookUrl = this.getNodeWebhookUrl('default') as string;
				const stored = this.getWorkflowStaticData('node') as StoredWebhook;
				const eventTypes = expandEventTypes(this.getNodeParameter('events') as string[]);
				if (stored.webhookId !== undefined && stored.webhookSecret && stored.webhookUrl === webhookUrl) {
					const hooks = await lumaApiRequestAllItems.call(this, '/v1/webhooks/list', {}, { returnAll: true });
					if (hooks.some((h) => h.id === stored.webhookId && sameEventTypes(h, eventTypes))) return true;
				}
				// Registered earlier (another n8n, lost static data): adopt it, with its secret.
				const found = await findRegistered.call(this, webhookUrl, eventTypes);
				if (found === undefined) return false;
				Object.assign(stored, { webhookId: found.id, webhookSecret: found.secret, webhookUrl });
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				if (this.getNodeParameter('registration') !== 'automatic') return true;
				const webhookUrl = this.getNodeWebhookUrl('default') as string;
				const eventTypes = expandEventTypes(this.getNodeParameter('events') as string[]);
				const created = await createOnce.call(this, webhookUrl, eventTypes);
				if (typeof created.id !== 'string' || typeof created.secret !== 'string') {
					throw new NodeOperationError(this.getNode(), 'Luma created the webhook but returned no ID or signing secret');
				}
				Object.assign(this.getWorkflowStaticData('node'), {
					webhookId: created.id,
					webhookSecret: created.secret,
					webhookUrl,
				});
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const stored = this.getWorkflowStaticData('node') as StoredWebhook;
				if (this.getNodeParameter('registration') === 'automatic' && stored.webhookId) {
					try {
						await lumaApiRequest.call(this, 'POST', '/v1/webhooks/delete', {
							body: { id: stored.webhookId },
							idempotent: true,
						});
					} catch (error) {
						// Already gone in Luma is fine; anything else must surface so the user can clean up.
						const failure = error as NodeApiError;
						if (failure.httpCode !== '404') {
							// A fresh error: n8n hands back a NodeApiError given one, dropping the new message.
							throw new NodeOperationError(
								this.getNode(),
								`Could not delete the Luma webhook ${stored.webhookId}: ${failure.message}`,
								{ description: failure.description ?? undefined },
							);
						}
					}
				}
				delete stored.webhookId;
				delete stored.webhookSecret;
				delete stored.webhookUrl;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject();
		const options = this.getNodeParameter('options', {}) as {
			signatureScheme?: SignatureScheme | 'auto';
			toleranceSeconds?: number;
		};
		const reject = (reason: string): IWebhookResponseData => {
			// One generic answer whatever failed, so a caller learns nothing about which check tripped.
			this.logger.warn(`Luma Trigger rejected a delivery: ${reason}`, { node: this.getNode().name });
			res.status(401).json({ message: 'Unauthorized' });
			return { noWebhookResponse: true };
		};

		const rawBody = (req as unknown as { rawBody?: Buffer }).rawBody;
		if (!Buffer.isBuffer(rawBody)) return reject('raw request body unavailable');

		const credentials = await this.getCredentials('lumaApi');
		const stored = this.getWorkflowStaticData('node') as StoredWebhook;
		const secrets =
			this.getNodeParameter('registration') === 'automatic'
				? [...splitSecrets(stored.webhookSecret), ...splitSecrets(credentials.webhookSecret)]
				: splitSecrets(credentials.webhookSecret);

		const scheme = options.signatureScheme ?? 'auto';
		const result = verifyWebhookSignature({
			rawBody,
			headers: req.headers,
			secrets,
			allowedSchemes: scheme === 'auto' ? ALL_SCHEMES : [scheme],
			toleranceSeconds: options.toleranceSeconds ?? 300,
		});
		if (!result.valid) return reject(result.reason);

		let body: IDataObject;
		try {
			body = JSON.parse(rawBody.toString('utf8')) as IDataObject;
		} catch {
			res.status(400).json({ message: 'Body is not valid JSON' });
			return { noWebhookResponse: true };
		}
		const output = buildOutput(body, req.headers, rawBody, result.scheme, result.timestamp);
		if (!eventTypeMatches(output.event_type as string, this.getNodeParameter('events') as string[])) {
			return { webhookResponse: { received: true, ignored: output.event_type } };
		}
		return { workflowData: [[{ json: output }]], webhookResponse: { received: true } };
	}
}
