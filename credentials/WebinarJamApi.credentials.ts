import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * WebinarJam / EverWebinar API key. Every API call is a form-encoded POST with `api_key` in the
 * body (that is the only way the API takes it), so `authenticate` adds it to the body and the node
 * sends `Content-Type: application/x-www-form-urlencoded`; n8n's request helper then encodes the
 * body as a form.
 */
// Tested by the WebinarJam node (webinarJamApiTest) through testedBy, which the rule cannot find in a versioned node.
// eslint-disable-next-line @n8n/community-nodes/credential-test-required
export class WebinarJamApi implements ICredentialType {
	name = 'webinarJamApi';

	displayName = 'WebinarJam API';

	icon: Icon = {
		light: 'file:../nodes/WebinarJam/webinarJam.svg',
		dark: 'file:../nodes/WebinarJam/webinarJam.dark.svg',
	};

	documentationUrl = 'https://documentation.webinarjam.com/api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'From WebinarJam (or EverWebinar) › Advanced › API Custom Integration. Sent as api_key in the form body of every call.',
		},
		{
			displayName: 'Product',
			name: 'product',
			type: 'options',
			default: 'webinarjam',
			options: [
				{ name: 'WebinarJam', value: 'webinarjam' },
				{ name: 'EverWebinar', value: 'everwebinar' },
			],
			description:
				'Which API the key belongs to: WebinarJam (live webinars, api.webinarjam.com/webinarjam) or EverWebinar (automated webinars, api.webinarjam.com/everwebinar)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.webinarjam.com/webinarjam',
			description:
				"Leave empty to use the product's API. Set it only to point at a proxy or a sandbox (include the /webinarjam or /everwebinar part). Must start with https:// (http only for localhost).",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			body: { api_key: '={{$credentials.apiKey}}' },
		},
	};

	// No declarative test: the WebinarJam node tests this credential (webinarJamApiTest), so that a
	// Base URL that is not https:// is refused before the key is sent anywhere.
}
