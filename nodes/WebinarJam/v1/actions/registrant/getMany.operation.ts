import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { getRegistrantsPage, hasNextPage, type RegistrantFilters } from '../../helpers/api';
import { compact, getPaging, getWebinarId } from '../../helpers/utils';
import type { WebinarJamClient } from '../../transport';
import { dateRangeOptions, limitOption, returnAllOption, webinarRLC } from '../common.descriptions';

const attendance = (what: string) => [
	{ name: 'All', value: 0 },
	{ name: `Attended ${what}`, value: 1 },
	{ name: `Did Not Attend ${what}`, value: 2 },
	{ name: `Attended ${what}, Left Before Timestamp`, value: 3 },
	{ name: `Attended ${what}, Left After Timestamp`, value: 4 },
];

const properties: INodeProperties[] = [
	{ ...webinarRLC, description: 'The webinar whose registrants to list' },
	returnAllOption,
	limitOption,
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		description: "WebinarJam's /registrants filters (sent with their documented names)",
		options: [
			{
				displayName: 'Attended Live',
				name: 'attended_live',
				type: 'options',
				default: 0,
				options: attendance('Live'),
				description: 'Attendance of the live session (attended_live)',
			},
			{
				displayName: 'Attended Live Timestamp (Seconds)',
				name: 'attended_live_timestamp',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description:
					'For Attended Live "Left Before / After Timestamp": seconds from the start of the session (attended_live_timestamp)',
			},
			{
				displayName: 'Attended Replay',
				name: 'attended_replay',
				type: 'options',
				default: 0,
				options: attendance('Replay'),
				description: 'Attendance of the replay (attended_replay)',
			},
			{
				displayName: 'Attended Replay Timestamp (Seconds)',
				name: 'attended_replay_timestamp',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description:
					'For Attended Replay "Left Before / After Timestamp": seconds into the replay (attended_replay_timestamp)',
			},
			{
				displayName: 'Date Range',
				name: 'date_range',
				type: 'options',
				default: 0,
				options: dateRangeOptions,
				description: 'Registrants of sessions in this period (date_range)',
			},
			{
				displayName: 'Purchased',
				name: 'purchased',
				type: 'options',
				default: 0,
				options: [
					{ name: 'All', value: 0 },
					{ name: 'Purchased', value: 1 },
					{ name: 'Did Not Purchase', value: 2 },
				],
				description: 'Purchase status (purchased)',
			},
			{
				displayName: 'Schedule ID',
				name: 'schedule_id',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description: 'Only registrants of this schedule (schedule_id; see Webinar › Get)',
			},
			{
				displayName: 'Search',
				name: 'search',
				type: 'string',
				default: '',
				description: 'Matches first name, last name or email (search)',
			},
		],
	},
];

const displayOptions = { show: { resource: ['registrant'], operation: ['getMany'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** The filter collection as /registrants parameters; 0 / empty means "not set" and is not sent. */
export function registrantFilters(
	this: IExecuteFunctions,
	raw: IDataObject,
	itemIndex: number,
): RegistrantFilters {
	const num = (key: string) => {
		const value = raw[key];
		if (value === undefined || value === '' || value === null) return undefined;
		const n = Number(value);
		if (!Number.isInteger(n) || n < 0) {
			throw new NodeOperationError(
				this.getNode(),
				`Filter ${key}: "${String(value)}" is not a whole number`,
				{
					itemIndex,
				},
			);
		}
		return n;
	};
	const filters: RegistrantFilters = {
		schedule_id: num('schedule_id') || undefined,
		attended_live: num('attended_live') || undefined,
		attended_replay: num('attended_replay') || undefined,
		purchased: num('purchased') || undefined,
		date_range: num('date_range') || undefined,
		search: String(raw.search ?? '').trim() || undefined,
	};
	// The timestamps only mean something (and are required) for "left before / after".
	if ((filters.attended_live ?? 0) >= 3)
		filters.attended_live_timestamp = num('attended_live_timestamp') ?? 0;
	if ((filters.attended_replay ?? 0) >= 3) {
		filters.attended_replay_timestamp = num('attended_replay_timestamp') ?? 0;
	}
	return compact(filters as IDataObject) as RegistrantFilters;
}

/**
 * POST /registrants page by page (page = 1, 2, …) until the last page or the limit. A registrant
 * seen on an earlier page (the list shifted while paging) is not returned twice. Registrants carry
 * no webinar id, so each gets the one asked for.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	client: WebinarJamClient,
): Promise<IDataObject[]> {
	const webinarId = getWebinarId.call(this, itemIndex);
	const { limit } = getPaging.call(this, itemIndex);
	const filters = registrantFilters.call(
		this,
		this.getNodeParameter('filters', itemIndex, {}) as IDataObject,
		itemIndex,
	);
	const out: IDataObject[] = [];
	const seen = new Set<string>();
	for (let number = 1; out.length < limit; number++) {
		const page = await getRegistrantsPage(client, webinarId, filters, number, { itemIndex });
		for (const registrant of page.data) {
			const key = String(registrant.id ?? JSON.stringify(registrant));
			if (seen.has(key)) continue;
			seen.add(key);
			out.push({ ...registrant, webinar_id: webinarId });
			if (out.length >= limit) break;
		}
		if (!hasNextPage(page, number)) break;
	}
	return out;
}
