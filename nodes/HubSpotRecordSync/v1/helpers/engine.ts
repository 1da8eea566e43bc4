/**
 * Carries out the field rules for a set of records, whichever path found them (a HubSpot webhook, a
 * queued app change, the reconciliation). Per chunk of records (at most one HubSpot batch call), one
 * PostgreSQL transaction: a lock per record, the rows and field state read again under it and every
 * field decided again, HubSpot written (batch update), then the app, the field state, the log and the
 * event, committed together.
 *
 * HubSpot is written before the commit: if the transaction then fails, the next sync finds both
 * sides equal. One record whose app write PostgreSQL refuses fails alone (a savepoint), not its chunk.
 */
import type { IDataObject } from 'n8n-workflow';
import type pg from 'pg';

import { asText, decide, type Decision, type FieldRule, sameValue } from './rules';
import type { SyncHubSpot } from './hubspot';
import {
	type AppTable,
	eventApplied,
	fieldStates,
	type FieldState,
	type FieldStateWrite,
	type LogEntry,
	claimEventForApply,
	rowsByKey,
	saveFieldStates,
	updateRow,
	writeLog,
	type Row,
} from '../database/store';
import { inTransaction } from '../../../shared/database/transaction';

export interface SyncSettings {
	app: AppTable;
	/** Schema of the sync's own tables. */
	syncSchema: string;
	objectType: string;
	rules: FieldRule[];
	/** A column with the row's last change (for LATEST_WINS when no queued change time is known). */
	appUpdatedAtColumn?: string;
}

/** One record as both sides have it now. */
export interface RecordPair {
	recordId: string;
	hubspotId: string;
	appRow: Row;
	/** HubSpot's values; a property absent here is not compared (a webhook carries one). */
	hubspot: Record<string, string | null>;
	hubspotChangedAt: Record<string, number>;
	states: Map<string, FieldState>;
	/** A webhook's change: claimed in the transaction, so a redelivered event is applied once. */
	eventId?: string;
	subscriptionType?: string;
	/** When HubSpot's values were read (epoch ms): a HubSpot change applied after it makes them stale. */
	readAt?: number;
}

export interface FieldResult {
	rule: FieldRule;
	decision: Decision;
	app: string | null;
	hubspot: string | null;
	synced: string | null | undefined;
	/** What became of it: applied, refused (the other side's change put back), manual, stale, failed… */
	action: LogEntry['action'] | 'equal';
	error?: string;
}

export interface RecordResult {
	recordId: string;
	hubspotId: string;
	fields: FieldResult[];
	updatedInApp: boolean;
	updatedInHubSpot: boolean;
	conflict: boolean;
	manual: boolean;
	error?: string;
}

const epochOf = (value: unknown): number | undefined => {
	if (value instanceof Date) return value.getTime();
	if (typeof value === 'string' || typeof value === 'number') {
		const at = new Date(value).getTime();
		return Number.isFinite(at) ? at : undefined;
	}
	return undefined;
};

/**
 * App rows with their HubSpot records (one batch read per 100), decided field by field. Rows with no
 * HubSpot ID, or whose record HubSpot does not have, come back apart.
 */
export async function compareRows(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	rows: Row[],
): Promise<{ planned: Planned[]; unlinked: Row[]; notFound: Row[] }> {
	const idOf = (row: Row) => String(row[settings.app.hubspotIdColumn] ?? '');
	const linked = rows.filter((row) => idOf(row) !== '');
	const properties = settings.rules.map((r) => r.property);
	const readAt = Date.now();
	const records = await hubspot.read(linked.map(idOf), properties);
	const keys = linked.map((row) => String(row[settings.app.keyColumn]));
	const states = await fieldStates(pool, settings.syncSchema, settings.app.table, keys);
	const planned: Planned[] = [];
	const notFound: Row[] = [];
	for (const row of linked) {
		const record = records.get(idOf(row));
		if (record === undefined) {
			notFound.push(row);
			continue;
		}
		const hubspotValues: Record<string, string | null> = {};
		for (const p of properties) hubspotValues[p] = record.properties[p] ?? null;
		const recordId = String(row[settings.app.keyColumn]);
		const pair: RecordPair = {
			recordId,
			hubspotId: record.id,
			appRow: row,
			hubspot: hubspotValues,
			hubspotChangedAt: record.changedAt,
			states: states.get(recordId) ?? new Map(),
			readAt,
		};
		planned.push({ pair, fields: plan(settings, pair) });
	}
	await withChangeTimes(hubspot, settings, planned);
	return { planned, unlinked: rows.filter((row) => idOf(row) === ''), notFound };
}

