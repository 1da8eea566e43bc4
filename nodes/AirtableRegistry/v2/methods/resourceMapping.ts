import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import { toMapperFields } from '../../v1/helpers/fields';
import { registryApi, worded } from '../transport';

/** Writable fields of the picked Registrations table, for the Upsert field mapping. */
export async function getRegistrationColumns(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	const api = await registryApi(this);
	const table = await worded(api, async () => await api.table(api.registrationsTable));
	// The merge fields as the upsert sends them: picked under Field Names, else matched by name.
	const names = await api.names(api.registrationsTable);
	const mergeOn = String(this.getNodeParameter('fieldsToMergeOn', 'dedupe_key') ?? '')
		.split(',')
		.map((s) => names.name(s.trim()))
		.filter(Boolean);
	return { fields: toMapperFields(table, mergeOn) };
}
