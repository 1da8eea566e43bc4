/**
 * "Input: Fields by Name": an operation takes its per-item values (the event's Luma ID, name and
 * date; the registration's email and event; the record to mark) from the input item's fields named
 * in plain parameters, instead of from expressions. n8n evaluates an expression per item in an
 * isolate; a flow that has none per request runs several times faster, and the defaults are the
 * field names Dedupe & Normalize gives the canonical contact.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { ParameterReader } from '../../../shared/parameters';

export type InputMode = 'fieldsByName' | 'defineBelow';

/** Options › Input; nodes without the parameter (version 1, saved version 2) define values below. */
export function inputMode(ctx: IExecuteFunctions): InputMode {
	return ctx.getNodeParameter('inputMode', 0, 'defineBelow') === 'fieldsByName'
		? 'fieldsByName'
		: 'defineBelow';
}

/** The item's field `name`; a dotted name (`event.id`) reaches into objects when no field is named so. */
export function itemField(item: INodeExecutionData, name: string): unknown {
	const json = item.json as Record<string, unknown>;
	if (name in json) return json[name];
	if (!name.includes('.')) return undefined;
	let value: unknown = json;
	for (const part of name.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

/** A value as the expressions did it: `String(value ?? "")`. */
export const asText = (value: unknown): string => String(value ?? '');

/**
 * Per-item values of an operation, from the field named by `<field parameter>` (Fields by Name)
 * or the parameter itself (Define Below).
 */
export class ItemValues {
	readonly mode: InputMode;

	constructor(
		ctx: IExecuteFunctions,
		private readonly items: INodeExecutionData[],
		private readonly parameters: ParameterReader,
	) {
		this.mode = inputMode(ctx);
	}

	/** The name of the input field a Fields by Name parameter gives (trimmed; '' for none). */
	fieldName(fieldParameter: string, fallback: string): string {
		return String(this.parameters.get(fieldParameter, 0, fallback) ?? '').trim();
	}

	/**
	 * The item's value: the named input field's (none when the field name is empty), or the
	 * parameter's, as text.
	 */
	text(
		parameter: string,
		fieldParameter: string,
		fallbackField: string,
		itemIndex: number,
	): string {
		if (this.mode === 'defineBelow')
			return asText(this.parameters.get(parameter, itemIndex, '') as unknown);
		const name = this.fieldName(fieldParameter, fallbackField);
		return name === '' ? '' : asText(itemField(this.items[itemIndex], name));
	}
}

/**
 * The dedupe key the Luma flow's expression built:
 * `String($json.email ?? "").trim().toLowerCase() + "|" + String($json.event_id ?? "")`.
 */
export function registrationDedupeKey(email: unknown, eventId: unknown): string {
	return `${asText(email).trim().toLowerCase()}|${asText(eventId)}`;
}
