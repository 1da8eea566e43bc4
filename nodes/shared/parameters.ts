/**
 * Per-item parameter reads that evaluate an expression once per execution when it cannot depend on the item.
 *
 * Why: n8n 2.x evaluates expressions in an isolate (N8N_EXPRESSION_ENGINE=vm, the default), at roughly
 * 0.4 ms per evaluation on a small machine. A node reading 4 per-item parameters over 1,000 items spends
 * 1.6 s on them, although `{{ $('Form').first().json['Event name'] }}` gives the same value for every item.
 * Expressions that mention no per-item data (`$json`, `$binary`, `.item`, `$itemIndex`, …) are evaluated
 * for the first item asked and reused; anything else is evaluated per item as n8n would.
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

	/** `ctx.getNodeParameter(name, itemIndex, fallback)`, evaluated once if it cannot depend on the item. */
	get<T = NodeParameterValueType | object>(name: string, itemIndex: number, fallback?: T): T {
		const cached = this.once.get(name);
		if (cached !== undefined) return cached.value as T;
		const value = this.ctx.getNodeParameter(name, itemIndex, fallback) as T;
		if (isItemIndependentExpression(rawParameter(this.parameters, name)))
			this.once.set(name, { value: value as NodeParameterValueType | object });
		return value;
	}
}
