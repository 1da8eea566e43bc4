import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RowOutcome } from '../../helpers/outcome';
import type { PropertyDefinition } from '../../helpers/properties';
import { forgetPropertyDefinitions, getPropertyDefinitions } from '../../helpers/properties';
import { NOTE_KEY_PROPERTY } from '../../helpers/queue';
import { AttemptError } from '../../../../shared/transport/attempt';
import type { HubSpotApi } from '../../transport';

const show = { resource: ['property'], operation: ['ensure'] };

interface PropertySpec {
	name: string;
	label: string;
	type: string;
	fieldType: string;
	description?: string;
	/** HubSpot refuses a second record with the same value. */
	hasUniqueValue?: boolean;
}

/** The event-tracking contact properties the Event Tracking group holds (Include Event Tracking Properties). */
export const EVENT_TRACKING_PROPERTIES: PropertySpec[] = [
	{
		name: 'contact_recent_event_name',
		label: 'Recent Event Name',
		type: 'string',
		fieldType: 'text',
		description: 'Most recent event attended',
	},
	{
		name: 'contact_recent_event_date',
		label: 'Recent Event Date',
		type: 'date',
		fieldType: 'date',
		description: 'Date of most recent event',
	},
	{
		name: 'contact_total_events_attended',
		label: 'Total Events Attended',
		type: 'number',
		fieldType: 'number',
		description: 'Lifetime event count',
	},
	{
		name: 'contact_first_event_date',
		label: 'First Event Date',
		type: 'date',
		fieldType: 'date',
		description: 'First event attended (never overwritten)',
	},
	{
		name: 'contact_lifecycle_event_source',
		label: 'Lifecycle Event Source',
		type: 'string',
		fieldType: 'text',
		description: 'Which event converted the lead to MQL/SQL',
	},
];

/** The key Queue › Flush gives each queued note, so HubSpot refuses to create it twice. */
export const NOTE_KEY_SPEC: PropertySpec = {
	name: NOTE_KEY_PROPERTY,
	label: 'Queue Note Key',
	type: 'string',
	fieldType: 'text',
	description:
		'Set by HubSpot Batch › Queue › Flush: one value per queued note, so a note is created once even when a flush is retried',
	hasUniqueValue: true,
};

const FIELD_TYPES: Record<string, string> = {
	string: 'text',
	number: 'number',
	date: 'date',
	datetime: 'date',
	bool: 'booleancheckbox',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Object Type',
		name: 'objectType',
		type: 'options',
		default: 'contacts',
		options: [
			{ name: 'Companies', value: 'companies' },
			{ name: 'Contacts', value: 'contacts' },
			{ name: 'Deals', value: 'deals' },
			{ name: 'Notes', value: 'notes' },
		],
		displayOptions: { show },
	},
	{
		displayName: 'Group Name',
		name: 'groupName',
		type: 'string',
		default: 'event_tracking',
		required: true,
		description: 'Internal name of the property group (lowercase, underscores)',
		displayOptions: { show },
	},
	{
		displayName: 'Group Label',
		name: 'groupLabel',
		type: 'string',
		default: 'Event Tracking',
		required: true,
		displayOptions: { show },
	},
	{
		displayName: 'Include Event Tracking Properties',
		name: 'includeSeedProperties',
		type: 'boolean',
		default: true,
		description:
			'Whether to ensure contact_recent_event_name, contact_recent_event_date, contact_total_events_attended, contact_first_event_date and contact_lifecycle_event_source (contacts only)',
		displayOptions: { show: { ...show, objectType: ['contacts'] } },
	},
	{
		displayName: 'Include Queue Note Key',
		name: 'includeNoteKey',
		type: 'boolean',
		default: true,
		description: `Whether to ensure ${NOTE_KEY_PROPERTY}, a property with unique values that HubSpot Queue › Flush puts on each note it creates: HubSpot then refuses a second copy of a note, and a create that got no answer is looked up instead of being sent again`,
		displayOptions: { show: { ...show, objectType: ['notes'] } },
	},
	{
		displayName: 'Additional Properties',
		name: 'additionalProperties',
		placeholder: 'Add Property',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Property',
				name: 'property',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						required: true,
						description: 'Internal name (lowercase, underscores)',
					},
					{
						displayName: 'Label',
						name: 'label',
						type: 'string',
						default: '',
						required: true,
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						default: 'string',
						options: [
							{ name: 'Checkbox (Yes/No)', value: 'bool' },
							{ name: 'Date', value: 'date' },
							{ name: 'Date and Time', value: 'datetime' },
							{ name: 'Number', value: 'number' },
							{ name: 'Single-Line Text', value: 'string' },
						],
					},
					{
						displayName: 'Description',
						name: 'description',
						type: 'string',
						default: '',
					},
				],
			},
		],
	},
];

const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;

