import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { getWebinar, listWebinars } from '../helpers/api';
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

/** Schedule picker: the schedules of the webinar picked above (POST /webinar). */
export async function searchSchedules(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	// The editor sends the parameters being edited; the saved ones otherwise.
	const raw =
		(this.getCurrentNodeParameter('webinarId', { extractValue: true }) as unknown) ??
		this.getNodeParameter('webinarId', '', { extractValue: true });
	const webinarId = Number(String(raw ?? '').trim());
	if (!Number.isInteger(webinarId) || webinarId <= 0) return { results: [] };
	const client = await WebinarJamClient.create(this);
	const webinar = await getWebinar(client, webinarId);
	const needle = (filter ?? '').trim().toLowerCase();
	const schedules = Array.isArray(webinar.schedules) ? (webinar.schedules as IDataObject[]) : [];
	const results = schedules
		.map((s) => {
			const parts = [s.date, s.comment].filter((p) => String(p ?? '').trim() !== '');
			return {
				name: `${parts.map(String).join(' – ') || 'Schedule'} (#${String(s.schedule)})`,
				value: String(s.schedule),
			};
		})
		.filter((r) => needle === '' || r.name.toLowerCase().includes(needle));
	return { results };
}
