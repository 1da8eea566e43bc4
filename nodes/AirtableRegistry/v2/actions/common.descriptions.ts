import type { INodeProperties } from 'n8n-workflow';

import { unknownChoiceOption } from '../../v1/actions/common.descriptions';

export const baseRLC: INodeProperties = {
	displayName: 'Base',
	name: 'base',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The base that holds the Events and Registrations tables',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'baseSearch', searchable: true },
		},
		{
			displayName: 'By URL',
			name: 'url',
			type: 'string',
			placeholder: 'e.g. https://airtable.com/appXXXXXXXXXXXXXX/tblXXXXXXXXXXXXXX',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: 'https://airtable.com/(app[a-zA-Z0-9]{14})(/.*)?',
						errorMessage: 'Not an Airtable base URL',
					},
				},
			],
			extractValue: { type: 'regex', regex: 'https://airtable.com/(app[a-zA-Z0-9]{14})' },
		},
		{
			displayName: 'ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. appXXXXXXXXXXXXXX',
			validation: [
				{
					type: 'regex',
					properties: { regex: 'app[a-zA-Z0-9]{14}', errorMessage: 'Not an Airtable base ID' },
				},
			],
			url: '=https://airtable.com/{{$value}}',
		},
	],
};

/** A table of the picked base; by default the one named like the default table. */
export function tableRLC(
	name: 'eventsTable' | 'registrationsTable',
	tableName: string,
	show: Record<string, string[]>,
): INodeProperties {
	return {
		displayName: `${tableName} Table`,
		name,
		type: 'resourceLocator',
		default: { mode: 'name', value: tableName },
		required: true,
		description: `The table that holds the ${tableName.toLowerCase()}. By Name matches ignoring case, spaces and underscores.`,
		typeOptions: { loadOptionsDependsOn: ['base.value'] },
		displayOptions: { show },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'tableSearch', searchable: true },
			},
			{
				displayName: 'By Name',
				name: 'name',
				type: 'string',
				placeholder: `e.g. ${tableName}`,
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'e.g. https://airtable.com/appXXXXXXXXXXXXXX/tblXXXXXXXXXXXXXX',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: 'https://airtable.com/app[a-zA-Z0-9]{14}/(tbl[a-zA-Z0-9]{14})(/.*)?',
							errorMessage: 'Not an Airtable table URL',
						},
					},
				],
				extractValue: {
					type: 'regex',
					regex: 'https://airtable.com/app[a-zA-Z0-9]{14}/(tbl[a-zA-Z0-9]{14})',
				},
			},
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. tblXXXXXXXXXXXXXX',
				validation: [
					{
						type: 'regex',
						properties: { regex: 'tbl[a-zA-Z0-9]{14}', errorMessage: 'Not an Airtable table ID' },
					},
				],
			},
		],
	};
}

/** Select parameters whose values come from the picked table's choices, by loadOptions method. */
const CHOICES: Record<string, { method: string; table: 'eventsTable' | 'registrationsTable' }> = {
	eventType: { method: 'getEventTypes', table: 'eventsTable' },
	eventTier: { method: 'getEventTiers', table: 'eventsTable' },
	host: { method: 'getHosts', table: 'eventsTable' },
	utmSource: { method: 'getUtmSources', table: 'eventsTable' },
	utmMedium: { method: 'getUtmMediums', table: 'eventsTable' },
	status: { method: 'getEventStatuses', table: 'eventsTable' },
	syncStatus: { method: 'getSyncStatuses', table: 'registrationsTable' },
};

/**
 * Version 1's parameters as version 2 shows them: select values from the table's choices (no fixed
 * list), the mapping read from the picked table, and the rule for values that are no choice.
 */
export function fromTable(properties: INodeProperties[]): INodeProperties[] {
	return properties.map((property) => {
		const choice = CHOICES[property.name];
		if (choice !== undefined && property.type === 'options') {
			const rest: INodeProperties = { ...property };
			delete rest.options;
			return {
				...rest,
				default: '',
				typeOptions: {
					loadOptionsMethod: choice.method,
					loadOptionsDependsOn: ['base.value', `${choice.table}.value`],
				},
				description: `${property.description ?? ''}. Choose from the table's choices, or use an expression.`,
			} as INodeProperties;
		}
		if (property.type === 'resourceMapper') {
			return {
				...property,
				typeOptions: {
					...property.typeOptions,
					loadOptionsDependsOn: ['fieldsToMergeOn', 'base.value', 'registrationsTable.value'],
				},
				description:
					'Registrations fields to write. Automatic mapping sends every input field named like a writable field of the table, ignoring case, spaces and underscores (first_name fills First Name); a link field only when it holds record IDs.',
			};
		}
		if (property.type === 'collection' && property.options !== undefined) {
			const options = fromTable(property.options as INodeProperties[]);
			return {
				...property,
				options: property.name === 'options' ? [unknownChoiceOption, ...options] : options,
			};
		}
		return property;
	});
}

/** What the tables need, shown above the operation's parameters. */
export const fieldsNotice: INodeProperties = {
	displayName:
		'Pick the base below (after importing a workflow, too): one credential reaches every base its token can. Events needs event_name (text) and event_date (date); event_type, event_tier, host, utm_source, utm_medium and status (single selects), luma_event_id (text) and utm_campaign (formula) are used when present. Registrations needs dedupe_key (text), event_id (link to Events), sync_status (single select), sync_error (long text), hubspot_contact_id (number), plus the contact fields you map. Names match ignoring case, spaces and underscores: "Event Name" serves event_name.',
	name: 'fieldsNotice',
	type: 'notice',
	default: '',
};
