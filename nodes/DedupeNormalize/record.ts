import type { IDataObject } from 'n8n-workflow';

import {
	collapseWhitespace,
	normalizeDate,
	normalizeEmail,
	normalizePhone,
	splitFullName,
	titleCaseName,
	utmCampaign,
	type DayMonthOrder,
} from '../shared/normalize';
import type { CanonicalContact, CanonicalField, FieldError, MappableField } from './canonical';
import type { FieldReader } from './presets';

export interface RecordSettings {
	readers: Partial<Record<MappableField, FieldReader>>;
	defaults: Partial<Record<CanonicalField, string>>;
	required: ReadonlySet<CanonicalField>;
	defaultCountry: string;
	dateOrder: DayMonthOrder;
	/** Event date + campaign per distinct (name, date) input; every registration of an event repeats them. */
	eventCache?: Map<string, { eventDate: string; campaign: string; error?: FieldError }>;
}

const EVENT_CACHE_LIMIT = 10000;

function text(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return collapseWhitespace(value);
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return '';
}

/** Maps one input item onto the canonical contact; every field that cannot be normalized is an error. */
export function normalizeRecord(
	json: IDataObject,
	settings: RecordSettings,
): { contact: CanonicalContact; errors: FieldError[] } {
	const { readers, defaults } = settings;
	const errors: FieldError[] = [];
	const read = (field: MappableField): unknown => readers[field]?.(json);
	const raw = (field: CanonicalField): string => text(read(field)) || defaults[field] || '';

	const emailRaw = read('email');
	let email = '';
	if (text(emailRaw)) {
		const r = normalizeEmail(text(emailRaw));
		if (r.ok) email = r.value;
		else errors.push({ field: 'email', value: emailRaw, reason: r.reason });
	}

	let first = text(read('first_name'));
	let last = text(read('last_name'));
	if (!first && !last) {
		const full = text(read('name'));
		if (full) ({ first, last } = splitFullName(full));
	}

	const phoneRaw = read('phone');
	let phone = '';
	if (text(phoneRaw)) {
		const code = text(read('phone_country_code')).replace(/^\+/, '');
		const value = code && !text(phoneRaw).startsWith('+') ? `+${code} ${text(phoneRaw)}` : text(phoneRaw);
		const r = normalizePhone(value, settings.defaultCountry);
		if (r.ok) phone = r.value;
		else errors.push({ field: 'phone', value: phoneRaw, reason: r.reason });
	}

	const dateInput = (field: 'registration_date' | 'event_date'): { value: unknown; input: string | number } => {
		const value = read(field);
		const given = typeof value === 'number' ? value : text(value);
		return { value, input: given === '' ? defaults[field] ?? '' : given };
	};
	let registrationDate = '';
	const reg = dateInput('registration_date');
	if (reg.input !== '') {
		const r = normalizeDate(reg.input, settings.dateOrder);
		if (r.ok) registrationDate = r.value;
		else errors.push({ field: 'registration_date', value: reg.value ?? reg.input, reason: r.reason });
	}

	const eventName = raw('event_name');
	const ev = dateInput('event_date');
	const eventKey = `${eventName}\u0000${ev.input}`;
	let event = settings.eventCache?.get(eventKey);
	if (!event) {
		event = { eventDate: '', campaign: '' };
		if (ev.input !== '') {
			const r = normalizeDate(ev.input, settings.dateOrder);
			if (r.ok) event.eventDate = r.value;
			else event.error = { field: 'event_date', value: ev.value ?? ev.input, reason: r.reason };
		}
		// The shared formula wins when both parts are known, so every source agrees on the campaign.
		if (eventName && event.eventDate) event.campaign = utmCampaign(eventName, event.eventDate);
		if (settings.eventCache) {
			if (settings.eventCache.size >= EVENT_CACHE_LIMIT) settings.eventCache.clear();
			settings.eventCache.set(eventKey, event);
		}
	}
	if (event.error) errors.push({ ...event.error });
	const eventDate = event.eventDate;
	const contact: CanonicalContact = {
		email,
		first_name: first ? titleCaseName(first) : '',
		last_name: last ? titleCaseName(last) : '',
		company: raw('company'),
		job_title: raw('job_title'),
		phone,
		registration_date: registrationDate,
		event_id: raw('event_id'),
		event_name: eventName,
		event_date: eventDate,
		registration_source: raw('registration_source'),
		utm_source: raw('utm_source'),
		utm_medium: raw('utm_medium'),
		utm_campaign: event.campaign || raw('utm_campaign'),
		source_record_id: raw('source_record_id'),
	};

	for (const field of settings.required) {
		if (contact[field] === '' && !errors.some((e) => e.field === field)) {
			errors.push({ field, value: read(field) ?? null, reason: `${field} is required but missing` });
		}
	}
	return { contact, errors };
}
