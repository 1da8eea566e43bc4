import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { normalizeEmail } from '../../../../shared/normalize/email';
import { chunk } from '../../../../shared/transport/batcher';
import { readContactsByEmail } from '../../helpers/contacts';
import type { HubSpotList } from '../../helpers/lists';
import { findListByName, findOrCreateList } from '../../helpers/lists';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import type { HubSpotApi } from '../../transport';
import { isFatal } from '../../transport';
import { batchOptions, batchSettings } from '../common.descriptions';
import { ParameterReader } from '../../../../shared/parameters';

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
				{ name: 'By ID', value: 'id' },
			],
			displayOptions: { show },
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
						displayOptions: { show: { ...show, listBy: ['name'] } },
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
			options: batchOptions,
		},
	];
}

interface Entry {
	itemIndex: number;
	listKey: string;
	recordId?: string;
	email?: string;
}

export async function changeMembers(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HubSpotApi,
	operation: 'add' | 'remove',
): Promise<RowOutcome[]> {
	const { batchSize } = batchSettings(this);
	const outcomes: RowOutcome[] = [];
	const listBy = this.getNodeParameter('listBy', 0) as 'name' | 'id';
	const identifyBy = this.getNodeParameter('identifyBy', 0) as 'recordId' | 'email';
	const entries: Entry[] = [];
	const parameters = new ParameterReader(this);

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const fail = (field: string, reason: string) =>
			outcomes.push(
				failedItem(this, items, itemIndex, `Field '${field}': ${reason}`, {
					field,
				}),
			);
		const listKey = String(
			listBy === 'name'
				? parameters.get('listName', itemIndex, '')
				: (this.getNodeParameter('listId', itemIndex, '', { extractValue: true }) ?? ''),
		).trim();
		if (listKey === '') {
			fail(listBy === 'name' ? 'listName' : 'listId', 'empty');
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
		if (identifyBy === 'recordId') {
			const recordId = String(parameters.get('recordId', itemIndex, '') ?? '').trim();
			if (!/^\d+$/.test(recordId)) {
				fail(
					'recordId',
					recordId === '' || recordId === 'null'
						? 'empty; map the HubSpot record ID (e.g. {{ $json.hubspot_id }})'
						: `"${recordId}" is not a HubSpot record ID`,
				);
				continue;
			}
			entries.push({ itemIndex, listKey, recordId });
		} else {
			const raw = String(parameters.get('email', itemIndex, '') ?? '').trim();
			const email = normalizeEmail(raw);
			if (!email.ok) {
				fail('email', raw === '' ? 'empty' : `"${raw}" is not a valid email address`);
				continue;
			}
			entries.push({ itemIndex, listKey, email: email.value });
		}
	}

	if (identifyBy === 'email' && entries.length > 0) {
		const contacts = await readContactsByEmail(
			api,
			entries.map((e) => e.email!),
			[],
			batchSize,
		);
		for (const entry of entries) entry.recordId = contacts.get(entry.email!)?.id;
	}

	const byList = new Map<string, Entry[]>();
	for (const entry of entries) {
		if (entry.recordId === undefined) {
			outcomes.push(
				failedItem(
					this,
					items,
					entry.itemIndex,
					`Field 'email': no HubSpot contact has the email ${entry.email}`,
					{
						field: 'email',
					},
				),
			);
			continue;
		}
		byList.set(entry.listKey, [...(byList.get(entry.listKey) ?? []), entry]);
	}

	const createIfMissing =
		operation === 'add' &&
		listBy === 'name' &&
		(this.getNodeParameter('createIfMissing', 0, true) as boolean);
	let fatal: unknown;
	for (const [listKey, group] of byList) {
		const report = (error: unknown) => {
			if (isFatal(error)) fatal ??= error;
			const message = api.toNodeError(error).message;
			for (const e of group) outcomes.push(failedItem(this, items, e.itemIndex, message));
		};
		if (fatal !== undefined) {
			report(fatal);
			continue;
		}
		let list: HubSpotList | undefined;
		try {
			if (listBy === 'id') list = { listId: listKey, name: '', processingType: '' };
			else if (createIfMissing) list = (await findOrCreateList(api, listKey)).list;
			else list = await findListByName(api, listKey);
		} catch (error) {
			report(error);
			continue;
		}
		if (list === undefined) {
			for (const e of group) {
				outcomes.push(
					failedItem(
						this,
						items,
						e.itemIndex,
						`Field 'listName': no HubSpot list is named "${listKey}"`,
						{
							field: 'listName',
						},
					),
				);
			}
			continue;
		}
		const ids = [...new Set(group.map((e) => e.recordId!))];
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
			const base = {
				...items[e.itemIndex].json,
				list_id: list.listId,
				list_name: list.name || undefined,
			};
			if (operation === 'add' && missing.has(e.recordId!)) {
				outcomes.push(
					failedItem(
						this,
						items,
						e.itemIndex,
						`Field 'recordId': HubSpot has no contact ${e.recordId}`,
						{
							field: 'recordId',
							base,
						},
					),
				);
				continue;
			}
			const status =
				operation === 'add'
					? changed.has(e.recordId!)
						? 'added'
						: 'already_member'
					: changed.has(e.recordId!)
						? 'removed'
						: 'not_member';
			// Several items with one contact: the first one added it, the rest find it there.
			if (changed.has(e.recordId!)) changed.delete(e.recordId!);
			outcomes.push({
				itemIndex: e.itemIndex,
				json: { ...base, hubspot_id: e.recordId, list_status: status },
			});
		}
	}
	return outcomes;
}
