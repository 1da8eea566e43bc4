import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getWebinar } from '../../helpers/api';
import { getWebinarId } from '../../helpers/utils';
import type { WebinarJamClient } from '../../transport';
import { webinarRLC } from '../common.descriptions';

const properties: INodeProperties[] = [
	{ ...webinarRLC, description: 'The webinar to retrieve, with its schedules and time zone' },
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Time Zone (EverWebinar)',
				name: 'timezone',
				type: 'string',
				default: '',
				placeholder: 'GMT-5',
				description:
					'EverWebinar only: show the schedule dates in this GMT offset instead of the webinar’s time zone',
			},
		],
	},
];

const displayOptions = { show: { resource: ['webinar'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** POST /webinar: details, schedules [{date, schedule, comment}] and timezone. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	client: WebinarJamClient,
): Promise<IDataObject[]> {
	const webinarId = getWebinarId.call(this, itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const timezone = String(options.timezone ?? '').trim();
	return [await getWebinar(client, webinarId, { itemIndex, timezone: timezone || undefined })];
}
