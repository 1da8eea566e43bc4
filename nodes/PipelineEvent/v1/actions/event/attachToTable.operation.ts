import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { quoteIdent } from '../../../../shared/database/connection';
import { pipelineName } from '../../../../shared/pipeline/schema';
import { openPipeline, pipelineFailure } from '../../helpers/context';

const properties: INodeProperties[] = [
	{
		displayName: 'Table',
		name: 'table',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'intake.company_raw_intake',
		description:
			'The table whose rows emit the event (schema.table, or a table on the search path)',
	},
	{
		displayName: 'Event Type',
		name: 'eventType',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'company_created',
	},
	{
		displayName: 'Fires On',
		name: 'firesOn',
		type: 'multiOptions',
		default: ['INSERT'],
		options: [
			{ name: 'Insert', value: 'INSERT' },
			{ name: 'Update', value: 'UPDATE' },
			{ name: 'Delete', value: 'DELETE' },
		],
	},
	{
		displayName: 'ID Column',
		name: 'idColumn',
		type: 'string',
		default: 'id',
		description: "The column that becomes the event's record_id",
	},
	{
		displayName: 'Condition',
		name: 'condition',
		type: 'string',
		default: '',
		placeholder: 'NEW.status IS DISTINCT FROM OLD.status',
		description:
			'A trigger WHEN condition in SQL (for updates: only some changes emit). Empty: every row.',
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['attachToTable'] } },
	properties,
);

const TABLE = /^([A-Za-z_][A-Za-z0-9_$]{0,62}\.)?[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** Attaches emit_pipeline_event() to a table (replacing the same event type's trigger there). */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const p = await openPipeline(this);
	const table = String(this.getNodeParameter('table', 0, '')).trim();
	const eventType = String(this.getNodeParameter('eventType', 0, '')).trim();
	const firesOn = this.getNodeParameter('firesOn', 0, ['INSERT']) as string[];
	const idColumn = String(this.getNodeParameter('idColumn', 0, 'id')).trim() || 'id';
	const condition = String(this.getNodeParameter('condition', 0, '') ?? '').trim();
	if (!TABLE.test(table))
		throw new NodeOperationError(
			this.getNode(),
			`Table '${table}' is not a plain schema.table name`,
		);
	if (!eventType) throw new NodeOperationError(this.getNode(), 'Event Type is empty');
	if (firesOn.length === 0) throw new NodeOperationError(this.getNode(), 'Fires On is empty');
	try {
		quoteIdent(idColumn, 'ID Column');
		const { rows } = await p.pool.query<{ trigger: string }>(
			`SELECT ${pipelineName(p.schema, 'attach_pipeline_event')}($1::regclass, $2, $3, $4, $5) AS trigger`,
			[table, eventType, firesOn.join(' OR '), idColumn, condition || null],
		);
		return [
			[{ json: { table, eventType, firesOn, trigger: rows[0].trigger }, pairedItem: { item: 0 } }],
		];
	} catch (error) {
		throw pipelineFailure(this, p, error);
	}
}
