/**
 * The shipped Luma registration sync evaluates no expression on the way of a valid registration to
 * "Synced to HubSpot": with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true n8n 2.40.7 then builds no
 * expression isolate for the burst of executions a launch email brings. As in
 * bookingExpressions.test.ts, each node's parameters are taken as n8n sees them (the workflow's
 * values plus every default its description shows, through the pinned runtime's getNodeParameters),
 * and the credentials' own `authenticate` is left out because the nodes sign requests themselves
 * (test/unit/authHeaders.test.ts).
 */
import { readFileSync } from 'fs';
import { join } from 'path';

import { AirtableRegistry } from '../../nodes/AirtableRegistry/AirtableRegistry.node';
import { DedupeNormalize } from '../../nodes/DedupeNormalize/DedupeNormalize.node';
import { HubSpotBatch } from '../../nodes/HubSpotBatch/HubSpotBatch.node';
import { LumaTrigger } from '../../nodes/LumaTrigger/LumaTrigger.node';
import type { Flow } from '../harness/workflowExpressions';
import { expressionsOn as expressionsOnNodes, nodeNamed } from '../harness/workflowExpressions';

const ROOT = join(__dirname, '..', '..');

const flow = (): Flow =>
	JSON.parse(readFileSync(join(ROOT, 'workflows/luma-registration-sync.json'), 'utf8'));

const TYPES: Record<string, unknown> = {
	'n8n-nodes-marketing-ops.lumaTrigger': new LumaTrigger(),
	'n8n-nodes-marketing-ops.dedupeNormalize': new DedupeNormalize(),
	'n8n-nodes-marketing-ops.airtableRegistry': new AirtableRegistry(),
	'n8n-nodes-marketing-ops.hubSpotBatch': new HubSpotBatch(),
};

const expressionsOn = (f: Flow, names: string[]) => expressionsOnNodes(TYPES, f, names);

/** A valid registration's way: Dedupe's Valid output, then every node's success output. */
function syncedPath(f: Flow): string[] {
	const names = ['Luma Trigger', 'Dedupe & Normalize'];
	let targets = f.connections['Dedupe & Normalize']?.main?.[0] ?? [];
	while (targets.length > 0) {
		expect(targets).toHaveLength(1);
		names.push(targets[0].node);
		targets = f.connections[targets[0].node]?.main?.[0] ?? [];
	}
	return names;
}

describe('the Luma registration sync evaluates no expression for a valid registration', () => {
	const shipped = flow();
	const path = syncedPath(shipped);

	it('the path is the one a registration takes, and every Airtable and HubSpot node on it combines', () => {
		expect(path).toEqual([
			'Luma Trigger',
			'Dedupe & Normalize',
			'Airtable: Find or Create Event',
			'Airtable: Upsert Registration',
			'HubSpot: Upsert Contact',
			'Dedupe: Confirm Processed',
			'HubSpot: Add to Event List',
			'Airtable: Mark Synced',
		]);
		for (const name of path.filter((n) => /^(Airtable|HubSpot):/.test(n)))
			expect([
				name,
				(nodeNamed(shipped, name).parameters.options as { combineWithinMs?: number } | undefined)
					?.combineWithinMs,
			]).toEqual([name, expect.any(Number)]);
	});

	it('no parameter on the path, set or filled in from a default, starts with "="', () => {
		expect(expressionsOn(shipped, path)).toEqual([]);
	});

	it('the check finds what the previous flow had: field expressions and a list name built with one', () => {
		const copy = flow();
		Object.assign(nodeNamed(copy, 'Airtable: Find or Create Event').parameters, {
			inputMode: 'defineBelow',
		});
		Object.assign(nodeNamed(copy, 'HubSpot: Add to Event List').parameters, { listBy: 'name' });
		const found = expressionsOn(copy, path);
		expect(found.some((e) => e.startsWith('Airtable: Find or Create Event.lumaEventId: ='))).toBe(
			true,
		);
		expect(found.some((e) => e.startsWith('HubSpot: Add to Event List.listName: ='))).toBe(true);
	});
});
