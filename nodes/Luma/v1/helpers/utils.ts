import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Accepts both bare objects and Luma's `{ event: {...} }` / `{ guest: {...} }` wrappers. */
export function unwrap(value: IDataObject, key: string): IDataObject {
	const inner = value[key];
	if (inner && typeof inner === 'object' && !Array.isArray(inner) && value.id === undefined) {
		const rest: IDataObject = { ...value };
		delete rest[key];
		return { ...rest, ...(inner as IDataObject) };
	}
	return value;
}

export function getEventId(this: IExecuteFunctions, itemIndex: number): string {
	const value = this.getNodeParameter('eventId', itemIndex, '', { extractValue: true }) as string;
	const eventId = String(value ?? '').trim();
	if (eventId === '') {
		throw new NodeOperationError(this.getNode(), 'No event selected: set "Event" to an event ID, URL or pick one from the list', {
			itemIndex,
		});
	}
	return eventId;
}

export function getRequiredString(this: IExecuteFunctions, name: string, label: string, itemIndex: number): string {
	const value = String(this.getNodeParameter(name, itemIndex, '') ?? '').trim();
	if (value === '') {
		throw new NodeOperationError(this.getNode(), `"${label}" is required`, { itemIndex });
	}
	return value;
}

export function getPaging(this: IExecuteFunctions, itemIndex: number): { returnAll: boolean; limit: number } {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? 0 : (this.getNodeParameter('limit', itemIndex, 50) as number);
	return { returnAll, limit };
}

/**
 * Webhook create and delete change where Luma sends guest data: an AI agent (the node used as a
 * tool) must not reach them, even through a workflow saved before the tool hid them.
 */
export function refuseAgent(this: IExecuteFunctions, action: string, itemIndex: number): void {
	if (this.getNode().type.endsWith('Tool')) {
		throw new NodeOperationError(this.getNode(), `${action} is not available to an AI agent`, { itemIndex });
	}
}
