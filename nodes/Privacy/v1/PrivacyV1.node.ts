import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';

import { router } from './actions/router';
import { versionDescription } from './actions/node.description';
import { testPrivacyPostgres } from './helpers/context';

// The icon is set on the versioned wrapper and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class PrivacyV1 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = { ...baseDescription, ...versionDescription };
	}

	methods = { credentialTest: { testPrivacyPostgres } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
