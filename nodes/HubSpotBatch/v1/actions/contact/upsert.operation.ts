import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	JsonObject,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { keyLocks } from '../../../../shared/locks';
import { normalizeEmail } from '../../../../shared/normalize/email';
import { chunk, mapWithConcurrency } from '../../../../shared/transport/batcher';
import type { CoalescedRow } from '../../../../shared/transport/coalescer';
import { coalesce, idleAfterMs, uniqueKeyPrefix } from '../../../../shared/transport/coalescer';
import { batchOptions, batchSettings } from '../common.descriptions';
import type { RowResult, WriteRow } from '../../helpers/batchWrite';
import { writeHubSpotBatches } from '../../helpers/batchWrite';
import type { HubSpotValues, MergeMode, MergeRule } from '../../helpers/mergeRules';
import {
	changedValues,
	combineRows,
	needsCurrent,
	resolveValues,
	ruleValueProblem,
} from '../../helpers/mergeRules';
import type { ContactRecord } from '../../helpers/contacts';
import { readContactsByEmail } from '../../helpers/contacts';
import type { FieldAlias } from '../../helpers/objectTypes';
import { mappedObjectProperties } from '../../helpers/objectTypes';
import type { PropertyDefinition } from '../../helpers/properties';
import { getPropertyDefinitions } from '../../helpers/properties';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import type { HubSpotApi } from '../../transport';
import { AttemptError, isFatal } from '../../transport';
import type { CanonicalSettings } from './canonical';
import {
	canonicalDescription,
	canonicalProperties,
	missingCanonicalProperties,
	readCanonicalSettings,
} from './canonical';
import {
	combineWindow,
	combineWindowOption,
	detachedSender,
	sendCombined,
	sharedDefinitions,
	sharedSettingsKey,
} from './combine';

/** Contacts per batch read, and per locked chunk. */
export const BATCH_LIMIT = 100;

const show = { resource: ['contact'], operation: ['upsert'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Custom contact properties must exist in HubSpot before they can be written. For the event-tracking ones (contact_recent_event_name and the rest), run the HubSpot setup workflow (Property › Ensure Group and Properties) once first.',
		name: 'setupNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	{
		displayName: 'Input',
		name: 'contactInput',
		type: 'options',
		noDataExpression: true,
		default: 'properties',
		options: [
			{
				name: 'Properties (Mapped Below)',
				value: 'properties',
				description: 'Map input fields or expressions to contact properties',
			},
			{
				name: 'Canonical Contact (From Dedupe & Normalize)',
				value: 'canonical',
				description:
					"Dedupe & Normalize's contact fields, mapped by the node: no expression per item",
			},
		],
		displayOptions: { show },
	},
	...canonicalDescription(show),
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
		displayOptions: { show: { ...show, contactInput: ['properties'] } },
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
		displayOptions: { show: { ...show, contactInput: ['properties'] } },
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
			'How a value combines with the one already in HubSpot. Properties without a rule are overwritten. Executions that update the same contact at the same moment take turns, so none loses an increment or an append (across queue-mode workers: turn on Coordinate Workers Through Redis).',
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
			combineWindowOption('contacts', '100 per call (reads included)'),
		],
	},
];

/** One email's rows from one execution: what it hands to a (possibly combined) write. */
interface Group extends CoalescedRow {
	email: string;
	rows: HubSpotValues[];
}

/** A group with the items of this execution it answers for. */
interface OwnGroup extends Group {
	itemIndexes: number[];
}

/** What became of one email's group. */
type GroupResult =
	| { kind: 'unchanged'; current: ContactRecord }
	| { kind: 'written'; record: JsonObject }
	| { kind: 'failed'; message: string; field?: string; error: unknown; mayHaveLanded?: boolean };

interface ContactWrite {
	email: string;
	properties: Record<string, string>;
}

