import type { INodeProperties } from 'n8n-workflow';

import * as v1 from '../../../v1/actions/event/findOrCreate.operation';
import { OWN_FIELDS } from '../../../v1/helpers/names';
import { fieldNamesOption, fromTable } from '../common.descriptions';

// The same operation as version 1; its names, tables and choices follow the picked base.
export const execute = v1.execute;

export const description: INodeProperties[] = fromTable(
	v1.description,
	fieldNamesOption('eventsTable', OWN_FIELDS.events),
);
