import type { INodeProperties } from 'n8n-workflow';

/** Where the app's records live and which HubSpot object they are. */
export const recordProperties: INodeProperties[] = [
	{
		displayName: 'Schema',
		name: 'schema',
		type: 'string',
		default: 'public',
		description: "The PostgreSQL schema of the app's table and of the sync's own tables",
	},
	{
		displayName: 'App Table',
		name: 'table',
		type: 'string',
		default: 'customers',
		required: true,
		description: "The app's table, e.g. customers",
	},
	{
		displayName: 'Key Column',
		name: 'keyColumn',
		type: 'string',
		default: 'id',
		required: true,
		description: "The table's primary key column",
	},
	{
		displayName: 'HubSpot ID Column',
		name: 'hubspotIdColumn',
		type: 'string',
		default: 'hubspot_id',
		required: true,
		description: "The column that holds the HubSpot record's ID (text)",
	},
	{
		displayName: 'HubSpot Object',
		name: 'objectType',
		type: 'options',
		default: 'companies',
		options: [
			{ name: 'Companies', value: 'companies' },
			{ name: 'Contacts', value: 'contacts' },
			{ name: 'Deals', value: 'deals' },
		],
	},
	{
		displayName: 'Field Rules',
		name: 'fieldRules',
		type: 'fixedCollection',
		placeholder: 'Add Field Rule',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		description: 'One rule per synced field: which side owns it, and who wins when both changed',
		options: [
			{
				displayName: 'Rule',
				name: 'rule',
				values: [
					{
						displayName: 'App Column',
						name: 'column',
						type: 'string',
						default: '',
						placeholder: 'credit_limit',
					},
					{
						displayName: 'Direction',
						name: 'direction',
						type: 'options',
						default: 'both',
						options: [
							{
								name: 'Both Ways',
								value: 'both',
							},
							{
								name: 'App	→	HubSpot (App Owns It)',
								value: 'toHubSpot',
								description: "HubSpot edits are put back to the app's value",
							},
							{
								name: 'HubSpot	→	App (HubSpot Owns It)',
								value: 'toApp',
								description: "App edits are replaced by HubSpot's value",
							},
						],
					},
					{
						displayName: 'HubSpot Property',
						name: 'property',
						type: 'string',
						default: '',
						placeholder: 'credit_limit',
						description: "The property's internal name in HubSpot",
					},
					{
						displayName: 'Immutable',
						name: 'immutable',
						type: 'boolean',
						default: false,
						description:
							"Whether the field never changes after the record is created (e.g. an account number):	the app's value is never overwritten and HubSpot's copy is put back",
					},
					{
						displayName: 'When Both Changed',
						name: 'authority',
						type: 'options',
						default: 'latestWins',
						options: [
							{
								name: 'HubSpot Wins',
								value: 'hubspotWins',
							},
							{
								name: 'App Wins',
								value: 'appWins',
							},
							{
								name: 'Latest Change Wins',
								value: 'latestWins',
							},
							{
								name: 'Manual Review',
								value: 'manual',
								description: 'Neither side is written;	the record goes to the Review output',
							},
						],
					},
				],
			},
		],
	},
];

export const appIdProperty: INodeProperties = {
	displayName: 'HubSpot Property With App Key',
	name: 'appIdProperty',
	type: 'string',
	default: 'app_record_id',
	required: true,
	description:
		"A HubSpot property with unique values that holds the app row's key. When HubSpot does not answer a create, the record is looked up by it and removed, so a rollback leaves nothing behind.",
};

export const appUpdatedAtOption: INodeProperties = {
	displayName: 'App Updated-At Column',
	name: 'appUpdatedAtColumn',
	type: 'string',
	default: 'updated_at',
	description:
		"The column with the row's last change time, used by Latest Change Wins when the change was not queued (a queued change carries its own time). Empty: unknown, HubSpot's change is newer.",
};
