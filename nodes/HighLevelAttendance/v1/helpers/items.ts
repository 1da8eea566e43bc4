import type { IExecuteFunctions, NodeApiError, NodeOperationError } from 'n8n-workflow';

import { mapWithConcurrency } from '../../../shared/transport/batcher';
import type { RowOutcome } from './outcome';

/** Set by the first fatal HighLevel failure (token, location, daily limit): later items make no calls. */
export interface FatalGate {
	error?: NodeApiError | NodeOperationError;
}

/**
 * Runs `fn` for every item, at most `concurrency` at once; `fn` accounts for its item and does not
 * throw. Once an item trips the gate, items that start later see `gate.error` and skip their calls.
 * Without continue-on-fail the fatal error is thrown, but only after every started item settled
 * (so no call or audit write is left running).
 */
export async function processItems(
	ctx: IExecuteFunctions,
	count: number,
	concurrency: number,
	fn: (itemIndex: number, gate: FatalGate) => Promise<RowOutcome>,
): Promise<RowOutcome[]> {
	const gate: FatalGate = {};
	const indexes = Array.from({ length: count }, (_, i) => i);
	const outcomes = await mapWithConcurrency(indexes, concurrency, async (i) => await fn(i, gate));
	if (gate.error !== undefined && !ctx.continueOnFail()) throw gate.error;
	return outcomes;
}

/** Milliseconds with two decimals (lookups take well under one). */
export const ms = (value: number) => Math.round(value * 100) / 100;

const hasExpression = (value: unknown): boolean => {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
};

/**
 * `getNodeParameter` for per-item reads, evaluating only what can differ between items: a
 * parameter with no expression in it is read once per execution. (n8n evaluates every expression
 * through a fresh data proxy; at one webhook per execution most parameters are fixed tag names.)
 */
export function parameterReader(
	ctx: IExecuteFunctions,
): (name: string, itemIndex: number, fallback?: unknown) => unknown {
	const fixed = new Map<string, unknown>();
	return (name, itemIndex, fallback = '') => {
		if (fixed.has(name)) return fixed.get(name);
		const raw = ctx.getNodeParameter(name, itemIndex, fallback, {
			rawExpressions: true,
		}) as unknown;
		if (!hasExpression(raw)) {
			fixed.set(name, raw);
			return raw;
		}
		return ctx.getNodeParameter(name, itemIndex, fallback) as unknown;
	};
}
