import {
	changedValues,
	combineRows,
	comparable,
	needsCurrent,
	resolveValues,
	ruleValueProblem,
	sameValue,
	type HubSpotValues,
	type MergeRule,
} from '../../nodes/HubSpotBatch/v1/helpers/mergeRules';

// Every expected value is a hand-written literal worked out from the rule's documented meaning.

interface Case {
	name: string;
	rules: MergeRule[];
	rows: HubSpotValues[];
	current: HubSpotValues | undefined;
	/** resolveValues(combineRows(rows), current) */
	resolved: Record<string, string>;
	/** changedValues(resolved, current) */
	changed: Record<string, string>;
}

const run = (c: Case) => {
	const next = resolveValues(combineRows(c.rows, c.rules), c.current, c.rules);
	return { next, changed: changedValues(next, c.current) };
};

const check = (c: Case) => {
	const { next, changed } = run(c);
	expect(next).toEqual(c.resolved);
	expect(changed).toEqual(c.changed);
};

describe('overwrite (and properties without a rule)', () => {
	const rules: MergeRule[] = [{ property: 'firstname', mode: 'overwrite' }];
	it.each<Case>([
		{
			name: 'the last non-empty row wins; empty, blank and null rows are skipped',
			rules,
			rows: [
				{ firstname: 'Ann' },
				{ firstname: 'Anna' },
				{ firstname: '' },
				{ firstname: '  ' },
				{ firstname: null },
			],
			current: { firstname: 'Ann' },
			resolved: { firstname: 'Anna' },
			changed: { firstname: 'Anna' },
		},
		{
			name: 'values are trimmed, and a trimmed value equal to the current one is no change',
			rules,
			rows: [{ firstname: '  Ann ' }],
			current: { firstname: 'Ann' },
			resolved: { firstname: 'Ann' },
			changed: {},
		},
		{
			name: 'a property without a rule overwrites too',
			rules,
			rows: [{ city: 'Oslo' }, { city: 'Bergen', firstname: 'Kari' }],
			current: { city: 'Oslo', firstname: 'Kari' },
			resolved: { city: 'Bergen', firstname: 'Kari' },
			changed: { city: 'Bergen' },
		},
		{
			name: 'with no current record everything is a change',
			rules,
			rows: [{ firstname: 'Ann' }],
			current: undefined,
			resolved: { firstname: 'Ann' },
			changed: { firstname: 'Ann' },
		},
		{
			name: 'rows that only bring empty values touch nothing',
			rules,
			rows: [{ firstname: '' }, { firstname: undefined }],
			current: { firstname: 'Ann' },
			resolved: {},
			changed: {},
		},
	])('$name', check);
});

describe('setOnce', () => {
	const rules: MergeRule[] = [{ property: 'source', mode: 'setOnce' }];
	it.each<Case>([
		{
			name: 'keeps an existing value',
			rules,
			rows: [{ source: 'ads' }],
			current: { source: 'referral' },
			resolved: { source: 'referral' },
			changed: {},
		},
		{
			name: 'the first non-empty row of the run wins when nothing is set',
			rules,
			rows: [{ source: '' }, { source: 'ads' }, { source: 'organic' }],
			current: { source: '' },
			resolved: { source: 'ads' },
			changed: { source: 'ads' },
		},
		{
			name: 'a null current value counts as not set',
			rules,
			rows: [{ source: 'ads' }, { source: 'organic' }],
			current: { source: null },
			resolved: { source: 'ads' },
			changed: { source: 'ads' },
		},
		{
			name: 'a new contact gets the first row value',
			rules,
			rows: [{ source: 'organic' }, { source: 'ads' }],
			current: undefined,
			resolved: { source: 'organic' },
			changed: { source: 'organic' },
		},
	])('$name', check);
});

