import type { INodeTypeBaseDescription, IVersionedNodeType } from 'n8n-workflow';
import { VersionedNodeType } from 'n8n-workflow';

import { PipelineEventV1 } from './v1/PipelineEventV1.node';

export class PipelineEvent extends VersionedNodeType {
	constructor() {
		const baseDescription: INodeTypeBaseDescription = {
			displayName: 'Pipeline Event',
			name: 'pipelineEvent',
			icon: { light: 'file:pipeline.svg', dark: 'file:pipeline.dark.svg' },
			group: ['transform'],
			description:
				'Complete, fail or emit pipeline events in PostgreSQL, read the pipeline monitoring views, and set the pipeline up',
			defaultVersion: 1,
		};
		const nodeVersions: IVersionedNodeType['nodeVersions'] = {
			1: new PipelineEventV1(baseDescription),
		};
		super(nodeVersions, baseDescription);
	}
}
