import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { CASCADE_TABLES, cascadeTableStatements } from '../../../../shared/pipeline/cascade';
import { inTransaction } from '../../../../shared/database/transaction';
import {
	PIPELINE_TABLES,
	PIPELINE_VIEWS,
	pipelineSchemaStatements,
} from '../../../../shared/pipeline/schema';
import { openPipeline, pipelineFailure } from '../../helpers/context';

const properties: INodeProperties[] = [
	{
		displayName:
			'Creates pipeline_events, pipeline_errors, the emit_pipeline_event() trigger function, attach_pipeline_event() and the monitoring views. Safe to run again.',
		name: 'schemaNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Also Create Enrichment Tables',
		name: 'cascadeTables',
		type: 'boolean',
		default: false,
		description:
			"Whether to create the enrichment workflows' tables too (company_raw_intake, company_master, company_slots, contact_enrichment, email_verification) and attach company_created to company_raw_intake",
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['applySchema'] } },
	properties,
);

/** One transaction under an advisory lock: two runs at once take turns; running it again changes nothing. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const p = await openPipeline(this);
	const cascade = this.getNodeParameter('cascadeTables', 0, false) as boolean;
	const statements = [
		...pipelineSchemaStatements(p.schema),
		...(cascade ? cascadeTableStatements(p.schema) : []),
	];
	try {
		await inTransaction(p.pool, async (client) => {
			await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
				`n8n-nodes-marketing-ops:pipeline:${p.schema}`,
			]);
			for (const sql of statements) await client.query(sql);
		});
	} catch (error) {
		throw pipelineFailure(this, p, error);
	}
	return [
		[
			{
				json: {
					schema: p.schema,
					tables: [
						...Object.values(PIPELINE_TABLES),
						...(cascade ? Object.values(CASCADE_TABLES) : []),
					],
					views: Object.values(PIPELINE_VIEWS),
					functions: ['emit_pipeline_event', 'attach_pipeline_event'],
					statements: statements.length,
				},
				pairedItem: { item: 0 },
			},
		],
	];
}
