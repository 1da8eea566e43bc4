import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { COORDINATE_WORKERS, redisCredential } from '../../shared/redis/coordination';
import { MAX_TOLERANCE_SECONDS } from '../../shared/signature/webhookSignature';

export const credentials: INodeCredentialDescription[] = [
	{ name: 'lumaApi', required: true, testedBy: 'lumaApiCredentialTest' },
	redisCredential,
];

/** Every version's parameters after its own (v1's Path). */
export const commonProperties: INodeProperties[] = [
	{
		displayName: 'Webhook Registration',
		name: 'registration',
		type: 'options',
		default: 'manual',
		options: [
			{
				name: 'Manual',
				value: 'manual',
				description:
					'You create the webhook in Luma (Calendar › Settings › Developer) and paste its signing secret into the credential',
			},
			{
				name: 'Register Automatically',
				value: 'automatic',
				description:
					'The trigger creates the webhook through the Luma API when the workflow is published, keeps its secret, and deletes it when unpublished',
			},
		],
	},
	{
		displayName:
			'In Luma (Calendar › Settings › Developer), add a webhook with the Production URL above and paste its signing secret into the Luma credential',
		name: 'manualNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { registration: ['manual'] } },
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: ['guest.registered'],
		options: [
			{ name: 'All Events', value: '*' },
			{ name: 'Event Created, Updated or Canceled', value: 'event.*' },
			{ name: 'Guest Registered', value: 'guest.registered' },
			{
				name: 'Guest Updated',
				value: 'guest.updated',
				description: 'Also fires on new registrations: dedupe downstream on the delivery and guest IDs',
			},
			{ name: 'Ticket Registered', value: 'ticket.registered', description: 'Once per ticket' },
		],
	},
	{
		displayName: 'Share Replay Protection Through Redis',
		name: COORDINATE_WORKERS,
		type: 'boolean',
		default: false,
		description:
			"Whether to remember accepted deliveries in Redis (n8n's Redis credential), so that a replayed delivery is refused by every n8n process. Turn on in queue mode with several webhook processes; off, each n8n process remembers its own.",
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Signature Scheme',
				name: 'signatureScheme',
				type: 'options',
				default: 'auto',
				description:
					'Which signature header to accept. Auto accepts Luma and Standard Webhooks signatures, never the legacy one.',
				options: [
					{ name: 'Auto (Luma or Standard Webhooks)', value: 'auto' },
					{ name: 'Luma (Webhook-Signature: T=…,v1=…)', value: 'luma' },
					{ name: 'Standard Webhooks (Webhook-ID, Webhook-Timestamp)', value: 'standard' },
					{
						name: 'Legacy X-Luma-Signature (No Timestamp: a Captured Delivery Stays Valid)',
						value: 'legacy',
					},
				],
			},
			{
				displayName: 'Timestamp Tolerance (Seconds)',
				name: 'toleranceSeconds',
				type: 'number',
				default: 300,
				typeOptions: { minValue: 1, maxValue: MAX_TOLERANCE_SECONDS },
				description: `Deliveries signed longer ago than this, or this far in the future, are rejected. At most ${MAX_TOLERANCE_SECONDS}.`,
			},
		],
	},
];
