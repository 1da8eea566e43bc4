import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { RowOutcome } from '../../../../shared/batch/outcomes';
import { failedRow, fieldError } from '../../../../shared/batch/outcomes';
import type { FatalGate } from '../../helpers/items';
import { highLevelFailure, processItems } from '../../helpers/items';
import { parseTagList } from '../../helpers/tags';
import type { HighLevelApi } from '../../transport';
import { contactIdProblem } from '../../transport';
import { concurrencyOf, requestOptions } from '../common.descriptions';

type TagOperation = 'addTags' | 'removeTags';

export function tagDescription(operation: TagOperation): INodeProperties[] {
	const show = { resource: ['contact'], operation: [operation] };
	const adding = operation === 'addTags';
	return [
		{
			displayName: 'Contact',
			name: 'contactId',
			type: 'resourceLocator',
			default: { __rl: true, mode: 'id', value: '={{ $json.contact_id }}' },
			required: true,
			description: 'The HighLevel contact to change',
			displayOptions: { show },
			modes: [
				{
					displayName: 'From List',
					name: 'list',
					type: 'list',
					typeOptions: { searchListMethod: 'searchContacts', searchable: true },
				},
				{
					displayName: 'By ID',
					name: 'id',
					type: 'string',
					placeholder: 'e.g. ocQHyuzHvysMo5N5VsXc',
					validation: [
						{
							type: 'regex',
							properties: {
								regex: '^[A-Za-z0-9]{1,64}$',
								errorMessage: 'A HighLevel contact ID is 1 to 64 letters and digits',
							},
						},
					],
				},
			],
		},
		{
			displayName: 'Tags',
			name: 'tags',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'webinar-attended, vip',
			description: adding
				? 'Tags to add, comma-separated (or an expression giving an array). Tags the contact already has are kept once; HighLevel stores tags lowercased.'
				: 'Tags to remove, comma-separated (or an expression giving an array). Tags the contact does not have are ignored.',
			displayOptions: { show },
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			displayOptions: { show },
			options: [...requestOptions],
		},
	];
}

/** A failed HighLevel call as the item's outcome (see highLevelFailure). */
export function itemFailure(
	ctx: IExecuteFunctions,
	api: HighLevelApi,
	gate: FatalGate,
	itemIndex: number,
	error: unknown,
	base: IDataObject,
): RowOutcome {
	const { message, field, cause } = highLevelFailure(api, gate, itemIndex, error);
	return failedRow(ctx, itemIndex, message, { field, base, cause });
}

/** Contact › Add Tags / Remove Tags: one call per item (POST or DELETE /contacts/{id}/tags). */
export async function executeTags(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HighLevelApi,
	operation: TagOperation,
): Promise<RowOutcome[]> {
	const adding = operation === 'addTags';
	return await processItems(ctx, items.length, concurrencyOf(ctx), async (itemIndex, gate) => {
		const contactId = String(
			ctx.getNodeParameter('contactId', itemIndex, '', { extractValue: true }) ?? '',
		).trim();
		const tags = parseTagList(ctx.getNodeParameter('tags', itemIndex, '') as unknown) ?? [];
		const base = {
			contact_id: contactId || null,
			[adding ? 'tags_added' : 'tags_removed']: tags,
		};
		const idProblem = contactIdProblem(contactId);
		if (idProblem !== undefined)
			return failedRow(ctx, itemIndex, fieldError('contactId', idProblem), {
				field: 'contactId',
				base,
			});
		if (tags.length === 0)
			return failedRow(ctx, itemIndex, fieldError('tags', 'no tags given'), {
				field: 'tags',
				base,
			});
		if (gate.error !== undefined) return failedRow(ctx, itemIndex, gate.error.message, { base });
		try {
			const now = adding
				? await api.addTags(contactId, tags)
				: await api.removeTags(contactId, tags);
			return { itemIndex, json: { ...base, tags: now ?? null } };
		} catch (error) {
			return itemFailure(ctx, api, gate, itemIndex, error, base);
		}
	});
}
