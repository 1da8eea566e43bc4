import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { purgeDone } from '../../../../shared/pipeline/events';
import { openPipeline, pipelineFailure } from '../../helpers/context';

const properties: INodeProperties[] = [
	{
		displayName: 'Keep Done Events (Days)',
		name: 'days',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30,
	},
	{
		displayName: 'Keep Resolved Errors (Days)',
		name: 'errorDays',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 90,
	},
];

export const description = updateDisplayOptions({ show: { operation: ['purge'] } }, properties);

/** Deletes done events and resolved errors past their retention; pending, failed and dead stay. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const p = await openPipeline(this);
	const days = Math.max(1, Number(this.getNodeParameter('days', 0, 30)) || 30);
	const errorDays = Math.max(1, Number(this.getNodeParameter('errorDays', 0, 90)) || 90);
	try {
		const deleted = await purgeDone(p.pool, p.schema, days, errorDays);
		return [[{ json: { schema: p.schema, days, errorDays, deleted }, pairedItem: { item: 0 } }]];
	} catch (error) {
		throw pipelineFailure(this, p, error);
	}
}
