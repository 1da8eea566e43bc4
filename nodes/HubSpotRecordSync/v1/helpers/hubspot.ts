/**
 * The HubSpot calls the sync makes, through the package's HubSpot transport (rate window, retries,
 * errors without the token). Reads and updates go 100 records per call, HubSpot's batch limit.
 */
import type { IDataObject } from 'n8n-workflow';

import { AttemptError } from '../../../shared/transport/attempt';
import type { HubSpotApi } from '../../../HubSpotBatch/v1/transport';

export const BATCH_SIZE = 100;

/** HubSpot's singular object names, as its webhook subscription types spell them. */
export const SINGULAR: Record<string, string> = {
	companies: 'company',
	contacts: 'contact',
	deals: 'deal',
};
/** HubSpot's batch read limit when property history is asked for. */
export const HISTORY_BATCH_SIZE = 50;

export interface HubSpotRecord {
	id: string;
	properties: Record<string, string | null>;
	/** Epoch ms of each property's latest change, for the properties read with history. */
	changedAt: Record<string, number>;
}

interface RawRecord {
	id: string;
	updatedAt?: string;
	properties?: Record<string, string | null>;
	propertiesWithHistory?: Record<string, Array<{ value: string; timestamp: string }>>;
}

const chunks = <T>(list: T[], size = BATCH_SIZE): T[][] => {
	const out: T[][] = [];
	for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
	return out;
};

function toRecord(raw: RawRecord): HubSpotRecord {
	const changedAt: Record<string, number> = {};
	for (const [name, history] of Object.entries(raw.propertiesWithHistory ?? {})) {
		const at = history[0] ? Date.parse(history[0].timestamp) : Number.NaN;
		if (Number.isFinite(at)) changedAt[name] = at;
	}
	return { id: String(raw.id), properties: raw.properties ?? {}, changedAt };
}

/** Identifiers that go into a URL path: HubSpot's numeric ids, or a unique property's value. */
export function checkedPathValue(value: string, what: string): string {
	if (!/^[A-Za-z0-9._@+:-]{1,200}$/.test(value))
		throw new Error(
			`${what} '${value.slice(0, 60)}' cannot be used in a HubSpot URL (letters, digits and . _ @ + : - only)`,
		);
	return encodeURIComponent(value);
}

export class SyncHubSpot {
	reads = 0;
	writes = 0;

	constructor(
		readonly api: HubSpotApi,
		readonly objectType: string,
	) {}

	private get base() {
		return `/crm/v3/objects/${encodeURIComponent(this.objectType)}`;
	}

	/**
	 * One create, never retried after it may have reached HubSpot (a 5xx, a timeout): the caller
	 * looks the record up by the app's id instead (findByProperty) and removes it.
	 */
	async create(properties: IDataObject): Promise<HubSpotRecord> {
		this.writes++;
		const { body } = await this.api.request<RawRecord>({
			method: 'POST',
			path: this.base,
			body: { properties },
			idempotent: false,
		});
		return toRecord(body);
	}

	/** The record whose unique `property` holds `value`, or undefined. */
	async findByProperty(property: string, value: string): Promise<HubSpotRecord | undefined> {
		this.reads++;
		const answer = await this.api
			.request<RawRecord>({
				method: 'GET',
				path: `${this.base}/${checkedPathValue(value, 'Record ID')}`,
				qs: { idProperty: property, properties: property },
			})
			.catch((error: unknown) => {
				if (error instanceof AttemptError && error.status === 404) return undefined;
				return Promise.reject(error);
			});
		return answer === undefined ? undefined : toRecord(answer.body);
	}

	async archive(id: string): Promise<void> {
		this.writes++;
		await this.api.request({
			method: 'DELETE',
			path: `${this.base}/${checkedPathValue(id, 'HubSpot ID')}`,
		});
	}

	/** Records by HubSpot id, 100 per call; ids HubSpot does not know are left out. */
	async read(ids: string[], properties: string[]): Promise<Map<string, HubSpotRecord>> {
		return await this.readBatches(ids, { properties }, BATCH_SIZE);
	}

