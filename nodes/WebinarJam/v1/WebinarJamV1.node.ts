import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';

import { versionDescription } from './actions/node.description';
import { router } from './actions/router';
import { webinarJamApiTest, webinarJamPostgresTest } from './methods/credentialTest';
import { searchSchedules, searchWebinars } from './methods/listSearch';
import { getWebinars } from './methods/loadOptions';

// The icon is set on the versioned wrapper (WebinarJam.node.ts) and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class WebinarJamV1 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			...versionDescription,
		};
	}

	methods = {
		credentialTest: { webinarJamApiTest, webinarJamPostgresTest },
		listSearch: { searchSchedules, searchWebinars },
		loadOptions: { getWebinars },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
