import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IPairedItemData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { DayMonthOrder } from '../shared/normalize';
import { ParameterReader } from '../shared/parameters';
import { type CanonicalField, type FieldError, type MappableField } from './canonical';
import { dedupeKey, dedupeWithinRun, type Candidate, type KeepStrategy } from './dedupe';
import { ClaimWaitError, ProcessedMemory } from './memory';
import { buildPreset, pathReader, type PresetName } from './presets';
import { normalizeRecord, type RecordSettings } from './record';
import { hintManualMemory, memoryKeyOf } from './settle';

interface Options {
	acrossRunsScope?: 'node' | 'workflow';
	historySize?: number;
	defaultCountry?: string;
	dateOrder?: DayMonthOrder;
	eventId?: string;
	eventName?: string;
	eventDate?: string;
	registrationSource?: string;
	utmSource?: string;
	utmMedium?: string;
	includeSource?: boolean;
	claimTimeout?: number;
}

/**
 * Claim Timeout's default: the longest a flow that never confirms or releases a registration holds
 * it. A running execution keeps its claims however long it takes, up to this.
 */
export const DEFAULT_CLAIM_TIMEOUT_SECONDS = 3600;

/** Reads settings from the first item: presets and mappings are per node, not per item. */
function readSettings(this: IExecuteFunctions) {
	const source = this.getNodeParameter('source', 0) as PresetName;
	const options = this.getNodeParameter('options', 0, {}) as Options;
	const preset = buildPreset(source);
	const mappings =
		(this.getNodeParameter('fieldMapping.mapping', 0, []) as Array<{
			field: MappableField;
			path: string;
		}>) ?? [];
	const readers = { ...preset.readers };
	for (const { field, path } of mappings) {
		if (!path || !path.trim()) {
			throw new NodeOperationError(
				this.getNode(),
				`Field Mapping for '${field}' has no source field`,
				{
					description: 'Enter the input field to read, e.g. "Email" or "contact.email"',
				},
			);
		}
		readers[field] = pathReader(path.trim());
	}
	if (source === 'custom' && !readers.email) {
		throw new NodeOperationError(
			this.getNode(),
			"Custom mapping needs a source field for 'Email'",
			{
				description:
					'Add a Field Mapping entry for Email: dedupe and every downstream system key on it.',
			},
		);
	}
	const defaults = { ...preset.defaults };
	const overrides: Array<[CanonicalField, string | undefined]> = [
		['registration_source', options.registrationSource],
		['utm_source', options.utmSource],
		['utm_medium', options.utmMedium],
	];
	for (const [field, value] of overrides)
		if (value !== undefined && String(value).trim() !== '') defaults[field] = String(value).trim();

	const keyFields = this.getNodeParameter('dedupeKey', 0) as CanonicalField[];
	if (keyFields.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Dedupe Key needs at least one field');
	}
	const record: RecordSettings = {
		readers,
		defaults,
		required: new Set(this.getNodeParameter('requiredFields', 0, []) as CanonicalField[]),
		defaultCountry: (options.defaultCountry || 'US').toUpperCase(),
		dateOrder: options.dateOrder ?? 'MDY',
		eventCache: new Map(),
	};
	// Event defaults may be expressions per item (e.g. {{ $('Get events').item.json.name }}): read those per row.
	const perItemEvent = (
		[
			['event_id', 'eventId'],
			['event_name', 'eventName'],
			['event_date', 'eventDate'],
		] as Array<[CanonicalField, keyof Options]>
	).filter(([, option]) => options[option] !== undefined && String(options[option]).trim() !== '');
	return {
		record,
		perItemEvent,
		keyFields,
		keep: this.getNodeParameter('keep', 0) as KeepStrategy,
		acrossRuns: this.getNodeParameter('acrossRuns', 0) as boolean,
		scope: options.acrossRunsScope ?? 'node',
		historySize: options.historySize ?? 10000,
		includeSource: options.includeSource ?? false,
		claimTimeoutMs: Math.max(1, Number(options.claimTimeout ?? DEFAULT_CLAIM_TIMEOUT_SECONDS)) * 1000,
	};
}

type Settings = ReturnType<typeof readSettings>;

/**
 * The keys an earlier execution processed. Version 1 records every key here, before anything
 * downstream ran. Version 2 records nothing: it claims the new keys for this execution, and a
 * Dedupe & Normalize node set to Confirm Processed records them once their rows have landed.
 */