describe('append', () => {
	it.each<Case>([
		{
			name: 'dedupes case-insensitively across rows and the current list, keeping first spelling and order',
			rules: [{ property: 'tags', mode: 'append' }],
			rows: [{ tags: 'Webinar;ebook' }, { tags: 'EBOOK; demo ' }, { tags: 'webinar' }],
			current: { tags: 'Demo' },
			resolved: { tags: 'Demo;Webinar;ebook' },
			changed: { tags: 'Demo;Webinar;ebook' },
		},
		{
			name: 'nothing new means no change',
			rules: [{ property: 'tags', mode: 'append' }],
			rows: [{ tags: 'b' }, { tags: 'A' }],
			current: { tags: 'A;B' },
			resolved: { tags: 'A;B' },
			changed: {},
		},
		{
			name: 'maxItems drops the oldest entries first',
			rules: [{ property: 'tags', mode: 'append', maxItems: 3 }],
			rows: [{ tags: 'd' }, { tags: 'e' }],
			current: { tags: 'a;b;c' },
			resolved: { tags: 'c;d;e' },
			changed: { tags: 'c;d;e' },
		},
		{
			name: 'maxLength drops the oldest entries until the joined text fits',
			rules: [{ property: 'tags', mode: 'append', maxLength: 7 }],
			rows: [{ tags: 'ccc' }],
			current: { tags: 'aaa;bbb' },
			resolved: { tags: 'bbb;ccc' },
			changed: { tags: 'bbb;ccc' },
		},
		{
			name: 'maxLength truncates a single entry that is too long on its own',
			rules: [{ property: 'tags', mode: 'append', maxLength: 5 }],
			rows: [{ tags: 'abcdefgh' }],
			current: undefined,
			resolved: { tags: 'abcde' },
			changed: { tags: 'abcde' },
		},
		{
			name: 'the default cap keeps the newest 10 entries',
			rules: [{ property: 'tags', mode: 'append' }],
			rows: [{ tags: 'e9;e10;e11' }],
			current: { tags: 'e0;e1;e2;e3;e4;e5;e6;e7;e8' },
			resolved: { tags: 'e2;e3;e4;e5;e6;e7;e8;e9;e10;e11' },
			changed: { tags: 'e2;e3;e4;e5;e6;e7;e8;e9;e10;e11' },
		},
	])('$name', check);
});

describe('increment', () => {
	const rule: MergeRule = { property: 'visits', mode: 'increment' };
	it.each<Case>([
		{
			name: 'sums row values, 1 per row without a value, on top of the current number',
			rules: [rule],
			rows: [{ visits: '2' }, { firstname: 'x' }, { visits: '3.5' }],
			current: { visits: '10' },
			resolved: { visits: '16.5', firstname: 'x' },
			changed: { visits: '16.5', firstname: 'x' },
		},
		{
			name: 'incrementBy applies to rows without a value',
			rules: [{ ...rule, incrementBy: 5 }],
			rows: [{}, { visits: '' }, { visits: '2' }],
			current: { visits: '1' },
			resolved: { visits: '13' },
			changed: { visits: '13' },
		},
		{
			name: 'an empty current value counts as 0',
			rules: [rule],
			rows: [{ visits: '4' }],
			current: { visits: '' },
			resolved: { visits: '4' },
			changed: { visits: '4' },
		},
		{
			name: 'a non-numeric current value counts as 0',
			rules: [rule],
			rows: [{ visits: '4' }],
			current: { visits: 'lots' },
			resolved: { visits: '4' },
			changed: { visits: '4' },
		},
		{
			name: 'a new contact starts from 0',
			rules: [rule],
			rows: [{}, {}],
			current: undefined,
			resolved: { visits: '2' },
			changed: { visits: '2' },
		},
		{
			name: 'decimal sums are not printed with float noise',
			rules: [rule],
			rows: [{ visits: '0.1' }, { visits: '0.2' }],
			current: { visits: null },
			resolved: { visits: '0.3' },
			changed: { visits: '0.3' },
		},
		{
			name: 'a net zero increment is no change (HubSpot echoes "5.0" for 5)',
			rules: [rule],
			rows: [{ visits: '-2' }, { visits: '2' }],
			current: { visits: '5.0' },
			resolved: { visits: '5' },
			changed: {},
		},
	])('$name', check);
});

