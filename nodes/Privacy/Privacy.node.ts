import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { PrivacyV1 } from './v1/PrivacyV1.node';

export class Privacy extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Privacy',
			name: 'privacy',
			icon: { light: 'file:privacy.svg', dark: 'file:privacy.dark.svg' },
			group: ['transform'],
			description:
				"Export or erase one person's data, by email, in PostgreSQL, HubSpot, Airtable and Redis (GDPR access and erasure requests)",
			defaultVersion: 1,
		};
		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new PrivacyV1(baseDescription),
		};
		super(nodeVersions, baseDescription);
	}
}
