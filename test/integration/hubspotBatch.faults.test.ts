/**
 * HubSpot Batch under faults, run by n8n-core in-process over real HTTP against the HubSpot emulator
 * (and real Redis for the shared 10-second window):
 * - the shared window pauses every worker only for a rolling-limit 429, not for a flaky 5xx or a timeout;
 * - a call that times out is aborted (HubSpot sees the connection closed) before its slot is given back;
 * - batch answers in any order, with or without objectWriteTraceId: every row is accounted for by
 *   key (objectWriteTraceId, or the email / ID property), never by position.
 */
import type { IDataObject } from 'n8n-workflow';

import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { rateLimiterKey, resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { RedisSlidingWindowLimiter } from '../../nodes/shared/transport/redisRateLimiter';
import {
	startHubSpotEmulator,
	type HubSpotEmulator,
	type StartHubSpotEmulatorOptions,
} from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen, type WorkflowJson } from '../harness/inProcess';
import {
	cleanupPrefix,
	ensureRedis,
	sleep,
	testRedis,
	testRedisCredentials,
} from '../harness/redis';

const TOKEN = 'pat-emulator-token';
const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const PROPERTIES = '/crm/v3/properties/contacts';
const redis = testRedis('hubspot-faults-test');
const { host, port } = testRedisCredentials();

let emulator: HubSpotEmulator;

beforeAll(async () => {
	await ensureRedis();
});
afterEach(async () => {
	await emulator?.close();
	if (emulator) await cleanupPrefix(redis, `mkops:ratelimit:{${emulator.url}`);
	resetRateLimiters();
	forgetLearnedLimits();
});
afterAll(async () => {
	await closeSharedRedis();
	await redis.quit();
});

async function start(opts: StartHubSpotEmulatorOptions = {}) {
	emulator = await startHubSpotEmulator(opts);
	return emulator;
}

function workflow(parameters: IDataObject): WorkflowJson {
	const node = hubSpotNode(parameters, { redis: true, onError: 'continueRegularOutput' });
	return startThen(node, { id: 'wf-hubspot-faults' });
}

async function run(rows: IDataObject[], parameters: IDataObject, credential: IDataObject = {}) {
	return await runWorkflow(workflow(parameters), {
		startItems: rows.map((json) => ({ json })),
		credentials: {
			hubSpotBatchApi: {
				accessToken: TOKEN,
				tier: 'professional',
				baseUrl: emulator.url,
				...credential,
			},
			redis: { ...testRedisCredentials(), database: 0, ssl: false },
		},
	});
}

const autoMap = { columns: { mappingMode: 'autoMapInputData', value: null } };
const upsert = (options: IDataObject = {}, extra: IDataObject = {}) => ({
	resource: 'contact',
	operation: 'upsert',
	...autoMap,
	...extra,
	options: { detectChanges: false, ...options },
});

/** The two ways a node shares HubSpot's window in Redis: its own option, or the credential's older URL. */
const sharedWindows: Array<[string, IDataObject, IDataObject]> = [
	['Coordinate Workers Through Redis', { coordinateWorkers: true }, {}],
	[
		"the credential's Redis URL",
		{},
		{ sharedRateLimit: true, redisUrlSecret: `redis://${host}:${port}/0` },
	],
];

/**
 * Runs the node while watching the account's shared window in Redis: whether any pause (which every
 * process sharing the window waits out) was set while it ran.
 */
async function runWatchingSharedPause(
	rows: IDataObject[],
	parameters: IDataObject,
	credential: IDataObject,
) {
	const window = new RedisSlidingWindowLimiter(redis, {
		key: rateLimiterKey(emulator.url, TOKEN),
		limit: 190,
		windowMs: 10_000,
	});
	let done = false;
	let paused = false;
	const watching = (async () => {
		while (!done) {
			if ((await window.pausedUntil()) > 0) paused = true;
			await sleep(10);
		}
	})();
	try {
		const result = await run(rows, parameters, credential);
		return { result, paused: paused || (await window.pausedUntil()) > 0 };
	} finally {
		done = true;
		await watching;
	}
}

