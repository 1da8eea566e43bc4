import type {
	IExecuteFunctions,
	INodeProperties,
	INodePropertyCollection,
	INodeTypeBaseDescription,
} from 'n8n-workflow';

import { versionDescription as v1Description } from '../../nodes/AirtableRegistry/v1/actions/node.description';
import { AirtableRegistryV2 } from '../../nodes/AirtableRegistry/v2/AirtableRegistryV2.node';

import { blamedField } from '../../nodes/AirtableRegistry/v1/helpers/batchWrite';
import { mappedFields, toAirtableValue } from '../../nodes/AirtableRegistry/v1/helpers/fields';
import {
	OWN_FIELDS,
	checkChoices,
	exactNames,
	lackingField,
	matchField,
	schemaNames,
} from '../../nodes/AirtableRegistry/v1/helpers/names';
import {
	fieldRef,
	formulaString,
	defaultUtmCampaign,
	utcDay,
} from '../../nodes/AirtableRegistry/v1/helpers/formula';
import { parseFormula } from '../emulators/airtable/server';

describe('Airtable Registry helpers', () => {
	it('computes the seed utm_campaign formula like Airtable: spaces to dashes, lower case, UTC day', () => {
		expect(defaultUtmCampaign('CFO Roundtable: Banking Stack', '2025-12-15T18:00:00Z')).toBe(
			'event_cfo-roundtable:-banking-stack_2025-12-15',
		);
		// 23:30 in New York is the next day in UTC, as DATETIME_FORMAT without SET_TIMEZONE.
		expect(defaultUtmCampaign('Late  Night', '2030-02-01T23:30:00-05:00')).toBe(
			'event_late--night_2030-02-02',
		);
		expect(defaultUtmCampaign('No Date', '')).toBeUndefined();
	});

	it('takes the UTC day of a date/time', () => {
		expect(utcDay('2030-03-14')).toBe('2030-03-14');
		expect(utcDay('2030-03-14T01:00:00+02:00')).toBe('2030-03-13');
		expect(utcDay('someday')).toBeUndefined();
		expect(utcDay(42)).toBeUndefined();
	});

	it('quotes formula strings so quotes and backslashes cannot break out', () => {
		expect(formulaString(`O'Brien "Q4" \\ x`)).toBe(`"O'Brien \\"Q4\\" \\\\ x"`);
		expect(parseFormula(`{event_name} = ${formulaString('a" & TRUE() & "')}`)).toEqual({
			k: 'eq',
			a: { k: 'field', name: 'event_name' },
			b: { k: 'lit', v: 'a" & TRUE() & "' },
		});
		expect(fieldRef('event_name')).toBe('{event_name}');
		expect(() => fieldRef('bad}name')).toThrow('cannot be used in a formula');
	});

	it("finds the field in Airtable's 422 messages", () => {
		expect(blamedField('Unknown field name: "foo"', {})).toBe('foo');
		expect(blamedField('Field "hubspot_contact_id" cannot accept the provided value', {})).toBe(
			'hubspot_contact_id',
		);
		expect(blamedField('Cannot parse date value "x" for field registration_date', {})).toBe(
			'registration_date',
		);
		expect(
			blamedField('Insufficient permissions to create new select option ""Maybe""', {
				email: 'a@b.c',
				attendance_status: 'Maybe',
			}),
		).toBe('attendance_status');
		expect(blamedField('Something else', { a: 1 })).toBeUndefined();
	});

	it('converts input values to the field type', () => {
		const f = (type: string) => ({ id: 'fld1', name: 'x', type });
		expect(toAirtableValue('1001', f('number'))).toBe(1001);
		expect(toAirtableValue('lots', f('number'))).toBe('lots');
		expect(toAirtableValue('', f('number'))).toBeNull();
		expect(toAirtableValue('', f('singleLineText'))).toBe('');
		expect(toAirtableValue('TRUE', f('checkbox'))).toBe(true);
		expect(toAirtableValue('recAbc123', f('multipleRecordLinks'))).toEqual(['recAbc123']);
		expect(toAirtableValue(undefined, f('email'))).toBeUndefined();
	});
});

