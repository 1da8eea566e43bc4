/**
 * What the booking flow and the editor rely on, in n8n-core against the HubSpot emulator and Redis:
 * Queue › Check Connection, Object › Batch Archive, the flush's alert throttle, list and association
 * label search, and ids checked before they go into a URL path.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	searchAssociationLabels,
	searchLists,
} from '../../nodes/HubSpotBatch/v1/methods/listSearch';
import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { createLoadOptionsContext, runWorkflow, startThen } from '../harness/inProcess';
import { PrivateRedis } from '../harness/privateRedis';
import { cleanupPrefix, ensureRedis, testRedis, testRedisCredentials } from '../harness/redis';

const TOKEN = 'pat-emulator-token';
let emulator: HubSpotEmulator;
let privateRedis: PrivateRedis;
const redis = testRedis('hubspot-booking-test');
const queueName = `test-booking-${process.pid}-${Date.now()}`;

beforeAll(async () => {
	await ensureRedis();
	privateRedis = await PrivateRedis.start();
	emulator = await startHubSpotEmulator({});
});
afterEach(() => {
	resetRateLimiters();
	forgetLearnedLimits();
});
afterAll(async () => {
	await emulator?.close();
	await closeSharedRedis();
	await privateRedis?.stop();
	await cleanupPrefix(redis, `mkops:queue:{${queueName}`);
	await cleanupPrefix(redis, `mkops:ratelimit:{${emulator.url}`);
	await redis.quit();
});

const credentials = (redisPort = testRedisCredentials().port) => ({
	hubSpotBatchApi: { accessToken: TOKEN, tier: 'starter', baseUrl: emulator.url },
	redis: { ...testRedisCredentials(), port: redisPort, database: 0, ssl: false },
});

async function runNode(
	parameters: IDataObject,
	rows: IDataObject[],
	opts: { redisPort?: number; redis?: boolean } = {},
) {
	const node = hubSpotNode(parameters, {
		id: 'hs',
		name: 'HS',
		redis: opts.redis ?? true,
		onError: 'continueErrorOutput',
	});
	return await runWorkflow(startThen(node, { id: 'wf-hubspot-booking' }), {
		startItems: rows.map((json) => ({ json })),
		credentials: credentials(opts.redisPort),
	});
}

async function create(type: string, inputs: IDataObject[]): Promise<string[]> {
	const res = await fetch(`${emulator.url}/crm/v3/objects/${type}/batch/create`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ inputs: inputs.map((properties) => ({ properties })) }),
	});
	return ((await res.json()) as { results: Array<{ id: string }> }).results.map((r) => r.id);
}

describe('Queue › Check Connection', () => {
	it('passes the items through unchanged while Redis answers', async () => {
		const result = await runNode({ resource: 'queue', operation: 'check' }, [
			{ dealname: 'A', contact_id: '1' },
			{ dealname: 'B', contact_id: '2' },
		]);
		const [ok, failed] = result.outputs('HS');
		expect(ok.map((i) => i.json)).toEqual([
			{ dealname: 'A', contact_id: '1' },
			{ dealname: 'B', contact_id: '2' },
		]);
		expect(failed ?? []).toHaveLength(0);
		expect(ok.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('sends every item to the error output, naming Redis, when Redis is down; HubSpot is not called', async () => {
		const down = await PrivateRedis.start();
		await runNode({ resource: 'queue', operation: 'check' }, [{ a: 1 }], { redisPort: down.port });
		// Closed while its server answers, so the check below opens a connection that never reaches one.
		await closeSharedRedis();
		await down.stop();
		const before = emulator.requests().length;
		const result = await runNode({ resource: 'queue', operation: 'check' }, [{ a: 1 }, { a: 2 }], {
			redisPort: down.port,
		});
		const [ok, failed] = result.outputs('HS');
		expect(ok).toHaveLength(0);
		expect(failed).toHaveLength(2);
		expect(String(failed[0].json.error)).toMatch(
			/^The queue's Redis at 127\.0\.0\.1:\d+ did not answer$/,
		);
		expect(emulator.requests().length).toBe(before);
	}, 30000);
});

describe('Object › Batch Archive', () => {
	it('archives the records, reports each item, and refuses an id that is not digits without a request', async () => {
		const [a, b] = await create('deals', [{ dealname: 'one' }, { dealname: 'two' }]);
		const before = emulator.requests().length;
		const result = await runNode(
			{
				resource: 'object',
				operation: 'batchArchive',
				objectType: 'deals',
				recordId: '={{ $json.id }}',
			},
			[{ id: a }, { id: '..' }, { id: b }],
			{ redis: false },
		);
		const [ok, failed] = result.outputs('HS');
		expect(ok.map((i) => [i.json.hubspot_id, i.json.status])).toEqual([
			[a, 'archived'],
			[b, 'archived'],
		]);
		expect(failed.map((i) => [(i.json.details as IDataObject).error_field, i.pairedItem])).toEqual([
			['recordId', { item: 1 }],
		]);
		expect(emulator.objects('deals').filter((d) => d.id === a || d.id === b)).toHaveLength(0);
		const calls = emulator.requests().slice(before);
		expect(calls.map((r) => r.path)).toEqual(['/crm/v3/objects/deals/batch/archive']);
	});
});

describe('Queue › Flush alert throttle', () => {
	const flush = (extra: IDataObject = {}) =>
		runNode(
			{
				resource: 'queue',
				operation: 'flush',
				queueName,
				queueAlertThreshold: 0,
				deadLetterAlertThreshold: 10,
				alertRepeatMinutes: 30,
				...extra,
			},
			[{}],
		);

	it('shouldPostAlert: true when an alert starts or changes, false while it stands, true again once it cleared and came back', async () => {
		const key = `mkops:queue:{${queueName}:alerts}:posted`;
		const decide = async () => {
			const { shouldPostAlert } = await import('../../nodes/shared/queue/alertThrottle');
			return shouldPostAlert(redis, key, ['associations:backlog'], 60000);
		};
		expect(await decide()).toBe(true);
		expect(await decide()).toBe(false);
		const { shouldPostAlert } = await import('../../nodes/shared/queue/alertThrottle');
		expect(
			await shouldPostAlert(redis, key, ['associations:backlog', 'notes:deadLetters'], 60000),
		).toBe(true);
		expect(
			await shouldPostAlert(redis, key, ['notes:deadLetters', 'associations:backlog'], 60000),
		).toBe(false);
		expect(await shouldPostAlert(redis, key, [], 60000)).toBe(false);
		expect(await redis.exists(key)).toBe(0);
		expect(await shouldPostAlert(redis, key, ['associations:backlog'], 60000)).toBe(true);
		expect(await redis.pttl(key)).toBeGreaterThan(50000);
		await redis.del(key);
	});

	it('the flush node: the first flush over a threshold notifies, the next with the same alert does not', async () => {
		await cleanupPrefix(redis, `mkops:queue:{${queueName}`);
		// Nothing queued, threshold 0 is not crossed: no alert and no notify.
		const quiet = (await flush()).outputs('HS')[0][0].json;
		expect(quiet).toMatchObject({ alerts: [], notify: false });
		// Dead letters over a threshold of -1: an alert that stands from one flush to the next.
		const first = (await flush({ deadLetterAlertThreshold: -1 })).outputs('HS')[0][0].json;
		const second = (await flush({ deadLetterAlertThreshold: -1 })).outputs('HS')[0][0].json;
		expect(first.alerts).toEqual([
			'associations dead-letter queue holds 0 jobs (over -1)',
			'notes dead-letter queue holds 0 jobs (over -1)',
		]);
		expect([first.notify, second.notify]).toEqual([true, false]);
		const cleared = (await flush()).outputs('HS')[0][0].json;
		expect(cleared.notify).toBe(false);
		const back = (await flush({ deadLetterAlertThreshold: -1 })).outputs('HS')[0][0].json;
		expect(back.notify).toBe(true);
	});
});

describe('list search and association labels (editor pickers)', () => {
	const picker = () =>
		createLoadOptionsContext(
			startThen(
				hubSpotNode(
					{
						resource: 'association',
						operation: 'batchCreate',
						fromObjectType: 'contacts',
						toObjectType: 'companies',
						associationType: 'labelled',
						associationCategory: 'HUBSPOT_DEFINED',
					},
					{ name: 'HS' },
				),
			),
			'HS',
			{ credentials: credentials() },
		);

	it('lists the association types between the chosen object types, of the chosen category', async () => {
		const result = await searchAssociationLabels.call(picker());
		expect(result.results).toEqual([
			{ name: 'Primary (1)', value: '1' },
			{ name: 'Unlabelled (279)', value: '279' },
		]);
		expect((await searchAssociationLabels.call(picker(), 'prim')).results).toEqual([
			{ name: 'Primary (1)', value: '1' },
		]);
		const calls = emulator.requests({ method: 'GET' }).map((r) => r.path);
		expect(calls).toContain('/crm/v4/associations/contacts/companies/labels');
	});

	it('a user-defined label made in the account is offered under User Defined', async () => {
		await fetch(`${emulator.url}/crm/v4/associations/contacts/companies/labels`, {
			method: 'POST',
			headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
			body: JSON.stringify({ label: 'Alumni', name: 'alumni' }),
		});
		const ctx = createLoadOptionsContext(
			startThen(
				hubSpotNode(
					{
						resource: 'association',
						operation: 'batchCreate',
						fromObjectType: 'contacts',
						toObjectType: 'companies',
						associationType: 'labelled',
						associationCategory: 'USER_DEFINED',
					},
					{ name: 'HS' },
				),
			),
			'HS',
			{ credentials: credentials() },
		);
		const { results } = await searchAssociationLabels.call(ctx);
		expect(results).toEqual([
			{ name: expect.stringMatching(/^Alumni \(\d+\)$/), value: expect.stringMatching(/^\d+$/) },
		]);
	});

	it('lists contact lists by name, page by page, only those whose members can be edited', async () => {
		for (const [name, processingType] of [
			['Webinar A', 'MANUAL'],
			['Webinar B', 'SNAPSHOT'],
			['Everyone (dynamic)', 'DYNAMIC'],
		]) {
			await fetch(`${emulator.url}/crm/v3/lists`, {
				method: 'POST',
				headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
				body: JSON.stringify({ name, objectTypeId: '0-1', processingType }),
			});
		}
		const ctx = createLoadOptionsContext(
			startThen(
				hubSpotNode({ resource: 'list', operation: 'addMembers', listBy: 'id' }, { name: 'HS' }),
			),
			'HS',
			{ credentials: credentials() },
		);
		const all = await searchLists.call(ctx);
		expect(all.results.map((r) => r.name)).toEqual(['Webinar A (manual)', 'Webinar B (snapshot)']);
		expect(all.results.every((r) => /^\d+$/.test(String(r.value)))).toBe(true);
		expect((await searchLists.call(ctx, 'nar b')).results.map((r) => r.name)).toEqual([
			'Webinar B (snapshot)',
		]);
	});

	it('List › Add Members by ID refuses a list id that is not digits, without a request', async () => {
		const before = emulator.requests().length;
		const result = await runNode(
			{
				resource: 'list',
				operation: 'addMembers',
				listBy: 'id',
				// An expression: the editor's own digits check does not see what it gives.
				listId: { __rl: true, mode: 'id', value: '={{ $json.list }}' },
				identifyBy: 'recordId',
				recordId: '={{ $json.id }}',
			},
			[{ id: '1', list: '..' }],
			{ redis: false },
		);
		const [, failed] = result.outputs('HS');
		expect(failed.map((i) => (i.json.details as IDataObject).error_field)).toEqual(['listId']);
		expect(emulator.requests().length).toBe(before);
	});
});
