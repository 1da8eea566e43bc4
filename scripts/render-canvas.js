#!/usr/bin/env node
// npm run docs:canvas: draws each shipped workflow's canvas (node positions, names, types, connections) as
// docs/workflows/img/<workflow>.svg, so the docs show what the editor shows after import.
//   node scripts/render-canvas.js            write every SVG
//   node scripts/render-canvas.js --check    write nothing; exit 1 when an SVG is missing or out of date
// Sticky notes are drawn as boxes without their text: the workflow pages say what they hold.
'use strict';
const fs = require('fs');
const { basename, join, resolve } = require('path');

const ROOT = resolve(__dirname, '..');
const WORKFLOWS = join(ROOT, 'workflows');
const OUT = join(ROOT, 'docs', 'workflows', 'img');

const NODE = 100; // n8n's default node size
const PAD = 60;
const LABEL_LINES = 3;
const CHAR_W = 6.6; // 12px sans-serif, average
const LABEL_W = 150;

// Short badge text and colour per node type, so a reader can tell the vendors apart without icons.
const BADGES = [
	[/\.lumaTrigger$/, 'Luma', '#b0399d'],
	[/\.luma$/, 'Luma', '#b0399d'],
	[/\.dedupeNormalize$/, 'Dedupe', '#4a6cf7'],
	[/\.hubSpotBatch$/, 'HubSpot', '#ff7a59'],
	[/\.hubSpotQueue$/, 'HS Queue', '#ff7a59'],
	[/\.hubSpotRecordSync$/, 'HS Sync', '#ff7a59'],
	[/\.hubSpotSignedTrigger$/, 'HubSpot', '#ff7a59'],
	[/\.airtableRegistry$/, 'Airtable', '#18bfff'],
	[/\.webinarJam$/, 'WebinarJam', '#1e88e5'],
	[/\.highLevelAttendance$/, 'HighLevel', '#188bf6'],
	[/\.pipelineTrigger$/, 'Pipeline', '#b8620f'],
	[/\.pipelineEvent$/, 'Pipeline', '#b8620f'],
	[/\.privacy$/, 'Privacy', '#5b6770'],
	[/\.postgres$/, 'Postgres', '#336791'],
	[/\.httpRequest$/, 'HTTP', '#0a7bbf'],
	[/\.slack$/, 'Slack', '#4a154b'],
	[/\.webhook$/, 'Webhook', '#ff6d5a'],
	[/\.formTrigger$/, 'Form', '#ff6d5a'],
	[/\.form$/, 'Form', '#ff6d5a'],
	[/\.respondToWebhook$/, 'Respond', '#7d7d87'],
	[/\.if$/, 'If', '#408000'],
	[/\.switch$/, 'Switch', '#408000'],
	[/\.filter$/, 'Filter', '#408000'],
	[/\.merge$/, 'Merge', '#00bbce'],
	[/\.code$/, 'Code', '#ff9922'],
	[/\.set$/, 'Edit', '#0000ff'],
	[/\.extractFromFile$/, 'Extract', '#7d7d87'],
	[/\.scheduleTrigger$/, 'Schedule', '#31c49f'],
	[/\.manualTrigger$/, 'Manual', '#909298'],
	[/\.errorTrigger$/, 'Error', '#ff0000'],
	[/\.stopAndError$/, 'Stop', '#ff0000'],
	[/\.noOp$/, 'No-op', '#7d7d87'],
];

function badgeOf(type) {
	for (const [pattern, text, colour] of BADGES) if (pattern.test(type)) return { text, colour };
	const short = type.split('.').pop() || type;
	return { text: short.slice(0, 10), colour: '#7d7d87' };
}

function isTrigger(node) {
	return /trigger$/i.test(node.type) || /\.webhook$/.test(node.type);
}

// Output names as the editor labels them, where the node has several. With "On Error › Continue (using error
// output)" the last connected output is the error one.
function outputLabels(node, connectedCount) {
	const p = node.parameters || {};
	const errorOutput = node.onError === 'continueErrorOutput';
	let labels = [];
	if (/\.if$/.test(node.type)) labels = ['true', 'false'];
	else if (/\.dedupeNormalize$/.test(node.type)) {
		const op = p.operation;
		if (!op || op === 'normalizeAndDedupe' || op === 'normalize') labels = ['Valid', 'Duplicate', 'Invalid'];
	}
	const regular = Math.max(labels.length, 1, connectedCount - (errorOutput ? 1 : 0));
	while (labels.length < regular) labels.push('');
	if (errorOutput) {
		if (labels.length === 1) labels[0] = 'success';
		labels.push('error');
	}
	return labels;
}

