import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import type pg from 'pg';

import { errorItem } from '../../../../shared/batch/outcomes';
import { AttemptError } from '../../../../shared/transport/attempt';
import { appIdProperty, recordProperties } from '../common.descriptions';
import { databaseFailure, openHubSpot, openPool } from '../../helpers/context';
import { type SyncHubSpot, invalidProperties } from '../../helpers/hubspot';
import { asText, sentToHubSpot } from '../../helpers/rules';
import { readSettings } from '../../helpers/settings';
import type { SyncSettings } from '../../helpers/engine';
import {
	insertRow,
	type Row,
	saveFieldStates,
	tableColumns,
	updateRow,
	writeLog,
} from '../../database/store';

const properties: INodeProperties[] = [
	...recordProperties,
	appIdProperty,
	{
		displayName: 'Record Field',
		name: 'recordField',
		type: 'string',
		default: 'body',
		description:
			"The input field that holds the new row's values (a Webhook node puts the request's JSON in 'body'). Empty: the whole input item.",
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'HubSpot Timeout (Seconds)',
				name: 'timeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 60 },
				default: 10,
				description:
					'How long to wait for HubSpot to create the record before the row is rolled back',
			},
			{
				displayName: 'Ignore Unknown Fields',
				name: 'ignoreUnknownFields',
				type: 'boolean',
				default: false,
				description:
					'Whether input fields that are not columns of the table are left out instead of failing the item',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['createWithRollback'] } },
	properties,
);

const STATUS_TEXT: Record<number, string> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	409: 'Conflict',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
	504: 'Gateway Timeout',
};

export const SYNC_FAILED = 'HUBSPOT_SYNC_FAILED';

/** When a create's outcome is unknown, HubSpot is asked for the record now and once more 2 s later. */
const LOOKUP_WAITS_MS = [0, 2000];

/** A create that did not happen: the message, the fields at fault, and whether HubSpot's record was removed. */
interface CreateFailure {
	failed: true;
	message: string;
	failedFields: Array<{ field: string; message: string }>;
	hubspotRecordRemoved?: boolean;
}

function describeHubSpotFailure(
	error: unknown,
	settings: SyncSettings,
	timeoutSeconds: number,
): Array<{ field: string; message: string }> {
	const invalid = invalidProperties(error);
	if (invalid.length > 0) {
		const columnOf = new Map(settings.rules.map((r) => [r.property, r.column]));
		return invalid.map((i) => ({
			field: columnOf.get(i.property) ?? i.property,
			message: `Invalid property value (${i.message})`,
		}));
	}
	if (error instanceof AttemptError) {
		if (error.kind === 'timeout')
			return [{ field: 'hubspot_api', message: `No answer within ${timeoutSeconds} s` }];
		if (error.kind === 'network')
			return [{ field: 'hubspot_api', message: `Unreachable (${error.code ?? 'network error'})` }];
		const status = error.status ?? 0;
		return [
			{
				field: 'hubspot_api',
				message: `${STATUS_TEXT[status] ?? error.serverMessage ?? 'Error'} (${status})`,
			},
		];
	}
	return [{ field: 'hubspot_api', message: (error as Error).message }];
}

