import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { quoteIdent } from '../../../../shared/database/connection';
import { databaseFailure, openPool } from '../../helpers/context';
import { exampleTableStatements, SYNC_TABLES, syncSchemaStatements } from '../../database/schema';

const properties: INodeProperties[] = [
	{
		displayName: 'Schema',
		name: 'schema',
		type: 'string',
		default: 'public',
		description:
			"Where the sync's tables are created (hubspot_webhook_events, hubspot_field_state, hubspot_sync_log, hubspot_reconciliation_runs)",
	},
	{
		displayName: 'Also Create Example Table',
		name: 'exampleTable',
		type: 'string',
		default: '',
		placeholder: 'customers',
		description:
			'Name of a customers table to create as well (ID, ban, company_name, status, credit_limit, current_balance, payment_terms, email, hubspot_id, created_at, updated_at), for trying the sync out. Empty: none.',
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['applySchema'] } },
	properties,
);

/** One transaction under an advisory lock: two runs at once take turns; running it again changes nothing. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const schema = String(this.getNodeParameter('schema', 0, 'public') || 'public').trim();
	const example = String(this.getNodeParameter('exampleTable', 0, '') ?? '').trim();
	let statements: string[];
	try {
		quoteIdent(schema, 'Schema');
		statements = [
			...syncSchemaStatements(schema),
			...(example ? exampleTableStatements(schema, example) : []),
		];
	} catch (error) {
		throw databaseFailure(this, error);
	}
	const { pool } = await openPool(this, 2);
	const client = await pool.connect().catch((error: unknown) => {
		throw databaseFailure(this, error);
	});
	try {
		await client.query('BEGIN');
		await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
			`n8n-nodes-marketing-ops:hubspot-sync:${schema}`,
		]);
		for (const sql of statements) await client.query(sql);
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK').catch(() => undefined);
		throw databaseFailure(this, error);
	} finally {
		client.release();
	}
	return [
		[
			{
				json: {
					schema,
					tables: [...Object.values(SYNC_TABLES), ...(example ? [example] : [])],
					statements: statements.length,
				},
				pairedItem: { item: 0 },
			},
		],
		[],
	];
}
