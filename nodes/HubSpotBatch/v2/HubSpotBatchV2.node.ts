import type { INodeTypeBaseDescription } from 'n8n-workflow';

import { HubSpotBatchV1 } from '../v1/HubSpotBatchV1.node';
import { versionDescription } from './node.description';

// Same operations, methods and router as version 1; only the Queue resource is gone (HubSpot Queue).
// The icon is set on the versioned wrapper (HubSpotBatch.node.ts) and arrives via baseDescription.
export class HubSpotBatchV2 extends HubSpotBatchV1 {
	constructor(baseDescription: INodeTypeBaseDescription) {
		super(baseDescription);
		this.description = { ...baseDescription, ...versionDescription };
	}
}