const listed = (fields: Array<{ field: string; message: string }>) =>
	`Failed fields: [${fields.map((f) => `${f.field}: ${f.message}`).join(', ')}]`;

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const settings = readSettings(this);
	const idProperty = String(
		this.getNodeParameter('appIdProperty', 0, 'app_record_id') ?? '',
	).trim();
	if (!/^[a-z0-9_][a-z0-9_-]{0,99}$/i.test(idProperty))
		throw new NodeOperationError(
			this.getNode(),
			`HubSpot Property With App Key '${idProperty}' is not a property name`,
		);
	const recordField = String(this.getNodeParameter('recordField', 0, 'body') ?? '').trim();
	const timeoutSeconds = Number(this.getNodeParameter('options.timeoutSeconds', 0, 10)) || 10;
	const ignoreUnknown = this.getNodeParameter('options.ignoreUnknownFields', 0, false) === true;
	const { pool } = await openPool(this);
	const hubspot = await openHubSpot(this, settings.objectType, timeoutSeconds * 1000);
	let columns: Map<string, string>;
	try {
		columns = await tableColumns(pool, settings.app.schema, settings.app.table);
	} catch (error) {
		throw databaseFailure(this, error);
	}
	if (columns.size === 0)
		throw new NodeOperationError(
			this.getNode(),
			`Table ${settings.app.schema}.${settings.app.table} does not exist`,
			{
				description:
					'Create it, or run this node with Operation "Apply Schema" and "Also Create Example Table".',
			},
		);

	const done: INodeExecutionData[] = [];
	const items = this.getInputData();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let failure: NodeOperationError;
		let extra: IDataObject = { success: false, code: 'CREATE_FAILED' };
		try {
			const input = recordField ? items[itemIndex].json[recordField] : items[itemIndex].json;
			if (input === null || typeof input !== 'object' || Array.isArray(input))
				throw new NodeOperationError(
					this.getNode(),
					`Field '${recordField || '(item)'}': the new row must be a JSON object`,
					{ itemIndex },
				);
			const values = rowValues(
				this,
				input as IDataObject,
				columns,
				settings,
				ignoreUnknown,
				itemIndex,
			);
			const outcome = await createOne(pool, hubspot, settings, idProperty, values, timeoutSeconds);
			if (outcome.failed === false) {
				done.push({ json: outcome.json, pairedItem: { item: itemIndex } });
				continue;
			}
			failure = new NodeOperationError(this.getNode(), outcome.message, {
				itemIndex,
				description:
					outcome.hubspotRecordRemoved === false && outcome.failedFields[0]?.field === 'hubspot_api'
						? 'Nothing was created: the row was rolled back, and HubSpot holds no record with this key. Retry when HubSpot answers again.'
						: 'Nothing was created in PostgreSQL or in HubSpot. Fix the named fields, or retry when HubSpot answers again.',
			});
			extra = {
				success: false,
				code: SYNC_FAILED,
				failed_fields: outcome.failedFields as unknown as IDataObject[],
			};
		} catch (error) {
			// The caller's own mistake (a field that is no column, a value PostgreSQL refuses) is told
			// back; anything else (the database unreachable) is not, as it may name internal hosts.
			const pgCode = String((error as { code?: unknown }).code ?? '');
			const invalid = error instanceof NodeOperationError || /^2[23]/.test(pgCode);
			failure =
				error instanceof NodeOperationError ? error : databaseFailure(this, error, itemIndex);
			extra = { success: false, code: invalid ? 'INVALID_INPUT' : 'CREATE_FAILED' };
		}
		if (!this.continueOnFail()) throw failure;
		done.push(errorItem(this, failure, itemIndex, extra));
	}
	return [done, []];
}

function rowValues(
	ctx: IExecuteFunctions,
	input: IDataObject,
	columns: Map<string, string>,
	settings: SyncSettings,
	ignoreUnknown: boolean,
	itemIndex: number,
): Row {
	const values: Row = {};
	const unknown: string[] = [];
	for (const [name, value] of Object.entries(input)) {
		if (name === settings.app.hubspotIdColumn) continue; // HubSpot's id is set by the create
		if (!columns.has(name)) unknown.push(name);
		else values[name] = value;
	}
	if (unknown.length > 0 && !ignoreUnknown)
		throw new NodeOperationError(
			ctx.getNode(),
			`Field '${unknown[0]}': not a column of ${settings.app.table}${unknown.length > 1 ? ` (nor ${unknown.slice(1, 5).join(', ')})` : ''}`,
			{ itemIndex, description: 'Turn on "Ignore Unknown Fields" to leave such fields out.' },
		);
	return values;
}

