import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { LumaV1 } from './v1/LumaV1.node';

export class Luma extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Luma',
			name: 'luma',
			icon: { light: 'file:luma.svg', dark: 'file:luma.dark.svg' },
			group: ['transform'],
			description: 'Read Luma events and guests and manage Luma webhooks',
			defaultVersion: 2,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new LumaV1(baseDescription),
			2: new LumaV1(baseDescription),
		};

		super(nodeVersions, baseDescription);
	}
}
