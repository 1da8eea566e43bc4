import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * HighLevel (LeadConnector API v2) Private Integration token for one location (sub-account).
 *
 * The type is named `highLevelAttendanceApi`, not `highLevelApi`: n8n-nodes-base already ships a
 * credential type `highLevelApi` (the API v1 key used by the built-in HighLevel node), and n8n
 * resolves a credential type name to the last package that defines it, so reusing the name would
 * replace n8n's own credential for every workflow on the instance.
 */
// Tested by the HighLevel Attendance node (highLevelAttendanceApiTest) through testedBy, which the rule cannot find in a versioned node.
// eslint-disable-next-line @n8n/community-nodes/credential-test-required
export class HighLevelAttendanceApi implements ICredentialType {
	name = 'highLevelAttendanceApi';

	displayName = 'HighLevel Attendance API';

	icon: Icon = {
		light: 'file:../nodes/HighLevelAttendance/highLevel.svg',
		dark: 'file:../nodes/HighLevelAttendance/highLevel.dark.svg',
	};

	documentationUrl =
		'https://marketplace.gohighlevel.com/docs/Authorization/PrivateIntegrationsToken';

	properties: INodeProperties[] = [
		{
			displayName: 'Private Integration Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'From the sub-account’s Settings › Private Integrations (pit-…). Scopes: contacts.readonly, contacts.write, and locations.readonly for the credential test.',
		},
		{
			displayName: 'Location ID',
			name: 'locationId',
			type: 'string',
			default: '',
			required: true,
			description:
				'The sub-account (location) the token belongs to: Settings › Business Profile, or the ID in the app URL after /location/',
		},
		{
			displayName: 'Requests per 10 Seconds',
			name: 'requestsPer10s',
			type: 'number',
			default: 100,
			typeOptions: { minValue: 1 },
			description:
				'HighLevel allows 100 requests per 10 seconds per integration per location. Raise it only if HighLevel raised your limit; lower it to leave room for other apps using the same token.',
		},
		{
			displayName: 'Webhook Secret',
			name: 'webhookSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'A random value of at least 16 characters that your GoHighLevel workflow sends with every attendance check: in the X-Webhook-Secret header (Custom Webhook action) or as ?secret= at the end of the URL (Webhook action). Check and Tag refuses requests without it.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://services.leadconnectorhq.com',
			description:
				'Change only to point at a proxy or a sandbox. Must start with https:// (http only for localhost).',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
				// Every v2 endpoint this package calls documents this version.
				Version: '2021-07-28',
			},
		},
	};

	// No declarative test: the HighLevel Attendance node tests this credential (highLevelAttendanceApiTest),
	// so that a base URL that is not https:// is refused before the token is sent anywhere.
}