async function createOne(
	pool: pg.Pool,
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	idProperty: string,
	values: Row,
	timeoutSeconds: number,
): Promise<{ failed: false; json: IDataObject } | CreateFailure> {
	const client = await pool.connect();
	let open = false;
	let released = false;
	const release = () => {
		if (released) return;
		released = true;
		client.release();
	};
	const rollback = async () => {
		if (open) await client.query('ROLLBACK').catch(() => undefined);
		open = false;
	};
	let hubspotId: string | undefined;
	let committed = false;
	let failure: unknown;
	try {
		await client.query('BEGIN');
		open = true;
		const row = await insertRow(client, settings.app, values);
		const key = String(row[settings.app.keyColumn]);
		const sent = settings.rules.filter(sentToHubSpot);
		const properties: IDataObject = { [idProperty]: key };
		for (const rule of sent) {
			const value = asText(row[rule.column]);
			if (value !== null) properties[rule.property] = value;
		}

		const created = await hubspot.create(properties).then(
			(record) => ({ id: record.id }),
			(error: unknown) => ({ error }),
		);
		if ('error' in created) {
			await rollback();
			// The lookups take seconds: the connection goes back to the pool first.
			release();
			return await refused(hubspot, settings, idProperty, key, created.error, timeoutSeconds);
		}
		hubspotId = created.id;

		await updateRow(client, settings.app, key, { [settings.app.hubspotIdColumn]: hubspotId });
		await saveFieldStates(
			client,
			settings.syncSchema,
			settings.app.table,
			settings.objectType,
			settings.rules.map((rule) => ({
				record_id: key,
				field: rule.column,
				hubspot_id: hubspotId ?? null,
				synced_value: sentToHubSpot(rule) ? asText(row[rule.column]) : null,
			})),
		);
		await writeLog(
			client,
			settings.syncSchema,
			sent.map((rule) => ({
				source: 'create',
				app_table: settings.app.table,
				record_id: key,
				hubspot_object_type: settings.objectType,
				hubspot_id: hubspotId,
				field: rule.column,
				property: rule.property,
				side: 'both',
				action: 'applied',
				reason: 'created',
				after_value: asText(row[rule.column]),
				app_value: asText(row[rule.column]),
				hubspot_value: asText(row[rule.column]),
			})),
		);
		await client.query('COMMIT');
		open = false;
		committed = true;
		const json: IDataObject = {
			success: true,
			data: {
				record: { ...row, [settings.app.hubspotIdColumn]: hubspotId } as IDataObject,
				hubspot_sync: {
					success: true,
					hubspot_id: hubspotId,
					fields_synced: sent.map((r) => r.column),
					message: 'Record created and synced to HubSpot',
				},
			},
		};
		return { failed: false, json };
	} catch (error) {
		failure = error;
	} finally {
		await rollback();
		release();
	}
	// The row is gone (a failure after HubSpot's create), so HubSpot's record must go too.
	if (hubspotId !== undefined && !committed) {
		const orphan = hubspotId;
		const archived = await hubspot.archive(orphan).then(
			() => undefined,
			(archiveError: unknown) => archiveError as Error,
		);
		if (archived !== undefined)
			failure = new Error(
				`${(failure as Error).message}; the row was rolled back, but HubSpot record ${orphan} it created could not be removed (${archived.message}): remove it in HubSpot`,
			);
	}
	throw failure;
}

/**
 * HubSpot did not create the record. When it may have (a 5xx, no answer), the record is looked up by
 * the app's key and removed, so that neither system keeps it.
 */
async function refused(
	hubspot: SyncHubSpot,
	settings: SyncSettings,
	idProperty: string,
	key: string,
	error: unknown,
	timeoutSeconds: number,
): Promise<CreateFailure> {
	const failedFields = describeHubSpotFailure(error, settings, timeoutSeconds);
	let removed: boolean | undefined;
	if (!(error instanceof AttemptError) || error.outcomeUnknown) {
		// A create HubSpot is still carrying out may show only a moment later: looked for twice.
		let found: { record?: { id: string } } | { lookupError: unknown } = {};
		for (const wait of LOOKUP_WAITS_MS) {
			if (wait > 0) await new Promise((done) => setTimeout(done, wait));
			found = await hubspot.findByProperty(idProperty, key).then(
				(record) => ({ record }),
				(lookupError: unknown) => ({ lookupError }),
			);
			if ('lookupError' in found || found.record !== undefined) break;
		}
		if ('lookupError' in found)
			return {
				failed: true,
				failedFields,
				message: `Record creation rolled back, but HubSpot may hold a record with ${idProperty} = ${key} that could not be checked (${(found.lookupError as Error).message}). ${listed(failedFields)}`,
			};
		removed = found.record !== undefined;
		if (found.record !== undefined) {
			const orphan = found.record.id;
			const archived = await hubspot.archive(orphan).then(
				() => undefined,
				(archiveError: unknown) => archiveError as Error,
			);
			if (archived !== undefined)
				return {
					failed: true,
					failedFields,
					message: `Record creation rolled back, but HubSpot created record ${orphan} (${idProperty} = ${key}) and it could not be removed (${archived.message}): remove it in HubSpot. ${listed(failedFields)}`,
				};
		}
	}
	const invalid = failedFields.some((f) => f.field !== 'hubspot_api');
	const singular = settings.objectType.replace(/ies$/, 'y').replace(/s$/, '');
	return {
		failed: true,
		failedFields,
		hubspotRecordRemoved: removed,
		message: invalid
			? `Record creation rolled back. ${listed(failedFields)}`
			: `Record creation rolled back due to HubSpot sync failure: Failed to create HubSpot ${singular}. ${listed(failedFields)}`,
	};
}
