import type { INodeProperties } from 'n8n-workflow';

import * as v1 from '../../../v1/actions/event/findOrCreate.operation';
import { OWN_FIELDS } from '../../../v1/helpers/names';
import { fieldNamesOption, fromTable, inputField, withInput } from '../common.descriptions';

// The same operation as version 1; its names, tables and choices follow the picked base.
export const execute = v1.execute;

const show = { resource: ['event'], operation: ['findOrCreate'] };

export const description: INodeProperties[] = withInput(
	fromTable(v1.description, fieldNamesOption('eventsTable', OWN_FIELDS.events)),
	show,
	['lumaEventId', 'eventName', 'eventDate'],
	[
		{
			after: 'inputMode',
			property: inputField(show, {
				displayName: 'Luma Event ID Input Field',
				name: 'lumaEventIdInputField',
				default: 'event_id',
				description:
					"The input item's field that holds the Luma event ID, looked up in the Luma event ID field first. Missing or empty: the event is found by name and date only.",
			}),
		},
		{
			after: 'inputMode',
			property: inputField(show, {
				displayName: 'Event Name Input Field',
				name: 'eventNameInputField',
				default: 'event_name',
				required: true,
				description:
					"The input item's field that holds the event's name, written to event_name; with the date it finds an event that has no Luma event ID",
			}),
		},
		{
			after: 'inputMode',
			property: inputField(show, {
				displayName: 'Event Date Input Field',
				name: 'eventDateInputField',
				default: 'event_date',
				required: true,
				description:
					"The input item's field that holds the event's date (ISO 8601), written to event_date; events match on its UTC day",
			}),
		},
	],
);
