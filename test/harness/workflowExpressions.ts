/**
 * Finds the expressions a shipped workflow's nodes would evaluate, as n8n 2.40.7 sees their
 * parameters: the workflow's values plus the defaults of every parameter the node's description
 * shows for them (n8n-workflow's getNodeParameters from the pinned runtime). Any value starting
 * with "=" is an expression; with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true one of them is enough to
 * make n8n build an expression isolate for the execution.
 */
import { join, resolve } from 'path';

import type { INode, INodeTypeDescription, IWorkflowBase } from 'n8n-workflow';

import { runtime } from '../e2e/harness/n8n';

/** The pinned runtime's node_modules: n8n's own n8n-workflow and built-in nodes. */
export const RUNTIME_MODULES = resolve(runtime().n8n, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const n8nWorkflow = require(
	join(RUNTIME_MODULES, 'n8n-workflow'),
) as typeof import('n8n-workflow');

export type Flow = Pick<IWorkflowBase, 'nodes' | 'connections'>;

/** Node types by name: a class instance (plain or versioned) per `node.type`. */
export type NodeTypes = Record<string, unknown>;

export function descriptionOf(types: NodeTypes, node: INode): INodeTypeDescription {
	const type = types[node.type] as
		| { nodeVersions?: Record<number, { description: INodeTypeDescription }> }
		| { description: INodeTypeDescription };
	if (type === undefined) throw new Error(`no description loaded for ${node.type}`);
	if ('nodeVersions' in type && type.nodeVersions) {
		const version = type.nodeVersions[node.typeVersion];
		if (version === undefined) throw new Error(`${node.type} has no version ${node.typeVersion}`);
		return version.description;
	}
	return (type as { description: INodeTypeDescription }).description;
}

/** The node's parameters as n8n runs them: its values plus the defaults of what they show. */
export function effectiveParameters(types: NodeTypes, node: INode): unknown {
	const description = descriptionOf(types, node);
	return n8nWorkflow.NodeHelpers.getNodeParameters(
		description.properties,
		node.parameters,
		true,
		false,
		node,
		description,
	);
}

/** Every string in `value` that n8n would evaluate as an expression, with where it is. */
export function expressionsIn(value: unknown, at: string): string[] {
	if (typeof value === 'string') return value.startsWith('=') ? [`${at}: ${value}`] : [];
	if (Array.isArray(value)) return value.flatMap((v, i) => expressionsIn(v, `${at}[${i}]`));
	if (value !== null && typeof value === 'object')
		return Object.entries(value).flatMap(([k, v]) => expressionsIn(v, `${at}.${k}`));
	return [];
}

export function nodeNamed(f: Flow, name: string): INode {
	const node = f.nodes.find((n) => n.name === name);
	if (node === undefined) throw new Error(`no node named ${name}`);
	return node;
}

/** The expressions the named nodes would evaluate, as `<node>.<parameter path>: <value>`. */
export function expressionsOn(types: NodeTypes, f: Flow, names: string[]): string[] {
	return names.flatMap((name) =>
		expressionsIn(effectiveParameters(types, nodeNamed(f, name)), name),
	);
}
