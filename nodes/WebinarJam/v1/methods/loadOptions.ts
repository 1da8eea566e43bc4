import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { listWebinars } from '../helpers/api';
import { WebinarJamClient } from '../transport';
import { webinarLabel } from './listSearch';

/** The account's webinars for the multi-select of Sync to Database. */
export async function getWebinars(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const client = await WebinarJamClient.create(this);
	return (await listWebinars(client))
		.map((w) => ({
			name: webinarLabel(w),
			value: Number(w.webinar_id),
			description: typeof w.timezone === 'string' ? w.timezone : undefined,
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}
