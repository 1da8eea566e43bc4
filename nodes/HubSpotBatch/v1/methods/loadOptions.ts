import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { getPropertyDefinitions, isWritable } from '../helpers/properties';
import { HubSpotApi } from '../transport';

async function propertyOptions(
	ctx: ILoadOptionsFunctions,
	objectType: string,
): Promise<INodePropertyOptions[]> {
	const api = await HubSpotApi.fromContext(ctx);
	try {
		const definitions = await getPropertyDefinitions(api, objectType, {
			fresh: true,
		});
		return definitions
			.filter(isWritable)
			.map((d) => ({
				name: `${d.label} (${d.name})`,
				value: d.name,
				description: `${d.type}${d.groupName ? ` · ${d.groupName}` : ''}`,
			}))
			.sort((a, b) => a.name.localeCompare(b.name));
	} catch (error) {
		throw api.toNodeError(error);
	}
}

export async function getContactPropertyOptions(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	return await propertyOptions(this, 'contacts');
}
