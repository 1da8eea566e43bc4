import { hostname } from 'node:os';

import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IRun,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import {
	describePostgresError,
	postgresClientConfig,
	postgresCredentials,
	postgresPool,
	testPostgresConnection,
	type PostgresCredentials,
} from '../shared/database/connection';
import {
	assertPipelineSchema,
	type PipelineEvent,
	releaseClaimed,
} from '../shared/pipeline/events';
import { DEFAULT_PIPELINE_SCHEMA } from '../shared/pipeline/schema';
import { type ConsumerOptions, PipelineConsumer, type RunOutcome } from './consumer';
import { PipelineListener } from './listener';

/** One item per event: what the stage works on. */
export function eventItem(e: PipelineEvent): INodeExecutionData {
	return {
		json: {
			id: e.id,
			event_type: e.event_type,
			record_id: e.record_id,
			payload: e.payload,
			attempts: e.attempts,
			created_at: e.created_at,
			parent_id: e.parent_id,
			claim: e.claimed_by,
		},
	};
}

/** What n8n reports when the execution ends (undefined: it could not say). */
export function outcomeOf(run: IRun | undefined): RunOutcome {
	if (run === undefined)
		return { status: 'unknown', message: 'n8n did not report how the execution ended' };
	if (run.status === 'success' && !run.data.resultData.error) return { status: 'success' };
	if (run.status === 'waiting' || run.status === 'running' || run.status === 'new')
		return { status: 'running' };
	const error = run.data.resultData.error;
	const node = run.data.resultData.lastNodeExecuted;
	const message = error?.message ?? `the execution ended with status ${run.status}`;
	return { status: 'error', message: node ? `${node}: ${message}` : message };
}

/**
 * Starts the workflow for pipeline events: LISTEN wakes it, and a sweep on activation, on reconnect
 * and every few seconds finds what no notification announced (events inserted while n8n was down).
 * Each execution gets a batch of events claimed with FOR UPDATE SKIP LOCKED, so several n8n
 * instances share the work without taking the same event twice.
 */
