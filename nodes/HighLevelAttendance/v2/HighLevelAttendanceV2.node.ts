import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';

import {
	highLevelAttendanceApiTest,
	highLevelAttendancePostgresTest,
} from '../v1/methods/credentialTest';
import { searchContacts } from '../v1/methods/listSearch';
import { versionDescription } from './actions/node.description';
import { router } from './actions/router';

// The icon is set on the versioned wrapper (HighLevelAttendance.node.ts) and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class HighLevelAttendanceV2 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			...versionDescription,
		};
	}

	methods = {
		credentialTest: { highLevelAttendanceApiTest, highLevelAttendancePostgresTest },
		listSearch: { searchContacts },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
