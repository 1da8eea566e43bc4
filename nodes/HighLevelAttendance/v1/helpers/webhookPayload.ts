/**
 * The *GoHighLevel Webhook* input of Check and Tag: the check's inputs read from the request a
 * GoHighLevel workflow's Webhook or Custom Webhook action sends, as n8n's Webhook node outputs it
 * (`{headers, params, query, body}`). Plain code instead of the field-by-field defaults
 * (`={{ $json.body.email }}` …): an n8n expression costs the execution an isolate.
 */
import type { IDataObject } from 'n8n-workflow';

/** Check and Tag's parameters and the payload key each is read from in this mode. */
export const PAYLOAD_KEYS = {
	email: 'email',
	contactId: 'contact_id',
	webinarId: 'webinar_id',
	scheduleId: 'schedule_id',
} as const;

export type CheckField = keyof typeof PAYLOAD_KEYS;

export type CheckRequest = Record<CheckField, unknown>;

const isObject = (value: unknown): value is IDataObject =>
	value !== null && typeof value === 'object' && !Array.isArray(value);

/** A query value: `?a=1&a=2` arrives as an array, the first one counts. */
const one = (value: unknown) => (Array.isArray(value) ? value[0] : value);

/** The first value that is given: undefined, null and blank text count as not given. */
function firstGiven(...values: unknown[]): unknown {
	return values.find(
		(value) =>
			value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === ''),
	);
}

/**
 * The check's inputs from one item. GoHighLevel sends the contact's standard fields at the top of
 * the body (`email`, `contact_id`, …) and the action's *Custom Data* under `customData`; a Custom
 * Webhook body may put `webinar_id` and `schedule_id` at the top level instead. A value missing
 * from the body is read from the URL's query string (`?webinar_id=…`), so the plain Webhook action
 * can carry it there. An item that is not a webhook request (no `body`, `headers` or `query`) is
 * read as the body itself. The payload's `tags` are not read: the contact's tags as HighLevel
 * returns them decide which tag calls are needed (a payload can be stale or forged).
 */
export function readCheckRequest(item: IDataObject): CheckRequest {
	const isRequest = 'body' in item || 'headers' in item || 'query' in item;
	const body = isRequest ? (isObject(item.body) ? item.body : {}) : item;
	const query = isRequest && isObject(item.query) ? item.query : {};
	const custom = isObject(body.customData) ? body.customData : {};
	return {
		email: firstGiven(body.email, one(query.email)),
		contactId: firstGiven(body.contact_id, one(query.contact_id)),
		webinarId: firstGiven(custom.webinar_id, body.webinar_id, one(query.webinar_id)),
		scheduleId: firstGiven(custom.schedule_id, body.schedule_id, one(query.schedule_id)),
	};
}