export class PipelineTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Pipeline Trigger',
		name: 'pipelineTrigger',
		icon: { light: 'file:pipeline.svg', dark: 'file:pipeline.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["eventTypes"] || "all events"}}',
		description:
			'Starts the workflow for pipeline events in PostgreSQL, in batches, each event claimed once, none lost while n8n was down',
		defaults: { name: 'Pipeline Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// n8n's built-in Postgres credential, on purpose (the package is for self-hosted n8n).
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed, @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'postgres', required: true, testedBy: 'pipelinePostgresTest' },
		],
		properties: [
			{
				displayName:
					'Run Pipeline Event › Apply Schema once first. Each execution gets a batch of events; those the workflow does not complete or fail itself are completed when it succeeds and retried when it fails.',
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Schema',
				name: 'schema',
				type: 'string',
				default: DEFAULT_PIPELINE_SCHEMA,
				description: 'The schema that holds pipeline_events',
			},
			{
				displayName: 'Event Types',
				name: 'eventTypes',
				type: 'string',
				default: '',
				placeholder: 'company_created',
				description: 'Comma-separated event types this workflow handles. Empty: every type.',
			},
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 100,
				description: 'Most events per execution',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Complete When Execution Succeeds',
						name: 'completeOnSuccess',
						type: 'boolean',
						default: true,
						description:
							'Whether events the workflow did not complete or fail itself become done when the execution succeeds. Off: they are failed and retried.',
					},
					{
						displayName: 'Max Attempts',
						name: 'maxAttempts',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 5,
						description:
							'After this many failed attempts an event is dead, with a pipeline_errors row',
					},
					{
						displayName: 'Parallel Executions',
						name: 'maxInFlight',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 64 },
						default: 2,
						description: 'Most executions of this workflow running at once on this n8n instance',
					},
					{
						displayName: 'Processing Timeout (Seconds)',
						name: 'timeoutSeconds',
						type: 'number',
						typeOptions: { minValue: 5 },
						default: 300,
						description:
							'An event claimed longer than this without an outcome (n8n stopped mid-execution) is offered again',
					},
					{
						displayName: 'Retry Delay (Seconds)',
						name: 'retryDelaySeconds',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 30,
						description: 'Wait before the first retry; it doubles with each attempt, up to an hour',
					},
					{
						displayName: 'Sweep Interval (Seconds)',
						name: 'sweepSeconds',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 10,
						description:
							'How often to look for events no notification announced, and for events stuck past the timeout',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: {
			async pipelinePostgresTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return await testPostgresConnection(credential.data ?? {});
			},
		},
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const options = readOptions(this);
		let credentials: PostgresCredentials;
		try {
			credentials = postgresCredentials(await this.getCredentials('postgres'));
		} catch (error) {
			throw new NodeOperationError(this.getNode(), (error as Error).message);
		}
		const pool = postgresPool(credentials, options.maxInFlight + 2);
		try {
			await assertPipelineSchema(pool, options.schema);
		} catch (error) {
			throw new NodeOperationError(
				this.getNode(),
				describePostgresError(error, credentials, 'activation failed').message,
			);
		}
		const manual = this.getMode() === 'manual';
		const log = { warn: (message: string) => this.logger.warn(message) };

		const dispatch = async (events: PipelineEvent[]): Promise<RunOutcome> => {
			const done = this.helpers.createDeferredPromise<IRun>();
			this.emit([events.map(eventItem)], undefined, done);
			// An execution n8n never reports on frees its slot after the timeout, settling nothing:
			// the sweep takes its events back (the stage workflows' own execution timeout is shorter).
			let timer: NodeJS.Timeout | undefined;
			const timeout = new Promise<RunOutcome>((resolve) => {
				timer = setTimeout(() => resolve({ status: 'running' }), options.timeoutSeconds * 1000);
			});
			try {
				return await Promise.race([done.promise.then(outcomeOf), timeout]);
			} finally {
				clearTimeout(timer);
			}
		};

		if (manual) {
			// The editor's test: one batch of at most 10, settled by the workflow's own Complete/Fail
			// nodes; what the test run left claimed is handed back when the test ends.
			const claimed: Array<{ ids: string[]; claimedBy: string }> = [];
			const consumer = new PipelineConsumer(
				pool,
				{ ...options, maxInFlight: 1, batchSize: Math.min(options.batchSize, 10) },
				async (events, claimedBy) => {
					claimed.push({ ids: events.map((e) => e.id), claimedBy });
					this.emit([events.map(eventItem)]);
					return await new Promise<RunOutcome>(() => undefined);
				},
				log,
			);
			const listener = new PipelineListener(postgresClientConfig(credentials), options.schema, {
				notified: () => consumer.wake(),
				reconnected: () => consumer.wake(),
				problem: () => undefined,
			});
			return {
				manualTriggerFunction: async () => {
					await listener.start();
					consumer.wake();
				},
				closeFunction: async () => {
					await consumer.close();
					await listener.close();
					for (const batch of claimed)
						await releaseClaimed(pool, options.schema, batch.ids, batch.claimedBy).catch(
							() => undefined,
						);
				},
			};
		}

		const consumer = new PipelineConsumer(pool, options, dispatch, log);
		const listener = new PipelineListener(postgresClientConfig(credentials), options.schema, {
			notified: () => consumer.wake(),
			reconnected: () => {
				this.logger.info('Pipeline Trigger: listening again; sweeping for missed events');
				void consumer.sweep();
			},
			problem: (error) =>
				this.logger.warn(
					`Pipeline Trigger: ${describePostgresError(error, credentials, 'listen connection lost').message}; reconnecting`,
				),
		});
		try {
			await listener.start();
		} catch (error) {
			throw new NodeOperationError(
				this.getNode(),
				describePostgresError(error, credentials, 'LISTEN failed').message,
			);
		}
		const sweeper = setInterval(() => void consumer.sweep(), options.sweepSeconds * 1000);
		void consumer.sweep();
		return {
			closeFunction: async () => {
				clearInterval(sweeper);
				await consumer.close();
				await listener.close();
			},
		};
	}
}

function readOptions(ctx: ITriggerFunctions): ConsumerOptions & { sweepSeconds: number } {
	const o = ctx.getNodeParameter('options', {}) as Partial<{
		completeOnSuccess: boolean;
		maxAttempts: number;
		maxInFlight: number;
		timeoutSeconds: number;
		retryDelaySeconds: number;
		sweepSeconds: number;
	}>;
	const schema = String(ctx.getNodeParameter('schema', DEFAULT_PIPELINE_SCHEMA) || '').trim();
	const types = String(ctx.getNodeParameter('eventTypes', '') ?? '')
		.split(',')
		.map((t) => t.trim())
		.filter(Boolean);
	return {
		schema: schema || DEFAULT_PIPELINE_SCHEMA,
		types,
		batchSize: Math.max(1, Math.min(1000, Number(ctx.getNodeParameter('batchSize', 100)) || 100)),
		maxInFlight: Math.max(1, Number(o.maxInFlight ?? 2) || 2),
		timeoutSeconds: Math.max(5, Number(o.timeoutSeconds ?? 300) || 300),
		maxAttempts: Math.max(1, Number(o.maxAttempts ?? 5) || 5),
		retryDelaySeconds: Math.max(0, Number(o.retryDelaySeconds ?? 30)),
		sweepSeconds: Math.max(1, Number(o.sweepSeconds ?? 10) || 10),
		completeOnSuccess: o.completeOnSuccess !== false,
		instance: `${hostname()}:${process.pid}`,
	};
}
