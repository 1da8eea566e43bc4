import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	type AnySupabaseClient,
	DatabaseError,
	postgresCredentials,
	type PostgresCredentials,
	postgresPool,
	quoteIdent,
	supabaseClient,
	supabaseCredentials,
	type SupabaseCredentials,
} from '../../../shared/database/connection';
import {
	PostgresRegistrantWriter,
	type RegistrantWriter,
	SupabaseRegistrantWriter,
} from '../database/registrants';
import { PostgresSyncRuns, type SyncRunStore, SupabaseSyncRuns } from '../database/syncRuns';
import type pg from 'pg';

export type DatabaseKind = 'postgres' | 'supabase';

/** Where a sync writes: the registrant writer and the sync_runs store of one database. */
export interface Destination {
	kind: DatabaseKind;
	schema: string;
	/** "PostgreSQL at host:port/db" or "Supabase at https://…" (no secrets). */
	where: string;
	writer: RegistrantWriter;
	syncRuns: SyncRunStore;
}

export type Connection =
	| {
			kind: 'postgres';
			schema: string;
			credentials: PostgresCredentials;
			pool: pg.Pool;
			where: string;
	  }
	| {
			kind: 'supabase';
			schema: string;
			credentials: SupabaseCredentials;
			client: AnySupabaseClient;
			where: string;
	  };

/** A DatabaseError (secret-free by construction) as the node's error. */
export function databaseNodeError(ctx: IExecuteFunctions, error: unknown, itemIndex = 0) {
	if (error instanceof NodeOperationError) return error;
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(ctx.getNode(), message, {
		itemIndex,
		description:
			error instanceof DatabaseError && error.code
				? `Database error code ${error.code}`
				: undefined,
	});
}

export function getSchema(ctx: IExecuteFunctions, itemIndex = 0): string {
	const schema =
		String(ctx.getNodeParameter('schema', itemIndex, 'public') ?? '').trim() || 'public';
	try {
		quoteIdent(schema, 'Schema');
	} catch (error) {
		throw databaseNodeError(ctx, error, itemIndex);
	}
	return schema;
}

/** Opens the database the node's `database` parameter names, with n8n's built-in credentials. */
export async function openConnection(
	ctx: IExecuteFunctions,
	kind: DatabaseKind,
	schema: string,
	poolSize = 4,
): Promise<Connection> {
	try {
		if (kind === 'postgres') {
			const credentials = postgresCredentials(await ctx.getCredentials('postgres'));
			return {
				kind,
				schema,
				credentials,
				pool: postgresPool(credentials, poolSize),
				where: `PostgreSQL at ${credentials.host}:${credentials.port}/${credentials.database}`,
			};
		}
		const credentials = supabaseCredentials(await ctx.getCredentials('supabaseApi'));
		return {
			kind,
			schema,
			credentials,
			client: supabaseClient(credentials, schema),
			where: `Supabase at ${credentials.host}`,
		};
	} catch (error) {
		throw databaseNodeError(ctx, error);
	}
}

export function destinationOf(connection: Connection): Destination {
	if (connection.kind === 'postgres') {
		const { pool, credentials, schema } = connection;
		return {
			kind: 'postgres',
			schema,
			where: connection.where,
			writer: new PostgresRegistrantWriter(pool, credentials, schema),
			syncRuns: new PostgresSyncRuns(pool, credentials, schema),
		};
	}
	const { client, credentials, schema } = connection;
	return {
		kind: 'supabase',
		schema,
		where: connection.where,
		writer: new SupabaseRegistrantWriter(client, credentials, schema),
		syncRuns: new SupabaseSyncRuns(client, credentials, schema),
	};
}
