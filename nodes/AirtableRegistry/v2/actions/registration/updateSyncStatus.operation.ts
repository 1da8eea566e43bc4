import type { INodeProperties } from 'n8n-workflow';

import * as v1 from '../../../v1/actions/registration/updateSyncStatus.operation';
import { fieldNamesOption, fromTable, inputField, withInput } from '../common.descriptions';

// The same operation as version 1; its names, tables and choices follow the picked base.
export const execute = v1.execute;

const show = { resource: ['registration'], operation: ['updateSyncStatus'] };

/** Sync Error and HubSpot Contact ID from the input item's fields (also used by Upsert). */
export function syncStatusInputFields(shownWith: Record<string, unknown[]>): INodeProperties[] {
	return [
		inputField(shownWith, {
			displayName: 'Sync Error Input Field',
			name: 'syncErrorInputField',
			default: 'error',
			description:
				"The input item's field whose text is written to sync_error, such as error on an error output. Missing or empty, or no field named: sync_error is cleared.",
		}),
		inputField(shownWith, {
			displayName: 'HubSpot Contact ID Input Field',
			name: 'hubspotContactIdInputField',
			default: 'hubspot_id',
			description:
				"The input item's field that holds the HubSpot contact ID, written to hubspot_contact_id. Missing or empty: the field is left as it is.",
		}),
	];
}

export const description: INodeProperties[] = withInput(
	fromTable(
		v1.description,
		fieldNamesOption('registrationsTable', ['sync_status', 'sync_error', 'hubspot_contact_id']),
	),
	show,
	['recordId', 'syncError', 'hubspotContactId'],
	[
		{
			after: 'inputMode',
			property: inputField(show, {
				displayName: 'Record ID Input Field',
				name: 'recordIdInputField',
				default: 'airtable_id',
				required: true,
				description:
					"The input item's field that holds the Registrations record (rec…) to update, such as airtable_id from Registration › Upsert (HubSpot Batch passes it through)",
			}),
		},
		...syncStatusInputFields(show).map((property) => ({ after: 'syncStatus', property })),
	],
);
