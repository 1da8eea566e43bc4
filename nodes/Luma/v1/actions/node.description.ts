/* eslint-disable n8n-nodes-base/node-filename-against-convention -- versioned-node layout: description of v1 and v2 */
// Version 2: Webhook › Delete picks the webhook from a list (a resource locator instead of a typed ID).
import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as event from './event';
import * as guest from './guest';
import * as webhook from './webhook';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Luma',
	name: 'luma',
	group: ['transform'],
	version: [1, 2],
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description: 'Read Luma events and guests and manage Luma webhooks',
	defaults: {
		name: 'Luma',
	},
	usableAsTool: true,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{
			name: 'lumaApi',
			required: true,
			testedBy: 'lumaApiCredentialTest',
		},
	],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Event', value: 'event' },
				{ name: 'Guest', value: 'guest' },
				{ name: 'Webhook', value: 'webhook' },
			],
			default: 'event',
		},
		...event.description,
		...guest.description,
		...webhook.description,
	],
};
