import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { chunk, mapWithConcurrency } from '../../../../shared/transport/batcher';
import { batchOptions, batchSettings } from '../common.descriptions';
import type { RowResult, WriteRow } from '../../helpers/batchWrite';
import { writeInBatches } from '../../helpers/batchWrite';
import type { HubSpotValues, MergeMode, MergeRule } from '../../helpers/mergeRules';
import {
	changedValues,
	combineRows,
	needsCurrent,
	resolveValues,
	ruleValueProblem,
} from '../../helpers/mergeRules';
import type { PropertyDefinition } from '../../helpers/properties';
import { getPropertyDefinitions, isWritable, toHubSpotValue } from '../../helpers/properties';
import type { RowOutcome } from '../../helpers/outcome';
import { failedRow } from '../../helpers/outcome';
import type { HubSpotApi } from '../../transport';
import { isFatal } from '../../transport';

export const BATCH_LIMIT = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const show = { resource: ['contact'], operation: ['upsert'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Properties',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		typeOptions: {
			resourceMapper: {
				resourceMapperMethod: 'getContactColumns',
				mode: 'add',
				fieldWords: { singular: 'property', plural: 'properties' },
				addAllFields: false,
				multiKeyMatch: false,
				supportAutoMap: true,
			},
		},
		description:
			'Contact properties to write. Automatic mapping sends every input field whose name is a writable contact property; email is required.',
		displayOptions: { show },
	},
	{
		displayName: 'Field Aliases',
		name: 'fieldAliases',
		placeholder: 'Add Alias',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		description:
			"Only with Map Automatically: input fields to send under a property's name, without an expression per item (e.g. Dedupe & Normalize's first_name → firstname). An input field already named like the property wins.",
		displayOptions: { show },
		options: [
			{
				displayName: 'Alias',
				name: 'alias',
				values: [
					{
						displayName: 'Input Field',
						name: 'inputField',
						type: 'string',
						default: '',
						required: true,
						placeholder: 'first_name',
						description: 'Name of the input field',
					},
					{
						displayName: 'Property Name or ID',
						name: 'property',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getContactPropertyOptions' },
						default: '',
						required: true,
						description:
							'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
					},
				],
			},
		],
	},
	{
		displayName: 'Merge Rules',
		name: 'mergeRules',
		placeholder: 'Add Rule',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		description:
			'How a value combines with the one already in HubSpot. Properties without a rule are overwritten.',
		displayOptions: { show },
		options: [
			{
				displayName: 'Rule',
				name: 'rule',
				values: [
					{
						displayName: 'Increment By',
						name: 'incrementBy',
						type: 'number',
						default: 1,
						description: 'Added for each input row that carries no value for this property',
					},
					{
						displayName: 'Max Entries',
						name: 'maxItems',
						type: 'number',
						default: 10,
						description: 'Oldest entries are dropped beyond this',
					},
					{
						displayName: 'Max Length',
						name: 'maxLength',
						type: 'number',
						default: 1000,
						description: 'Oldest entries are dropped until the list fits',
					},
					{
						displayName: 'Property Name or ID',
						name: 'property',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getContactPropertyOptions' },
						default: '',
						required: true,
						description:
							'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
					},
					{
						displayName: 'Rule',
						name: 'mode',
						type: 'options',
						default: 'overwrite',
						options: [
							{
								name: 'Append to List',
								value: 'append',
								description: 'Add to a	;	separated list, without repeats',
							},
							{
								name: 'Increment',
								value: 'increment',
								description: 'Add to the current number',
							},
							{
								name: 'Keep Earliest',
								value: 'min',
								description: 'Keep the earlier date (or smaller number)',
							},
							{
								name: 'Keep Latest',
								value: 'max',
								description: 'Keep the later date (or larger number)',
							},
							{
								name: 'Overwrite',
								value: 'overwrite',
								description: 'Replace the current value',
							},
							{
								name: 'Set Once',
								value: 'setOnce',
								description: 'Write only when HubSpot has no value yet',
							},
						],
					},
				],
			},
		],
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
				displayName: 'Skip Unchanged Contacts',
				name: 'detectChanges',
				type: 'boolean',
				default: true,
				description:
					'Whether to read the current contacts first (100 per call) and not write those whose values would not change. Rules other than Overwrite always read.',
			},
			...batchOptions,
		],
	},
];

interface Group {
	key: string;
	email: string;
	itemIndexes: number[];
	rows: HubSpotValues[];
}

interface Current {
	id: string;
	properties: HubSpotValues;
}

