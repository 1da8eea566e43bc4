import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';

import { versionDescription } from './actions/node.description';
import { router } from './actions/router';
import * as listSearch from './methods/listSearch';
import * as loadOptions from './methods/loadOptions';
import * as objects from './methods/objects';
import * as resourceMapping from './methods/resourceMapping';

// The icon is set on the versioned wrapper (HubSpotBatch.node.ts) and arrives via baseDescription.
// eslint-disable-next-line @n8n/community-nodes/icon-validation
export class HubSpotBatchV1 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			...versionDescription,
		};
	}

	methods = {
		listSearch: {
			searchAssociationLabels: listSearch.searchAssociationLabels,
			searchLists: listSearch.searchLists,
		},
		loadOptions: {
			getContactPropertyOptions: loadOptions.getContactPropertyOptions,
			getObjectIdPropertyOptions: objects.getObjectIdPropertyOptions,
			getObjectPropertyOptions: objects.getObjectPropertyOptions,
			getObjectTypes: objects.getObjectTypes,
		},
		resourceMapping: {
			getContactColumns: resourceMapping.getContactColumns,
			getObjectColumns: objects.getObjectColumns,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
