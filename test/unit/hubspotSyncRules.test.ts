/**
 * The field rules as one table: every direction and authority × (neither side changed, only the app,
 * only HubSpot, both), with the value that wins and the side it is written to.
 */
import {
	asText,
	decide,
	type FieldRule,
	sameValue,
} from '../../nodes/HubSpotRecordSync/v1/helpers/rules';

const rule = (over: Partial<FieldRule>): FieldRule => ({
	column: 'c',
	property: 'p',
	direction: 'both',
	authority: 'latestWins',
	immutable: false,
	...over,
});

const SYNCED = 'synced';
const situations = {
	neither: { app: SYNCED, hubspot: SYNCED },
	onlyApp: { app: 'app', hubspot: SYNCED },
	onlyHubSpot: { app: SYNCED, hubspot: 'hs' },
	both: { app: 'app', hubspot: 'hs' },
} as const;

type Expect =
	| 'none'
	| 'toApp:hs'
	| 'toHubSpot:app'
	| 'toHubSpot:synced'
	| 'toApp:synced'
	| 'manual';

const matrix: Array<[string, Partial<FieldRule>, Record<keyof typeof situations, Expect>]> = [
	[
		'both ways, HubSpot wins',
		{ authority: 'hubspotWins' },
		{ neither: 'none', onlyApp: 'toHubSpot:app', onlyHubSpot: 'toApp:hs', both: 'toApp:hs' },
	],
	[
		'both ways, app wins',
		{ authority: 'appWins' },
		{ neither: 'none', onlyApp: 'toHubSpot:app', onlyHubSpot: 'toApp:hs', both: 'toHubSpot:app' },
	],
	[
		'both ways, manual',
		{ authority: 'manual' },
		{ neither: 'none', onlyApp: 'toHubSpot:app', onlyHubSpot: 'toApp:hs', both: 'manual' },
	],
	[
		'app → HubSpot',
		{ direction: 'toHubSpot' },
		{
			neither: 'none',
			onlyApp: 'toHubSpot:app',
			onlyHubSpot: 'toHubSpot:synced',
			both: 'toHubSpot:app',
		},
	],
	[
		'HubSpot → app',
		{ direction: 'toApp' },
		{ neither: 'none', onlyApp: 'toApp:synced', onlyHubSpot: 'toApp:hs', both: 'toApp:hs' },
	],
	[
		'immutable',
		{ direction: 'toHubSpot', immutable: true },
		{
			neither: 'none',
			onlyApp: 'toHubSpot:app',
			onlyHubSpot: 'toHubSpot:synced',
			both: 'toHubSpot:app',
		},
	],
];

function outcome(d: ReturnType<typeof decide>): Expect {
	if (d.action === 'none' || d.action === 'manual') return d.action;
	const value = d.value === 'hs' ? 'hs' : d.value === 'app' ? 'app' : 'synced';
	return `${d.action}:${value}` as Expect;
}

describe.each(matrix)('%s', (_name, over, expected) => {
	it.each(Object.keys(situations) as Array<keyof typeof situations>)('%s changed', (situation) => {
		const sides = situations[situation];
		expect(outcome(decide(rule(over), { synced: SYNCED, ...sides }))).toBe(expected[situation]);
	});
});

describe('latest wins', () => {
	const both = { synced: SYNCED, app: 'app', hubspot: 'hs' };
	it('takes the later change', () => {
		expect(decide(rule({}), { ...both, appChangedAt: 2000, hubspotChangedAt: 1000 })).toMatchObject(
			{ action: 'toHubSpot', value: 'app', reason: 'conflict_latest_app' },
		);
		expect(decide(rule({}), { ...both, appChangedAt: 1000, hubspotChangedAt: 2000 })).toMatchObject(
			{ action: 'toApp', value: 'hs', reason: 'conflict_latest_hubspot' },
		);
	});
	it('gives a tie, or an unknown app time, to HubSpot', () => {
		expect(decide(rule({}), { ...both, appChangedAt: 1000, hubspotChangedAt: 1000 })).toMatchObject(
			{ action: 'toApp' },
		);
		expect(decide(rule({}), { ...both, hubspotChangedAt: 1000 })).toMatchObject({
			action: 'toApp',
		});
		expect(decide(rule({}), { ...both, appChangedAt: 1000 })).toMatchObject({
			action: 'toHubSpot',
		});
	});
	it('treats a field never synced as changed on both sides', () => {
		expect(
			decide(rule({ authority: 'manual' }), { synced: undefined, app: 'a', hubspot: 'b' }),
		).toMatchObject({ action: 'manual' });
		expect(
			decide(rule({ authority: 'manual' }), { synced: undefined, app: 'a', hubspot: 'a' }),
		).toEqual({ action: 'none', reason: 'equal' });
	});
});

describe('values', () => {
	it('compares numbers and booleans as values, text as text', () => {
		expect(sameValue('5000.00', '5000')).toBe(true);
		// Text that only looks like a number keeps its form: zip codes, phone numbers, long IDs.
		expect(sameValue('01234', '1234')).toBe(false);
		expect(sameValue('+14155550100', '14155550100')).toBe(false);
		expect(sameValue('12345678901234567', '12345678901234568')).toBe(false);
		expect(sameValue('-0.50', '-0.5')).toBe(true);
		expect(sameValue('100000000000000.01', '100000000000000.02')).toBe(false);
		expect(sameValue('-0.0', '0')).toBe(true);
		expect(sameValue('1e3', '1000')).toBe(false);
		expect(sameValue('TRUE', 'true')).toBe(true);
		expect(sameValue('Acme', 'acme')).toBe(false);
		expect(sameValue(null, '')).toBe(false);
		expect(sameValue('0', null)).toBe(false);
	});
	it('reads empty and missing alike (HubSpot has no null), dates as ISO', () => {
		expect(asText('')).toBeNull();
		expect(asText(undefined)).toBeNull();
		expect(asText(0)).toBe('0');
		expect(asText(false)).toBe('false');
		expect(asText(new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02T03:04:05.000Z');
		expect(asText({ a: 1 })).toBe('{"a":1}');
	});
});
