import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { HubSpotBatchV1 } from './v1/HubSpotBatchV1.node';
import { HubSpotBatchV2 } from './v2/HubSpotBatchV2.node';

export class HubSpotBatch extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'HubSpot Batch',
			name: 'hubSpotBatch',
			icon: { light: 'file:hubspot.svg', dark: 'file:hubspot.dark.svg' },
			group: ['output'],
			description:
				'Write HubSpot contacts, objects, associations, notes and list memberships in batches of 100, within the rate limit',
			defaultVersion: 2,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new HubSpotBatchV1(baseDescription),
			// Version 2: the Queue resource moved to HubSpot Queue.
			2: new HubSpotBatchV2(baseDescription),
		};

		super(nodeVersions, baseDescription);
	}
}
