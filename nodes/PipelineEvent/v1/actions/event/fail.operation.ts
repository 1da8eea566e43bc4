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
import { type Failure, failEvents, type Severity } from '../../../../shared/pipeline/events';
import { SEVERITIES } from '../../../../shared/pipeline/schema';
import { claimOf, eventIdOf, openPipeline, pipelineFailure } from '../../helpers/context';
import { claimField, eventIdField } from '../common.descriptions';

const properties: INodeProperties[] = [
	eventIdField,
	claimField,
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		default: '',
		description:
			"What went wrong, for pipeline_errors and the alert. Empty: the input item's error field (as n8n's error output gives it).",
	},
	{
		displayName: 'Severity',
		name: 'severity',
		type: 'options',
		default: 'error',
		options: SEVERITIES.map((s) => ({ name: s[0].toUpperCase() + s.slice(1), value: s })),
	},
	{
		displayName: 'Retry',
		name: 'retry',
		type: 'boolean',
		default: true,
		description:
			"Whether to offer the event again after a delay (until the trigger's Max Attempts); off: it is dead now",
	},
	{
		displayName: 'Stage',
		name: 'stage',
		type: 'string',
		default: '',
		description: "The stage's name in pipeline_errors. Empty: the event type.",
	},
	{
		displayName: 'Retry Delay (Seconds)',
		name: 'retryDelaySeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 30,
		displayOptions: { show: { retry: [true] } },
		description: 'Wait before the retry; it doubles with each attempt, up to an hour',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['fail'] } }, properties);

/** The input's own error text: n8n's error output gives `error` (text) or `error.message`. */
function itemError(json: IDataObject): string | undefined {
	const e = json.error;
	if (typeof e === 'string' && e) return e;
	if (e && typeof e === 'object' && typeof (e as IDataObject).message === 'string')
		return (e as IDataObject).message as string;
	return undefined;
}

/** Fails each item's event: a pipeline_errors row, then a retry later or dead now. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const p = await openPipeline(this);
	const outcomes: RowOutcome[] = [];
	const failures: Array<Failure & { itemIndex: number }> = [];
	const delay = Number(this.getNodeParameter('retryDelaySeconds', 0, 30)) || 0;
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
		const message =
			String(this.getNodeParameter('message', i, '') ?? '').trim() ||
			itemError(json) ||
			'The stage failed';
		const stage = String(this.getNodeParameter('stage', i, '') ?? '').trim();
		failures.push({
			id,
			claim: claimOf(json, this.getNodeParameter('claimField', i, 'claim') as string),
			itemIndex: i,
			message: message.slice(0, 2000),
			severity: this.getNodeParameter('severity', i, 'error') as Severity,
			retry: this.getNodeParameter('retry', i, true) as boolean,
			stage: stage || undefined,
		});
	}
	if (failures.length > 0) {
		let result;
		try {
			result = await failEvents(p.pool, p.schema, failures, delay);
		} catch (error) {
			throw pipelineFailure(this, p, error);
		}
		for (const f of failures) {
			const json = items[f.itemIndex].json;
			const o = result.outcomes.get(f.id);
			if (o === undefined) {
				outcomes.push(
					failedRow(
						this,
						f.itemIndex,
						`Pipeline event ${f.id} is not being processed under this claim (already settled, claimed again, or never claimed): not failed`,
						{
							base: json,
						},
					),
				);
				continue;
			}
			outcomes.push({
				itemIndex: f.itemIndex,
				json: {
					...json,
					pipeline: {
						event_id: f.id,
						outcome: o.outcome,
						attempts: o.attempts,
						retry_at: o.retryAt,
					},
				},
			});
		}
	}
	return emitRowOutcomes(this, items, outcomes, {
		missing: (i) => failedRow(this, i, 'Not failed', { base: items[i].json }),
		landedAs: 'failed as asked',
	});
}
