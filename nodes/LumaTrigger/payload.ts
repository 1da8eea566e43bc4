import type { IDataObject } from 'n8n-workflow';

import type { SignatureScheme } from '../shared/signature/webhookSignature';

/** Event types the trigger can listen for; `event.*` and `*` are groups. */
export const EVENT_TYPE_GROUPS: Record<string, string[]> = {
	'guest.registered': ['guest.registered'],
	'guest.updated': ['guest.updated'],
	'ticket.registered': ['ticket.registered'],
	'event.*': ['event.created', 'event.updated', 'event.canceled'],
	'*': ['*'],
};

export function expandEventTypes(selected: string[]): string[] {
	const expanded = new Set<string>();
	for (const choice of selected) for (const type of EVENT_TYPE_GROUPS[choice] ?? [choice]) expanded.add(type);
	return expanded.has('*') ? ['*'] : [...expanded];
}

export function eventTypeMatches(type: string, selected: string[]): boolean {
	return selected.some((choice) => {
		if (choice === '*') return true;
		if (choice.endsWith('.*')) return type.startsWith(choice.slice(0, -1));
		return choice === type;
	});
}

const asObject = (value: unknown): IDataObject | undefined =>
	value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : undefined;

/** A delivery the trigger can describe: a JSON object with a non-empty `type`. Anything else is a 400. */
export function isDeliveryBody(body: unknown): body is IDataObject & { type: string } {
	const object = asObject(body);
	return object !== undefined && typeof object.type === 'string' && object.type.trim() !== '';
}

/** Luma's own `{type, data}` shape, or the design's flat `{type, event, user, registration}` shape. */
export function describeDelivery(body: IDataObject & { type: string }): {
	type: string;
	event: IDataObject | null;
	guest: IDataObject | null;
	registration: IDataObject | null;
} {
	if (typeof body.type === 'string' && asObject(body.data)) {
		const data = asObject(body.data) as IDataObject;
		if (body.type.startsWith('event.') || body.type.startsWith('calendar.event')) {
			return { type: body.type, event: asObject(data.event) ?? data, guest: null, registration: null };
		}
		const guest: IDataObject = { ...data };
		for (const key of ['event', 'event_tickets', 'event_ticket_orders', 'registration_answers']) delete guest[key];
		const { event, event_tickets, registration_answers } = data;
		return {
			type: body.type,
			event: asObject(event) ?? null,
			guest,
			registration: {
				id: data.id ?? null,
				approval_status: data.approval_status ?? null,
				registered_at: data.registered_at ?? null,
				utm_source: data.utm_source ?? null,
				event_tickets: event_tickets ?? [],
				registration_answers: registration_answers ?? [],
			},
		};
	}
	return {
		type: body.type,
		event: asObject(body.event) ?? null,
		guest: asObject(body.user) ?? asObject(body.guest) ?? null,
		registration: asObject(body.registration) ?? null,
	};
}

export function guestId(delivery: ReturnType<typeof describeDelivery>): string | null {
	const candidates = [delivery.registration?.id, delivery.registration?.api_id, delivery.guest?.id, delivery.guest?.api_id];
	const found = candidates.find((c) => typeof c === 'string' && c.length > 0);
	return (found as string | undefined) ?? null;
}

/** `deliveryId` comes from the verified signature (signed material only), never from a bare header. */
export function buildOutput(
	body: IDataObject & { type: string },
	deliveryId: string,
	scheme: SignatureScheme,
	signedAt: number | undefined,
): IDataObject {
	const delivery = describeDelivery(body);
	return {
		event_type: delivery.type,
		delivery_id: deliveryId,
		guest_id: guestId(delivery),
		signature_scheme: scheme,
		signed_at: signedAt === undefined ? null : new Date(signedAt * 1000).toISOString(),
		received_at: new Date().toISOString(),
		event: delivery.event,
		guest: delivery.guest,
		registration: delivery.registration,
		payload: body,
	};
}
