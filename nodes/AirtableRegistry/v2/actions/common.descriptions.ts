import type { INodeProperties } from 'n8n-workflow';

import { unknownChoiceOption } from '../../v1/actions/common.descriptions';
import { combineOption } from '../../v1/helpers/combine';
import { fieldLookupMethod } from '../methods/fieldNames';

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

type Table = 'eventsTable' | 'registrationsTable';

/** Where the user's pick for a default field name is kept (Options › Field Names). */
const pickedField = (defaultName: string) => `options.fieldNames.names.${defaultName}`;

/** Select parameters whose values come from the picked table's choices, by loadOptions method. */
const CHOICES: Record<string, { method: string; table: Table; field: string }> = {
	eventType: { method: 'getEventTypes', table: 'eventsTable', field: 'event_type' },
	eventTier: { method: 'getEventTiers', table: 'eventsTable', field: 'event_tier' },
	host: { method: 'getHosts', table: 'eventsTable', field: 'host' },
	utmSource: { method: 'getUtmSources', table: 'eventsTable', field: 'utm_source' },
	utmMedium: { method: 'getUtmMediums', table: 'eventsTable', field: 'utm_medium' },
	status: { method: 'getEventStatuses', table: 'eventsTable', field: 'status' },
	syncStatus: { method: 'getSyncStatuses', table: 'registrationsTable', field: 'sync_status' },
};

/** How the Field Names option labels each field the node uses. */
const FIELD_LABELS: Record<string, string> = {
	event_name: 'Event Name',
	event_date: 'Event Date',
	event_type: 'Event Type',
	event_tier: 'Event Tier',
	host: 'Host',
	utm_source: 'UTM Source',
	utm_medium: 'UTM Medium',
	status: 'Status',
	luma_event_id: 'Luma Event ID',
	utm_campaign: 'UTM Campaign',
	dedupe_key: 'Dedupe Key',
	event_id: 'Event Link',
	sync_status: 'Sync Status',
	sync_error: 'Sync Error',
	hubspot_contact_id: 'HubSpot Contact ID',
};

/**
 * Options › Field Names: for each field the operation uses, the table's field that holds it, picked
 * from the table's fields. Left empty (the preset), the field named so or spelled alike is used.
 */
