/**
 * Contact › Upsert's "Canonical Contact (From Dedupe & Normalize)" input: the contact fields Dedupe &
 * Normalize produces, mapped to HubSpot properties in the node itself, so a webhook flow evaluates
 * no expression per request (an execution that evaluates none builds no expression isolate).
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { utmCampaign } from '../../../../shared/normalize/campaign';
import type { PropertyDefinition } from '../../helpers/properties';
import { toHubSpotValue } from '../../helpers/properties';

/** Input field → contact property, as the shipped Luma sync mapped them with expressions. */
export const CANONICAL_MAPPING: ReadonlyArray<readonly [string, string]> = [
	['email', 'email'],
	['first_name', 'firstname'],
	['last_name', 'lastname'],
	['phone', 'phone'],
	['company', 'company'],
	['job_title', 'jobtitle'],
	['event_name', 'contact_recent_event_name'],
	['event_date', 'contact_recent_event_date'],
	['event_date', 'contact_first_event_date'],
	['utm_source', 'utm_source'],
	['utm_medium', 'utm_medium'],
	['utm_campaign', 'utm_campaign'],
];

export interface CanonicalSettings {
	utmSource: string;
	utmMedium: string;
	campaignFrom: 'eventSlug' | 'inputField';
}

export function canonicalDescription(show: IDataObject): INodeProperties[] {
	const when = { show: { ...show, contactInput: ['canonical'] } };
	return [
		{
			displayName:
				"Writes email, firstname, lastname, phone, company, jobtitle, contact_recent_event_name and contact_recent_event_date / contact_first_event_date (from event_name, event_date), utm_source, utm_medium and utm_campaign from the fields Dedupe & Normalize outputs. Empty fields leave HubSpot's value alone. Every one of these properties must exist in HubSpot.",
			name: 'canonicalNotice',
			type: 'notice',
			default: '',
			displayOptions: when,
		},
		{
			displayName: 'UTM Source When Empty',
			name: 'defaultUtmSource',
			type: 'string',
			default: 'luma',
			description: 'Sent as utm_source when the item has none; leave empty to send nothing then',
			displayOptions: when,
		},
		{
			displayName: 'UTM Medium When Empty',
			name: 'defaultUtmMedium',
			type: 'string',
			default: 'event',
			description: 'Sent as utm_medium when the item has none; leave empty to send nothing then',
			displayOptions: when,
		},
		{
			displayName: 'UTM Campaign',
			name: 'utmCampaignFrom',
			type: 'options',
			default: 'eventSlug',
			options: [
				{
					name: 'Event Slug (as Dedupe & Normalize Makes It)',
					value: 'eventSlug',
					description:
						"Event_(event name slug)_(YYYY-MM-DD) from event_name and event_date, as Dedupe & Normalize computes it; the item's utm_campaign when either is missing. Airtable's formula value, which Find or Create Event puts in utm_campaign, keeps punctuation.",
				},
				{
					name: "The Item's Utm_campaign Field",
					value: 'inputField',
					description: "The item's utm_campaign as it is",
				},
			],
			displayOptions: when,
		},
	];
}

export function readCanonicalSettings(ctx: IExecuteFunctions): CanonicalSettings {
	return {
		utmSource: String(ctx.getNodeParameter('defaultUtmSource', 0, 'luma') ?? '').trim(),
		utmMedium: String(ctx.getNodeParameter('defaultUtmMedium', 0, 'event') ?? '').trim(),
		campaignFrom:
			ctx.getNodeParameter('utmCampaignFrom', 0, 'eventSlug') === 'inputField'
				? 'inputField'
				: 'eventSlug',
	};
}

/** The mapped properties the account lacks (the node stops before any write if there are some). */
export function missingCanonicalProperties(definitions: Map<string, PropertyDefinition>): string[] {
	return [...new Set(CANONICAL_MAPPING.map(([, property]) => property))].filter(
		(property) => !definitions.has(property),
	);
}

const text = (value: unknown): string =>
	value === undefined || value === null || typeof value === 'object' ? '' : String(value).trim();

/** One item's contact properties, as HubSpot strings (dates as the calendar day written). */
export function canonicalProperties(
	json: IDataObject,
	settings: CanonicalSettings,
	definitions: Map<string, PropertyDefinition>,
): Record<string, string> {
	const source: IDataObject = {};
	for (const [field, property] of CANONICAL_MAPPING) source[property] = json[field];
	if (text(json.utm_source) === '') source.utm_source = settings.utmSource;
	if (text(json.utm_medium) === '') source.utm_medium = settings.utmMedium;
	const eventName = text(json.event_name);
	const eventDate = text(json.event_date);
	// Dedupe & Normalize's own rule: the slug wins when both parts are known.
	if (settings.campaignFrom === 'eventSlug' && eventName !== '' && eventDate !== '')
		source.utm_campaign = utmCampaign(eventName, eventDate);
	const out: Record<string, string> = {};
	for (const [property, value] of Object.entries(source)) {
		const converted = toHubSpotValue(value, definitions.get(property));
		if (converted !== undefined) out[property] = converted;
	}
	return out;
}
