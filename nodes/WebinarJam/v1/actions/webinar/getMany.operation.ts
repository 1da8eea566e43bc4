import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { listWebinars } from '../../helpers/api';
import { getPaging } from '../../helpers/utils';
import type { WebinarJamClient } from '../../transport';
import { limitOption, returnAllOption } from '../common.descriptions';

const properties: INodeProperties[] = [returnAllOption, limitOption];

const displayOptions = { show: { resource: ['webinar'], operation: ['getMany'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** POST /webinars: every webinar of the account (WebinarJam sends them in one answer). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	client: WebinarJamClient,
): Promise<IDataObject[]> {
	const { limit } = getPaging.call(this, itemIndex);
	const webinars = await listWebinars(client, { itemIndex });
	return Number.isFinite(limit) ? webinars.slice(0, limit) : webinars;
}
