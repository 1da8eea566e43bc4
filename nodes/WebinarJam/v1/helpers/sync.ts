/**
 * Registrant › Sync to Database: WebinarJam → webinar_registrants, streaming.
 *
 * Pages flow through a two-stage pipeline: while page N is transformed and upserted, page N + 1 is
 * being fetched, and nothing else is held. Page N + 2 is asked for only once page N is written, so
 * at most two pages (one being written, one fetched) are in memory at any time, whatever the size
 * of the webinar; no row and no per-row output item is kept. Sequential fetching at the head of
 * the pipeline is what the shared limiter paces to WebinarJam's 20 calls per second.
 */
import type { IDataObject } from 'n8n-workflow';

import type { ChunkResult } from '../database/registrants';
import { MAX_STORED_ERRORS, type SyncRunResult } from '../database/syncRuns';
import {
	type RegistrantFailure,
	type RegistrantRow,
	transformRegistrant,
	type WebinarContext,
	webinarContext,
	type WebinarDetailsInput,
} from '../database/transform';
import type { WebinarJamClient } from '../transport';
import {
	getRegistrantsPage,
	getWebinar,
	hasNextPage,
	listWebinars,
	type RegistrantFilters,
	type RegistrantsPage,
} from './api';
import type { Destination } from './destination';

/** Errors kept for the summary and the sync_runs row; the rest are only counted. */
export const MAX_REPORTED_ERRORS = MAX_STORED_ERRORS;

export interface SyncSettings {
	webinars: 'all' | number[];
	schedules: 'all' | number[];
	/** WebinarJam's date_range (0 all time … 8 last 30 days). */
	dateRange?: number;
	/** Rows per database statement (a page larger than this is written in several). */
	chunkSize: number;
	/**
	 * Pages requested ahead of the one being written, once the first page told how many there are.
	 * One call at a time is bound by latency (n8n's request helper costs tens of ms per call), not by
	 * WebinarJam's 20 calls/s; a few in flight reach the limit while holding at most this many pages.
	 */
	lookahead?: number;
}

/** Default pages in flight ahead of the write: enough to keep 20 calls/s at ~150 ms per call. */
export const DEFAULT_LOOKAHEAD = 3;

export interface SyncError extends Partial<RegistrantFailure> {
	reason: string;
}

export interface WebinarStats {
	webinar_id: number;
	name: string | null;
	timezone: string;
	/** Schedule ids synced: the chosen ones, or those the registrants belong to. */
	schedules: number[];
	pages: number;
	fetched: number;
	failed: number;
}

export interface SyncSummary extends IDataObject {
	status: 'success' | 'partial' | 'failed';
	sync_run_id: number | null;
	database: string;
	schema: string;
	fetched: number;
	inserted: number;
	updated: number;
	unchanged: number;
	failed: number;
	/** Rows replaced by a later row with the same id in the same chunk. */
	duplicates: number;
	errors: SyncError[];
	error_count: number;
	pages: number;
	webinars_synced: number;
	schedules_synced: number;
	webinars: WebinarStats[];
	api_calls: number;
	rate_limited: number;
	duration_ms: number;
	pages_per_second: number;
	rows_per_second: number;
	started_at: string;
	finished_at: string;
}

interface Page {
	webinar: WebinarContext;
	stats: WebinarStats;
	page: RegistrantsPage;
}

/** A sync that stopped: the summary so far (already stored in sync_runs) and the cause. */
export class SyncFailedError extends Error {
	constructor(
		readonly summary: SyncSummary,
		readonly cause: unknown,
	) {
		super(cause instanceof Error ? cause.message : String(cause));
	}
}

const httpCodeOf = (error: unknown) => String((error as { httpCode?: unknown })?.httpCode ?? '');

/**
 * Runs one sync and returns its summary. A webinar WebinarJam does not know (404) is reported and
 * skipped; any other failure (bad key, WebinarJam down after retries, the database unreachable or
 * refusing a whole chunk) stops the sync: the run is stored as `failed` and a SyncFailedError is
 * thrown.
 */
