/** HubSpot Batch › Queue (Enqueue / Flush / Stats) in n8n-core, against real Redis and the HubSpot emulator. */
import type { IDataObject } from 'n8n-workflow';

import { NOTE_KEY_PROPERTY } from '../../nodes/HubSpotBatch/v1/helpers/queue';
import { ReliableQueue } from '../../nodes/shared/queue/reliableQueue';
import { closeSharedRedis } from '../../nodes/shared/redis/connection';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen, type WorkflowJson } from '../harness/inProcess';
import {
	cleanupPrefix,
	ensureRedis,
	sleep,
	testRedis,
	testRedisCredentials,
} from '../harness/redis';

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
	const node = hubSpotNode(
		{ resource: 'queue', queueName, ...parameters },
		{ id: 'queue', name: 'Queue', redis: true },
	);
	return startThen(node, { id: 'wf-hubspot-queue' });
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

const NOTES_CREATE = '/crm/v3/objects/notes/batch/create';
const NOTES_READ = '/crm/v3/objects/notes/batch/read';

const flushOf = (result: Awaited<ReturnType<typeof run>>) =>
	result.outputs('Queue')[0][0].json as IDataObject & { notes: IDataObject };

const notesWithBody = (text: string) =>
	emulator.objects('notes').filter((n) => String(n.properties.hs_note_body) === text);

const notesQueue = () =>
	new ReliableQueue<IDataObject>(redis, { name: `${queueName}:notes`, consumer: 'test-observer' });

const queueKey = (kind: 'associations' | 'notes', suffix: string) =>
	`mkops:queue:{${queueName}:${kind}}:${suffix}`;

/** The notes a flush holds: [id, consumer, idle ms, deliveries]. */
const pendingNotes = async () =>
	(await redis.xpending(queueKey('notes', 'stream'), 'workers', '-', '+', 100)) as Array<
		[string, string, number, number]
	>;

/** Polls until `check` holds; the deadline only turns a hang into a message naming what never happened. */
async function waitUntil(
	check: () => boolean | Promise<boolean>,
	what: string,
	timeoutMs = 20000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
		await sleep(20);
	}
}

/** Property › Ensure for notes through the node: creates the unique note key property. */
async function ensureNoteKey() {
	return await run({
		resource: 'property',
		operation: 'ensure',
		objectType: 'notes',
		groupName: 'queue_tracking',
		groupLabel: 'Queue Tracking',
	});
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
			// One round per flush, and the retry delay passes between flushes: one try per flush.
			const flush = await run({ operation: 'flush', options: { retryDelayMs: 300, maxRounds: 1 } });
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

	it('a revoked token stops the flush with the clear error and puts the jobs back unsent (no try counted, no dead letters)', async () => {
		const contacts = await seed('contacts', 3);
		const companies = await seed('companies', 3);
		await run(
			enqueueAssociation,
			contacts.map((contact, i) => ({ contact, company: companies[i] })),
		);
		await run(enqueueNote, [{ contact: contacts[0], booking: 'R-1' }]);
		emulator.setFaults({ revokedTokens: ['pat-soon-revoked'] });
		// More flushes than there are tries: a refused token never uses them up.
		for (let i = 0; i < 4; i++) {
			const failed = await run({ operation: 'flush' }, [{}], 'pat-soon-revoked');
			expect(failed.error?.message).toBe(
				'HubSpot rejected the access token (401): token revoked or invalid',
			);
		}
		const stats = (await run({ operation: 'stats' })).outputs('Queue')[0][0].json;
		expect(stats.associations).toMatchObject({ length: 3, pending: 0, deadLetters: 0 });
		expect(stats.notes).toMatchObject({ length: 1, pending: 0, deadLetters: 0 });
		// With a valid token the next flush sends them at once (no reclaim wait).
		const flushed = await run({ operation: 'flush' });
		expect(flushed.error).toBeUndefined();
		expect(flushOf(flushed)).toMatchObject({ associations: { done: 3 }, notes: { done: 1 } });
		expect(notesWithBody('Booked R-1')).toHaveLength(1);
	});
});

