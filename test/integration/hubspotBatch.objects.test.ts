/**
 * HubSpot Batch › Object (Batch Upsert / Create / Read), Association › Batch Create (v4) and
 * Note › Batch Create, run by n8n-core in-process over real HTTP against the HubSpot emulator.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import {
	getObjectColumns,
	getObjectIdPropertyOptions,
	getObjectPropertyOptions,
	getObjectTypes,
} from '../../nodes/HubSpotBatch/v1/methods/objects';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import {
	ASSOCIATION_BATCH_LIMIT,
	startHubSpotEmulator,
	type HubSpotEmulator,
	type StartHubSpotEmulatorOptions,
} from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import {
	createLoadOptionsContext,
	runWorkflow,
	startThen,
	type WorkflowJson,
} from '../harness/inProcess';

const TOKEN = 'pat-emulator-token';
const objectsPath = (type: string, action: string) => `/crm/v3/objects/${type}/batch/${action}`;

let emulator: HubSpotEmulator;
afterEach(async () => {
	await emulator?.close();
	resetRateLimiters();
});

async function start(opts: StartHubSpotEmulatorOptions = {}) {
	emulator = await startHubSpotEmulator(opts);
	return emulator;
}

const credentials = () => ({
	hubSpotBatchApi: { accessToken: TOKEN, tier: 'professional', baseUrl: emulator.url },
});

function workflow(
	parameters: IDataObject,
	onError?: 'continueErrorOutput' | 'continueRegularOutput',
): WorkflowJson {
	return startThen(hubSpotNode(parameters, { onError }), { id: 'wf-hubspot-objects' });
}

async function run(
	rows: IDataObject[],
	parameters: IDataObject,
	onError?: 'continueErrorOutput' | 'continueRegularOutput',
) {
	return await runWorkflow(workflow(parameters, onError), {
		startItems: rows.map((json) => ({ json })),
		credentials: credentials(),
	});
}

const autoMap = { columns: { mappingMode: 'autoMapInputData', value: null } };
const object = (operation: string, objectType: string, extra: IDataObject = {}) => ({
	resource: 'object',
	operation,
	objectType,
	...autoMap,
	...extra,
});

const paired = (items: INodeExecutionData[]) =>
	items.map(
		(i) =>
			(Array.isArray(i.pairedItem) ? i.pairedItem[0] : (i.pairedItem as { item: number })).item,
	);

/** Direct API call to the emulator (test setup, not the node under test). */
async function api(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
	const res = await fetch(`${emulator.url}${path}`, {
		method,
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	if (res.status >= 400) throw new Error(`setup ${method} ${path} -> ${res.status} ${text}`);
	return text ? (JSON.parse(text) as IDataObject) : {};
}

/** Creates `n` records of `type` through the emulator's batch API; returns their ids in order. */
async function seed(type: string, n: number, props: (i: number) => IDataObject): Promise<string[]> {
	const ids: string[] = [];
	for (let i = 0; i < n; i += 100) {
		const inputs = Array.from({ length: Math.min(100, n - i) }, (_, k) => ({
			properties: props(i + k),
			objectWriteTraceId: String(k),
		}));
		const body = await api(objectsPath(type, 'create'), { inputs });
		// Results come back in any order: put them in input order by their trace IDs.
		const results = body.results as Array<{ id: string; objectWriteTraceId: string }>;
		const byTrace = new Map(results.map((r) => [r.objectWriteTraceId, r.id]));
		ids.push(...inputs.map((input) => byTrace.get(input.objectWriteTraceId)!));
	}
	return ids;
}

async function uniqueProperty(type: string, name: string, group: string) {
	await api(`/crm/v3/properties/${type}`, {
		name,
		label: name,
		type: 'string',
		fieldType: 'text',
		groupName: group,
		hasUniqueValue: true,
	});
}

const calls = (path: string) => emulator.requests({ method: 'POST', path });

describe('Object › Batch Upsert', () => {
	it('upserts by a unique property in ceil(unique/100) calls, merges rows with the same ID, reports created then updated', async () => {
		await start();
		await uniqueProperty('deals', 'deal_ref', 'dealinformation');
		// 250 rows, every 25th repeats an earlier ref: 240 unique ids.
		const rows: IDataObject[] = Array.from({ length: 250 }, (_, i) =>
			i % 25 === 24
				? { deal_ref: `D-${i - 3}`, dealname: `Again ${i}`, amount: i }
				: { deal_ref: `D-${i}`, dealname: `Deal ${i}`, amount: i, not_a_property: 'x' },
		);
		const params = object('batchUpsert', 'deals', { idProperty: 'deal_ref' });
		const first = await run(rows, params);
		expect(first.error).toBeUndefined();
		const [out] = first.outputs('HubSpot');
		expect(out).toHaveLength(250);
		expect(paired(out)).toEqual(rows.map((_, i) => i));
		expect(calls(objectsPath('deals', 'upsert'))).toHaveLength(Math.ceil(240 / 100));
		expect(calls(objectsPath('deals', 'upsert')).map((r) => r.inputCount)).toEqual([100, 100, 40]);
		expect(out.every((i) => i.json.status === 'created')).toBe(true);
		const stored = emulator.objects('deals');
		expect(stored).toHaveLength(240);
		// Row 24 repeats D-21: both items carry one id and the later row's values won.
		expect(out[24].json.hubspot_id).toBe(out[21].json.hubspot_id);
		const d21 = stored.find((d) => d.properties.deal_ref === 'D-21')!;
		expect(d21.properties).toMatchObject({ dealname: 'Again 24', amount: '24' });
		expect(d21.properties).not.toHaveProperty('not_a_property');
		// Output items keep the input fields.
		expect(out[0].json).toMatchObject({ deal_ref: 'D-0', not_a_property: 'x', status: 'created' });

		const second = await run(
			rows.slice(0, 3).map((r) => ({ ...r, dealname: 'Renamed' })),
			params,
		);
		const [again] = second.outputs('HubSpot');
		expect(again.map((i) => i.json.status)).toEqual(['updated', 'updated', 'updated']);
		expect(again[0].json.hubspot_id).toBe(out[0].json.hubspot_id);
		expect(emulator.objects('deals')).toHaveLength(240);
		expect(
			emulator.objects('deals').find((d) => d.properties.deal_ref === 'D-0')!.properties.dealname,
		).toBe('Renamed');
	});

	it('refuses a non-unique ID property before writing, naming the field', async () => {
		await start();
		const result = await run(
			[{ domain: 'acme.com', name: 'Acme' }],
			object('batchUpsert', 'companies', { idProperty: 'domain' }),
		);
		expect(result.error?.message).toBe(
			`Field 'idProperty': "domain" does not hold unique values in HubSpot, so companies cannot be upserted by it`,
		);
		expect(calls(objectsPath('companies', 'upsert'))).toHaveLength(0);
	});

	it('reports a row without the ID value, naming the field, and writes the others', async () => {
		await start();
		await uniqueProperty('companies', 'erp_id', 'companyinformation');
		const result = await run(
			[{ erp_id: 'E-1', name: 'One' }, { name: 'No id' }, { erp_id: 'E-3', name: 'Three' }],
			object('batchUpsert', 'companies', { idProperty: 'erp_id' }),
			'continueRegularOutput',
		);
		const [out] = result.outputs('HubSpot');
		expect(out.map((i) => i.json.status)).toEqual(['created', 'error', 'created']);
		expect(out[1].json.error).toBe(
			"Field 'erp_id': missing; companies are upserted by erp_id (the ID Property), read from the input field of that name",
		);
		expect(emulator.objects('companies')).toHaveLength(2);
	});

	it('is retried after a 500 (an upsert is idempotent), so every row lands once', async () => {
		await start();
		await uniqueProperty('companies', 'erp_id', 'companyinformation');
		const params = object('batchUpsert', 'companies', { idProperty: 'erp_id' });
		await run([{ erp_id: 'warm', name: 'Warm-up' }], params); // caches the property list
		emulator.setFaults({ force5xx: 1, status5xx: 500 });
		const result = await run(
			Array.from({ length: 50 }, (_, i) => ({ erp_id: `E-${i}`, name: `C${i}` })),
			params,
		);
		expect(result.error).toBeUndefined();
		expect(calls(objectsPath('companies', 'upsert')).map((r) => r.status)).toEqual([200, 500, 200]);
		expect(emulator.objects('companies')).toHaveLength(51);
	});

	it('upserts into a custom object found through GET /crm/v3/schemas, with its unique property offered as ID', async () => {
		await start();
		const schema = await api('/crm/v3/schemas', {
			name: 'pets',
			labels: { singular: 'Pet', plural: 'Pets' },
			requiredProperties: ['pet_name'],
			properties: [
				{ name: 'pet_name', label: 'Pet name', type: 'string' },
				{ name: 'chip_id', label: 'Chip ID', type: 'string', hasUniqueValue: true },
			],
		});
		const typeId = String(schema.objectTypeId);
		const params = object('batchUpsert', typeId, { idProperty: 'chip_id' });
		const ctx = createLoadOptionsContext(workflow(params), 'HubSpot', {
			credentials: credentials(),
		});
		const types = await getObjectTypes.call(ctx);
		expect(types.map((t) => t.value)).toEqual(
			expect.arrayContaining(['contacts', 'line_items', typeId]),
		);
		expect(types.find((t) => t.value === typeId)?.name).toBe('Pets (Custom)');
		expect((await getObjectIdPropertyOptions.call(ctx)).map((o) => o.value)).toEqual(['chip_id']);
		expect((await getObjectPropertyOptions.call(ctx)).map((o) => o.value)).toEqual([
			'chip_id',
			'pet_name',
		]);
		const columns = await getObjectColumns.call(ctx);
		expect(columns.fields.map((f) => [f.id, f.required])).toEqual([
			['chip_id', true],
			['pet_name', false],
		]);

		const result = await run(
			[
				{ chip_id: 'C-1', pet_name: 'Rex' },
				{ chip_id: 'C-2', pet_name: 'Tom' },
			],
			params,
		);
		expect(result.error).toBeUndefined();
		expect(result.json('HubSpot').map((j) => j.status)).toEqual(['created', 'created']);
		expect(calls(objectsPath(typeId, 'upsert'))).toHaveLength(1);
		expect(emulator.objects(typeId).map((r) => r.properties.pet_name)).toEqual(['Rex', 'Tom']);
	});
});

describe('Object › Batch Create', () => {
	it('creates one record per item in ceil(n/100) calls, objectWriteTraceId-paired', async () => {
		await start();
		const rows = Array.from({ length: 250 }, (_, i) => ({
			name: `Company ${i}`,
			domain: `c${i}.com`,
		}));
		const result = await run(rows, object('batchCreate', 'companies'));
		expect(result.error).toBeUndefined();
		const [out] = result.outputs('HubSpot');
		expect(paired(out)).toEqual(rows.map((_, i) => i));
		expect(calls(objectsPath('companies', 'create')).map((r) => r.inputCount)).toEqual([
			100, 100, 50,
		]);
		const stored = emulator.objects('companies');
		expect(stored).toHaveLength(250);
		// Each item got the id of the record made from it, not a neighbour's.
		for (const i of [0, 99, 100, 249]) {
			const rec = stored.find((r) => r.id === out[i].json.hubspot_id)!;
			expect(rec.properties.name).toBe(`Company ${i}`);
			expect(out[i].json.status).toBe('created');
		}
	});

	it('Combine With Concurrent Executions: 150 one-item executions at once share 2 calls, each gets its own record', async () => {
		await start();
		await run([{ name: 'Warm-up' }], object('batchCreate', 'deals')); // caches the property list
		const before = calls(objectsPath('deals', 'create')).length;
		const results = await Promise.all(
			Array.from(
				{ length: 150 },
				async (_, i) =>
					await run(
						[{ dealname: `Booking ${i}` }],
						object('batchCreate', 'deals', { options: { combineWithinMs: 200 } }),
					),
			),
		);
		const sent = calls(objectsPath('deals', 'create')).slice(before);
		expect(sent.map((r) => r.inputCount).sort((a, b) => b! - a!)).toEqual([100, 50]);
		const stored = emulator.objects('deals');
		results.forEach((result, i) => {
			expect(result.error).toBeUndefined();
			const [out] = result.outputs('HubSpot');
			expect(out).toHaveLength(1);
			expect(paired(out)).toEqual([0]);
			expect(out[0].json.status).toBe('created');
			expect(stored.find((d) => d.id === out[0].json.hubspot_id)?.properties.dealname).toBe(
				`Booking ${i}`,
			);
		});
	});

	it('Combine With Concurrent Executions: a row HubSpot rejects fails only its own execution', async () => {
		await start({ invalidMode: 'perInput207' });
		await run([{ dealname: 'Warm-up' }], object('batchCreate', 'deals'));
		const results = await Promise.all(
			[1, 'lots', 3].map(
				async (amount, i) =>
					await run(
						[{ dealname: `Booking ${i}`, amount }],
						object('batchCreate', 'deals', { options: { combineWithinMs: 200 } }),
						'continueErrorOutput',
					),
			),
		);
		expect(results.map((r) => r.outputs('HubSpot').map((o) => o.length))).toEqual([
			[1, 0],
			[0, 1],
			[1, 0],
		]);
		expect(String(results[1].outputs('HubSpot')[1][0].json.error)).toMatch(/amount/);
		expect(
			calls(objectsPath('deals', 'create'))
				.slice(1)
				.map((r) => r.inputCount),
		).toEqual([3]);
	});

	it.each(['batch400', 'perInput207'] as const)(
		'%s: bad rows are reported with HubSpot’s message while the good rows land (in = landed + reported)',
		async (invalidMode) => {
			await start({ invalidMode });
			const rows: IDataObject[] = Array.from({ length: 230 }, (_, i) => ({
				dealname: `Deal ${i}`,
				amount: i % 50 === 7 ? 'lots' : i,
			}));
			const bad = rows.flatMap((r, i) => (r.amount === 'lots' ? [i] : []));
			expect(bad).toHaveLength(5);
			const result = await run(rows, object('batchCreate', 'deals'), 'continueErrorOutput');
			expect(result.error).toBeUndefined();
			const [landed, reported] = result.outputs('HubSpot');
			expect(landed.length + reported.length).toBe(230);
			expect(paired(reported).sort((a, b) => a - b)).toEqual(bad);
			for (const item of reported) {
				expect(String(item.json.error)).toMatch(/amount: "lots" was not a valid number/);
				expect(item.json.details).toMatchObject({
					status: 'error',
					error_field: 'amount',
					error_property: 'amount',
				});
			}
			expect(emulator.objects('deals')).toHaveLength(225);
			expect(emulator.objects('deals').some((d) => d.properties.amount === 'lots')).toBe(false);
		},
	);

	it('a 500 on create is not retried: that batch is reported as possibly written, the next batch lands', async () => {
		await start();
		await run([{ name: 'Warm-up' }], object('batchCreate', 'companies')); // caches the property list
		emulator.setFaults({ force5xx: 1, status5xx: 500 });
		const rows = Array.from({ length: 150 }, (_, i) => ({ name: `C${i}` }));
		const result = await run(
			rows,
			object('batchCreate', 'companies', { options: { concurrency: 1 } }),
			'continueRegularOutput',
		);
		const creates = calls(objectsPath('companies', 'create')).slice(1);
		expect(creates.map((r) => r.status)).toEqual([500, 201]);
		const [out] = result.outputs('HubSpot');
		expect(out.slice(0, 100).every((i) => i.json.status === 'error')).toBe(true);
		expect(out[0].json.error).toBe(
			'HubSpot server error 500 (tried once and not retried: it may still have been applied): internal error',
		);
		expect(out.slice(100).every((i) => i.json.status === 'created')).toBe(true);
		expect(emulator.objects('companies')).toHaveLength(1 + 50);
	});

	// Issue E: creates were retried after a 502/503, which a proxy can answer after the create was applied.
	it.each([502, 503])(
		'a %d on create is not retried: the rows are reported as possibly written, and HubSpot gets the create once',
		async (status) => {
			await start();
			await run([{ name: 'Warm-up' }], object('batchCreate', 'companies'));
			// The proxy's 5xx comes after HubSpot applied the create.
			emulator.setFaults({ force5xxAfterApply: 1, status5xx: status });
			const rows = Array.from({ length: 100 }, (_, i) => ({ name: `C${i}` }));
			const result = await run(rows, object('batchCreate', 'companies'), 'continueRegularOutput');
			const creates = calls(objectsPath('companies', 'create')).slice(1);
			expect(creates.map((r) => r.status)).toEqual([status]);
			// Applied once, never twice.
			expect(emulator.objects('companies')).toHaveLength(1 + 100);
			const out = result.json('HubSpot');
			expect(out).toHaveLength(100);
			for (const json of out) {
				expect(json.status).toBe('error');
				expect(json.hubspot_id).toBeNull();
				expect(json.error).toBe(
					`HubSpot server error ${status} (tried once and not retried: it may still have been applied): ${status === 502 ? 'Bad Gateway' : 'Service Unavailable'}`,
				);
			}
		},
	);

	it('rejects an item that maps no property, naming the field, without sending it', async () => {
		await start();
		const result = await run(
			[{ name: 'Acme' }, { unrelated: 1 }],
			object('batchCreate', 'companies'),
			'continueRegularOutput',
		);
		const [out] = result.outputs('HubSpot');
		expect(out.map((i) => i.json.status)).toEqual(['created', 'error']);
		expect(out[1].json.error).toBe(
			"Field 'columns': no property to write; no input field is named like a writable companies property",
		);
		expect(calls(objectsPath('companies', 'create'))[0].inputCount).toBe(1);
	});
});

describe('Object › Batch Read', () => {
	it('reads by record ID in ceil(unique/100) calls; missing ids are not_found on the main output, not errors', async () => {
		await start();
		const ids = await seed('companies', 230, (i) => ({
			name: `Company ${i}`,
			domain: `c${i}.com`,
		}));
		const rows: IDataObject[] = [
			...ids.map((id) => ({ hubspot_id: id })),
			...Array.from({ length: 20 }, (_, i) => ({ hs_object_id: String(900000 + i) })),
			{ hubspot_id: ids[5] }, // a repeat: read once, reported twice
		];
		const before = calls(objectsPath('companies', 'read')).length;
		const result = await run(
			rows,
			object('batchRead', 'companies', { idProperty: 'hs_object_id', properties: ['name'] }),
		);
		expect(result.error).toBeUndefined();
		const [out] = result.outputs('HubSpot');
		expect(out).toHaveLength(251);
		expect(paired(out)).toEqual(rows.map((_, i) => i));
		const reads = calls(objectsPath('companies', 'read')).slice(before);
		expect(reads.map((r) => r.inputCount)).toEqual([100, 100, 50]);
		expect(out.filter((i) => i.json.status === 'found')).toHaveLength(231);
		expect(out.filter((i) => i.json.status === 'not_found')).toHaveLength(20);
		expect(out.some((i) => 'error' in i.json)).toBe(false);
		expect(out[7].json).toMatchObject({
			hubspot_id: ids[7],
			status: 'found',
			properties: { name: 'Company 7' },
		});
		expect((out[7].json.properties as IDataObject).domain).toBeUndefined();
		expect(out[230].json).toMatchObject({
			hs_object_id: '900000',
			hubspot_id: null,
			status: 'not_found',
		});
		expect(out[250].json.hubspot_id).toBe(ids[5]);
	});

	it('reads contacts by email (case-insensitive) and reports a malformed record ID naming the field', async () => {
		await start();
		const [ada] = await seed('contacts', 1, () => ({ email: 'ada@example.com', firstname: 'Ada' }));
		const byEmail = await run(
			[{ email: 'ADA@example.com' }, { email: 'nobody@example.com' }],
			object('batchRead', 'contacts', { idProperty: 'email', properties: ['firstname'] }),
		);
		expect(byEmail.json('HubSpot').map((j) => [j.status, j.hubspot_id])).toEqual([
			['found', ada],
			['not_found', null],
		]);
		expect(byEmail.json('HubSpot')[0].properties).toMatchObject({ firstname: 'Ada' });

		const bad = await run(
			[{ hs_object_id: 'abc' }, { hubspot_id: ada }],
			object('batchRead', 'contacts', { idProperty: 'hs_object_id' }),
			'continueRegularOutput',
		);
		const [out] = bad.outputs('HubSpot');
		expect(out[0].json).toMatchObject({
			status: 'error',
			error: `Field 'hs_object_id': "abc" is not a HubSpot record ID (digits only)`,
		});
		expect(out[1].json.status).toBe('found');
		expect(calls(objectsPath('contacts', 'read')).at(-1)?.inputCount).toBe(1);
	});
});

describe('Association › Batch Create (v4)', () => {
	const assoc = (extra: IDataObject) => ({
		resource: 'association',
		operation: 'batchCreate',
		fromObjectType: 'contacts',
		toObjectType: 'companies',
		fromId: '={{ $json.hubspot_id }}',
		toId: '={{ $json.company_id }}',
		...extra,
	});

	it(`default: ${ASSOCIATION_BATCH_LIMIT + 100} pairs take 2 calls to batch/associate/default and store HubSpot's unlabelled type`, async () => {
		await start();
		const n = ASSOCIATION_BATCH_LIMIT + 100;
		const contacts = await seed('contacts', n, (i) => ({ email: `p${i}@example.com` }));
		const [company] = await seed('companies', 1, () => ({ name: 'Acme' }));
		const rows = contacts.map((id) => ({ hubspot_id: id, company_id: company }));
		const result = await run(rows, assoc({ associationType: 'default' }));
		expect(result.error).toBeUndefined();
		const path = '/crm/v4/associations/contacts/companies/batch/associate/default';
		expect(calls(path).map((r) => r.inputCount)).toEqual([ASSOCIATION_BATCH_LIMIT, 100]);
		expect(calls('/crm/v4/associations/contacts/companies/batch/create')).toHaveLength(0);
		const [out] = result.outputs('HubSpot');
		expect(out.every((i) => i.json.status === 'associated')).toBe(true);
		expect(out[3].json).toMatchObject({
			hubspot_id: contacts[3],
			association: {
				fromObjectType: 'contacts',
				fromId: contacts[3],
				toObjectType: 'companies',
				toId: company,
			},
		});
		expect(emulator.state.associations).toHaveLength(n);
		expect(emulator.state.associations[0].types).toEqual([
			{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 },
		]);
	}, 60_000);

	it('labelled: sends the chosen category and type id to batch/create; a missing record is reported with HubSpot’s message, mapped by from/to id', async () => {
		await start();
		const contacts = await seed('contacts', 3, (i) => ({ email: `p${i}@example.com` }));
		const [company] = await seed('companies', 1, () => ({ name: 'Acme' }));
		const rows = [
			{ hubspot_id: contacts[0], company_id: company },
			{ hubspot_id: contacts[1], company_id: '424242' },
			{ hubspot_id: contacts[2], company_id: company },
			{ hubspot_id: 'x1', company_id: company },
		];
		const result = await run(
			rows,
			assoc({
				associationType: 'labelled',
				associationCategory: 'USER_DEFINED',
				associationTypeId: 7,
			}),
			'continueErrorOutput',
		);
		expect(result.error).toBeUndefined();
		const [landed, reported] = result.outputs('HubSpot');
		expect(paired(landed)).toEqual([0, 2]);
		expect(paired(reported)).toEqual([1, 3]);
		expect(landed.every((i) => i.json.status === 'associated')).toBe(true);
		expect(String(reported[0].json.error)).toBe(
			'Invalid association input: companies 424242 not valid',
		);
		expect(String(reported[1].json.error)).toBe(
			`Field 'fromId': "x1" is not a HubSpot record ID (digits only)`,
		);
		// An association keeps the input's hubspot_id; the field at fault also goes by its old name.
		expect(reported[1].json.details).toEqual({
			status: 'error',
			error_field: 'fromId',
			error_property: 'fromId',
		});
		expect(
			calls('/crm/v4/associations/contacts/companies/batch/create').map((r) => r.inputCount),
		).toEqual([3]);
		expect(emulator.state.associations.map((a) => [a.fromId, a.toId, a.types])).toEqual([
			[contacts[0], company, [{ associationCategory: 'USER_DEFINED', associationTypeId: 7 }]],
			[contacts[2], company, [{ associationCategory: 'USER_DEFINED', associationTypeId: 7 }]],
		]);
	});
});

describe('Note › Batch Create', () => {
	const note = (extra: IDataObject) => ({
		resource: 'note',
		operation: 'batchCreate',
		noteBody: '={{ $json.text }}',
		timestamp: '={{ $json.at }}',
		...extra,
	});

	it('creates notes with inline associations (contact type 202, company default 190), 100 per call, idempotent: false', async () => {
		await start();
		const contacts = await seed('contacts', 150, (i) => ({ email: `p${i}@example.com` }));
		const [company] = await seed('companies', 1, () => ({ name: 'Acme' }));
		const rows = contacts.map((id, i) => ({
			hubspot_id: id,
			text: `Attended webinar ${i}`,
			at: '2026-03-01T10:00:00.000Z',
		}));
		const result = await run(
			rows,
			note({
				associations: {
					contact: [{ contactId: '={{ $json.hubspot_id }}' }],
					record: [{ objectType: 'companies', recordId: company, associationTypeId: 0 }],
				},
				options: { ownerId: '77' },
			}),
		);
		expect(result.error).toBeUndefined();
		expect(calls(objectsPath('notes', 'create')).map((r) => r.inputCount)).toEqual([100, 50]);
		const [out] = result.outputs('HubSpot');
		expect(out.every((i) => i.json.status === 'created')).toBe(true);
		const notes = emulator.objects('notes');
		expect(notes).toHaveLength(150);
		const n7 = notes.find((n) => n.id === out[7].json.hubspot_id)!;
		expect(n7.properties).toMatchObject({
			hs_note_body: 'Attended webinar 7',
			hs_timestamp: '2026-03-01T10:00:00.000Z',
			hubspot_owner_id: '77',
		});
		const of7 = emulator.state.associations.filter(
			(a) => a.fromType === 'notes' && a.fromId === n7.id,
		);
		expect(of7.map((a) => [a.toType, a.toId, a.types])).toEqual([
			[
				'contacts',
				contacts[7],
				[{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }],
			],
			['companies', company, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 190 }]],
		]);
	});

	it('reports an empty body, a bad timestamp or a bad contact id naming the field, sends the rest; a 500 is not retried', async () => {
		await start();
		const rows = [
			{ text: 'ok', at: '2026-03-01T10:00:00Z', hubspot_id: '1' },
			{ text: '', at: '2026-03-01T10:00:00Z', hubspot_id: '1' },
			{ text: 'ok', at: 'yesterday-ish', hubspot_id: '1' },
			{ text: 'ok', at: '2026-03-01T10:00:00Z', hubspot_id: 'abc' },
		];
		const params = note({ associations: { contact: [{ contactId: '={{ $json.hubspot_id }}' }] } });
		const result = await run(rows, params, 'continueRegularOutput');
		const [out] = result.outputs('HubSpot');
		expect(out.map((i) => i.json.status)).toEqual(['created', 'error', 'error', 'error']);
		expect(out[1].json.error).toBe("Field 'noteBody': empty; a note needs a body (hs_note_body)");
		expect(out[2].json.error).toBe(
			`Field 'timestamp': "yesterday-ish" is not a date and time (ISO 8601 or epoch milliseconds)`,
		);
		expect(out[3].json.error).toBe(
			`Field 'contactId': "abc" is not a HubSpot record ID (digits only)`,
		);
		expect(calls(objectsPath('notes', 'create')).map((r) => r.inputCount)).toEqual([1]);

		emulator.setFaults({ force5xx: 1, status5xx: 500 });
		const failed = await run(rows.slice(0, 1), params, 'continueRegularOutput');
		expect(calls(objectsPath('notes', 'create')).map((r) => r.status)).toEqual([201, 500]);
		expect(String(failed.json('HubSpot')[0].error)).toBe(
			'HubSpot server error 500 (tried once and not retried: it may still have been applied): internal error',
		);
		expect(emulator.objects('notes')).toHaveLength(1);

		// Without a Timestamp parameter the note is dated now.
		const { timestamp: _omitted, ...withoutTimestamp } = params;
		const before = Date.now();
		const dated = await run([{ text: 'now', hubspot_id: '1' }], withoutTimestamp);
		const after = Date.now();
		expect(dated.error).toBeUndefined();
		const stored = emulator.objects('notes').find((n) => n.properties.hs_note_body === 'now')!;
		// Dated during the run (n8n's $now has whole-millisecond precision, ISO text drops nothing).
		const at = Date.parse(String(stored.properties.hs_timestamp));
		expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
		expect(at).toBeLessThanOrEqual(after);
	});

	// Issue E: a note create answered 502/503 was sent again; HubSpot does not dedupe notes.
	it.each([502, 503])(
		'a note create answered %d after it was applied is not sent again, and is reported as possibly created',
		async (status) => {
			await start();
			emulator.setFaults({ force5xxAfterApply: 1, status5xx: status });
			const rows = [
				{ text: 'Booked', at: '2026-03-01T10:00:00Z', hubspot_id: '1' },
				{ text: 'Attended', at: '2026-03-02T10:00:00Z', hubspot_id: '1' },
			];
			const result = await run(
				rows,
				note({ associations: { contact: [{ contactId: '={{ $json.hubspot_id }}' }] } }),
				'continueRegularOutput',
			);
			expect(calls(objectsPath('notes', 'create')).map((r) => r.status)).toEqual([status]);
			expect(
				emulator
					.objects('notes')
					.map((n) => n.properties.hs_note_body)
					.sort(),
			).toEqual(['Attended', 'Booked']);
			for (const json of result.json('HubSpot')) {
				expect(json.status).toBe('error');
				expect(String(json.error)).toContain(
					'(tried once and not retried: it may still have been applied)',
				);
			}
		},
	);
});