describe('max / min', () => {
	it.each<Case>([
		{
			name: 'max of YYYY-MM-DD dates beats an older current date',
			rules: [{ property: 'last_seen', mode: 'max' }],
			rows: [{ last_seen: '2025-03-01' }, { last_seen: '2025-01-15' }, { last_seen: '2025-02-10' }],
			current: { last_seen: '2024-12-31' },
			resolved: { last_seen: '2025-03-01' },
			changed: { last_seen: '2025-03-01' },
		},
		{
			name: 'max keeps a newer current date',
			rules: [{ property: 'last_seen', mode: 'max' }],
			rows: [{ last_seen: '2025-03-01' }, { last_seen: '2025-01-15' }],
			current: { last_seen: '2025-04-01' },
			resolved: { last_seen: '2025-04-01' },
			changed: {},
		},
		{
			name: 'min of dates beats a later current date',
			rules: [{ property: 'first_seen', mode: 'min' }],
			rows: [
				{ first_seen: '2025-03-01' },
				{ first_seen: '2025-01-15' },
				{ first_seen: '2025-02-10' },
			],
			current: { first_seen: '2025-01-20' },
			resolved: { first_seen: '2025-01-15' },
			changed: { first_seen: '2025-01-15' },
		},
		{
			name: 'min keeps an equal current value in HubSpot datetime form (no change)',
			rules: [{ property: 'first_seen', mode: 'min' }],
			rows: [{ first_seen: '2025-01-15' }, { first_seen: '2025-02-10' }],
			current: { first_seen: '2025-01-15T00:00:00.000Z' },
			resolved: { first_seen: '2025-01-15T00:00:00.000Z' },
			changed: {},
		},
		{
			name: 'max compares ISO datetimes by instant, not by text',
			rules: [{ property: 'seen_at', mode: 'max' }],
			// 09:00-05:00 is 14:00Z, later than 10:00Z although it sorts earlier as text.
			rows: [{ seen_at: '2025-03-01T10:00:00Z' }, { seen_at: '2025-03-01T09:00:00-05:00' }],
			current: { seen_at: '2025-03-01T12:00:00.000Z' },
			resolved: { seen_at: '2025-03-01T09:00:00-05:00' },
			changed: { seen_at: '2025-03-01T09:00:00-05:00' },
		},
		{
			name: 'max compares numbers numerically (10 > 9)',
			rules: [{ property: 'score', mode: 'max' }],
			rows: [{ score: '9' }, { score: '10' }, { score: '2' }],
			current: { score: '7' },
			resolved: { score: '10' },
			changed: { score: '10' },
		},
		{
			name: 'max keeps a larger current number',
			rules: [{ property: 'score', mode: 'max' }],
			rows: [{ score: '9' }, { score: '10' }],
			current: { score: '11' },
			resolved: { score: '11' },
			changed: {},
		},
		{
			name: 'min of numbers, with negatives and decimals',
			rules: [{ property: 'score', mode: 'min' }],
			rows: [{ score: '2' }, { score: '-1.5' }, { score: '0' }],
			current: { score: '3' },
			resolved: { score: '-1.5' },
			changed: { score: '-1.5' },
		},
		{
			name: 'an empty or incomparable current value is replaced',
			rules: [
				{ property: 'a', mode: 'max' },
				{ property: 'b', mode: 'min' },
			],
			rows: [{ a: '2025-05-05', b: '4' }],
			current: { a: 'n/a', b: '' },
			resolved: { a: '2025-05-05', b: '4' },
			changed: { a: '2025-05-05', b: '4' },
		},
	])('$name', check);
});

describe('combineRows', () => {
	it('keeps every mode in its own bucket', () => {
		const rules: MergeRule[] = [
			{ property: 'tags', mode: 'append' },
			{ property: 'visits', mode: 'increment', incrementBy: 2 },
			{ property: 'source', mode: 'setOnce' },
		];
		expect(
			combineRows(
				[
					{ tags: 'a;A;b', visits: '3', source: 'ads', city: 'Oslo' },
					{ tags: 'c', source: 'organic', city: 'Bergen' },
				],
				rules,
			),
		).toEqual({
			values: { source: 'ads', city: 'Bergen' },
			lists: { tags: ['a', 'b', 'c'] },
			increments: { visits: 5 },
		});
	});
});

describe('needsCurrent', () => {
	it.each<[string, MergeRule[], boolean]>([
		['no rules', [], false],
		['only overwrite', [{ property: 'a', mode: 'overwrite' }], false],
		['setOnce', [{ property: 'a', mode: 'setOnce' }], true],
		['append', [{ property: 'a', mode: 'append' }], true],
		['increment', [{ property: 'a', mode: 'increment' }], true],
		['max', [{ property: 'a', mode: 'max' }], true],
		[
			'min among overwrites',
			[
				{ property: 'a', mode: 'overwrite' },
				{ property: 'b', mode: 'min' },
			],
			true,
		],
	])('%s', (_name, rules, expected) => {
		expect(needsCurrent(rules)).toBe(expected);
	});
});

