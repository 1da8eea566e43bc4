import type { IDataObject } from 'n8n-workflow';

import type { CallOptions, WebinarJamClient } from '../transport';

/** POST /registrants → `registrants`: a Laravel paginator (the fields read here). */
export interface RegistrantsPage {
	current_page: number;
	data: IDataObject[];
	last_page?: number;
	next_page_url?: string | null;
	per_page?: number;
	total?: number;
}

/** The /registrants filters, with WebinarJam's documented names. */
export interface RegistrantFilters {
	schedule_id?: number;
	/** 0 all, 1 attended, 2 did not attend, 3 left before / 4 left after attended_live_timestamp. */
	attended_live?: number;
	attended_live_timestamp?: number;
	attended_replay?: number;
	attended_replay_timestamp?: number;
	/** 0 all, 1 purchased, 2 did not purchase. */
	purchased?: number;
	/** 0 all time, 1 today, 2 yesterday, 3 this week, 4 last week, 5 last 7 days, 6 this month, 7 last month, 8 last 30 days. */
	date_range?: number;
	search?: string;
}

/** POST /webinars: every webinar of the account (one call, no paging). */
export async function listWebinars(
	client: WebinarJamClient,
	options: CallOptions = {},
): Promise<IDataObject[]> {
	const body = await client.request<{ webinars?: IDataObject[] }>('webinars', {}, options);
	return Array.isArray(body.webinars) ? body.webinars : [];
}

/** POST /webinar: details with schedules [{date, schedule, comment}] and timezone. */
export async function getWebinar(
	client: WebinarJamClient,
	webinarId: number,
	options: CallOptions & { timezone?: string } = {},
): Promise<IDataObject> {
	const body = await client.request<{ webinar?: IDataObject }>(
		'webinar',
		{ webinar_id: webinarId, timezone: options.timezone },
		{ notFoundMessage: `WebinarJam has no webinar ${webinarId} (404)`, ...options },
	);
	if (!body.webinar || typeof body.webinar !== 'object') {
		throw new Error(`WebinarJam answered /webinar for webinar ${webinarId} without a webinar`);
	}
	return body.webinar;
}

/** One page of POST /registrants (pages start at 1). */
export async function getRegistrantsPage(
	client: WebinarJamClient,
	webinarId: number,
	filters: RegistrantFilters,
	page: number,
	options: CallOptions = {},
): Promise<RegistrantsPage> {
	const body = await client.request<{ registrants?: unknown }>(
		'registrants',
		{ webinar_id: webinarId, ...filters, page },
		{ notFoundMessage: `WebinarJam has no webinar ${webinarId} (404)`, ...options },
	);
	const registrants = body.registrants;
	// Unpaginated form (a bare array): one page holds everything.
	if (Array.isArray(registrants)) {
		return {
			current_page: page,
			data: registrants as IDataObject[],
			last_page: page,
			next_page_url: null,
		};
	}
	if (!registrants || typeof registrants !== 'object') {
		return { current_page: page, data: [], last_page: page, next_page_url: null };
	}
	const p = registrants as IDataObject;
	return {
		current_page: Number(p.current_page ?? page),
		data: Array.isArray(p.data) ? (p.data as IDataObject[]) : [],
		last_page: p.last_page === undefined ? undefined : Number(p.last_page),
		next_page_url: (p.next_page_url as string | null | undefined) ?? null,
		per_page: p.per_page === undefined ? undefined : Number(p.per_page),
		total: p.total === undefined ? undefined : Number(p.total),
	};
}

/**
 * Whether a page after `page` exists. Stops on an empty page, on the last page, and when the
 * server answered another page than asked for (it would otherwise repeat the same page forever).
 */
export function hasNextPage(page: RegistrantsPage, requested: number): boolean {
	if (page.data.length === 0) return false;
	if (page.current_page !== requested) {
		throw new Error(
			`WebinarJam answered page ${page.current_page} when page ${requested} was asked for; stopped so no page is read twice`,
		);
	}
	// Laravel sets next_page_url exactly when current_page < last_page; either one is enough.
	if (typeof page.next_page_url === 'string' && page.next_page_url !== '') return true;
	return (
		page.last_page !== undefined && Number.isFinite(page.last_page) && requested < page.last_page
	);
}
