import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { normalizeEmail } from '../../../../shared/normalize/email';
import { chunk } from '../../../../shared/transport/batcher';
import type { CoalescedRow } from '../../../../shared/transport/coalescer';
import { uniqueKeyPrefix } from '../../../../shared/transport/coalescer';
import { readContactsByEmail } from '../../helpers/contacts';
import type { HubSpotList } from '../../helpers/lists';
import { findListByName, findOrCreateList, findOrCreateListOnce } from '../../helpers/lists';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import type { HubSpotApi } from '../../transport';
import { isFatal } from '../../transport';
import { batchOptions, batchSettings } from '../common.descriptions';
import { ParameterReader } from '../../../../shared/parameters';
import {
	combineWindow,
	combineWindowOption,
	detachedSender,
	sendCombined,
	sharedSettingsKey,
} from '../contact/combine';
import { DEFAULT_LIST_TEMPLATE, fillTemplate, parseTemplate } from './template';

export const DEFAULT_LIST_NAME =
	"=Event Registrations - {{ $json.event_name }} - {{ String($json.event_date ?? '').slice(0, 10) }}";

/** The parameters Add Members and Remove Members share. */
export function membersDescription(operation: 'addMembers' | 'removeMembers'): INodeProperties[] {
	const show = { resource: ['list'], operation: [operation] };
	return [
		{
			displayName: 'List',
			name: 'listBy',
			type: 'options',
			default: 'name',
			options: [
				{
					name: 'By Name',
					value: 'name',
					description: 'Evaluated per item: items can go to different lists',
				},
				{
					name: 'By Name Template',
					value: 'template',
					description:
						'A name with {field} placeholders the node fills from each item, without an expression: items can go to different lists',
				},
				{ name: 'By ID', value: 'id' },
			],
			displayOptions: { show },
		},
		{
			displayName: 'List Name Template',
			name: 'listNameTemplate',
			type: 'string',
			default: DEFAULT_LIST_TEMPLATE,
			required: true,
			placeholder: DEFAULT_LIST_TEMPLATE,
			description:
				"{field} is replaced by the item's field (a.b for a nested one), {field:date} by the calendar day (YYYY-MM-DD) of a date. An item missing a field it names fails, naming the field.",
			displayOptions: { show: { ...show, listBy: ['template'] } },
		},
		{
			displayName: 'List Name',
			name: 'listName',
			type: 'string',
			default: DEFAULT_LIST_NAME,
			required: true,
			description:
				'By default one list per event: Event Registrations - {event_name} - {YYYY-MM-DD}',
			displayOptions: { show: { ...show, listBy: ['name'] } },
		},
		{
			displayName: 'List',
			name: 'listId',
			type: 'resourceLocator',
			default: { mode: 'list', value: '' },
			required: true,
			description: 'A contact list whose members can be edited (manual or snapshot)',
			modes: [
				{
					displayName: 'From List',
					name: 'list',
					type: 'list',
					typeOptions: { searchListMethod: 'searchLists', searchable: true },
				},
				{
					displayName: 'By ID',
					name: 'id',
					type: 'string',
					placeholder: '123',
					hint: 'The number at the end of the list URL in HubSpot',
					validation: [
						{
							type: 'regex',
							properties: { regex: '^\\d+$', errorMessage: 'A list ID is digits only' },
						},
					],
				},
			],
			displayOptions: { show: { ...show, listBy: ['id'] } },
		},
		...(operation === 'addMembers'
			? [
					{
						displayName: 'Create List If Missing',
						name: 'createIfMissing',
						type: 'boolean',
						default: true,
						description: 'Whether to create a MANUAL contact list with this name when none exists',
						displayOptions: { show: { ...show, listBy: ['name', 'template'] } },
					} satisfies INodeProperties,
				]
			: []),
		{
			displayName: 'Identify Contacts By',
			name: 'identifyBy',
			type: 'options',
			default: 'recordId',
			options: [
				{
					name: 'Record ID',
					value: 'recordId',
					description: 'The HubSpot ID, e.g. hubspot_id from Contact › Upsert',
				},
				{
					name: 'Record ID in Input Field',
					value: 'recordIdField',
					description:
						'The HubSpot ID read by the node from a field of the item (hubspot_id from Contact › Upsert), without an expression',
				},
				{
					name: 'Email',
					value: 'email',
					description: 'Looked up with a batch read, 100 per call',
				},
			],
			displayOptions: { show },
		},
		{
			displayName: 'Record ID',
			name: 'recordId',
			type: 'string',
			default: '={{ $json.hubspot_id }}',
			required: true,
			displayOptions: { show: { ...show, identifyBy: ['recordId'] } },
		},
		{
			displayName: 'Record ID Field',
			name: 'recordIdField',
			type: 'string',
			default: 'hubspot_id',
			required: true,
			description: 'Name of the input field that holds the HubSpot record ID',
			displayOptions: { show: { ...show, identifyBy: ['recordIdField'] } },
		},
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '={{ $json.email }}',
			required: true,
			displayOptions: { show: { ...show, identifyBy: ['email'] } },
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			displayOptions: { show },
			options:
				operation === 'addMembers'
					? [
							...batchOptions,
							combineWindowOption('list members', 'in one call per list (100 IDs per call)'),
						]
					: batchOptions,
		},
	];
}

