/**
 * The person in HubSpot, through HubSpot Batch's transport (paced, retried, worded like every other
 * HubSpot call of the package):
 * - contacts found by a search on `email`; Export reads them with every property;
 * - Erase uses HubSpot's GDPR delete, by email (HubSpot also blocklists the address then, so it is
 *   not recreated) and by ID for contacts the sync linked to the person's rows. A 404 means there is
 *   nothing (left) to delete: a second Erase removes nothing and does not fail;
 * - records of other objects the sync linked to the person's app rows (a company synced from a
 *   customers row): read by Export, archived by Erase only when asked to.
 */
import type { IDataObject } from 'n8n-workflow';

import { AttemptError, type HubSpotApi } from '../../../HubSpotBatch/v1/transport';
import { OBJECT_TYPE, RECORD_ID } from '../../../HubSpotBatch/v1/helpers/objectTypes';
import type { HubSpotRef } from './postgres';

/** HubSpot answers at most this many search results a page. */
const SEARCH_PAGE = 200;
const READ_BATCH = 100;

export const isContactType = (type: string) => type === 'contacts' || type === '0-1';

interface SearchPage {
	results?: Array<{ id: string }>;
	paging?: { next?: { after?: string } };
}

/** IDs of the contacts whose email is the address (HubSpot compares it without case). */
export async function findContacts(api: HubSpotApi, email: string): Promise<string[]> {
	const ids: string[] = [];
	let after: string | undefined;
	do {
		const { body } = await api.request<SearchPage>({
			method: 'POST',
			path: '/crm/v3/objects/contacts/search',
			body: {
				filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
				properties: ['email'],
				limit: SEARCH_PAGE,
				...(after === undefined ? {} : { after }),
			},
		});
		for (const r of body.results ?? []) ids.push(String(r.id));
		after = body.paging?.next?.after;
	} while (after !== undefined && ids.length < 10_000);
	return [...new Set(ids)];
}

/** The names of every property of an object type (an export holds all of them). */
async function propertyNames(api: HubSpotApi, type: string): Promise<string[]> {
	const { body } = await api.request<{ results?: Array<{ name: string }> }>({
		method: 'GET',
		path: `/crm/v3/properties/${encodeURIComponent(type)}`,
	});
	return (body.results ?? []).map((p) => p.name);
}

/** Records of one type by ID; IDs HubSpot does not know are left out. */
export async function readRecords(
	api: HubSpotApi,
	type: string,
	ids: string[],
	allProperties: boolean,
): Promise<IDataObject[]> {
	const valid = ids.filter((id) => RECORD_ID.test(id));
	if (valid.length === 0 || !OBJECT_TYPE.test(type)) return [];
	const properties = allProperties ? await propertyNames(api, type) : [];
	const out: IDataObject[] = [];
	for (let i = 0; i < valid.length; i += READ_BATCH) {
		// A 207 lists the IDs HubSpot does not know under `errors`: they are simply not found.
		const { body } = await api.request<{ results?: IDataObject[] }>({
			method: 'POST',
			path: `/crm/v3/objects/${encodeURIComponent(type)}/batch/read`,
			body: {
				inputs: valid.slice(i, i + READ_BATCH).map((id) => ({ id })),
				properties,
			},
		});
		out.push(...(body.results ?? []));
	}
	return out;
}

/** GDPR delete of a contact, by email or ID: true when HubSpot deleted one, false on 404. */
export async function gdprDelete(
	api: HubSpotApi,
	objectId: string,
	byEmail: boolean,
): Promise<boolean> {
	let failure: unknown;
	try {
		await api.request({
			method: 'POST',
			path: '/crm/v3/objects/contacts/gdpr-delete',
			body: byEmail ? { objectId, idProperty: 'email' } : { objectId },
		});
		return true;
	} catch (error) {
		failure = error;
	}
	if (failure instanceof AttemptError && failure.status === 404) return false;
	throw failure;
}

/** Archives a record of another object type; false when HubSpot no longer has it. */
export async function archiveRecord(api: HubSpotApi, ref: HubSpotRef): Promise<boolean> {
	if (!RECORD_ID.test(ref.id) || !OBJECT_TYPE.test(ref.type)) return false;
	let failure: unknown;
	try {
		await api.request({
			method: 'DELETE',
			path: `/crm/v3/objects/${encodeURIComponent(ref.type)}/${ref.id}`,
		});
		return true;
	} catch (error) {
		failure = error;
	}
	if (failure instanceof AttemptError && failure.status === 404) return false;
	throw failure;
}

/** The records per object type, for batch reads. */
export function byType(refs: HubSpotRef[]): Map<string, string[]> {
	const out = new Map<string, string[]>();
	for (const ref of refs) out.set(ref.type, [...(out.get(ref.type) ?? []), ref.id]);
	return out;
}
