import type { INode, JsonObject } from 'n8n-workflow';

import {
	blamedProperty,
	rowMessage,
	writeHubSpotBatches,
	type BatchBody,
	type HubSpotBatchOptions,
	type RowResult,
	type WriteRow,
} from '../../nodes/HubSpotBatch/v1/helpers/batchWrite';
import { isWritable, toHubSpotValue } from '../../nodes/HubSpotBatch/v1/helpers/properties';
import type { PropertyDefinition } from '../../nodes/HubSpotBatch/v1/helpers/properties';
import { chunk, mapWithConcurrency } from '../../nodes/shared/transport/batcher';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import {
	HubSpotApi,
	hubspotPolicy,
	type HubSpotContext,
	type HubSpotResponse,
} from '../../nodes/HubSpotBatch/v1/transport';
import { AttemptError } from '../../nodes/shared/transport/attempt';

/** A failed HubSpot answer as the client reports it. */
const httpError = (status: number, body: JsonObject, headers: Record<string, string> = {}) =>
	new AttemptError(
		'HubSpot',
		'http',
		status,
		body,
		headers,
		undefined,
		hubspotPolicy.messageOf(body),
	);

// ---- a small HubSpot stand-in for POST /crm/v3/objects/contacts/batch/upsert ----

interface Contact {
	email: string;
	properties: Record<string, string>;
}

type TracePlacement = 'top' | 'context' | 'none';

interface FakeOptions {
	/** batch400: one invalid input rejects the whole batch, nothing written (HubSpot's usual answer). */
	invalidMode: 'batch400' | 'perInput207';
	/** Where errors carry objectWriteTraceId; results carry it at the top unless 'none'. */
	trace?: TracePlacement;
	/** Error entries that name no input at all. */
	untiedErrors?: boolean;
	/** From this call number on (1-based), every call fails with this fatal error. */
	fatalFromCall?: { call: number; kind: '401' | 'daily' | '403' };
	/** This call number answers 500 (already retried by the transport). */
	serverErrorOnCall?: number;
	/** Emails HubSpot writes but leaves out of `results`. */
	resultMissingFor?: string[];
}

const KNOWN = new Set(['email', 'firstname', 'age', 'tags']);

interface InvalidItem {
	isValid: false;
	message: string;
	error: string;
	name: string;
	localizedErrorMessage: string;
}

function validate(properties: Record<string, string>): InvalidItem[] {
	const items: InvalidItem[] = [];
	for (const [name, value] of Object.entries(properties)) {
		let problem: [string, string] | undefined;
		if (!KNOWN.has(name)) problem = [`Property "${name}" does not exist`, 'PROPERTY_DOESNT_EXIST'];
		else if (name === 'age' && !/^-?\d+(\.\d+)?$/.test(value))
			problem = [`${JSON.stringify(value)} was not a valid number.`, 'INVALID_INTEGER'];
		else if (name === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))
			problem = [`Email address ${value} is invalid`, 'INVALID_EMAIL'];
		if (problem)
			items.push({
				isValid: false,
				message: problem[0],
				error: problem[1],
				name,
				localizedErrorMessage: problem[0],
			});
	}
	return items;
}

class FakeHubSpot {
	readonly records = new Map<string, Record<string, string>>();

	/** The row keys of every call, in call order. */
	readonly calls: string[][] = [];

	inFlight = 0;

	maxInFlight = 0;

	constructor(private readonly opts: FakeOptions) {}

	send = async (batch: Array<WriteRow<Contact>>): Promise<HubSpotResponse<BatchBody>> => {
		this.calls.push(batch.map((r) => r.key));
		const call = this.calls.length;
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		try {
			// A network round trip: lets other batches start meanwhile.
			await new Promise((resolve) => setImmediate(resolve));
			return this.handle(batch, call);
		} finally {
			this.inFlight--;
		}
	};

