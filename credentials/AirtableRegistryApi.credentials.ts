import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

// Tested by the Airtable Registry node (testedBy: 'airtableRegistryApiTest'), which refuses a
// non-https base URL before the token is sent; the rule cannot see testedBy inside versioned nodes.
// eslint-disable-next-line @n8n/community-nodes/credential-test-required
export class AirtableRegistryApi implements ICredentialType {
	name = 'airtableRegistryApi';

	displayName = 'Airtable Registry API';

	icon: Icon = {
		light: 'file:../nodes/AirtableRegistry/airtable.svg',
		dark: 'file:../nodes/AirtableRegistry/airtable.dark.svg',
	};

	documentationUrl = 'https://airtable.com/developers/web/guides/personal-access-tokens';

	properties: INodeProperties[] = [
		{
			displayName: 'Personal Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'From airtable.com/create/tokens. Scopes: data.records:read, data.records:write, schema.bases:read (to pick bases and tables and map fields). Access: every base the node should reach.',
		},
		{
			displayName:
				'One credential serves any number of bases: the node (version 2) picks the base and tables. The three fields below are read only by nodes of version 1.',
			name: 'versionNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Base ID (Version 1 Only)',
			name: 'baseId',
			type: 'string',
			default: '',
			placeholder: 'appXXXXXXXXXXXXXX',
			description:
				'The app… part of the base URL (airtable.com/appXXXXXXXXXXXXXX/…). Leave empty for version 2 nodes.',
		},
		{
			displayName: 'Events Table (Version 1 Only)',
			name: 'eventsTable',
			type: 'string',
			default: 'Events',
			description: 'Name or ID (tbl…) of the Events table',
		},
		{
			displayName: 'Registrations Table (Version 1 Only)',
			name: 'registrationsTable',
			type: 'string',
			default: 'Registrations',
			description: 'Name or ID (tbl…) of the Registrations table',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.airtable.com',
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
}
