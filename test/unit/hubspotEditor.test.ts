/**
 * What a user sees of HubSpot Batch in the editor and in the shipped workflows: the product's own
 * words, the safest rate by default, the pickers, the documentation link, and the workflow settings
 * that keep the booking webhook closed and make every failure reach a human.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { HubSpotBatchApi, TEST_BASE_URL } from '../../credentials/HubSpotBatchApi.credentials';
import { HubSpotBatch } from '../../nodes/HubSpotBatch/HubSpotBatch.node';
import { HubSpotQueue } from '../../nodes/HubSpotQueue/HubSpotQueue.node';
import { limitForTier } from '../../nodes/HubSpotBatch/v1/transport/policy';

const ROOT = join(__dirname, '..', '..');
const description = new HubSpotBatch().nodeVersions[1].description as INodeTypeDescription;
const credential = new HubSpotBatchApi();
const workflow = (file: string) =>
	JSON.parse(readFileSync(join(ROOT, 'workflows', file), 'utf8')) as {
		settings: Record<string, unknown>;
		nodes: Array<Record<string, any>>;
		connections: Record<string, { main: Array<Array<{ node: string }>> }>;
	};

/** Every user-visible string of a description tree (names, descriptions, hints, options, notices). */
function visibleText(value: unknown, out: string[] = []): string[] {
	if (typeof value === 'string') out.push(value);
	else if (Array.isArray(value)) for (const v of value) visibleText(v, out);
	else if (value !== null && typeof value === 'object')
		for (const [key, v] of Object.entries(value))
			if (
				[
					'displayName',
					'description',
					'hint',
					'placeholder',
					'name',
					'action',
					'subtitle',
				].includes(key) ||
				typeof v === 'object'
			)
				visibleText(v, out);
	return out;
}

const property = (name: string, show?: Record<string, string[]>) =>
	description.properties.find(
		(p) =>
			p.name === name &&
			(show === undefined ||
				Object.entries(show).every(([k, v]) => String(p.displayOptions?.show?.[k]) === String(v))),
	) as INodeProperties;