function specs(ctx: IExecuteFunctions, objectType: string): PropertySpec[] {
	const list: PropertySpec[] = [];
	if (
		objectType === 'contacts' &&
		(ctx.getNodeParameter('includeSeedProperties', 0, true) as boolean)
	) {
		list.push(...EVENT_TRACKING_PROPERTIES);
	}
	if (objectType === 'notes' && (ctx.getNodeParameter('includeNoteKey', 0, true) as boolean)) {
		list.push(NOTE_KEY_SPEC);
	}
	const extra = ctx.getNodeParameter('additionalProperties.property', 0, []) as IDataObject[];
	for (const p of extra) {
		const type = String(p.type ?? 'string');
		list.push({
			name: String(p.name ?? '').trim(),
			label: String(p.label ?? '').trim(),
			type,
			fieldType: FIELD_TYPES[type] ?? 'text',
			description: p.description ? String(p.description) : undefined,
		});
	}
	return list;
}

/** How an existing property compares with the wanted one; it is never changed. */
function existingResult(spec: PropertySpec, found: PropertyDefinition): IDataObject {
	const sameType =
		found.type === spec.type || (spec.type === 'bool' && found.type === 'enumeration');
	const unique = (found as { hasUniqueValue?: boolean }).hasUniqueValue === true;
	const warning = !sameType
		? `HubSpot has ${spec.name} as ${found.type}, not ${spec.type}; it was left unchanged`
		: spec.hasUniqueValue && !unique
			? `HubSpot has ${spec.name} without unique values, and HubSpot cannot add them later: delete the property and run this again`
			: undefined;
	return {
		name: spec.name,
		status: !sameType
			? 'exists_with_other_type'
			: warning === undefined
				? 'exists'
				: 'exists_without_unique_values',
		type: found.type,
		group: found.groupName,
		...(warning === undefined ? {} : { warning }),
	};
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
	try {
		return { value: await fn() };
	} catch (error) {
		return { error };
	}
}

/**
 * Creates the group and each missing property; existing ones are left as they are (and reported,
 * with a warning when their type differs). Runs once; every input item gets the same summary.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const objectType = this.getNodeParameter('objectType', 0) as string;
	const groupName = String(this.getNodeParameter('groupName', 0)).trim();
	const groupLabel = String(this.getNodeParameter('groupLabel', 0)).trim();
	const wanted = specs(this, objectType);
	if (!PROPERTY_NAME.test(groupName)) {
		throw new NodeOperationError(
			this.getNode(),
			`Field 'groupName': "${groupName}" must be lowercase letters, digits and underscores`,
		);
	}
	for (const spec of wanted) {
		if (!PROPERTY_NAME.test(spec.name)) {
			throw new NodeOperationError(
				this.getNode(),
				`Field 'additionalProperties.name': "${spec.name}" must be lowercase letters, digits and underscores`,
			);
		}
		if (spec.label === '')
			throw new NodeOperationError(
				this.getNode(),
				`Field 'additionalProperties.label': empty for property "${spec.name}"`,
			);
	}

	let groupStatus = 'exists';
	// These creates may be retried: HubSpot refuses a second group or property of one name (409: exists).
	const created = await attempt(
		async () =>
			await api.request({
				method: 'POST',
				path: `/crm/v3/properties/${encodeURIComponent(objectType)}/groups`,
				body: { name: groupName, label: groupLabel, displayOrder: -1 },
			}),
	);
	if (created.error === undefined) groupStatus = 'created';
	else if (!(created.error instanceof AttemptError && created.error.status === 409))
		throw created.error;

	const existing = new Map(
		(await getPropertyDefinitions(api, objectType, { fresh: true })).map((d) => [d.name, d]),
	);
	const results: IDataObject[] = [];
	for (const spec of wanted) {
		const found = existing.get(spec.name);
		if (found) {
			results.push(existingResult(spec, found));
			continue;
		}
		const made = await attempt(
			async () =>
				await api.request({
					method: 'POST',
					path: `/crm/v3/properties/${encodeURIComponent(objectType)}`,
					body: { ...spec, groupName },
				}),
		);
		if (made.error === undefined) {
			results.push({
				name: spec.name,
				status: 'created',
				type: spec.type,
				group: groupName,
			});
		} else if (made.error instanceof AttemptError && made.error.status === 409) {
			// Created by someone else since we listed: that is the state we wanted.
			results.push({ name: spec.name, status: 'exists', type: spec.type });
		} else {
			throw made.error;
		}
	}
	forgetPropertyDefinitions(api, objectType);

	const summary: IDataObject = {
		object_type: objectType,
		group: { name: groupName, label: groupLabel, status: groupStatus },
		properties: results,
		created: results.filter((r) => r.status === 'created').length,
		existing: results.filter((r) => r.status !== 'created').length,
	};
	return items.map((_, itemIndex) => ({ itemIndex, json: { ...summary } }));
}
