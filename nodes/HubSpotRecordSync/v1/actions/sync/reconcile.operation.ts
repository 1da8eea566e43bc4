import { randomUUID } from 'node:crypto';

import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import type pg from 'pg';

import { appUpdatedAtOption, recordProperties } from '../common.descriptions';
import { databaseFailure, openHubSpot, openPool } from '../../helpers/context';
import {
	compareRows,
	execute as carryOut,
	fieldJson,
	type Planned,
	type RecordResult,
	type SyncSettings,
} from '../../helpers/engine';
import { BATCH_SIZE, SINGULAR, type SyncHubSpot } from '../../helpers/hubspot';
import { sameValue } from '../../helpers/rules';
import { readSettings } from '../../helpers/settings';
import { pageOfRows, rowsByHubSpotId } from '../../database/store';
import { qualified, SYNC_TABLES } from '../../database/schema';

const properties: INodeProperties[] = [
	...recordProperties,
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		default: 'apply',
		options: [
			{
				name: 'Apply the Rules',
				value: 'apply',
				description: 'Write each side as the field rules say',
			},
			{
				name: 'Report Only',
				value: 'report',
				description: 'Compare and count; write nothing but the run row',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			appUpdatedAtOption,
			{
				displayName: 'Also Count HubSpot Records Without an App Row',
				name: 'countUnlinked',
				type: 'boolean',
				default: false,
				description:
					'Whether to also page through every HubSpot record (100 per call, so as many reads again) and count, and list on Review, those no app row points to (created in HubSpot, or whose row was deleted)',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['reconcile'] } }, properties);

export interface RunCounts {
	compared: number;
	equal: number;
	updated_in_app: number;
	updated_in_hubspot: number;
	conflicts: number;
	manual: number;
	errors: number;
	missing_in_hubspot: number;
	/** HubSpot records no app row points to (counted only when asked). */
	missing_in_app: number;
	/** HubSpot events received before the run and never applied (a failure, a crash): settled by it. */
	events_reconciled: number;
}

const zero = (): RunCounts => ({
	compared: 0,
	equal: 0,
	updated_in_app: 0,
	updated_in_hubspot: 0,
	conflicts: 0,
	manual: 0,
	errors: 0,
	missing_in_hubspot: 0,
	missing_in_app: 0,
	events_reconciled: 0,
});

/**
 * Every app row in key order, 100 at a time, each page compared with HubSpot's records read in one
 * batch call (so ceil(rows / 100) reads), then the rules carried out for the page.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const settings = readSettings(this);
	const reportOnly = this.getNodeParameter('mode', 0, 'apply') === 'report';
	const { pool } = await openPool(this);
	const hubspot = await openHubSpot(this, settings.objectType);
	const runId = randomUUID();
	const runs = qualified(settings.syncSchema, SYNC_TABLES.runs);
	try {
		await pool.query(
			`INSERT INTO ${runs} (run_id, app_table, hubspot_object_type, mode) VALUES ($1, $2, $3, $4)`,
			[runId, settings.app.table, settings.objectType, reportOnly ? 'report' : 'apply'],
		);
	} catch (error) {
		throw databaseFailure(this, error);
	}
	const counts = zero();
	const review: INodeExecutionData[] = [];
	const started = Date.now();
	// Records that need a write wait here until 100 HubSpot updates (one batch call) are gathered.
	const pending: Planned[] = [];
	const carry = async (all: boolean) => {
		if (pending.length === 0) return;
		if (!all && hubspotUpdates(pending) < BATCH_SIZE && pending.length < MAX_PENDING) return;
		const batch = pending.splice(0, pending.length);
		const results = await carryOut(pool, hubspot, settings, batch, {
			source: 'reconcile',
			runId,
			reportOnly,
		});
		for (const r of results) {
			count(counts, r);
			if (r.manual || reportOnly)
				review.push({
					json: {
						run_id: runId,
						record_id: r.recordId,
						hubspot_id: r.hubspotId,
						// Apply: what needs a person. Report only: every difference.
						fields: r.fields
							.filter((f) => (reportOnly ? f.action !== 'equal' : f.action === 'manual'))
							.map(fieldJson),
					},
					pairedItem: { item: 0 },
				});
		}
	};
	try {
		let after: string | undefined;
		for (;;) {
			const rows = await pageOfRows(pool, settings.app, after, BATCH_SIZE);
			if (rows.length === 0) break;
			after = String(rows[rows.length - 1][settings.app.keyColumn]);
			for (const planned of await comparePage(pool, hubspot, settings, rows, counts)) {
				if (needsWrite(planned)) pending.push(planned);
				else {
					counts.compared++;
					counts.equal++;
				}
			}
			await carry(false);
			if (rows.length < BATCH_SIZE) break;
		}
		await carry(true);
		if (!reportOnly) counts.events_reconciled = await settleUnappliedEvents(pool, settings, runId);
		if (this.getNodeParameter('options.countUnlinked', 0, false) === true) {
			const unlinked = await hubspotOnly(pool, hubspot, settings);
			counts.missing_in_app = unlinked.length;
			for (const id of unlinked.slice(0, MAX_LISTED))
				review.push({
					json: {
						run_id: runId,
						hubspot_id: id,
						reason: 'no app row points to this HubSpot record',
					},
					pairedItem: { item: 0 },
				});
		}
	} catch (error) {
		const message = (error as Error).message;
		await finish(pool, runs, runId, counts, hubspot, 'failed', message).catch(() => undefined);
		throw new NodeOperationError(this.getNode(), `Reconciliation ${runId} stopped: ${message}`, {
			description: `Counts so far: ${JSON.stringify(counts)}. Nothing already written is undone; run it again to go on.`,
		});
	}
	const run = await finish(pool, runs, runId, counts, hubspot, 'finished');
	const seconds = (Date.now() - started) / 1000;
	return [
		[
			{
				json: {
					...run,
					records_per_second:
						seconds > 0 ? Math.round((counts.compared / seconds) * 10) / 10 : null,
				},
				pairedItem: { item: 0 },
			},
		],
		review,
	];
}

/** At most this many records wait for their writes (memory, and the size of one transaction). */
const MAX_PENDING = 1000;

const hubspotUpdates = (planned: Planned[]) =>
	planned.filter((p) => p.fields.some((f) => f.decision.action === 'toHubSpot')).length;

/** Something differs, or the field state does not yet say the two sides agree. */
const needsWrite = (planned: Planned) =>
	planned.fields.some(
		(f) => f.decision.action !== 'none' || f.synced === undefined || !sameValue(f.app, f.synced),
	);

function count(counts: RunCounts, r: RecordResult) {
	counts.compared++;
	if (r.fields.every((f) => f.action === 'equal')) counts.equal++;
	if (r.updatedInApp) counts.updated_in_app++;
	if (r.updatedInHubSpot) counts.updated_in_hubspot++;
	if (r.conflict) counts.conflicts++;
	if (r.manual) counts.manual++;
	if (r.error !== undefined) counts.errors++;
}

/** One page of app rows and their HubSpot records, compared field by field. */
async function comparePage(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	rows: Array<Record<string, unknown>>,
	counts: RunCounts,
): Promise<Planned[]> {
	const { planned, unlinked, notFound } = await compareRows(pool, hubspot, settings, rows);
	counts.missing_in_hubspot += unlinked.length + notFound.length;
	return planned;
}

/** HubSpot records without an app row listed on Review, at most; all are counted. */
const MAX_LISTED = 1000;

/** Every HubSpot record's ID (list pages of 100), and those no app row points to. */
async function hubspotOnly(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
): Promise<string[]> {
	const out: string[] = [];
	for await (const ids of hubspot.allIds()) {
		const linked = new Set(
			(await rowsByHubSpotId(pool, settings.app, ids)).map((row) =>
				String(row[settings.app.hubspotIdColumn]),
			),
		);
		out.push(...ids.filter((id) => !linked.has(id)));
	}
	return out;
}

/**
 * An event received before this run began and still not applied has been compared by it: both sides
 * now agree by the rules, so the event is marked done, not applied again later on an old value.
 */
async function settleUnappliedEvents(
	pool: pg.Pool,
	settings: SyncSettings,
	runId: string,
): Promise<number> {
	// Property changes only (a merge or deletion is not something a comparison settles), and by the
	// database's own clock, which stamped both rows.
	const { rowCount } = await pool.query(
		`UPDATE ${qualified(settings.syncSchema, SYNC_TABLES.events)} SET applied_at = now(), outcome = 'reconciled'
WHERE applied_at IS NULL AND subscription_type = $1
	AND received_at < (SELECT started_at FROM ${qualified(settings.syncSchema, SYNC_TABLES.runs)} WHERE run_id = $2)`,
		[`${SINGULAR[settings.objectType] ?? settings.objectType}.propertyChange`, runId],
	);
	return rowCount ?? 0;
}

async function finish(
	pool: pg.Pool,
	runs: string,
	runId: string,
	counts: RunCounts,
	hubspot: SyncHubSpot,
	status: 'finished' | 'failed',
	error?: string,
): Promise<IDataObject> {
	const { rows } = await pool.query(
		`UPDATE ${runs} SET finished_at = now(), status = $2, compared = $3, equal = $4, updated_in_app = $5,
	updated_in_hubspot = $6, conflicts = $7, manual = $8, errors = $9, missing_in_hubspot = $10,
	hubspot_reads = $11, hubspot_writes = $12, error = $13, events_reconciled = $14, missing_in_app = $15
WHERE run_id = $1 RETURNING *`,
		[
			runId,
			status,
			counts.compared,
			counts.equal,
			counts.updated_in_app,
			counts.updated_in_hubspot,
			counts.conflicts,
			counts.manual,
			counts.errors,
			counts.missing_in_hubspot,
			hubspot.reads,
			hubspot.writes,
			error ?? null,
			counts.events_reconciled,
			counts.missing_in_app,
		],
	);
	return rows[0] as IDataObject;
}