/**
 * Latest Change Wins needs HubSpot's time of change only where both sides changed: those records'
 * history is read (50 per call) and they are decided again.
 */
export async function withChangeTimes(
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	planned: Array<{ pair: RecordPair; fields: FieldResult[] }>,
): Promise<void> {
	const needs = planned.filter(({ pair, fields }) =>
		fields.some(
			(f) =>
				f.decision.reason.startsWith('conflict_latest') &&
				pair.hubspotChangedAt[f.rule.property] === undefined,
		),
	);
	if (needs.length === 0) return;
	const properties = settings.rules
		.filter((r) => r.direction === 'both' && r.authority === 'latestWins')
		.map((r) => r.property);
	const times = await hubspot.changeTimes(
		needs.map((n) => n.pair.hubspotId),
		properties,
	);
	for (const item of needs) {
		item.pair.hubspotChangedAt = {
			...item.pair.hubspotChangedAt,
			...(times.get(item.pair.hubspotId)?.changedAt ?? {}),
		};
		item.fields = plan(settings, item.pair);
	}
}

export function plan(settings: SyncSettings, pair: RecordPair): FieldResult[] {
	const rowChangedAt = settings.appUpdatedAtColumn
		? epochOf(pair.appRow[settings.appUpdatedAtColumn])
		: undefined;
	const out: FieldResult[] = [];
	for (const rule of settings.rules) {
		if (!(rule.property in pair.hubspot)) continue;
		const state = pair.states.get(rule.column);
		const app = asText(pair.appRow[rule.column]);
		const hubspot = asText(pair.hubspot[rule.property]);
		const synced = state?.syncedValue;
		const decision = decide(rule, {
			synced,
			app,
			hubspot,
			appChangedAt: state?.appChangedAt ?? rowChangedAt,
			hubspotChangedAt: pair.hubspotChangedAt[rule.property] ?? state?.hubspotChangedAt,
		});
		out.push({
			rule,
			decision,
			app,
			hubspot,
			synced,
			action: decision.action === 'none' ? 'equal' : 'applied',
		});
	}
	return out;
}

/** "Refused" when the side that lost had changed: its change is undone, not just outvoted. */
function actionOf(field: FieldResult): FieldResult['action'] {
	const { decision, synced } = field;
	if (decision.action === 'none') return 'equal';
	if (decision.action === 'manual') return 'manual';
	const loserChanged =
		decision.action === 'toHubSpot'
			? synced === undefined || !sameValue(field.hubspot, synced)
			: synced === undefined || !sameValue(field.app, synced);
	const oneWay = ['app_owned', 'hubspot_owned', 'immutable'].includes(decision.reason);
	return oneWay && loserChanged ? 'refused' : 'applied';
}

export interface ExecuteOptions {
	source: LogEntry['source'];
	runId?: string;
	/** Compare and report only: nothing is written anywhere. */
	reportOnly?: boolean;
}

export type Planned = { pair: RecordPair; fields: FieldResult[] };

/** Records per transaction: those with HubSpot writes fill one batch call; the rest are cheap. */
const CHUNK_HUBSPOT = 100;
const CHUNK_RECORDS = 200;

/** How long a record's lock is waited for before the chunk fails (another sync holds it). */
const LOCK_TIMEOUT = '30s';

export async function execute(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	pairs: Planned[],
	options: ExecuteOptions,
): Promise<RecordResult[]> {
	for (const { fields } of pairs) for (const f of fields) f.action = actionOf(f);
	if (options.reportOnly) return pairs.map(({ pair, fields }) => summary(pair, fields));
	// Short transactions: locks are held for one HubSpot call at most.
	const results: RecordResult[] = [];
	let chunk: Planned[] = [];
	let writes = 0;
	for (const planned of pairs) {
		const writesHubSpot = planned.fields.some((f) => f.decision.action === 'toHubSpot');
		if (chunk.length >= CHUNK_RECORDS || (writesHubSpot && writes >= CHUNK_HUBSPOT)) {
			results.push(...(await executeChunk(pool, hubspot, settings, chunk, options)));
			chunk = [];
			writes = 0;
		}
		chunk.push(planned);
		if (writesHubSpot) writes++;
	}
	if (chunk.length > 0)
		results.push(...(await executeChunk(pool, hubspot, settings, chunk, options)));
	return results;
}

