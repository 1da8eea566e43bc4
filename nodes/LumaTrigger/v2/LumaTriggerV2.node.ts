import type {
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { lumaApiCredentialTest } from '../../Luma/v1/methods/credentialTest';
import { commonProperties, credentials } from '../shared/properties';
import { receiveDelivery } from '../shared/receive';
import { webhookMethods } from '../shared/registration';

/**
 * Version 2: the URL is `/webhook/<node's webhook ID>/luma`, as n8n's own triggers do, so two Luma
 * Triggers never share a path by accident. The path is fixed: no expression runs per delivery.
 */
// The icon is set on the versioned wrapper (LumaTrigger.node.ts) and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class LumaTriggerV2 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			version: 2,
			subtitle: '={{$parameter["events"].join(", ")}}',
			defaults: { name: 'Luma Trigger' },
			inputs: [],
			outputs: [NodeConnectionTypes.Main],
			credentials,
			webhooks: [
				{
					name: 'default',
					httpMethod: 'POST',
					responseMode: 'onReceived',
					// Empty: n8n then replies with our webhookResponse ack instead of the literal 'firstEntryJson'.
					responseData: '',
					path: 'luma',
				},
			],
			properties: commonProperties,
		};
	}

	methods = { credentialTest: { lumaApiCredentialTest } };

	webhookMethods = webhookMethods;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveDelivery.call(this);
	}
}
