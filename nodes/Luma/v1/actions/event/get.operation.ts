import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getEventId, unwrap } from '../../helpers/utils';
import { lumaApiRequest } from '../../transport';
import { eventRLC } from '../common.descriptions';

const properties: INodeProperties[] = [{ ...eventRLC, description: 'The event to retrieve' }];

const displayOptions = { show: { resource: ['event'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const eventId = getEventId.call(this, itemIndex);
	const response = await lumaApiRequest.call(this, 'GET', '/v1/events/get', {
		qs: { id: eventId },
		itemIndex,
		notFoundMessage: `Event '${eventId}' not found`,
	});
	return [unwrap(response, 'event')];
}
