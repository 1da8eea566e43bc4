import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	ILoadOptionsFunctions,
} from 'n8n-workflow';

import type { ErrorOptions } from '../../../shared/transport/client';
import { VendorClient } from '../../../shared/transport/client';
import { lumaPolicy } from './policy';

export { DEFAULT_BASE_URL, DEFAULT_REQUESTS_PER_MINUTE, lumaPolicy } from './policy';

export const MAX_PAGE_SIZE = 100;

/** Node executions, list searches, and the trigger's webhook lifecycle (IHookFunctions). */
export type LumaContext = IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions;

export interface LumaRequestOptions {
	qs?: IDataObject;
	body?: IDataObject;
	itemIndex?: number;
	/** Message for a 404, e.g. "Event 'evt-x' not found"; a function gets Luma's own message. */
	notFoundMessage?: ErrorOptions['notFoundMessage'];
	/**
	 * Whether sending the call twice does no harm. Reads and deletes are; a create is not, so after a
	 * 5xx, a timeout or a lost connection it is reported as "may have been applied", never resent.
	 * Defaults to true for every method but POST.
	 */
	idempotent?: boolean;
}

export interface LumaPage {
	entries?: IDataObject[];
	has_more?: boolean;
	next_cursor?: string | null;
}

function cleanQuery(qs: IDataObject | undefined): IDataObject | undefined {
	if (!qs) return undefined;
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(qs)) {
		if (value !== undefined && value !== null && value !== '') out[key] = value;
	}
	return out;
}

/** One Luma API call through the shared client (paced per API key, retried, aborted on timeout). */
export async function lumaApiRequest(
	this: LumaContext,
	method: IHttpRequestMethods,
	endpoint: string,
	options: LumaRequestOptions = {},
): Promise<IDataObject> {
	const client = await VendorClient.create(this, lumaPolicy, {}, options.itemIndex);
	try {
		const { body } = await client.request<IDataObject>({
			method,
			path: endpoint,
			qs: cleanQuery(options.qs),
			body: options.body,
			idempotent: options.idempotent ?? method !== 'POST',
		});
		return body && typeof body === 'object' ? body : {};
	} catch (error) {
		throw client.toNodeError(error, {
			itemIndex: options.itemIndex,
			notFoundMessage: options.notFoundMessage,
		});
	}
}

/**
 * Follows `next_cursor` while `has_more`. With `returnAll` false it stops once `limit` entries are
 * collected and asks only for as many as still needed.
 */
export async function lumaApiRequestAllItems(
	this: LumaContext,
	endpoint: string,
	qs: IDataObject,
	paging: { returnAll: boolean; limit?: number },
	options: Omit<LumaRequestOptions, 'qs' | 'body'> = {},
): Promise<IDataObject[]> {
	const wanted = paging.returnAll ? Infinity : Math.max(0, Math.floor(paging.limit ?? 50));
	const entries: IDataObject[] = [];
	let cursor: string | undefined;
	while (entries.length < wanted) {
		const pageSize = Math.min(MAX_PAGE_SIZE, wanted - entries.length);
		const page = (await lumaApiRequest.call(this, 'GET', endpoint, {
			...options,
			qs: { ...qs, pagination_limit: pageSize, pagination_cursor: cursor },
		})) as LumaPage;
		const batch = Array.isArray(page.entries) ? page.entries : [];
		entries.push(...batch.slice(0, wanted - entries.length));
		const next = typeof page.next_cursor === 'string' ? page.next_cursor : undefined;
		// Guard against a server that repeats a cursor or claims more with an empty page.
		if (!page.has_more || !next || next === cursor || batch.length === 0) break;
		cursor = next;
	}
	return entries;
}
