/** The canonical contact every source maps onto, in output order. */
export const CANONICAL_FIELDS = [
	'email',
	'first_name',
	'last_name',
	'company',
	'job_title',
	'phone',
	'registration_date',
	'event_id',
	'event_name',
	'event_date',
	'registration_source',
	'utm_source',
	'utm_medium',
	'utm_campaign',
	'source_record_id',
] as const;

export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Fields a mapping may fill besides the canonical ones: a full name is split when first/last are absent. */
export type MappableField = CanonicalField | 'name' | 'phone_country_code';

export type CanonicalContact = Record<CanonicalField, string>;

export interface FieldError {
	field: string;
	value: unknown;
	reason: string;
}

export const FIELD_LABELS: Record<MappableField, string> = {
	email: 'Email',
	first_name: 'First Name',
	last_name: 'Last Name',
	name: 'Full Name (Split When First/Last Absent)',
	company: 'Company',
	job_title: 'Job Title',
	phone: 'Phone',
	phone_country_code: 'Phone Country Code (Prefix for Phone)',
	registration_date: 'Registration Date',
	event_id: 'Event ID',
	event_name: 'Event Name',
	event_date: 'Event Date',
	registration_source: 'Registration Source',
	utm_source: 'UTM Source',
	utm_medium: 'UTM Medium',
	utm_campaign: 'UTM Campaign',
	source_record_id: 'Source Record ID',
};
