import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { HubSpotRecordSyncV1 } from './v1/HubSpotRecordSyncV1.node';

export class HubSpotRecordSync extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'HubSpot Record Sync',
			name: 'hubSpotRecordSync',
			icon: { light: 'file:hubspot.svg', dark: 'file:hubspot.dark.svg' },
			group: ['transform'],
			description:
				'Keep a PostgreSQL table and a HubSpot object in step, both ways, by per-field rules: create with rollback, apply HubSpot changes, queue app changes, reconcile',
			defaultVersion: 1,
		};
		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new HubSpotRecordSyncV1(baseDescription),
		};
		super(nodeVersions, baseDescription);
	}
}