describe('names and choices of another base (version 2)', () => {
	const field = (name: string, type = 'singleLineText', choices?: string[]) => ({
		id: `fld${name}`,
		name,
		type,
		...(choices ? { options: { choices: choices.map((c) => ({ id: `sel${c}`, name: c })) } } : {}),
	});
	const table = {
		id: 'tblEvents',
		name: 'events',
		primaryFieldId: 'fldEvent Name',
		fields: [
			field('Event Name'),
			field('event name'),
			field('Sync Status', 'singleSelect', ['pending', 'synced to hubspot']),
			field('Tags', 'multipleSelects', ['VIP', 'Press']),
			field('Host'),
		],
	};

	it('a default name takes the field of that name, else the one spelled alike, never a guess between two', () => {
		expect(matchField(table.fields, 'Event Name')?.name).toBe('Event Name');
		// "Event Name" and "event name" both normalize to eventname: no loose match is made.
		expect(matchField(table.fields, 'event_name')).toBeUndefined();
		const names = schemaNames(table);
		expect(names.name('sync_status')).toBe('Sync Status');
		expect(names.name('HOST')).toBe('Host');
		expect(names.name('utm_source')).toBe('utm_source');
		expect(exactNames.name('sync_status')).toBe('sync_status');
	});

	it('select values take the table spelling; a value that is no choice follows the rule', () => {
		const fields = { 'Sync Status': 'Synced_To_HubSpot', Host: 'anything', Tags: ['vip', 'Radio'] };
		expect(checkChoices(table, { 'Sync Status': 'SYNCED TO HUBSPOT' }, 'error')).toEqual({
			fields: { 'Sync Status': 'synced to hubspot' },
			skipped: {},
			typecast: false,
		});
		expect(checkChoices(table, fields, 'error').refused).toEqual({
			field: 'Tags',
			message: `Field 'Tags': "Radio" is not one of its choices (VIP, Press)`,
		});
		expect(checkChoices(table, fields, 'leaveEmpty')).toEqual({
			fields: { 'Sync Status': 'synced to hubspot', Host: 'anything', Tags: ['VIP'] },
			skipped: { Tags: ['vip', 'Radio'] },
			typecast: false,
		});
		expect(checkChoices(table, { 'Sync Status': 'Done' }, 'addChoice')).toEqual({
			fields: { 'Sync Status': 'Done' },
			skipped: {},
			typecast: true,
		});
		expect(checkChoices(table, { 'Sync Status': 'Done' }, 'leaveEmpty')).toEqual({
			fields: {},
			skipped: { 'Sync Status': 'Done' },
			typecast: false,
		});
	});

	it('an input field maps to the table field spelled alike; an exact name wins over a loose one', () => {
		const registrations = {
			id: 'tblReg',
			name: 'registrations',
			primaryFieldId: 'fldEmail',
			fields: [field('Email', 'email'), field('First Name'), field('first_name')],
		};
		const ctx = {
			getNodeParameter: (name: string) =>
				name === 'columns.mappingMode' ? 'autoMapInputData' : undefined,
		} as unknown as IExecuteFunctions;
		const item = { json: { email: 'a@b.c', FIRST_NAME: 'Loose', first_name: 'Exact' } };
		expect(mappedFields(ctx, item, 0, registrations, true)).toEqual({
			Email: 'a@b.c',
			first_name: 'Exact',
		});
		// Version 1: names as they are.
		expect(mappedFields(ctx, item, 0, registrations, false)).toEqual({ first_name: 'Exact' });
	});
});

