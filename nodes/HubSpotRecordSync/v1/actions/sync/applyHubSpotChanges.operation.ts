import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { errorItem } from '../../../../shared/batch/outcomes';
import { appUpdatedAtOption, recordProperties } from '../common.descriptions';
import { databaseFailure, openHubSpot, openPool } from '../../helpers/context';
import {
	execute as carryOut,
	fieldJson,
	plan,
	type RecordPair,
	type SyncSettings,
} from '../../helpers/engine';
import { SINGULAR, type SyncHubSpot } from '../../helpers/hubspot';
import { readSettings } from '../../helpers/settings';
import {
	claimEventForApply,
	fieldStates,
	type LogEntry,
	rowsByHubSpotId,
	updateRow,
	writeLog,
} from '../../database/store';
import type pg from 'pg';

import { inTransaction } from '../../../../shared/database/transaction';

const properties: INodeProperties[] = [
	...recordProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [appUpdatedAtOption],
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['applyHubSpotChanges'] } },
	properties,
);

/** One event as the HubSpot Signed Trigger emits it (HubSpot's own field names). */
interface ChangeEvent {
	eventId: string;
	subscriptionType: string;
	objectId: string;
	propertyName?: string;
	propertyValue?: string | null;
	occurredAt: number;
	primaryObjectId?: string;
	mergedObjectIds?: string[];
	newObjectId?: string;
}

function readEvent(json: IDataObject): ChangeEvent | string {
	const eventId = json.eventId;
	const type = json.subscriptionType;
	if ((typeof eventId !== 'string' && typeof eventId !== 'number') || typeof type !== 'string')
		return "the item is not a HubSpot event: it needs 'eventId' and 'subscriptionType' (connect a HubSpot Signed Trigger)";
	const occurred =
		typeof json.occurredAt === 'number'
			? json.occurredAt
			: Date.parse(String(json.occurredAt ?? ''));
	return {
		eventId: String(eventId),
		subscriptionType: type,
		objectId: String(json.objectId ?? ''),
		propertyName: typeof json.propertyName === 'string' ? json.propertyName : undefined,
		propertyValue:
			json.propertyValue === undefined || json.propertyValue === null
				? null
				: String(json.propertyValue),
		occurredAt: Number.isFinite(occurred) ? occurred : Date.now(),
		primaryObjectId: json.primaryObjectId === undefined ? undefined : String(json.primaryObjectId),
		mergedObjectIds: Array.isArray(json.mergedObjectIds)
			? json.mergedObjectIds.map(String)
			: undefined,
		newObjectId: json.newObjectId === undefined ? undefined : String(json.newObjectId),
	};
}

