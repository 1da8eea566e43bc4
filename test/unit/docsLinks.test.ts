// The docs a stranger follows: every relative link in README.md and docs/ leads somewhere (file and heading),
// every docs page is reachable from the README, the README fits on a screen or two, and no internal jargon leaks.
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';

const ROOT = resolve(__dirname, '..', '..');
const README = join(ROOT, 'README.md');
const README_MAX_BYTES = 12 * 1024;

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

const docFiles = filesUnder(join(ROOT, 'docs'));
const markdownFiles = [README, join(ROOT, 'CHANGELOG.md'), ...docFiles.filter((f) => f.endsWith('.md'))];

/** Drops fenced and inline code, where brackets are not links. */
export function withoutCode(markdown: string): string {
	return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links and images, `[text](target)` and `![alt](target "title")`. */
export function linkTargets(markdown: string): string[] {
	const targets: string[] = [];
	const pattern = /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
	for (const match of withoutCode(markdown).matchAll(pattern)) targets.push(match[1]);
	return targets;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
	for (const match of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
		const plain = match[1]
			.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
			.replace(/<[^>]+>/g, '')
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\s_-]/gu, '')
			.replace(/ /g, '-');
		const count = seen.get(plain) ?? 0;
		seen.set(plain, count + 1);
		anchors.add(count === 0 ? plain : `${plain}-${count}`);
	}
	return anchors;
}

/** Every broken relative link in one file, as "file: target (reason)". */
export function brokenLinks(file: string, markdown: string): string[] {
	const broken: string[] = [];
	for (const target of linkTargets(markdown)) {
		if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
		const [pathPart, anchor] = target.split('#', 2);
		const path = pathPart ? resolve(dirname(file), decodeURI(pathPart)) : file;
		const where = `${relative(ROOT, file)}: ${target}`;
		if (!existsSync(path)) {
			broken.push(`${where} (no such file)`);
			continue;
		}
		if (anchor !== undefined && path.endsWith('.md')) {
			if (!headingAnchors(readFileSync(path, 'utf8')).has(decodeURI(anchor))) broken.push(`${where} (no such heading)`);
		}
	}
	return broken;
}

describe('link checker', () => {
	const dir = join(ROOT, 'docs');
	const page = join(dir, 'page.md');

	it('finds links and images, not code', () => {
		const md = '[a](x.md) ![b](img/y.svg "t") `[c](z.md)`\n```\n[d](w.md)\n```\n[e](https://n8n.io) [f](#g)';
		expect(linkTargets(md)).toEqual(['x.md', 'img/y.svg', 'https://n8n.io', '#g']);
	});

	it('reports a missing file and a missing heading, and accepts existing ones', () => {
		const md = '[ok](../README.md#n8n-nodes-marketing-ops) [gone](nodes/nope.md) [bad](../README.md#no-such-part)';
		expect(brokenLinks(page, md)).toEqual([
			'docs/page.md: nodes/nope.md (no such file)',
			'docs/page.md: ../README.md#no-such-part (no such heading)',
		]);
	});

	it("makes GitHub's anchors", () => {
		const md = '# Luma Trigger\n## `npm run bench:csv`\n## Dedupe & Normalize\n## Setup\n## Setup\n';
		expect([...headingAnchors(md)]).toEqual([
			'luma-trigger',
			'npm-run-benchcsv',
			'dedupe--normalize',
			'setup',
			'setup-1',
		]);
	});
});

describe('README and docs', () => {
	const readme = readFileSync(README, 'utf8');

	it(`README.md is at most ${README_MAX_BYTES} bytes`, () => {
		expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(README_MAX_BYTES);
	});

	it('every relative link resolves to a file and, for a page, to a heading', () => {
		const broken = markdownFiles.filter(existsSync).flatMap((f) => brokenLinks(f, readFileSync(f, 'utf8')));
		expect(broken).toEqual([]);
	});

	it('every docs page is linked from the README', () => {
		const linked = new Set(linkTargets(readme).map((t) => resolve(ROOT, t.split('#')[0])));
		const pages = docFiles.filter((f) => f.endsWith('.md'));
		expect(pages.length).toBeGreaterThan(20);
		expect(pages.filter((p) => !linked.has(p)).map((p) => relative(ROOT, p))).toEqual([]);
	});

	it('every workflow page shows its canvas', () => {
		const workflows = readdirSync(join(ROOT, 'workflows')).filter((f) => f.endsWith('.json') && !f.startsWith('credentials'));
		const missing = workflows.filter((f) => {
			const name = f.replace(/\.json$/, '');
			const page = join(ROOT, 'docs', 'workflows', `${name}.md`);
			return !existsSync(page) || !linkTargets(readFileSync(page, 'utf8')).includes(`img/${name}.svg`);
		});
		expect(missing).toEqual([]);
	});

	it('no page says "seed" (the design documents are internal)', () => {
		const files = [README, join(ROOT, 'CHANGELOG.md'), ...docFiles].filter(existsSync);
		const hits = files.flatMap((f) =>
			readFileSync(f, 'utf8')
				.split('\n')
				.map((line, i) => (/seed/i.test(line) ? `${relative(ROOT, f)}:${i + 1}` : ''))
				.filter(Boolean),
		);
		expect(hits).toEqual([]);
	});
});
