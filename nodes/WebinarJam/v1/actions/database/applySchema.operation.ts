import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import type pg from 'pg';

import {
	type AnySupabaseClient,
	describePostgresError,
	describeSupabaseError,
	type PostgresCredentials,
	type SupabaseCredentials,
} from '../../../../shared/database/connection';
import { schemaScript, schemaStatements, TABLES, VIEWS } from '../../../../shared/database/schema';
import {
	databaseNodeError,
	getSchema,
	openConnection,
	type DatabaseKind,
} from '../../helpers/destination';
import { databaseOption, schemaOption } from '../common.descriptions';

const properties: INodeProperties[] = [
	databaseOption,
	schemaOption,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Return SQL Only',
				name: 'returnSqlOnly',
				type: 'boolean',
				default: false,
				description:
					'Whether to output the SQL script instead of running it: paste it into Supabase › SQL Editor (Supabase’s REST API cannot create tables)',
			},
		],
	},
];

const displayOptions = { show: { resource: ['database'], operation: ['applySchema'] } };

export const description = updateDisplayOptions(displayOptions, properties);

const TABLE_NAMES: string[] = Object.values(TABLES);
const VIEW_NAMES: string[] = Object.values(VIEWS);

/** One lock per schema across every n8n process: concurrent Apply Schema runs take turns. */
export const lockName = (schema: string) => `n8n-nodes-marketing-ops:schema:${schema}`;

interface Present {
	tables: string[];
	views: string[];
	indexes: string[];
}

async function present(db: pg.Pool | pg.PoolClient, schema: string): Promise<Present> {
	const relations = await db.query<{ relname: string; relkind: string }>(
		`SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) ORDER BY c.relname`,
		[schema, [...TABLE_NAMES, ...VIEW_NAMES]],
	);
	const indexes = await db.query<{ indexname: string }>(
		`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = ANY($2::text[]) ORDER BY indexname`,
		[schema, TABLE_NAMES],
	);
	return {
		tables: relations.rows
			.filter((r) => r.relkind === 'r' || r.relkind === 'p')
			.map((r) => r.relname),
		views: relations.rows
			.filter((r) => r.relkind === 'v' || r.relkind === 'm')
			.map((r) => r.relname),
		indexes: indexes.rows.map((r) => r.indexname),
	};
}

/**
 * schemaStatements() in ONE transaction under a transaction-scoped advisory lock: idempotent
 * (IF NOT EXISTS / OR REPLACE), and two runs at the same time do not trip over each other.
 */
export async function applyPostgres(
	pool: pg.Pool,
	credentials: PostgresCredentials,
	schema: string,
): Promise<IDataObject> {
	const started = Date.now();
	const statements = schemaStatements(schema);
	let client: pg.PoolClient;
	try {
		client = await pool.connect();
	} catch (error) {
		throw describePostgresError(error, credentials, 'connect failed');
	}
	let before: Present;
	try {
		await client.query('BEGIN');
		await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockName(schema)]);
		before = await present(client, schema);
		for (const sql of statements) await client.query(sql);
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK').catch(() => undefined);
		throw describePostgresError(error, credentials, 'applying the schema failed');
	} finally {
		client.release();
	}
	const after = await present(pool, schema);
	const existed = new Set([...before.tables, ...before.views, ...before.indexes]);
	return {
		database: 'postgres',
		schema,
		tables: after.tables,
		views: after.views,
		indexes: after.indexes,
		created: [...after.tables, ...after.views, ...after.indexes].filter((n) => !existed.has(n)),
		statements: statements.length,
		duration_ms: Date.now() - started,
	};
}

/** PostgREST cannot run DDL: this only checks what exists, and says how to create the rest. */
export async function checkSupabase(
	client: AnySupabaseClient,
	credentials: SupabaseCredentials,
	schema: string,
): Promise<{ tables: string[]; views: string[]; missing: string[] }> {
	const found = { tables: [] as string[], views: [] as string[], missing: [] as string[] };
	for (const name of [...TABLE_NAMES, ...VIEW_NAMES]) {
		const { error } = await client.from(name).select('*').limit(0);
		if (!error) {
			(TABLE_NAMES.includes(name) ? found.tables : found.views).push(name);
			continue;
		}
		if (error.code === 'PGRST205' || error.code === '42P01') {
			found.missing.push(name);
			continue;
		}
		throw describeSupabaseError(error, credentials, `checking ${schema}.${name} failed`);
	}
	return found;
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const kind = this.getNodeParameter('database', 0, 'postgres') as DatabaseKind;
	const schema = getSchema(this);
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const item = (json: IDataObject): INodeExecutionData[][] => [[{ json, pairedItem: { item: 0 } }]];
	if (options.returnSqlOnly === true) {
		return item({
			database: kind,
			schema,
			statements: schemaStatements(schema).length,
			sql: schemaScript(schema),
		});
	}
	const connection = await openConnection(this, kind, schema, 2);
	try {
		if (connection.kind === 'postgres') {
			return item(await applyPostgres(connection.pool, connection.credentials, schema));
		}
		const found = await checkSupabase(connection.client, connection.credentials, schema);
		if (found.missing.length > 0) {
			throw new NodeOperationError(
				this.getNode(),
				`${connection.where}: schema "${schema}" lacks ${found.missing.join(', ')}, and Supabase's REST API cannot create tables`,
				{
					description:
						'Turn on "Return SQL Only", run the SQL it outputs in Supabase › SQL Editor, then run this again to check. Or set Database to PostgreSQL with the project’s connection string (Supabase › Connect) in a Postgres credential, and Apply Schema runs the SQL itself.',
				},
			);
		}
		return item({ database: 'supabase', schema, ...found, ok: true });
	} catch (error) {
		throw databaseNodeError(this, error);
	}
}
