/**
 * Version 2's steps at the end of a flow: Confirm Processed (the rows landed: their keys now count as
 * processed) and Release (they failed: the next delivery may try again), and Clear Memory (forget
 * registrations, e.g. after a trial run). All pass items through.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ProcessedMemory } from './memory';
import { pathReader } from './presets';

export const DEFAULT_KEY_FIELD = 'dedupe_key';
export const DEFAULT_HISTORY_SIZE = 10000;

/** The Memory Key parameter: empty is the workflow's default memory. */
export function memoryKeyOf(ctx: IExecuteFunctions): string {
	return String(ctx.getNodeParameter('memoryKey', 0, '') ?? '').trim();
}

/**
 * A manual execution's rows are remembered like production ones: said on the output, since a test
 * run of a backfill would otherwise make every later run skip those registrations.
 */
export function hintManualMemory(
	ctx: IExecuteFunctions,
	count: number,
	whatHappened: string,
): void {
	if (ctx.getMode() !== 'manual' || count === 0) return;
	ctx.addExecutionHints({
		message: `This manual execution is remembered like a production one: ${count} registration(s) ${whatHappened}, and later executions of this workflow send them to Duplicate. To forget them, run a Dedupe & Normalize node set to Clear Memory; while testing, turn off Remember Across Executions.`,
		location: 'outputPane',
	});
}

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
	const memory = await ProcessedMemory.of(this, memoryKeyOf(this));
	// Recorded before the claims go: whoever waits for them then finds the key processed.
	await memory.record(landed, historySizeOf(this));
	await memory.release(landed);
	hintManualMemory(this, landed.length, 'now count as processed');
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
	const memory = await ProcessedMemory.of(this, memoryKeyOf(this));
	if (uncertain.size > 0) await memory.record([...uncertain], historySizeOf(this));
	await memory.release([...retry, ...uncertain]);
	hintManualMemory(this, uncertain.size, 'whose write may have landed now count as processed');
	return passThrough(items);
}

/**
 * Forgets registrations, as n8n's Remove Duplicates does: the keys on the input items (under this
 * node's Memory Key), or everything the workflow remembers. Version 1 nodes keep their own memory.
 */
export async function clearMemory(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const memory = await ProcessedMemory.of(this, memoryKeyOf(this));
	if (this.getNodeParameter('clearMode', 0, 'input') === 'all') {
		await memory.forgetAll();
		return passThrough(items);
	}
	const keys = keysOf(this, items);
	const missing = keys.findIndex((key) => key === '');
	if (missing !== -1 && !this.continueOnFail()) {
		throw new NodeOperationError(this.getNode(), 'This item has no dedupe key to forget', {
			itemIndex: missing,
			description:
				'Connect Clear Memory after a Dedupe & Normalize output (its items carry the key), or set Key Field to where the key is.',
		});
	}
	await memory.forget([...new Set(keys.filter((key) => key !== ''))]);
	return passThrough(items);
}
