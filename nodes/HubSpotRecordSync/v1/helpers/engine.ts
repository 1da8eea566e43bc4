/**
 * Carries out the field rules for a set of records, whichever path found them (a HubSpot webhook, a
 * queued app change, the reconciliation): decide per field, write HubSpot (batch update), then in one
 * PostgreSQL transaction re-read the app rows under lock, write the app, the field state and the log.
 *
 * HubSpot is written first: if the transaction then fails, the next sync finds both sides equal and
 * only records it. The app is written only when its value is still the one decided on; a value the
 * app changed meanwhile is left alone (its queued change will be synced).
 */
import type { IDataObject } from 'n8n-workflow';
import type pg from 'pg';

import { asText, decide, type Decision, type FieldRule, sameValue } from './rules';
import type { SyncHubSpot } from './hubspot';
import {
	type AppTable,
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
import { inTransaction } from '../database/transaction';

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

export async function execute(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	pairs: Array<{ pair: RecordPair; fields: FieldResult[] }>,
	options: ExecuteOptions,
): Promise<RecordResult[]> {
	for (const { fields } of pairs) for (const f of fields) f.action = actionOf(f);
	const results = pairs.map(({ pair, fields }) => summary(pair, fields));
	if (options.reportOnly) return results;

	// 1. HubSpot, in batches of 100 records.
	const updates = pairs
		.map(({ pair, fields }) => {
			const properties: IDataObject = {};
			for (const f of fields)
				if (f.decision.action === 'toHubSpot') properties[f.rule.property] = f.decision.value ?? '';
			return { id: pair.hubspotId, properties };
		})
		.filter((u) => Object.keys(u.properties).length > 0);
	const failed = await hubspot.update(updates);
	for (const { pair, fields } of pairs) {
		const reason = failed.get(pair.hubspotId);
		if (reason === undefined) continue;
		for (const f of fields)
			if (f.decision.action === 'toHubSpot') {
				f.action = 'failed';
				f.error = reason;
			}
	}

	// 2. The app, the field state and the log, in one transaction.
	await inTransaction(pool, async (client) => {
		const current = new Map(
			(
				await rowsByKey(
					client,
					settings.app,
					pairs.map((p) => p.pair.recordId),
					true,
				)
			).map((row) => [String(row[settings.app.keyColumn]), row]),
		);
		const states: FieldStateWrite[] = [];
		const log: LogEntry[] = [];
		for (const { pair, fields } of pairs) {
			if (
				pair.eventId !== undefined &&
				!(await claimEventForApply(
					client,
					settings.syncSchema,
					pair.eventId,
					pair.subscriptionType ?? '',
				))
			) {
				for (const f of fields) f.action = 'duplicate';
				log.push({
					source: options.source,
					event_id: pair.eventId,
					app_table: settings.app.table,
					record_id: pair.recordId,
					hubspot_object_type: settings.objectType,
					hubspot_id: pair.hubspotId,
					side: 'none',
					action: 'duplicate',
					reason: 'event already applied',
				});
				continue;
			}
			const row = current.get(pair.recordId);
			const values: Row = {};
			for (const f of fields) {
				if (f.decision.action === 'toApp' && f.action !== 'failed') {
					if (row === undefined || !sameValue(asText(row[f.rule.column]), f.app)) {
						f.action = 'stale';
						continue;
					}
					values[f.rule.column] = f.decision.value;
				}
			}
			if (Object.keys(values).length > 0)
				await updateRow(client, settings.app, pair.recordId, values);
			for (const f of fields) {
				const agreed =
					f.decision.action === 'none'
						? f.app
						: f.decision.action === 'manual' || f.action === 'failed' || f.action === 'stale'
							? undefined
							: f.decision.value;
				if (
					agreed !== undefined &&
					(f.synced === undefined || !sameValue(agreed, f.synced) || f.decision.action !== 'none')
				)
					states.push({
						record_id: pair.recordId,
						field: f.rule.column,
						hubspot_id: pair.hubspotId,
						synced_value: agreed,
						hubspot_changed_at:
							pair.hubspotChangedAt[f.rule.property] !== undefined
								? new Date(pair.hubspotChangedAt[f.rule.property]).toISOString()
								: null,
					});
				if (f.action === 'equal') continue;
				log.push({
					source: options.source,
					run_id: options.runId ?? null,
					event_id: pair.eventId ?? null,
					app_table: settings.app.table,
					record_id: pair.recordId,
					hubspot_object_type: settings.objectType,
					hubspot_id: pair.hubspotId,
					field: f.rule.column,
					property: f.rule.property,
					side:
						f.decision.action === 'toApp'
							? 'app'
							: f.decision.action === 'toHubSpot'
								? 'hubspot'
								: 'none',
					action: f.action,
					reason: f.error ? `${f.decision.reason}: ${f.error}` : f.decision.reason,
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
				});
			}
		}
		await saveFieldStates(
			client,
			settings.syncSchema,
			settings.app.table,
			settings.objectType,
			states,
		);
		await writeLog(client, settings.syncSchema, log);
	});
	return pairs.map(({ pair, fields }) => summary(pair, fields));
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
