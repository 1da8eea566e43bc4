import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import {
	checkHealth,
	type HealthAlert,
	readView,
	type Report,
} from '../../../../shared/pipeline/events';
import { openPipeline, pipelineFailure } from '../../helpers/context';

const properties: INodeProperties[] = [
	{
		displayName: 'Report',
		name: 'report',
		type: 'options',
		default: 'health',
		options: [
			{
				name: 'Alerts',
				value: 'health',
				description:
					'One item per alert condition that holds now (stalled, error rate, latency); none when all is well',
			},
			{ name: 'Pending by Type', value: 'pendingByType' },
			{ name: 'Stage Error Rates (24 Hours)', value: 'errorRate24h' },
			{ name: 'Stage Latency (1 Hour)', value: 'latencyByStage' },
			{ name: 'Unresolved Errors', value: 'unresolvedErrors' },
		],
	},
	{
		displayName: 'Thresholds',
		name: 'thresholds',
		type: 'collection',
		placeholder: 'Add threshold',
		default: {},
		displayOptions: { show: { report: ['health'] } },
		options: [
			{
				displayName: 'Alert Again After (Minutes)',
				name: 'repeatMinutes',
				type: 'number',
				default: 30,
				description:
					'A condition that still holds is reported again after this long (0: every run). A cleared condition is reported at once when it comes back.',
			},
			{
				displayName: 'Error Rate (%)',
				name: 'errorRatePercent',
				type: 'number',
				default: 10,
				description: "Critical when a stage's failed attempts exceed this share within the window",
			},
			{
				displayName: 'Latency (Seconds)',
				name: 'latencySeconds',
				type: 'number',
				default: 10,
				description: 'Warning when the average insert → done time within the window exceeds this',
			},
			{
				displayName: 'Minimum Attempts',
				name: 'minAttempts',
				type: 'number',
				default: 10,
				description: 'A stage with fewer attempts in the window is not judged on its error rate',
			},
			{
				displayName: 'Stalled After (Minutes)',
				name: 'stalledMinutes',
				type: 'number',
				default: 5,
			},
			{
				displayName: 'Stalled Events',
				name: 'stalledCount',
				type: 'number',
				default: 100,
				description: 'Critical when more events than this wait longer than Stalled After',
			},
			{
				displayName: 'Window (Minutes)',
				name: 'windowMinutes',
				type: 'number',
				default: 60,
				description: 'The time the error rate and latency are measured over',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['stats'] } }, properties);

interface Thresholds {
	repeatMinutes: number;
	errorRatePercent: number;
	latencySeconds: number;
	minAttempts: number;
	stalledCount: number;
	stalledMinutes: number;
	windowMinutes: number;
}

const DEFAULTS: Thresholds = {
	repeatMinutes: 30,
	errorRatePercent: 10,
	latencySeconds: 10,
	minAttempts: 10,
	stalledCount: 100,
	stalledMinutes: 5,
	windowMinutes: 60,
};

/**
 * Alerts that hold now, minus those already reported within `repeatMinutes` (kept in the workflow's
 * static data, so a one-minute monitor does not post the same alert 60 times an hour).
 */
function throttled(ctx: IExecuteFunctions, alerts: HealthAlert[], repeatMinutes: number) {
	const state = ctx.getWorkflowStaticData('node') as { alerted?: Record<string, number> };
	const before = state.alerted ?? {};
	const now = Date.now();
	const next: Record<string, number> = {};
	const fresh: HealthAlert[] = [];
	for (const alert of alerts) {
		const key = `${alert.check}:${alert.stage ?? ''}`;
		const last = before[key];
		if (last !== undefined && repeatMinutes > 0 && now - last < repeatMinutes * 60_000) {
			next[key] = last;
			continue;
		}
		next[key] = now;
		fresh.push(alert);
	}
	state.alerted = next;
	return fresh;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const p = await openPipeline(this);
	const report = this.getNodeParameter('report', 0, 'health') as Report | 'health';
	try {
		if (report !== 'health') {
			const rows = await readView(p.pool, p.schema, report);
			return [rows.map((row) => ({ json: row as IDataObject, pairedItem: { item: 0 } }))];
		}
		const t = {
			...DEFAULTS,
			...(this.getNodeParameter('thresholds', 0, {}) as Partial<Thresholds>),
		};
		const { alerts, measured } = await checkHealth(p.pool, p.schema, {
			stalledCount: t.stalledCount,
			stalledMinutes: t.stalledMinutes,
			errorRate: t.errorRatePercent / 100,
			latencySeconds: t.latencySeconds,
			windowMinutes: t.windowMinutes,
			minAttempts: t.minAttempts,
		});
		return [
			throttled(this, alerts, t.repeatMinutes).map((alert) => ({
				json: { ...alert, schema: p.schema, measured } as unknown as IDataObject,
				pairedItem: { item: 0 },
			})),
		];
	} catch (error) {
		throw pipelineFailure(this, p, error);
	}
}
