import type { IDataObject } from 'n8n-workflow';

import type { CanonicalField, MappableField } from './canonical';

export type PresetName = 'lumaWebhook' | 'lumaGuest' | 'webinarJamRegistrant' | 'csv' | 'custom';

/** Reads one mappable field from an input item; undefined when absent. */
export type FieldReader = (json: IDataObject) => unknown;

export interface Preset {
	readers: Partial<Record<MappableField, FieldReader>>;
	/** Values used when the input has none (the user's options override these). */
	defaults: Partial<Record<CanonicalField, string>>;
}

/** Compiles `a.b.c` once into a reader, so 100k items do not re-split paths. */
export function pathReader(path: string): FieldReader {
	const parts = path.split('.').filter((p) => p.length > 0);
	if (parts.length === 1) {
		const key = parts[0];
		return (json) => json[key];
	}
	return (json) => {
		let value: unknown = json;
		for (const part of parts) {
			if (value === null || typeof value !== 'object') return undefined;
			value = (value as IDataObject)[part];
		}
		return value;
	};
}

const isPresent = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/** First path that holds a value. */
function anyOf(...paths: string[]): FieldReader {
	const readers = paths.map(pathReader);
	return (json) => {
		for (const read of readers) {
			const v = read(json);
			if (isPresent(v)) return v;
		}
		return undefined;
	};
}

/** Luma registration forms carry company and title as free-form answers. */
function registrationAnswer(pattern: RegExp, answersPath: string): FieldReader {
	const readAnswers = pathReader(answersPath);
	return (json) => {
		const answers = readAnswers(json);
		if (!Array.isArray(answers)) return undefined;
		for (const a of answers as IDataObject[]) {
			if (a && typeof a.label === 'string' && pattern.test(a.label)) return a.answer ?? a.value;
		}
		return undefined;
	};
}

function orElse(...readers: FieldReader[]): FieldReader {
	return (json) => {
		for (const read of readers) {
			const v = read(json);
			if (isPresent(v)) return v;
		}
		return undefined;
	};
}

const COMPANY = /^(company|organi[sz]ation|employer)\b/i;
const TITLE = /^(job title|title|role|position)\b/i;

/** Header names in CSV exports vary ("E-mail", "First name", "first_name"): compare them squashed. */
const squash = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

const CSV_HEADERS: Partial<Record<MappableField, string[]>> = {
	email: ['email', 'emailaddress', 'mail', 'workemail'],
	first_name: ['firstname', 'first', 'givenname', 'fname'],
	last_name: ['lastname', 'last', 'surname', 'familyname', 'lname'],
	name: ['name', 'fullname', 'contactname', 'attendee', 'attendeename'],
	company: ['company', 'companyname', 'organization', 'organisation', 'account', 'employer'],
	job_title: ['jobtitle', 'title', 'role', 'position'],
	phone: ['phone', 'phonenumber', 'mobile', 'mobilephone', 'telephone', 'tel'],
	registration_date: ['registrationdate', 'registeredat', 'registered', 'signupdate', 'createdat', 'date'],
	event_id: ['eventid', 'event'],
	event_name: ['eventname', 'eventtitle'],
	event_date: ['eventdate', 'eventstart', 'startat', 'startdate'],
	utm_source: ['utmsource'],
	utm_medium: ['utmmedium'],
	utm_campaign: ['utmcampaign'],
	source_record_id: ['id', 'recordid', 'registrationid'],
};

