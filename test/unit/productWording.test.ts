/**
 * Every node and credential the package ships, in every version: no user-visible string says
 * "seed" (the design documents are internal). Parameter and option *names* are stored in users'
 * workflows and stay as they are; only what the editor shows is checked.
 */
import { readdirSync } from 'fs';
import { join } from 'path';

import type { ICredentialType, INodeType, IVersionedNodeType } from 'n8n-workflow';

const ROOT = join(__dirname, '../..');

/** Every string in a description except the values of keys that are identifiers, not text. */
function visibleTexts(value: unknown, key = '', out: string[] = []): string[] {
	if (typeof value === 'string') {
		if (!['name', 'value', 'loadOptionsMethod', 'searchListMethod'].includes(key)) out.push(value);
	} else if (Array.isArray(value)) {
		for (const v of value) visibleTexts(v, key, out);
	} else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) visibleTexts(v, k, out);
	}
	return out;
}

function exportedClasses(file: string): Array<new () => unknown> {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(file) as Record<string, unknown>;
	return Object.values(mod).filter((v): v is new () => unknown => typeof v === 'function' && /^class /.test(String(v)));
}

const nodeFiles = readdirSync(join(ROOT, 'nodes'))
	.map((dir) => join(ROOT, 'nodes', dir, `${dir}.node.ts`))
	.filter((file) => {
		try {
			require.resolve(file);
			return true;
		} catch {
			return false;
		}
	});
const credentialFiles = readdirSync(join(ROOT, 'credentials'))
	.filter((f) => f.endsWith('.credentials.ts'))
	.map((f) => join(ROOT, 'credentials', f));

describe('the words the editor shows', () => {
	it('finds every node and credential', () => {
		expect(nodeFiles).toHaveLength(13);
		expect(credentialFiles).toHaveLength(6);
	});

	it.each(nodeFiles.map((f) => [f.slice(ROOT.length + 1), f]))('%s: no "seed" in any version', (_, file) => {
		for (const Node of exportedClasses(file)) {
			const node = new Node() as INodeType | IVersionedNodeType;
			const descriptions =
				'nodeVersions' in node
					? [node.description, ...Object.values(node.nodeVersions).map((v) => v.description)]
					: [node.description];
			expect(descriptions.length).toBeGreaterThan(0);
			const texts = descriptions.flatMap((d) => visibleTexts(d));
			expect(texts.length).toBeGreaterThan(10);
			expect(texts.filter((t) => /seed/i.test(t))).toEqual([]);
		}
	});

	it.each(credentialFiles.map((f) => [f.slice(ROOT.length + 1), f]))('%s: no "seed"', (_, file) => {
		const [Credential] = exportedClasses(file);
		const credential = new Credential() as ICredentialType;
		const texts = visibleTexts({ ...credential, name: undefined });
		expect(texts.length).toBeGreaterThan(2);
		expect(texts.filter((t) => /seed/i.test(t))).toEqual([]);
	});
});