/** The run's settings, read once, with the account's contact properties they name. */
interface Plan {
	rules: MergeRule[];
	aliases: FieldAlias[];
	/** Canonical Contact input: the node maps Dedupe & Normalize's fields itself. */
	canonical?: CanonicalSettings;
	definitions: Map<string, PropertyDefinition>;
	detectChanges: boolean;
	batchSize: number;
	concurrency: number;
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

const isCanonical = (ctx: IExecuteFunctions) =>
	ctx.getNodeParameter('contactInput', 0, 'properties') === 'canonical';

function readAliases(ctx: IExecuteFunctions): FieldAlias[] {
	if (isCanonical(ctx)) return [];
	if (ctx.getNodeParameter('columns.mappingMode', 0) !== 'autoMapInputData') return [];
	const raw = ctx.getNodeParameter('fieldAliases.alias', 0, []) as IDataObject[];
	return raw
		.map((a) => ({
			inputField: String(a.inputField ?? '').trim(),
			property: String(a.property ?? ''),
		}))
		.filter((a) => a.inputField !== '' && a.property !== '');
}

// ---- Step 1: the plan. A rule or alias naming a property the account lacks stops the run.

async function readPlan(ctx: IExecuteFunctions, api: HubSpotApi, shared: boolean): Promise<Plan> {
	const rules = readRules(ctx);
	const aliases = readAliases(ctx);
	const canonical = isCanonical(ctx) ? readCanonicalSettings(ctx) : undefined;
	const definitions = new Map(
		(shared
			? await sharedDefinitions(api, 'contacts')
			: await getPropertyDefinitions(api, 'contacts')
		).map((d) => [d.name, d]),
	);
	const missing = canonical ? missingCanonicalProperties(definitions) : [];
	if (missing.length > 0) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Canonical Contact writes ${missing.join(', ')}, which ${missing.length === 1 ? 'is not a contact property' : 'are not contact properties'} in this HubSpot account`,
			{
				description:
					'Run the HubSpot setup workflow (Property › Ensure Group and Properties) for the contact_* properties, create the others in HubSpot, or map the properties yourself with Input › Properties.',
			},
		);
	}
	for (const rule of rules) {
		if (!definitions.has(rule.property)) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Merge rule property "${rule.property}" is not a contact property in this HubSpot account`,
				{
					description:
						'Create it with Property › Ensure Group and Properties, or pick another property.',
				},
			);
		}
	}
	for (const alias of aliases) {
		if (!definitions.has(alias.property))
			throw new NodeOperationError(
				ctx.getNode(),
				`Field alias "${alias.inputField}" → "${alias.property}": "${alias.property}" is not a contact property in this HubSpot account`,
			);
	}
	const detectChanges = ctx.getNodeParameter('options.detectChanges', 0, true) as boolean;
	return { rules, aliases, canonical, definitions, detectChanges, ...batchSettings(ctx) };
}

// ---- Step 2: validate each item, and group the rows of one email (they merge into one write).

function validateAndGroup(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	plan: Plan,
): { groups: OwnGroup[]; rejected: RowOutcome[] } {
	const rejected: RowOutcome[] = [];
	const groups = new Map<string, OwnGroup>();
	// Keys double as objectWriteTraceId, and must not collide with other executions' in a combined call.
	const prefix = uniqueKeyPrefix();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const reject = (field: string, reason: string) =>
			rejected.push(failedItem(ctx, items, itemIndex, `Field '${field}': ${reason}`, { field }));
		let row: HubSpotValues;
		try {
			row = plan.canonical
				? canonicalProperties(items[itemIndex].json, plan.canonical, plan.definitions)
				: mappedObjectProperties(ctx, items[itemIndex], itemIndex, plan.definitions, plan.aliases);
		} catch (error) {
			// n8n's own checks of mapped values (required, type) fail one item, not the run.
			rejected.push(failedItem(ctx, items, itemIndex, (error as Error).message));
			continue;
		}
		const given = String(row.email ?? '').trim();
		if (given === '') {
			reject('email', 'missing; contacts are upserted by email');
			continue;
		}
		// The one email rule of every node (shared/normalize/email.ts), and its canonical form.
		const email = normalizeEmail(given);
		if (!email.ok) {
			reject('email', `"${given}" is not a valid email address`);
			continue;
		}
		const problem = plan.rules
			.map((rule) => ({ rule, reason: ruleValueProblem(rule, row[rule.property] ?? undefined) }))
			.find((p) => p.reason !== undefined);
		if (problem) {
			reject(problem.rule.property, problem.reason!);
			continue;
		}
		row.email = email.value;
		let group = groups.get(email.value);
		if (group === undefined) {
			group = { key: `${prefix}${groups.size}`, email: email.value, itemIndexes: [], rows: [] };
			groups.set(email.value, group);
		}
		group.itemIndexes.push(itemIndex);
		group.rows.push(row);
	}
	return { groups: [...groups.values()], rejected };
}

// ---- Step 3: read the current contacts (100 per call). Emails HubSpot does not know are new contacts.

const needsRead = (plan: Plan) => plan.detectChanges || needsCurrent(plan.rules);

async function readCurrent(
	api: HubSpotApi,
	batch: Group[],
	plan: Plan,
): Promise<Map<string, ContactRecord>> {
	if (!needsRead(plan)) return new Map();
	const touched = new Set<string>(plan.rules.map((r) => r.property));
	for (const group of batch)
		for (const row of group.rows) for (const p of Object.keys(row)) touched.add(p);
	return await readContactsByEmail(
		api,
		batch.map((g) => g.email),
		[...touched],
	);
}

