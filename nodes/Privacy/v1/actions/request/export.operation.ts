import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { handleRequests } from '../../helpers/request';

const properties: INodeProperties[] = [
	{
		displayName:
			'The output holds the person’s data, and n8n keeps it in the execution. Send it on, then delete the execution (or turn off saving successful executions for this workflow).',
		name: 'exportNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['export'] } }, properties);

/** For each item: the person's rows, records and queued items in every store, read only. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await handleRequests(this, 'export');
}
