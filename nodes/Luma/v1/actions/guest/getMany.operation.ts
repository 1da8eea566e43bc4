import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getEventId, getPaging, unwrap } from '../../helpers/utils';
import { lumaApiRequestAllItems } from '../../transport';
import { eventRLC, limitOption, returnAllOption } from '../common.descriptions';

const properties: INodeProperties[] = [
	{ ...eventRLC, description: 'The event whose guests to list' },
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
				displayName: 'Approval Status',
				name: 'approvalStatus',
				type: 'options',
				default: 'approved',
				options: [
					{ name: 'Approved', value: 'approved' },
					{ name: 'Declined', value: 'declined' },
					{ name: 'Invited', value: 'invited' },
					{ name: 'Pending Approval', value: 'pending_approval' },
					{ name: 'Session', value: 'session' },
					{ name: 'Waitlist', value: 'waitlist' },
				],
				description: 'Only guests with this approval status',
			},
		],
	},
];

const displayOptions = { show: { resource: ['guest'], operation: ['getMany'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const eventId = getEventId.call(this, itemIndex);
	const paging = getPaging.call(this, itemIndex);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const entries = await lumaApiRequestAllItems.call(
		this,
		'/v1/events/guests/list',
		{ event_id: eventId, approval_status: filters.approvalStatus as string | undefined },
		paging,
		{ itemIndex, notFoundMessage: `Event '${eventId}' not found` },
	);
	// Guests do not name their event; downstream dedupe keys on it.
	return entries.map((entry) => ({ ...unwrap(entry, 'guest'), event_id: eventId }));
}
