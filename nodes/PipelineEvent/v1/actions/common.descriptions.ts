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

export const claimField: INodeProperties = {
	displayName: 'Claim Field',
	name: 'claimField',
	type: 'string',
	default: 'claim',
	description:
		"The input field with the Pipeline Trigger's claim (its items have it in claim). With it, an event another execution claimed since (after this one timed out) is not settled by this one. Empty or missing: not checked.",
};