describe('Queue › Flush: each note once, under slow rounds, lost answers and 5xx', () => {
	it('a flush round held past its claim window while the next flush runs: each note is created once (the first flush renews its claim)', async () => {
		const contacts = await seed('contacts', 3);
		await run(
			enqueueNote,
			contacts.map((contact, i) => ({ contact, booking: `H-${i}` })),
		);
		// HubSpot holds the first flush's note create until the test lets it go (or a second one arrives).
		emulator.setFaults({ holdRequests: { path: NOTES_CREATE, count: 2, timeoutMs: 60000 } });
		// Renewed every 2 s, a 6 s claim survives any scheduling delay of this machine. The round's age
		// is not waited for: its claims are back-dated below, as Redis would see them after two windows.
		const options = { claimIdleMs: 6000 };
		const first = run({ operation: 'flush', options });
		await waitUntil(
			() => emulator.requests({ method: 'POST', path: NOTES_CREATE }).some((r) => r.held),
			"the first flush's create is held",
		);
		const held = await pendingNotes();
		expect(held).toHaveLength(3);
		for (const [id, consumer] of held) {
			await redis.xclaim(
				queueKey('notes', 'stream'),
				'workers',
				consumer,
				0,
				id,
				'IDLE',
				2 * options.claimIdleMs,
				'JUSTID',
			);
		}
		// A claim nobody renews stays lapsed; the first flush, still waiting on HubSpot, renews its own.
		await waitUntil(
			async () => (await pendingNotes()).every(([, , idle]) => idle < options.claimIdleMs),
			'the first flush renews its claims while HubSpot holds its call',
		);
		const second = await run({ operation: 'flush', options });
		emulator.setFaults({ holdRequests: null });
		const firstRun = await first;

		expect(firstRun.error).toBeUndefined();
		expect(second.error).toBeUndefined();
		for (let i = 0; i < 3; i++) expect(notesWithBody(`Booked H-${i}`)).toHaveLength(1);
		expect(emulator.objects('notes')).toHaveLength(3);
		expect(emulator.requests({ method: 'POST', path: NOTES_CREATE })).toHaveLength(1);
		expect(flushOf(second).notes).toMatchObject({ sent: 0, done: 0 });
		expect(flushOf(firstRun).notes).toMatchObject({ sent: 3, done: 3, takenOver: 0 });
		expect(await notesQueue().stats()).toMatchObject({
			length: 0,
			pending: 0,
			processed: 3,
			reclaimed: 0,
		});
	});

	it.each([
		// The stream is not a stream any more: that claim fails, the notes claim beside it succeeds.
		['on the associations queue when a round claims', 'stream', 0],
		// A claim of new jobs leaves the counters alone; acknowledging the sent associations bumps
		// them, and fails: the round breaks off between the associations and the notes.
		['after the associations were sent (settling them fails)', 'counters', 2],
	])(
		'a Redis error %s: the notes never sent go back at once, no try counted, not dead-lettered as possibly created; the next flush creates each once',
		async (_, brokenKey, associationsApplied) => {
			const contacts = await seed('contacts', 2);
			const companies = await seed('companies', 2);
			await run(
				enqueueAssociation,
				contacts.map((contact, i) => ({ contact, company: companies[i] })),
			);
			await run(
				enqueueNote,
				contacts.map((contact, i) => ({ contact, booking: `R-${i}` })),
			);
			await redis.set(queueKey('associations', brokenKey), 'not what the queue expects');
			const options = { claimIdleMs: 1000 };
			const failed = await run({ operation: 'flush', options });
			expect(failed.error?.message).toMatch(/WRONGTYPE/);
			const associated = emulator.state.associations.filter((a) => a.toType === 'companies');
			expect(associated).toHaveLength(associationsApplied);
			expect(emulator.requests({ method: 'POST', path: NOTES_CREATE })).toHaveLength(0);
			// Waiting again at once, not held until a reclaim.
			expect(await notesQueue().stats()).toMatchObject({ length: 2, pending: 0, deadLetters: 0 });

			await redis.del(queueKey('associations', brokenKey));
			// Past the claim window, so a claim left behind would have been reclaimed by now.
			await sleep(options.claimIdleMs + 200);
			const flushed = await run({ operation: 'flush', options });
			expect(flushed.error).toBeUndefined();
			expect(flushOf(flushed).notes).toMatchObject({ sent: 2, done: 2, deadLettered: 0 });
			for (let i = 0; i < 2; i++) expect(notesWithBody(`Booked R-${i}`)).toHaveLength(1);
			expect(await notesQueue().stats()).toMatchObject({
				length: 0,
				pending: 0,
				deadLetters: 0,
				processed: 2,
				reclaimed: 0,
			});
		},
	);

	it.each([
		['gets no answer (applied, then silence past the timeout)', { hangAfterApply: 1 }],
		['gets a 502 after HubSpot applied it', { force5xxAfterApply: 1, status5xx: 502 }],
	])(
		'with the note key set up (Property › Ensure), a note create that %s ends as exactly one note after the next flush',
		async (_, fault) => {
			const [contact] = await seed('contacts', 1);
			const ensured = await ensureNoteKey();
			expect(ensured.error).toBeUndefined();
			await run(enqueueNote, [{ contact, booking: 'U-1' }]);
			emulator.setFaults({ ...fault, faultPath: NOTES_CREATE });
			const options = { timeoutMs: 1500, retryDelayMs: 300 };

			// One round: the put-back note is not due again within this flush, however slow it runs.
			const first = await run({ operation: 'flush', options: { ...options, maxRounds: 1 } });
			await sleep(options.retryDelayMs + 100);
			const second = await run({ operation: 'flush', options });
			const third = await run({ operation: 'flush', options });

			expect(first.error).toBeUndefined();
			expect(notesWithBody('Booked U-1')).toHaveLength(1);
			expect(emulator.objects('notes')).toHaveLength(1);
			expect(emulator.requests({ method: 'POST', path: NOTES_CREATE })).toHaveLength(1);
			// The first flush put it back as possibly created; the next looked it up by its key and
			// completed it without sending it again.
			expect(flushOf(first).notes).toMatchObject({ sent: 1, done: 0, retried: 1, deadLettered: 0 });
			expect(flushOf(second).notes).toMatchObject({ sent: 0, found: 1, done: 1 });
			expect(emulator.requests({ method: 'POST', path: NOTES_READ })).toHaveLength(1);
			expect(flushOf(third).rounds).toBe(0);
			expect(await notesQueue().stats()).toMatchObject({
				length: 0,
				pending: 0,
				deadLetters: 0,
				processed: 1,
			});
			const note = notesWithBody('Booked U-1')[0];
			expect(note.properties[NOTE_KEY_PROPERTY]).toMatch(/^[0-9a-f-]{36}$/);
			expect(emulator.state.properties.get('notes')?.get(NOTE_KEY_PROPERTY)).toMatchObject({
				hasUniqueValue: true,
				groupName: 'queue_tracking',
			});
		},
	);

	it.each([
		['gets no answer', { hangAfterApply: 1 }, 'HubSpot did not answer within 1500 ms'],
		[
			'gets a 503 after HubSpot applied it',
			{ force5xxAfterApply: 1, status5xx: 503 },
			'HubSpot server error 503',
		],
	])(
		'without the note key property, a note create that %s goes to the dead-letter queue with the reason, never sent twice',
		async (_, fault, said) => {
			const [contact] = await seed('contacts', 1);
			await run(enqueueNote, [{ contact, booking: 'D-1' }]);
			emulator.setFaults({ ...fault, faultPath: NOTES_CREATE });
			const options = { timeoutMs: 1500, retryDelayMs: 0 };
			const first = await run({ operation: 'flush', options });
			const second = await run({ operation: 'flush', options });

			expect(first.error).toBeUndefined();
			expect(flushOf(first).notes).toMatchObject({ sent: 1, done: 0, retried: 0, deadLettered: 1 });
			expect(flushOf(second).rounds).toBe(0);
			expect(emulator.requests({ method: 'POST', path: NOTES_CREATE })).toHaveLength(1);
			expect(notesWithBody('Booked D-1')).toHaveLength(1);
			const [dead] = await notesQueue().deadLetters();
			expect(dead.lastError).toContain(said);
			expect(dead.lastError).toContain('it may still have been applied');
			expect(dead.lastError).toContain(`no unique ${NOTE_KEY_PROPERTY} property`);
			expect(dead.lastError).toContain('Property › Ensure for notes');
			const stats = (await run({ operation: 'stats', deadLetterAlertThreshold: 0 })).outputs(
				'Queue',
			)[0][0].json;
			expect(stats.notes).toMatchObject({ length: 0, pending: 0, deadLetters: 1 });
			expect(stats.alerts).toEqual(['notes dead-letter queue holds 1 jobs (over 0)']);
		},
	);

	it('a note key property without unique values is reported by Property › Ensure, and not trusted by the flush', async () => {
		const [contact] = await seed('contacts', 1);
		await fetch(`${emulator.url}/crm/v3/properties/notes`, {
			method: 'POST',
			headers: { authorization: 'Bearer pat-emulator-token', 'content-type': 'application/json' },
			body: JSON.stringify({
				name: NOTE_KEY_PROPERTY,
				label: 'Someone else’s key',
				type: 'string',
				fieldType: 'text',
				groupName: 'engagement',
			}),
		});
		const ensured = await ensureNoteKey();
		expect(ensured.outputs('Queue')[0][0].json.properties).toEqual([
			expect.objectContaining({
				name: NOTE_KEY_PROPERTY,
				status: 'exists_without_unique_values',
				warning: expect.stringContaining('without unique values'),
			}),
		]);
		await run(enqueueNote, [{ contact, booking: 'N-1' }]);
		emulator.setFaults({ force5xxAfterApply: 1, status5xx: 502, faultPath: NOTES_CREATE });
		const flushed = await run({ operation: 'flush' });
		// Without HubSpot's uniqueness a lookup could miss a concurrent create: not resent, dead-lettered.
		expect(flushOf(flushed).notes).toMatchObject({ sent: 1, deadLettered: 1, retried: 0 });
		expect(notesWithBody('Booked N-1')).toHaveLength(1);
	});

	it('a note whose flush died after HubSpot created it is looked up by its key when reclaimed, not created again', async () => {
		const [contact] = await seed('contacts', 1);
		await ensureNoteKey();
		await run(enqueueNote, [{ contact, booking: 'K-1' }]);
		// A flush claims the note, HubSpot creates it, and the flush dies before acknowledging it.
		const claimIdleMs = 1000;
		const dying = new ReliableQueue<IDataObject & { key: string }>(redis, {
			name: `${queueName}:notes`,
			consumer: 'flush-that-died',
			claimIdleMs,
		});
		const [job] = await dying.claim(1);
		const made = await fetch(`${emulator.url}${NOTES_CREATE}`, {
			method: 'POST',
			headers: { authorization: 'Bearer pat-emulator-token', 'content-type': 'application/json' },
			body: JSON.stringify({
				inputs: [
					{
						properties: {
							...(job.payload.properties as IDataObject),
							[NOTE_KEY_PROPERTY]: job.payload.key,
						},
						associations: job.payload.associations,
					},
				],
			}),
		});
		expect(made.status).toBe(201);
		const creates = emulator.requests({ method: 'POST', path: NOTES_CREATE }).length;
		await sleep(claimIdleMs + 200);

		const flushed = await run({ operation: 'flush', options: { claimIdleMs } });
		expect(flushed.error).toBeUndefined();
		expect(flushOf(flushed).notes).toMatchObject({ sent: 0, found: 1, done: 1 });
		expect(emulator.requests({ method: 'POST', path: NOTES_CREATE })).toHaveLength(creates);
		expect(notesWithBody('Booked K-1')).toHaveLength(1);
		expect(await notesQueue().stats()).toMatchObject({ pending: 0, processed: 1, reclaimed: 1 });
	});

	it("a second create of a queued note is refused by HubSpot's unique key; the flush finds the note and completes the job", async () => {
		const [contact] = await seed('contacts', 1);
		await ensureNoteKey();
		await run(enqueueNote, [
			{ contact, booking: 'C-1' },
			{ contact, booking: 'C-2' },
		]);
		// C-1 is already in HubSpot with its key (say, created by a flush whose answer was lost).
		const stream = await redis.xrange(`mkops:queue:{${queueName}:notes}:stream`, '-', '+');
		const jobs = stream.map(
			([, fields]) => JSON.parse(fields[fields.indexOf('p') + 1]) as IDataObject,
		);
		const c1 = jobs.find(
			(j) => String((j.properties as IDataObject).hs_note_body) === 'Booked C-1',
		)!;
		await fetch(`${emulator.url}${NOTES_CREATE}`, {
			method: 'POST',
			headers: { authorization: 'Bearer pat-emulator-token', 'content-type': 'application/json' },
			body: JSON.stringify({
				inputs: [
					{ properties: { ...(c1.properties as IDataObject), [NOTE_KEY_PROPERTY]: c1.key } },
				],
			}),
		});

		const flushed = await run({ operation: 'flush' });
		expect(flushed.error).toBeUndefined();
		expect(notesWithBody('Booked C-1')).toHaveLength(1);
		expect(notesWithBody('Booked C-2')).toHaveLength(1);
		expect(flushOf(flushed).notes).toMatchObject({ sent: 2, found: 1, done: 2, retried: 0 });
		expect(await notesQueue().stats()).toMatchObject({ length: 0, pending: 0, processed: 2 });
	});
});
