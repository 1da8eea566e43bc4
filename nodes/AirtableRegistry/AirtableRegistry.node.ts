import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { AirtableRegistryV1 } from './v1/AirtableRegistryV1.node';
import { AirtableRegistryV2 } from './v2/AirtableRegistryV2.node';

export class AirtableRegistry extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Airtable Registry',
			name: 'airtableRegistry',
			icon: { light: 'file:airtable.svg', dark: 'file:airtable.dark.svg' },
			group: ['output'],
			description:
				'Find or create events and upsert registrations in any Airtable base you pick, 10 records per request, within the 5 requests/s limit',
			defaultVersion: 2.1,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new AirtableRegistryV1(baseDescription),
			2: new AirtableRegistryV2(baseDescription),
			2.1: new AirtableRegistryV2(baseDescription),
		};

		super(nodeVersions, baseDescription);
	}
}
