/**
 * Per-item parameter reads that evaluate an expression once per execution when it cannot depend on the item.
 *
 * Why: n8n 2.x evaluates expressions in an isolate (N8N_EXPRESSION_ENGINE=vm, the default), at roughly
 * 0.4 ms per evaluation on a small machine. A node reading 4 per-item parameters over 1,000 items spends
 * 1.6 s on them, although `{{ $('Form').first().json['Event name'] }}` gives the same value for every item.
 * Plain values, and expressions that mention no per-item data (`$json`, `$binary`, `.item`,
 * `$itemIndex`, …), are read for the first item asked and reused; anything else is evaluated per item
 * as n8n would.
 */
import type { IExecuteFunctions, INodeParameters, NodeParameterValueType } from 'n8n-workflow';

/**
 * Any of these makes an expression item-dependent. Conservative: `$items`, `$node` and `$data` are
 * n8n's older per-item accessors, `pairedItem`/`itemMatching` walk the item's lineage.
 */
const PER_ITEM =
	/\$json|\$binary|\$item|\.item\b|\$node\b|\$data\b|\$position|pairedItem|itemMatching|\$parameter|\$self/;

/** True for an expression string whose value cannot change from one item to the next. */
export function isItemIndependentExpression(raw: unknown): boolean {
	return typeof raw === 'string' && raw.startsWith('=') && !PER_ITEM.test(raw);
}

/**
 * True for a parameter value (as stored, expressions unevaluated) that is the same for every item:
 * a plain value, or a collection whose expressions all cannot depend on the item. `undefined` (not
 * stored) is not known to be either.
 */
export function isSameForEveryItem(raw: unknown): boolean {
	if (raw === undefined) return false;
	if (typeof raw === 'string') return !raw.startsWith('=') || isItemIndependentExpression(raw);
	if (Array.isArray(raw)) return raw.every((value) => value !== undefined && isSameForEveryItem(value));
	if (raw !== null && typeof raw === 'object')
		return Object.values(raw).every((value) => value === undefined || isSameForEveryItem(value));
	return true;
}

function rawParameter(parameters: INodeParameters, path: string): unknown {
	let value: unknown = parameters;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[key];
	}
	return value;
}

export class ParameterReader {
	private readonly once = new Map<string, { value: NodeParameterValueType | object }>();

	private readonly parameters: INodeParameters;

	constructor(private readonly ctx: IExecuteFunctions) {
		this.parameters = ctx.getNode().parameters;
	}

	/**
	 * `ctx.getNodeParameter(name, itemIndex, fallback)`, read once if it cannot depend on the item
	 * (a plain value, or expressions that read no item data).
	 */
	get<T = NodeParameterValueType | object>(name: string, itemIndex: number, fallback?: T): T {
		const cached = this.once.get(name);
		if (cached !== undefined) return cached.value as T;
		const value = this.ctx.getNodeParameter(name, itemIndex, fallback) as T;
		if (isSameForEveryItem(rawParameter(this.parameters, name)))
			this.once.set(name, { value: value as NodeParameterValueType | object });
		return value;
	}
}
