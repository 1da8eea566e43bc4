import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getPaging, unwrap } from '../../helpers/utils';
import { lumaApiRequestAllItems } from '../../transport';
import { limitOption, returnAllOption } from '../common.descriptions';

const properties: INodeProperties[] = [
	returnAllOption,
	limitOption,
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		options: [
			{
				displayName: 'Starts After',
				name: 'after',
				type: 'dateTime',
				default: '',
				description: 'Only events starting at or after this time',
			},
			{
				displayName: 'Starts Before',
				name: 'before',
				type: 'dateTime',
				default: '',
				description: 'Only events starting before this time',
			},
		],
	},
];

const displayOptions = { show: { resource: ['event'], operation: ['getMany'] } };

export const description = updateDisplayOptions(displayOptions, properties);

function isoOrUndefined(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const date = new Date(String(value));
	return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const paging = getPaging.call(this, itemIndex);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const entries = await lumaApiRequestAllItems.call(
		this,
		'/v1/calendars/events/list',
		{ after: isoOrUndefined(filters.after), before: isoOrUndefined(filters.before) },
		paging,
		{ itemIndex },
	);
	return entries.map((entry) => unwrap(entry, 'event'));
}
