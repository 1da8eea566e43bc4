import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { getWebinarId } from '../../helpers/utils';
import type { WebinarJamClient } from '../../transport';
import { webinarRLC } from '../common.descriptions';

const properties: INodeProperties[] = [
	{ ...webinarRLC, description: 'The webinar to register the person for' },
	{
		displayName: 'First Name',
		name: 'firstName',
		type: 'string',
		default: '={{ $json.first_name }}',
		required: true,
		description: 'Sent as first_name',
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '={{ $json.email }}',
		required: true,
		description:
			'Sent as email. Registering the same email for the same schedule again returns the existing registration.',
	},
	{
		displayName: 'Schedule',
		name: 'schedule',
		type: 'resourceLocator',
		default: { __rl: true, mode: 'list', value: '' },
		required: true,
		description: 'The session of the webinar to register for (sent as schedule)',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchSchedules', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 12',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: '^\\s*[1-9]\\d*\\s*$',
							errorMessage: 'Not a schedule ID (a whole number above 0)',
						},
					},
				],
			},
		],
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Date (EverWebinar)',
				name: 'date',
				type: 'string',
				default: '',
				placeholder: '2026-03-11 10:00',
				description: 'EverWebinar only: the session date of the schedule (date)',
			},
			{
				displayName: 'IP Address',
				name: 'ip_address',
				type: 'string',
				default: '',
				description: 'The registrant’s IP address (ip_address)',
			},
			{
				displayName: 'Last Name',
				name: 'last_name',
				type: 'string',
				default: '',
				description: 'Sent as last_name',
			},
			{
				displayName: 'Phone',
				name: 'phone',
				type: 'string',
				default: '',
				description: 'Digits only (phone)',
			},
			{
				displayName: 'Phone Country Code',
				name: 'phone_country_code',
				type: 'string',
				default: '',
				placeholder: '+1',
				description: 'With the plus sign (phone_country_code)',
			},
			{
				displayName: 'Time Zone (EverWebinar)',
				name: 'timezone',
				type: 'string',
				default: '',
				placeholder: 'GMT-5',
				description: 'EverWebinar only: the registrant’s GMT offset (timezone)',
			},
		],
	},
];

const displayOptions = { show: { resource: ['registrant'], operation: ['register'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** POST /register → `user` (user_id is the registrant's id in /registrants). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	client: WebinarJamClient,
): Promise<IDataObject[]> {
	const webinarId = getWebinarId.call(this, itemIndex);
	const firstName = String(this.getNodeParameter('firstName', itemIndex, '') ?? '').trim();
	const email = String(this.getNodeParameter('email', itemIndex, '') ?? '').trim();
	// A resource locator; workflows saved before it was one hold a plain number.
	const schedule = Number(
		String(this.getNodeParameter('schedule', itemIndex, '', { extractValue: true }) ?? '').trim() ||
			Number.NaN,
	);
	if (firstName === '') {
		throw new NodeOperationError(this.getNode(), '"First Name" is required', { itemIndex });
	}
	if (email === '')
		throw new NodeOperationError(this.getNode(), '"Email" is required', { itemIndex });
	if (!Number.isInteger(schedule) || schedule <= 0) {
		throw new NodeOperationError(
			this.getNode(),
			'No schedule selected: pick one from the list (it shows the webinar’s schedules) or enter its ID',
			{ itemIndex },
		);
	}
	const extra = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const params: Record<string, string | number | undefined> = {
		webinar_id: webinarId,
		first_name: firstName,
		email,
		schedule,
	};
	for (const key of [
		'last_name',
		'phone_country_code',
		'phone',
		'ip_address',
		'timezone',
		'date',
	]) {
		const value = String(extra[key] ?? '').trim();
		if (value !== '') params[key] = value;
	}
	const body = await client.request<{ user?: IDataObject }>('register', params, {
		itemIndex,
		idempotent: false,
		notFoundMessage: `WebinarJam has no webinar ${webinarId} (404)`,
	});
	return [{ ...(body.user ?? {}), webinar_id: body.user?.webinar_id ?? webinarId }];
}
