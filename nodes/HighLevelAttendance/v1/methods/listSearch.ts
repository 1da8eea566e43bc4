import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { HighLevelApi } from '../transport';

/** Contact picker: the location's contacts whose name, email or phone contains the filter. */
export async function searchContacts(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const api = await HighLevelApi.fromContext(this);
	const contacts = await api.searchContacts((filter ?? '').trim(), 50);
	return {
		results: contacts.map((c) => {
			const name = String(c.name ?? [c.firstName, c.lastName].filter(Boolean).join(' '));
			const label = [name, c.email].filter((part) => String(part ?? '') !== '').join(' – ');
			return { name: label || c.id, value: c.id };
		}),
	};
}
