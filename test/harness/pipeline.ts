/**
 * The pipeline nodes for workflows run by n8n-core (inProcess.ts): importing this registers Pipeline
 * Event and the Postgres credential. `applyPipeline` creates the pipeline tables in a test schema
 * with the package's own statements.
 */
import type { IDataObject } from 'n8n-workflow';

import { PipelineEvent } from '../../nodes/PipelineEvent/PipelineEvent.node';
import { cascadeTableStatements } from '../../nodes/shared/pipeline/cascade';
import { pipelineSchemaStatements } from '../../nodes/shared/pipeline/schema';
import {
	PostgresCredentialType,
	registerCredentialType,
	registerNodeType,
	type NodeUnderTest,
} from './inProcess';
import type { TestPostgres } from './postgres';

export const PIPELINE_EVENT = 'n8n-nodes-marketing-ops.pipelineEvent';

registerNodeType(PIPELINE_EVENT, new PipelineEvent());
registerCredentialType(new PostgresCredentialType());

export function pipelineNode(
	schema: string,
	parameters: IDataObject,
	opts: Partial<Pick<NodeUnderTest, 'name' | 'onError'>> = {},
): NodeUnderTest {
	return {
		name: opts.name ?? 'Pipeline',
		type: PIPELINE_EVENT,
		parameters: { schema, ...parameters },
		credentials: { postgres: { id: 'pg', name: 'Postgres' } },
		onError: opts.onError,
	};
}

export const pipelineCredentials = (pg: TestPostgres) => ({
	postgres: { ...pg.connection, maxConnections: 10, ssl: 'disable' },
});

export async function applyPipeline(pg: TestPostgres, cascade = false): Promise<void> {
	for (const sql of pipelineSchemaStatements(pg.schema)) await pg.query(sql);
	if (cascade) for (const sql of cascadeTableStatements(pg.schema)) await pg.query(sql);
}

/** Statuses of every event, by id. */
export async function eventStatuses(pg: TestPostgres): Promise<Map<string, string>> {
	const { rows } = await pg.query<{ id: string; status: string }>(
		`SELECT id::text AS id, status FROM ${pg.qualified('pipeline_events')}`,
	);
	return new Map(rows.map((r) => [r.id, r.status]));
}
