import type { IDataObject, IHookFunctions, NodeApiError } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { lumaApiRequest, lumaApiRequestAllItems } from '../../Luma/v1/transport';
import { webhookSecretProblem } from '../../shared/signature/webhookSignature';
import { expandEventTypes } from '../payload';

export interface StoredWebhook {
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

export const splitSecrets = (value: unknown) =>
	typeof value === 'string' ? value.split(/[\s,]+/).filter((s) => s.length > 0) : [];

/** Publishing fails on a secret that could verify nothing, instead of every delivery getting 401. */
async function assertUsableSecret(this: IHookFunctions): Promise<void> {
	const secrets = splitSecrets((await this.getCredentials('lumaApi')).webhookSecret);
	const problem =
		secrets.length === 0
			? 'The Luma credential has no Webhook Signing Secret: paste the one Luma shows for this webhook, or set Webhook Registration to Register Automatically'
			: secrets.map(webhookSecretProblem).find((p) => p !== undefined);
	if (problem !== undefined) throw new NodeOperationError(this.getNode(), problem);
}

export const webhookMethods = {
	default: {
		async checkExists(this: IHookFunctions): Promise<boolean> {
			if (this.getNodeParameter('registration') !== 'automatic') {
				await assertUsableSecret.call(this);
				return true;
			}
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
