/**
 * Version 2's steps at the end of a flow: Confirm Processed (the rows landed: their keys now count as
 * processed) and Release (they failed: the next delivery may try again). Both pass items through.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ProcessedMemory } from './memory';
import { pathReader } from './presets';

export const DEFAULT_KEY_FIELD = 'dedupe_key';
export const DEFAULT_HISTORY_SIZE = 10000;

const passThrough = (items: INodeExecutionData[]): INodeExecutionData[][] => [
	items.map((item, index) => ({ ...item, pairedItem: { item: index } })),
];

/** The dedupe key of each item, read from the field Dedupe & Normalize wrote (empty when absent). */
function keysOf(ctx: IExecuteFunctions, items: INodeExecutionData[]): string[] {
	const field = String(ctx.getNodeParameter('keyField', 0, DEFAULT_KEY_FIELD)).trim();
	const read = pathReader(field || DEFAULT_KEY_FIELD);
	return items.map((item) => {
		const value = read(item.json);
		return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
	});
}

/** The memory's size, the same in every step that records (a smaller one would trim the others' keys). */
function historySizeOf(ctx: IExecuteFunctions): number {
	return (
		Math.floor(Number(ctx.getNodeParameter('historySize', 0, DEFAULT_HISTORY_SIZE))) ||
		DEFAULT_HISTORY_SIZE
	);
}

export async function confirmProcessed(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const keys = keysOf(this, items);
	const missing = keys.findIndex((key) => key === '');
	if (missing !== -1 && !this.continueOnFail()) {
		throw new NodeOperationError(this.getNode(), 'This item has no dedupe key to confirm', {
			itemIndex: missing,
			description:
				'Connect Confirm Processed after nodes that keep the fields of Dedupe & Normalize’s Valid output, or set Key Field to where the key is.',
		});
	}
	const landed = [...new Set(keys.filter((key) => key !== ''))];
	const memory = await ProcessedMemory.of(this);
	// Recorded before the claims go: whoever waits for them then finds the key processed.
	await memory.record(landed, historySizeOf(this));
	await memory.release(landed);
	return passThrough(items);
}

/** Set by a node of this package on a failed row whose write may have been applied anyway. */
function mayHaveLanded(item: INodeExecutionData): boolean {
	const details = item.json.details as { may_have_landed?: unknown } | undefined;
	return item.json.may_have_landed === true || details?.may_have_landed === true;
}

/**
 * Frees the claims so the next delivery tries again. A row whose write may have been applied (no
 * answer, a 5xx) is recorded instead: trying it again could apply it twice (an Increment merge
 * rule), so it is left to the alert on the failure branch and a human.
 */
export async function releaseClaims(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const keys = keysOf(this, items);
	const uncertain = new Set(keys.filter((key, i) => key !== '' && mayHaveLanded(items[i])));
	const retry = new Set(keys.filter((key) => key !== '' && !uncertain.has(key)));
	const memory = await ProcessedMemory.of(this);
	if (uncertain.size > 0) await memory.record([...uncertain], historySizeOf(this));
	await memory.release([...retry, ...uncertain]);
	return passThrough(items);
}