function readRules(ctx: IExecuteFunctions): MergeRule[] {
	const raw = ctx.getNodeParameter('mergeRules.rule', 0, []) as IDataObject[];
	return raw
		.filter((rule) => typeof rule.property === 'string' && rule.property !== '')
		.map((rule) => ({
			property: String(rule.property),
			mode: (rule.mode as MergeMode) ?? 'overwrite',
			incrementBy: rule.incrementBy === undefined ? undefined : Number(rule.incrementBy),
			maxItems: rule.maxItems === undefined ? undefined : Number(rule.maxItems),
			maxLength: rule.maxLength === undefined ? undefined : Number(rule.maxLength),
		}));
}

interface FieldAlias {
	inputField: string;
	property: string;
}

function readAliases(ctx: IExecuteFunctions): FieldAlias[] {
	if (ctx.getNodeParameter('columns.mappingMode', 0) !== 'autoMapInputData') return [];
	const raw = ctx.getNodeParameter('fieldAliases.alias', 0, []) as IDataObject[];
	return raw
		.map((a) => ({
			inputField: String(a.inputField ?? '').trim(),
			property: String(a.property ?? ''),
		}))
		.filter((a) => a.inputField !== '' && a.property !== '');
}

/** The properties one item maps to, as HubSpot strings. */
function mappedProperties(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	definitions: Map<string, PropertyDefinition>,
	aliases: FieldAlias[],
): HubSpotValues {
	const mode = ctx.getNodeParameter('columns.mappingMode', itemIndex) as string;
	let source: IDataObject =
		mode === 'autoMapInputData'
			? item.json
			: ((ctx.getNodeParameter('columns.value', itemIndex, {}) as IDataObject | null) ?? {});
	if (aliases.length > 0) {
		source = { ...source };
		for (const { inputField, property } of aliases)
			if (source[property] === undefined && item.json[inputField] !== undefined)
				source[property] = item.json[inputField];
	}
	const out: HubSpotValues = {};
	for (const [field, value] of Object.entries(source)) {
		const definition = definitions.get(field);
		// Auto-mapping ignores input fields that are not writable contact properties.
		if (mode === 'autoMapInputData' && (definition === undefined || !isWritable(definition)))
			continue;
		const converted = toHubSpotValue(value, definition);
		if (converted !== undefined) out[field] = converted;
	}
	return out;
}

