import type { INodeProperties } from 'n8n-workflow';

import * as v1 from '../../../v1/actions/event';
import { tableRLC } from '../common.descriptions';
import * as findOrCreate from './findOrCreate.operation';

export { findOrCreate };

export const description: INodeProperties[] = [
	tableRLC('eventsTable', 'Events', { resource: ['event'] }),
	// Version 1's Operation selector, with version 2's parameters.
	...v1.description.filter((p) => p.name === 'operation'),
	...findOrCreate.description,
];
