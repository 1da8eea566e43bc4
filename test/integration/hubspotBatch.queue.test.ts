/** HubSpot Batch › Queue (Enqueue / Flush / Stats) in n8n-core, against real Redis and the HubSpot emulator. */
import type { ICredentialType, IDataObject, INodeParameters } from 'n8n-workflow';

import { HubSpotBatchApi } from '../../credentials/HubSpotBatchApi.credentials';
import { HubSpotBatch } from '../../nodes/HubSpotBatch/HubSpotBatch.node';
import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import {
	registerCredentialType,
	registerNodeType,
	runWorkflow,
	type WorkflowJson,
} from '../harness/inProcess';
import { cleanupPrefix, ensureRedis, testRedis, testRedisCredentials } from '../harness/redis';

/** The fields of n8n's built-in `redis` credential (n8n-nodes-base is not loaded in-process). */
class RedisCredentialType implements ICredentialType {
	name = 'redis';
	displayName = 'Redis';
	properties = [
		{ displayName: 'Password', name: 'password', type: 'string' as const, default: '' },
		{ displayName: 'User', name: 'user', type: 'string' as const, default: '' },
		{ displayName: 'Host', name: 'host', type: 'string' as const, default: 'localhost' },
		{ displayName: 'Port', name: 'port', type: 'number' as const, default: 6379 },
		{ displayName: 'Database Number', name: 'database', type: 'number' as const, default: 0 },
		{ displayName: 'SSL', name: 'ssl', type: 'boolean' as const, default: false },
	];
}

registerNodeType('n8n-nodes-marketing-ops.hubSpotBatch', new HubSpotBatch());
registerCredentialType(new HubSpotBatchApi());
registerCredentialType(new RedisCredentialType());

let emulator: HubSpotEmulator;
let queueName: string;
const redis = testRedis('hubspot-queue-test');

beforeAll(async () => {
	await ensureRedis();
});
beforeEach(async () => {
	queueName = `test-${process.pid}-${Date.now()}`;
	emulator = await startHubSpotEmulator({ tokens: ['pat-soon-revoked'] });
});
afterEach(async () => {
	await emulator.close();
	await cleanupPrefix(redis, `mkops:queue:{${queueName}`);
	// Flush shares the 10-second window in the queue's Redis (Coordinate Workers is on for the queue).
	await cleanupPrefix(redis, `mkops:ratelimit:{${emulator.url}`);
	resetRateLimiters();
	forgetLearnedLimits();
});
afterAll(async () => {
	await closeSharedRedis();
	await redis.quit();
});

function workflow(parameters: IDataObject): WorkflowJson {
	return {
		id: 'wf-hubspot-queue',
		nodes: [
			{
				id: 'start',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'queue',
				name: 'Queue',
				type: 'n8n-nodes-marketing-ops.hubSpotBatch',
				typeVersion: 1,
				position: [200, 0],
				parameters: { resource: 'queue', queueName, ...parameters } as INodeParameters,
				credentials: {
					hubSpotBatchApi: { id: '1', name: 'HubSpot' },
					redis: { id: '2', name: 'Redis' },
				},
			},
		],
		connections: { Start: { main: [[{ node: 'Queue', type: 'main', index: 0 }]] } },
	};
}

async function run(
	parameters: IDataObject,
	rows: IDataObject[] = [{}],
	token = 'pat-emulator-token',
) {
	return await runWorkflow(workflow(parameters), {
		startItems: rows.map((json) => ({ json })),
		credentials: {
			hubSpotBatchApi: { accessToken: token, tier: 'professional', baseUrl: emulator.url },
			redis: { ...testRedisCredentials(), database: 0, ssl: false },
		},
	});
}

/** Creates records straight through the emulator's API and returns their ids. */
async function seed(type: string, n: number): Promise<string[]> {
	const ids: string[] = [];
	for (let start = 0; start < n; start += 100) {
		const inputs = Array.from({ length: Math.min(100, n - start) }, (_, i) => ({
			properties:
				type === 'contacts' ? { email: `p${start + i}@acme.com` } : { name: `Co ${start + i}` },
		}));
		const res = await fetch(`${emulator.url}/crm/v3/objects/${type}/batch/create`, {
			method: 'POST',
			headers: { authorization: 'Bearer pat-emulator-token', 'content-type': 'application/json' },
			body: JSON.stringify({ inputs }),
		});
		const body = (await res.json()) as { results: Array<{ id: string }> };
		ids.push(...body.results.map((r) => r.id));
	}
	emulator.state.log.length = 0;
	return ids;
}

const enqueueAssociation = {
	operation: 'enqueue',
	kind: 'association',
	fromObjectType: 'contacts',
	toObjectType: 'companies',
	associationType: 'default',
	fromId: '={{ $json.contact }}',
	toId: '={{ $json.company }}',
};
const enqueueNote = {
	operation: 'enqueue',
	kind: 'note',
	noteBody: '={{ "Booked " + $json.booking }}',
	timestamp: '2026-11-20T10:00:00Z',
	associations: { contact: [{ contactId: '={{ $json.contact }}' }] },
};

