/**
 * The shipped GoHighLevel attendance checker evaluates no n8n expression on its hot paths (a
 * request checked and tagged, a request at fault refused): with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE
 * an execution that evaluates none builds no isolate. Any parameter value starting with `=` is an
 * expression, a node description's default included, so both the workflow file and the defaults
 * n8n fills in for HighLevel Attendance are walked. (n8n's own nodes on those paths, Webhook and
 * Respond to Webhook, are checked in real n8n: test/e2e/webinarjam-attendance.e2e.test.ts.)
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import type {
	INode,
	INodeParameters,
	INodeTypeDescription,
	IVersionedNodeType,
} from 'n8n-workflow';

import { HighLevelAttendance } from '../../nodes/HighLevelAttendance/HighLevelAttendance.node';
import { effectiveParameters as resolved, expressionsIn } from '../harness/workflowExpressions';

interface WorkflowFile {
	nodes: INode[];
	connections: Record<string, { main: Array<Array<{ node: string; index: number }> | null> }>;
}

const workflow = JSON.parse(
	readFileSync(join(__dirname, '../../workflows/ghl-attendance-checker.json'), 'utf8'),
) as WorkflowFile;
const byName = new Map(workflow.nodes.map((n) => [n.name, n]));
const versioned = new HighLevelAttendance() as IVersionedNodeType;
const descriptionOf = (version: number): INodeTypeDescription =>
	versioned.getNodeType(version).description;

const TYPE = 'n8n-nodes-marketing-ops.highLevelAttendance';

/** The expressions below `value`, as `.<path>: <value>` (test/harness/workflowExpressions.ts). */
const expressions = (value: unknown): string[] => expressionsIn(value, '');

/** The parameters n8n runs a node with: the saved ones plus the defaults of those it shows. */
const effectiveParameters = (node: INode): INodeParameters =>
	(resolved({ [TYPE]: versioned }, { ...node, type: TYPE }) ?? {}) as INodeParameters;

/**
 * The nodes a request runs through, from the Webhook, leaving out each node's error output (the
 * last one, when On Error is "Continue (using error output)"): the paths that must stay cheap.
 */
function hotPath(): string[] {
	const seen: string[] = [];
	const visit = (name: string) => {
		if (seen.includes(name)) return;
		seen.push(name);
		const node = byName.get(name)!;
		const outputs = workflow.connections[name]?.main ?? [];
		const last = node.onError === 'continueErrorOutput' ? outputs.length - 1 : outputs.length;
		outputs.slice(0, last).forEach((targets) => (targets ?? []).forEach((t) => visit(t.node)));
	};
	visit('GoHighLevel webhook');
	return seen;
}

describe('the shipped attendance checker evaluates no expression per request', () => {
	it('its hot path is the Webhook, Check and tag, and the two Respond nodes that answer it', () => {
		expect(hotPath()).toEqual([
			'GoHighLevel webhook',
			'Check and tag',
			'Respond with result',
			'Respond to invalid input',
		]);
		// A request at fault is answered 422 by its own Respond node, with the item the node shaped.
		expect(byName.get('Respond to invalid input')!.parameters).toEqual({
			respondWith: 'firstIncomingItem',
			options: { responseCode: 422 },
		});
		expect(byName.get('Respond with result')!.parameters).toEqual({
			respondWith: 'firstIncomingItem',
			options: { responseCode: 200 },
		});
	});

	it('no parameter saved on the hot path is an expression', () => {
		for (const name of hotPath())
			expect([name, expressions(byName.get(name)!.parameters)]).toEqual([name, []]);
	});

	it("Check and tag's defaults, as n8n fills them in, hold no expression either (version 1's would)", () => {
		const node = byName.get('Check and tag')!;
		expect(node.typeVersion).toBe(2);
		const effective = effectiveParameters(node);
		expect(effective.inputMode).toBe('ghlWebhook');
		expect(expressions(effective)).toEqual([]);
		// The same node on version 1 gets the four field expressions: the walk does see defaults.
		const paths = expressions(effectiveParameters({ ...node, typeVersion: 1 })).map((e) =>
			e.slice(1, e.indexOf(':')),
		);
		expect(paths).toEqual(['email', 'contactId', 'webinarId', 'scheduleId']);
	});

	it('the expressions left are on the error output only (401/403 of the URL variant, 503)', () => {
		const offPath = workflow.nodes
			.filter((n) => !hotPath().includes(n.name) && expressions(n.parameters).length > 0)
			.map((n) => n.name);
		expect(offPath).toEqual([
			'Respond with error',
			'Database or HighLevel down?',
			'Raise: attendance check failed',
		]);
		expect(workflow.connections['Check and tag'].main[2]).toEqual([
			{ node: 'Respond with error', type: 'main', index: 0 },
		]);
	});
});

describe('HighLevel Attendance versions', () => {
	it('new nodes get version 2: the GoHighLevel Webhook input and a second output for invalid input', () => {
		expect(versioned.description.defaultVersion).toBe(2);
		const v2 = descriptionOf(2);
		expect(v2.outputs).toHaveLength(2);
		expect(v2.outputNames).toEqual(['Checked', 'Invalid Input']);
		const shown = effectiveParameters({
			id: 'n',
			name: 'n',
			type: 't',
			typeVersion: 2,
			position: [0, 0],
			parameters: { resource: 'attendance', operation: 'checkAndTag' },
		});
		expect(shown.inputMode).toBe('ghlWebhook');
		for (const field of ['email', 'contactId', 'webinarId', 'scheduleId'])
			expect(shown).not.toHaveProperty(field);
		// Field by Field brings the four back, with version 1's defaults.
		const fields = effectiveParameters({
			id: 'n',
			name: 'n',
			type: 't',
			typeVersion: 2,
			position: [0, 0],
			parameters: { resource: 'attendance', operation: 'checkAndTag', inputMode: 'fields' },
		});
		expect(fields.email).toBe('={{ $json.body.email }}');
	});

	it('version 1 is as it shipped: one output, no Input, the field expressions as defaults', () => {
		const v1 = descriptionOf(1);
		expect(v1.version).toBe(1);
		expect(v1.outputs).toHaveLength(1);
		expect(v1.properties.map((p) => p.name)).not.toContain('inputMode');
		const defaults = Object.fromEntries(
			v1.properties
				.filter((p) => (p.displayOptions?.show?.operation ?? []).includes('checkAndTag'))
				.map((p) => [p.name, p.default]),
		);
		expect(defaults).toMatchObject({
			email: '={{ $json.body.email }}',
			contactId: '={{ $json.body.contact_id }}',
			webinarId: '={{ $json.body.customData?.webinar_id ?? $json.body.webinar_id }}',
			scheduleId: '={{ $json.body.customData?.schedule_id ?? $json.body.schedule_id }}',
		});
	});
});
