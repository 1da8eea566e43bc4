import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { HighLevelAttendanceV1 } from './v1/HighLevelAttendanceV1.node';
import { HighLevelAttendanceV2 } from './v2/HighLevelAttendanceV2.node';

export class HighLevelAttendance extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'HighLevel Attendance',
			name: 'highLevelAttendance',
			icon: { light: 'file:highLevel.svg', dark: 'file:highLevel.dark.svg' },
			group: ['transform'],
			description:
				'Tag HighLevel contacts attended or no-show from WebinarJam attendance in Postgres or Supabase, within HighLevel’s 100 requests per 10 seconds',
			defaultVersion: 2,
		};

		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new HighLevelAttendanceV1(baseDescription),
			2: new HighLevelAttendanceV2(baseDescription),
		};

		super(nodeVersions, baseDescription);
	}
}