// ---- Step 4: resolve the merge rules against the current values, and keep what would change.

function resolveChanges(
	batch: Group[],
	current: Map<string, ContactRecord>,
	plan: Plan,
): { writes: Array<WriteRow<ContactWrite>>; unchanged: Map<string, ContactRecord> } {
	const writes: Array<WriteRow<ContactWrite>> = [];
	const unchanged = new Map<string, ContactRecord>();
	for (const group of batch) {
		const existing = current.get(group.email);
		const next = resolveValues(
			combineRows(group.rows, plan.rules),
			existing?.properties,
			plan.rules,
		);
		next.email = group.email;
		const compare = existing !== undefined && plan.detectChanges;
		const changes = compare ? changedValues(next, existing.properties) : next;
		if (compare && Object.keys(changes).length === 0) {
			unchanged.set(group.key, existing);
			continue;
		}
		writes.push({
			key: group.key,
			input: { email: group.email, properties: { ...changes, email: group.email } },
		});
	}
	return { writes, unchanged };
}

// ---- Step 5: write the changes (batch upsert by email), through the batch core.

async function writeContacts(
	api: HubSpotApi,
	writes: Array<WriteRow<ContactWrite>>,
	plan: Plan,
): Promise<Map<string, RowResult<JsonObject>>> {
	return await writeHubSpotBatches(api, writes, {
		batchSize: plan.batchSize,
		// Chunks already run in parallel (Parallel Requests); their batches go one at a time.
		concurrency: 1,
		send: async (batch) =>
			await api.request({
				method: 'POST',
				path: '/crm/v3/objects/contacts/batch/upsert',
				body: {
					inputs: batch.map((row) => ({
						id: row.input.email,
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
			return batch.find((row) => row.input.email === email)?.key;
		},
	});
}

/** Steps 3 to 5 for one chunk of emails. */
async function upsertChunk(
	api: HubSpotApi,
	batch: Group[],
	plan: Plan,
): Promise<Map<string, GroupResult>> {
	const results = new Map<string, GroupResult>();
	let current: Map<string, ContactRecord>;
	try {
		current = await readCurrent(api, batch, plan);
	} catch (error) {
		// A bad token or the daily limit says it all; anything else, say which step failed.
		const message = api.toNodeError(error).message;
		const fatal = isFatal(error);
		for (const group of batch)
			results.set(group.key, {
				kind: 'failed',
				message: fatal ? message : `Could not read the current contact: ${message}`,
				field: fatal ? undefined : 'email',
				error,
			});
		return results;
	}
	const { writes, unchanged } = resolveChanges(batch, current, plan);
	for (const [key, existing] of unchanged)
		results.set(key, { kind: 'unchanged', current: existing });
	const written = await writeContacts(api, writes, plan);
	for (const [key, result] of written) {
		results.set(
			key,
			result.ok
				? { kind: 'written', record: result.value }
				: {
						kind: 'failed',
						message: result.message,
						field: result.field,
						error: result.error,
						// The merge rules' values were computed from a read: a write that may have landed
						// must not be redone from a fresh read (it would increment twice).
						mayHaveLanded:
							result.uncertain === true ||
							(result.error instanceof AttemptError && result.error.outcomeUnknown),
					},
		);
	}
	return results;
}

/**
 * Steps 3 to 5, per chunk of 100 emails. A chunk that reads holds its emails' locks from the read to
 * the write: two executions for one email (two webhooks at once, two queue-mode workers through
 * Redis) take turns, so neither loses the other's increment or append.
 */
async function upsertGroups(
	api: HubSpotApi,
	groups: Group[],
	plan: Plan,
): Promise<Map<string, GroupResult>> {
	const locks = keyLocks(`hubspot:${api.limiterKey}:contact`, api.redis);
	const results = new Map<string, GroupResult>();
	// A bad token or the daily limit: chunks not yet sent are not sent.
	let fatal: unknown;
	const failAll = (batch: Group[], error: unknown) => {
		const message = api.toNodeError(error).message;
		for (const group of batch) results.set(group.key, { kind: 'failed', message, error });
	};
	await mapWithConcurrency(chunk(groups, BATCH_LIMIT), plan.concurrency, async (batch) => {
		if (fatal !== undefined) return failAll(batch, fatal);
		let outcome: Map<string, GroupResult>;
		try {
			const emails = batch.map((g) => g.email);
			const section = async () => await upsertChunk(api, batch, plan);
			// Without a read there is nothing another execution could invalidate.
			outcome = needsRead(plan) ? await locks.run(emails, section) : await section();
		} catch (error) {
			// The locks could not be taken (another execution held them too long, Redis unreachable).
			return failAll(batch, error);
		}
		for (const [key, result] of outcome) {
			results.set(key, result);
			if (result.kind === 'failed' && isFatal(result.error)) fatal ??= result.error;
		}
	});
	return results;
}

// ---- Step 6: report each item: unchanged, created or updated with its HubSpot ID, or why not.

function report(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	groups: OwnGroup[],
	results: Map<string, GroupResult>,
): RowOutcome[] {
	const outcomes: RowOutcome[] = [];
	for (const group of groups) {
		const result = results.get(group.key);
		for (const itemIndex of group.itemIndexes) {
			const base = { ...items[itemIndex].json, email: group.email };
			if (result?.kind === 'unchanged') {
				outcomes.push({
					itemIndex,
					json: { ...base, hubspot_id: result.current.id, status: 'unchanged' },
				});
			} else if (result?.kind === 'written') {
				const record = result.record;
				const created = record.new === true || (record as IDataObject)._new === true;
				outcomes.push({
					itemIndex,
					json: { ...base, hubspot_id: String(record.id), status: created ? 'created' : 'updated' },
				});
			} else {
				outcomes.push(
					failedItem(ctx, items, itemIndex, result?.message ?? 'Not written', {
						field: result?.field,
						base,
						mayHaveLanded: result?.kind === 'failed' && result.mayHaveLanded,
					}),
				);
			}
		}
	}
	return outcomes;
}

/**
 * Steps 3 to 5 for the groups of one or more executions (combined). A contact that several
 * executions submit is written once per execution, one after another: each write reads what the
 * previous one left, so every execution's increment and append land once, and a value HubSpot
 * refuses fails only the execution that sent it. With `later` (combining on), the second and later
 * writes of a contact join the next combined batch instead of costing calls of their own.
 */
async function upsertSubmitted(
	api: HubSpotApi,
	submitted: Group[],
	plan: Plan,
	later?: (groups: Group[]) => Promise<Map<string, GroupResult>>,
): Promise<Map<string, GroupResult>> {
	const rounds: Group[][] = [];
	const seen = new Map<string, number>();
	for (const group of submitted) {
		const round = seen.get(group.email) ?? 0;
		seen.set(group.email, round + 1);
		(rounds[round] ??= []).push(group);
	}
	if (later !== undefined && rounds.length > 1) {
		const results = await upsertSubmitted(api, rounds[0], plan);
		// Sent only after this batch's write of the same contacts has been answered.
		for (const [key, result] of await later(rounds.slice(1).flat())) results.set(key, result);
		return results;
	}
	const results = new Map<string, GroupResult>();
	let fatal: unknown;
	for (const round of rounds) {
		if (fatal !== undefined) {
			const message = api.toNodeError(fatal).message;
			for (const group of round) results.set(group.key, { kind: 'failed', message, error: fatal });
			continue;
		}
		for (const [key, result] of await upsertGroups(api, round, plan)) {
			results.set(key, result);
			if (result.kind === 'failed' && isFatal(result.error)) fatal ??= result.error;
		}
	}
	return results;
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
): Promise<RowOutcome[]> {
	const lingerMs = combineWindow(this);
	// Combined calls carry other executions' contacts: they are sent apart from this one's Stop.
	const sender = lingerMs > 0 ? await detachedSender(this, api) : api;
	const plan = await readPlan(this, sender, lingerMs > 0);
	const { groups, rejected } = validateAndGroup(this, items, plan);
	// Only executions with the same account, settings and rules share a call.
	const groupKey = [
		'contact-upsert',
		sharedSettingsKey(api, plan),
		plan.detectChanges,
		JSON.stringify(plan.rules),
	].join('|');
	const combined = {
		lingerMs,
		maxRows: plan.batchSize,
		// A contact's second write waits for the next batch, so a batch is full at batchSize contacts.
		sendKey: (group: Group) => group.email,
		flush: async (submitted: Group[]): Promise<Map<string, GroupResult>> =>
			await upsertSubmitted(
				sender,
				submitted,
				plan,
				async (again) =>
					// Not tied to any execution's Stop: these rows are already on their way.
					await coalesce(groupKey, again, { ...combined, idleMs: idleAfterMs(lingerMs) }),
			),
	};
	const results =
		groups.length === 0
			? new Map<string, GroupResult>()
			: await sendCombined(
					this,
					api,
					groupKey,
					groups.map(({ key, email, rows }): Group => ({ key, email, rows })),
					combined,
				);
	return [...rejected, ...report(this, items, groups, results)];
}