type ListBy = 'name' | 'template' | 'id';

/** One item's membership change, as handed to a (possibly combined) call. */
interface Entry extends CoalescedRow {
	listKey: string;
	recordId?: string;
	email?: string;
	/** Where the record ID came from, to name in a "no such contact" error. */
	idField: string;
}

interface OwnEntry extends Entry {
	itemIndex: number;
}

type MemberResult =
	| {
			ok: true;
			list: HubSpotList;
			recordId: string;
			status: 'added' | 'already_member' | 'removed' | 'not_member';
	  }
	| { ok: false; message: string; field?: string; list?: HubSpotList };

/** What every entry of one call shares (the same for all executions combined into it). */
interface MemberSettings {
	operation: 'add' | 'remove';
	listBy: ListBy;
	createIfMissing: boolean;
	batchSize: number;
	/** Combined: the sender is detached from any one execution, so a list look-up can be shared. */
	shared: boolean;
}

const NAME_FIELD: Record<ListBy, string> = {
	name: 'listName',
	template: 'listNameTemplate',
	id: 'listId',
};

/** Each item's list and record, checked; items that cannot be used fail here, naming the field. */
function readEntries(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	listBy: ListBy,
): { entries: OwnEntry[]; outcomes: RowOutcome[] } {
	const outcomes: RowOutcome[] = [];
	const entries: OwnEntry[] = [];
	const identifyBy = ctx.getNodeParameter('identifyBy', 0) as
		| 'recordId'
		| 'recordIdField'
		| 'email';
	const parameters = new ParameterReader(ctx);
	// Keys must not collide with other executions' entries in a combined call.
	const prefix = uniqueKeyPrefix();
	let template: string | undefined;
	if (listBy === 'template') {
		template = String(ctx.getNodeParameter('listNameTemplate', 0, '') ?? '').trim();
		const parsed = parseTemplate(template);
		if (typeof parsed === 'string')
			throw new NodeOperationError(ctx.getNode(), `Field 'listNameTemplate': ${parsed}`);
	}
	const recordIdField =
		identifyBy === 'recordIdField'
			? String(ctx.getNodeParameter('recordIdField', 0, 'hubspot_id') ?? '').trim()
			: '';
	if (identifyBy === 'recordIdField' && recordIdField === '')
		throw new NodeOperationError(ctx.getNode(), "Field 'recordIdField': empty");

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const fail = (field: string, reason: string) =>
			outcomes.push(
				failedItem(ctx, items, itemIndex, `Field '${field}': ${reason}`, {
					field,
				}),
			);
		let listKey: string;
		if (template !== undefined) {
			const filled = fillTemplate(template, items[itemIndex].json);
			if (!filled.ok) {
				fail(filled.field, `${filled.reason} (List Name Template "${template}")`);
				continue;
			}
			listKey = filled.name;
		} else {
			listKey = String(
				listBy === 'name'
					? parameters.get('listName', itemIndex, '')
					: (ctx.getNodeParameter('listId', itemIndex, '', { extractValue: true }) ?? ''),
			).trim();
		}
		if (listKey === '') {
			fail(NAME_FIELD[listBy], 'empty');
			continue;
		}
		// It goes into the URL path: HubSpot list IDs are digits.
		if (listBy === 'id' && !/^\d+$/.test(listKey)) {
			fail('listId', `"${listKey.slice(0, 64)}" is not a HubSpot list ID (digits only)`);
			continue;
		}
		if (listBy === 'name' && /\s-\s*$/.test(listKey)) {
			fail(
				'listName',
				`"${listKey}" ends with an empty part; does the item have event_name and event_date?`,
			);
			continue;
		}
		const key = `${prefix}${itemIndex}`;
		if (identifyBy === 'recordId' || identifyBy === 'recordIdField') {
			const field = identifyBy === 'recordId' ? 'recordId' : recordIdField;
			const raw =
				identifyBy === 'recordId'
					? parameters.get('recordId', itemIndex, '')
					: items[itemIndex].json[recordIdField];
			const recordId = String(raw ?? '').trim();
			if (!/^\d+$/.test(recordId)) {
				fail(
					field,
					recordId === '' || recordId === 'null'
						? identifyBy === 'recordId'
							? 'empty; map the HubSpot record ID (e.g. {{ $json.hubspot_id }})'
							: 'empty; the item has no HubSpot record ID in this field'
						: `"${recordId.slice(0, 64)}" is not a HubSpot record ID`,
				);
				continue;
			}
			entries.push({ key, itemIndex, listKey, recordId, idField: field });
		} else {
			const raw = String(parameters.get('email', itemIndex, '') ?? '').trim();
			const email = normalizeEmail(raw);
			if (!email.ok) {
				fail('email', raw === '' ? 'empty' : `"${raw}" is not a valid email address`);
				continue;
			}
			entries.push({ key, itemIndex, listKey, email: email.value, idField: 'recordId' });
		}
	}
	return { entries, outcomes };
}

