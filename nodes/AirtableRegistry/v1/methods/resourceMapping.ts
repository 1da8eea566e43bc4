import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import { toMapperFields } from '../helpers/fields';
import { AirtableApi } from '../transport';

/** Writable fields of the Registrations table (meta API), for the Upsert field mapping. */
export async function getRegistrationColumns(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	const api = await AirtableApi.fromContext(this);
	const table = await api.table(api.registrationsTable);
	const mergeOn = String(this.getNodeParameter('fieldsToMergeOn', 'dedupe_key') ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	return { fields: toMapperFields(table, mergeOn) };
}
