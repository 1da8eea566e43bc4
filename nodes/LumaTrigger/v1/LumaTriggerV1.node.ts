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

/** Version 1: a full path of the user's choosing (`/webhook/<path>`), kept for existing workflows. */
// The icon is set on the versioned wrapper (LumaTrigger.node.ts) and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class LumaTriggerV1 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			version: 1,
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
					description:
						'The production URL is the n8n base URL followed by /webhook/ and this path. Two triggers must not share it.',
				},
				...commonProperties,
			],
		};
	}

	methods = { credentialTest: { lumaApiCredentialTest } };

	webhookMethods = webhookMethods;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveDelivery.call(this);
	}
}
