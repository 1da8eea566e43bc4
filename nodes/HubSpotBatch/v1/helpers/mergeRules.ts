/**
 * Per-property merge rules for contact upserts: how rows for one email inside a run combine, and
 * how the result combines with the value already in HubSpot. Values are HubSpot strings.
 */
export type MergeMode = 'overwrite' | 'setOnce' | 'append' | 'increment' | 'max' | 'min';

export interface MergeRule {
	property: string;
	mode: MergeMode;
	/** increment: added per row that has no value of its own. */
	incrementBy?: number;
	/** append: most entries kept (oldest dropped first). */
	maxItems?: number;
	/** append: longest joined text kept (oldest dropped first). */
	maxLength?: number;
}

export const APPEND_SEPARATOR = ';';
export const DEFAULT_MAX_ITEMS = 10;
// HubSpot single-line text holds 65,536 characters; a readable list is far shorter.
export const DEFAULT_MAX_LENGTH = 1000;

export type HubSpotValues = Record<string, string | null | undefined>;

/** A rule that can only be applied knowing the current value. */
export function needsCurrent(rules: MergeRule[]): boolean {
	return rules.some((rule) => rule.mode !== 'overwrite');
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:$|T)/;

const isEmpty = (value: unknown) =>
	value === undefined || value === null || String(value).trim() === '';

/** Number or date as a comparable number; undefined when it is neither. */
export function comparable(value: string): number | undefined {
	const text = value.trim();
	if (ISO_DATE.test(text)) {
		const time = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
		return Number.isNaN(time) ? undefined : time;
	}
	if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
	return undefined;
}

/** HubSpot echoes values in its own formats ("3" for 3, "…T00:00:00.000Z" for a datetime). */
export function sameValue(a: string | null | undefined, b: string | null | undefined): boolean {
	const x = isEmpty(a) ? '' : String(a).trim();
	const y = isEmpty(b) ? '' : String(b).trim();
	if (x === y) return true;
	if (x === '' || y === '') return false;
	const bothDates = ISO_DATE.test(x) && ISO_DATE.test(y);
	// Only plain numbers: "02134" (a ZIP) or a 20-digit ID is text, and must compare as text.
	const plainNumber = /^-?(0|[1-9]\d{0,14})(\.\d+)?$/;
	const bothNumbers = plainNumber.test(x) && plainNumber.test(y);
	if (bothDates || bothNumbers) return comparable(x) === comparable(y);
	return false;
}

const splitList = (value: string | null | undefined) =>
	isEmpty(value)
		? []
		: String(value)
				.split(APPEND_SEPARATOR)
				.map((part) => part.trim())
				.filter((part) => part !== '');

function formatNumber(n: number): string {
	return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(10)));
}

/** Why a row's value cannot be used by its rule, or undefined when it can. */
export function ruleValueProblem(rule: MergeRule, value: string | undefined): string | undefined {
	if (value === undefined || isEmpty(value)) return undefined;
	if (rule.mode === 'increment' && !/^-?\d+(\.\d+)?$/.test(value.trim())) {
		return `"${value}" is not a number, and the increment rule adds numbers`;
	}
	if ((rule.mode === 'max' || rule.mode === 'min') && comparable(value) === undefined) {
		return `"${value}" is not a date (YYYY-MM-DD) or a number, so the ${rule.mode} rule cannot compare it`;
	}
	return undefined;
}

/** What one email's rows bring, before the current value is known. */
export interface Incoming {
	/** overwrite/setOnce/max/min: the chosen value; append: the new entries, in order. */
	values: Record<string, string>;
	lists: Record<string, string[]>;
	increments: Record<string, number>;
}

