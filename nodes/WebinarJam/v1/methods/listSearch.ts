import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { listWebinars } from '../helpers/api';
import { WebinarJamClient } from '../transport';

export function webinarLabel(webinar: IDataObject): string {
	const name = String(webinar.name ?? webinar.title ?? 'Untitled webinar');
	return `${name} (#${String(webinar.webinar_id)})`;
}

/** Webinar picker: /webinars answers with every webinar at once; the filter matches name or ID. */
export async function searchWebinars(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const client = await WebinarJamClient.create(this);
	const needle = (filter ?? '').trim().toLowerCase();
	const results = (await listWebinars(client))
		.filter(
			(w) =>
				needle === '' ||
				String(w.name ?? '')
					.toLowerCase()
					.includes(needle) ||
				String(w.title ?? '')
					.toLowerCase()
					.includes(needle) ||
				String(w.webinar_id) === needle,
		)
		.map((w) => ({ name: webinarLabel(w), value: String(w.webinar_id) }));
	return { results };
}
