import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

// Tested by the Luma nodes (testedBy: 'lumaApiCredentialTest'), which refuse a non-https base URL
// and an undecodable whsec_ secret; the rule cannot see testedBy inside versioned nodes.
// eslint-disable-next-line @n8n/community-nodes/credential-test-required
export class LumaApi implements ICredentialType {
	name = 'lumaApi';

	displayName = 'Luma API';

	icon: Icon = { light: 'file:../nodes/Luma/luma.svg', dark: 'file:../nodes/Luma/luma.dark.svg' };

	documentationUrl = 'https://docs.luma.com/reference/getting-started-with-your-api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Calendar API key from Luma › Calendar › Settings › Developer (needs Luma Plus)',
		},
		{
			displayName: 'Webhook Signing Secret',
			name: 'webhookSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Secret shown when the webhook was created in Luma (whsec_…, base64). Used by the Luma Trigger in Manual mode; leave empty when the trigger registers its own webhook. Several secrets separated by spaces allow a rotation.',
		},
		{
			displayName: 'Requests per Minute',
			name: 'requestsPerMinute',
			type: 'number',
			default: 200,
			typeOptions: { minValue: 1 },
			description:
				'Most calls n8n makes with this API key per minute, shared by every Luma node, trigger and execution that uses the key. Luma allows about 200; leave room for other apps on the same key.',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeoutSeconds',
			type: 'number',
			default: 30,
			typeOptions: { minValue: 1 },
			description:
				'How long n8n waits for Luma to answer one call. A read that gets no answer is tried again; a create (a webhook) is reported as possibly made and never sent twice.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://public-api.luma.com',
			description: 'Change only to point at a proxy or a sandbox. Must start with https:// (http only for localhost).',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { 'x-luma-api-key': '={{$credentials.apiKey}}' } },
	};
}