	/**
	 * When each property last changed, from its history: HubSpot takes at most 50 records per call
	 * when history is asked for, so only the records that need it are read this way.
	 */
	async changeTimes(ids: string[], properties: string[]): Promise<Map<string, HubSpotRecord>> {
		return await this.readBatches(
			ids,
			{ properties, propertiesWithHistory: properties },
			HISTORY_BATCH_SIZE,
		);
	}

	private async readBatches(
		ids: string[],
		fields: IDataObject,
		size: number,
	): Promise<Map<string, HubSpotRecord>> {
		const out = new Map<string, HubSpotRecord>();
		for (const part of chunks([...new Set(ids)], size)) {
			this.reads++;
			const { body: answer } = await this.api.request<{ results?: RawRecord[] }>({
				method: 'POST',
				path: `${this.base}/batch/read`,
				body: { inputs: part.map((id) => ({ id })), ...fields },
			});
			for (const raw of answer.results ?? []) out.set(String(raw.id), toRecord(raw));
		}
		return out;
	}

	/** Every record's ID, a list page (100) at a time, in HubSpot's order. */
	async *allIds(): AsyncGenerator<string[]> {
		let after: string | undefined;
		do {
			this.reads++;
			const { body } = await this.api.request<{
				results?: RawRecord[];
				paging?: { next?: { after?: string } };
			}>({
				method: 'GET',
				path: this.base,
				qs: { limit: BATCH_SIZE, ...(after === undefined ? {} : { after }) },
			});
			yield (body.results ?? []).map((r) => String(r.id));
			after = body.paging?.next?.after;
		} while (after !== undefined);
	}

	/**
	 * Property updates, 100 records per call. Returns the ids HubSpot did not update, with its reason
	 * (a 207's per-record errors, or the whole call's error for each of its records).
	 */
	async update(
		inputs: Array<{ id: string; properties: IDataObject }>,
	): Promise<{ failed: Map<string, string>; updatedAt: Map<string, string> }> {
		const failed = new Map<string, string>();
		// HubSpot's own time of each write: its clock, like the webhooks' occurredAt.
		const updatedAt = new Map<string, string>();
		for (const part of chunks(inputs)) {
			this.writes++;
			try {
				const { body } = await this.api.request<{
					results?: RawRecord[];
					errors?: Array<{ message?: string; context?: { ids?: string[]; id?: string[] } }>;
				}>({ method: 'POST', path: `${this.base}/batch/update`, body: { inputs: part } });
				const done = new Set((body.results ?? []).map((r) => String(r.id)));
				for (const r of body.results ?? [])
					if (typeof r.updatedAt === 'string') updatedAt.set(String(r.id), r.updatedAt);
				for (const input of part) {
					if (done.has(input.id)) continue;
					const error = (body.errors ?? []).find((e) =>
						[...(e.context?.ids ?? []), ...(e.context?.id ?? [])].includes(input.id),
					);
					failed.set(input.id, error?.message ?? 'HubSpot did not update this record');
				}
			} catch (error) {
				for (const input of part) failed.set(input.id, (error as Error).message);
			}
		}
		return { failed, updatedAt };
	}
}

interface HubSpotValidationItem {
	name?: string;
	message?: string;
	error?: string;
}

/** The properties a HubSpot 400 names (`Property values were not valid: [...]`), with its message per property. */
export function invalidProperties(error: unknown): Array<{ property: string; message: string }> {
	if (!(error instanceof AttemptError) || error.status !== 400) return [];
	const body = (error.body ?? {}) as {
		message?: string;
		errors?: Array<{ context?: { propertyName?: string[] } }>;
	};
	const text = String(body.message ?? '');
	const start = text.indexOf('[');
	if (start >= 0) {
		try {
			const items = JSON.parse(text.slice(start)) as HubSpotValidationItem[];
			const named = items
				.filter((i) => typeof i.name === 'string')
				.map((i) => ({
					property: String(i.name),
					message: String(i.message ?? i.error ?? 'invalid'),
				}));
			if (named.length > 0) return named;
		} catch {
			// Not the documented list: fall through to the error's context.
		}
	}
	const names = (body.errors ?? []).flatMap((e) => e.context?.propertyName ?? []);
	return names.map((property) => ({ property, message: text || 'invalid' }));
}
