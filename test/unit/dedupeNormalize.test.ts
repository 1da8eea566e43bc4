import type { IDataObject, INodeParameters } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import type { CanonicalField } from '../../nodes/DedupeNormalize/canonical';
import { DedupeNormalize } from '../../nodes/DedupeNormalize/DedupeNormalize.node';
import { dedupeKey, dedupeWithinRun, type Candidate } from '../../nodes/DedupeNormalize/dedupe';
import { buildPreset, pathReader, type PresetName } from '../../nodes/DedupeNormalize/presets';
import { normalizeRecord, type RecordSettings } from '../../nodes/DedupeNormalize/record';

function settings(preset: PresetName, extra: Partial<RecordSettings> = {}): RecordSettings {
	const p = buildPreset(preset);
	return { readers: p.readers, defaults: p.defaults, required: new Set<CanonicalField>(['email', 'event_id']), defaultCountry: 'US', dateOrder: 'MDY', ...extra };
}

const lumaTriggerItem: IDataObject = {
	event_type: 'guest.registered',
	guest_id: 'gst-1',
	event: { id: 'evt-1', name: 'CFO Roundtable: Banking Stack', start_at: '2025-12-15T18:00:00Z' },
	guest: { user_email: ' Jane.Doe@Acme.COM ', user_name: 'jane doe', phone_number: '+44 20 7946 0958' },
	registration: {
		registered_at: '2025-12-01T14:32:00Z',
		utm_source: 'newsletter',
		registration_answers: [
			{ label: 'Company', answer: 'Acme Corp' },
			{ label: 'Job title', answer: 'CFO' },
		],
	},
};

describe('presets map each source onto the canonical contact', () => {
	it.each<[string, PresetName, IDataObject, Partial<RecordSettings>, Record<string, string>]>([
		[
			'Luma Trigger item (registration answers fill company/title)',
			'lumaWebhook',
			lumaTriggerItem,
			{},
			{
				email: 'jane.doe@acme.com', first_name: 'Jane', last_name: 'Doe', company: 'Acme Corp', job_title: 'CFO',
				phone: '+442079460958', registration_date: '2025-12-01T14:32:00.000Z', event_id: 'evt-1',
				event_date: '2025-12-15T18:00:00.000Z', utm_source: 'newsletter', utm_medium: 'event',
				utm_campaign: 'event_cfo-roundtable-banking-stack_2025-12-15', registration_source: 'Luma API', source_record_id: 'gst-1',
			},
		],
		[
			'seed 000 payload shape through the trigger',
			'lumaWebhook',
			{ guest_id: 'reg_xyz789', event: { api_id: 'evt_abc123', name: 'CFO Roundtable', start_at: '2025-12-15T18:00:00Z' }, guest: { email: 'jane.doe@acme.com', name: 'Jane Doe', company: 'Acme Corp', title: 'CFO' }, registration: { api_id: 'reg_xyz789', registered_at: '2025-12-01T14:32:00Z' } },
			{},
			{ email: 'jane.doe@acme.com', company: 'Acme Corp', job_title: 'CFO', event_id: 'evt_abc123', utm_source: 'luma', source_record_id: 'reg_xyz789' },
		],
		[
			'Luma API guest with the event ID set as an option',
			'lumaGuest',
			{ id: 'gst-9', user_email: 'A@B.io', user_first_name: 'ana', user_last_name: 'DE LA CRUZ', registered_at: '2025-11-02T10:00:00Z' },
			{ defaults: { ...buildPreset('lumaGuest').defaults, event_id: 'evt-77' } },
			{ email: 'a@b.io', first_name: 'Ana', last_name: 'De la Cruz', event_id: 'evt-77', source_record_id: 'gst-9' },
		],
		[
			'WebinarJam registrant: split phone, signup date, webinar id',
			'webinarJamRegistrant',
			{ webinarjam_id: 5512, email: 'bob@example.org', first_name: 'BOB', last_name: "o'neil", phone_country_code: '+49', phone_number: '30 901820', signup_date: '2025-10-05 09:15:00', webinar_id: 88, webinar_name: 'Cash Flow 101', event_date: '2025-10-20T17:00:00Z' },
			{},
			{ email: 'bob@example.org', first_name: 'Bob', last_name: "O'Neil", phone: '+4930901820', registration_date: '2025-10-05T09:15:00.000Z', event_id: '88', registration_source: 'Webinar Platform', source_record_id: '5512', utm_campaign: 'event_cash-flow-101_2025-10-20' },
		],
		[
			'CSV headers in any case and spacing, ambiguous date read day-first',
			'csv',
			{ 'E-mail': 'carla@example.com', 'First name': 'carla', 'LAST NAME': 'macdonald', 'Phone Number': '415.555.2671', 'Registration Date': '04/05/2025', 'Event ID': 'EV-2025-001' },
			{ dateOrder: 'DMY' },
			{ email: 'carla@example.com', first_name: 'Carla', last_name: 'MacDonald', phone: '+14155552671', registration_date: '2025-05-04T00:00:00.000Z', event_id: 'EV-2025-001', registration_source: 'CSV Upload' },
		],
		[
			'Custom mapping with nested paths',
			'custom',
			{ contact: { mail: 'dan@example.com', full: 'Dan Smith-Jones' }, ev: 'evt-c' },
			{ readers: { email: pathReader('contact.mail'), name: pathReader('contact.full'), event_id: pathReader('ev') } },
			{ email: 'dan@example.com', first_name: 'Dan', last_name: 'Smith-Jones', event_id: 'evt-c', registration_source: '' },
		],
	])('%s', (_name, preset, json, extra, expected) => {
		const { contact, errors } = normalizeRecord(json, settings(preset, extra));
		expect(errors).toEqual([]);
		expect(contact).toMatchObject(expected);
	});
});

