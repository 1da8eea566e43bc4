import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { RowOutcome } from '../../../../shared/batch/outcomes';
import { failedRow, fieldError } from '../../../../shared/batch/outcomes';
import { normalizeEmail } from '../../../../shared/normalize/email';
import { emailProblem, processItems } from '../../helpers/items';
import type { HighLevelApi } from '../../transport';
import { concurrencyOf, requestOptions } from '../common.descriptions';
import { itemFailure } from './common';

const show = { resource: ['contact'], operation: ['findByEmail'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '={{ $json.email }}',
		required: true,
		description: 'Looked up in the credential’s location, ignoring case',
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

/** `GET /contacts/search/duplicate`: `{found: true, contact_id, …contact}` or `{found: false}`. */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HighLevelApi,
): Promise<RowOutcome[]> {
	return await processItems(this, items.length, concurrencyOf(this), async (itemIndex, gate) => {
		const raw = this.getNodeParameter('email', itemIndex, '') as unknown;
		const email = normalizeEmail(String(raw ?? ''));
		const base = {
			email: email.ok ? email.value : String(raw ?? '').trim(),
			found: false,
			contact_id: null,
		};
		if (!email.ok)
			return failedRow(this, itemIndex, fieldError('email', emailProblem(raw, email.reason)), {
				field: 'email',
				base,
			});
		if (gate.error !== undefined) return failedRow(this, itemIndex, gate.error.message, { base });
		try {
			const contact = await api.findContactByEmail(email.value);
			if (contact === null) return { itemIndex, json: base };
			return { itemIndex, json: { found: true, contact_id: contact.id, ...contact } };
		} catch (error) {
			return itemFailure(this, api, gate, itemIndex, error, base);
		}
	});
}