export async function runSync(
	client: WebinarJamClient,
	destination: Destination,
	settings: SyncSettings,
): Promise<SyncSummary> {
	const startedAt = new Date();
	const started = Date.now();
	const summary: SyncSummary = {
		status: 'success',
		sync_run_id: null,
		database: destination.kind,
		schema: destination.schema,
		fetched: 0,
		inserted: 0,
		updated: 0,
		unchanged: 0,
		failed: 0,
		duplicates: 0,
		errors: [],
		error_count: 0,
		pages: 0,
		webinars_synced: 0,
		schedules_synced: 0,
		webinars: [],
		api_calls: 0,
		rate_limited: 0,
		duration_ms: 0,
		pages_per_second: 0,
		rows_per_second: 0,
		started_at: startedAt.toISOString(),
		finished_at: startedAt.toISOString(),
	};
	const report = (error: SyncError) => {
		summary.error_count++;
		if (summary.errors.length < MAX_REPORTED_ERRORS) summary.errors.push(error);
	};

	// Recorded before the first API call, so a sync that cannot reach WebinarJam is on record too.
	const runId = await destination.syncRuns.start({
		source: client.product,
		webinarIds: settings.webinars === 'all' ? 'all' : settings.webinars.join(','),
	});
	summary.sync_run_id = runId;

	const chosenSchedules = settings.schedules === 'all' ? undefined : new Set(settings.schedules);
	const lookahead = Math.max(1, Math.floor(settings.lookahead ?? DEFAULT_LOOKAHEAD));
	const matchedSchedules = new Set<number>();

	async function* pages(): AsyncGenerator<Page> {
		const ids =
			settings.webinars === 'all'
				? (await listWebinars(client)).map((w) => Number(w.webinar_id)).filter((id) => id > 0)
				: settings.webinars;
		for (const webinarId of ids) {
			let details: IDataObject | undefined;
			let missing: unknown;
			try {
				details = await getWebinar(client, webinarId);
			} catch (error) {
				missing = error;
			}
			if (details === undefined) {
				// A webinar WebinarJam does not know is reported and skipped; anything else stops the sync.
				if (httpCodeOf(missing) !== '404') throw missing;
				report({ webinar_id: webinarId, field: 'webinar_id', reason: (missing as Error).message });
				continue;
			}
			const context = webinarContext(details as unknown as WebinarDetailsInput);
			context.webinarId = webinarId;
			let streams: Array<number | undefined>;
			if (chosenSchedules === undefined) {
				streams = [undefined];
			} else {
				streams = [...context.schedules.keys()].filter((id) => chosenSchedules.has(id));
				streams.forEach((id) => matchedSchedules.add(id as number));
				if (streams.length === 0) continue;
			}
			const stats: WebinarStats = {
				webinar_id: webinarId,
				name: context.name,
				timezone: context.timezone,
				schedules: chosenSchedules === undefined ? [] : (streams as number[]),
				pages: 0,
				fetched: 0,
				failed: 0,
			};
			summary.webinars.push(stats);
			for (const scheduleId of streams) {
				const webinar: WebinarContext = { ...context, requestedScheduleId: scheduleId };
				const filters: RegistrantFilters = {
					schedule_id: scheduleId,
					date_range: settings.dateRange || undefined,
				};
				// Settled results, so a page fetched ahead and then abandoned is never an unhandled rejection.
				const fetchPage = async (number: number) =>
					await getRegistrantsPage(client, webinarId, filters, number).then(
						(page) => ({ page, error: undefined as unknown }),
						(error: unknown) => ({ page: undefined, error }),
					);
				const ahead: Array<{ number: number; result: ReturnType<typeof fetchPage> }> = [];
				let lastPage: number | undefined;
				let requested = 0;
				let received = 0;
				const request = (number: number) => {
					requested = number;
					ahead.push({ number, result: fetchPage(number) });
				};
				request(1);
				for (;;) {
					// Refilled when the consumer asks for the next page, i.e. as it starts writing the last one:
					// while page N is written, pages N + 1 … N + lookahead are fetched, and no further.
					if (lastPage !== undefined) {
						while (requested < lastPage && ahead.length < lookahead) request(requested + 1);
					} else if (ahead.length === 0 && received > 0) {
						// Without a page count, pages are read one by one.
						request(received + 1);
					}
					const next = ahead.shift();
					if (next === undefined) break;
					const { page, error } = await next.result;
					if (page === undefined) {
						// Deleted between /webinar and /registrants: report it, go on with the next one.
						if (httpCodeOf(error) !== '404') throw error;
						report({
							webinar_id: webinarId,
							field: 'webinar_id',
							reason: (error as Error).message,
						});
						break;
					}
					received = next.number;
					const more = hasNextPage(page, next.number);
					if (next.number === 1 && Number.isFinite(page.last_page)) lastPage = page.last_page;
					if (page.data.length > 0) yield { webinar, stats, page };
					if (!more) break;
				}
			}
		}
	}

	const write = async ({ webinar, stats, page }: Page): Promise<void> => {
		summary.pages++;
		stats.pages++;
		summary.fetched += page.data.length;
		stats.fetched += page.data.length;
		const seenSchedules = new Set(stats.schedules);
		const rows: RegistrantRow[] = [];
		for (const raw of page.data) {
			const result = transformRegistrant(raw, webinar);
			if (result.ok) {
				rows.push(result.row);
				seenSchedules.add(result.row.schedule_id as number);
			} else {
				summary.failed++;
				stats.failed++;
				report(result.failure);
			}
		}
		// The API objects are not needed once transformed: let them go now rather than when the
		// generator moves on (less garbage survives into V8's old space, so less RSS growth).
		page.data.length = 0;
		if (chosenSchedules === undefined) stats.schedules = [...seenSchedules].sort((a, b) => a - b);
		for (let start = 0; start < rows.length; start += settings.chunkSize) {
			const result: ChunkResult = await destination.writer.write(
				rows.slice(start, start + settings.chunkSize),
			);
			summary.inserted += result.inserted;
			summary.updated += result.updated;
			summary.unchanged += result.unchanged;
			summary.duplicates += result.duplicates;
			summary.failed += result.failures.length;
			stats.failed += result.failures.length;
			for (const failure of result.failures) report(failure);
		}
	};

	let fatal: unknown;
	const source = pages();
	try {
		let writing: Promise<void> = Promise.resolve();
		const state: { writeFailure?: { error: unknown } } = {};
		let next = source.next();
		for (;;) {
			let item: IteratorResult<Page> | undefined;
			let fetchFailure: unknown;
			try {
				item = await next;
			} catch (error) {
				fetchFailure = error;
			}
			if (item === undefined) {
				// Let the page being written finish (its counts are real), then stop.
				await writing;
				throw fetchFailure;
			}
			// Page N is held; page N - 1 may still be being written.
			await writing;
			if (state.writeFailure) throw state.writeFailure.error;
			if (item.done) break;
			// Fetch page N + 1 while page N is written.
			next = source.next();
			writing = write(item.value).catch((error: unknown) => {
				state.writeFailure = { error };
			});
			// Keep a failed fetch from being reported as unhandled while the write runs.
			next.catch(() => undefined);
		}
	} catch (error) {
		fatal = error;
		await source.return(undefined).catch(() => undefined);
	}

	if (chosenSchedules !== undefined && fatal === undefined) {
		for (const id of chosenSchedules) {
			if (!matchedSchedules.has(id)) {
				report({
					field: 'schedule_id',
					reason: `schedule ${id} belongs to none of the webinars synced`,
				});
			}
		}
	}

	const finished = Date.now();
	summary.duration_ms = finished - started;
	summary.finished_at = new Date(finished).toISOString();
	const seconds = Math.max(0.001, summary.duration_ms / 1000);
	summary.pages_per_second = Math.round((summary.pages / seconds) * 100) / 100;
	summary.rows_per_second = Math.round(summary.fetched / seconds);
	summary.api_calls = client.stats.calls;
	summary.rate_limited = client.stats.rateLimited;
	summary.webinars_synced = summary.webinars.length;
	summary.schedules_synced = summary.webinars.reduce((n, w) => n + w.schedules.length, 0);
	summary.status = fatal !== undefined ? 'failed' : summary.error_count > 0 ? 'partial' : 'success';
	if (fatal !== undefined) {
		summary.error_count++;
		if (summary.errors.length < MAX_REPORTED_ERRORS) {
			summary.errors.push({
				field: null,
				reason: `sync stopped: ${(fatal as Error)?.message ?? String(fatal)}`,
			});
		}
	}

	const stored: SyncRunResult = {
		status: summary.status,
		pages: summary.pages,
		fetched: summary.fetched,
		inserted: summary.inserted,
		updated: summary.updated,
		unchanged: summary.unchanged,
		failed: summary.failed,
		errors: summary.errors,
		durationMs: summary.duration_ms,
	};
	try {
		await destination.syncRuns.finish(runId, stored);
	} catch (error) {
		// The sync's own failure is the more useful one to show.
		if (fatal === undefined) {
			fatal = error;
			summary.status = 'failed';
		}
	}
	if (fatal !== undefined) throw new SyncFailedError(summary, fatal);
	return summary;
}
