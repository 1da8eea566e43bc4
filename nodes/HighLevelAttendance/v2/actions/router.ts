import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeBatch } from '../../../shared/batch/routers';
import * as attendance from '../../v1/actions/attendance';
import type { CheckOutcome } from '../../v1/actions/attendance/checkAndTag.operation';
import { retrySettings } from '../../v1/actions/common.descriptions';
import * as contact from '../../v1/actions/contact';
import { HighLevelApi } from '../../v1/transport';

function itemOf(item: INodeExecutionData): number | undefined {
	const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
	return typeof paired === 'number' ? paired : paired?.item;
}

/**
 * Version 1's routing, with Check and Tag's invalid-input items (the caller's request at fault)
 * moved to the second output. They are outcomes, not item errors: the node does not fail on them,
 * and n8n does not merge the request into them as it does on the error output.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const invalid = new Set<number>();
	const checkAndTag = {
		async execute(
			this: IExecuteFunctions,
			items: INodeExecutionData[],
			api: HighLevelApi,
		): Promise<CheckOutcome[]> {
			const outcomes = await attendance.checkAndTag.execute.call(this, items, api);
			for (const outcome of outcomes) if (outcome.invalidInput) invalid.add(outcome.itemIndex);
			return outcomes;
		},
	};
	const [out] = await routeBatch<HighLevelApi>(this, {
		operations: { attendance: { checkAndTag }, contact },
		client: async () => await HighLevelApi.fromContext(this, retrySettings(this)),
		failedBase: () => ({}),
		singleItemThrowsOwnError: true,
	});
	const isInvalid = (item: INodeExecutionData) => invalid.has(itemOf(item) ?? -1);
	return [out.filter((item) => !isInvalid(item)), out.filter(isInvalid)];
}
