/** HubSpot Batch › Contact › Upsert run by n8n-core in-process, over real HTTP, against the HubSpot emulator. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { normalizeEmail } from '../../nodes/shared/normalize/email';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';
import {
	startHubSpotEmulator,
	type HubSpotEmulator,
	type StartHubSpotEmulatorOptions,
} from '../emulators/hubspot/server';
import { hubSpotNode } from '../harness/hubSpotBatch';
import { runWorkflow, startThen, type WorkflowJson } from '../harness/inProcess';

const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const READ = '/crm/v3/objects/contacts/batch/read';

let emulator: HubSpotEmulator;
afterEach(async () => {
	await emulator?.close();
	resetRateLimiters();
});

async function start(opts: StartHubSpotEmulatorOptions = {}) {
	emulator = await startHubSpotEmulator(opts);
	return emulator;
}

function workflow(
	parameters: IDataObject,
	onError?: 'continueErrorOutput' | 'continueRegularOutput',
): WorkflowJson {
	const upsert = { resource: 'contact', operation: 'upsert', ...parameters };
	return startThen(hubSpotNode(upsert, { onError }), { id: 'wf-hubspot-contact' });
}

const autoMap = { columns: { mappingMode: 'autoMapInputData', value: null } };
const fastRetries = { maxServerErrorTries: 6, maxRateLimitRetries: 20 };

async function run(
	rows: IDataObject[],
	parameters: IDataObject = {},
	onError?: 'continueErrorOutput' | 'continueRegularOutput',
	credentials: IDataObject = {},
) {
	return await runWorkflow(workflow({ ...autoMap, ...parameters }, onError), {
		startItems: rows.map((json) => ({ json })),
		credentials: {
			hubSpotBatchApi: {
				accessToken: 'pat-emulator-token',
				tier: 'professional',
				baseUrl: emulator.url,
				...credentials,
			},
		},
	});
}

const paired = (items: INodeExecutionData[]) =>
	items.map(
		(i) =>
			(Array.isArray(i.pairedItem) ? i.pairedItem[0] : (i.pairedItem as { item: number })).item,
	);

/** n unique contacts, with every 20th row repeating an earlier email in another case (5% duplicates). */
function contacts(n: number, dupEvery = 20): IDataObject[] {
	const rows: IDataObject[] = [];
	for (let i = 0; i < n; i++) {
		if (dupEvery > 0 && i % dupEvery === dupEvery - 1) {
			rows.push({
				email: `Person${i - 5}@Example.com`,
				firstname: `Dup${i}`,
				lastname: 'Again',
			});
		} else {
			rows.push({
				email: `person${i}@example.com`,
				firstname: `First${i}`,
				lastname: `Last${i}`,
				company: 'Acme',
				event_name_ignored: 'x',
			});
		}
	}
	return rows;
}