async function listFor(
	api: HubSpotApi,
	listKey: string,
	settings: MemberSettings,
): Promise<HubSpotList | undefined> {
	if (settings.listBy === 'id') return { listId: listKey, name: '', processingType: '' };
	if (!settings.createIfMissing) return await findListByName(api, listKey);
	// Combined calls for one name at the same moment share one look-up (and at most one create).
	return settings.shared
		? (await findOrCreateListOnce(api, listKey)).list
		: (await findOrCreateList(api, listKey)).list;
}

/**
 * The membership changes of one or more executions (combined): emails looked up 100 per call, each
 * list found (or created) once, its IDs sent `batchSize` per call. A result per entry key.
 */
async function applyMembers(
	api: HubSpotApi,
	entries: Entry[],
	settings: MemberSettings,
): Promise<Map<string, MemberResult>> {
	const { operation, batchSize } = settings;
	const results = new Map<string, MemberResult>();
	const byEmail = entries.filter((e) => e.recordId === undefined && e.email !== undefined);
	const found =
		byEmail.length > 0
			? await readContactsByEmail(
					api,
					byEmail.map((e) => e.email!),
					[],
					batchSize,
				)
			: new Map();

	const byList = new Map<string, Array<Entry & { recordId: string }>>();
	for (const entry of entries) {
		const recordId = entry.recordId ?? (entry.email ? found.get(entry.email)?.id : undefined);
		if (recordId === undefined) {
			results.set(entry.key, {
				ok: false,
				message: `Field 'email': no HubSpot contact has the email ${entry.email}`,
				field: 'email',
			});
			continue;
		}
		byList.set(entry.listKey, [...(byList.get(entry.listKey) ?? []), { ...entry, recordId }]);
	}

	let fatal: unknown;
	for (const [listKey, group] of byList) {
		const report = (error: unknown) => {
			if (isFatal(error)) fatal ??= error;
			const message = api.toNodeError(error).message;
			for (const e of group) results.set(e.key, { ok: false, message });
		};
		if (fatal !== undefined) {
			report(fatal);
			continue;
		}
		let list: HubSpotList | undefined;
		try {
			list = await listFor(api, listKey, settings);
		} catch (error) {
			report(error);
			continue;
		}
		if (list === undefined) {
			const field = NAME_FIELD[settings.listBy];
			for (const e of group)
				results.set(e.key, {
					ok: false,
					message: `Field '${field}': no HubSpot list is named "${listKey}"`,
					field,
				});
			continue;
		}
		const ids = [...new Set(group.map((e) => e.recordId))];
		const changed = new Set<string>();
		const missing = new Set<string>();
		let failure: unknown;
		for (const batch of chunk(ids, batchSize)) {
			try {
				// Raw JSON: HubSpot's spec (and the SDK model) says recordsIdsAdded, other sources
				// recordIdsAdded; the typed model would drop the one it does not know.
				const response = await api.request<IDataObject>({
					method: 'PUT',
					path: `/crm/v3/lists/${encodeURIComponent(list.listId)}/memberships/${operation}`,
					body: batch,
				});
				const body = response.body ?? {};
				const done =
					operation === 'add'
						? (body.recordsIdsAdded ?? body.recordIdsAdded)
						: body.recordIdsRemoved;
				for (const id of (done ?? []) as unknown[]) changed.add(String(id));
				for (const id of (body.recordIdsMissing ?? []) as unknown[]) missing.add(String(id));
			} catch (error) {
				failure = error;
				break;
			}
		}
		if (failure !== undefined) {
			report(failure);
			continue;
		}
		for (const e of group) {
			if (operation === 'add' && missing.has(e.recordId)) {
				results.set(e.key, {
					ok: false,
					message: `Field '${e.idField}': HubSpot has no contact ${e.recordId}`,
					field: e.idField,
					list,
				});
				continue;
			}
			const status =
				operation === 'add'
					? changed.has(e.recordId)
						? 'added'
						: 'already_member'
					: changed.has(e.recordId)
						? 'removed'
						: 'not_member';
			// Several items with one contact: the first one added it, the rest find it there.
			if (changed.has(e.recordId)) changed.delete(e.recordId);
			results.set(e.key, { ok: true, list, recordId: e.recordId, status });
		}
	}
	return results;
}