describe('the shared 10-second window in Redis pauses everyone only for a rolling-limit 429', () => {
	// Issue E: pauseUntil on the shared window ran for every retry, so one flaky answer stalled every worker.
	it.each(sharedWindows)(
		'%s: a 5xx that is retried leaves the shared window unpaused',
		async (_how, parameters, credential) => {
			await start();
			emulator.setFaults({ force5xx: 1, status5xx: 503 });
			const { result, paused } = await runWatchingSharedPause(
				[{ email: 'flaky@example.com' }],
				upsert({}, parameters),
				credential,
			);
			expect(result.json('HubSpot')[0].status).toBe('created');
			// The property read met the 503 and was tried again.
			expect(emulator.requests({ path: PROPERTIES }).map((r) => r.status)).toEqual([503, 200]);
			expect(paused).toBe(false);
		},
	);

	it.each(sharedWindows)(
		'%s: a timeout that is retried leaves the shared window unpaused',
		async (_how, parameters, credential) => {
			await start();
			emulator.setFaults({ hang: 1, hangPath: UPSERT });
			const { result, paused } = await runWatchingSharedPause(
				[{ email: 'slow@example.com' }],
				upsert({ timeoutMs: 1000 }, parameters),
				credential,
			);
			expect(result.json('HubSpot')[0].status).toBe('created');
			expect(emulator.requests({ path: UPSERT })).toHaveLength(2);
			expect(paused).toBe(false);
		},
	);

	it.each(sharedWindows)(
		'%s: a rolling-limit 429 pauses the shared window for its Retry-After',
		async (_how, parameters, credential) => {
			await start();
			emulator.setFaults({ force429: 1, retryAfterSeconds: 1 });
			const { result, paused } = await runWatchingSharedPause(
				[{ email: 'busy@example.com' }],
				upsert({}, parameters),
				credential,
			);
			expect(result.json('HubSpot')[0].status).toBe('created');
			expect(emulator.requests({ status: 429 })).toHaveLength(1);
			expect(paused).toBe(true);
		},
	);
});

describe('a call that times out is aborted before its limiter slot is given back', () => {
	// Issue E: the timeout raced the request without aborting it; it kept running after its slot was freed.
	it.each([
		["a write (Contact › Upsert's batch upsert)", UPSERT],
		// Reads go through the same request helper (they used to go through the SDK).
		["a read (Contact › Upsert's contact property definitions)", PROPERTIES],
	])('%s', async (_how, path) => {
		await start();
		emulator.setFaults({ hang: 1, hangPath: path });
		const result = await run([{ email: 'late@example.com' }], upsert({ timeoutMs: 1000 }));
		expect(result.json('HubSpot')[0].status).toBe('created');
		const [hung, retry, ...more] = emulator.requests({ path });
		expect(more).toEqual([]);
		expect(hung.hung).toBe(true);
		// HubSpot saw the connection closed: the request was ended, not left running…
		expect(hung.closedAt).toBeDefined();
		// …and before the next try went out, which needs the slot back first.
		expect(hung.closedAt!).toBeLessThanOrEqual(retry.time);
		expect(retry.status).toBe(200);
		expect(emulator.objects('contacts')).toHaveLength(1);
	});
});

describe('batch answers in any order, with or without objectWriteTraceId', () => {
	const contacts = (n: number) =>
		Array.from({ length: n }, (_, i) => ({ email: `person${i}@example.com`, firstname: `P${i}` }));

	/** Every item's hubspot_id is the record HubSpot holds for that item's email. */
	function expectOwnRecords(items: IDataObject[]) {
		const byId = new Map(emulator.objects('contacts').map((c) => [c.id, c.properties.email]));
		for (const [i, json] of items.entries()) {
			expect(json.status).toBe('created');
			expect(byId.get(String(json.hubspot_id))).toBe(`person${i}@example.com`);
		}
	}

	it('shuffled results (the emulator default) land on their own rows', async () => {
		await start();
		const result = await run(contacts(250), upsert({ batchSize: 50 }));
		expectOwnRecords(result.json('HubSpot'));
	});

	it('without objectWriteTraceId, upserted contacts are matched by email', async () => {
		await start({ omitTraceIds: true });
		const result = await run(contacts(250), upsert({ batchSize: 50 }));
		expectOwnRecords(result.json('HubSpot'));
	});

	it('without objectWriteTraceId and with a bad row, upserts still tell the bad row from the good ones', async () => {
		await start({ omitTraceIds: true, invalidMode: 'perInput207' });
		const rows = contacts(5).map((r, i) =>
			i === 3 ? { ...r, contact_total_events_attended: 'many' } : r,
		);
		const out = (await run(rows, upsert())).json('HubSpot');
		expect(out.map((j) => j.status)).toEqual(['created', 'created', 'created', 'error', 'created']);
		expect(out[3].error_field).toBe('contact_total_events_attended');
	});

	it('without objectWriteTraceId, creates that cannot be told apart are reported as unconfirmed, never given another row’s ID', async () => {
		await start({ omitTraceIds: true });
		const rows = Array.from({ length: 30 }, (_, i) => ({ name: `Company ${i}` }));
		const out = (
			await run(rows, {
				resource: 'object',
				operation: 'batchCreate',
				objectType: 'companies',
				...autoMap,
			})
		).json('HubSpot');
		expect(emulator.objects('companies')).toHaveLength(30);
		for (const json of out) {
			expect(json.status).toBe('error');
			expect(json.hubspot_id).toBeNull();
			expect(json.error).toBe(
				'HubSpot returned no result for this row; it may not have been written',
			);
		}
	});
});
