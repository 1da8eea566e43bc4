import type { HubSpotApi } from '../transport';

export interface PropertyDefinition {
	name: string;
	label: string;
	type: string;
	fieldType: string;
	groupName?: string;
	options?: Array<{ label: string; value: string }>;
	modificationMetadata?: { readOnlyValue?: boolean };
	readOnly?: boolean;
	hidden?: boolean;
	calculated?: boolean;
}

interface CacheEntry {
	at: number;
	definitions: PropertyDefinition[];
}

// Property lists change rarely; one read per object type per minute keeps big runs at ceil(N/100) + 1 calls.
const CACHE_MS = 60_000;
const cache = new Map<string, CacheEntry>();

export function isWritable(definition: PropertyDefinition): boolean {
	return !(
		definition.readOnly ||
		definition.modificationMetadata?.readOnlyValue ||
		definition.calculated
	);
}

/** The object type's property definitions (`GET /crm/v3/properties/{objectType}`), cached per account. */
export async function getPropertyDefinitions(
	api: HubSpotApi,
	objectType: string,
	options: { fresh?: boolean } = {},
): Promise<PropertyDefinition[]> {
	const key = `${api.limiterKey}|${objectType}`;
	const hit = cache.get(key);
	if (!options.fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.definitions;
	const response = await api.request<{ results?: PropertyDefinition[] }>({
		method: 'GET',
		path: `/crm/v3/properties/${encodeURIComponent(objectType)}`,
		qs: { archived: false },
	});
	const definitions = response.body?.results ?? [];
	cache.set(key, { at: Date.now(), definitions });
	return definitions;
}

/** Forget cached definitions (after creating properties). */
export function forgetPropertyDefinitions(api: HubSpotApi, objectType?: string): void {
	for (const key of [...cache.keys()]) {
		if (
			key.startsWith(`${api.limiterKey}|`) &&
			(objectType === undefined || key.endsWith(`|${objectType}`))
		) {
			cache.delete(key);
		}
	}
}

/** A value as HubSpot wants it for this property type; undefined means "leave the property alone". */
export function toHubSpotValue(
	value: unknown,
	definition: PropertyDefinition | undefined,
): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string' && value.trim() === '') return undefined;
	if (Array.isArray(value)) {
		const parts = value
			.map((v) => toHubSpotValue(v, undefined))
			.filter((v): v is string => v !== undefined);
		return parts.length > 0 ? parts.join(';') : undefined;
	}
	if (value instanceof Date) value = value.toISOString();
	// A luxon DateTime, as n8n's type validation produces for dateTime fields.
	const toISO = (value as { toISO?: () => string | null }).toISO;
	if (typeof value === 'object' && typeof toISO === 'function')
		value = toISO.call(value) ?? undefined;
	if (value === undefined) return undefined;
	if (typeof value === 'object') return JSON.stringify(value);
	const text = String(value).trim();
	if (definition?.type === 'date') {
		// HubSpot date properties take a calendar day; keep the day as written, not shifted to UTC.
		if (/^\d{4}-\d{2}-\d{2}T/.test(text)) return text.slice(0, 10);
		if (/^\d{12,}$/.test(text)) return new Date(Number(text)).toISOString().slice(0, 10);
	}
	return text;
}