async function executeChunk(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	pairs: Planned[],
	options: ExecuteOptions,
): Promise<RecordResult[]> {
	return await inTransaction(pool, async (client) => {
		await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
		// 1. Each record is decided and written by one execution at a time, whichever path found it:
		// a lock per record, taken in one order, held to the commit.
		const ids = [...new Set(pairs.map((p) => p.pair.recordId))].sort();
		await client.query(
			`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || id, 0)) FROM unnest($2::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n`,
			[`mkops-hubspot-sync:${settings.app.schema}.${settings.app.table}`, ids],
		);
		// 2. Under the lock: an event already applied is not applied again (not even to HubSpot), and
		// every other record is decided again on the row and the field state as they are now.
		const rows = new Map(
			(await rowsByKey(client, settings.app, ids, true)).map((row) => [
				String(row[settings.app.keyColumn]),
				row,
			]),
		);
		const states = await fieldStates(client, settings.syncSchema, settings.app.table, ids, true);
		const log: LogEntry[] = [];
		const live: Array<{ pair: RecordPair; fields: FieldResult[] }> = [];
		const out = new Map<RecordPair, FieldResult[]>();
		for (const { pair, fields } of pairs) {
			if (
				pair.eventId !== undefined &&
				(await eventApplied(client, settings.syncSchema, pair.eventId))
			) {
				for (const f of fields) f.action = 'duplicate';
				out.set(pair, fields);
				log.push(
					entry(settings, options, pair, {
						side: 'none',
						action: 'duplicate',
						reason: 'event already applied',
					}),
				);
				continue;
			}
			const row = rows.get(pair.recordId);
			// Gone, or pointed at another HubSpot record (a merge) since it was read: not decided now.
			if (row === undefined || String(row[settings.app.hubspotIdColumn] ?? '') !== pair.hubspotId) {
				for (const f of fields) f.action = 'stale';
				out.set(pair, fields);
				log.push(
					entry(settings, options, pair, {
						side: 'none',
						action: 'stale',
						reason:
							row === undefined
								? 'the app row was deleted'
								: 'the app row now points to another HubSpot record',
					}),
				);
				continue;
			}
			const fresh: RecordPair = {
				...pair,
				appRow: row,
				states: states.get(pair.recordId) ?? new Map(),
			};
			const replanned = plan(settings, fresh);
			for (const f of replanned) {
				f.action = actionOf(f);
				// HubSpot's value was read before a later HubSpot change was applied: not decided on it.
				const known = fresh.states.get(f.rule.column)?.hubspotChangedAt;
				const seen = pair.readAt ?? pair.hubspotChangedAt[f.rule.property];
				if (
					known !== undefined &&
					seen !== undefined &&
					known > seen &&
					f.decision.action !== 'none'
				)
					f.action = 'stale';
			}
			out.set(pair, replanned);
			live.push({ pair: fresh, fields: replanned });
		}

		// 3. HubSpot, in batches of 100 records.
		const updates = live
			.map(({ pair, fields }) => {
				const properties: IDataObject = {};
				for (const f of fields)
					if (f.decision.action === 'toHubSpot' && f.action !== 'stale')
						properties[f.rule.property] = f.decision.value ?? '';
				return { id: pair.hubspotId, properties };
			})
			.filter((u) => Object.keys(u.properties).length > 0);
		const { failed, updatedAt } = await hubspot.update(updates);

		// 4. The app, the field state, the log and the event, committed together.
		const stateWrites: FieldStateWrite[] = [];
		for (const { pair, fields } of live) {
			const reason = failed.get(pair.hubspotId);
			if (reason !== undefined)
				for (const f of fields)
					if (f.decision.action === 'toHubSpot' && f.action !== 'stale') {
						f.action = 'failed';
						f.error = reason;
					}
			const values: Row = {};
			for (const f of fields)
				if (f.decision.action === 'toApp' && (f.action === 'applied' || f.action === 'refused'))
					values[f.rule.column] = f.decision.value;
			if (Object.keys(values).length > 0) {
				// A value PostgreSQL refuses (a NOT NULL column HubSpot emptied) fails this record alone.
				await client.query('SAVEPOINT mkops_record');
				const refusedBy = await updateRow(client, settings.app, pair.recordId, values).then(
					() => undefined,
					(error: unknown) => error as { message?: string },
				);
				if (refusedBy === undefined) await client.query('RELEASE SAVEPOINT mkops_record');
				else {
					await client.query('ROLLBACK TO SAVEPOINT mkops_record');
					for (const f of fields)
						if (
							f.decision.action === 'toApp' &&
							(f.action === 'applied' || f.action === 'refused')
						) {
							f.action = 'failed';
							f.error = `PostgreSQL refused the value: ${refusedBy.message ?? 'error'}`;
						}
				}
			}
			for (const f of fields) {
				const wrote = f.action === 'applied' || f.action === 'refused';
				const agreed =
					f.decision.action === 'none'
						? f.app
						: wrote && f.decision.action !== 'manual'
							? f.decision.value
							: undefined;
				if (
					agreed !== undefined &&
					(f.decision.action !== 'none' || f.synced === undefined || !sameValue(agreed, f.synced))
				)
					stateWrites.push({
						record_id: pair.recordId,
						field: f.rule.column,
						hubspot_id: pair.hubspotId,
						synced_value: agreed,
						// What HubSpot holds now dates from this write, or from the change that was read.
						hubspot_changed_at:
							f.decision.action === 'toHubSpot'
								? (updatedAt.get(pair.hubspotId) ?? new Date().toISOString())
								: pair.hubspotChangedAt[f.rule.property] !== undefined
									? new Date(pair.hubspotChangedAt[f.rule.property]).toISOString()
									: null,
					});
				if (f.action === 'equal') continue;
				log.push(
					entry(settings, options, pair, {
						field: f.rule.column,
						property: f.rule.property,
						side:
							f.decision.action === 'toApp'
								? 'app'
								: f.decision.action === 'toHubSpot'
									? 'hubspot'
									: 'none',
						action: f.action as LogEntry['action'],
						reason: f.error
							? `${f.decision.reason}: ${f.error}`
							: f.action === 'stale'
								? `${f.decision.reason}: HubSpot changed again since it was read`
								: f.decision.reason,
						before_value:
							f.decision.action === 'toApp'
								? f.app
								: f.decision.action === 'toHubSpot'
									? f.hubspot
									: null,
						after_value:
							f.decision.action === 'toApp' || f.decision.action === 'toHubSpot'
								? f.decision.value
								: null,
						app_value: f.app,
						hubspot_value: f.hubspot,
					}),
				);
			}
			// An event is done once every field of it was carried out; a failure leaves it for a retry.
			if (pair.eventId !== undefined && !fields.some((f) => f.action === 'failed'))
				await claimEventForApply(
					client,
					settings.syncSchema,
					pair.eventId,
					pair.subscriptionType ?? '',
				);
		}
		await saveFieldStates(
			client,
			settings.syncSchema,
			settings.app.table,
			settings.objectType,
			stateWrites,
		);
		await writeLog(client, settings.syncSchema, log);
		return pairs.map(({ pair }) => summary(pair, out.get(pair) ?? []));
	});
}

