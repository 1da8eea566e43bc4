import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';

import { airtableRegistryApiTest } from '../v1/methods/credentialTest';
import { versionDescription } from './actions/node.description';
import { router } from './actions/router';
import { fieldNameLookups } from './methods/fieldNames';
import * as listSearch from './methods/listSearch';
import * as loadOptions from './methods/loadOptions';
import * as resourceMapping from './methods/resourceMapping';

// The icon is set on the versioned wrapper (AirtableRegistry.node.ts) and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class AirtableRegistryV2 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			...versionDescription,
		};
	}

	methods = {
		listSearch: {
			baseSearch: listSearch.baseSearch,
			tableSearch: listSearch.tableSearch,
		},
		loadOptions: { ...loadOptions, ...fieldNameLookups },
		resourceMapping: {
			getRegistrationColumns: resourceMapping.getRegistrationColumns,
		},
		credentialTest: { airtableRegistryApiTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