/** Combines the rows of one email (in input order) under the rules; unruled properties overwrite. */
export function combineRows(rows: HubSpotValues[], rules: MergeRule[]): Incoming {
	const byProperty = new Map(rules.map((rule) => [rule.property, rule]));
	const incoming: Incoming = { values: {}, lists: {}, increments: {} };
	for (const rule of rules) {
		if (rule.mode === 'increment') {
			incoming.increments[rule.property] = 0;
			for (const row of rows) {
				const value = row[rule.property];
				incoming.increments[rule.property] += isEmpty(value)
					? (rule.incrementBy ?? 1)
					: Number(value);
			}
		}
	}
	for (const row of rows) {
		for (const [property, raw] of Object.entries(row)) {
			if (isEmpty(raw)) continue;
			const value = String(raw).trim();
			const rule = byProperty.get(property);
			const mode = rule?.mode ?? 'overwrite';
			const previous = incoming.values[property];
			if (mode === 'increment') continue;
			if (mode === 'append') {
				const list = (incoming.lists[property] ??= []);
				for (const entry of splitList(value)) {
					if (!list.some((e) => e.toLowerCase() === entry.toLowerCase())) list.push(entry);
				}
			} else if (mode === 'setOnce') {
				if (previous === undefined) incoming.values[property] = value;
			} else if (mode === 'max' || mode === 'min') {
				const better =
					previous === undefined ||
					(mode === 'max'
						? (comparable(value) ?? -Infinity) > (comparable(previous) ?? -Infinity)
						: (comparable(value) ?? Infinity) < (comparable(previous) ?? Infinity));
				if (better) incoming.values[property] = value;
			} else {
				incoming.values[property] = value;
			}
		}
	}
	return incoming;
}

function appendList(
	current: string | null | undefined,
	additions: string[],
	rule: MergeRule | undefined,
): string {
	const list = splitList(current);
	for (const entry of additions) {
		if (!list.some((e) => e.toLowerCase() === entry.toLowerCase())) list.push(entry);
	}
	const maxItems = Math.max(1, rule?.maxItems ?? DEFAULT_MAX_ITEMS);
	const maxLength = Math.max(1, rule?.maxLength ?? DEFAULT_MAX_LENGTH);
	while (list.length > maxItems) list.shift();
	while (list.length > 1 && list.join(APPEND_SEPARATOR).length > maxLength) list.shift();
	const joined = list.join(APPEND_SEPARATOR);
	return joined.length > maxLength ? joined.slice(0, maxLength) : joined;
}

/** The values to hold after the write (only properties the rows or rules touch). */
export function resolveValues(
	incoming: Incoming,
	current: HubSpotValues | undefined,
	rules: MergeRule[],
): Record<string, string> {
	const byProperty = new Map(rules.map((rule) => [rule.property, rule]));
	const result: Record<string, string> = {};
	for (const [property, value] of Object.entries(incoming.values)) {
		const rule = byProperty.get(property);
		const existing = current?.[property];
		switch (rule?.mode ?? 'overwrite') {
			case 'setOnce':
				result[property] = isEmpty(existing) ? value : String(existing);
				break;
			case 'max':
			case 'min': {
				const now = isEmpty(existing) ? undefined : comparable(String(existing));
				const next = comparable(value);
				const keepExisting =
					now !== undefined &&
					next !== undefined &&
					(rule!.mode === 'max' ? now >= next : now <= next);
				result[property] = keepExisting ? String(existing) : value;
				break;
			}
			default:
				result[property] = value;
		}
	}
	for (const [property, additions] of Object.entries(incoming.lists)) {
		result[property] = appendList(current?.[property], additions, byProperty.get(property));
	}
	for (const [property, amount] of Object.entries(incoming.increments)) {
		const base = Number(current?.[property] ?? 0);
		result[property] = formatNumber((Number.isFinite(base) ? base : 0) + amount);
	}
	return result;
}

/** The subset of `next` that differs from `current`. */
export function changedValues(
	next: Record<string, string>,
	current: HubSpotValues | undefined,
): Record<string, string> {
	const changed: Record<string, string> = {};
	for (const [property, value] of Object.entries(next)) {
		if (current === undefined || !sameValue(value, current[property])) changed[property] = value;
	}
	return changed;
}
