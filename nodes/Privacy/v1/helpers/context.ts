/**
 * What every request opens once per execution: the node's settings (item-independent, checked before
 * anything is read), the PostgreSQL pool (n8n's built-in Postgres credential), and the optional
 * stores. A store whose credential is not set on the node is skipped; one that cannot be opened
 * (a credential setting it refuses) fails that store for every item, not the run.
 */
import type { Redis } from 'ioredis';
import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type pg from 'pg';

import { AirtableApi } from '../../../AirtableRegistry/v1/transport';
import { BASE_ID, TABLE_ID_OR_NAME } from '../../../AirtableRegistry/v2/transport';
import { fieldRef } from '../../../AirtableRegistry/v1/helpers/formula';
import { HubSpotApi } from '../../../HubSpotBatch/v1/transport';
import {
	describePostgresError,
	type PostgresCredentials,
	postgresCredentials,
	postgresPool,
	quoteIdent,
	testPostgresConnection,
} from '../../../shared/database/connection';
import { redisCredentialsOf, sharedRedis } from '../../../shared/redis/connection';
import type { AppTableSpec } from '../stores/postgres';

export const DEFAULT_SCHEMAS = 'public, marketing';
export const DEFAULT_KEY_PREFIX = 'mkops:';

export interface PrivacySettings {
	schemas: string[];
	appTables: AppTableSpec[];
	deleteSyncedRecords: boolean;
	airtable: { baseId: string; table: string; emailField: string };
	keyPrefixes: string[];
}

/** A store this run can use, one it skips (no credential), or one that failed to open. */
export type Store<T> =
	| { state: 'ready'; client: T }
	| { state: 'skipped'; reason: string }
	| { state: 'failed'; error: string };

export interface PrivacyContext {
	settings: PrivacySettings;
	pool: pg.Pool;
	postgres: PostgresCredentials;
	hubspot: Store<HubSpotApi>;
	airtable: Store<AirtableApi>;
	redis: Store<Redis>;
}

const list = (text: string) =>
	text
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s !== '');

export function readSettings(ctx: IExecuteFunctions): PrivacySettings {
	const fail = (message: string) => new NodeOperationError(ctx.getNode(), message);
	const text = (name: string, fallback = '') =>
		String(ctx.getNodeParameter(name, 0, fallback) ?? '').trim();
	const name = (value: string, what: string) => {
		try {
			quoteIdent(value, what);
		} catch (error) {
			throw fail((error as Error).message);
		}
		return value;
	};
	const schemas = [...new Set(list(text('schemas', DEFAULT_SCHEMAS)))].map((s) =>
		name(s, 'Schemas'),
	);
	if (schemas.length === 0) throw fail('Schemas is empty: name at least one PostgreSQL schema');

	const raw = (ctx.getNodeParameter('appTables.table', 0, []) ?? []) as Array<
		Record<string, unknown>
	>;
	const appTables = raw.map((entry, i) => {
		const where = `App Tables › table ${i + 1}`;
		const parts = String(entry.table ?? '')
			.trim()
			.split('.');
		if (parts.length > 2 || parts.some((p) => p === ''))
			throw fail(`${where}: give the table as schema.table or table`);
		const table = name(parts[parts.length - 1], `${where} › Table`);
		return {
			schema: parts.length === 2 ? name(parts[0], `${where} › Schema`) : undefined,
			table,
			emailColumn: name(String(entry.emailColumn ?? 'email').trim(), `${where} › Email Column`),
			keyColumn: name(String(entry.keyColumn ?? 'id').trim(), `${where} › Key Column`),
		};
	});

	const emailField = text('airtableEmailField', 'email') || 'email';
	try {
		fieldRef(emailField);
	} catch (error) {
		throw fail(`Airtable Email Field: ${(error as Error).message}`);
	}
	const keyPrefixes = list(text('keyPrefix', DEFAULT_KEY_PREFIX));
	if (keyPrefixes.length === 0)
		throw fail('Redis Key Prefix is empty: a scan of the whole Redis database is not allowed');
	const operation = ctx.getNodeParameter('operation', 0) as string;
	return {
		schemas,
		appTables,
		deleteSyncedRecords:
			operation === 'erase' && ctx.getNodeParameter('deleteSyncedRecords', 0, false) === true,
		airtable: {
			baseId: text('airtableBase'),
			table: text('airtableTable'),
			emailField,
		},
		keyPrefixes,
	};
}

/** Whether the node has a credential of this type selected (optional stores). */
const hasCredential = (ctx: IExecuteFunctions, type: string) =>
	ctx.getNode().credentials?.[type] !== undefined;

async function open<T>(
	ctx: IExecuteFunctions,
	type: string,
	label: string,
	make: () => Promise<T>,
): Promise<Store<T>> {
	if (!hasCredential(ctx, type)) return { state: 'skipped', reason: `no ${label} credential` };
	try {
		return { state: 'ready', client: await make() };
	} catch (error) {
		return { state: 'failed', error: (error as Error).message };
	}
}

export async function openPrivacy(ctx: IExecuteFunctions): Promise<PrivacyContext> {
	const settings = readSettings(ctx);
	let postgres: PostgresCredentials;
	try {
		postgres = postgresCredentials(await ctx.getCredentials('postgres'));
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message);
	}
	const pool = postgresPool(postgres, 4);
	const redis = await open(ctx, 'redis', 'Redis', async () =>
		sharedRedis(redisCredentialsOf(await ctx.getCredentials('redis'))),
	);
	// With Redis at hand, HubSpot's 10-second window and Airtable's per-base window are shared through it.
	const shared = redis.state === 'ready' ? redis.client : undefined;
	const hubspot = await open(
		ctx,
		'hubSpotBatchApi',
		'HubSpot Batch API',
		async () => await HubSpotApi.fromContext(ctx, {}, { redis: shared }),
	);
	const airtable = await open(ctx, 'airtableRegistryApi', 'Airtable Registry API', async () => {
		const { baseId, table } = settings.airtable;
		if (baseId !== '' && !BASE_ID.test(baseId))
			throw new Error(`Airtable Base ID "${baseId}" is not a base ID (app…)`);
		if (table !== '' && !TABLE_ID_OR_NAME.test(table))
			throw new Error(`Airtable Table "${table}" is not a table name or ID`);
		const api = await AirtableApi.fromContext(ctx, {
			redis: shared,
			...(baseId !== ''
				? {
						target: {
							baseId,
							eventsTable: 'Events',
							registrationsTable: table || 'Registrations',
						},
					}
				: {}),
		});
		if (table !== '') api.registrationsTable = table;
		return api;
	});
	return { settings, pool, postgres, hubspot, airtable, redis };
}

/** A database failure in words: names the server and reason, never the password. */
export function postgresMessage(p: Pick<PrivacyContext, 'postgres'>, error: unknown): string {
	if (error instanceof NodeOperationError) return error.message;
	return describePostgresError(error, p.postgres).message;
}

export async function testPrivacyPostgres(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await testPostgresConnection(credential.data ?? {});
}