async function readCurrent(
	api: HubSpotApi,
	groups: Group[],
	properties: string[],
	concurrency: number,
): Promise<{ current: Map<string, Current>; failed: Map<string, unknown> }> {
	const current = new Map<string, Current>();
	const failed = new Map<string, unknown>();
	let fatal: unknown;
	await mapWithConcurrency(chunk(groups, BATCH_LIMIT), concurrency, async (batch) => {
		if (fatal !== undefined) {
			for (const g of batch) failed.set(g.key, fatal);
			return;
		}
		try {
			const response = await api.sdk(
				async (client) =>
					await client.crm.contacts.batchApi.readWithHttpInfo({
						idProperty: 'email',
						properties: [...new Set(['email', ...properties])],
						propertiesWithHistory: [],
						inputs: batch.map((g) => ({ id: g.email })),
					}),
			);
			// Emails that do not exist come back as OBJECT_NOT_FOUND errors (207): those are new contacts.
			for (const record of response.body?.results ?? []) {
				const props = (record.properties ?? {}) as HubSpotValues;
				const email = String(props.email ?? '').toLowerCase();
				if (email !== '') current.set(email, { id: String(record.id), properties: props });
			}
		} catch (error) {
			if (isFatal(error)) fatal ??= error;
			for (const g of batch) failed.set(g.key, error);
		}
	});
	return { current, failed };
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const rules = readRules(this);
	const settings = batchSettings(this);
	const detectChanges = this.getNodeParameter('options.detectChanges', 0, true) as boolean;
	const outcomes: RowOutcome[] = [];

	const definitionList = await getPropertyDefinitions(api, 'contacts');
	const definitions = new Map(definitionList.map((d) => [d.name, d]));
	for (const rule of rules) {
		if (!definitions.has(rule.property)) {
			throw new NodeOperationError(
				this.getNode(),
				`Merge rule property "${rule.property}" is not a contact property in this HubSpot account`,
				{
					description:
						'Create it with Property › Ensure Group and Properties, or pick another property.',
				},
			);
		}
	}

	const aliases = readAliases(this);
	for (const alias of aliases) {
		if (!definitions.has(alias.property))
			throw new NodeOperationError(
				this.getNode(),
				`Field alias "${alias.inputField}" → "${alias.property}": "${alias.property}" is not a contact property in this HubSpot account`,
			);
	}

	const groups = new Map<string, Group>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		let row: HubSpotValues;
		try {
			row = mappedProperties(this, items[itemIndex], itemIndex, definitions, aliases);
		} catch (error) {
			// n8n's own checks of mapped values (required, type) fail one item, not the run.
			outcomes.push(failedRow(this, items, itemIndex, (error as Error).message));
			continue;
		}
		const email = String(row.email ?? '')
			.trim()
			.toLowerCase();
		const reject = (field: string, value: unknown, reason: string) =>
			outcomes.push(
				failedRow(this, items, itemIndex, `Field '${field}': ${reason}`, {
					field,
					value,
				}),
			);
		if (email === '') {
			reject('email', row.email, 'missing; contacts are upserted by email');
			continue;
		}
		if (!EMAIL.test(email)) {
			reject('email', row.email, `"${row.email}" is not a valid email address`);
			continue;
		}
		const problem = rules
			.map((rule) => ({
				rule,
				reason: ruleValueProblem(rule, row[rule.property] ?? undefined),
			}))
			.find((p) => p.reason !== undefined);
		if (problem) {
			reject(problem.rule.property, row[problem.rule.property], problem.reason!);
			continue;
		}
		row.email = email;
		let group = groups.get(email);
		if (group === undefined) {
			group = { key: String(groups.size), email, itemIndexes: [], rows: [] };
			groups.set(email, group);
		}
		group.itemIndexes.push(itemIndex);
		group.rows.push(row);
	}

	const touched = new Set<string>(rules.map((r) => r.property));
	for (const group of groups.values())
		for (const row of group.rows) for (const p of Object.keys(row)) touched.add(p);

	let current = new Map<string, Current>();
	let readFailures = new Map<string, unknown>();
	if (detectChanges || needsCurrent(rules)) {
		({ current, failed: readFailures } = await readCurrent(
			api,
			[...groups.values()],
			[...touched],
			settings.concurrency,
		));
	}

	const toWrite: Array<WriteRow<{ group: Group; properties: Record<string, string> }>> = [];
	const unchanged = new Map<string, Current>();
	for (const group of groups.values()) {
		if (readFailures.has(group.key)) continue;
		const existing = current.get(group.email);
		const next = resolveValues(combineRows(group.rows, rules), existing?.properties, rules);
		next.email = group.email;
		const changes = existing && detectChanges ? changedValues(next, existing.properties) : next;
		if (existing && detectChanges && Object.keys(changes).length === 0) {
			unchanged.set(group.key, existing);
			continue;
		}
		toWrite.push({
			key: group.key,
			input: { group, properties: { ...changes, email: group.email } },
		});
	}

	const written: Map<string, RowResult> = await writeInBatches(api, toWrite, {
		batchSize: settings.batchSize,
		concurrency: settings.concurrency,
		send: async (batch) =>
			await api.request({
				method: 'POST',
				path: '/crm/v3/objects/contacts/batch/upsert',
				body: {
					inputs: batch.map((row) => ({
						id: row.input.group.email,
						idProperty: 'email',
						objectWriteTraceId: row.key,
						properties: row.input.properties,
					})),
				},
			}),
		fallbackKey: (entry, batch) => {
			const props = entry.properties as JsonObject | undefined;
			const ids = (entry.context as JsonObject | undefined)?.id;
			const email = String(props?.email ?? (Array.isArray(ids) ? ids[0] : '') ?? '').toLowerCase();
			return batch.find((row) => row.input.group.email === email)?.key;
		},
	});

	for (const group of groups.values()) {
		for (const itemIndex of group.itemIndexes) {
			const base = { ...items[itemIndex].json, email: group.email };
			const readError = readFailures.get(group.key);
			const same = unchanged.get(group.key);
			const result = written.get(group.key);
			if (readError !== undefined) {
				outcomes.push(
					failedRow(
						this,
						items,
						itemIndex,
						// A bad token or the daily limit says it all; anything else, say which step failed.
						isFatal(readError)
							? api.toNodeError(readError).message
							: `Could not read the current contact: ${api.toNodeError(readError).message}`,
						{
							field: isFatal(readError) ? undefined : 'email',
							value: group.email,
							cause: readError,
						},
					),
				);
			} else if (same) {
				outcomes.push({
					itemIndex,
					json: { ...base, hubspot_id: same.id, status: 'unchanged' },
				});
			} else if (result?.ok) {
				const record = result.record;
				const created = record.new === true || (record as IDataObject)._new === true;
				outcomes.push({
					itemIndex,
					json: {
						...base,
						hubspot_id: String(record.id),
						status: created ? 'created' : 'updated',
					},
				});
			} else {
				outcomes.push(
					failedRow(this, items, itemIndex, result?.message ?? 'Not written', {
						field: result && !result.ok ? result.property : undefined,
						cause: result && !result.ok ? result.error : undefined,
						base,
					}),
				);
			}
		}
	}
	return outcomes;
}