describe('HubSpot Batch in the editor', () => {
	it('no user-visible string of the node or its credential says "seed"', () => {
		const texts = [
			...visibleText(description),
			...visibleText(credential.properties),
			credential.displayName,
		];
		expect(texts.length).toBeGreaterThan(100);
		expect(texts.filter((t) => /seed/i.test(t) && t !== 'includeSeedProperties')).toEqual([]);
	});

	it('the credential defaults to the safest tier (100 per 10 s) and says how to raise it', () => {
		const tier = credential.properties.find((p) => p.name === 'tier')!;
		expect(tier.default).toBe('starter');
		expect(limitForTier({ tier: tier.default as string })).toBe(100);
		expect(limitForTier({})).toBe(100);
		const notice = credential.properties.find((p) => p.type === 'notice')!;
		expect(notice.displayName).toMatch(/100 per 10 seconds/);
		expect(notice.displayName).toMatch(/Professional or Enterprise account \(190\)/);
	});

	it("the credential test's base URL keeps the token off plain http, except on this machine", () => {
		const body = TEST_BASE_URL.replace(/^=\{\{/, '').replace(/\}\}$/, '');
		// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the expression is plain JavaScript
		const evaluate = new Function('$credentials', `return ${body}`) as (c: {
			baseUrl: string;
		}) => string;
		const refused = 'https://base-url-must-start-with-https.invalid';
		expect(evaluate({ baseUrl: 'https://api.hubapi.com/' })).toBe('https://api.hubapi.com');
		expect(evaluate({ baseUrl: ' https://proxy.example.com/hubspot ' })).toBe(
			'https://proxy.example.com/hubspot',
		);
		expect(evaluate({ baseUrl: 'http://127.0.0.1:4010' })).toBe('http://127.0.0.1:4010');
		expect(evaluate({ baseUrl: 'http://localhost:4010/' })).toBe('http://localhost:4010');
		for (const baseUrl of [
			'http://api.hubapi.com',
			'http://localhost.evil.example',
			'http://localhost@evil.example',
			'http://127.0.0.1.evil.example',
			'ftp://api.hubapi.com',
			'api.hubapi.com',
		])
			expect([baseUrl, evaluate({ baseUrl })]).toEqual([baseUrl, refused]);
		expect(credential.test.request.baseURL).toBe(TEST_BASE_URL);
	});

	it('List ID and Association Label are pickers with list search, not typed API paths', () => {
		const listId = property('listId', { operation: ['addMembers'] });
		expect(listId.type).toBe('resourceLocator');
		expect(listId.modes?.find((m) => m.type === 'list')?.typeOptions?.searchListMethod).toBe(
			'searchLists',
		);
		const label = property('associationTypeId', { resource: ['association'] });
		expect(label.type).toBe('resourceLocator');
		expect(label.modes?.find((m) => m.type === 'list')?.typeOptions?.searchListMethod).toBe(
			'searchAssociationLabels',
		);
		expect(JSON.stringify(label)).not.toMatch(/\/crm\/v4/);
		const methods = new HubSpotBatch().nodeVersions[1].methods!;
		expect(Object.keys(methods.listSearch!).sort()).toEqual([
			'searchAssociationLabels',
			'searchLists',
		]);
	});

	it('notices name the prerequisites: the setup workflow before upserts and queued notes', () => {
		const notices = description.properties
			.filter((p) => p.type === 'notice')
			.map((p) => p.displayName);
		expect(notices.some((n) => /HubSpot setup workflow/.test(n) && /contact/.test(n))).toBe(true);
		expect(notices.some((n) => /queue flush workflow/.test(n))).toBe(true);
	});

	it('is not offered as an AI tool; the documentation link and search aliases are set', () => {
		expect(description.usableAsTool).toBeUndefined();
		const codex = JSON.parse(
			readFileSync(join(ROOT, 'nodes/HubSpotBatch/HubSpotBatch.node.json'), 'utf8'),
		);
		expect(codex.resources.primaryDocumentation[0].url).toBe(
			'https://github.com/marketing-ops/n8n-nodes-marketing-ops/blob/main/docs/nodes/hubspot-batch.md',
		);
		expect(codex.alias).toEqual(expect.arrayContaining(['HubSpot', 'CRM']));
	});
});

