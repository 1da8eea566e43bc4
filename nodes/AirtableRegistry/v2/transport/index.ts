/**
 * Version 2 reaches Airtable through version 1's transport, with the base and tables the node
 * picked (resource locators) in place of the credential's: one credential serves any base.
 */
import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { pathId } from '../../../shared/transport/urlSafety';
import type { ChosenNames } from '../../v1/helpers/names';
import type { AirtableSettings, RegistryTarget } from '../../v1/transport';
import { AirtableApi } from '../../v1/transport';

/** Airtable's base IDs: app + 14 letters and digits. */
export const BASE_ID = /^app[A-Za-z0-9]{14}$/;
/** A table by its ID (tbl…) or its name; a name never holds a slash and is sent encoded. */
export const TABLE_ID_OR_NAME = /^(tbl[A-Za-z0-9]{14}|[^/\\?#]{1,255})$/;

const DEFAULT_TABLES = { eventsTable: 'Events', registrationsTable: 'Registrations' } as const;

type Picked = 'base' | 'eventsTable' | 'registrationsTable';

function picked(ctx: IExecuteFunctions | ILoadOptionsFunctions, name: Picked | 'resource'): string {
	const value =
		'getInputData' in ctx
			? ctx.getNodeParameter(name, 0, '', { extractValue: name !== 'resource' })
			: ctx.getNodeParameter(name, '', { extractValue: name !== 'resource' });
	return String(value ?? '').trim();
}

/** The picked base and tables, checked before any of them goes into a URL. */
export function registryTarget(ctx: IExecuteFunctions | ILoadOptionsFunctions): RegistryTarget {
	const check = (value: string, field: string, pattern: RegExp) => {
		try {
			return pathId(value, field, pattern);
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), (error as Error).message, {
				description:
					field === 'Base'
						? 'Pick the base in the Base field (From List), or paste its ID (app…) or URL.'
						: 'Pick the table (From List), or give its ID (tbl…) or its name.',
			});
		}
	};
	const base = picked(ctx, 'base');
	if (base === '')
		throw new NodeOperationError(ctx.getNode(), 'No base is selected', {
			description: 'Pick the base in the Base field (From List), or paste its ID (app…) or URL.',
		});
	// Only the resource's own table is shown (and can be read); the other keeps its default name.
	const resource = picked(ctx, 'resource');
	const table = (name: 'eventsTable' | 'registrationsTable', field: string) => {
		const shown = resource === (name === 'eventsTable' ? 'event' : 'registration');
		const value = (shown ? picked(ctx, name) : '') || DEFAULT_TABLES[name];
		if (value === '.' || value === '..')
			throw new NodeOperationError(ctx.getNode(), `${field} "${value}" is not a table`);
		return check(value, field, TABLE_ID_OR_NAME);
	};
	return {
		baseId: check(base, 'Base', BASE_ID),
		eventsTable: table('eventsTable', 'Events Table'),
		registrationsTable: table('registrationsTable', 'Registrations Table'),
	};
}

/** The table fields picked under Options › Field Names, by default name; empty ones are matched by name. */
export function chosenNames(ctx: IExecuteFunctions | ILoadOptionsFunctions): ChosenNames {
	const path = 'options.fieldNames.names';
	const value =
		'getInputData' in ctx ? ctx.getNodeParameter(path, 0, {}) : ctx.getNodeParameter(path, {});
	const chosen: ChosenNames = {};
	if (value === null || typeof value !== 'object') return chosen;
	for (const [defaultName, name] of Object.entries(value)) {
		if (typeof name === 'string' && name.trim() !== '') chosen[defaultName] = name.trim();
	}
	return chosen;
}

/** An editor lookup's failure as the node words it (token, scope, base), never a raw answer. */
export async function worded<T>(api: AirtableApi, lookup: () => Promise<T>): Promise<T> {
	try {
		return await lookup();
	} catch (error) {
		throw api.toNodeError(error);
	}
}

/** The API for the picked base (names, tables and choices matched to its schema, or as picked). */
export async function registryApi(
	ctx: IExecuteFunctions | ILoadOptionsFunctions,
	settings: AirtableSettings = {},
): Promise<AirtableApi> {
	return await AirtableApi.fromContext(ctx, {
		...settings,
		target: registryTarget(ctx),
		fieldNames: chosenNames(ctx),
	});
}
