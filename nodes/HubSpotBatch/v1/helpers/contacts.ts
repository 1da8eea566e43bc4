import { chunk } from '../../../shared/transport/batcher';
import type { HubSpotApi } from '../transport';
import type { HubSpotValues } from './mergeRules';

/** HubSpot's limit of inputs per contact batch read. */
export const CONTACT_READ_LIMIT = 100;

export interface ContactRecord {
	id: string;
	properties: HubSpotValues;
}

interface BatchReadAnswer {
	results?: Array<{ id: string | number; properties?: HubSpotValues }>;
}

/**
 * The contacts HubSpot holds for these emails, keyed by lower-case email, with the properties asked
 * for (email always), `batchSize` emails per call. Emails HubSpot does not know are absent: it
 * answers them with OBJECT_NOT_FOUND errors (207). Results come in any order, so they are matched
 * by email, never by position.
 */
export async function readContactsByEmail(
	api: HubSpotApi,
	emails: string[],
	properties: string[] = [],
	batchSize = CONTACT_READ_LIMIT,
): Promise<Map<string, ContactRecord>> {
	const found = new Map<string, ContactRecord>();
	const wanted = [...new Set(['email', ...properties])];
	const size = Math.min(CONTACT_READ_LIMIT, batchSize);
	for (const batch of chunk([...new Set(emails)], size)) {
		// A POST that only reads: retried like any read (idempotent, the default).
		const response = await api.request<BatchReadAnswer>({
			method: 'POST',
			path: '/crm/v3/objects/contacts/batch/read',
			body: {
				idProperty: 'email',
				properties: wanted,
				propertiesWithHistory: [],
				inputs: batch.map((id) => ({ id })),
			},
		});
		for (const record of response.body?.results ?? []) {
			const props = record.properties ?? {};
			const email = String(props.email ?? '').toLowerCase();
			if (email !== '') found.set(email, { id: String(record.id), properties: props });
		}
	}
	return found;
}
