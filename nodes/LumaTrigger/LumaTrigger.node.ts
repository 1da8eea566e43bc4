import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { LumaTriggerV1 } from './v1/LumaTriggerV1.node';
import { LumaTriggerV2 } from './v2/LumaTriggerV2.node';

export class LumaTrigger extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Luma Trigger',
			name: 'lumaTrigger',
			icon: { light: 'file:../Luma/luma.svg', dark: 'file:../Luma/luma.dark.svg' },
			group: ['trigger'],
			description:
				'Starts the workflow on a signed Luma webhook delivery (registrations, guest updates, tickets, events)',
			defaultVersion: 2,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new LumaTriggerV1(baseDescription),
			2: new LumaTriggerV2(baseDescription),
		};

		super(nodeVersions, baseDescription);
	}
}
