import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';

import { versionDescription } from './actions/node.description';
import { router } from './actions/router';
import { lumaApiCredentialTest } from './methods/credentialTest';
import { searchEvents, searchWebhooks } from './methods/listSearch';

/** Versions 1 and 2: they differ only in descriptions (`@version` display options). */
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
		listSearch: { searchEvents, searchWebhooks },
		credentialTest: { lumaApiCredentialTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
