/**
 * What the booking flow's nodes read from an item without an expression: fields by name or dot path,
 * `{field}` templates (Object › Batch Create's Property Templates, Queue › Enqueue's note body), and
 * Queue › Check › Input Fields rules.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	calendarDayOf,
	fillTemplate,
	readInputField,
	templateFields,
} from '../../nodes/HubSpotBatch/v1/actions/object/inputFields';
import { checkItem, readRules } from '../../nodes/HubSpotBatch/v1/actions/queue/rules';

describe('readInputField', () => {
	const json = {
		hubspot_id: '42',
		'a.b': 'dotted name',
		a: { b: 'nested' },
		body: { contact_id: 7, tags: ['x', 'y'], empty: null },
	};

	it('reads a field, a field whose name holds a dot before the path, and a dot path into objects and arrays', () => {
		expect(readInputField(json, 'hubspot_id')).toBe('42');
		expect(readInputField(json, ' a.b ')).toBe('dotted name');
		expect(readInputField(json, 'body.contact_id')).toBe(7);
		expect(readInputField(json, 'body.tags.1')).toBe('y');
		expect(readInputField(json, 'body.empty')).toBeNull();
	});

	it('is undefined for what the item does not have, without reaching into prototypes', () => {
		expect(readInputField(json, 'body.missing')).toBeUndefined();
		expect(readInputField(json, 'hubspot_id.length')).toBeUndefined();
		expect(readInputField(json, 'body.constructor')).toBeUndefined();
		expect(readInputField(json, '')).toBeUndefined();
	});
});

describe('fillTemplate', () => {
	const json = {
		exam_name: 'CPA Part 1',
		exam_date: '2026-12-01T09:30:00-05:00',
		count: 3,
		blank: '  ',
		body: { name: 'Ada' },
	};

	it('fills each {field}, a dot path, and {field:date} with the calendar day as written', () => {
		expect(fillTemplate('Booking: {exam_name} on {exam_date:date}', json)).toEqual({
			value: 'Booking: CPA Part 1 on 2026-12-01',
		});
		expect(fillTemplate('Hi { body.name }, {count} seats', json)).toEqual({
			value: 'Hi Ada, 3 seats',
		});
		expect(templateFields('{a} {b.c:date} {a}')).toEqual(['a', 'b.c']);
	});

	it('a template that is one placeholder gives the value itself; text without one is sent as it is', () => {
		expect(fillTemplate('{count}', json)).toEqual({ value: 3 });
		expect(fillTemplate(' {exam_date:date} ', json)).toEqual({ value: '2026-12-01' });
		expect(fillTemplate('Plain text', json)).toEqual({ value: 'Plain text' });
	});

	it('names the first field without a value (missing, blank, or no date for :date)', () => {
		expect(fillTemplate('{exam_name} {nope} {other}', json)).toEqual({ missing: 'nope' });
		expect(fillTemplate('x {blank}', json)).toEqual({ missing: 'blank' });
		expect(fillTemplate('{exam_name:date}', json)).toEqual({ missing: 'exam_name' });
	});

	it('the calendar day of a date-time is the one written, not the UTC day; epoch milliseconds give the UTC day', () => {
		expect(calendarDayOf('2026-12-01T23:30:00-05:00')).toBe('2026-12-01');
		expect(calendarDayOf(String(Date.UTC(2026, 0, 2, 3)))).toBe('2026-01-02');
		expect(calendarDayOf('soon')).toBeUndefined();
	});
});

describe('Queue › Check › Input Fields rules', () => {
	const rules = (raw: IDataObject[]) => {
		const read = readRules(raw);
		if ('problem' in read) throw new Error(read.problem);
		return read.rules;
	};
	const booking = rules([
		{ field: 'body.contact_id', check: 'digits', message: 'must be a HubSpot contact ID (digits)' },
		{ field: 'body.exam_id', check: 'digits', message: 'must be a HubSpot record ID (digits)' },
		{ field: 'body.exam_name', check: 'notEmpty', message: 'missing' },
		{ field: 'body.exam_date', check: 'date', message: 'must be a date (YYYY-MM-DD)' },
	]);
	const request = (body: Record<string, unknown>) => ({
		headers: { 'x-webhook-secret': 'secret' },
		body: { contact_id: '11', exam_id: 22, exam_name: 'CPA', exam_date: '2026-12-01', ...body },
	});

	it('passes a good booking on with only the checked fields, named by the last part of their path', () => {
		expect(checkItem(request({ extra: 'dropped' }), booking, true)).toEqual({
			ok: true,
			json: { contact_id: '11', exam_id: 22, exam_name: 'CPA', exam_date: '2026-12-01' },
		});
		// Without the option the item goes on as it came.
		const item = request({});
		expect(checkItem(item, booking, false)).toEqual({ ok: true, json: item });
	});

	it('refuses with the first broken rule, naming the field; a missing value gets the rule’s reason', () => {
		const refused = (body: Record<string, unknown>) => checkItem(request(body), booking, true);
		expect(refused({ contact_id: 'abc', exam_date: 'soon' })).toEqual({
			ok: false,
			field: 'contact_id',
			message: 'must be a HubSpot contact ID (digits)',
		});
		expect(refused({ contact_id: undefined })).toMatchObject({
			field: 'contact_id',
			message: 'must be a HubSpot contact ID (digits)',
		});
		expect(refused({ exam_id: '1.5' })).toMatchObject({ field: 'exam_id' });
		expect(refused({ exam_name: '   ' })).toMatchObject({ field: 'exam_name', message: 'missing' });
		expect(refused({ exam_date: 'soon' })).toMatchObject({
			field: 'exam_date',
			message: 'must be a date (YYYY-MM-DD)',
		});
		// Not a real day, and a date run into other text.
		expect(refused({ exam_date: '2026-02-30' })).toMatchObject({ field: 'exam_date' });
		expect(refused({ exam_date: '2026-12-01x' })).toMatchObject({ field: 'exam_date' });
		expect(refused({ exam_date: '2026-12-01T09:00:00Z' })).toMatchObject({ ok: true });
	});

	it('email, pattern, any value and pass-when-empty; a default reason names the check', () => {
		const set = rules([
			{ field: 'email', check: 'email' },
			{ field: 'code', check: 'pattern', pattern: '^[A-Z]{2}-\\d{2}$', allowEmpty: true },
			{ field: 'note', check: 'any', allowEmpty: true },
			{ field: 'ref', check: 'any' },
		]);
		expect(checkItem({ email: 'a@b.co', code: 'AB-12', ref: 0 }, set, true)).toEqual({
			ok: true,
			json: { email: 'a@b.co', code: 'AB-12', ref: 0 },
		});
		expect(checkItem({ email: 'a@b.co', code: '', ref: 'r' }, set, true)).toEqual({
			ok: true,
			json: { email: 'a@b.co', code: '', ref: 'r' },
		});
		expect(checkItem({ email: 'not an email', ref: 'r' }, set, false)).toEqual({
			ok: false,
			field: 'email',
			message: 'must be an email address',
		});
		expect(checkItem({ email: 'a@b.co', code: 'ab-12', ref: 'r' }, set, false)).toEqual({
			ok: false,
			field: 'code',
			message: 'does not have the expected form',
		});
		expect(checkItem({ email: 'a@b.co' }, set, false)).toEqual({
			ok: false,
			field: 'ref',
			message: 'missing',
		});
	});

	it('a rule without a field, or with a pattern that is no regular expression, is reported before any item', () => {
		expect(readRules([{ field: ' ', check: 'digits' }])).toEqual({
			problem: 'rule 1 names no field',
		});
		expect(readRules([{ field: 'a' }, { field: 'b', check: 'pattern', pattern: '(' }])).toEqual({
			problem: 'rule 2: the pattern is not a regular expression',
		});
		expect(readRules([{ field: 'a', check: 'bogus' }])).toEqual({
			problem: 'rule 1: unknown check "bogus"',
		});
	});
});