/**
 * Each event in the order HubSpot says it happened: a property change goes through the field
 * rules (one transaction per event, claimed in hubspot_webhook_events so a redelivery applies once);
 * a merge moves the app row to the surviving record; a deletion goes to Review (the app row stays).
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const settings = readSettings(this);
	const { pool } = await openPool(this);
	const hubspot = await openHubSpot(this, settings.objectType);
	const prefix = `${SINGULAR[settings.objectType] ?? settings.objectType}.`;
	const items = this.getInputData();
	const done: INodeExecutionData[] = [];
	const review: INodeExecutionData[] = [];

	const order = items
		.map((item, itemIndex) => ({ itemIndex, event: readEvent(item.json) }))
		.sort((a, b) =>
			typeof a.event === 'string' || typeof b.event === 'string'
				? 0
				: a.event.occurredAt - b.event.occurredAt,
		);
	for (const { itemIndex, event } of order) {
		try {
			if (typeof event === 'string')
				throw new NodeOperationError(this.getNode(), event, { itemIndex });
			const out = (json: IDataObject) => ({
				json: { eventId: event.eventId, objectId: event.objectId, ...json },
				pairedItem: { item: itemIndex },
			});
			if (!event.subscriptionType.startsWith(prefix)) {
				done.push(out({ outcome: 'skipped', reason: `not a ${prefix.slice(0, -1)} event` }));
				continue;
			}
			const kind = event.subscriptionType.slice(prefix.length);
			if (kind === 'propertyChange') {
				const result = await applyChange(pool, hubspot, settings, event);
				if (result.failed !== undefined)
					throw new NodeOperationError(this.getNode(), result.failed, { itemIndex });
				(result.manual ? review : done).push(out(result.json));
			} else if (kind === 'merge') {
				const merged = await applyMerge(pool, settings, event);
				(merged.review === true ? review : done).push(out(merged));
			} else if (kind === 'deletion') {
				const json = await logOnly(
					pool,
					settings,
					event,
					'reported',
					'deleted in HubSpot; the app row is kept',
				);
				(json.record_id ? review : done).push(out(json));
			} else {
				done.push(
					out(
						await logOnly(pool, settings, event, 'skipped', `${kind}: nothing to apply in the app`),
					),
				);
			}
		} catch (error) {
			const nodeError =
				error instanceof NodeOperationError ? error : databaseFailure(this, error, itemIndex);
			nodeError.context.itemIndex = itemIndex;
			if (!this.continueOnFail()) throw nodeError;
			done.push(errorItem(this, nodeError, itemIndex));
		}
	}
	return [done, review];
}

async function appRowFor(pool: pg.Pool, settings: SyncSettings, hubspotId: string) {
	const [row] = await rowsByHubSpotId(pool, settings.app, [hubspotId]);
	return row;
}

async function applyChange(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	event: ChangeEvent,
): Promise<{ json: IDataObject; manual: boolean; failed?: string }> {
	const rule = settings.rules.find((r) => r.property === event.propertyName);
	if (rule === undefined)
		return {
			json: await logOnly(
				pool,
				settings,
				event,
				'skipped',
				`no field rule for ${event.propertyName}`,
			),
			manual: false,
		};
	const row = await appRowFor(pool, settings, event.objectId);
	if (row === undefined)
		return {
			json: await logOnly(pool, settings, event, 'skipped', 'no app row has this HubSpot ID'),
			manual: false,
		};
	const recordId = String(row[settings.app.keyColumn]);
	const states =
		(await fieldStates(pool, settings.syncSchema, settings.app.table, [recordId])).get(recordId) ??
		new Map();
	const known = states.get(rule.column)?.hubspotChangedAt;
	// HubSpot does not promise order: an event older than a change already applied is not applied.
	if (known !== undefined && known > event.occurredAt)
		return {
			json: await logOnly(
				pool,
				settings,
				event,
				'stale',
				'a newer HubSpot change was already applied',
				recordId,
			),
			manual: false,
		};
	const pair: RecordPair = {
		recordId,
		hubspotId: event.objectId,
		appRow: row,
		hubspot: { [rule.property]: event.propertyValue ?? null },
		hubspotChangedAt: { [rule.property]: event.occurredAt },
		states,
		eventId: event.eventId,
		subscriptionType: event.subscriptionType,
	};
	const fields = plan(settings, pair);
	const [result] = await carryOut(pool, hubspot, settings, [{ pair, fields }], {
		source: 'webhook',
	});
	const field = result.fields[0];
	// Not taken by HubSpot: the event stays unapplied, and the item goes to the error output.
	if (field?.action === 'failed')
		return {
			json: {},
			manual: false,
			failed: `HubSpot did not take ${field.rule.property} of record ${event.objectId}: ${field.error ?? 'refused'}. The event stays unapplied.`,
		};
	return {
		json: {
			record_id: recordId,
			outcome: field?.action ?? 'skipped',
			...(field ? fieldJson(field) : {}),
		},
		manual: result.manual && field?.action === 'manual',
	};
}

/** The surviving record takes over the app rows of the merged ones. */
async function applyMerge(
	pool: pg.Pool,
	settings: SyncSettings,
	event: ChangeEvent,
): Promise<IDataObject> {
	const survivor = event.newObjectId ?? event.primaryObjectId ?? event.objectId;
	// Every record of the merge that is not the survivor: the merged ones, and the primary when
	// HubSpot gave the result a new ID.
	const gone = [...new Set([...(event.mergedObjectIds ?? []), event.primaryObjectId ?? ''])].filter(
		(id) => id !== '' && id !== survivor,
	);
	return await inTransaction(pool, async (client): Promise<IDataObject> => {
		if (
			!(await claimEventForApply(
				client,
				settings.syncSchema,
				event.eventId,
				event.subscriptionType,
			))
		)
			return { outcome: 'duplicate' };
		const rows = await rowsByHubSpotId(client, settings.app, [survivor, ...gone], true);
		const linked = rows.filter((row) => String(row[settings.app.hubspotIdColumn]) !== survivor);
		// Two app rows for one HubSpot record: which one stays is a person's call.
		if (rows.length > 1)
			return {
				outcome: 'reported',
				review: true,
				reason: `merged in HubSpot into ${survivor}, which ${rows.length} app rows now stand for; none was changed`,
				record_ids: rows.map((row) => String(row[settings.app.keyColumn])),
				hubspot_id: survivor,
			};
		for (const row of linked)
			await updateRow(client, settings.app, String(row[settings.app.keyColumn]), {
				[settings.app.hubspotIdColumn]: survivor,
			});
		const merged = linked;
		await writeLog(
			client,
			settings.syncSchema,
			merged.map((row) => ({
				source: 'webhook',
				event_id: event.eventId,
				app_table: settings.app.table,
				record_id: String(row[settings.app.keyColumn]),
				hubspot_object_type: settings.objectType,
				hubspot_id: survivor,
				field: settings.app.hubspotIdColumn,
				side: 'app',
				action: 'applied',
				reason: 'merged in HubSpot',
				before_value: String(row[settings.app.hubspotIdColumn]),
				after_value: survivor,
			})),
		);
		return {
			outcome: merged.length > 0 ? 'applied' : 'skipped',
			records_moved: merged.length,
			hubspot_id: survivor,
		};
	});
}

/** An event that changes nothing in the app: claimed (once) and logged. */
async function logOnly(
	pool: pg.Pool,
	settings: SyncSettings,
	event: ChangeEvent,
	action: LogEntry['action'],
	reason: string,
	recordId?: string,
): Promise<IDataObject> {
	const record =
		recordId ?? (await appRowFor(pool, settings, event.objectId))?.[settings.app.keyColumn];
	return await inTransaction(pool, async (client): Promise<IDataObject> => {
		const first = await claimEventForApply(
			client,
			settings.syncSchema,
			event.eventId,
			event.subscriptionType,
		);
		await writeLog(client, settings.syncSchema, [
			{
				source: 'webhook',
				event_id: event.eventId,
				app_table: settings.app.table,
				record_id: record === undefined ? null : String(record),
				hubspot_object_type: settings.objectType,
				hubspot_id: event.objectId,
				property: event.propertyName ?? null,
				side: 'none',
				action: first ? action : 'duplicate',
				reason: first ? reason : 'event already applied',
				hubspot_value: event.propertyValue ?? null,
			},
		]);
		return {
			outcome: first ? action : 'duplicate',
			reason: first ? reason : 'event already applied',
			...(record === undefined ? {} : { record_id: String(record) }),
			...(event.propertyName
				? { property: event.propertyName, hubspot_value: event.propertyValue ?? null }
				: {}),
		};
	});
}
