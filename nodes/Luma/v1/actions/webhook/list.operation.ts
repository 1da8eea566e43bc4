import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getPaging } from '../../helpers/utils';
import { lumaApiRequestAllItems } from '../../transport';
import { limitOption, returnAllOption } from '../common.descriptions';
import { withoutSecret } from './create.operation';

const properties: INodeProperties[] = [returnAllOption, limitOption];

const displayOptions = { show: { resource: ['webhook'], operation: ['list'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject[]> {
	const paging = getPaging.call(this, itemIndex);
	const entries = await lumaApiRequestAllItems.call(this, '/v1/webhooks/list', {}, paging, { itemIndex });
	return entries.map(withoutSecret);
}