describe('bad input is an error naming the field and the reason', () => {
	it.each<[string, IDataObject, string[]]>([
		['bad email', { guest: { user_email: 'jane@@acme.com' }, event: { id: 'e' } }, ['email']],
		['missing email', { guest: { user_name: 'Jane' }, event: { id: 'e' } }, ['email']],
		['missing event id', { guest: { user_email: 'j@acme.com' } }, ['event_id']],
		['bad phone', { guest: { user_email: 'j@acme.com', phone_number: '12' }, event: { id: 'e' } }, ['phone']],
		['bad registration date never becomes now', { guest: { user_email: 'j@acme.com' }, registration: { registered_at: '02/30/2025' }, event: { id: 'e' } }, ['registration_date']],
		['several at once', { guest: { user_email: 'nope', phone_number: 'call me' }, event: { start_at: 'soon' } }, ['email', 'phone', 'event_date', 'event_id']],
	])('%s', (_name, json, fields) => {
		const { errors, contact } = normalizeRecord(json, settings('lumaWebhook'));
		expect(errors.map((e) => e.field).sort()).toEqual([...fields].sort());
		for (const e of errors) expect(e.reason).toEqual(expect.any(String));
		// No row here has a readable registration date: it stays empty, never a made-up one.
		expect(contact.registration_date).toBe('');
	});
});

describe('dedupe within a run', () => {
	const c = (index: number, email: string, date: string, company = ''): Candidate => {
		const contact = normalizeRecord({ guest: { user_email: email, company }, registration: { registered_at: date }, event: { id: 'evt-1' } }, settings('lumaWebhook')).contact;
		return { index, contact, key: dedupeKey(contact, ['email', 'event_id']) };
	};
	const rows = [c(0, 'a@x.io', '2025-01-01T00:00:00Z'), c(1, 'A@X.io', '2025-03-01T00:00:00Z', 'Acme'), c(2, 'b@x.io', '2025-01-02T00:00:00Z'), c(3, 'a@x.io', '2025-02-01T00:00:00Z')];

	it('keys are case-insensitive on email and include the event', () => {
		expect(rows[0].key).toBe(rows[1].key);
		expect(rows[0].key).not.toBe(rows[2].key);
	});

	it.each<['first' | 'latest' | 'merge', number[], number[], string]>([
		['first', [0, 2], [1, 3], ''],
		['latest', [1, 2], [0, 3], 'Acme'],
		['merge', [0, 2], [1, 3], 'Acme'],
	])('keep %s', (strategy, keptIdx, dupIdx, company) => {
		const { kept, duplicates } = dedupeWithinRun(rows, strategy);
		expect(kept.map((k) => k.candidate.index)).toEqual(keptIdx);
		expect(duplicates.map((d) => d.candidate.index).sort()).toEqual(dupIdx);
		expect(kept[0].candidate.contact.company).toBe(company);
		// Every row is accounted for exactly once.
		expect(kept.length + duplicates.length).toBe(rows.length);
	});
});

describe('the node in the editor', () => {
	const { description } = new DedupeNormalize();
	/** The parameters n8n keeps for these values (defaults filled in, hidden ones dropped), as the editor shows them. */
	const shown = (values: INodeParameters, typeVersion = 2) =>
		Object.keys(NodeHelpers.getNodeParameters(description.properties, values, true, false, { typeVersion }, description) ?? {});

	it('offers Clear Memory, and a Memory Key wherever the memory is used', () => {
		const operation = description.properties.find((p) => p.name === 'operation')!;
		expect((operation.options as Array<{ value: string }>).map((o) => o.value)).toContain('clear');
		expect(shown({ operation: 'normalize' })).toContain('memoryKey');
		expect(shown({ operation: 'normalize', acrossRuns: false })).not.toContain('memoryKey');
		for (const op of ['confirm', 'release']) expect(shown({ operation: op })).toContain('memoryKey');
		expect(shown({ operation: 'clear' })).toEqual(expect.arrayContaining(['clearMode', 'keyField', 'memoryKey']));
		// Forgetting everything takes neither a key field nor a Memory Key.
		expect(shown({ operation: 'clear', clearMode: 'all' })).not.toContain('memoryKey');
		expect(shown({ operation: 'clear', clearMode: 'all' })).not.toContain('keyField');
		// Version 1 workflows keep their parameters.
		expect(shown({}, 1)).not.toContain('memoryKey');
	});

	it('warns that manual executions are remembered, only while memory is on', () => {
		expect(shown({ operation: 'normalize' })).toContain('manualRunNotice');
		expect(shown({ operation: 'normalize', acrossRuns: false })).not.toContain('manualRunNotice');
		expect(shown({ operation: 'confirm' })).not.toContain('manualRunNotice');
	});

	it('is not an agent tool, and says nothing about internal design documents', () => {
		expect(description.usableAsTool).toBeFalsy();
		expect(JSON.stringify(description)).not.toMatch(/seed/i);
	});
});
