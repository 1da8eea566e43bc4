import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { WebinarJamV1 } from './v1/WebinarJamV1.node';

export class WebinarJam extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'WebinarJam',
			name: 'webinarJam',
			icon: { light: 'file:webinarJam.svg', dark: 'file:webinarJam.dark.svg' },
			group: ['transform'],
			description:
				'Read WebinarJam and EverWebinar webinars and registrants, register people, and sync attendance into Postgres or Supabase',
			defaultVersion: 1,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new WebinarJamV1(baseDescription),
		};

		super(nodeVersions, baseDescription);
	}
}