export function fieldNamesOption(table: Table, defaultNames: readonly string[]): INodeProperties {
	return {
		displayName: 'Field Names',
		name: 'fieldNames',
		type: 'fixedCollection',
		placeholder: 'Pick Field Names',
		default: {},
		description:
			'The table\'s field for each field the node uses, when the table names it otherwise (e.g. "Webinar Title" for event_name). By Name: the field of the default name, or the one spelled alike ignoring case, spaces, _ and -.',
		options: [
			{
				displayName: 'Field Names',
				name: 'names',
				values: defaultNames.map((defaultName) => ({
					displayName: FIELD_LABELS[defaultName] ?? defaultName,
					name: defaultName,
					type: 'options' as const,
					default: '',
					typeOptions: {
						loadOptionsMethod: fieldLookupMethod(defaultName),
						loadOptionsDependsOn: ['base.value', `${table}.value`],
					},
					description: `The field that holds ${defaultName}. Choose from the list, or specify a name using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
				})),
			},
		],
	};
}

/**
 * Version 1's parameters as version 2 shows them: select values from the table's choices (no fixed
 * list), the mapping read from the picked table, the rule for values that are no choice, and the
 * operation's Field Names (which replace version 1's Luma Event ID Field).
 */
export function fromTable(
	properties: INodeProperties[],
	fieldNames: INodeProperties,
): INodeProperties[] {
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
					loadOptionsDependsOn: ['base.value', `${choice.table}.value`, pickedField(choice.field)],
				},
				description: `${property.description ?? ''}. Choose from the table's choices, or use an expression.`,
			} as INodeProperties;
		}
		if (property.type === 'resourceMapper') {
			return {
				...property,
				typeOptions: {
					...property.typeOptions,
					loadOptionsDependsOn: [
						'fieldsToMergeOn',
						'base.value',
						'registrationsTable.value',
						pickedField('dedupe_key'),
					],
				},
				description:
					'Registrations fields to write. Automatic mapping sends every input field named like a writable field of the table, ignoring case, spaces and underscores (first_name fills First Name); a link field only when it holds record IDs.',
			};
		}
		if (property.type === 'collection' && property.options !== undefined) {
			const options = fromTable(property.options as INodeProperties[], fieldNames);
			return {
				...property,
				options:
					property.name === 'options'
						? [
								unknownChoiceOption,
								fieldNames,
								...options.filter((option) => option.name !== 'lumaEventIdField'),
							]
						: options,
			};
		}
		return property;
	});
}

/** What the tables need, shown above the operation's parameters. */
export const fieldsNotice: INodeProperties = {
	displayName:
		'Pick the base below (after importing a workflow, too): one credential reaches every base its token can. Events needs event_name (text) and event_date (date); event_type, event_tier, host, utm_source, utm_medium and status (single selects), luma_event_id (text) and utm_campaign (formula) are used when present. Registrations needs dedupe_key (text), event_id (link to Events), sync_status (single select), sync_error (long text), hubspot_contact_id (number), plus the contact fields you map. Names match ignoring case, spaces and underscores ("Event Name" serves event_name); a field named otherwise is picked under Options › Field Names.',
	name: 'fieldsNotice',
	type: 'notice',
	default: '',
};

/**
 * Options › Input: the operation's per-item values from the input item's fields by name (plain
 * parameters, no expression to evaluate per item), or defined below (usually expressions). Version
 * 2.1 takes fields by name unless told otherwise; saved version 2 nodes keep defining them below.
 */
export function inputModeProperties(show: Record<string, string[]>): INodeProperties[] {
	const property: INodeProperties = {
		displayName: 'Input',
		name: 'inputMode',
		type: 'options',
		noDataExpression: true,
		default: 'fieldsByName',
		options: [
			{
				name: 'Fields by Name',
				value: 'fieldsByName',
				description:
					"Read each value from the input item's field named below: no expressions, so n8n evaluates none per item",
			},
			{
				name: 'Define Below',
				value: 'defineBelow',
				description: 'Give each value below, usually as an expression',
			},
		],
		description: 'Where the values of each item come from',
	};
	return [
		{
			...property,
			default: 'defineBelow',
			displayOptions: { show: { ...show, '@version': [2] } },
		},
		{
			...property,
			displayOptions: { show: { ...show, '@version': [{ _cnd: { gte: 2.1 } }] } },
		},
	];
}

/** A plain parameter naming the input field that holds a value (Input › Fields by Name). */
export function inputField(
	show: Record<string, unknown[]>,
	field: Pick<INodeProperties, 'displayName' | 'name' | 'default' | 'description' | 'required'>,
): INodeProperties {
	return {
		type: 'string',
		...field,
		displayOptions: { show: { ...show, inputMode: ['fieldsByName'] } },
	} as INodeProperties;
}

/**
 * The operation's parameters with Input: the parameters named in `defined` show under Define
 * Below only, each `fields` entry is placed after the parameter it names, and the options offer
 * Combine With Concurrent Executions.
 */
export function withInput(
	properties: INodeProperties[],
	show: Record<string, string[]>,
	defined: string[],
	fields: Array<{ after: string; property: INodeProperties }>,
): INodeProperties[] {
	const out: INodeProperties[] = [...inputModeProperties(show)];
	const place = (name: string) =>
		out.push(...fields.filter((f) => f.after === name).map((f) => f.property));
	place('inputMode');
	for (const property of properties) {
		if (defined.includes(property.name)) {
			const shown = property.displayOptions?.show ?? {};
			out.push({
				...property,
				displayOptions: {
					...property.displayOptions,
					show: { ...shown, inputMode: ['defineBelow'] },
				},
			});
		} else if (property.name === 'options' && property.type === 'collection') {
			out.push({ ...property, options: [...(property.options ?? []), combineOption] });
		} else out.push(property);
		place(property.name);
	}
	return out;
}
