/**
 * The shipped booking webhook evaluates no expression on its way to the 201 or to a 400: n8n 2.40.7
 * then builds no expression isolate for the request (with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true),
 * which is most of what a webhook execution costs. Any parameter value starting with "=" is an
 * expression, and so is a node description's default that n8n fills in for a parameter left unset,
 * so each node's parameters are taken as n8n 2.40.7 sees them: the workflow's values plus the
 * defaults of every parameter its description shows for them (n8n-workflow's getNodeParameters, from
 * the pinned runtime, with the built-in nodes' own descriptions). The webhook phase is checked with
 * the same functions n8n uses to decide whether it needs an isolate before the first node runs.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { HubSpotBatch } from '../../nodes/HubSpotBatch/HubSpotBatch.node';
import { HubSpotQueue } from '../../nodes/HubSpotQueue/HubSpotQueue.node';
import type { Flow } from '../harness/workflowExpressions';
import {
	RUNTIME_MODULES,
	descriptionOf as descriptionIn,
	expressionsOn as expressionsOnNodes,
	n8nWorkflow,
	nodeNamed,
} from '../harness/workflowExpressions';

const ROOT = join(__dirname, '..', '..');

function flow(): Flow {
	return JSON.parse(readFileSync(join(ROOT, 'workflows/hubspot-booking-create.json'), 'utf8'));
}

/** A built-in node's class from the runtime, e.g. builtIn('Set/Set.node.js', 'Set'). */
function builtIn(file: string, name: string): unknown {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const module = require(join(RUNTIME_MODULES, 'n8n-nodes-base/dist/nodes', file));
	return new module[name]();
}

const TYPES: Record<string, unknown> = {
	'n8n-nodes-base.webhook': builtIn('Webhook/Webhook.node.js', 'Webhook'),
	'n8n-nodes-base.set': builtIn('Set/Set.node.js', 'Set'),
	'n8n-nodes-base.respondToWebhook': builtIn(
		'RespondToWebhook/RespondToWebhook.node.js',
		'RespondToWebhook',
	),
	'n8n-nodes-base.stopAndError': builtIn('StopAndError/StopAndError.node.js', 'StopAndError'),
	'n8n-nodes-marketing-ops.hubSpotBatch': new HubSpotBatch(),
	'n8n-nodes-marketing-ops.hubSpotQueue': new HubSpotQueue(),
};

const descriptionOf = (node: Parameters<typeof descriptionIn>[1]) => descriptionIn(TYPES, node);

/** The nodes an execution runs from `from`'s output `output` on, following output 0 of each next node. */
function pathFrom(f: Flow, from: string, output: number): string[] {
	const names: string[] = [];
	let targets = f.connections[from]?.main?.[output] ?? [];
	while (targets.length > 0) {
		expect(targets).toHaveLength(1);
		const name = targets[0].node;
		names.push(name);
		targets = f.connections[name]?.main?.[0] ?? [];
	}
	return names;
}

const expressionsOn = (f: Flow, names: string[]) => expressionsOnNodes(TYPES, f, names);

describe('the booking webhook evaluates no expression on the way to a 201 or a 400', () => {
	const shipped = flow();
	const happy = ['Booking webhook', ...pathFrom(shipped, 'Booking webhook', 0)];
	const refused = pathFrom(shipped, 'Valid booking?', 1);

	it('the paths are the ones a booking takes: checked, queue pinged, created, its associations and note queued, answered', () => {
		expect(happy).toEqual([
			'Booking webhook',
			'Valid booking?',
			'Queue reachable?',
			'HubSpot: Create Booking',
			'Queue: booking → contact, exam',
			'Queue: timeline note',
			'Booking reply',
			'Respond 201',
		]);
		expect(refused).toEqual(['Refusal reply', 'Respond 400']);
		expect(nodeNamed(shipped, 'Respond 201').parameters).toEqual({
			respondWith: 'firstIncomingItem',
			options: { responseCode: 201 },
		});
		expect(nodeNamed(shipped, 'Respond 400').parameters).toEqual({
			respondWith: 'firstIncomingItem',
			options: { responseCode: 400 },
		});
	});

	it('no parameter value on either path, set or filled in from a default, starts with "="', () => {
		expect(expressionsOn(shipped, [...happy, ...refused])).toEqual([]);
	});

	it("the webhook phase needs no isolate: n8n's own checks find the Webhook node's parameters static", () => {
		const hook = nodeNamed(shipped, 'Booking webhook');
		expect(hook.typeVersion).toBeGreaterThan(1);
		expect(n8nWorkflow.nodeParametersAreStatic(hook)).toBe(true);
		const webhooks = descriptionOf(hook).webhooks ?? [];
		expect(webhooks.length).toBeGreaterThan(0);
		expect(webhooks.every(n8nWorkflow.webhookDescriptionIsNativelyResolvable)).toBe(true);
	});

	it('the check fails on a set expression and on an expression default a node would use (the previous booking flow had both)', () => {
		const copy = flow();
		// A Respond that builds its body with JSON.stringify, as the 201 did before.
		Object.assign(nodeNamed(copy, 'Respond 201').parameters, {
			respondWith: 'json',
			responseBody: '={{ JSON.stringify({ booking_id: $json.booking_id }) }}',
		});
		// An enqueue that takes its IDs from parameters and leaves From Record ID at its default.
		const queue = nodeNamed(copy, 'Queue: booking → contact, exam');
		queue.parameters = { ...queue.parameters, source: 'parameters', toId: '1' };
		delete queue.parameters.fromId;
		expect(expressionsOn(copy, happy)).toEqual([
			'Queue: booking → contact, exam.fromId: ={{ $json.hubspot_id }}',
			'Respond 201.responseBody: ={{ JSON.stringify({ booking_id: $json.booking_id }) }}',
		]);
		// A failure path may keep its expressions: it runs only when something went wrong.
		expect(expressionsOn(shipped, ['Raise: deal may exist']).length).toBeGreaterThan(0);
	});
});
