import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';
import * as register from './register.operation';
import * as syncToDatabase from './syncToDatabase.operation';

export { getMany, register, syncToDatabase };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['registrant'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List the registrants of a webinar, page by page, with filters',
				action: 'Get many registrants',
			},
			{
				name: 'Register',
				value: 'register',
				description: 'Register a person for a webinar schedule',
				action: 'Register a person',
			},
			{
				name: 'Sync to Database',
				value: 'syncToDatabase',
				description:
					'Copy every registrant of the chosen webinars into webinar_registrants (Postgres or Supabase), writing only new and changed rows',
				action: 'Sync registrants to a database',
			},
		],
		default: 'syncToDatabase',
	},
	...getMany.description,
	...register.description,
	...syncToDatabase.description,
];
