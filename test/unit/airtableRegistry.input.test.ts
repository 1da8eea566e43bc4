/**
 * Airtable Registry's pure parts for the Luma burst: Input › Fields by Name (the values, the dedupe
 * key the flow's expression built, which parameters each version stores), and the Combine window.
 */
import type {
	IExecuteFunctions,
	INodeParameters,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { AirtableRegistry } from '../../nodes/AirtableRegistry/AirtableRegistry.node';
import { combineWindowMs } from '../../nodes/AirtableRegistry/v1/helpers/combine';
import {
	itemField,
	registrationDedupeKey,
} from '../../nodes/AirtableRegistry/v1/helpers/inputFields';
import { AirtableRegistryV2 } from '../../nodes/AirtableRegistry/v2/AirtableRegistryV2.node';

/** The Luma flow's Dedupe Key expression (workflows/luma-registration-sync.json), as a function. */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const flowExpression = new Function(
	'$json',
	'return String($json.email ?? "").trim().toLowerCase() + "|" + String($json.event_id ?? "")',
) as (json: Record<string, unknown>) => string;

describe('the dedupe key built from the email and event fields', () => {
	it.each<[Record<string, unknown>]>([
		[{ email: ' Ada@Example.COM ', event_id: 'evt-1' }],
		[{ email: 'ada@example.com', event_id: ' evt-1 ' }],
		[{ email: null, event_id: 'evt-1' }],
		[{ event_id: 'evt-1' }],
		[{ email: 'ADA@EXAMPLE.COM' }],
		[{ email: 'ada@example.com', event_id: 42 }],
		[{ email: 'ada@example.com', event_id: null }],
	])('is what the flow’s expression gives for %j', (json) => {
		expect(registrationDedupeKey(json.email, json.event_id)).toBe(flowExpression(json));
	});
});

describe('itemField', () => {
	const item = { json: { email: 'a@b.c', 'event.id': 'flat', event: { id: 'nested' }, zero: 0 } };
	it('reads a field by its name, a dotted name into objects when no field is named so', () => {
		expect(itemField(item, 'email')).toBe('a@b.c');
		expect(itemField(item, 'event.id')).toBe('flat');
		expect(itemField({ json: { event: { id: 'nested' } } }, 'event.id')).toBe('nested');
		expect(itemField(item, 'zero')).toBe(0);
		expect(itemField(item, 'missing')).toBeUndefined();
		expect(itemField(item, 'email.more')).toBeUndefined();
	});
});

describe('Combine With Concurrent Executions (Ms)', () => {
	const ctx = (value: unknown) =>
		({
			getNodeParameter: (name: string, _i: number, fallback: unknown) =>
				name === 'options.combineWithinMs' ? (value ?? fallback) : fallback,
		}) as unknown as IExecuteFunctions;
	it('is 0 unless set (saved workflows unchanged), and at most 10 s', () => {
		expect(combineWindowMs(ctx(undefined))).toBe(0);
		expect(combineWindowMs(ctx(2500))).toBe(2500);
		expect(combineWindowMs(ctx(60000))).toBe(10000);
		expect(combineWindowMs(ctx(-5))).toBe(0);
		expect(combineWindowMs(ctx('x'))).toBe(0);
	});
});

describe('Input: Fields by Name / Define Below', () => {
	const base: INodeTypeBaseDescription = {
		displayName: 'Airtable Registry',
		name: 'airtableRegistry',
		group: ['output'],
		description: '',
	};
	const description: INodeTypeDescription = new AirtableRegistryV2(base).description;
	/** The parameters n8n stores for a node of `typeVersion` with `values` (defaults filled in). */
	const stored = (values: INodeParameters, typeVersion: number) =>
		NodeHelpers.getNodeParameters(
			description.properties,
			{ base: { __rl: true, mode: 'id', value: 'appEmuRegistry001' }, ...values },
			true,
			false,
			{ typeVersion },
			description,
		) as INodeParameters;
	const expressions = (parameters: unknown, path = ''): string[] => {
		if (typeof parameters === 'string') return parameters.startsWith('=') ? [path] : [];
		if (parameters === null || typeof parameters !== 'object') return [];
		return Object.entries(parameters).flatMap(([k, v]) =>
			expressions(v, path ? `${path}.${k}` : k),
		);
	};
	const operations = [
		{ resource: 'event', operation: 'findOrCreate' },
		{ resource: 'registration', operation: 'upsert' },
		{ resource: 'registration', operation: 'updateSyncStatus' },
	];

	it('new nodes (version 2.1) are the default and read fields by name', () => {
		expect(new AirtableRegistry().description.defaultVersion).toBe(2.1);
		expect(description.version).toEqual([2, 2.1]);
	});

	it.each(operations)(
		'a new $operation node stores no expression; the field names are the canonical contact’s',
		(op) => {
			const parameters = stored(op, 2.1);
			expect(parameters.inputMode).toBe('fieldsByName');
			expect(expressions(parameters)).toEqual([]);
		},
	);

	it('the input fields default to the names Dedupe & Normalize and the nodes before give', () => {
		expect(stored(operations[0], 2.1)).toMatchObject({
			lumaEventIdInputField: 'event_id',
			eventNameInputField: 'event_name',
			eventDateInputField: 'event_date',
		});
		expect(stored(operations[1], 2.1)).toMatchObject({
			emailInputField: 'email',
			lumaEventIdInputField: 'event_id',
			eventRecordIdInputField: 'airtable_id',
		});
		expect(stored({ ...operations[1], writeSyncStatus: true }, 2.1)).toMatchObject({
			syncErrorInputField: 'error',
			hubspotContactIdInputField: 'hubspot_id',
		});
		expect(stored(operations[2], 2.1)).toMatchObject({
			recordIdInputField: 'airtable_id',
			syncErrorInputField: 'error',
			hubspotContactIdInputField: 'hubspot_id',
		});
	});

	it.each(operations)(
		'a saved version 2 $operation node defines its values below, as before',
		(op) => {
			const parameters = stored(op, 2);
			expect(parameters.inputMode).toBe('defineBelow');
			expect(Object.keys(parameters).filter((k) => k.endsWith('InputField'))).toEqual([]);
		},
	);

	it('version 2 keeps its expression defaults', () => {
		expect(stored(operations[0], 2)).toMatchObject({
			lumaEventId: '={{ $json.event_id }}',
			eventName: '={{ $json.event_name }}',
		});
		expect(stored(operations[2], 2)).toMatchObject({ recordId: '={{ $json.airtable_id }}' });
	});

	it('each operation offers Combine With Concurrent Executions, 0 by default', () => {
		for (const op of operations) {
			const options = description.properties.find(
				(p) => p.name === 'options' && p.displayOptions?.show?.operation?.includes(op.operation),
			)?.options as Array<{ name: string; default: unknown; typeOptions?: object }>;
			expect(options.find((o) => o.name === 'combineWithinMs')).toEqual(
				expect.objectContaining({ default: 0, typeOptions: { minValue: 0, maxValue: 10000 } }),
			);
		}
	});
});
