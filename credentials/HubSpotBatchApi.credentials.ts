import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * The Test button's base URL: the credential's when it is https:// (or http:// on this machine),
 * else a reserved name that never resolves, so the token is not sent in clear text and the failure
 * names the rule. The node's client applies the same rule (checkedBaseUrl) to every request.
 */
export const TEST_BASE_URL =
	'={{ (/^https:\\/\\/[^\\/?#@\\s]+/i.test($credentials.baseUrl.trim()) || /^http:\\/\\/(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?(\\/|$)/i.test($credentials.baseUrl.trim())) ? $credentials.baseUrl.trim().replace(/\\/+$/, "") : "https://base-url-must-start-with-https.invalid" }}';

export class HubSpotBatchApi implements ICredentialType {
	name = 'hubSpotBatchApi';

	displayName = 'HubSpot Batch API';

	icon: Icon = {
		light: 'file:../nodes/HubSpotBatch/hubspot.svg',
		dark: 'file:../nodes/HubSpotBatch/hubspot.dark.svg',
	};

	documentationUrl = 'https://developers.hubspot.com/docs/guides/apps/private-apps/overview';

	properties: INodeProperties[] = [
		{
			displayName: 'Private App Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'From HubSpot › Settings › Integrations › Private Apps. Scopes: crm.objects.contacts.read/write, crm.lists.read/write, crm.schemas.contacts.read/write, plus the objects you write.',
		},
		{
			displayName:
				'Requests start at the safest rate, 100 per 10 seconds, which every HubSpot account allows. On a Professional or Enterprise account (190) or with the API Limit Increase (250), choose it under Account Tier to write faster; leave room for other apps that use the same private app.',
			name: 'tierNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Account Tier',
			name: 'tier',
			type: 'options',
			default: 'starter',
			description: "Sets how fast requests are sent, to stay inside the account's 10-second limit",
			options: [
				{ name: 'Free / Starter (100 per 10 s)', value: 'starter' },
				{
					name: 'Professional / Enterprise (190 per 10 s)',
					value: 'professional',
				},
				{ name: 'API Limit Increase (250 per 10 s)', value: 'increase' },
				{ name: 'Custom', value: 'custom' },
			],
		},
		{
			displayName: 'Requests per 10 Seconds',
			name: 'customLimit',
			type: 'number',
			default: 100,
			typeOptions: { minValue: 1 },
			displayOptions: { show: { tier: ['custom'] } },
			description: 'Leave room for other apps that share this private app',
		},
		{
			displayName: 'Share Rate Limit Across Workers',
			name: 'sharedRateLimit',
			type: 'boolean',
			default: false,
			description:
				"Whether to keep the 10-second window in the Redis below, so every n8n process shares one budget. Prefer the HubSpot Batch node's Coordinate Workers Through Redis option, which uses n8n's Redis credential (and also keeps per-contact locks there); this setting remains for existing workflows.",
		},
		{
			displayName: 'Redis URL',
			name: 'redisUrlSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'redis://:password@redis:6379/0',
			description:
				'The Redis every worker can reach (n8n’s queue-mode Redis will do); rediss:// for TLS',
			displayOptions: { show: { sharedRateLimit: [true] } },
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.hubapi.com',
			description:
				'Change only to point at a proxy or a sandbox. Must start with https:// (plain http only for localhost).',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.accessToken}}' },
		},
	};

	// Reads one contact: proves the token works and has the contacts read scope.
	test: ICredentialTestRequest = {
		request: {
			baseURL: TEST_BASE_URL,
			url: '/crm/v3/objects/contacts',
			qs: { limit: 1 },
		},
	};
}
