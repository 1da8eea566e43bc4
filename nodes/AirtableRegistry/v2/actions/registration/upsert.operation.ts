import type { INodeProperties } from 'n8n-workflow';

import * as v1 from '../../../v1/actions/registration/upsert.operation';
import { OWN_FIELDS } from '../../../v1/helpers/names';
import { fieldNamesOption, fromTable, inputField, withInput } from '../common.descriptions';
import { syncStatusInputFields } from './updateSyncStatus.operation';

// The same operation as version 1; its names, tables and choices follow the picked base.
export const execute = v1.execute;

const show = { resource: ['registration'], operation: ['upsert'] };

export const description: INodeProperties[] = withInput(
	fromTable(v1.description, fieldNamesOption('registrationsTable', OWN_FIELDS.registrations)),
	show,
	['dedupeKey', 'eventRecordId', 'syncError', 'hubspotContactId'],
	[
		{
			after: 'fieldsToMergeOn',
			property: inputField(show, {
				displayName: 'Email Input Field',
				name: 'emailInputField',
				default: 'email',
				description:
					"The input item's field that holds the email. When Fields to Merge On includes dedupe_key, dedupe_key is written as the email (trimmed, lower-cased), | and the Luma event ID. Empty: dedupe_key comes from the mapping.",
			}),
		},
		{
			after: 'fieldsToMergeOn',
			property: inputField(show, {
				displayName: 'Luma Event ID Input Field',
				name: 'lumaEventIdInputField',
				default: 'event_id',
				description: "The input item's field that holds the Luma event ID, for dedupe_key",
			}),
		},
		{
			after: 'fieldsToMergeOn',
			property: inputField(show, {
				displayName: 'Event Record ID Input Field',
				name: 'eventRecordIdInputField',
				default: 'airtable_id',
				description:
					"The input item's field that holds the Events record (rec…) to link in event_id, such as airtable_id from Event › Find or Create. Missing or empty: the link is not set.",
			}),
		},
		...syncStatusInputFields({ ...show, writeSyncStatus: [true] }).map((property) => ({
			after: 'syncStatus',
			property,
		})),
	],
);
