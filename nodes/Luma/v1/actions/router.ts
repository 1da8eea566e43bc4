import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { routeItems } from '../../../shared/batch/routers';
import * as event from './event';
import * as guest from './guest';
import * as webhook from './webhook';

/** Runs the selected operation once per input item; every output item is paired to its input. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await routeItems<undefined>(this, {
		operations: { event, guest, webhook },
		// Each call reads the credential itself (lumaApiRequest): there is no client to hold.
		client: async () => undefined,
	});
}
