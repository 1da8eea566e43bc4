import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { unwrap } from '../helpers/utils';
import { lumaApiRequest, type LumaPage } from '../transport';

const PAGE_SIZE = 50;

function label(event: IDataObject): string {
	const name = String(event.name ?? event.id ?? 'Untitled event');
	const start = typeof event.start_at === 'string' ? event.start_at.slice(0, 10) : '';
	return start ? `${name} (${start})` : name;
}

/** Event picker: one Luma page per call; the filter is applied to that page's names and IDs. */
export async function searchEvents(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const page = (await lumaApiRequest.call(this, 'GET', '/v1/calendars/events/list', {
		qs: { pagination_limit: PAGE_SIZE, pagination_cursor: paginationToken },
	})) as LumaPage;
	const needle = (filter ?? '').trim().toLowerCase();
	const results = (page.entries ?? [])
		.map((entry) => unwrap(entry, 'event'))
		.filter(
			(event) =>
				needle === '' ||
				String(event.name ?? '').toLowerCase().includes(needle) ||
				String(event.id ?? '').toLowerCase() === needle,
		)
		.map((event) => ({
			name: label(event),
			value: String(event.id),
			url: typeof event.url === 'string' ? event.url : undefined,
		}));
	const next = page.has_more && typeof page.next_cursor === 'string' ? page.next_cursor : undefined;
	return { results, paginationToken: next };
}

/** Webhook picker: one Luma page per call, filtered on the URL, an event type or the ID. */
export async function searchWebhooks(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const page = (await lumaApiRequest.call(this, 'GET', '/v1/webhooks/list', {
		qs: { pagination_limit: PAGE_SIZE, pagination_cursor: paginationToken },
	})) as LumaPage;
	const needle = (filter ?? '').trim().toLowerCase();
	const results = (page.entries ?? [])
		.map((entry) => unwrap(entry, 'webhook'))
		.filter((hook) => {
			const types = Array.isArray(hook.event_types) ? (hook.event_types as string[]) : [];
			return (
				needle === '' ||
				String(hook.url ?? '').toLowerCase().includes(needle) ||
				types.some((t) => t.toLowerCase().includes(needle)) ||
				String(hook.id ?? '').toLowerCase() === needle
			);
		})
		.map((hook) => {
			const types = Array.isArray(hook.event_types) ? (hook.event_types as string[]).join(', ') : '';
			return { name: `${String(hook.url ?? hook.id)}${types ? ` (${types})` : ''}`, value: String(hook.id) };
		});
	const next = page.has_more && typeof page.next_cursor === 'string' ? page.next_cursor : undefined;
	return { results, paginationToken: next };
}
