import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { RowOutcome } from '../../helpers/outcome';
import type { HubSpotApi } from '../../transport';
import { changeMembers, membersDescription } from './members';

export const description: INodeProperties[] = membersDescription('removeMembers');

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	return await changeMembers.call(this, items, api, 'remove');
}
