/**
 * The two ways a node's `execute()` runs its operation, shared by every vendor node:
 * - `routeBatch`: the operation takes every input item at once (that is what makes it a batch) and
 *   accounts for each; exactly one paired item comes out per input item (outcomes.ts).
 * - `routeItems`: the operation runs once per input item; its results are paired to that item, and a
 *   failure under "Continue" becomes an error item for that item.
 * Operations that run once for the whole input (a sync) go through `routeItems`' `runOnce`.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { RowOutcome } from './outcomes';
import { emitRowOutcomes, errorItem, failedRow } from './outcomes';

/**
 * The node's resources as their action modules: `{ contact, list }`, where `contact.upsert` is the
 * operation's module and its `execute` the operation (each resource's index re-exports them).
 */
export type Resources = Record<string, object>;

function selected<F>(
	ctx: IExecuteFunctions,
	resources: Resources,
): { resource: string; operation: string; handler: F | undefined } {
	const resource = ctx.getNodeParameter('resource', 0) as string;
	const operation = ctx.getNodeParameter('operation', 0) as string;
	const module = (resources[resource] as Record<string, { execute?: unknown } | undefined>)?.[
		operation
	];
	const handler = typeof module?.execute === 'function' ? (module.execute as F) : undefined;
	return { resource, operation, handler };
}

function unsupported(
	ctx: IExecuteFunctions,
	resource: string,
	operation: string,
): NodeOperationError {
	return new NodeOperationError(
		ctx.getNode(),
		`The operation "${operation}" is not supported for resource "${resource}"`,
	);
}

/** A vendor client that words its own failures (every transport here does). */
interface WordsErrors {
	toNodeError(error: unknown): NodeApiError | NodeOperationError;
}

/** Anything thrown, as the n8n error for `itemIndex`. */
export function asNodeError(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (itemIndex !== undefined) error.context.itemIndex ??= itemIndex;
		return error;
	}
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}

// ---- Batch operations.

export type BatchOperation<C> = (
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	client: C,
) => Promise<RowOutcome[]>;

export interface BatchRouting<C> {
	/** Resource → operation modules, each with `execute: BatchOperation<C>`. */
	operations: Resources;
	/** The vendor client for this run (undefined for operations that need none). */
	client(resource: string, operation: string): Promise<C>;
	/** The output fields of a failed item (e.g. the input plus `hubspot_id: null`). */
	failedBase(items: INodeExecutionData[], itemIndex: number): IDataObject;
	/** What the other items became, for the failure summary ("written or unchanged"). */
	landedAs?: string;
	/** A run of one item (one webhook call) fails with that item's own error. */
	singleItemThrowsOwnError?: boolean;
}

export async function routeBatch<C extends WordsErrors | undefined>(
	ctx: IExecuteFunctions,
	routing: BatchRouting<C>,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const { resource, operation, handler } = selected<BatchOperation<C>>(ctx, routing.operations);
	if (handler === undefined) throw unsupported(ctx, resource, operation);
	if (items.length === 0) return [[]];

	const fail = (itemIndex: number, message: string, cause?: unknown) =>
		failedRow(ctx, itemIndex, message, { base: routing.failedBase(items, itemIndex), cause });
	let client: C | undefined;
	let outcomes: RowOutcome[];
	try {
		client = await routing.client(resource, operation);
		outcomes = await handler.call(ctx, items, client as C);
	} catch (error) {
		// The client words its vendor's failures; anything else (no client yet) as it is.
		const nodeError = client?.toNodeError(error) ?? asNodeError(ctx, error);
		if (!ctx.continueOnFail()) throw nodeError;
		outcomes = items.map((_, itemIndex) => fail(itemIndex, nodeError.message, nodeError));
	}
	return emitRowOutcomes(ctx, items, outcomes, {
		missing: (itemIndex) => fail(itemIndex, 'No result was produced for this item'),
		landedAs: routing.landedAs,
		singleItemThrowsOwnError: routing.singleItemThrowsOwnError,
	});
}

// ---- Per-item operations.

export type ItemOperation<C> = (
	this: IExecuteFunctions,
	itemIndex: number,
	client: C,
) => Promise<IDataObject[]>;

export type RunOnceOperation = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

export interface ItemRouting<C> {
	/** Resource → operation modules, each with `execute: ItemOperation<C>`. */
	operations: Resources;
	/** Operation modules that run once for the whole input and emit their own items. */
	runOnce?: Resources;
	/** The vendor client, created on the first item that needs it. */
	client(): Promise<C>;
}

export async function routeItems<C>(
	ctx: IExecuteFunctions,
	routing: ItemRouting<C>,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const once = selected<RunOnceOperation>(ctx, routing.runOnce ?? {});
	if (once.handler !== undefined) {
		if (items.length === 0) return [[]];
		try {
			return await once.handler.call(ctx);
		} catch (error) {
			const nodeError = asNodeError(ctx, error, 0);
			if (!ctx.continueOnFail()) throw nodeError;
			return [[errorItem(ctx, nodeError, 0)]];
		}
	}

	const { resource, operation, handler } = selected<ItemOperation<C>>(ctx, routing.operations);
	if (handler === undefined) throw unsupported(ctx, resource, operation);
	const returnData: INodeExecutionData[] = [];
	let client: C | undefined;
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let failure: unknown;
		try {
			client ??= await routing.client();
			const results = await handler.call(ctx, itemIndex, client);
			returnData.push(
				...ctx.helpers.constructExecutionMetaData(ctx.helpers.returnJsonArray(results), {
					itemData: { item: itemIndex },
				}),
			);
		} catch (error) {
			failure = error;
		}
		if (failure === undefined) continue;
		const nodeError = asNodeError(ctx, failure, itemIndex);
		if (!ctx.continueOnFail()) throw nodeError;
		returnData.push(errorItem(ctx, nodeError, itemIndex));
	}
	return [returnData];
}

// ---- Operations without resources that account for their own items (sync, pipeline, privacy).

export type WholeOperation = (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

/**
 * Runs the selected operation of a node without resources. A failure of the whole run (a database
 * that cannot be reached, a table that does not exist) becomes an error item for every input item
 * under "Continue", on the first output (`outputs` in all): thrown, n8n would pass the input items
 * on as if the operation had been done.
 */
export async function routeOperation(
	ctx: IExecuteFunctions,
	operations: Record<string, WholeOperation>,
	options: { outputs: number; code: string },
): Promise<INodeExecutionData[][]> {
	const operation = ctx.getNodeParameter('operation', 0) as string;
	const run = operations[operation];
	if (run === undefined)
		throw new NodeOperationError(ctx.getNode(), `The operation "${operation}" is not supported`);
	const items = ctx.getInputData();
	const empty = () => Array.from({ length: options.outputs }, () => [] as INodeExecutionData[]);
	if (items.length === 0) return empty();
	let failure: NodeApiError | NodeOperationError;
	try {
		return await run.call(ctx);
	} catch (error) {
		failure = asNodeError(ctx, error, 0);
	}
	if (!ctx.continueOnFail()) throw failure;
	const out = empty();
	out[0] = items.map((_, itemIndex) => errorItem(ctx, failure, itemIndex, { code: options.code }));
	return out;
}
