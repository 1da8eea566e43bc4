/**
 * The Field Names option's dropdowns: the picked table's fields, one lookup per field the node
 * uses, so the first entry can say what the name match finds for that field today.
 */
import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { OWN_FIELDS, schemaNames } from '../../v1/helpers/names';
import { registryApi, worded } from '../transport';

type Table = 'eventsTable' | 'registrationsTable';

/** The loadOptions method that lists the table's fields for `defaultName` (fieldForEventName…). */
export const fieldLookupMethod = (defaultName: string): string =>
	`fieldFor${defaultName.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;

function fieldsFor(table: Table, defaultName: string) {
	return async function (this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		const api = await registryApi(this);
		const schema = await worded(api, async () => await api.table(api[table]));
		// What an empty choice means: the match by name, without the user's picks.
		const matched = schemaNames(schema).field(defaultName);
		return [
			{
				name: matched ? `By Name (${matched.name})` : 'By Name (No Such Field)',
				value: '',
				description: `The field named ${defaultName}, or the one spelled alike ignoring case, spaces, _ and -`,
			},
			...schema.fields.map((field) => ({
				name: field.name,
				value: field.name,
				description: `${field.type} field`,
			})),
		];
	};
}

/** Every Field Names lookup, by method name. */
export const fieldNameLookups: Record<
	string,
	(this: ILoadOptionsFunctions) => Promise<INodePropertyOptions[]>
> = Object.fromEntries([
	...OWN_FIELDS.events.map((name) => [fieldLookupMethod(name), fieldsFor('eventsTable', name)]),
	...OWN_FIELDS.registrations.map((name) => [
		fieldLookupMethod(name),
		fieldsFor('registrationsTable', name),
	]),
]);
