/**
 * What every operation of the sync node opens once per execution: the PostgreSQL pool (n8n's
 * built-in Postgres credential) and, when it talks to HubSpot, the HubSpot client.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type pg from 'pg';

import { HubSpotApi } from '../../../HubSpotBatch/v1/transport';
import {
	type DatabaseError,
	type PostgresCredentials,
	postgresCredentials,
	postgresPool,
} from '../../../shared/database/connection';
import { coordinationRedis } from '../../../shared/redis/coordination';
import { SyncHubSpot } from './hubspot';

export async function openPool(ctx: IExecuteFunctions, size = 4): Promise<{ pool: pg.Pool }> {
	const raw = await ctx.getCredentials('postgres');
	let credentials: PostgresCredentials;
	try {
		credentials = postgresCredentials(raw);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as DatabaseError).message);
	}
	return { pool: postgresPool(credentials, size) };
}

export async function openHubSpot(
	ctx: IExecuteFunctions,
	objectType: string,
	timeoutMs?: number,
): Promise<SyncHubSpot> {
	const api = await HubSpotApi.fromContext(ctx, timeoutMs === undefined ? {} : { timeoutMs }, {
		redis: await coordinationRedis(ctx),
	});
	return new SyncHubSpot(api, objectType);
}

/** A pg error as the node's error: names the server and reason, never the password. */
export function databaseFailure(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex = 0,
): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const e = error as { message?: string; code?: string };
	return new NodeOperationError(
		ctx.getNode(),
		`PostgreSQL: ${e.message ?? String(error)}${e.code ? ` [${e.code}]` : ''}`,
		{
			itemIndex,
		},
	);
}