describe('ruleValueProblem', () => {
	const rule = (mode: MergeRule['mode']): MergeRule => ({ property: 'p', mode });
	it.each<[string, MergeRule, string | undefined, string | undefined]>([
		[
			'increment of a word',
			rule('increment'),
			'abc',
			'"abc" is not a number, and the increment rule adds numbers',
		],
		[
			'increment of a number with a unit',
			rule('increment'),
			'5 pts',
			'"5 pts" is not a number, and the increment rule adds numbers',
		],
		['increment of a padded negative decimal', rule('increment'), ' -2.5 ', undefined],
		[
			'max of a word',
			rule('max'),
			'soon',
			'"soon" is not a date (YYYY-MM-DD) or a number, so the max rule cannot compare it',
		],
		[
			'min of a US date',
			rule('min'),
			'12/15/2025',
			'"12/15/2025" is not a date (YYYY-MM-DD) or a number, so the min rule cannot compare it',
		],
		[
			'max of an impossible month',
			rule('max'),
			'2025-13-01',
			'"2025-13-01" is not a date (YYYY-MM-DD) or a number, so the max rule cannot compare it',
		],
		['max of a date', rule('max'), '2025-12-15', undefined],
		['min of an ISO datetime', rule('min'), '2025-12-15T10:00:00Z', undefined],
		['max of a number', rule('max'), '2025', undefined],
		['overwrite of anything', rule('overwrite'), 'soon', undefined],
		['append of anything', rule('append'), 'x;y', undefined],
		['setOnce of anything', rule('setOnce'), 'abc', undefined],
		['an empty value for increment', rule('increment'), '', undefined],
		['a blank value for max', rule('max'), '   ', undefined],
		['no value', rule('min'), undefined, undefined],
	])('%s', (_name, r, value, expected) => {
		expect(ruleValueProblem(r, value)).toBe(expected);
	});
});

describe('sameValue', () => {
	it.each<[string | null | undefined, string | null | undefined]>([
		['3', '3.0'],
		['3', ' 3 '],
		['-0', '0'],
		['1.50', '1.5'],
		['2025-12-15', '2025-12-15T00:00:00.000Z'],
		['2025-12-15T10:00:00Z', '2025-12-15T10:00:00.000Z'],
		['2025-12-15T05:00:00-05:00', '2025-12-15T10:00:00.000Z'],
		['', null],
		[undefined, '  '],
		[null, undefined],
		['Oslo', 'Oslo'],
	])('%p equals %p', (a, b) => {
		expect(sameValue(a, b)).toBe(true);
		expect(sameValue(b, a)).toBe(true);
	});

	it.each<[string | null | undefined, string | null | undefined]>([
		['3', '2025'],
		['2025', '2025-01-01'],
		['2025', '2025-01-01T00:00:00.000Z'],
		['2025-12-15', '2025-12-16'],
		['2025-12-15', '2025-12-15T00:00:01.000Z'],
		['0', ''],
		['0', null],
		['Oslo', 'oslo'],
		['3', 'three'],
		['true', '1'],
	])('%p differs from %p', (a, b) => {
		expect(sameValue(a, b)).toBe(false);
		expect(sameValue(b, a)).toBe(false);
	});

	// Regression: digit strings are compared as numbers whatever the property type, so for
	// text properties that hold digits a real correction is judged "unchanged" and never written.
	it('treats digit strings that differ as text (zip codes, long ids) as different', () => {
		expect(sameValue('02134', '2134')).toBe(false);
		expect(sameValue('12345678901234567890', '12345678901234567891')).toBe(false);
	});
});

describe('comparable', () => {
	it('reads a year-like number as a number, not as a date', () => {
		expect(comparable('2025')).toBe(2025);
	});
	it('reads dates as UTC midnight and datetimes as their instant', () => {
		expect(comparable('2025-12-15')).toBe(Date.UTC(2025, 11, 15));
		expect(comparable('2025-12-15T05:00:00-05:00')).toBe(Date.UTC(2025, 11, 15, 10));
	});
	it('returns undefined for text and impossible dates', () => {
		expect(comparable('soon')).toBeUndefined();
		expect(comparable('2025-13-01')).toBeUndefined();
		expect(comparable('1e3')).toBeUndefined();
	});
});
