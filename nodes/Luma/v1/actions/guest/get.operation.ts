import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getEventId, getRequiredString, unwrap } from '../../helpers/utils';
import { lumaApiRequest } from '../../transport';
import { eventRLC } from '../common.descriptions';

const properties: INodeProperties[] = [
	{ ...eventRLC, description: 'The event the guest registered for' },
	{
		displayName: 'Guest ID or Email',
		name: 'guestId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'gst-AbC123xyz or name@example.com',
		description: 'The guest ID (gst-…) or the email address the guest registered with',
	},
];

const displayOptions = { show: { resource: ['guest'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const eventId = getEventId.call(this, itemIndex);
	const guestId = getRequiredString.call(this, 'guestId', 'Guest ID or Email', itemIndex);
	const response = await lumaApiRequest.call(this, 'GET', '/v1/events/guests/get', {
		qs: { event_id: eventId, id: guestId },
		itemIndex,
		notFoundMessage: (server) =>
			/event/i.test(server ?? '')
				? `Event '${eventId}' not found`
				: `Guest '${guestId}' not found in event '${eventId}'`,
	});
	// Guests do not name their event; downstream dedupe keys on it.
	return [{ ...unwrap(response, 'guest'), event_id: eventId }];
}
