import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { WriteRow } from '../../helpers/batchWrite';
import { writeHubSpotBatches } from '../../helpers/batchWrite';
import { readObjectType, readRecordId, RECORD_ID } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { failedHubSpotRow } from '../../helpers/outcome';
import type { HubSpotApi } from '../../transport';
import { batchOptions } from '../common.descriptions';

/**
 * Inputs per v4 association batch request. HubSpot's v4 batch association endpoints take up to
 * 2,000 inputs (the emulator enforces the same cap); only batch/read is lower, at 1,000.
 */
export const ASSOCIATION_BATCH_LIMIT = 2000;

const CATEGORIES = ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'];

const show = { resource: ['association'], operation: ['batchCreate'] };
const labelled = { ...show, associationType: ['labelled'] };

export const description: INodeProperties[] = [
	{
		displayName: 'From Object Type Name or ID',
		name: 'fromObjectType',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getObjectTypes' },
		default: '',
		required: true,
		description:
			'Object type of the records the associations start from (for example contacts). Read once for the whole run. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show },
	},
	{
		displayName: 'From Record ID',
		name: 'fromId',
		type: 'string',
		default: '={{ $json.hubspot_id }}',
		required: true,
		description:
			'HubSpot ID of the record to associate from, per item. The default takes the hubspot_id an earlier HubSpot Batch step returned.',
		displayOptions: { show },
	},
	{
		displayName: 'To Object Type Name or ID',
		name: 'toObjectType',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getObjectTypes' },
		default: '',
		required: true,
		description:
			'Object type of the records to associate to (for example companies). Read once for the whole run. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show },
	},
	{
		displayName: 'To Record ID',
		name: 'toId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '={{ $json.company_id }}',
		description: 'HubSpot ID of the record to associate to, per item',
		displayOptions: { show },
	},
	{
		displayName: 'Association Type',
		name: 'associationType',
		type: 'options',
		noDataExpression: true,
		default: 'default',
		options: [
			{
				name: 'Default (Unlabelled)',
				value: 'default',
				description: "HubSpot's most generic association between the two object types",
			},
			{
				name: 'Labelled',
				value: 'labelled',
				description: 'A specific association type: a HubSpot-defined label or one of your own',
			},
		],
		description: 'Which association to create between each pair of records',
		displayOptions: { show },
	},
	{
		displayName: 'Association Category',
		name: 'associationCategory',
		type: 'options',
		default: 'HUBSPOT_DEFINED',
		options: [
			{
				name: 'HubSpot Defined',
				value: 'HUBSPOT_DEFINED',
				description: 'A type HubSpot ships, such as 1 (primary company of a contact)',
			},
			{
				name: 'Integrator Defined',
				value: 'INTEGRATOR_DEFINED',
				description: 'A type defined by an app integration',
			},
			{
				name: 'User Defined',
				value: 'USER_DEFINED',
				description: 'A label created in this HubSpot account',
			},
		],
		description: 'Who defined the association type',
		displayOptions: { show: labelled },
	},
	{
		displayName: 'Association Label',
		name: 'associationTypeId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description:
			'The association type to create, from the labels HubSpot defines between the two object types and those made in your account',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchAssociationLabels', searchable: true },
			},
			{
				displayName: 'By Type ID',
				name: 'id',
				type: 'string',
				placeholder: '1',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: '^[1-9]\\d*$',
							errorMessage: 'A type ID is a positive whole number',
						},
					},
				],
			},
		],
		displayOptions: { show: labelled },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				default: ASSOCIATION_BATCH_LIMIT,
				typeOptions: { minValue: 1, maxValue: ASSOCIATION_BATCH_LIMIT },
				description: `Associations per request; HubSpot accepts at most ${ASSOCIATION_BATCH_LIMIT}`,
			},
			...batchOptions.filter((o) => o.name !== 'batchSize'),
		],
	},
];

export interface AssociationType {
	associationCategory: string;
	associationTypeId: number;
}

export interface Pair {
	from: string;
	to: string;
	types: AssociationType[];
	itemIndexes: number[];
}

export function pairKey(from: unknown, to: unknown): string {
	return `${String(from)}|${String(to)}`;
}

/** The from/to IDs a v4 result (`from.id`/`fromObjectId`) or error (`context.fromId`) names. */
function idsOf(entry: JsonObject): { from?: unknown; to?: unknown } {
	const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
	const context = (entry.context ?? {}) as JsonObject;
	return {
		from:
			(entry.from as JsonObject | undefined)?.id ??
			entry.fromObjectId ??
			first(context.fromId) ??
			first(context.fromObjectId),
		to:
			(entry.to as JsonObject | undefined)?.id ??
			entry.toObjectId ??
			first(context.toId) ??
			first(context.toObjectId),
	};
}

