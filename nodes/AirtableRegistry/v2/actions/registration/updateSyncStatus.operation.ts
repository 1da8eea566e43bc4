import type { INodeProperties } from 'n8n-workflow';

import * as v1 from '../../../v1/actions/registration/updateSyncStatus.operation';
import { fieldNamesOption, fromTable } from '../common.descriptions';

// The same operation as version 1; its names, tables and choices follow the picked base.
export const execute = v1.execute;

export const description: INodeProperties[] = fromTable(
	v1.description,
	fieldNamesOption('registrationsTable', ['sync_status', 'sync_error', 'hubspot_contact_id']),
);
