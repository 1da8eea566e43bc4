import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import {
	emitRowOutcomes,
	failedRow,
	fieldError,
	type RowOutcome,
} from '../../../../shared/batch/outcomes';
import { type Completion, completeEvents } from '../../../../shared/pipeline/events';
import { claimOf, eventIdOf, fieldOf, openPipeline, pipelineFailure } from '../../helpers/context';
import { claimField, eventIdField } from '../common.descriptions';

const properties: INodeProperties[] = [
	eventIdField,
	claimField,
	{
		displayName: 'Next Event Type',
		name: 'nextEventType',
		type: 'string',
		default: '',
		placeholder: 'company_validated',
		description:
			'Emit this event when the event is completed, in the same statement: the next stage starts. Empty: none.',
	},
	{
		displayName: 'Next Event Payload',
		name: 'nextPayload',
		type: 'options',
		default: 'item',
		displayOptions: { hide: { nextEventType: [''] } },
		options: [
			{
				name: 'Input Item',
				value: 'item',
				description: "The input item's fields, without the event's own (ID, event_type, attempts…)",
			},
			{ name: 'Field of the Input Item', value: 'field' },
			{ name: 'Empty', value: 'none' },
		],
	},
	{
		displayName: 'Payload Field',
		name: 'nextPayloadField',
		type: 'string',
		default: 'payload',
		displayOptions: { show: { nextPayload: ['field'] }, hide: { nextEventType: [''] } },
		description: 'The input field that holds the next event’s payload (an object)',
	},
	{
		displayName: 'Next Record ID Field',
		name: 'nextRecordIdField',
		type: 'string',
		default: '',
		displayOptions: { hide: { nextEventType: [''] } },
		description:
			"The input field with the next event's record ID. Empty: the completed event's record ID.",
	},
];

export const description = updateDisplayOptions({ show: { operation: ['complete'] } }, properties);

const EVENT_FIELDS = new Set([
	'id',
	'claim',
	'event_type',
	'attempts',
	'max_attempts',
	'created_at',
	'parent_id',
	'pipeline',
]);

function nextPayloadOf(json: IDataObject, mode: string, field: string): IDataObject | string {
	if (mode === 'none') return {};
	if (mode === 'field') {
		const value = fieldOf(json, field);
		if (value === null || typeof value !== 'object' || Array.isArray(value))
			return fieldError(field, 'is not an object');
		return value as IDataObject;
	}
	return Object.fromEntries(Object.entries(json).filter(([k]) => !EVENT_FIELDS.has(k)));
}

/** Completes each item's event (and emits its next event) in one statement for the whole batch. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const p = await openPipeline(this);
	const outcomes: RowOutcome[] = [];
	const completions: Array<Completion & { itemIndex: number }> = [];
	for (let i = 0; i < items.length; i++) {
		const json = items[i].json;
		const field = this.getNodeParameter('eventIdField', i, 'id') as string;
		const id = eventIdOf(json, field);
		if (id === undefined) {
			outcomes.push(
				failedRow(this, i, fieldError(field, 'is not a pipeline event ID'), { base: json, field }),
			);
			continue;
		}
		const claim = claimOf(json, this.getNodeParameter('claimField', i, 'claim') as string);
		const nextType = String(this.getNodeParameter('nextEventType', i, '') ?? '').trim();
		if (!nextType) {
			completions.push({ id, claim, itemIndex: i });
			continue;
		}
		const payloadField = this.getNodeParameter('nextPayloadField', i, 'payload') as string;
		const payload = nextPayloadOf(
			json,
			this.getNodeParameter('nextPayload', i, 'item') as string,
			payloadField,
		);
		if (typeof payload === 'string') {
			outcomes.push(failedRow(this, i, payload, { base: json, field: payloadField }));
			continue;
		}
		const recordField = String(this.getNodeParameter('nextRecordIdField', i, '') ?? '').trim();
		const record = recordField ? fieldOf(json, recordField) : undefined;
		completions.push({
			id,
			claim,
			itemIndex: i,
			next: {
				eventType: nextType,
				recordId: record === undefined || record === null ? null : String(record),
				payload,
			},
		});
	}
	if (completions.length > 0) {
		let result;
		try {
			result = await completeEvents(p.pool, p.schema, completions);
		} catch (error) {
			throw pipelineFailure(this, p, error);
		}
		const completed = new Set(result.completed);
		const already = new Set(result.alreadyDone);
		const refused = new Map(result.refused.map((r) => [r.id, r.status]));
		for (const c of completions) {
			const json = items[c.itemIndex].json;
			if (refused.has(c.id)) {
				const status = refused.get(c.id);
				outcomes.push(
					failedRow(
						this,
						c.itemIndex,
						status === null
							? `Pipeline event ${c.id} does not exist in ${p.schema}.pipeline_events`
							: status === 'claimed'
								? `Pipeline event ${c.id} was claimed again after this execution's claim timed out: not completed here (raise the trigger's Processing Timeout above the stage's longest run)`
								: `Pipeline event ${c.id} is ${status}: it cannot be completed`,
						{ base: json },
					),
				);
				continue;
			}
			outcomes.push({
				itemIndex: c.itemIndex,
				json: {
					...json,
					pipeline: {
						event_id: c.id,
						outcome: completed.has(c.id)
							? 'completed'
							: already.has(c.id)
								? 'already_done'
								: 'completed',
						next_event_id: result.emitted.get(c.id) ?? null,
					},
				},
			});
		}
	}
	return emitRowOutcomes(this, items, outcomes, {
		missing: (i) => failedRow(this, i, 'Not completed', { base: items[i].json }),
		landedAs: 'completed',
	});
}
