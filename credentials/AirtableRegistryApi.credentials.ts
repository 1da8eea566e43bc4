import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

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
				'From airtable.com/create/tokens. Scopes: data.records:read, data.records:write, and schema.bases:read for automatic field mapping. Access: the registry base.',
		},
		{
			displayName: 'Base ID',
			name: 'baseId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'appXXXXXXXXXXXXXX',
			description: 'The app… part of the base URL (airtable.com/appXXXXXXXXXXXXXX/…)',
		},
		{
			displayName: 'Events Table',
			name: 'eventsTable',
			type: 'string',
			default: 'Events',
			description: 'Name or ID (tbl…) of the Events table',
		},
		{
			displayName: 'Registrations Table',
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
			description: 'Change only to point at a proxy or a sandbox',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.accessToken}}' },
		},
	};

	// Lists one Events record: needs only data.records:read, and proves token, base and table name.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '=/v0/{{$credentials.baseId.trim()}}/{{encodeURIComponent($credentials.eventsTable)}}',
			qs: { pageSize: 1 },
		},
	};
}
