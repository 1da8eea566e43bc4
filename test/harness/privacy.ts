/**
 * The Privacy node for workflows run by n8n-core (inProcess.ts): importing this registers it, the
 * Pipeline Event node (the tests write the pipeline through it) and every credential they declare.
 */
import type { IDataObject } from 'n8n-workflow';

import { AirtableRegistryApi } from '../../credentials/AirtableRegistryApi.credentials';
import { HubSpotBatchApi } from '../../credentials/HubSpotBatchApi.credentials';
import { PipelineEvent } from '../../nodes/PipelineEvent/PipelineEvent.node';
import { Privacy } from '../../nodes/Privacy/Privacy.node';
import {
	PostgresCredentialType,
	RedisCredentialType,
	registerCredentialType,
	registerNodeType,
	type NodeUnderTest,
} from './inProcess';

export const PRIVACY = 'n8n-nodes-marketing-ops.privacy';
export const PIPELINE_EVENT = 'n8n-nodes-marketing-ops.pipelineEvent';

registerNodeType(PRIVACY, new Privacy());
registerNodeType(PIPELINE_EVENT, new PipelineEvent());
registerCredentialType(new PostgresCredentialType());
registerCredentialType(new RedisCredentialType());
registerCredentialType(new HubSpotBatchApi());
registerCredentialType(new AirtableRegistryApi());

export type PrivacyStore = 'hubSpotBatchApi' | 'airtableRegistryApi' | 'redis';

/** "Privacy" with the Postgres credential and the optional stores named in `stores` (all by default). */
export function privacyNode(
	parameters: IDataObject,
	opts: Partial<Pick<NodeUnderTest, 'onError'>> & { stores?: PrivacyStore[] } = {},
): NodeUnderTest {
	const stores = opts.stores ?? ['hubSpotBatchApi', 'airtableRegistryApi', 'redis'];
	return {
		name: 'Privacy',
		type: PRIVACY,
		parameters,
		credentials: {
			postgres: { id: 'pg', name: 'Postgres' },
			...Object.fromEntries(stores.map((type) => [type, { id: type, name: type }])),
		},
		onError: opts.onError,
	};
}

/** "Pipeline" (Pipeline Event) on `schema`. */
export function pipelineNode(schema: string, parameters: IDataObject): NodeUnderTest {
	return {
		name: 'Pipeline',
		type: PIPELINE_EVENT,
		parameters: { schema, ...parameters },
		credentials: { postgres: { id: 'pg', name: 'Postgres' } },
	};
}
