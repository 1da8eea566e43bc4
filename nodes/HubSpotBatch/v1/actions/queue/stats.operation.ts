import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { QueueStats } from '../../../../shared/queue/reliableQueue';
import type { RowOutcome } from '../../helpers/outcome';
import type { HubSpotQueues } from '../../helpers/queue';
import { openQueues } from '../../helpers/queue';
import { queueNameProperty } from './enqueue.operation';

const show = { resource: ['queue'], operation: ['stats', 'flush'] };

export const description: INodeProperties[] = [
	queueNameProperty(['stats']),
	{
		displayName: 'Alert When Queue Over',
		name: 'queueAlertThreshold',
		type: 'number',
		default: 1000,
		description: 'A backlog longer than this means the flush is not keeping up',
		displayOptions: { show },
	},
	{
		displayName: 'Alert When Dead Letters Over',
		name: 'deadLetterAlertThreshold',
		type: 'number',
		default: 10,
		description: 'Jobs that failed 3 times need a person: alert when there are more than this',
		displayOptions: { show },
	},
	{
		displayName: 'Repeat a Standing Alert After (Minutes)',
		name: 'alertRepeatMinutes',
		type: 'number',
		default: 30,
		typeOptions: { minValue: 1 },
		description:
			"The output's notify is true when an alert starts or changes, then again once per this many minutes while it stands (kept in Redis, so every worker agrees). Post the alert only when notify is true.",
		displayOptions: { show: { resource: ['queue'], operation: ['flush'] } },
	},
];

export async function stats(
	queues: HubSpotQueues,
): Promise<{ associations: QueueStats; notes: QueueStats }> {
	const [associations, notes] = await Promise.all([
		queues.associations.stats(),
		queues.notes.stats(),
	]);
	return { associations, notes };
}

/** The thresholds crossed, each with its kind (`notes:deadLetters`) and line; empty when all is well. */
export function queueAlertList(
	ctx: IExecuteFunctions,
	current: { associations: QueueStats; notes: QueueStats },
): Array<{ kind: string; message: string }> {
	const queueMax = Number(ctx.getNodeParameter('queueAlertThreshold', 0, 1000));
	const dlqMax = Number(ctx.getNodeParameter('deadLetterAlertThreshold', 0, 10));
	const alerts: Array<{ kind: string; message: string }> = [];
	for (const [name, s] of Object.entries(current)) {
		if (s.length > queueMax)
			alerts.push({
				kind: `${name}:backlog`,
				message: `${name} queue holds ${s.length} jobs (over ${queueMax})`,
			});
		if (s.deadLetters > dlqMax)
			alerts.push({
				kind: `${name}:deadLetters`,
				message: `${name} dead-letter queue holds ${s.deadLetters} jobs (over ${dlqMax})`,
			});
	}
	return alerts;
}

/** Alert lines for the thresholds; empty when all is well. */
export function queueAlerts(
	ctx: IExecuteFunctions,
	current: { associations: QueueStats; notes: QueueStats },
): string[] {
	return queueAlertList(ctx, current).map((a) => a.message);
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<RowOutcome[]> {
	const queues = await openQueues(this);
	try {
		const current = await stats(queues);
		const alerts = queueAlerts(this, current);
		const summary: IDataObject = { ...current, alerts, alert: alerts.length > 0 };
		return items.map((_, itemIndex) => ({ itemIndex, json: { ...summary } }));
	} finally {
		await queues.close();
	}
}
