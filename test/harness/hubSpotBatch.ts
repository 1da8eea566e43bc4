/**
 * The HubSpot Batch and HubSpot Queue nodes for workflows run by n8n-core (inProcess.ts): importing
 * this registers both and the credentials they declare (HubSpot's and n8n's Redis); hubSpotNode() is
 * HubSpot Batch as the integration tests and the worker fixture place it.
 */
import type { IDataObject } from 'n8n-workflow';

import { HubSpotBatchApi } from '../../credentials/HubSpotBatchApi.credentials';
import { HubSpotBatch } from '../../nodes/HubSpotBatch/HubSpotBatch.node';
import { HubSpotQueue } from '../../nodes/HubSpotQueue/HubSpotQueue.node';
import {
	RedisCredentialType,
	registerCredentialType,
	registerNodeType,
	type NodeUnderTest,
} from './inProcess';

export const HUBSPOT_BATCH = 'n8n-nodes-marketing-ops.hubSpotBatch';

registerNodeType(HUBSPOT_BATCH, new HubSpotBatch());
registerNodeType('n8n-nodes-marketing-ops.hubSpotQueue', new HubSpotQueue());
registerCredentialType(new HubSpotBatchApi());
registerCredentialType(new RedisCredentialType());

/** "HubSpot" (id `hubspot`) with its API credential and, with `redis`, n8n's Redis credential. */
export function hubSpotNode(
	parameters: IDataObject,
	opts: Partial<Pick<NodeUnderTest, 'id' | 'name' | 'onError'>> & { redis?: boolean } = {},
): NodeUnderTest {
	return {
		id: opts.id ?? 'hubspot',
		name: opts.name ?? 'HubSpot',
		type: HUBSPOT_BATCH,
		parameters,
		credentials: {
			hubSpotBatchApi: { id: '1', name: 'HubSpot' },
			...(opts.redis ? { redis: { id: '2', name: 'Redis' } } : {}),
		},
		onError: opts.onError,
	};
}