	private handle(batch: Array<WriteRow<Contact>>, call: number): HubSpotResponse<BatchBody> {
		const trace = this.opts.trace ?? 'top';
		const fatal = this.opts.fatalFromCall;
		if (fatal && call >= fatal.call) {
			if (fatal.kind === '401')
				throw httpError(
					401,
					{
						status: 'error',
						message:
							'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
						category: 'INVALID_AUTHENTICATION',
					},
					{},
				);
			if (fatal.kind === '403')
				throw httpError(
					403,
					{
						status: 'error',
						message: "This app hasn't been granted all required scopes to make this call.",
						category: 'MISSING_SCOPES',
					},
					{},
				);
			throw httpError(
				429,
				{
					status: 'error',
					message: 'You have reached your daily limit.',
					errorType: 'RATE_LIMIT',
					policyName: 'DAILY',
				},
				{ 'x-hubspot-ratelimit-daily': '250000', 'x-hubspot-ratelimit-daily-remaining': '0' },
			);
		}
		if (this.opts.serverErrorOnCall === call)
			throw httpError(
				500,
				{ status: 'error', message: 'internal error', category: 'INTERNAL_ERROR' },
				{},
			);

		const checked = batch.map((row) => ({ row, items: validate(row.input.properties) }));
		const bad = checked.filter((c) => c.items.length > 0);
		if (bad.length > 0 && this.opts.invalidMode === 'batch400') {
			throw httpError(
				400,
				{
					status: 'error',
					message: `Property values were not valid: ${JSON.stringify(bad.flatMap((b) => b.items))}`,
					correlationId: 'c0ffee',
					category: 'VALIDATION_ERROR',
				},
				{},
			);
		}
		const results: JsonObject[] = [];
		const errors: JsonObject[] = [];
		for (const { row, items } of checked) {
			if (items.length > 0) {
				const error: JsonObject = {
					status: 'error',
					category: 'VALIDATION_ERROR',
					message: `Property values were not valid: ${JSON.stringify(items)}`,
					context: {
						propertyName: items.map((i) => i.name),
						...(this.opts.untiedErrors ? {} : { id: [row.input.email] }),
					},
				};
				if (!this.opts.untiedErrors) {
					if (trace === 'top') error.objectWriteTraceId = row.key;
					if (trace === 'context') (error.context as JsonObject).objectWriteTraceId = [row.key];
				}
				errors.push(error);
				continue;
			}
			const email = row.input.email.toLowerCase();
			const properties = { ...(this.records.get(email) ?? {}), ...row.input.properties, email };
			this.records.set(email, properties);
			if (this.opts.resultMissingFor?.includes(email)) continue;
			const record: JsonObject = { id: `id-${email}`, properties, new: true };
			if (trace !== 'none') record.objectWriteTraceId = row.key;
			results.push(record);
		}
		// HubSpot does not promise input order: answer in reverse so position means nothing.
		results.reverse();
		errors.reverse();
		return {
			status: errors.length > 0 ? 207 : 200,
			body: { results, errors },
			headers: {},
		};
	}
}

/** Only what writeInBatches uses of the API: turning a failure into the user's message. */
const fakeApi = {
	toNodeError: (error: unknown) =>
		new Error(
			error instanceof AttemptError ? `mapped ${error.status}: ${error.serverMessage}` : 'mapped',
		),
} as unknown as HubSpotApi;

/** Same lookup the upsert operation uses when a result or error has no objectWriteTraceId. */
const byEmail: HubSpotBatchOptions<Contact>['fallbackKey'] = (entry, batch) => {
	const props = entry.properties as JsonObject | undefined;
	const ids = (entry.context as JsonObject | undefined)?.id;
	const email = String(props?.email ?? (Array.isArray(ids) ? ids[0] : '')).toLowerCase();
	return batch.find((row) => row.input.email === email)?.key;
};

const contact = (i: number, properties: Record<string, string> = {}): WriteRow<Contact> => ({
	key: `k${i}`,
	input: { email: `c${i}@example.com`, properties: { firstname: `C${i}`, ...properties } },
});

/** Rows 0..n-1; the ones in `bad` carry a non-numeric age. */
const rowsWithBad = (n: number, bad: Iterable<number>) => {
	const badSet = new Set(bad);
	return Array.from({ length: n }, (_, i) =>
		contact(i, badSet.has(i) ? { age: `x${i}` } : { age: String(i) }),
	);
};

