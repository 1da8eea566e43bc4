/**
 * The expressionless inputs the Luma sync uses with combining: Contact › Upsert's Canonical Contact
 * mapping and List › Add Members' list name template.
 */
import {
	CANONICAL_MAPPING,
	canonicalProperties,
	missingCanonicalProperties,
} from '../../nodes/HubSpotBatch/v1/actions/contact/canonical';
import {
	DEFAULT_LIST_TEMPLATE,
	fillTemplate,
	parseTemplate,
} from '../../nodes/HubSpotBatch/v1/actions/list/template';
import type { PropertyDefinition } from '../../nodes/HubSpotBatch/v1/helpers/properties';

const def = (name: string, type = 'string'): [string, PropertyDefinition] => [
	name,
	{ name, label: name, type, fieldType: type === 'date' ? 'date' : 'text' },
];

const definitions = new Map<string, PropertyDefinition>([
	...[
		'email',
		'firstname',
		'lastname',
		'phone',
		'company',
		'jobtitle',
		'contact_recent_event_name',
		'utm_source',
		'utm_medium',
		'utm_campaign',
	].map((name) => def(name)),
	def('contact_recent_event_date', 'date'),
	def('contact_first_event_date', 'date'),
]);

const settings = { utmSource: 'luma', utmMedium: 'event', campaignFrom: 'eventSlug' as const };

describe('Canonical Contact mapping', () => {
	const contact = {
		email: 'ada@example.com',
		first_name: 'Ada',
		last_name: 'Lovelace',
		phone: '+14155550100',
		company: 'Engines',
		job_title: 'Analyst',
		event_id: 'evt-1',
		event_name: 'Launch: Day',
		event_date: '2026-03-05T18:00:00-05:00',
		utm_source: '',
		utm_medium: null,
		utm_campaign: 'event_launch:-day_2026-03-05',
		guest_id: 'g-1',
	};

	it("maps Dedupe & Normalize's fields as the shipped flow's expressions did", () => {
		expect(canonicalProperties(contact, settings, definitions)).toEqual({
			email: 'ada@example.com',
			firstname: 'Ada',
			lastname: 'Lovelace',
			phone: '+14155550100',
			company: 'Engines',
			jobtitle: 'Analyst',
			contact_recent_event_name: 'Launch: Day',
			// Date properties take the calendar day as written.
			contact_recent_event_date: '2026-03-05',
			contact_first_event_date: '2026-03-05',
			utm_source: 'luma',
			utm_medium: 'event',
			// Dedupe & Normalize's slug, not Airtable's formula value the item carries.
			utm_campaign: 'event_launch-day_2026-03-05',
		});
	});

	it("keeps the item's own UTM values, and sends none for an empty default", () => {
		const out = canonicalProperties(
			{ ...contact, utm_source: 'newsletter', utm_medium: '', event_name: '' },
			{ utmSource: '', utmMedium: '', campaignFrom: 'eventSlug' },
			definitions,
		);
		expect(out.utm_source).toBe('newsletter');
		expect(out).not.toHaveProperty('utm_medium');
		expect(out).not.toHaveProperty('contact_recent_event_name');
		// Without an event name there is no slug: the item's utm_campaign as it is.
		expect(out.utm_campaign).toBe('event_launch:-day_2026-03-05');
	});

	it("takes the item's utm_campaign as it is when asked to", () => {
		const out = canonicalProperties(
			contact,
			{ ...settings, campaignFrom: 'inputField' },
			definitions,
		);
		expect(out.utm_campaign).toBe('event_launch:-day_2026-03-05');
	});

	it('names the mapped properties an account lacks', () => {
		const bare = new Map([...definitions].filter(([name]) => !name.startsWith('utm_')));
		expect(missingCanonicalProperties(bare)).toEqual(['utm_source', 'utm_medium', 'utm_campaign']);
		expect(missingCanonicalProperties(definitions)).toEqual([]);
		expect(CANONICAL_MAPPING).toHaveLength(12);
	});
});

describe('List name template', () => {
	it('fills fields and the calendar day of a date', () => {
		expect(
			fillTemplate(DEFAULT_LIST_TEMPLATE, {
				event_name: 'Launch',
				event_date: '2026-03-05T23:30:00-05:00',
			}),
		).toEqual({ ok: true, name: 'Event Registrations - Launch - 2026-03-05' });
		expect(fillTemplate('{event.name} / {n}', { event: { name: 'Nested' }, n: 3 })).toEqual({
			ok: true,
			name: 'Nested / 3',
		});
		expect(fillTemplate('Static list', {})).toEqual({ ok: true, name: 'Static list' });
	});

	it('names the field that leaves the name incomplete', () => {
		expect(fillTemplate(DEFAULT_LIST_TEMPLATE, { event_name: 'Launch' })).toMatchObject({
			ok: false,
			field: 'event_date',
		});
		expect(
			fillTemplate(DEFAULT_LIST_TEMPLATE, { event_name: ' ', event_date: '2026-03-05' }),
		).toMatchObject({ ok: false, field: 'event_name' });
		expect(
			fillTemplate(DEFAULT_LIST_TEMPLATE, { event_name: 'Launch', event_date: 'soon' }),
		).toMatchObject({ ok: false, field: 'event_date', reason: '"soon" is not a date' });
	});

	it('refuses an empty placeholder or an unknown format', () => {
		expect(parseTemplate(DEFAULT_LIST_TEMPLATE)).toEqual([
			{ field: 'event_name', format: '' },
			{ field: 'event_date', format: 'date' },
		]);
		expect(parseTemplate('List {}')).toBe('"{}" names no input field');
		expect(parseTemplate('List {event_date:time}')).toMatch(/unknown format "time"/);
	});
});
