/**
 * A delivery's events: checked, filtered to the subscriptions the node listens to, and claimed in
 * hubspot_webhook_events so an eventId HubSpot sends again (a retry, a second n8n webhook process)
 * starts nothing. The claim is one INSERT … ON CONFLICT DO NOTHING: the primary key decides.
 */
import type { IDataObject } from 'n8n-workflow';
import type pg from 'pg';

import { qualified, SYNC_TABLES } from '../HubSpotRecordSync/v1/database/schema';
import { SINGULAR } from '../HubSpotRecordSync/v1/helpers/hubspot';

/** Singular (as subscription types spell it) → the object type's API name. */
export const OBJECTS: Record<string, string> = Object.fromEntries(
	Object.entries(SINGULAR).map(([plural, singular]) => [singular, plural]),
);
export const KINDS = ['propertyChange', 'creation', 'deletion', 'merge'] as const;

/** At most this many events per request are taken; HubSpot sends up to 100. */
export const MAX_EVENTS = 1000;

export interface HubSpotEvent {
	eventId: string;
	subscriptionType: string;
	objectType: string;
	objectId: string;
	occurredAt: number;
	raw: IDataObject;
}

const ID = /^[0-9A-Za-z_-]{1,64}$/;

/**
 * The events of a parsed body, or why the body is not a HubSpot delivery. An event this trigger
 * cannot use (another kind, such as an association change) is counted and left out, not allowed to
 * cost the others: HubSpot does not send a delivery it got a 4xx for again.
 */
export function readEvents(body: unknown): { events: HubSpotEvent[]; unusable: number } | string {
	if (!Array.isArray(body)) return 'Body must be a JSON array of HubSpot events';
	if (body.length > MAX_EVENTS) return `At most ${MAX_EVENTS} events per request`;
	const events: HubSpotEvent[] = [];
	let unusable = 0;
	for (const raw of body) {
		if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
			unusable++;
			continue;
		}
		const e = raw as IDataObject;
		const eventId = String(e.eventId ?? '');
		const type = String(e.subscriptionType ?? '');
		const objectId = String(e.objectId ?? '');
		if (!ID.test(eventId) || !/^[a-z_]+\.[A-Za-z]+$/.test(type) || !ID.test(objectId)) {
			unusable++;
			continue;
		}
		const occurredAt = Number(e.occurredAt);
		events.push({
			eventId,
			subscriptionType: type,
			objectType: OBJECTS[type.split('.')[0]] ?? type.split('.')[0],
			objectId,
			occurredAt: Number.isFinite(occurredAt) ? occurredAt : Date.now(),
			raw: e,
		});
	}
	return { events, unusable };
}

export interface Claimed {
	fresh: HubSpotEvent[];
	/** Sent before (stored already) or twice in this delivery. */
	duplicates: HubSpotEvent[];
}

export async function claimEvents(
	pool: pg.Pool,
	schema: string,
	events: HubSpotEvent[],
): Promise<Claimed> {
	const seen = new Set<string>();
	const unique: HubSpotEvent[] = [];
	const repeated: HubSpotEvent[] = [];
	for (const e of events) {
		(seen.has(e.eventId) ? repeated : unique).push(e);
		seen.add(e.eventId);
	}
	const table = qualified(schema, SYNC_TABLES.events);
	const rows = unique.map((e) => ({
		event_id: e.eventId,
		portal_id: Number.isSafeInteger(Number(e.raw.portalId)) ? Number(e.raw.portalId) : null,
		subscription_type: e.subscriptionType,
		object_id: e.objectId,
		property_name: typeof e.raw.propertyName === 'string' ? e.raw.propertyName : null,
		occurred_at: new Date(e.occurredAt).toISOString(),
		change_source: typeof e.raw.changeSource === 'string' ? e.raw.changeSource : null,
	}));
	// The data-modifying CTEs share one snapshot: the UPDATE sees only rows stored before this request.
	const { rows: inserted } = await pool.query<{ event_id: string }>(
		`WITH incoming AS (
	SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id text, portal_id bigint, subscription_type text, object_id text, property_name text, occurred_at timestamptz, change_source text)
), stored AS (
	INSERT INTO ${table} (event_id, portal_id, subscription_type, object_id, property_name, occurred_at, change_source)
	SELECT event_id, portal_id, subscription_type, object_id, property_name, occurred_at, change_source FROM incoming
	ON CONFLICT (event_id) DO NOTHING
	RETURNING event_id
), again AS (
	UPDATE ${table} e SET deliveries = e.deliveries + 1 FROM incoming i WHERE e.event_id = i.event_id RETURNING e.event_id
)
SELECT event_id FROM stored`,
		[JSON.stringify(rows)],
	);
	const fresh = new Set(inserted.map((r) => r.event_id));
	const duplicates = [...unique.filter((e) => !fresh.has(e.eventId)), ...repeated];
	if (duplicates.length > 0) {
		await pool.query(
			`INSERT INTO ${qualified(schema, SYNC_TABLES.log)} (source, event_id, hubspot_object_type, hubspot_id, property, side, action, reason)
SELECT 'webhook', d.event_id, d.object_type, d.object_id, d.property, 'none', 'duplicate', d.reason
FROM jsonb_to_recordset($1::jsonb) AS d(event_id text, object_type text, object_id text, property text, reason text)`,
			[
				JSON.stringify(
					duplicates.map((e) => ({
						event_id: e.eventId,
						object_type: e.objectType,
						object_id: e.objectId,
						property: typeof e.raw.propertyName === 'string' ? e.raw.propertyName : null,
						reason: repeated.includes(e)
							? 'eventId repeated within one delivery'
							: 'eventId already received',
					})),
				),
			],
		);
	}
	return { fresh: unique.filter((e) => fresh.has(e.eventId)), duplicates };
}

/** One event as the trigger emits it: HubSpot's fields, ids as text, and the time as ISO too. */
export function eventItem(e: HubSpotEvent, version: string): IDataObject {
	const out: IDataObject = {
		...e.raw,
		eventId: e.eventId,
		objectId: e.objectId,
		objectType: e.objectType,
		occurredAt: e.occurredAt,
		occurredAtIso: new Date(e.occurredAt).toISOString(),
		signatureVersion: version,
	};
	for (const key of ['primaryObjectId', 'newObjectId'])
		if (out[key] !== undefined && out[key] !== null) out[key] = String(out[key]);
	if (Array.isArray(out.mergedObjectIds)) out.mergedObjectIds = out.mergedObjectIds.map(String);
	return out;
}
