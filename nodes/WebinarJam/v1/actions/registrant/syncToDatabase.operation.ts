import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { errorItem } from '../../../../shared/batch/outcomes';
import { DatabaseError } from '../../../../shared/database/connection';
import {
	destinationOf,
	getSchema,
	openConnection,
	type DatabaseKind,
} from '../../helpers/destination';
import {
	DEFAULT_LOOKAHEAD,
	runSync,
	type SyncSettings,
	SyncFailedError,
	type SyncSummary,
} from '../../helpers/sync';
import { parseIdList } from '../../helpers/utils';
import { WebinarJamClient } from '../../transport';
import { databaseOption, dateRangeOptions, schemaOption } from '../common.descriptions';

export const DEFAULT_CHUNK_SIZE = 500;
/** Supabase: the chunk's ids travel in the URL of the read (`in.(…)`), so keep chunks modest. */
export const MAX_SUPABASE_CHUNK = 500;
export const MAX_POSTGRES_CHUNK = 5000;

const properties: INodeProperties[] = [
	{
		displayName:
			'Run Database › Apply Schema once first (or on every run, before this node): it creates the webinar_registrants and sync_runs tables this sync writes.',
		name: 'applySchemaNotice',
		type: 'notice',
		default: '',
	},
	databaseOption,
	{
		displayName: 'Webinars',
		name: 'webinarSelection',
		type: 'options',
		default: 'list',
		options: [
			{ name: 'Chosen Webinars', value: 'list' },
			{ name: 'All Webinars of the Account', value: 'all' },
		],
		description: 'Which webinars to sync',
	},
	{
		displayName: 'Webinar Names or IDs',
		name: 'webinarIds',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getWebinars' },
		default: [],
		required: true,
		displayOptions: { show: { webinarSelection: ['list'] } },
		description:
			'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
	},
	{
		displayName: 'Schedules',
		name: 'scheduleSelection',
		type: 'options',
		default: 'all',
		options: [
			{ name: 'All Schedules', value: 'all' },
			{ name: 'Chosen Schedule IDs', value: 'list' },
		],
		description: 'Which schedules (sessions) of those webinars to sync',
	},
	{
		displayName: 'Schedule IDs',
		name: 'scheduleIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: '1001, 1002',
		displayOptions: { show: { scheduleSelection: ['list'] } },
		description:
			'Schedule IDs separated by commas (see Webinar › Get). Each webinar syncs the ones it has.',
	},
	schemaOption,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Chunk Size',
				name: 'chunkSize',
				type: 'number',
				default: DEFAULT_CHUNK_SIZE,
				typeOptions: { minValue: 1, maxValue: MAX_POSTGRES_CHUNK },
				description:
					'Most rows per database write. A WebinarJam page is written as soon as it arrives, in writes of at most this many rows (Supabase: at most 500).',
			},
			{
				displayName: 'Pages Ahead',
				name: 'lookahead',
				type: 'number',
				default: DEFAULT_LOOKAHEAD,
				typeOptions: { minValue: 1, maxValue: 10 },
				description:
					'WebinarJam pages requested while the previous one is written (each page is 100 registrants held in memory). More keeps the sync at WebinarJam’s 20 calls/s when calls are slow; the rate limit applies either way.',
			},
			{
				displayName: 'Date Range',
				name: 'dateRange',
				type: 'options',
				default: 0,
				options: dateRangeOptions,
				description:
					'Only registrants of sessions in this period (WebinarJam’s date_range), e.g. Last 7 Days for a frequent incremental sync',
			},
		],
	},
];

const displayOptions = { show: { resource: ['registrant'], operation: ['syncToDatabase'] } };

export const description = updateDisplayOptions(displayOptions, properties);

