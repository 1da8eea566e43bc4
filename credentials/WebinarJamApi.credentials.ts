import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * WebinarJam / EverWebinar API key. Every API call is a form-encoded POST with `api_key` in the
 * body (that is the only way the API takes it), so `authenticate` adds it to the body and the node
 * sends `Content-Type: application/x-www-form-urlencoded`; n8n's request helper then encodes the
 * body as a form.
 */
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
				"Leave empty to use the product's API. Set it only to point at a proxy or a sandbox (include the /webinarjam or /everwebinar part).",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			body: { api_key: '={{$credentials.apiKey}}' },
		},
	};

	// Lists the account's webinars: a form-encoded POST to /webinars, the cheapest call there is.
	// WebinarJam may also answer HTTP 200 with {"status":"error"}: the rule turns that into a failure.
	test: ICredentialTestRequest = {
		request: {
			method: 'POST',
			baseURL:
				'={{ ($credentials.baseUrl || "https://api.webinarjam.com/" + ($credentials.product || "webinarjam")).trim().replace(/\\/+$/, "") }}',
			url: '/webinars',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: {},
		},
		// n8n's credential tester also applies `responseCode` rules to HTTP errors (its typings only
		// list `responseSuccessBody`), so a 401 says what is wrong instead of "Unauthorized".
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'WebinarJam rejected the API key (401): check the key and the Product',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'status',
					value: 'error',
					message: 'WebinarJam answered with an error: check the API key and the Product',
				},
			},
		] as unknown as ICredentialTestRequest['rules'],
	};
}
