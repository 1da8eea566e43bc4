import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { errorItem } from '../../../../shared/batch/outcomes';
import { coordinationRedis } from '../../../../shared/redis/coordination';
import { recordProperties } from '../common.descriptions';
import { databaseFailure, openPool } from '../../helpers/context';
import { type AppChange, changeQueue } from '../../helpers/queue';
import { readSettings } from '../../helpers/settings';
import { markAppChanged } from '../../database/store';

const properties: INodeProperties[] = [
	...recordProperties,
	{
		displayName: 'Record Key Field',
		name: 'keyField',
		type: 'string',
		default: 'body.id',
		description:
			"The input field with the changed row's key, as a dot path ('body.ID' for a Webhook node's JSON)",
	},
	{
		displayName: 'Changed Columns Field',
		name: 'changedField',
		type: 'string',
		default: 'body.changed',
		description:
			'The input field with the list of changed columns, as a dot path. Missing or empty: every column with a field rule.',
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['queueAppChanges'] } },
	properties,
);

function at(json: IDataObject, path: string): unknown {
	let value: unknown = json;
	for (const part of path.split('.').filter(Boolean)) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as IDataObject)[part];
	}
	return value;
}

/**
 * Marks the changed fields (with the time, for Latest Change Wins) and queues the record; a Flush
 * sends it. Several changes to one record before a flush are sent once, with the row as it is then.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const settings = readSettings(this);
	const keyField = String(this.getNodeParameter('keyField', 0, 'body.id') ?? '').trim();
	const changedField = String(
		this.getNodeParameter('changedField', 0, 'body.changed') ?? '',
	).trim();
	const redis = await coordinationRedis(this, true);
	if (redis === undefined)
		throw new NodeOperationError(this.getNode(), 'The queue needs a Redis credential');
	const queue = changeQueue(redis, settings);
	const { pool } = await openPool(this, 2);
	const items = this.getInputData();
	const byColumn = new Set(settings.rules.map((r) => r.column));
	const accepted: Array<{ itemIndex: number; change: AppChange }> = [];
	const done: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const key = at(items[itemIndex].json, keyField);
		const changed = at(items[itemIndex].json, changedField);
		const fields = Array.isArray(changed) ? changed.map(String).filter((c) => byColumn.has(c)) : [];
		if ((typeof key !== 'string' && typeof key !== 'number') || String(key) === '') {
			const error = new NodeOperationError(
				this.getNode(),
				`Field '${keyField}': the changed row's key is missing`,
				{ itemIndex },
			);
			if (!this.continueOnFail()) throw error;
			done.push(errorItem(this, error, itemIndex));
			continue;
		}
		if (Array.isArray(changed) && changed.length > 0 && fields.length === 0) {
			done.push({
				json: { key: String(key), queued: false, reason: 'no changed column has a field rule' },
				pairedItem: { item: itemIndex },
			});
			continue;
		}
		accepted.push({ itemIndex, change: { key: String(key), fields, at: Date.now() } });
	}
	if (accepted.length > 0) {
		try {
			// One mark per record and field (the latest), as one statement cannot touch a row twice.
			const latest = new Map<string, { record_id: string; field: string; changed_at: string }>();
			for (const { change } of accepted)
				for (const field of change.fields.length > 0 ? change.fields : [...byColumn])
					latest.set(`${change.key}\u0000${field}`, {
						record_id: change.key,
						field,
						changed_at: new Date(change.at).toISOString(),
					});
			const marks = [...latest.values()];
			await markAppChanged(
				pool,
				settings.syncSchema,
				settings.app.table,
				settings.objectType,
				marks,
			);
		} catch (error) {
			throw databaseFailure(this, error);
		}
		const ids = await queue.enqueue(accepted.map((a) => a.change));
		accepted.forEach(({ itemIndex, change }, i) =>
			done.push({
				json: { key: change.key, queued: true, queue_id: ids[i], fields: change.fields },
				pairedItem: { item: itemIndex },
			}),
		);
	}
	done.sort(
		(a, b) => (a.pairedItem as { item: number }).item - (b.pairedItem as { item: number }).item,
	);
	return [done, []];
}