describe('Contact › Upsert (batch)', () => {
	it('1,000 contacts with 5% duplicates take exactly ceil(unique/100) upsert calls, and every item is paired', async () => {
		await start();
		const rows = contacts(1000);
		const unique = new Set(rows.map((r) => String(r.email).toLowerCase())).size;
		expect(unique).toBe(950);
		const result = await run(rows);
		expect(result.error).toBeUndefined();
		const [out] = result.outputs('HubSpot');
		expect(out).toHaveLength(1000);
		expect(paired(out)).toEqual(rows.map((_, i) => i));
		expect(emulator.requests({ method: 'POST', path: UPSERT })).toHaveLength(
			Math.ceil(unique / 100),
		);
		expect(
			emulator.requests({ method: 'POST', path: UPSERT }).every((r) => (r.inputCount ?? 0) <= 100),
		).toBe(true);
		expect(emulator.objects('contacts')).toHaveLength(unique);
		console.log(
			`acceptance upsert: ${rows.length} in, ${unique} unique, ${emulator.requests({ method: 'POST', path: UPSERT }).length} upsert calls, ${emulator.objects('contacts').length} contacts stored`,
		);
		const statuses = out.map((i) => i.json.status);
		expect(statuses.filter((s) => s === 'created')).toHaveLength(1000);
		// Duplicates share the id of the contact they merged into; the later row's values win.
		const dup = out[19].json;
		expect(dup.email).toBe('person14@example.com');
		expect(dup.hubspot_id).toBe(out[14].json.hubspot_id);
		const stored = emulator
			.objects('contacts')
			.find((c) => c.properties.email === 'person14@example.com')!;
		expect(stored.properties.firstname).toBe('Dup19');
		// Input fields that are not contact properties are not sent.
		expect(stored.properties).not.toHaveProperty('event_name_ignored');
	});

	it('a re-run with no changes makes 0 write calls and reports every item unchanged', async () => {
		await start();
		const rows = contacts(300);
		expect((await run(rows)).error).toBeUndefined();
		const writesBefore = emulator.requests({
			method: 'POST',
			path: UPSERT,
		}).length;
		const readsBefore = emulator.requests({
			method: 'POST',
			path: READ,
		}).length;
		const again = await run(rows);
		expect(again.error).toBeUndefined();
		expect(emulator.requests({ method: 'POST', path: UPSERT }).length - writesBefore).toBe(0);
		console.log(
			`acceptance re-run: ${rows.length} in, ${emulator.requests({ method: 'POST', path: UPSERT }).length - writesBefore} write calls, ${emulator.requests({ method: 'POST', path: READ }).length - readsBefore} read calls`,
		);
		expect(emulator.requests({ method: 'POST', path: READ }).length - readsBefore).toBe(
			Math.ceil(285 / 100),
		);
		const [out] = again.outputs('HubSpot');
		expect(out.map((i) => i.json.status)).toEqual(rows.map(() => 'unchanged'));
		expect(
			out.every((i) => typeof i.json.hubspot_id === 'string' && i.json.hubspot_id !== ''),
		).toBe(true);

		// One changed contact: one write call, carrying only that contact and only the changed property.
		const changed = rows.map((r, i) => (i === 7 ? { ...r, company: 'Globex' } : r));
		const third = await run(changed);
		const writes = emulator.requests({ method: 'POST', path: UPSERT }).slice(writesBefore);
		expect(writes).toHaveLength(1);
		expect(writes[0].inputCount).toBe(1);
		expect(third.outputs('HubSpot')[0][7].json.status).toBe('updated');
		expect(third.outputs('HubSpot')[0][8].json.status).toBe('unchanged');
	});

	it.each(['batch400', 'perInput207'] as const)(
		'%s: with one invalid row in each batch, good rows land and each bad row is reported with HubSpot’s message',
		async (invalidMode) => {
			await start({ invalidMode });
			const rows = contacts(500, 0);
			const bad = new Set<number>();
			for (let b = 0; b < 5; b++) {
				const i = b * 100 + 37;
				rows[i] = { ...rows[i], contact_total_events_attended: 'many' };
				bad.add(i);
			}
			const result = await run(rows, {}, 'continueErrorOutput');
			expect(result.error).toBeUndefined();
			const [landed, reported] = result.outputs('HubSpot');
			expect(landed.length + reported.length).toBe(500);
			console.log(
				`acceptance ${invalidMode}: 500 in = ${landed.length} landed + ${reported.length} reported; ${emulator.requests({ method: 'POST', path: UPSERT }).length} upsert calls`,
			);
			expect(paired(reported).sort((a, b) => a - b)).toEqual([...bad]);
			for (const item of reported) {
				// The error output carries the input row, HubSpot's message and the property at fault.
				expect(item.json.email).toBe(rows[paired([item])[0]].email);
				expect(item.json.details).toEqual({
					status: 'error',
					hubspot_id: null,
					error_field: 'contact_total_events_attended',
					error_property: 'contact_total_events_attended',
				});
				expect(String(item.json.error)).toMatch(
					/contact_total_events_attended: "many" was not a valid number/,
				);
			}
			expect(landed.every((i) => i.json.status === 'created')).toBe(true);
			const stored = new Set(emulator.objects('contacts').map((c) => c.properties.email));
			expect(stored.size).toBe(495);
			for (const i of bad) expect(stored.has(String(rows[i].email))).toBe(false);
		},
	);

	it('without continue-on-fail the node fails after the good rows have landed, and counts both sides', async () => {
		await start();
		const rows = contacts(150, 0);
		rows[3] = { ...rows[3], contact_first_event_date: 'someday' };
		const result = await run(rows);
		expect(result.error?.message).toBe(
			`1 of 150 items failed (149 written or unchanged). First: item 3: ${String(result.error?.message).split('item 3: ')[1]}`,
		);
		expect(result.error?.message).toMatch(/contact_first_event_date/);
		expect(emulator.objects('contacts')).toHaveLength(149);
	});

	it('rejects rows without a usable email before calling HubSpot, naming the field and the reason', async () => {
		await start();
		const result = await run(
			[{ email: 'ok@example.com' }, { firstname: 'No Email' }, { email: 'not-an-email' }],
			{},
			'continueRegularOutput',
		);
		const [out] = result.outputs('HubSpot');
		expect(out.map((i) => i.json.status)).toEqual(['created', 'error', 'error']);
		expect(out[1].json.error).toBe("Field 'email': missing; contacts are upserted by email");
		expect(out[2].json.error).toBe(`Field 'email': "not-an-email" is not a valid email address`);
		expect(paired(out)).toEqual([0, 1, 2]);
	});

	// `error_property` was renamed `error_field`; expressions such as {{ $json.error_property }} must keep working.
	it.each(['continueRegularOutput', 'continueErrorOutput'] as const)(
		'%s: a failed row names the field at fault as error_field and as its deprecated alias error_property',
		async (onError) => {
			await start({ invalidMode: 'perInput207' });
			const rows = [
				{ email: 'ok@example.com' },
				{ email: 'not-an-email' },
				{ email: 'bad@example.com', contact_total_events_attended: 'many' },
			];
			const result = await run(rows, {}, onError);
			const [main, errors] = result.outputs('HubSpot');
			const toErrorOutput = onError === 'continueErrorOutput';
			const failed = toErrorOutput ? errors : main.filter((i) => i.json.status === 'error');
			// On the error output n8n keeps the failure's own fields under `details`.
			const fields = failed.map((i) => (toErrorOutput ? (i.json.details as IDataObject) : i.json));
			expect(paired(failed)).toEqual([1, 2]);
			expect(fields.map((f) => [f.error_field, f.error_property])).toEqual([
				['email', 'email'],
				['contact_total_events_attended', 'contact_total_events_attended'],
			]);
			expect(main.filter((i) => i.json.status === 'created')).toHaveLength(1);
		},
	);

	// Issue E: HubSpot's own regex (a dot anywhere after the @) accepted what the shared rule rejects
	// (jane@example.c, a..b@example.com) and rejected what it accepts (<jane@example.com>, mailto:).
	it('accepts and rejects exactly the addresses the shared normalizeEmail does, and writes its canonical form', async () => {
		await start();
		const addresses = [
			'jane@example.com',
			'Jane.Doe+events@Sub.Example.co.uk',
			'<lee@example.org>',
			'mailto:Kim@Example.net',
			' padded@example.io ',
			'jane@example',
			'jane@example.c',
			'a..b@example.com',
			'.dot@example.com',
			'jane@-example.com',
			'jane@example..com',
			'two@@example.com',
			'space in@example.com',
		];
		const result = await run(
			addresses.map((email, i) => ({ email, firstname: `P${i}` })),
			{},
			'continueRegularOutput',
		);
		const [out] = result.outputs('HubSpot');
		expect(paired(out)).toEqual(addresses.map((_, i) => i));
		const stored = new Set(emulator.objects('contacts').map((c) => c.properties.email));
		addresses.forEach((address, i) => {
			const shared = normalizeEmail(address.trim());
			const json = out[i].json;
			if (shared.ok) {
				expect({ address, status: json.status }).toEqual({ address, status: 'created' });
				expect(json.email).toBe(shared.value);
				expect(stored.has(shared.value)).toBe(true);
			} else {
				expect({ address, status: json.status }).toEqual({ address, status: 'error' });
				expect(json.error).toBe(`Field 'email': "${address.trim()}" is not a valid email address`);
			}
		});
		expect(stored.size).toBe(addresses.filter((a) => normalizeEmail(a.trim()).ok).length);
	});

	it('under forced 429 bursts and a 10% 5xx rate, no row is lost or duplicated and no 429 reaches the user', async () => {
		await start({ seed: 7 });
		emulator.setFaults({
			force429: 6,
			retryAfterSeconds: 1,
			errorRate5xx: 0.1,
		});
		const rows = contacts(1000);
		// Batches of 20: enough requests (~60) for the 10% 5xx rate to bite several times.
		const result = await run(rows, { options: { ...fastRetries, batchSize: 20 } });
		expect(result.error).toBeUndefined();
		const [out] = result.outputs('HubSpot');
		expect(out).toHaveLength(1000);
		expect(out.every((i) => i.json.status === 'created' || i.json.status === 'updated')).toBe(true);
		const emails = emulator.objects('contacts').map((c) => c.properties.email);
		expect(emails).toHaveLength(950);
		expect(new Set(emails).size).toBe(950);
		console.log(
			`acceptance faults: 1000 in, ${emails.length} stored, ${new Set(emails).size} distinct, ${emulator.requests({ status: 429 }).length} 429s and ${emulator.state.counters.errors5xx} 5xx absorbed, ${out.filter((i) => 'error' in i.json).length} errors out`,
		);
		expect(emulator.requests({ status: 429 }).length).toBeGreaterThanOrEqual(6);
		expect(emulator.state.counters.errors5xx).toBeGreaterThanOrEqual(3);
		expect(out.filter((i) => 'error' in i.json)).toHaveLength(0);
	}, 60_000);

	it('a DAILY 429 stops at once with an error that names the daily limit, without hammering', async () => {
		await start();
		emulator.setFaults({ force429Daily: 1000 });
		const result = await run(contacts(250, 0), {
			options: { detectChanges: false, concurrency: 1 },
		});
		expect(result.error?.message).toBe(
			'HubSpot daily API limit reached (250000 requests per day): stopped without retrying',
		);
		// The first property read hits the limit: no write is attempted at all.
		expect(emulator.state.counters.requests).toBe(1);
		console.log(
			`acceptance daily: "${result.error?.message}" after ${emulator.state.counters.requests} request(s)`,
		);
	});

	it('a revoked token fails at once with "token revoked or invalid", and the token never shows', async () => {
		await start({ tokens: ['pat-soon-revoked'] });
		emulator.setFaults({ revokedTokens: ['pat-soon-revoked'] });
		const result = await run(contacts(10, 0), {}, undefined, {
			accessToken: 'pat-soon-revoked',
		});
		expect(result.error?.message).toBe(
			'HubSpot rejected the access token (401): token revoked or invalid',
		);
		expect(emulator.state.counters.requests).toBe(1);
		expect(JSON.stringify(result.run.data)).not.toContain('pat-soon-revoked');
	});

	it('slows to the limit HubSpot reports in its headers when the chosen tier is too generous', async () => {
		await start({ limitPer10s: 8, windowMs: 1000 });
		const result = await run(contacts(2000, 0), { options: { detectChanges: false } }, undefined, {
			tier: 'increase',
		});
		expect(result.error).toBeUndefined();
		expect(emulator.requests({ status: 429 })).toHaveLength(0);
		expect(emulator.objects('contacts')).toHaveLength(2000);
		// The next execution starts at the reported pace, not the tier's, so it meets no 429 either.
		const next = await run(
			contacts(3000, 0).slice(2000),
			{ options: { detectChanges: false, concurrency: 8 } },
			undefined,
			{
				tier: 'increase',
			},
		);
		expect(next.error).toBeUndefined();
		expect(emulator.requests({ status: 429 })).toHaveLength(0);
		expect(emulator.objects('contacts')).toHaveLength(3000);
	}, 30_000);

	it('applies the merge rules: append without repeats, set once, increment, keep the latest date', async () => {
		await start();
		const rules = {
			mergeRules: {
				rule: [
					{
						property: 'contact_recent_event_name',
						mode: 'append',
						maxItems: 3,
					},
					{ property: 'contact_first_event_date', mode: 'setOnce' },
					{
						property: 'contact_total_events_attended',
						mode: 'increment',
						incrementBy: 1,
					},
					{ property: 'contact_recent_event_date', mode: 'max' },
				],
			},
		};
		const reg = (event: string, date: string) => ({
			email: 'jane@acme.com',
			firstname: 'Jane',
			contact_recent_event_name: event,
			contact_first_event_date: date,
			contact_recent_event_date: date,
		});
		// Two registrations of one person in one run merge into one write.
		const first = await run(
			[reg('CFO Roundtable', '2025-12-15'), reg('Treasury Summit', '2025-11-02')],
			rules,
		);
		expect(first.error).toBeUndefined();
		expect(emulator.requests({ method: 'POST', path: UPSERT })).toHaveLength(1);
		let jane = emulator.objects('contacts')[0].properties;
		expect(jane.contact_recent_event_name).toBe('CFO Roundtable;Treasury Summit');
		expect(jane.contact_first_event_date).toBe('2025-12-15');
		expect(jane.contact_total_events_attended).toBe('2');
		expect(jane.contact_recent_event_date).toBe('2025-12-15');

		await run(
			[reg('Banking Stack Live', '2026-01-20'), reg('cfo roundtable', '2024-01-01')],
			rules,
		);
		jane = emulator.objects('contacts')[0].properties;
		expect(jane.contact_recent_event_name).toBe(
			'Treasury Summit;Banking Stack Live'
				.replace(/^/, 'CFO Roundtable;')
				.split(';')
				.slice(-3)
				.join(';'),
		);
		expect(jane.contact_first_event_date).toBe('2025-12-15');
		expect(jane.contact_total_events_attended).toBe('4');
		expect(jane.contact_recent_event_date).toBe('2026-01-20');
	});

	it('rejects a row whose value cannot feed its rule, naming the field', async () => {
		await start();
		const result = await run(
			[{ email: 'a@b.co', contact_recent_event_date: 'next week' }],
			{
				mergeRules: {
					rule: [{ property: 'contact_recent_event_date', mode: 'max' }],
				},
			},
			'continueRegularOutput',
		);
		const [[item]] = result.outputs('HubSpot');
		expect(item.json.status).toBe('error');
		expect(item.json.error).toBe(
			`Field 'contact_recent_event_date': "next week" is not a date (YYYY-MM-DD) or a number, so the max rule cannot compare it`,
		);
		expect(emulator.requests({ method: 'POST', path: UPSERT })).toHaveLength(0);
	});
});
