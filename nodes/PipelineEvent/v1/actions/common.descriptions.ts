import type { INodeProperties } from 'n8n-workflow';

export const eventIdField: INodeProperties = {
	displayName: 'Event ID Field',
	name: 'eventIdField',
	type: 'string',
	default: 'id',
	required: true,
	description:
		"The input field holding the pipeline event's ID (the Pipeline Trigger's items have it in ID). Dots reach into objects: event.ID.",
};
