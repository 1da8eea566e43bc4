import type { INodeTypeBaseDescription, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { DEFAULT_KEY_PREFIX, DEFAULT_SCHEMAS } from '../helpers/context';
import * as request from './request';

export const versionDescription: Omit<INodeTypeDescription, keyof INodeTypeBaseDescription> &
	Partial<INodeTypeDescription> = {
	version: 1,
	subtitle: '={{ $parameter["operation"] }}',
	defaults: { name: 'Privacy' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	// Every store but PostgreSQL is optional: a store whose credential is not set is reported as skipped.
	credentials: [
		// n8n's built-in Postgres and Redis credentials, on purpose (the package is for self-hosted n8n).
		{ name: 'postgres', required: true, testedBy: 'testPrivacyPostgres' },
		{ name: 'hubSpotBatchApi', required: false },
		{ name: 'airtableRegistryApi', required: false },
		{ name: 'redis', required: false },
	],
	properties: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			default: 'export',
			options: [
				{
					name: 'Erase',
					value: 'erase',
					action: 'Erase a person s data',
					description: "Delete the person's data in every store, and record the request",
				},
				{
					name: 'Export',
					value: 'export',
					action: 'Export a person s data',
					description: "Return the person's data from every store, and record the request",
				},
			],
		},
		...request.exportData.description,
		...request.erase.description,
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			default: '={{ $json.email }}',
			required: true,
			placeholder: 'name@email.com',
			description:
				"The person's email address, one person per item; trimmed and lower-cased before any store is searched",
		},
		{
			displayName: 'Schemas',
			name: 'schemas',
			type: 'string',
			default: DEFAULT_SCHEMAS,
			description:
				'PostgreSQL schemas to search, comma-separated. The request log (privacy_requests) is kept in the first.',
		},
		{
			displayName: 'App Tables',
			name: 'appTables',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			default: {},
			placeholder: 'Add App Table',
			description:
				"Your own tables that hold people by email (e.g. the table HubSpot Record Sync keeps in step): the person's rows, and the sync's rows for them",
			options: [
				{
					displayName: 'Table',
					name: 'table',
					values: [
						{
							displayName: 'Table',
							name: 'table',
							type: 'string',
							default: '',
							placeholder: 'public.customers',
							description: 'As schema.table, or the table name alone to look in every schema',
						},
						{
							displayName: 'Email Column',
							name: 'emailColumn',
							type: 'string',
							default: 'email',
						},
						{
							displayName: 'Key Column',
							name: 'keyColumn',
							type: 'string',
							default: 'id',
							description: 'The primary key, as HubSpot Record Sync knows the row (its Key Column)',
						},
					],
				},
			],
		},
		{
			displayName: 'Airtable Base ID',
			name: 'airtableBase',
			type: 'string',
			default: '',
			placeholder: 'appXXXXXXXXXXXXXX',
			description:
				"Used when an Airtable Registry API credential is set. Empty: the credential's base.",
		},
		{
			displayName: 'Airtable Table',
			name: 'airtableTable',
			type: 'string',
			default: '',
			placeholder: 'Registrations',
			description: "The registrations table, by name or ID. Empty: the credential's.",
		},
		{
			displayName: 'Airtable Email Field',
			name: 'airtableEmailField',
			type: 'string',
			default: 'email',
		},
		{
			displayName: 'Redis Key Prefix',
			name: 'keyPrefix',
			type: 'string',
			default: DEFAULT_KEY_PREFIX,
			description:
				"Used when a Redis credential is set: the keys scanned for the person's queued items. Several prefixes can be given, comma-separated.",
		},
	],
};