/** One item's from/to IDs and (labelled) type, or the field at fault; shared with Queue › Enqueue. */
export function readPairInput(
	ctx: IExecuteFunctions,
	itemIndex: number,
	mode: string,
):
	| { ids: Record<string, string>; type?: AssociationType }
	| { problem: { field: string; reason: string } } {
	const ids: Record<string, string> = {};
	let problem: { field: string; reason: string } | undefined;
	for (const field of ['fromId', 'toId']) {
		const raw = ctx.getNodeParameter(field, itemIndex, '') as unknown;
		const id = typeof raw === 'object' && raw !== null ? undefined : readRecordId(raw);
		if (id === undefined) problem ??= { field, reason: 'missing; a HubSpot record ID is required' };
		else if (!RECORD_ID.test(id))
			problem ??= { field, reason: `"${id}" is not a HubSpot record ID (digits only)` };
		else ids[field] = id;
	}
	let type: AssociationType | undefined;
	if (problem === undefined && mode === 'labelled') {
		const category = String(ctx.getNodeParameter('associationCategory', itemIndex, '') ?? '');
		const typeId = Number(
			ctx.getNodeParameter('associationTypeId', itemIndex, 0, { extractValue: true }),
		);
		if (!CATEGORIES.includes(category)) {
			problem = {
				field: 'associationCategory',
				reason: `"${category}" is not one of ${CATEGORIES.join(', ')}`,
			};
		} else if (!Number.isInteger(typeId) || typeId < 1) {
			problem = {
				field: 'associationTypeId',
				reason: `"${typeId}" is not a positive whole number`,
			};
		} else {
			type = { associationCategory: category, associationTypeId: typeId };
		}
	}
	if (problem !== undefined) return { problem };
	return { ids, type };
}

/** Creates the associations, up to 2,000 per call; shared with Queue › Flush. */
export async function sendAssociations(
	api: HubSpotApi,
	target: { fromType: string; toType: string; mode: 'default' | 'labelled' },
	rows: Array<WriteRow<Pair>>,
	settings: { batchSize: number; concurrency: number },
) {
	const { fromType, toType, mode } = target;
	const path = `/crm/v4/associations/${encodeURIComponent(fromType)}/${encodeURIComponent(toType)}/batch/${
		mode === 'default' ? 'associate/default' : 'create'
	}`;
	return await writeHubSpotBatches(api, rows, {
		batchSize: settings.batchSize,
		concurrency: settings.concurrency,
		// Associating an already associated pair changes nothing, so these calls are safe to retry.
		send: async (batch) =>
			await api.request({
				method: 'POST',
				path,
				body: {
					inputs: batch.map(({ input }) =>
						mode === 'default'
							? { from: { id: input.from }, to: { id: input.to } }
							: { from: { id: input.from }, to: { id: input.to }, types: input.types },
					),
				},
			}),
		// v4 answers carry no objectWriteTraceId: results and errors are matched by their from/to IDs.
		fallbackKey: (entry, batch) => {
			const { from, to } = idsOf(entry);
			if (from === undefined || from === null) return undefined;
			if (to === undefined || to === null) {
				return batch.find((row) => row.input.from === String(from))?.key;
			}
			const key = pairKey(from, to);
			return batch.some((row) => row.key === key) ? key : undefined;
		},
	});
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const fromType = readObjectType(this, 'fromObjectType');
	const toType = readObjectType(this, 'toObjectType');
	const mode = this.getNodeParameter('associationType', 0, 'default') as string;
	if (mode !== 'default' && mode !== 'labelled') {
		throw new NodeOperationError(
			this.getNode(),
			`Field 'associationType': "${mode}" is not default or labelled`,
		);
	}
	const batchSize = Math.min(
		ASSOCIATION_BATCH_LIMIT,
		Math.max(
			1,
			Math.floor(Number(this.getNodeParameter('options.batchSize', 0, ASSOCIATION_BATCH_LIMIT))),
		),
	);
	const concurrency = Math.max(
		1,
		Math.floor(Number(this.getNodeParameter('options.concurrency', 0, 4))),
	);

	// A failed association keeps the input's hubspot_id as it is: it names the record, not a result.
	const fail = (itemIndex: number, message: string, field?: string) =>
		failedHubSpotRow(this, itemIndex, message, { base: items[itemIndex].json, field });

	const outcomes: RowOutcome[] = [];
	const pairs = new Map<string, Pair>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const read = readPairInput(this, itemIndex, mode);
		if ('problem' in read) {
			const problem = read.problem;
			outcomes.push(fail(itemIndex, `Field '${problem.field}': ${problem.reason}`, problem.field));
			continue;
		}
		const { ids, type } = read;
		const key = pairKey(ids.fromId, ids.toId);
		const pair = pairs.get(key) ?? { from: ids.fromId, to: ids.toId, types: [], itemIndexes: [] };
		pair.itemIndexes.push(itemIndex);
		// The same pair twice is one input; labelled types of its items are combined.
		if (
			type !== undefined &&
			!pair.types.some(
				(t) =>
					t.associationTypeId === type.associationTypeId &&
					t.associationCategory === type.associationCategory,
			)
		) {
			pair.types.push(type);
		}
		pairs.set(key, pair);
	}

	const rows: Array<WriteRow<Pair>> = [...pairs].map(([key, input]) => ({ key, input }));
	const written = await sendAssociations(api, { fromType, toType, mode }, rows, {
		batchSize,
		concurrency,
	});

	for (const [key, pair] of pairs) {
		const result = written.get(key);
		for (const itemIndex of pair.itemIndexes) {
			if (result?.ok) {
				const association: IDataObject = {
					fromObjectType: fromType,
					fromId: pair.from,
					toObjectType: toType,
					toId: pair.to,
				};
				if (mode === 'labelled') association.types = pair.types as unknown as IDataObject[];
				outcomes.push({
					itemIndex,
					json: { ...items[itemIndex].json, status: 'associated', association },
				});
				continue;
			}
			outcomes.push(fail(itemIndex, result?.message ?? 'Not associated'));
		}
	}
	return outcomes;
}
