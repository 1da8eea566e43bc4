import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** The webinar of a resource locator (From List / By ID / By URL): a positive whole number. */
export function getWebinarId(
	this: IExecuteFunctions,
	itemIndex: number,
	name = 'webinarId',
): number {
	const value = this.getNodeParameter(name, itemIndex, '', { extractValue: true }) as unknown;
	const text = String(value ?? '').trim();
	if (!/^\d+$/.test(text) || Number(text) <= 0) {
		throw new NodeOperationError(
			this.getNode(),
			text === ''
				? 'No webinar selected: pick one from the list or enter its webinar ID'
				: `"${text}" is not a WebinarJam webinar ID (a whole number)`,
			{ itemIndex },
		);
	}
	return Number(text);
}

/**
 * Ids from a list parameter: an array (multi-options, expressions) or text separated by commas,
 * spaces or new lines. Each must be a positive whole number.
 */
export function parseIdList(value: unknown, label: string): number[] {
	const parts: unknown[] = Array.isArray(value)
		? value
		: String(value ?? '')
				.split(/[\s,;]+/)
				.filter((p) => p !== '');
	const ids: number[] = [];
	for (const part of parts) {
		const text = String(part).trim();
		if (text === '') continue;
		if (!/^\d+$/.test(text) || Number(text) <= 0) {
			throw new Error(`${label}: "${text}" is not an ID (a whole number)`);
		}
		const id = Number(text);
		if (!ids.includes(id)) ids.push(id);
	}
	return ids;
}

export function getPaging(
	this: IExecuteFunctions,
	itemIndex: number,
): { returnAll: boolean; limit: number } {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? Infinity : Number(this.getNodeParameter('limit', itemIndex, 50));
	return { returnAll, limit: Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : limit };
}

/** Drops undefined and empty-string values (WebinarJam treats a sent-but-empty filter as a value). */
export function compact(values: IDataObject): IDataObject {
	const out: IDataObject = {};
	for (const [key, value] of Object.entries(values)) {
		if (value !== undefined && value !== null && value !== '') out[key] = value;
	}
	return out;
}