describe('Queue › Enqueue / Flush / Stats', () => {
	it('enqueues without calling HubSpot, then one flush lands every association and note in ceil(n/100) calls', async () => {
		const contacts = await seed('contacts', 250);
		const companies = await seed('companies', 250);
		const rows = contacts.map((contact, i) => ({
			contact,
			company: companies[i],
			booking: `B-${i}`,
		}));
		const seeded = emulator.state.counters.requests;

		const queued = await run(enqueueAssociation, rows);
		expect(queued.error).toBeUndefined();
		const [out] = queued.outputs('Queue');
		expect(out).toHaveLength(250);
		expect(
			out.every((i) => i.json.queued === 'association' && typeof i.json.queue_id === 'string'),
		).toBe(true);
		expect((await run(enqueueNote, rows.slice(0, 150))).error).toBeUndefined();
		// Enqueue answered from Redis alone.
		expect(emulator.state.counters.requests).toBe(seeded);

		const flushed = await run({ operation: 'flush' });
		expect(flushed.error).toBeUndefined();
		const [[summary]] = flushed.outputs('Queue');
		const associate = emulator.requests({
			method: 'POST',
			path: '/crm/v4/associations/contacts/companies/batch/associate/default',
		});
		const notes = emulator.requests({ method: 'POST', path: '/crm/v3/objects/notes/batch/create' });
		console.log(
			`queue flush: 250 associations in ${associate.length} calls (${associate.map((r) => r.inputCount).join(', ')}), 150 notes in ${notes.length} calls (${notes.map((r) => r.inputCount).join(', ')}), ${summary.json.rounds} rounds`,
		);
		expect(associate.map((r) => r.inputCount)).toEqual([100, 100, 50]);
		expect(notes.map((r) => r.inputCount)).toEqual([100, 50]);
		expect(emulator.state.associations.filter((a) => a.toType === 'companies')).toHaveLength(250);
		expect(emulator.objects('notes')).toHaveLength(150);
		expect(summary.json).toMatchObject({
			associations: {
				sent: 250,
				done: 250,
				deadLettered: 0,
				queue: { length: 0, pending: 0, deadLetters: 0, processed: 250 },
			},
			notes: {
				sent: 150,
				done: 150,
				deadLettered: 0,
				queue: { length: 0, pending: 0, deadLetters: 0, processed: 150 },
			},
			alerts: [],
		});

		// Nothing left: a second flush sends nothing.
		const before = emulator.state.counters.requests;
		await run({ operation: 'flush' });
		expect(emulator.state.counters.requests).toBe(before);
	});

	it('rejects a bad item at enqueue time, naming the field, and queues the rest', async () => {
		const result = await run(
			{ ...enqueueAssociation, fromId: '={{ $json.contact }}' },
			[
				{ contact: '101', company: '202' },
				{ contact: 'not-an-id', company: '202' },
			],
			undefined,
		);
		const [out] = result.outputs('Queue');
		expect(result.error?.message ?? '').toMatch(/1 of 2 items failed/);
		expect(out ?? []).toHaveLength(0);
		const stats = await run({ operation: 'stats' });
		expect(stats.outputs('Queue')[0][0].json.associations).toMatchObject({ length: 1 });
	});

	it('a job HubSpot keeps rejecting moves to the dead-letter queue after 3 flushes, and Stats raises the alert', async () => {
		const [contact] = await seed('contacts', 1);
		await run(
			{
				...enqueueAssociation,
				associationType: 'labelled',
				associationCategory: 'USER_DEFINED',
				associationTypeId: 7,
			},
			[{ contact, company: '999999' }],
		);
		const flushes = [];
		for (let i = 0; i < 3; i++) {
			// A rejected job waits its retry delay: one try per flush.
			const flush = await run({ operation: 'flush', options: { retryDelayMs: 300 } });
			flushes.push(flush.outputs('Queue')[0][0].json);
			await new Promise((r) => setTimeout(r, 350));
		}
		expect(flushes.map((f) => (f.associations as IDataObject).retried)).toEqual([1, 1, 0]);
		expect((flushes[2].associations as IDataObject).deadLettered).toBe(1);

		const stats = (await run({ operation: 'stats', deadLetterAlertThreshold: 0 })).outputs(
			'Queue',
		)[0][0].json;
		expect(stats.associations).toMatchObject({ length: 0, pending: 0, deadLetters: 1 });
		expect(stats.alert).toBe(true);
		expect(stats.alerts).toEqual(['associations dead-letter queue holds 1 jobs (over 0)']);
	});

	it('a revoked token stops the flush with the clear error and keeps the jobs (no dead letters)', async () => {
		const contacts = await seed('contacts', 3);
		const companies = await seed('companies', 3);
		await run(
			enqueueAssociation,
			contacts.map((contact, i) => ({ contact, company: companies[i] })),
		);
		emulator.setFaults({ revokedTokens: ['pat-soon-revoked'] });
		const failed = await run({ operation: 'flush' }, [{}], 'pat-soon-revoked');
		expect(failed.error?.message).toBe(
			'HubSpot rejected the access token (401): token revoked or invalid',
		);
		const stats = (await run({ operation: 'stats' })).outputs('Queue')[0][0].json;
		expect(stats.associations).toMatchObject({ deadLetters: 0 });
		expect((stats.associations as IDataObject).pending).toBe(3);
	});
});
