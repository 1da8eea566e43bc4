/** What every operation opens: the shared pool for n8n's Postgres credential, and the schema. */
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	IExecuteFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type pg from 'pg';

import {
	describePostgresError,
	type PostgresCredentials,
	postgresCredentials,
	postgresPool,
	quoteIdent,
	testPostgresConnection,
} from '../../../shared/database/connection';
import { DEFAULT_PIPELINE_SCHEMA } from '../../../shared/pipeline/schema';

export interface PipelineContext {
	pool: pg.Pool;
	schema: string;
	credentials: PostgresCredentials;
}

export async function openPipeline(ctx: IExecuteFunctions): Promise<PipelineContext> {
	const schema =
		String(ctx.getNodeParameter('schema', 0, DEFAULT_PIPELINE_SCHEMA) ?? '').trim() ||
		DEFAULT_PIPELINE_SCHEMA;
	let credentials: PostgresCredentials;
	try {
		quoteIdent(schema, 'Schema');
		credentials = postgresCredentials(await ctx.getCredentials('postgres'));
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message);
	}
	return { pool: postgresPool(credentials, 4), schema, credentials };
}

/** A database failure as the node's error: names the server and reason, never the password. */
export function pipelineFailure(
	ctx: IExecuteFunctions,
	p: Pick<PipelineContext, 'credentials'>,
	error: unknown,
	itemIndex = 0,
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(
		ctx.getNode(),
		describePostgresError(error, p.credentials).message,
		{ itemIndex },
	);
}

/** `a.b.c` of an item's json (a field name with dots that exists as is wins). */
export function fieldOf(json: IDataObject, path: string): unknown {
	if (path in json) return json[path];
	let value: unknown = json;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as IDataObject)[key];
	}
	return value;
}

/** An event id from an item: a positive whole number, as text (ids are bigint). */
export function eventIdOf(json: IDataObject, field: string): string | undefined {
	const value = fieldOf(json, field);
	const text =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	return /^[1-9][0-9]{0,18}$/.test(text) ? text : undefined;
}

export async function testPipelinePostgres(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await testPostgresConnection(credential.data ?? {});
}

/** The claim an item carries (the Pipeline Trigger's `claim`), or null: then it is not checked. */
export function claimOf(json: IDataObject, field: string): string | null {
	if (!field) return null;
	const value = fieldOf(json, field);
	return typeof value === 'string' && value ? value : null;
}
