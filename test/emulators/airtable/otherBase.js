'use strict';
// A base another team might run its registry in: the same two tables, but named in lower case,
// with fields spelled "Event Name" / "Sync Status" instead of event_name / sync_status, and select
// choices of its own (no "Luma Event", no "Tier 2 (Strategic)", "LUMA" where the default has "luma").
// Shared by the Airtable Registry integration tests and the any-base e2e test.

const OTHER_BASE_NAME = 'Growth Team Events';

const select = (name, choices) => ({ name, type: 'singleSelect', options: { choices } });

const otherBaseSpec = () => ({
	name: OTHER_BASE_NAME,
	tables: [
		{
			name: 'events',
			fields: [
				{ name: 'Event Name', type: 'singleLineText' },
				{ name: 'Event Date', type: 'dateTime', options: { timeZone: 'utc' } },
				select('Event Type', ['Meetup', 'Conference', 'Webinar']),
				select('Event Tier', ['Gold', 'Silver']),
				select('Host', ['Marketing', 'Community']),
				select('UTM Source', ['newsletter', 'LUMA']),
				select('UTM Medium', ['Event', 'Paid']),
				{ name: 'Luma Event ID', type: 'singleLineText' },
				select('Status', ['Planned', 'Done']),
				{
					name: 'UTM Campaign',
					type: 'formula',
					options: {
						formula:
							'"evt-" & LOWER(SUBSTITUTE({Event Name}, " ", "-")) & "-" & DATETIME_FORMAT({Event Date}, \'YYYY-MM-DD\')',
						isValid: true,
						result: { type: 'singleLineText' },
					},
				},
			],
		},
		{
			name: 'registrations',
			fields: [
				{ name: 'Dedupe Key', type: 'singleLineText' },
				{ name: 'Event ID', type: 'multipleRecordLinks', options: { linkedTable: 'events' } },
				{ name: 'Email', type: 'email' },
				{ name: 'First Name', type: 'singleLineText' },
				{ name: 'Last Name', type: 'singleLineText' },
				{ name: 'Company', type: 'singleLineText' },
				{ name: 'Job Title', type: 'singleLineText' },
				{ name: 'Phone', type: 'phoneNumber' },
				select('Registration Source', ['Luma', 'CSV']),
				select('Sync Status', ['pending', 'synced to hubspot', 'error']),
				{ name: 'Sync Error', type: 'multilineText' },
				{ name: 'HubSpot Contact ID', type: 'number', options: { precision: 0 } },
				{ name: 'Notes', type: 'multilineText' },
			],
		},
	],
});

module.exports = { OTHER_BASE_NAME, otherBaseSpec };
