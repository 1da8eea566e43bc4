import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';

import { versionDescription } from './actions/node.description';
import { router } from './actions/router';
import { searchEvents } from './methods/listSearch';

// The icon is set on the versioned wrapper (Luma.node.ts) and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class LumaV1 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			...versionDescription,
		};
	}

	methods = {
		listSearch: { searchEvents },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