function csvReaders(): Partial<Record<MappableField, FieldReader>> {
	// Key lookup is memoised per distinct header set, not per row.
	let lastKeys: string[] | undefined;
	let lastMap = new Map<string, string>();
	const keyMap = (json: IDataObject) => {
		const keys = Object.keys(json);
		if (!lastKeys || keys.length !== lastKeys.length || keys.some((k, i) => k !== lastKeys![i])) {
			lastKeys = keys;
			lastMap = new Map();
			for (const k of keys) if (!lastMap.has(squash(k))) lastMap.set(squash(k), k);
		}
		return lastMap;
	};
	const readers: Partial<Record<MappableField, FieldReader>> = {};
	for (const [field, names] of Object.entries(CSV_HEADERS) as Array<[MappableField, string[]]>) {
		readers[field] = (json) => {
			const map = keyMap(json);
			for (const n of names) {
				const key = map.get(n);
				if (key !== undefined && isPresent(json[key])) return json[key];
			}
			return undefined;
		};
	}
	return readers;
}

export function buildPreset(name: PresetName): Preset {
	switch (name) {
		case 'lumaWebhook':
			// Output of the Luma Trigger node; also accepts the {user, registration, event} shape.
			return {
				readers: {
					email: anyOf('guest.user_email', 'guest.email', 'payload.user.email'),
					first_name: anyOf('guest.user_first_name', 'guest.first_name'),
					last_name: anyOf('guest.user_last_name', 'guest.last_name'),
					name: anyOf('guest.user_name', 'guest.name'),
					company: orElse(anyOf('guest.company'), registrationAnswer(COMPANY, 'registration.registration_answers')),
					job_title: orElse(anyOf('guest.title', 'guest.job_title'), registrationAnswer(TITLE, 'registration.registration_answers')),
					phone: anyOf('guest.phone_number', 'guest.phone'),
					registration_date: anyOf('registration.registered_at', 'guest.registered_at', 'guest.created_at'),
					event_id: anyOf('event.id', 'event.api_id'),
					event_name: anyOf('event.name'),
					event_date: anyOf('event.start_at'),
					utm_source: anyOf('registration.utm_source', 'guest.utm_source'),
					source_record_id: anyOf('guest_id', 'registration.api_id', 'registration.id'),
				},
				defaults: { registration_source: 'Luma API', utm_source: 'luma', utm_medium: 'event' },
			};
		case 'lumaGuest':
			// Items of the Luma node's Guest › Get Many (or Get).
			return {
				readers: {
					email: anyOf('user_email', 'email'),
					first_name: anyOf('user_first_name'),
					last_name: anyOf('user_last_name'),
					name: anyOf('user_name', 'name'),
					company: registrationAnswer(COMPANY, 'registration_answers'),
					job_title: registrationAnswer(TITLE, 'registration_answers'),
					phone: anyOf('phone_number'),
					registration_date: anyOf('registered_at', 'created_at'),
					event_id: anyOf('event_id', 'event.id', 'event.api_id'),
					event_name: anyOf('event_name', 'event.name'),
					event_date: anyOf('event_start_at', 'event.start_at'),
					utm_source: anyOf('utm_source'),
					source_record_id: anyOf('id', 'api_id'),
				},
				defaults: { registration_source: 'Luma API', utm_source: 'luma', utm_medium: 'event' },
			};
		case 'webinarJamRegistrant':
			// WebinarJam registrant rows: phone comes split into country code and number.
			return {
				readers: {
					email: anyOf('email'),
					first_name: anyOf('first_name'),
					last_name: anyOf('last_name'),
					name: anyOf('name'),
					phone: anyOf('phone_number', 'phone'),
					phone_country_code: anyOf('phone_country_code'),
					registration_date: anyOf('signup_date', 'signup_timestamp'),
					event_id: anyOf('webinar_id'),
					event_name: anyOf('webinar_name', 'name_of_webinar'),
					event_date: anyOf('event_date', 'event'),
					source_record_id: anyOf('webinarjam_id', 'id', 'lead_id'),
				},
				defaults: { registration_source: 'Webinar Platform', utm_source: 'webinarjam', utm_medium: 'webinar' },
			};
		case 'csv':
			return { readers: csvReaders(), defaults: { registration_source: 'CSV Upload' } };
		case 'custom':
			return { readers: {}, defaults: {} };
	}
}