function esc(text) {
	return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function wrap(text, width) {
	const max = Math.max(4, Math.floor(width / CHAR_W));
	const lines = [];
	let line = '';
	for (const word of String(text).split(/\s+/)) {
		if (!line) line = word;
		else if ((line + ' ' + word).length <= max) line += ' ' + word;
		else {
			lines.push(line);
			line = word;
		}
	}
	if (line) lines.push(line);
	if (lines.length > LABEL_LINES) {
		lines.length = LABEL_LINES;
		lines[LABEL_LINES - 1] = lines[LABEL_LINES - 1].slice(0, max - 1) + '…';
	}
	return lines;
}

const r = (n) => Math.round(n * 10) / 10;

function render(workflow, fileName) {
	const nodes = workflow.nodes || [];
	const stickies = nodes.filter((n) => /\.stickyNote$/.test(n.type));
	const regular = nodes.filter((n) => !/\.stickyNote$/.test(n.type));
	const byName = new Map(regular.map((n) => [n.name, n]));
	const connections = workflow.connections || {};

	// Outputs per node (connected or known) and inputs per node (highest index connected into it).
	const inputs = new Map();
	const outputs = new Map();
	for (const node of regular) {
		const main = (connections[node.name] && connections[node.name].main) || [];
		outputs.set(node.name, outputLabels(node, main.length));
		for (const targets of main) for (const t of targets || []) {
			inputs.set(t.node, Math.max(inputs.get(t.node) || 1, (t.index || 0) + 1));
		}
	}

	let minX = Infinity;
	let minY = Infinity;
	let maxX = -Infinity;
	let maxY = -Infinity;
	const grow = (x1, y1, x2, y2) => {
		minX = Math.min(minX, x1);
		minY = Math.min(minY, y1);
		maxX = Math.max(maxX, x2);
		maxY = Math.max(maxY, y2);
	};
	for (const s of stickies) {
		const [x, y] = s.position;
		grow(x, y, x + (s.parameters.width || 240), y + (s.parameters.height || 160));
	}
	for (const n of regular) {
		const [x, y] = n.position;
		grow(x - (LABEL_W - NODE) / 2, y, x + NODE + (LABEL_W - NODE) / 2 + 40, y + NODE + 16 + LABEL_LINES * 15);
	}
	if (!Number.isFinite(minX)) grow(0, 0, 200, 100);
	const ox = PAD - minX;
	const oy = PAD + 24 - minY;
	const width = Math.ceil(maxX - minX + 2 * PAD);
	const height = Math.ceil(maxY - minY + 2 * PAD + 24);

	const portY = (node, index, count) => node.position[1] + oy + (NODE * (index + 1)) / (count + 1);
	const parts = [];
	parts.push(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
		`<title>${esc(fileName)}: the workflow's canvas</title>`,
		`<rect width="${width}" height="${height}" fill="#f5f5f8"/>`,
		`<text x="${PAD}" y="${PAD - 14}" font-size="14" font-weight="bold" fill="#555">${esc(fileName)}</text>`,
		'<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8c8c96"/></marker></defs>',
	);

	for (const s of stickies) {
		const x = s.position[0] + ox;
		const y = s.position[1] + oy;
		const w = s.parameters.width || 240;
		const h = s.parameters.height || 160;
		parts.push(`<rect x="${r(x)}" y="${r(y)}" width="${w}" height="${h}" rx="8" fill="#fff8e1" stroke="#f3e3ad"/>`);
		parts.push(`<text x="${r(x + 12)}" y="${r(y + 22)}" font-size="12" fill="#a08a4a">note</text>`);
	}

	for (const [from, conn] of Object.entries(connections)) {
		const source = byName.get(from);
		if (!source) continue;
		const main = conn.main || [];
		const count = outputs.get(from).length;
		main.forEach((targets, outIndex) => {
			for (const t of targets || []) {
				const target = byName.get(t.node);
				if (!target) continue;
				const x1 = source.position[0] + ox + NODE;
				const y1 = portY(source, outIndex, count);
				const x2 = target.position[0] + ox;
				const y2 = portY(target, t.index || 0, inputs.get(t.node) || 1);
				const error = outputs.get(from)[outIndex] === 'error';
				let d;
				if (x2 > x1 + 20) {
					const dx = Math.max(40, (x2 - x1) / 2);
					d = `M${r(x1)},${r(y1)} C${r(x1 + dx)},${r(y1)} ${r(x2 - dx)},${r(y2)} ${r(x2)},${r(y2)}`;
				} else {
					// Backwards or stacked: go round below both nodes, as the editor does.
					const below = Math.max(source.position[1], target.position[1]) + oy + NODE + 60;
					d = `M${r(x1)},${r(y1)} C${r(x1 + 60)},${r(y1)} ${r(x1 + 60)},${r(below)} ${r(x1)},${r(below)} L${r(x2)},${r(below)} C${r(x2 - 60)},${r(below)} ${r(x2 - 60)},${r(y2)} ${r(x2)},${r(y2)}`;
				}
				parts.push(
					`<path d="${d}" fill="none" stroke="${error ? '#e0565b' : '#8c8c96'}" stroke-width="2" marker-end="url(#arrow)"/>`,
				);
			}
		});
	}

	for (const node of regular) {
		const x = node.position[0] + ox;
		const y = node.position[1] + oy;
		const { text, colour } = badgeOf(node.type);
		const opacity = node.disabled ? ' opacity="0.45"' : '';
		parts.push(`<g${opacity}>`);
		if (isTrigger(node)) {
			const rl = 36;
			const rr = 8;
			parts.push(
				`<path d="M${r(x + rl)},${r(y)} H${r(x + NODE - rr)} Q${r(x + NODE)},${r(y)} ${r(x + NODE)},${r(y + rr)} V${r(y + NODE - rr)} Q${r(x + NODE)},${r(y + NODE)} ${r(x + NODE - rr)},${r(y + NODE)} H${r(x + rl)} A${rl},${rl} 0 0 1 ${r(x)},${r(y + NODE - rl)} V${r(y + rl)} A${rl},${rl} 0 0 1 ${r(x + rl)},${r(y)} Z" fill="#fff" stroke="${colour}" stroke-width="2"/>`,
			);
		} else {
			parts.push(
				`<rect x="${r(x)}" y="${r(y)}" width="${NODE}" height="${NODE}" rx="8" fill="#fff" stroke="${colour}" stroke-width="2"/>`,
			);
		}
		parts.push(
			`<text x="${r(x + NODE / 2)}" y="${r(y + NODE / 2 + 5)}" font-size="13" font-weight="bold" text-anchor="middle" fill="${colour}">${esc(text)}</text>`,
		);
		const inCount = isTrigger(node) ? 0 : inputs.get(node.name) || 1;
		for (let i = 0; i < inCount; i++) {
			parts.push(`<circle cx="${r(x)}" cy="${r(portY(node, i, inCount))}" r="4" fill="#8c8c96"/>`);
		}
		const labels = outputs.get(node.name);
		labels.forEach((label, i) => {
			const py = portY(node, i, labels.length);
			const fill = label === 'error' ? '#e0565b' : '#8c8c96';
			parts.push(`<circle cx="${r(x + NODE)}" cy="${r(py)}" r="4" fill="${fill}"/>`);
			if (label) {
				parts.push(
					`<text x="${r(x + NODE + 7)}" y="${r(py - 5)}" font-size="10" fill="${label === 'error' ? '#e0565b' : '#666'}">${esc(label)}</text>`,
				);
			}
		});
		wrap(node.name, LABEL_W).forEach((line, i) => {
			parts.push(
				`<text x="${r(x + NODE / 2)}" y="${r(y + NODE + 18 + i * 15)}" font-size="12" text-anchor="middle" fill="#333">${esc(line)}</text>`,
			);
		});
		parts.push('</g>');
	}
	parts.push('</svg>');
	return parts.join('\n') + '\n';
}

function workflowFiles() {
	return fs
		.readdirSync(WORKFLOWS)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.filter((f) => {
			const json = JSON.parse(fs.readFileSync(join(WORKFLOWS, f), 'utf8'));
			return json && Array.isArray(json.nodes);
		});
}

function main() {
	const check = process.argv.includes('--check');
	const stale = [];
	if (!check) fs.mkdirSync(OUT, { recursive: true });
	for (const file of workflowFiles()) {
		const workflow = JSON.parse(fs.readFileSync(join(WORKFLOWS, file), 'utf8'));
		const svg = render(workflow, file);
		const target = join(OUT, basename(file, '.json') + '.svg');
		if (check) {
			const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
			if (current !== svg) stale.push(target);
		} else {
			fs.writeFileSync(target, svg);
			console.log(`wrote ${target.slice(ROOT.length + 1)}`);
		}
	}
	if (check && stale.length) {
		console.error(`out of date (run npm run docs:canvas):\n  ${stale.map((s) => s.slice(ROOT.length + 1)).join('\n  ')}`);
		process.exitCode = 1;
	}
}

if (require.main === module) main();
module.exports = { render };
