import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { AirtableApi } from '../../v1/transport';
import { registryApi, worded } from '../transport';

const matches = (name: string, filter?: string) =>
	!filter || name.toLowerCase().includes(filter.toLowerCase());

/** The bases the credential's token can reach, a page of the meta API at a time. */
export async function baseSearch(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const api = await AirtableApi.fromContext(this, {
		basesOnly: true,
		target: { baseId: '', eventsTable: '', registrationsTable: '' },
	});
	const page = await worded(api, async () => await api.bases(paginationToken));
	return {
		results: page.bases
			.filter((base) => matches(base.name, filter))
			.map((base) => ({
				name: base.name,
				value: base.id,
				url: `https://airtable.com/${base.id}`,
			})),
		paginationToken: page.offset,
	};
}

/** The picked base's tables. */
export async function tableSearch(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const api = await registryApi(this);
	const tables = await worded(api, async () => await api.tables());
	return {
		results: tables
			.filter((table) => matches(table.name, filter))
			.map((table) => ({
				name: table.name,
				value: table.id,
				url: `https://airtable.com/${api.baseId}/${table.id}`,
			})),
	};
}
