/**
 * What a user edits in a shipped workflow after import, for tests of real n8n: the base of every
 * Airtable Registry node, set as picking it From List stores it. Nothing else changes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';

interface WorkflowFile {
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
}

const AIRTABLE_REGISTRY = 'n8n-nodes-marketing-ops.airtableRegistry';

/** A copy of `workflowFile` whose Airtable Registry nodes use the base `id` (named `name`). */
export function withAirtableBase(workflowFile: string, base: { id: string; name: string }): string {
	const wf = JSON.parse(readFileSync(workflowFile, 'utf8')) as WorkflowFile;
	for (const node of wf.nodes) {
		if (node.type !== AIRTABLE_REGISTRY) continue;
		node.parameters.base = {
			__rl: true,
			mode: 'list',
			value: base.id,
			cachedResultName: base.name,
			cachedResultUrl: `https://airtable.com/${base.id}`,
		};
	}
	const file = join(mkdtempSync(join(tmpdir(), 'airtable-base-')), basename(workflowFile));
	writeFileSync(file, JSON.stringify(wf));
	return file;
}
