/** HubSpot Batch › List and Property operations, in n8n-core, against the HubSpot emulator. */
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import {
	type NodeUnderTest,
	runWorkflow,
	startThen,
	type WorkflowJson,
} from '../harness/inProcess';

let emulator: HubSpotEmulator;
afterEach(async () => {
	await emulator?.close();
	resetRateLimiters();
});

type Extra = Pick<NodeUnderTest, 'onError'>;

const node = (name: string, parameters: IDataObject, x: number, extra: Extra = {}) => ({
	...hubSpotNode(parameters, { id: name, name, ...extra }),
	position: [x, 0] as [number, number],
});

/** Start → Upsert → Add Members (or just the nodes given), chained. */
function chain(nodes: ReturnType<typeof node>[]): WorkflowJson {
	return startThen(nodes, { id: 'wf-hubspot-lists' });
}

async function run(workflow: WorkflowJson, rows: IDataObject[]) {
	return await runWorkflow(workflow, {
		startItems: rows.map((json) => ({ json })),
		credentials: {
			hubSpotBatchApi: {
				accessToken: 'pat-emulator-token',
				tier: 'professional',
				baseUrl: emulator.url,
			},
		},
	});
}

const upsert = node(
	'Upsert',
	{
		resource: 'contact',
		operation: 'upsert',
		columns: { mappingMode: 'autoMapInputData', value: null },
	},
	200,
);
const addMembers = (params: IDataObject = {}, extra: Extra = {}) =>
	node('Add Members', { resource: 'list', operation: 'addMembers', ...params }, 400, extra);

const registration = (i: number, event = 'CFO Roundtable', date = '2025-12-15T18:00:00-05:00') => ({
	email: `guest${i}@acme.com`,
	firstname: `Guest${i}`,
	event_name: event,
	event_date: date,
});