async function seenInEarlierExecutions(
	this: IExecuteFunctions,
	keys: string[],
	settings: Settings,
): Promise<Set<string>> {
	if (this.getNode().typeVersion < 2) {
		const memory = await ProcessedMemory.of(this);
		const seen = await memory.checkAndRecord(keys, settings.scope, settings.historySize);
		hintManualMemory(this, keys.length - seen.size, 'now count as processed');
		return seen;
	}
	const memory = await ProcessedMemory.of(this, memoryKeyOf(this));
	await memory.claim(keys, settings.claimTimeoutMs, this.getExecutionCancelSignal());
	let checked = false;
	try {
		const processed = await memory.processedAmong(keys);
		// Keys already processed go to Duplicate: nothing downstream will confirm them.
		await memory.release([...processed]);
		checked = true;
		return processed;
	} finally {
		// The check failed: no row goes downstream, so none may stay claimed.
		if (!checked) await memory.release(keys).catch(() => undefined);
	}
}

const memoryFailure = (error: Error) =>
	error instanceof ClaimWaitError
		? error.message
		: `Could not read n8n's processed-data store: ${error.message}`;

export async function dedupeAndNormalize(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const settings = readSettings.call(this);
	const valid: INodeExecutionData[] = [];
	const duplicate: INodeExecutionData[] = [];
	const invalid: INodeExecutionData[] = [];
	const candidates: Candidate[] = [];

	const invalidItem = (index: number, errors: FieldError[]): INodeExecutionData => ({
		json: { ...items[index].json, errors: errors as unknown as IDataObject[] },
		pairedItem: { item: index },
	});

	const parameters = new ParameterReader(this);
	for (let i = 0; i < items.length; i++) {
		try {
			let record = settings.record;
			if (settings.perItemEvent.length > 0) {
				const defaults = { ...record.defaults };
				for (const [field, option] of settings.perItemEvent) {
					defaults[field] = String(parameters.get(`options.${option}`, i, '') ?? '').trim();
				}
				record = { ...record, defaults };
			}
			const { contact, errors } = normalizeRecord(items[i].json, record);
			if (errors.length > 0) invalid.push(invalidItem(i, errors));
			else candidates.push({ index: i, contact, key: dedupeKey(contact, settings.keyFields) });
		} catch (error) {
			if (!this.continueOnFail()) {
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
			invalid.push(
				invalidItem(i, [{ field: '(item)', value: null, reason: (error as Error).message }]),
			);
		}
	}

	const { kept, duplicates } = dedupeWithinRun(candidates, settings.keep);
	const emit = (
		candidate: Candidate,
		extra: IDataObject,
		merged: number[] = [],
	): INodeExecutionData => {
		const json: IDataObject = { ...candidate.contact, dedupe_key: candidate.key, ...extra };
		if (settings.includeSource) json.source = items[candidate.index].json;
		const pairedItem: IPairedItemData[] = [
			{ item: candidate.index },
			...merged.map((item) => ({ item })),
		];
		return { json, pairedItem: pairedItem.length === 1 ? pairedItem[0] : pairedItem };
	};

	for (const d of duplicates) {
		duplicate.push(
			emit(d.candidate, { duplicate: { reason: 'repeated in this run', kept_item: d.keptIndex } }),
		);
	}

	let seenBefore = new Set<string>();
	if (settings.acrossRuns && kept.length > 0) {
		try {
			seenBefore = await seenInEarlierExecutions.call(
				this,
				kept.map((k) => k.candidate.key),
				settings,
			);
		} catch (error) {
			const reason = memoryFailure(error as Error);
			if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), reason);
			// Nothing is lost: the rows go out on Invalid with the reason, to be retried.
			for (const k of kept) {
				invalid.push(
					invalidItem(k.candidate.index, [{ field: 'dedupe_key', value: k.candidate.key, reason }]),
				);
			}
			return [valid, duplicate, invalid];
		}
	}

	if (settings.acrossRuns && this.getNode().typeVersion >= 2)
		hintManualMemory(
			this,
			kept.length - seenBefore.size,
			'will count as processed once they reach Confirm Processed',
		);
	for (const k of kept) {
		if (seenBefore.has(k.candidate.key)) {
			duplicate.push(
				emit(k.candidate, { duplicate: { reason: 'seen in an earlier execution' } }, k.mergedFrom),
			);
		} else {
			valid.push(emit(k.candidate, {}, k.mergedFrom));
		}
	}
	return [valid, duplicate, invalid];
}