function entry(
	settings: SyncSettings,
	options: ExecuteOptions,
	pair: RecordPair,
	fields: Pick<LogEntry, 'side' | 'action'> & Partial<LogEntry>,
): LogEntry {
	return {
		source: options.source,
		run_id: options.runId ?? null,
		event_id: pair.eventId ?? null,
		app_table: settings.app.table,
		record_id: pair.recordId,
		hubspot_object_type: settings.objectType,
		hubspot_id: pair.hubspotId,
		...fields,
	};
}

function summary(pair: RecordPair, fields: FieldResult[]): RecordResult {
	const failed = fields.filter((f) => f.action === 'failed');
	return {
		recordId: pair.recordId,
		hubspotId: pair.hubspotId,
		fields,
		updatedInApp: fields.some(
			(f) => f.decision.action === 'toApp' && (f.action === 'applied' || f.action === 'refused'),
		),
		updatedInHubSpot: fields.some(
			(f) =>
				f.decision.action === 'toHubSpot' && (f.action === 'applied' || f.action === 'refused'),
		),
		conflict: fields.some((f) => f.decision.action !== 'none' && f.decision.conflict),
		manual: fields.some((f) => f.decision.action === 'manual'),
		error: failed[0]?.error,
	};
}

/** A field's outcome as output JSON. */
export function fieldJson(f: FieldResult): IDataObject {
	return {
		field: f.rule.column,
		property: f.rule.property,
		action: f.action,
		reason: f.decision.reason,
		side:
			f.decision.action === 'toApp'
				? 'app'
				: f.decision.action === 'toHubSpot'
					? 'hubspot'
					: 'none',
		app_value: f.app,
		hubspot_value: f.hubspot,
		...(f.decision.action === 'toApp' || f.decision.action === 'toHubSpot'
			? { value: f.decision.value }
			: {}),
		...(f.error ? { error: f.error } : {}),
	};
}