describe('List › Add Members / Remove Members', () => {
	it('creates the event list by the seed naming convention once, as MANUAL, and adds every upserted contact', async () => {
		emulator = await startHubSpotEmulator();
		const rows = [
			...Array.from({ length: 150 }, (_, i) => registration(i)),
			...Array.from({ length: 3 }, (_, i) =>
				registration(200 + i, 'Treasury Summit', '2026-01-20'),
			),
		];
		const result = await run(chain([upsert, addMembers()]), rows);
		expect(result.error).toBeUndefined();
		const lists = emulator.state.snapshot().lists;
		expect(lists.map((l) => [l.name, l.processingType]).sort()).toEqual([
			['Event Registrations - CFO Roundtable - 2025-12-15', 'MANUAL'],
			['Event Registrations - Treasury Summit - 2026-01-20', 'MANUAL'],
		]);
		expect(emulator.requests({ method: 'POST', path: '/crm/v3/lists' })).toHaveLength(2);
		const cfo = lists.find((l) => l.name.includes('CFO'))!;
		const members = emulator.state.snapshot().memberships[cfo.listId];
		expect(members).toHaveLength(150);
		// 150 members: two membership calls of at most 100.
		expect(
			emulator
				.requests({
					method: 'PUT',
					path: `/crm/v3/lists/${cfo.listId}/memberships/add`,
				})
				.map((r) => r.inputCount),
		).toEqual([100, 50]);
		const [out] = result.outputs('Add Members');
		expect(out).toHaveLength(153);
		expect(out.every((i) => i.json.list_status === 'added')).toBe(true);
		expect(out[0].json).toMatchObject({
			status: 'created',
			list_id: cfo.listId,
			email: 'guest0@acme.com',
		});

		// A second run finds the lists (no creation) and reports the contacts as already there.
		const again = await run(chain([upsert, addMembers()]), rows.slice(0, 5));
		expect(emulator.requests({ method: 'POST', path: '/crm/v3/lists' })).toHaveLength(2);
		expect(again.outputs('Add Members')[0].map((i) => i.json.list_status)).toEqual(
			Array(5).fill('already_member'),
		);
	});

	it('identifies contacts by email with a batch read, and reports unknown emails and missing lists by field', async () => {
		emulator = await startHubSpotEmulator();
		await run(chain([upsert]), [registration(1), registration(2)]);
		const byEmail = addMembers(
			{
				identifyBy: 'email',
				listName: '=Event Registrations - {{ $json.event_name }}',
				createIfMissing: false,
			},
			{ onError: 'continueRegularOutput' },
		);
		const result = await run(chain([byEmail]), [
			registration(1),
			{ ...registration(9) },
			{ ...registration(2), event_name: 'Other' },
		]);
		const [out] = result.outputs('Add Members');
		expect(out.map((i) => i.json.status ?? i.json.list_status)).toEqual([
			'error',
			'error',
			'error',
		]);
		expect(out[0].json.error).toBe(
			`Field 'listName': no HubSpot list is named "Event Registrations - CFO Roundtable"`,
		);
		expect(out[1].json.error).toBe(
			"Field 'email': no HubSpot contact has the email guest9@acme.com",
		);

		const reads = emulator.requests({
			method: 'POST',
			path: '/crm/v3/objects/contacts/batch/read',
		}).length;
		const list = (
			await run(chain([addMembers({ identifyBy: 'email', listName: 'VIPs' })]), [
				registration(1),
				registration(2),
			])
		).outputs('Add Members')[0];
		expect(list.map((i) => i.json.list_status)).toEqual(['added', 'added']);
		// Two emails, one read call.
		expect(
			emulator.requests({
				method: 'POST',
				path: '/crm/v3/objects/contacts/batch/read',
			}).length - reads,
		).toBe(1);
	});

	it('an item without a record id is reported with the field, the rest are added', async () => {
		emulator = await startHubSpotEmulator();
		const upserted = await run(chain([upsert]), [registration(1)]);
		const id = upserted.outputs('Upsert')[0][0].json.hubspot_id;
		const result = await run(chain([addMembers({}, { onError: 'continueErrorOutput' })]), [
			{ ...registration(1), hubspot_id: id },
			{ ...registration(2), hubspot_id: null },
			{ ...registration(3), hubspot_id: '999999' },
		]);
		const [ok, failed] = result.outputs('Add Members');
		expect(ok.map((i) => i.json.email)).toEqual(['guest1@acme.com']);
		expect(failed.map((i) => i.json.error)).toEqual([
			"Field 'recordId': empty; map the HubSpot record ID (e.g. {{ $json.hubspot_id }})",
			"Field 'recordId': HubSpot has no contact 999999",
		]);
	});

	it('removes members, and reports contacts that were not in the list', async () => {
		emulator = await startHubSpotEmulator();
		await run(chain([upsert, addMembers()]), [registration(1), registration(2)]);
		const remove = node(
			'Remove',
			{ resource: 'list', operation: 'removeMembers', identifyBy: 'email' },
			200,
			{ onError: 'continueRegularOutput' },
		);
		const result = await run(chain([remove]), [
			registration(1),
			registration(3),
		]);
		expect(result.outputs('Remove')[0].map((i) => i.json.list_status ?? i.json.error)).toEqual([
			'removed',
			"Field 'email': no HubSpot contact has the email guest3@acme.com",
		]);
		const list = emulator.state.snapshot().lists[0];
		expect(emulator.state.snapshot().memberships[list.listId]).toHaveLength(1);
	});
});

describe('Property › Ensure Group and Properties', () => {
	const ensure = node('Ensure', { resource: 'property', operation: 'ensure' }, 200);

	it('creates the Event Tracking group and the seed properties on a fresh portal, then finds them on the next run', async () => {
		emulator = await startHubSpotEmulator({ bareAccount: true });
		const first = await run(chain([ensure]), [{}]);
		expect(first.error).toBeUndefined();
		const [[summary]] = first.outputs('Ensure');
		expect(summary.json.group).toEqual({
			name: 'event_tracking',
			label: 'Event Tracking',
			status: 'created',
		});
		expect(summary.json.created).toBe(5);
		const stored = emulator.state
			.snapshot()
			.properties.contacts.filter((p) => p.groupName === 'event_tracking');
		expect(stored.map((p) => [p.name, p.type]).sort()).toEqual([
			['contact_first_event_date', 'date'],
			['contact_lifecycle_event_source', 'string'],
			['contact_recent_event_date', 'date'],
			['contact_recent_event_name', 'string'],
			['contact_total_events_attended', 'number'],
		]);

		const writes = emulator.requests({ method: 'POST' }).length;
		const second = await run(chain([ensure]), [{}]);
		const [[again]] = second.outputs('Ensure');
		expect(again.json.group).toMatchObject({ status: 'exists' });
		expect(again.json.created).toBe(0);
		expect(again.json.existing).toBe(5);
		// Only the group create was tried (409); no property was posted again.
		expect(emulator.requests({ method: 'POST' }).length - writes).toBe(1);
	});

	it('adds extra properties, warns about a same-named property of another type, and rejects bad names', async () => {
		emulator = await startHubSpotEmulator();
		const withExtra = node(
			'Ensure',
			{
				resource: 'property',
				operation: 'ensure',
				additionalProperties: {
					property: [
						{
							name: 'webinar_attended',
							label: 'Webinar Attended',
							type: 'bool',
						},
						{
							name: 'contact_recent_event_date',
							label: 'Recent',
							type: 'string',
						},
					],
				},
			},
			200,
		);
		const [[summary]] = (await run(chain([withExtra]), [{}])).outputs('Ensure');
		const props = summary.json.properties as IDataObject[];
		expect(props.find((p) => p.name === 'webinar_attended')).toMatchObject({
			status: 'created',
		});
		expect(
			props.filter((p) => p.name === 'contact_recent_event_date').map((p) => p.status),
		).toContain('exists_with_other_type');

		const bad = node(
			'Ensure',
			{
				resource: 'property',
				operation: 'ensure',
				additionalProperties: { property: [{ name: 'Bad Name', label: 'x' }] },
			},
			200,
		);
		const failed = await run(chain([bad]), [{}]);
		expect(failed.error?.message).toBe(
			`Field 'additionalProperties.name': "Bad Name" must be lowercase letters, digits and underscores`,
		);
	});
});

