import type { INodeProperties } from 'n8n-workflow';

import * as batchArchive from './batchArchive.operation';
import * as batchCreate from './batchCreate.operation';
import * as batchRead from './batchRead.operation';
import * as batchUpsert from './batchUpsert.operation';

export { batchArchive, batchCreate, batchRead, batchUpsert };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['object'] } },
		options: [
			{
				name: 'Batch Archive',
				value: 'batchArchive',
				description:
					'Archive records by ID, 100 per request (for example to undo a create whose follow-ups failed)',
				action: 'Archive records in batches',
			},
			{
				name: 'Batch Create',
				value: 'batchCreate',
				description: 'Create one record per input item, 100 per request (never retried blindly)',
				action: 'Create records in batches',
			},
			{
				name: 'Batch Read',
				value: 'batchRead',
				description:
					'Read records by ID or unique property, 100 per request; an ID without a record is status not_found, not an error',
				action: 'Read records in batches',
			},
			{
				name: 'Batch Upsert',
				value: 'batchUpsert',
				description:
					'Create or update records by a unique property, 100 per request; rows with the same ID merge',
				action: 'Upsert records in batches',
			},
		],
		default: 'batchUpsert',
	},
	{
		displayName: 'Object Type Name or ID',
		name: 'objectType',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getObjectTypes' },
		default: '',
		required: true,
		description:
			'The CRM object to work on: a standard object, or a custom object from the account (its ID looks like 2-12345). Read once for the whole run. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { resource: ['object'] } },
	},
	...batchUpsert.description,
	...batchCreate.description,
	...batchRead.description,
	...batchArchive.description,
];
