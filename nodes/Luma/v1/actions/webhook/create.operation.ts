import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { getRequiredString, refuseAgent } from '../../helpers/utils';
import { lumaApiRequest } from '../../transport';
import { optionsCollection } from '../common.descriptions';

export const WEBHOOK_EVENT_TYPES = [
	{ name: 'All Events (*)', value: '*' },
	{ name: 'Calendar Event Added', value: 'calendar.event.added' },
	{ name: 'Calendar Person Subscribed', value: 'calendar.person.subscribed' },
	{ name: 'Event Canceled', value: 'event.canceled' },
	{ name: 'Event Created', value: 'event.created' },
	{ name: 'Event Updated', value: 'event.updated' },
	{ name: 'Guest Registered', value: 'guest.registered' },
	{ name: 'Guest Updated', value: 'guest.updated' },
	{ name: 'Ticket Registered', value: 'ticket.registered' },
];

const properties: INodeProperties[] = [
	{
		displayName:
			'To start a workflow on Luma events, use the Luma Trigger instead: with Register Automatically it creates its webhook and keeps the signing secret for you',
		name: 'triggerNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://n8n.example.com/webhook/luma',
		description: 'Where Luma should POST the events',
	},
	{
		displayName: 'Event Types',
		name: 'eventTypes',
		type: 'multiOptions',
		required: true,
		options: WEBHOOK_EVENT_TYPES,
		default: ['guest.registered'],
		description: 'Which events Luma should send to the URL',
	},
	optionsCollection([
		{
			displayName: 'Include Signing Secret',
			name: 'includeSigningSecret',
			type: 'boolean',
			default: false,
			description:
				'Whether to include the webhook signing secret in the output. Off by default because node output is stored in the execution log.',
		},
	]),
];

const displayOptions = { show: { resource: ['webhook'], operation: ['create'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** Luma only returns the secret on create, but strip it anywhere it might appear. */
export function withoutSecret(webhook: IDataObject): IDataObject {
	const copy: IDataObject = { ...webhook };
	delete copy.secret;
	return copy;
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	refuseAgent.call(this, 'Creating a Luma webhook', itemIndex);
	const url = getRequiredString.call(this, 'url', 'URL', itemIndex);
	if (!/^https?:\/\/\S+$/i.test(url)) {
		throw new NodeOperationError(this.getNode(), `"URL" must be an http(s) URL, got '${url}'`, { itemIndex });
	}
	const eventTypes = this.getNodeParameter('eventTypes', itemIndex, []) as string[];
	if (!Array.isArray(eventTypes) || eventTypes.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Select at least one event type', { itemIndex });
	}
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const created = await lumaApiRequest.call(this, 'POST', '/v2/webhooks/create', {
		body: { url, event_types: eventTypes },
		itemIndex,
	});
	return [options.includeSigningSecret === true ? created : withoutSecret(created)];
}