function mulberry32(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const failed = (r: RowResult<JsonObject> | undefined) => {
	if (r === undefined || r.ok) throw new Error(`expected a failed row, got ${JSON.stringify(r)}`);
	return r;
};

describe('writeInBatches: 400 split-and-retry', () => {
	it("isolates exactly the bad rows, lands every good row and reports HubSpot's reason", async () => {
		const hubspot = new FakeHubSpot({ invalidMode: 'batch400' });
		const rows = rowsWithBad(10, [3, 7]);
		const out = await writeHubSpotBatches(fakeApi, rows, {
			batchSize: 10,
			concurrency: 1,
			send: hubspot.send,
		});

		expect(out.size).toBe(10);
		for (let i = 0; i < 10; i++) {
			const result = out.get(`k${i}`);
			if (i === 3 || i === 7) {
				const f = failed(result);
				expect(f.message).toBe(
					`Property values were not valid: age: "x${i}" was not a valid number.`,
				);
				expect(f.field).toBe('age');
				expect(f.fatal).toBeUndefined();
				expect(hubspot.records.has(`c${i}@example.com`)).toBe(false);
			} else {
				expect(result?.ok).toBe(true);
				expect(hubspot.records.get(`c${i}@example.com`)?.age).toBe(String(i));
			}
		}
		// 10 → 5+5 → (3+2)+(3+2) → ... : each bad row is alone in the last call that mentions it.
		const lastCallsWith = (key: string) => hubspot.calls.filter((c) => c.includes(key)).at(-1);
		expect(lastCallsWith('k3')).toEqual(['k3']);
		expect(lastCallsWith('k7')).toEqual(['k7']);
	});

	it('keeps the number of calls within 1 + 2·k·ceil(log2 n) for k bad rows in a batch of n', async () => {
		const random = mulberry32(20251215);
		for (const n of [1, 2, 7, 64, 100]) {
			for (const k of [0, 1, 2, 5]) {
				if (k > n) continue;
				for (let trial = 0; trial < 5; trial++) {
					const bad = new Set<number>();
					while (bad.size < k) bad.add(Math.floor(random() * n));
					const hubspot = new FakeHubSpot({ invalidMode: 'batch400' });
					const out = await writeHubSpotBatches(fakeApi, rowsWithBad(n, bad), {
						batchSize: 100,
						concurrency: 1,
						send: hubspot.send,
					});
					const bound = 1 + 2 * k * Math.ceil(Math.log2(Math.max(n, 1)));
					expect(hubspot.calls.length).toBeLessThanOrEqual(bound);
					if (k === 0) expect(hubspot.calls.length).toBe(1);
					expect(hubspot.records.size).toBe(n - k);
					const failedKeys = [...out].filter(([, r]) => !r.ok).map(([key]) => key);
					expect(failedKeys.sort()).toEqual([...bad].map((i) => `k${i}`).sort());
				}
			}
		}
	});

	it('does not split other statuses unless asked, and splits the ones in splitOn', async () => {
		let calls: number[] = [];
		// A 409 on the whole batch (e.g. a conflict) fails the batch as is by default…
		const conflict = async (
			batch: Array<WriteRow<Contact>>,
		): Promise<HubSpotResponse<BatchBody>> => {
			calls.push(batch.length);
			if (batch.some((r) => r.key === 'k1'))
				throw httpError(409, { message: 'Contact already exists. Existing ID: 9' }, {});
			return {
				status: 200,
				body: { results: batch.map((r) => ({ id: r.key, objectWriteTraceId: r.key })) },
				headers: {},
			};
		};
		const rows = [contact(0), contact(1), contact(2), contact(3)];
		const plain = await writeHubSpotBatches(fakeApi, rows, {
			batchSize: 4,
			concurrency: 1,
			send: conflict,
		});
		expect(calls).toEqual([4]);
		expect([...plain.values()].map((r) => r.ok)).toEqual([false, false, false, false]);
		expect(failed(plain.get('k0')).message).toBe(
			'mapped 409: Contact already exists. Existing ID: 9',
		);

		// …and is narrowed down to the one row when 409 is in splitOn.
		calls = [];
		const split = await writeHubSpotBatches(fakeApi, rows, {
			batchSize: 4,
			concurrency: 1,
			send: conflict,
			splitOn: [400, 409],
		});
		expect(calls).toEqual([4, 2, 1, 1, 2]);
		expect(rows.map((r) => split.get(r.key)?.ok)).toEqual([true, false, true, true]);
		const f = failed(split.get('k1'));
		expect(f.message).toBe('Contact already exists. Existing ID: 9');
		expect(f.field).toBeUndefined();
	});
});

describe('writeInBatches: 207 mapping', () => {
	it.each<TracePlacement>(['top', 'context'])(
		'matches results and per-input errors by objectWriteTraceId (%s), one call per batch',
		async (trace) => {
			const hubspot = new FakeHubSpot({ invalidMode: 'perInput207', trace });
			const rows = rowsWithBad(7, [1, 2, 5]);
			rows.push(contact(7, { favourite_color: 'teal' }));
			const out = await writeHubSpotBatches(fakeApi, rows, {
				batchSize: 3,
				concurrency: 1,
				send: hubspot.send,
			});
			expect(hubspot.calls).toEqual([
				['k0', 'k1', 'k2'],
				['k3', 'k4', 'k5'],
				['k6', 'k7'],
			]);
			expect(rows.map((r) => out.get(r.key)?.ok)).toEqual([
				true,
				false,
				false,
				true,
				true,
				false,
				true,
				false,
			]);
			// Two bad rows in one batch: each gets its own reason.
			expect(failed(out.get('k1')).message).toBe(
				'Property values were not valid: age: "x1" was not a valid number.',
			);
			expect(failed(out.get('k2')).message).toBe(
				'Property values were not valid: age: "x2" was not a valid number.',
			);
			expect(failed(out.get('k5')).message).toBe(
				'Property values were not valid: age: "x5" was not a valid number.',
			);
			expect(failed(out.get('k7')).message).toBe(
				'Property values were not valid: favourite_color: Property "favourite_color" does not exist',
			);
			expect(failed(out.get('k7')).field).toBe('favourite_color');
			// Each result lands on its own row although HubSpot answered in reverse order.
			const ok = out.get('k4');
			expect(ok?.ok && (ok.value.properties as JsonObject).email).toBe('c4@example.com');
		},
	);

	it('uses fallbackKey when results and errors carry no objectWriteTraceId', async () => {
		const hubspot = new FakeHubSpot({ invalidMode: 'perInput207', trace: 'none' });
		const rows = rowsWithBad(4, [2]);
		const out = await writeHubSpotBatches(fakeApi, rows, {
			batchSize: 4,
			concurrency: 1,
			send: hubspot.send,
			fallbackKey: byEmail,
		});
		for (const i of [0, 1, 3]) {
			const r = out.get(`k${i}`);
			expect(r?.ok && (r.value.properties as JsonObject).email).toBe(`c${i}@example.com`);
		}
		expect(failed(out.get('k2')).field).toBe('age');
		expect(failed(out.get('k2')).message).toContain('"x2" was not a valid number.');
	});

	it('reports a written row HubSpot gave no result for, without claiming it failed to write', async () => {
		const hubspot = new FakeHubSpot({
			invalidMode: 'perInput207',
			resultMissingFor: ['c1@example.com'],
		});
		const out = await writeHubSpotBatches(fakeApi, [contact(0), contact(1), contact(2)], {
			batchSize: 10,
			concurrency: 1,
			send: hubspot.send,
		});
		expect(out.get('k0')?.ok).toBe(true);
		expect(out.get('k2')?.ok).toBe(true);
		const f = failed(out.get('k1'));
		expect(f.message).toBe('HubSpot returned no result for this row; it may not have been written');
		expect(f.error).toBeUndefined();
		expect(f.fatal).toBeUndefined();
		expect(f.uncertain).toBe(true);
	});

	it('never matches by position: without trace IDs or a fallback key, rows are unconfirmed, and an untied error blames none of them', async () => {
		// A create answers records HubSpot made and errors for the rest, none naming its input.
		const hubspot = new FakeHubSpot({
			invalidMode: 'perInput207',
			trace: 'none',
			untiedErrors: true,
		});
		const out = await writeHubSpotBatches(fakeApi, rowsWithBad(4, [2]), {
			batchSize: 4,
			concurrency: 1,
			send: hubspot.send,
		});
		expect(hubspot.records.size).toBe(3);
		for (let i = 0; i < 4; i++) {
			const f = failed(out.get(`k${i}`));
			expect(f.message).toBe(
				'HubSpot returned no result for this row; it may not have been written',
			);
			expect(f.uncertain).toBe(true);
		}
	});

	it('gives an error that names no input to the rows that got no result, not to written ones', async () => {
		const hubspot = new FakeHubSpot({ invalidMode: 'perInput207', untiedErrors: true });
		const out = await writeHubSpotBatches(fakeApi, rowsWithBad(4, [1]), {
			batchSize: 4,
			concurrency: 1,
			send: hubspot.send,
			fallbackKey: byEmail,
		});
		expect([0, 1, 2, 3].map((i) => out.get(`k${i}`)?.ok)).toEqual([true, false, true, true]);
		expect(failed(out.get('k1')).message).toBe(
			'Property values were not valid: age: "x1" was not a valid number.',
		);
	});

	it('keeps a row that has a result as written even when an error also names it', async () => {
		const out = await writeHubSpotBatches(fakeApi, [contact(0), contact(1)], {
			batchSize: 2,
			concurrency: 1,
			send: async () => ({
				status: 207,
				body: {
					results: [
						{ id: '1', objectWriteTraceId: 'k0' },
						{ id: '2', objectWriteTraceId: 'k1' },
					],
					errors: [
						{
							status: 'error',
							message: 'Association could not be created',
							objectWriteTraceId: 'k0',
						},
					],
				},
				headers: {},
			}),
		});
		expect(out.get('k0')?.ok).toBe(true);
		expect(out.get('k1')?.ok).toBe(true);
	});

	it('gives an untied error only to rows that have no outcome yet, not to rows with their own error', async () => {
		const out = await writeHubSpotBatches(fakeApi, [contact(0), contact(1), contact(2)], {
			batchSize: 3,
			concurrency: 1,
			send: async () => ({
				status: 207,
				body: {
					results: [{ id: '1', objectWriteTraceId: 'k0' }],
					errors: [
						{ status: 'error', message: 'row one is bad', objectWriteTraceId: 'k1' },
						{ status: 'error', message: 'something HubSpot tied to no input' },
					] as JsonObject[],
				},
				headers: {},
			}),
		});
		expect(out.get('k0')?.ok).toBe(true);
		expect(failed(out.get('k1')).message).toBe('row one is bad');
		expect(failed(out.get('k2')).message).toBe('something HubSpot tied to no input');
	});

	it('ignores a trace id that belongs to no row of the batch', async () => {
		const out = await writeHubSpotBatches(fakeApi, [contact(0), contact(1)], {
			batchSize: 2,
			concurrency: 1,
			send: async () => ({
				status: 200,
				body: {
					results: [
						{ id: '1', objectWriteTraceId: 'k0' },
						{ id: '2', objectWriteTraceId: 'elsewhere' },
					],
				},
				headers: {},
			}),
		});
		expect(out.get('k0')?.ok).toBe(true);
		expect(failed(out.get('k1')).message).toMatch(/^HubSpot returned no result/);
		expect(out.has('elsewhere')).toBe(false);
	});
});

describe('writeInBatches: failures', () => {
	it.each<['401' | 'daily' | '403', string]>([
		[
			'401',
			'mapped 401: Authentication credentials not found. This API supports OAuth 2.0 authentication.',
		],
		['daily', 'mapped 429: You have reached your daily limit.'],
		['403', "mapped 403: This app hasn't been granted all required scopes to make this call."],
	])('a fatal %s stops further sends and marks every remaining row', async (kind, message) => {
		const hubspot = new FakeHubSpot({ invalidMode: 'batch400', fatalFromCall: { call: 3, kind } });
		const rows = Array.from({ length: 10 }, (_, i) => contact(i));
		const out = await writeHubSpotBatches(fakeApi, rows, {
			batchSize: 2,
			concurrency: 1,
			send: hubspot.send,
		});
		expect(hubspot.calls).toHaveLength(3);
		expect(out.size).toBe(10);
		for (let i = 0; i < 4; i++) expect(out.get(`k${i}`)?.ok).toBe(true);
		for (let i = 4; i < 10; i++) {
			const f = failed(out.get(`k${i}`));
			expect(f.fatal).toBe(true);
			expect(f.message).toBe(message);
			expect(f.error).toBeInstanceOf(AttemptError);
		}
	});

	it('a fatal error during a split stops the split too', async () => {
		// Call 1: the whole batch is rejected for row 1; call 2 (the first half) hits the daily limit.
		const hubspot = new FakeHubSpot({
			invalidMode: 'batch400',
			fatalFromCall: { call: 2, kind: 'daily' },
		});
		const out = await writeHubSpotBatches(fakeApi, rowsWithBad(8, [1]), {
			batchSize: 8,
			concurrency: 1,
			send: hubspot.send,
		});
		expect(hubspot.calls.map((c) => c.length)).toEqual([8, 4]);
		expect(hubspot.records.size).toBe(0);
		for (let i = 0; i < 8; i++) expect(failed(out.get(`k${i}`)).fatal).toBe(true);
	});

	it('a non-fatal failure (500 after retries) fails only its own batch', async () => {
		const hubspot = new FakeHubSpot({ invalidMode: 'batch400', serverErrorOnCall: 2 });
		const rows = Array.from({ length: 6 }, (_, i) => contact(i));
		const out = await writeHubSpotBatches(fakeApi, rows, {
			batchSize: 2,
			concurrency: 1,
			send: hubspot.send,
		});
		expect(hubspot.calls).toHaveLength(3);
		expect(rows.map((r) => out.get(r.key)?.ok)).toEqual([true, true, false, false, true, true]);
		const f = failed(out.get('k2'));
		expect(f.message).toBe('mapped 500: internal error');
		expect(f.fatal).toBe(false);
	});

	it('uses the real HubSpotApi message for a revoked token', async () => {
		const node: INode = {
			id: 'n1',
			name: 'HubSpot Batch',
			type: 'n8n-nodes-marketing-ops.hubSpotBatch',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		// toNodeError needs only the node from its context.
		const api = new HubSpotApi({ getNode: () => node } as unknown as HubSpotContext, {
			accessToken: 'pat-na1-secret',
			baseUrl: 'http://127.0.0.1:1',
		});
		try {
			const hubspot = new FakeHubSpot({
				invalidMode: 'batch400',
				fatalFromCall: { call: 1, kind: '401' },
			});
			const out = await writeHubSpotBatches(api, [contact(0), contact(1), contact(2)], {
				batchSize: 1,
				concurrency: 1,
				send: hubspot.send,
			});
			expect(hubspot.calls).toHaveLength(1);
			for (const key of ['k0', 'k1', 'k2'])
				expect(failed(out.get(key)).message).toBe(
					'HubSpot rejected the access token (401): token revoked or invalid',
				);
		} finally {
			resetRateLimiters();
		}
	});

	it('runs batches concurrently up to the limit and accounts for every row', async () => {
		const hubspot = new FakeHubSpot({ invalidMode: 'perInput207' });
		const rows = rowsWithBad(25, [4, 17]);
		const out = await writeHubSpotBatches(fakeApi, rows, {
			batchSize: 3,
			concurrency: 3,
			send: hubspot.send,
		});
		expect(hubspot.calls).toHaveLength(9);
		expect(hubspot.maxInFlight).toBe(3);
		expect(out.size).toBe(25);
		expect(
			[...out]
				.filter(([, r]) => !r.ok)
				.map(([k]) => k)
				.sort(),
		).toEqual(['k17', 'k4']);
	});
});

describe('blamedProperty / rowMessage', () => {
	const invalid = (items: object[]) => `Property values were not valid: ${JSON.stringify(items)}`;
	const item = (name: string, message: string) => ({
		isValid: false,
		message,
		error: 'INVALID_OPTION',
		name,
		localizedErrorMessage: message,
		portalId: 123,
	});

	it("reads the property and reason from HubSpot's JSON-in-text message", () => {
		const entry = {
			status: 'error',
			message: invalid([
				item('lifecyclestage', 'sales_ready was not one of the allowed options: [lead, customer]'),
			]),
			category: 'VALIDATION_ERROR',
		};
		expect(blamedProperty(entry)).toBe('lifecyclestage');
		expect(rowMessage(entry, 'fallback')).toBe(
			'Property values were not valid: lifecyclestage: sales_ready was not one of the allowed options: [lead, customer]',
		);
	});

	it('joins several reasons and blames the first named property', () => {
		const entry = {
			message: invalid([
				item('age', '"x" was not a valid number.'),
				item('hs_lead_status', 'NOPE was not one of the allowed options'),
			]),
		};
		expect(blamedProperty(entry)).toBe('age');
		expect(rowMessage(entry, 'fallback')).toBe(
			'Property values were not valid: age: "x" was not a valid number.; hs_lead_status: NOPE was not one of the allowed options',
		);
	});

	it('prefers context.propertyName', () => {
		const entry = {
			status: 'error',
			message: invalid([item('age', 'bad')]),
			context: { propertyName: ['phone'] },
		};
		expect(blamedProperty(entry)).toBe('phone');
	});

	it('looks into nested errors', () => {
		const entry: JsonObject = {
			status: 'error',
			message: 'Invalid input JSON on line 1',
			errors: [
				{ message: 'something general' },
				{ message: 'bad value', context: { propertyName: ['jobtitle'] } },
			],
		};
		expect(blamedProperty(entry)).toBe('jobtitle');
		expect(rowMessage(entry, 'fallback')).toBe('Invalid input JSON on line 1');
	});

	it('falls back to a "Property x …" sentence', () => {
		expect(blamedProperty({ message: 'Property "hs_lead_status" is read only' })).toBe(
			'hs_lead_status',
		);
		expect(
			blamedProperty({
				message: 'Property favourite_color is not a unique identifier property of contacts',
			}),
		).toBe('favourite_color');
	});

	it('blames nothing and keeps the text when no property is named', () => {
		const duplicate = {
			message: 'Duplicate IDs found in batch input: [a@example.com]. IDs must be unique',
		};
		expect(blamedProperty(duplicate)).toBeUndefined();
		expect(rowMessage(duplicate, 'fallback')).toBe(duplicate.message);
		expect(blamedProperty({ message: 'Contact already exists. Existing ID: 901' })).toBeUndefined();
		expect(blamedProperty(undefined)).toBeUndefined();
		expect(rowMessage(undefined, 'HubSpot rejected this row')).toBe('HubSpot rejected this row');
		expect(rowMessage({ status: 'error' }, 'HubSpot rejected this row')).toBe(
			'HubSpot rejected this row',
		);
	});

	// Regression: when the JSON items carry no `name` (or the JSON is cut off), the sentence
	// fallback matches "Property values were …" itself and blames a property called "values".
	it('does not blame "values" for HubSpot\'s own "Property values were not valid" wording', () => {
		expect(
			blamedProperty({ message: invalid([{ isValid: false, message: 'bad' }]) }),
		).toBeUndefined();
		expect(
			blamedProperty({ message: 'Property values were not valid: [{"isValid":false,"mess' }),
		).toBeUndefined();
	});
});

describe('toHubSpotValue', () => {
	const def = (type: string): PropertyDefinition => ({
		name: 'p',
		label: 'P',
		type,
		fieldType: 'text',
	});

	it.each<[string, unknown, PropertyDefinition | undefined, string | undefined]>([
		['undefined', undefined, undefined, undefined],
		['null', null, def('string'), undefined],
		['empty string', '', def('string'), undefined],
		['blank string', '   ', def('date'), undefined],
		['empty array', [], undefined, undefined],
		['array of empties', ['', null, undefined, '  '], undefined, undefined],
		['trimmed string', '  Ann ', def('string'), 'Ann'],
		['array joined by ;', ['a', ' b ', '', null, 3, true], def('enumeration'), 'a;b;3;true'],
		['true', true, def('bool'), 'true'],
		['false is a value, not empty', false, def('bool'), 'false'],
		['zero is a value, not empty', 0, def('number'), '0'],
		['plain object as JSON', { a: 1 }, undefined, '{"a":1}'],
		[
			'date type keeps the written day of an ISO datetime (not the UTC day)',
			'2025-12-15T23:30:00-05:00',
			def('date'),
			'2025-12-15',
		],
		['date type keeps a plain date', '2025-12-15', def('date'), '2025-12-15'],
		[
			'date type turns epoch ms (string) into the UTC day',
			'1765756800000',
			def('date'),
			'2025-12-15',
		],
		[
			'date type turns epoch ms (number) into the UTC day',
			1765756800000,
			def('date'),
			'2025-12-15',
		],
		[
			'a JS Date on a date property is its UTC day',
			new Date('2025-12-15T23:30:00-05:00'),
			def('date'),
			'2025-12-16',
		],
		[
			'datetime type keeps the full ISO text',
			'2025-12-15T23:30:00-05:00',
			def('datetime'),
			'2025-12-15T23:30:00-05:00',
		],
		['datetime type keeps epoch ms', '1765756800000', def('datetime'), '1765756800000'],
		[
			'a JS Date elsewhere is its ISO instant',
			new Date(Date.UTC(2025, 11, 15, 10)),
			def('datetime'),
			'2025-12-15T10:00:00.000Z',
		],
	])('%s', (_name, value, definition, expected) => {
		expect(toHubSpotValue(value, definition)).toBe(expected);
	});

	it('reads a luxon DateTime (n8n dateTime fields) in its own zone', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { DateTime } = require('luxon') as typeof import('luxon');
		const lateEvening = DateTime.fromISO('2025-12-15T23:30:00', { zone: 'America/New_York' });
		expect(toHubSpotValue(lateEvening, def('date'))).toBe('2025-12-15');
		expect(toHubSpotValue(lateEvening, def('datetime'))).toBe('2025-12-15T23:30:00.000-05:00');
		expect(toHubSpotValue(DateTime.invalid('nope'), def('date'))).toBeUndefined();
	});
});

describe('isWritable', () => {
	const base: PropertyDefinition = { name: 'p', label: 'P', type: 'string', fieldType: 'text' };
	it.each<[string, Partial<PropertyDefinition>, boolean]>([
		['a plain property', {}, true],
		['readOnly', { readOnly: true }, false],
		['read-only value', { modificationMetadata: { readOnlyValue: true } }, false],
		['calculated', { calculated: true }, false],
		[
			'explicitly writable metadata',
			{ modificationMetadata: { readOnlyValue: false }, readOnly: false },
			true,
		],
		['hidden but writable', { hidden: true }, true],
	])('%s → %s', (_name, extra, expected) => {
		expect(isWritable({ ...base, ...extra })).toBe(expected);
	});
});

describe('chunk', () => {
	it('splits into consecutive chunks of at most size', () => {
		expect(chunk([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
		expect(chunk([1, 2], 5)).toEqual([[1, 2]]);
		expect(chunk([], 100)).toEqual([]);
	});
	it.each([0, -1, 2.5, NaN])('rejects size %p', (size) => {
		expect(() => chunk([1], size)).toThrow(`Batch size must be a positive integer, got ${size}`);
	});
});

describe('mapWithConcurrency', () => {
	it('keeps input order and never exceeds the concurrency', async () => {
		let inFlight = 0;
		let max = 0;
		const delays = [30, 5, 20, 1, 15, 2, 8];
		const out = await mapWithConcurrency(delays, 3, async (ms, index) => {
			inFlight++;
			max = Math.max(max, inFlight);
			await new Promise((resolve) => setTimeout(resolve, ms));
			inFlight--;
			return `${index}:${ms}`;
		});
		expect(out).toEqual(delays.map((ms, i) => `${i}:${ms}`));
		expect(max).toBe(3);
	});

	it('rethrows the first failure after started calls settle and starts no new ones', async () => {
		const started: number[] = [];
		const finished: number[] = [];
		const promise = mapWithConcurrency([0, 1, 2, 3, 4, 5], 2, async (i) => {
			started.push(i);
			await new Promise((resolve) => setTimeout(resolve, i === 1 ? 1 : 20));
			if (i === 1) throw new Error('boom 1');
			finished.push(i);
			return i;
		});
		await expect(promise).rejects.toThrow('boom 1');
		expect(started).toEqual([0, 1]);
		expect(finished).toEqual([0]);
	});

	it('handles an empty list and a concurrency of 0', async () => {
		expect(await mapWithConcurrency([], 4, async (x: number) => x)).toEqual([]);
		expect(await mapWithConcurrency([1, 2], 0, async (x) => x * 2)).toEqual([2, 4]);
	});
});
