import type { IDataObject } from 'n8n-workflow';

import { AttemptError } from '../../../shared/transport/attempt';
import type { HubSpotApi } from '../transport';

export const CONTACT_OBJECT_TYPE_ID = '0-1';

export interface HubSpotList {
	listId: string;
	name: string;
	processingType: string;
}

const asList = (body: IDataObject | undefined): HubSpotList | undefined => {
	const list = (body?.list ?? body) as IDataObject | undefined;
	if (!list || list.listId === undefined) return undefined;
	return {
		listId: String(list.listId),
		name: String(list.name),
		processingType: String(list.processingType),
	};
};

/** A v3 list by exact name, or undefined when HubSpot has none. */
export async function findListByName(
	api: HubSpotApi,
	name: string,
	objectTypeId = CONTACT_OBJECT_TYPE_ID,
) {
	let failure: unknown;
	try {
		const response = await api.request({
			method: 'GET',
			path: `/crm/v3/lists/object-type-id/${encodeURIComponent(objectTypeId)}/name/${encodeURIComponent(name)}`,
		});
		return asList(response.body);
	} catch (error) {
		failure = error;
	}
	if (failure instanceof AttemptError && failure.status === 404) return undefined;
	throw failure;
}

/** Creates tried after a create whose outcome was unknown and a look-up that found no list. */
const CREATE_TRIES = 3;

/**
 * Finds the list by name or creates it as a MANUAL list. A concurrent creator (another run, another
 * worker) makes HubSpot answer "duplicate list name": the list then exists, so it is read again.
 * A create that may have been applied (a 5xx or a timeout) is looked up by name; when the look-up
 * finds none, the create is sent again: HubSpot refuses a second list of the same name, so a
 * create that did land late cannot make two lists (the resend is then a "duplicate", read again).
 */
export async function findOrCreateList(
	api: HubSpotApi,
	name: string,
	objectTypeId = CONTACT_OBJECT_TYPE_ID,
): Promise<{ list: HubSpotList; created: boolean }> {
	const existing = await findListByName(api, name, objectTypeId);
	if (existing) return { list: existing, created: false };
	let failure: unknown;
	for (let attempt = 1; attempt <= CREATE_TRIES; attempt++) {
		failure = undefined;
		try {
			const response = await api.request({
				method: 'POST',
				path: '/crm/v3/lists',
				body: { name, objectTypeId, processingType: 'MANUAL' },
				idempotent: false,
			});
			const list = asList(response.body);
			if (list) return { list, created: true };
		} catch (error) {
			failure = error;
		}
		const raced =
			failure instanceof AttemptError &&
			failure.status === 400 &&
			/DUPLICATE_LIST_NAMES|already exists/i.test(JSON.stringify(failure.body ?? {}));
		const uncertain = failure instanceof AttemptError && failure.uncertain;
		if (!raced && !uncertain) break;
		// After an uncertain create a failed look-up says less than the create's own failure.
		let lookupFailed = false;
		const list = await findListByName(api, name, objectTypeId).catch((error: unknown) => {
			if (!uncertain) throw error;
			lookupFailed = true;
			return undefined;
		});
		if (list) return { list, created: !raced };
		if (raced || lookupFailed) break;
	}
	throw failure ?? new Error(`HubSpot did not return the list "${name}" it created`);
}

const findingOrCreating = new Map<string, Promise<{ list: HubSpotList; created: boolean }>>();

/**
 * findOrCreateList, shared by every caller in this process asking for the same name on the same
 * account at the same moment: one look-up, and at most one create, for all of them (combined calls
 * of one list that overlap). Across processes HubSpot's refusal of a second list with the name
 * still guards, as above. Callers must not pass an API tied to one execution's Stop.
 */
export async function findOrCreateListOnce(
	api: HubSpotApi,
	name: string,
	objectTypeId = CONTACT_OBJECT_TYPE_ID,
): Promise<{ list: HubSpotList; created: boolean }> {
	// HubSpot matches list names ignoring case.
	const key = `${api.limiterKey}|${objectTypeId}|${name.toLowerCase()}`;
	let pending = findingOrCreating.get(key);
	if (pending === undefined) {
		pending = findOrCreateList(api, name, objectTypeId).finally(() =>
			findingOrCreating.delete(key),
		);
		findingOrCreating.set(key, pending);
	}
	return await pending;
}