export async function changeMembers(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
	operation: 'add' | 'remove',
): Promise<RowOutcome[]> {
	const { batchSize, concurrency } = batchSettings(this);
	const listBy = this.getNodeParameter('listBy', 0) as ListBy;
	const { entries, outcomes } = readEntries(this, items, listBy);
	const lingerMs = operation === 'add' ? combineWindow(this) : 0;
	const settings: MemberSettings = {
		operation,
		listBy,
		createIfMissing:
			operation === 'add' &&
			listBy !== 'id' &&
			(this.getNodeParameter('createIfMissing', 0, true) as boolean),
		batchSize,
		shared: lingerMs > 0,
	};

	let results: Map<string, MemberResult>;
	if (entries.length === 0) {
		results = new Map();
	} else if (lingerMs <= 0) {
		results = await applyMembers(api, entries, settings);
	} else {
		// One group per list: its IDs go out together when the window ends or a call's worth is there.
		const sender = await detachedSender(this, api);
		const base = [
			'list-members',
			sharedSettingsKey(api, { batchSize, concurrency }),
			operation,
			listBy,
			settings.createIfMissing,
		].join('|');
		const perList = new Map<string, Entry[]>();
		for (const { key, listKey, recordId, email, idField } of entries) {
			const entry: Entry = { key, listKey, recordId, email, idField };
			perList.set(listKey, [...(perList.get(listKey) ?? []), entry]);
		}
		results = new Map();
		const answers = await Promise.all(
			[...perList].map(
				async ([listKey, rows]) =>
					await sendCombined(this, api, `${base}|${listKey}`, rows, {
						lingerMs,
						maxRows: batchSize,
						flush: async (combined) => await applyMembers(sender, combined, settings),
					}),
			),
		);
		for (const answer of answers) for (const [key, result] of answer) results.set(key, result);
	}

	for (const e of entries) {
		const result = results.get(e.key);
		if (result?.ok) {
			outcomes.push({
				itemIndex: e.itemIndex,
				json: {
					...items[e.itemIndex].json,
					list_id: result.list.listId,
					list_name: result.list.name || undefined,
					hubspot_id: result.recordId,
					list_status: result.status,
				},
			});
			continue;
		}
		const base = result?.list
			? {
					...items[e.itemIndex].json,
					list_id: result.list.listId,
					list_name: result.list.name || undefined,
				}
			: undefined;
		outcomes.push(
			failedItem(this, items, e.itemIndex, result?.message ?? 'Not written', {
				field: result?.field,
				base,
			}),
		);
	}
	return outcomes;
}