describe('HubSpot Batch version 2 and HubSpot Queue', () => {
	const batch = new HubSpotBatch();
	const v2 = batch.nodeVersions[2].description as INodeTypeDescription;
	const queueNode = new HubSpotQueue().description;
	const shown = (d: INodeTypeDescription, resource: string) =>
		d.properties.filter((p) => p.displayOptions?.show?.resource?.includes(resource));

	it('new nodes get version 2, which has every resource of version 1 but Queue', () => {
		expect(batch.description.defaultVersion).toBe(2);
		const resources = (d: INodeTypeDescription) =>
			(d.properties[0].options as Array<{ value: string }>).map((o) => o.value);
		expect(resources(v2)).toEqual(resources(description).filter((r) => r !== 'queue'));
		expect(shown(v2, 'queue')).toEqual([]);
		for (const resource of resources(v2))
			expect(shown(v2, resource)).toEqual(shown(description, resource));
		// What the split is for: n8n resolves all of these on every run of a workflow holding the node.
		expect(v2.properties.length).toBeLessThan(description.properties.length - 30);
	});

	it("HubSpot Queue has version 1's Queue operations, with the same parameters, and nothing else", () => {
		// Version 1 forced coordinateWorkers on for its Queue resource; HubSpot Queue has it always on (below).
		const operations = (d: INodeTypeDescription) =>
			shown(d, 'queue').filter((p) => p.name !== 'coordinateWorkers');
		expect(operations(queueNode)).toEqual(operations(description));
		expect(queueNode.properties.filter((p) => !shown(queueNode, 'queue').includes(p))).toEqual([
			expect.objectContaining({ name: 'resource', type: 'hidden', default: 'queue' }),
			expect.objectContaining({ name: 'coordinateWorkers', type: 'hidden', default: true }),
		]);
		// The HubSpot token only for Flush; Check, Enqueue and Stats talk to Redis alone.
		expect(
			queueNode.credentials?.find((c) => c.name === 'hubSpotBatchApi')?.displayOptions,
		).toEqual({
			show: { operation: ['flush'] },
		});
	});

	it('every picker HubSpot Queue shows has its method, and object types list without a HubSpot credential', async () => {
		const node = new HubSpotQueue();
		const named: string[] = [];
		const walk = (value: unknown): void => {
			if (Array.isArray(value)) value.forEach(walk);
			else if (value !== null && typeof value === 'object') {
				const o = value as Record<string, unknown>;
				const t = o.typeOptions as Record<string, unknown> | undefined;
				if (typeof t?.loadOptionsMethod === 'string')
					named.push(`loadOptions.${t.loadOptionsMethod}`);
				if (typeof t?.searchListMethod === 'string') named.push(`listSearch.${t.searchListMethod}`);
				Object.values(o).forEach(walk);
			}
		};
		walk(queueNode.properties);
		expect(named).toEqual(
			expect.arrayContaining(['loadOptions.getObjectTypes', 'listSearch.searchAssociationLabels']),
		);
		const methods = node.methods as unknown as Record<string, Record<string, unknown>>;
		for (const path of named) {
			const [group, name] = path.split('.');
			expect([path, typeof methods[group]?.[name]]).toEqual([path, 'function']);
		}
		// Enqueue's node has only the Redis credential: the standard object types, without a HubSpot call.
		const ctx = { getNode: () => ({ credentials: { redis: { id: '1', name: 'Redis' } } }) };
		const types = await (
			node.methods.loadOptions.getObjectTypes as (
				this: unknown,
			) => Promise<Array<{ value: string }>>
		).call(ctx);
		expect(types.map((t) => t.value)).toEqual(
			expect.arrayContaining(['contacts', 'deals', 'tickets']),
		);
	});

	it('the shipped workflows use version 2 and HubSpot Queue, never the Queue resource', () => {
		const files = [
			'csv-registration-import.json',
			'hubspot-booking-create.json',
			'hubspot-queue-flush.json',
			'hubspot-setup-properties.json',
			'luma-registration-sync.json',
		];
		const nodes = files.flatMap((f) => workflow(f).nodes);
		const batchNodes = nodes.filter((n) => n.type === 'n8n-nodes-marketing-ops.hubSpotBatch');
		expect(batchNodes.length).toBeGreaterThan(5);
		expect(
			batchNodes.filter((n) => n.typeVersion !== 2 || n.parameters.resource === 'queue'),
		).toEqual([]);
		expect(nodes.filter((n) => n.type === 'n8n-nodes-marketing-ops.hubSpotQueue')).toHaveLength(5);
	});
});