/**
 * An HTTP forward proxy that records each request it carries ("METHOD /path") and passes it on.
 * A request sent to it directly (not in a proxy's absolute form) is refused.
 */
async function startRecordingProxy() {
	const carried: string[] = [];
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		if (!/^https?:\/\//.test(req.url ?? '')) {
			res.writeHead(400).end('not a proxy request');
			return;
		}
		const target = new URL(req.url!);
		carried.push(`${req.method} ${target.pathname}`);
		const upstream = request(
			target,
			{ method: req.method, headers: req.headers, agent: false },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', () => res.destroy());
		req.pipe(upstream);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		carried,
		async close() {
			server.closeAllConnections();
			server.close();
			await once(server, 'close');
		},
	};
}

/** The proxy variables n8n reads (and npm's, which take precedence), set to `proxyUrl` while `fn` runs. */
async function withProxyEnvironment<T>(proxyUrl: string, fn: () => Promise<T>): Promise<T> {
	const names = [
		'http_proxy',
		'HTTP_PROXY',
		'https_proxy',
		'HTTPS_PROXY',
		'all_proxy',
		'ALL_PROXY',
		'no_proxy',
		'NO_PROXY',
		'npm_config_http_proxy',
		'npm_config_https_proxy',
		'npm_config_proxy',
		'npm_config_no_proxy',
	];
	const saved = new Map(names.map((name) => [name, process.env[name]]));
	for (const name of names) delete process.env[name];
	process.env.http_proxy = proxyUrl;
	process.env.HTTP_PROXY = proxyUrl;
	try {
		return await fn();
	} finally {
		for (const [name, value] of saved) {
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
		}
	}
}

describe("n8n's proxy settings", () => {
	// Reads went through the SDK's own HTTP agent, so they bypassed n8n's proxy while writes used it.
	it('every call, read or write, of Ensure, Upsert and Add Members goes through the proxy n8n is configured with', async () => {
		emulator = await startHubSpotEmulator({ bareAccount: true });
		const proxy = await startRecordingProxy();
		try {
			const ensure = node('Ensure', { resource: 'property', operation: 'ensure' }, 200);
			const byEmail = addMembers({ identifyBy: 'email' });
			const [first, second] = await withProxyEnvironment(proxy.url, async () => [
				await run(chain([ensure]), [{}]),
				await run(chain([upsert, byEmail]), [registration(1), registration(2)]),
			]);
			expect(first.error).toBeUndefined();
			expect(second.error).toBeUndefined();
			expect(second.outputs('Add Members')[0].map((i) => i.json.list_status)).toEqual([
				'added',
				'added',
			]);
			const reached = emulator.requests().map((r) => `${r.method} ${r.path}`);
			// The property and list reads, the contact batch read, and the creates and writes.
			for (const call of [
				'POST /crm/v3/properties/contacts/groups',
				'GET /crm/v3/properties/contacts',
				'POST /crm/v3/properties/contacts',
				'POST /crm/v3/objects/contacts/batch/read',
				'POST /crm/v3/objects/contacts/batch/upsert',
				`GET /crm/v3/lists/object-type-id/0-1/name/${encodeURIComponent('Event Registrations - CFO Roundtable - 2025-12-15')}`,
				'POST /crm/v3/lists',
			])
				expect(reached).toContain(call);
			expect([...proxy.carried].sort()).toEqual([...reached].sort());
		} finally {
			await proxy.close();
		}
	});
});
