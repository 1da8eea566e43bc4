/**
 * Which side a field's value goes to. One pure function, used by every path (HubSpot's webhooks,
 * the app's queued updates, the nightly reconciliation), so the three never disagree.
 *
 * "Changed" means "differs from the value both sides last agreed on" (hubspot_field_state). A field
 * that was never synced and differs counts as changed on both sides: the authority decides.
 */
export type Direction = 'toHubSpot' | 'toApp' | 'both';
export type Authority = 'hubspotWins' | 'appWins' | 'latestWins' | 'manual';

export interface FieldRule {
	/** The app table's column. */
	column: string;
	/** The HubSpot property's internal name. */
	property: string;
	direction: Direction;
	/** Who wins when both sides changed since the last sync (direction "both" only). */
	authority: Authority;
	/** Never written in the app after the row is created; HubSpot's copy is restored from the app. */
	immutable: boolean;
}

export interface FieldSides {
	/** The value both sides last agreed on; undefined when the field was never synced. */
	synced: string | null | undefined;
	app: string | null;
	hubspot: string | null;
	/** Epoch ms of the app's change, when known. */
	appChangedAt?: number;
	/** Epoch ms of HubSpot's change, when known. */
	hubspotChangedAt?: number;
}

export type Reason =
	| 'equal'
	| 'hubspot_changed'
	| 'app_changed'
	| 'app_owned'
	| 'hubspot_owned'
	| 'immutable'
	| 'conflict_hubspot_wins'
	| 'conflict_app_wins'
	| 'conflict_latest_hubspot'
	| 'conflict_latest_app'
	| 'conflict_manual';

export type Decision =
	| { action: 'none'; reason: 'equal' }
	| { action: 'toApp'; value: string | null; reason: Reason; conflict: boolean }
	| { action: 'toHubSpot'; value: string | null; reason: Reason; conflict: boolean }
	| { action: 'manual'; reason: 'conflict_manual'; conflict: true };

/**
 * A number as PostgreSQL and HubSpot write one: no leading zeros or '+', no exponent. A zip code, a
 * phone number or an ID written otherwise is compared as text.
 */
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** The decimal text without trailing fractional zeros: "5000.00" → "5000", exact at any length. */
const canonicalNumber = (text: string) => {
	const plain = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
	return plain === '-0' ? '0' : plain;
};

export function sameValue(a: string | null, b: string | null): boolean {
	if (a === b) return true;
	if (a === null || b === null) return false;
	if (NUMBER.test(a) && NUMBER.test(b)) return canonicalNumber(a) === canonicalNumber(b);
	const lower = [a.toLowerCase(), b.toLowerCase()];
	if (lower.every((v) => v === 'true' || v === 'false')) return lower[0] === lower[1];
	return false;
}

/** The text form both sides are compared in. Empty and missing are the same: HubSpot has no null. */
export function asText(value: unknown): string | null {
	if (value === null || value === undefined || value === '') return null;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value);
}

const toApp = (value: string | null, reason: Reason, conflict: boolean): Decision => ({
	action: 'toApp',
	value,
	reason,
	conflict,
});
const toHubSpot = (value: string | null, reason: Reason, conflict: boolean): Decision => ({
	action: 'toHubSpot',
	value,
	reason,
	conflict,
});

export function decide(rule: FieldRule, sides: FieldSides): Decision {
	const { app, hubspot, synced } = sides;
	if (sameValue(app, hubspot)) return { action: 'none', reason: 'equal' };
	// The app's value is the record's identity: HubSpot's copy is put back, the app is never written.
	if (rule.immutable) return toHubSpot(app, 'immutable', false);

	const appChanged = synced === undefined || !sameValue(app, synced);
	const hubspotChanged = synced === undefined || !sameValue(hubspot, synced);
	const conflict = appChanged && hubspotChanged;

	// A one-way field: its owner's value stands, whatever the other side did.
	if (rule.direction === 'toHubSpot') return toHubSpot(app, 'app_owned', conflict);
	if (rule.direction === 'toApp') return toApp(hubspot, 'hubspot_owned', conflict);

	if (!conflict) {
		return hubspotChanged
			? toApp(hubspot, 'hubspot_changed', false)
			: toHubSpot(app, 'app_changed', false);
	}
	switch (rule.authority) {
		case 'hubspotWins':
			return toApp(hubspot, 'conflict_hubspot_wins', true);
		case 'appWins':
			return toHubSpot(app, 'conflict_app_wins', true);
		case 'latestWins': {
			// An unknown time loses; a tie goes to HubSpot, the CRM of record.
			const appAt = sides.appChangedAt ?? Number.NEGATIVE_INFINITY;
			const hubspotAt = sides.hubspotChangedAt ?? Number.NEGATIVE_INFINITY;
			return appAt > hubspotAt
				? toHubSpot(app, 'conflict_latest_app', true)
				: toApp(hubspot, 'conflict_latest_hubspot', true);
		}
		default:
			return { action: 'manual', reason: 'conflict_manual', conflict: true };
	}
}

/** Fields that go to HubSpot when the app creates a record or queues a change. */
export const sentToHubSpot = (rule: FieldRule) => rule.direction !== 'toApp' || rule.immutable;