describe('the shipped HubSpot workflows', () => {
	const files = [
		'hubspot-booking-create.json',
		'hubspot-queue-flush.json',
		'hubspot-setup-properties.json',
	];

	it('every one names the error workflow, and none says "seed" to the user', () => {
		for (const file of files) {
			const flow = workflow(file);
			expect([file, flow.settings.errorWorkflow]).toEqual([file, 'mkopsErrorAlerts']);
			const notes = flow.nodes.filter((n) => n.type === 'n8n-nodes-base.stickyNote');
			expect([file, JSON.stringify(notes).match(/seed/i)]).toEqual([file, null]);
		}
	});

	it('the booking webhook requires the Header Auth secret from the credentials template', () => {
		const flow = workflow('hubspot-booking-create.json');
		const hook = flow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook')!;
		expect(hook.parameters.authentication).toBe('headerAuth');
		const template = JSON.parse(
			readFileSync(join(ROOT, 'workflows/credentials.template.json'), 'utf8'),
		) as Array<{
			id: string;
			type: string;
			data: Record<string, unknown>;
		}>;
		const secret = template.find((c) => c.id === hook.credentials.httpHeaderAuth.id)!;
		expect(secret.type).toBe('httpHeaderAuth');
		// Empty until the user sets it: n8n answers every request 500 while the value is empty, so an
		// imported, unedited template cannot be used with a value published in this repository.
		expect(secret.data).toEqual({ name: 'X-Webhook-Secret', value: '' });
		expect(template.find((c) => c.type === 'hubSpotBatchApi')!.data.tier).toBe('starter');
	});

	it('the booking saves no execution data: the webhook output holds the request headers, the secret included', () => {
		const { settings } = workflow('hubspot-booking-create.json');
		expect(settings).toMatchObject({
			saveDataSuccessExecution: 'none',
			saveDataErrorExecution: 'none',
			errorWorkflow: 'mkopsErrorAlerts',
		});
	});

	it('the booking answers 503 unless the queue is reachable before the create and every job is queued after it', () => {
		const flow = workflow('hubspot-booking-create.json');
		const next = (name: string, output: number) =>
			(flow.connections[name]?.main[output] ?? []).map((c) => c.node);
		const byName = (name: string) => flow.nodes.find((n) => n.name === name)!;
		expect(next('Valid booking?', 0)).toEqual(['Queue reachable?']);
		expect(byName('Queue reachable?').parameters.operation).toBe('check');
		expect(next('Queue reachable?', 0)).toEqual(['HubSpot: Create Booking']);
		expect(next('Queue reachable?', 1)).toEqual(['Respond 503']);
		for (const name of ['Queue: booking → contact, exam', 'Queue: timeline note']) {
			expect([name, byName(name).onError]).toEqual([name, 'continueErrorOutput']);
			expect([name, next(name, 1)]).toEqual([name, ['HubSpot: Remove Booking']]);
		}
		expect(byName('HubSpot: Remove Booking').parameters.operation).toBe('batchArchive');
		expect(next('HubSpot: Remove Booking', 0)).toEqual(['Respond 503']);
		expect(byName('Respond 503').parameters.options.responseCode).toBe(503);
		expect(next('Respond 503', 0)).toEqual(['Raise booking alert']);
	});

	it('an archive that fails too gets its own 503 naming the deal, and an alert naming it', () => {
		const flow = workflow('hubspot-booking-create.json');
		const next = (name: string, output: number) =>
			(flow.connections[name]?.main[output] ?? []).map((c) => c.node);
		const byName = (name: string) => flow.nodes.find((n) => n.name === name)!;
		expect(byName('HubSpot: Remove Booking').onError).toBe('continueErrorOutput');
		expect(next('HubSpot: Remove Booking', 1)).toEqual(['Respond 503: deal kept']);
		const reply = byName('Respond 503: deal kept');
		expect(reply.type).toBe('n8n-nodes-base.respondToWebhook');
		expect(reply.parameters.options.responseCode).toBe(503);
		// Not "none was created": the deal stays, and the caller must not send the booking again.
		expect(reply.parameters.responseBody).toContain('$json.booking_id');
		expect(reply.parameters.responseBody).toMatch(
			/was created but its follow-ups could not be queued and it could not be removed/,
		);
		expect(reply.parameters.responseBody).not.toMatch(/none was created|\$json\.error/);
		expect(next('Respond 503: deal kept', 0)).toEqual(['Raise: deal kept']);
		const alert = byName('Raise: deal kept');
		expect(alert.type).toBe('n8n-nodes-base.stopAndError');
		expect(alert.parameters.errorMessage).toMatch(
			/'A booking was answered 503 and its deal ' \+ \$json\.booking_id/,
		);
	});

	it('a create HubSpot refused answers 502, one whose outcome is unknown 503 saying to check first; both then fail the execution', () => {
		const flow = workflow('hubspot-booking-create.json');
		const next = (name: string, output: number) =>
			(flow.connections[name]?.main[output] ?? []).map((c) => c.node);
		const byName = (name: string) => flow.nodes.find((n) => n.name === name)!;
		expect(byName('HubSpot: Create Booking').onError).toBe('continueErrorOutput');
		expect(next('HubSpot: Create Booking', 1)).toEqual(['Booking may exist?']);
		// HubSpot Batch puts may_have_landed under `details` on the error output (outcomes.ts).
		expect(byName('Booking may exist?').parameters.conditions.boolean).toEqual([
			{ value1: '={{ ($json.details || {}).may_have_landed === true }}', value2: true },
		]);
		const [unknown, refused] = [0, 1].map((output) => next('Booking may exist?', output));
		expect(unknown).toEqual(['Respond 503: check before retrying']);
		expect(refused).toEqual(['Respond 502']);

		const check = byName('Respond 503: check before retrying');
		expect(check.parameters.options.responseCode).toBe(503);
		// A fixed text: no expression, so no error message (and no host in it) reaches the caller.
		const body = JSON.parse(check.parameters.responseBody);
		expect(body.error).toMatch(/may have been created/);
		expect(body.error).toMatch(/Do not send it again until it has been checked/);
		expect(next('Respond 503: check before retrying', 0)).toEqual(['Raise: deal may exist']);
		expect(byName('Raise: deal may exist').parameters.errorMessage).toMatch(
			/answered 503 and its deal may exist/,
		);

		expect(byName('Respond 502').parameters.options.responseCode).toBe(502);
		expect(next('Respond 502', 0)).toEqual(['Raise: no deal created']);
		expect(byName('Raise: no deal created').parameters.errorMessage).toMatch(
			/answered 502: HubSpot did not create its deal, so none exists/,
		);
		for (const name of ['Raise: deal may exist', 'Raise: no deal created'])
			expect([name, byName(name).type]).toEqual([name, 'n8n-nodes-base.stopAndError']);
	});

	it('the path to 201 runs none of the error-path nodes (each expression there costs every booking time)', () => {
		const flow = workflow('hubspot-booking-create.json');
		const reached = new Set<string>();
		const walk = (name: string, output?: number) => {
			const outputs = flow.connections[name]?.main ?? [];
			for (const [index, targets] of outputs.entries())
				if (output === undefined || index === output)
					for (const { node } of targets)
						if (!reached.has(node)) {
							reached.add(node);
							walk(node, 0);
						}
		};
		// Success outputs only, from the webhook to Respond 201.
		walk('Booking webhook', 0);
		expect([...reached].sort()).toEqual(
			[
				'Valid booking?',
				'Queue reachable?',
				'HubSpot: Create Booking',
				'Queue: booking → contact, exam',
				'Queue: timeline note',
				'Booking reply',
				'Respond 201',
			].sort(),
		);
	});

	it('the flush posts its alerts to Slack #mops-alerts, only when due, and a Slack failure does not fail the flush', () => {
		const flow = workflow('hubspot-queue-flush.json');
		const slack = flow.nodes.find((n) => n.type === 'n8n-nodes-base.slack')!;
		expect(slack.onError).toBe('continueRegularOutput');
		expect(slack.credentials.slackApi.id).toBe('mkopsSlackCred01');
		expect(slack.parameters.channelId.value).toBe('#mops-alerts');
		expect(flow.nodes.some((n) => n.type === 'n8n-nodes-base.stopAndError')).toBe(false);
		const due = flow.nodes.find((n) => n.name === 'Alert due?')!;
		expect(JSON.stringify(due.parameters)).toMatch(/\$json\.notify === true/);
		expect(flow.connections['Alert due?'].main[0].map((c) => c.node)).toEqual([slack.name]);
	});
});