function settingsOf(ctx: IExecuteFunctions, kind: DatabaseKind): SyncSettings {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const max = kind === 'supabase' ? MAX_SUPABASE_CHUNK : MAX_POSTGRES_CHUNK;
	const chunkSize = Math.floor(Number(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
	if (!Number.isFinite(chunkSize) || chunkSize < 1) {
		throw new NodeOperationError(ctx.getNode(), `Chunk Size must be a whole number of at least 1`);
	}
	const settings: SyncSettings = {
		webinars: 'all',
		schedules: 'all',
		chunkSize: Math.min(chunkSize, max),
		lookahead: Math.min(
			10,
			Math.max(1, Math.floor(Number(options.lookahead ?? DEFAULT_LOOKAHEAD)) || 1),
		),
		dateRange: Number(options.dateRange ?? 0) || undefined,
	};
	try {
		if (ctx.getNodeParameter('webinarSelection', 0, 'list') === 'list') {
			settings.webinars = parseIdList(ctx.getNodeParameter('webinarIds', 0, []), 'Webinars');
			if (settings.webinars.length === 0) {
				throw new Error('Webinars: choose at least one webinar, or All Webinars of the Account');
			}
		}
		if (ctx.getNodeParameter('scheduleSelection', 0, 'all') === 'list') {
			settings.schedules = parseIdList(ctx.getNodeParameter('scheduleIds', 0, ''), 'Schedule IDs');
			if (settings.schedules.length === 0) {
				throw new Error('Schedule IDs: enter at least one schedule ID, or pick All Schedules');
			}
		}
	} catch (error) {
		throw error instanceof NodeOperationError
			? error
			: new NodeOperationError(ctx.getNode(), (error as Error).message);
	}
	return settings;
}

function failureLine(e: IDataObject): string {
	const who = [
		e.webinarjam_id !== undefined && e.webinarjam_id !== null
			? `registrant ${String(e.webinarjam_id)}`
			: '',
		e.email ? `<${String(e.email)}>` : '',
		!e.webinarjam_id && e.webinar_id ? `webinar ${String(e.webinar_id)}` : '',
	]
		.filter(Boolean)
		.join(' ');
	return `${who ? `${who}: ` : ''}${e.field ? `${String(e.field)}: ` : ''}${String(e.reason)}`;
}

const countsText = (s: SyncSummary) =>
	`${s.fetched} fetched, ${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.failed} failed`;

/**
 * Runs once for the whole input (one sync, ONE summary item). Rows that fail are reported in the
 * summary and in sync_runs; the node then fails after everything else has landed, unless On Error
 * is set to continue (the summary goes to the error output, or stays on the main output).
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const kind = this.getNodeParameter('database', 0, 'postgres') as DatabaseKind;
	const schema = getSchema(this);
	const settings = settingsOf(this, kind);
	const client = await WebinarJamClient.create(this);
	const connection = await openConnection(this, kind, schema);
	const destination = destinationOf(connection);

	let summary: SyncSummary;
	let failure: NodeApiError | NodeOperationError | undefined;
	try {
		summary = await runSync(client, destination, settings);
	} catch (error) {
		if (!(error instanceof SyncFailedError)) {
			// Not even the sync_runs row could be written.
			if (error instanceof DatabaseError) {
				throw new NodeOperationError(this.getNode(), error.message, {
					description: error.code ? `Database error code ${error.code}` : undefined,
				});
			}
			throw client.toNodeError(error);
		}
		summary = error.summary;
		const cause = error.cause;
		const note = `Sync run ${summary.sync_run_id} was recorded as failed (${countsText(summary)}); rows written before the stop stay written.`;
		if (cause instanceof NodeApiError || cause instanceof NodeOperationError) {
			failure = cause;
			failure.description = `${cause.description ? `${cause.description}\n` : ''}${note}`;
		} else {
			failure = new NodeOperationError(
				this.getNode(),
				`Sync to Database stopped: ${(cause as Error)?.message ?? String(cause)}`,
				{
					description: `${cause instanceof DatabaseError && cause.code ? `Database error code ${cause.code}. ` : ''}${note}`,
				},
			);
		}
	}

	if (failure === undefined && summary.status === 'partial') {
		const lines = summary.errors.slice(0, 10).map((e) => failureLine(e as unknown as IDataObject));
		failure = new NodeOperationError(
			this.getNode(),
			`Sync to Database: ${summary.error_count} problem(s), ${summary.failed} of ${summary.fetched} registrants not written (${summary.inserted + summary.updated + summary.unchanged} written or unchanged; sync run ${summary.sync_run_id}). First: ${lines[0] ?? ''}`,
			{
				description: `${lines.join('\n')}${summary.error_count > 10 ? `\n… and ${summary.error_count - 10} more` : ''}\nTurn on "Continue" (On Error) to get the summary item instead of an error.`,
			},
		);
	}

	if (failure === undefined) return [[{ json: summary, pairedItem: { item: 0 } }]];
	if (!this.continueOnFail()) throw failure;
	return [[errorItem(this, failure, 0, summary)]];
}
