/**
 * Resource-locator searches: HubSpot lists (`POST /crm/v3/lists/search`) and the association labels
 * between two object types (`GET /crm/v4/associations/{from}/{to}/labels`).
 */
import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { pathId } from '../../../shared/transport/urlSafety';
import { OBJECT_TYPE } from '../helpers/objectTypes';
import { HubSpotApi } from '../transport';

interface ListSummary {
	listId?: string | number;
	name?: string;
	processingType?: string;
	objectTypeId?: string;
}

interface AssociationLabel {
	category?: string;
	typeId?: number;
	label?: string | null;
}

const PAGE = 100;

/** Contact lists whose memberships can be edited (MANUAL and SNAPSHOT), 100 a page, by name. */
export async function searchLists(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const api = await HubSpotApi.fromContext(this);
	const offset = Number(paginationToken ?? 0) || 0;
	try {
		const { body } = await api.request<{
			lists?: ListSummary[];
			hasMore?: boolean;
			offset?: number;
		}>({
			method: 'POST',
			path: '/crm/v3/lists/search',
			body: {
				query: filter?.trim() || undefined,
				processingTypes: ['MANUAL', 'SNAPSHOT'],
				offset,
				count: PAGE,
			},
		});
		const lists = (body?.lists ?? []).filter(
			(l) => l.listId !== undefined && l.objectTypeId === '0-1',
		);
		return {
			results: lists.map((l) => ({
				name: `${l.name ?? l.listId} (${String(l.processingType ?? '').toLowerCase()})`,
				value: String(l.listId),
			})),
			paginationToken: body?.hasMore ? String(body.offset ?? offset + PAGE) : undefined,
		};
	} catch (error) {
		throw api.toNodeError(error);
	}
}

function objectTypeOf(ctx: ILoadOptionsFunctions, parameter: string): string | undefined {
	const value = String(ctx.getNodeParameter(parameter, '') ?? '').trim();
	return value === '' ? undefined : pathId(value, `Field '${parameter}'`, OBJECT_TYPE);
}

/**
 * The association types from the chosen From to the chosen To object type, of the chosen category:
 * the unlabelled default and every label (HubSpot's own, and those created in the account).
 */
export async function searchAssociationLabels(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const from = objectTypeOf(this, 'fromObjectType');
	const to = objectTypeOf(this, 'toObjectType');
	if (from === undefined || to === undefined) return { results: [] };
	const category = String(this.getNodeParameter('associationCategory', '') ?? '');
	const api = await HubSpotApi.fromContext(this);
	let labels: AssociationLabel[];
	try {
		const { body } = await api.request<{ results?: AssociationLabel[] }>({
			method: 'GET',
			path: `/crm/v4/associations/${encodeURIComponent(from)}/${encodeURIComponent(to)}/labels`,
		});
		labels = body?.results ?? [];
	} catch (error) {
		throw api.toNodeError(error);
	}
	const needle = filter?.trim().toLowerCase() ?? '';
	return {
		results: labels
			.filter((l) => typeof l.typeId === 'number' && (category === '' || l.category === category))
			.map((l) => ({
				name: `${l.label || 'Unlabelled'} (${l.typeId})`,
				value: String(l.typeId),
			}))
			.filter((r) => needle === '' || r.name.toLowerCase().includes(needle))
			.sort((a, b) => a.name.localeCompare(b.name)),
	};
}
