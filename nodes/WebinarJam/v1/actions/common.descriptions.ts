import type { INodeProperties } from 'n8n-workflow';

export const webinarRLC: INodeProperties = {
	displayName: 'Webinar',
	name: 'webinarId',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The WebinarJam (or EverWebinar) webinar',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'searchWebinars', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: '12',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: '^\\s*\\d+\\s*$',
						errorMessage: 'Not a webinar ID (a whole number)',
					},
				},
			],
		},
	],
};

export const returnAllOption: INodeProperties = {
	displayName: 'Return All',
	name: 'returnAll',
	type: 'boolean',
	default: false,
	description: 'Whether to return all results or only up to a given limit',
};

export const limitOption: INodeProperties = {
	displayName: 'Limit',
	name: 'limit',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 50,
	description: 'Max number of results to return',
	displayOptions: { show: { returnAll: [false] } },
};

/** WebinarJam's date_range values, as documented. */
export const dateRangeOptions = [
	{ name: 'All Time', value: 0 },
	{ name: 'Today', value: 1 },
	{ name: 'Yesterday', value: 2 },
	{ name: 'This Week', value: 3 },
	{ name: 'Last Week', value: 4 },
	{ name: 'Last 7 Days', value: 5 },
	{ name: 'This Month', value: 6 },
	{ name: 'Last Month', value: 7 },
	{ name: 'Last 30 Days', value: 8 },
];

/** Where Sync to Database and Apply Schema write. */
export const databaseOption: INodeProperties = {
	displayName: 'Database',
	name: 'database',
	type: 'options',
	noDataExpression: true,
	default: 'postgres',
	options: [
		{
			name: 'PostgreSQL',
			value: 'postgres',
			description:
				"A direct connection with n8n's Postgres credential (for Supabase: the database connection string's host, user and password)",
		},
		{
			name: 'Supabase',
			value: 'supabase',
			description:
				"Supabase's REST API with n8n's Supabase credential (project URL + service role key)",
		},
	],
	description: 'Where the registrants and the sync runs are stored',
};

export const schemaOption: INodeProperties = {
	displayName: 'Schema',
	name: 'schema',
	type: 'string',
	default: 'public',
	description:
		'Database schema of webinar_registrants and sync_runs. For Supabase it must be an exposed schema (Settings › API).',
};