describe('Options › Field Names (version 2)', () => {
	const base: INodeTypeBaseDescription = {
		displayName: 'Airtable Registry',
		name: 'airtableRegistry',
		group: ['output'],
		description: '',
	};
	const v2 = new AirtableRegistryV2(base);
	const optionsOf = (properties: INodeProperties[], operation: string) =>
		properties.find(
			(p) => p.name === 'options' && p.displayOptions?.show?.operation?.includes(operation),
		)?.options as INodeProperties[];
	const fieldNamesOf = (operation: string) =>
		optionsOf(v2.description.properties, operation).find((o) => o.name === 'fieldNames');

	it.each([
		['findOrCreate', 'eventsTable', OWN_FIELDS.events],
		['upsert', 'registrationsTable', OWN_FIELDS.registrations],
		['updateSyncStatus', 'registrationsTable', ['sync_status', 'sync_error', 'hubspot_contact_id']],
	])(
		'%s offers one entry per field it uses, empty by default, listing the picked table’s fields',
		(operation, table, names) => {
			const option = fieldNamesOf(operation)!;
			expect(option).toEqual(
				expect.objectContaining({
					type: 'fixedCollection',
					default: {},
					displayName: 'Field Names',
				}),
			);
			const [group] = option.options as INodePropertyCollection[];
			expect(group.name).toBe('names');
			expect(group.values.map((v) => v.name)).toEqual([...names]);
			for (const entry of group.values) {
				// Empty: the field named so, or spelled alike, as before the option existed.
				expect(entry.default).toBe('');
				expect(entry.type).toBe('options');
				expect(entry.typeOptions?.loadOptionsDependsOn).toEqual(['base.value', `${table}.value`]);
				const method = entry.typeOptions?.loadOptionsMethod as string;
				expect(typeof (v2.methods.loadOptions as Record<string, unknown>)[method]).toBe('function');
			}
		},
	);

	it('labels each entry in words', () => {
		const [group] = fieldNamesOf('upsert')!.options as INodePropertyCollection[];
		expect(group.values.map((v) => v.displayName)).toEqual([
			'Dedupe Key',
			'Event Link',
			'Sync Status',
			'Sync Error',
			'HubSpot Contact ID',
		]);
	});

	it('replaces Luma Event ID Field in version 2 only; version 1 is as it was', () => {
		const v2Options = optionsOf(v2.description.properties, 'findOrCreate').map((o) => o.name);
		expect(v2Options).toEqual(expect.arrayContaining(['unknownChoice', 'fieldNames']));
		expect(v2Options).not.toContain('lumaEventIdField');
		for (const operation of ['findOrCreate', 'upsert', 'updateSyncStatus']) {
			const v1Options = optionsOf(v1Description.properties, operation).map((o) => o.name);
			expect(v1Options).not.toContain('fieldNames');
			expect(v1Options.includes('lumaEventIdField')).toBe(operation === 'findOrCreate');
		}
	});

	it('a select value’s choices and the merge field follow the pick', () => {
		const property = (name: string) => v2.description.properties.find((p) => p.name === name);
		expect(property('eventType')?.typeOptions?.loadOptionsDependsOn).toContain(
			'options.fieldNames.names.event_type',
		);
		expect(property('syncStatus')?.typeOptions?.loadOptionsDependsOn).toContain(
			'options.fieldNames.names.sync_status',
		);
		expect(property('columns')?.typeOptions?.loadOptionsDependsOn).toContain(
			'options.fieldNames.names.dedupe_key',
		);
	});

	const field = (name: string, type = 'singleLineText') => ({
		id: `fld${name.replace(/ /g, '')}`,
		name,
		type,
	});
	const events = {
		id: 'tblEvents',
		name: 'Events',
		primaryFieldId: 'fldWebinarTitle',
		fields: [field('Webinar Title'), field('Held On', 'dateTime'), field('Event Type')],
	};

	it('a picked field wins over the match by name; empty picks keep the match', () => {
		const names = schemaNames(events, {
			event_name: 'Webinar Title',
			event_date: 'fldHeldOn',
			host: ' ',
		});
		expect(names.name('event_name')).toBe('Webinar Title');
		// By ID (an expression can give one).
		expect(names.name('event_date')).toBe('Held On');
		expect(names.name('event_type')).toBe('Event Type');
		expect(names.name('host')).toBe('host');
		expect(names.chosenFor).toEqual(['event_name', 'event_date']);
		expect(lackingField(events, names, ['event_name', 'event_date'])).toBeUndefined();
	});

	it('names the field the table lacks, and the pick that is not there', () => {
		expect(lackingField(events, schemaNames(events), ['event_name'])).toBe(
			'The Events table has no field event_name (nor one spelled alike, ignoring case, spaces, _ and -): pick the field that holds event_name under Options › Field Names',
		);
		// A merge field the user typed is no field of the node's: no pointer to Field Names.
		expect(lackingField(events, schemaNames(events), ['Email'])).toBe(
			'The Events table has no field Email (nor one spelled alike, ignoring case, spaces, _ and -)',
		);
		const typo = schemaNames(events, { event_name: 'Webinar Titel' });
		expect(typo.name('event_name')).toBe('Webinar Titel');
		expect(lackingField(events, typo, [])).toBe(
			'The Events table has no field "Webinar Titel", picked for event_name under Options › Field Names',
		);
	});
});
