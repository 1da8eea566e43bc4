import type { INodeProperties } from 'n8n-workflow';

import * as v1 from '../../../v1/actions/registration';
import { tableRLC } from '../common.descriptions';
import * as updateSyncStatus from './updateSyncStatus.operation';
import * as upsert from './upsert.operation';

export { updateSyncStatus, upsert };

export const description: INodeProperties[] = [
	tableRLC('registrationsTable', 'Registrations', { resource: ['registration'] }),
	// Version 1's Operation selector, with version 2's parameters.
	...v1.description.filter((p) => p.name === 'operation'),
	...upsert.description,
	...updateSyncStatus.description,
];
