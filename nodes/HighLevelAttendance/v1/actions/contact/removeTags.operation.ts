import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { RowOutcome } from '../../../../shared/batch/outcomes';
import type { HighLevelApi } from '../../transport';
import { executeTags, tagDescription } from './common';

export const description: INodeProperties[] = tagDescription('removeTags');

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HighLevelApi,
): Promise<RowOutcome[]> {
	return await executeTags(this, items, api, 'removeTags');
}
