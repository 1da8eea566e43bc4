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
import { type Emission, emitEvents } from '../../../../shared/pipeline/events';
import { fieldOf, openPipeline, pipelineFailure } from '../../helpers/context';

const properties: INodeProperties[] = [
	{
		displayName: 'Event Type',
		name: 'eventType',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'company_created',
	},
	{
		displayName: 'Record ID Field',
		name: 'recordIdField',
		type: 'string',
		default: '',
		description: 'The input field with the record the event is about. Empty: none.',
	},
	{
		displayName: 'Payload',
		name: 'payload',
		type: 'options',
		default: 'item',
		options: [
			{ name: 'Input Item', value: 'item', description: "The input item's fields" },
			{ name: 'Field of the Input Item', value: 'field' },
		],
	},
	{
		displayName: 'Payload Field',
		name: 'payloadField',
		type: 'string',
		default: 'payload',
		displayOptions: { show: { payload: ['field'] } },
	},
];

export const description = updateDisplayOptions({ show: { operation: ['emit'] } }, properties);

/** Inserts one event per item, all in one statement; listeners wake once per event type. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const p = await openPipeline(this);
	const outcomes: RowOutcome[] = [];
	const emissions: Array<Emission & { itemIndex: number }> = [];
	for (let i = 0; i < items.length; i++) {
		const json = items[i].json;
		const eventType = String(this.getNodeParameter('eventType', i, '') ?? '').trim();
		if (!eventType) {
			outcomes.push(failedRow(this, i, fieldError('Event Type', 'is empty'), { base: json }));
			continue;
		}
		const recordField = String(this.getNodeParameter('recordIdField', i, '') ?? '').trim();
		const record = recordField ? fieldOf(json, recordField) : undefined;
		let payload: IDataObject = json;
		if (this.getNodeParameter('payload', i, 'item') === 'field') {
			const field = this.getNodeParameter('payloadField', i, 'payload') as string;
			const value = fieldOf(json, field);
			if (value === null || typeof value !== 'object' || Array.isArray(value)) {
				outcomes.push(
					failedRow(this, i, fieldError(field, 'is not an object'), { base: json, field }),
				);
				continue;
			}
			payload = value as IDataObject;
		}
		emissions.push({
			itemIndex: i,
			eventType,
			recordId: record === undefined || record === null ? null : String(record),
			payload,
		});
	}
	if (emissions.length > 0) {
		let ids: string[];
		try {
			ids = await emitEvents(p.pool, p.schema, emissions);
		} catch (error) {
			throw pipelineFailure(this, p, error);
		}
		emissions.forEach((e, n) =>
			outcomes.push({
				itemIndex: e.itemIndex,
				json: { ...items[e.itemIndex].json, pipeline: { event_id: ids[n] } },
			}),
		);
	}
	return emitRowOutcomes(this, items, outcomes, {
		missing: (i) => failedRow(this, i, 'Not emitted', { base: items[i].json }),
		landedAs: 'emitted',
	});
}
