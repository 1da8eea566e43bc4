import type { CanonicalContact, CanonicalField } from './canonical';

export type KeepStrategy = 'first' | 'latest' | 'merge';

export interface Candidate {
	index: number;
	contact: CanonicalContact;
	key: string;
}

export interface DuplicateOf {
	candidate: Candidate;
	keptIndex: number;
}

export interface KeptContact {
	candidate: Candidate;
	/** Input items folded into this one (merge), for paired items. */
	mergedFrom: number[];
}

export function dedupeKey(contact: CanonicalContact, fields: readonly CanonicalField[]): string {
	// Unit separator: cannot occur in normalized values, so keys never collide across fields.
	return fields.map((f) => contact[f].toLowerCase()).join('\u001f');
}

/** One pass, input order kept for the survivors; ISO dates compare as strings. */
export function dedupeWithinRun(
	candidates: Candidate[],
	strategy: KeepStrategy,
): { kept: KeptContact[]; duplicates: DuplicateOf[] } {
	const byKey = new Map<string, KeptContact>();
	const kept: KeptContact[] = [];
	const duplicates: DuplicateOf[] = [];
	for (const candidate of candidates) {
		const existing = byKey.get(candidate.key);
		if (!existing) {
			const entry = { candidate, mergedFrom: [] };
			byKey.set(candidate.key, entry);
			kept.push(entry);
			continue;
		}
		// Ties go to the later input item: a re-delivery carries the newer state.
		if (strategy === 'latest' && candidate.contact.registration_date >= existing.candidate.contact.registration_date) {
			duplicates.push({ candidate: existing.candidate, keptIndex: candidate.index });
			existing.candidate = candidate;
			continue;
		}
		if (strategy === 'merge') {
			const merged = { ...existing.candidate.contact };
			for (const field of Object.keys(merged) as CanonicalField[]) {
				if (merged[field] === '' && candidate.contact[field] !== '') merged[field] = candidate.contact[field];
			}
			existing.candidate = { ...existing.candidate, contact: merged };
			existing.mergedFrom.push(candidate.index);
		}
		duplicates.push({ candidate, keptIndex: existing.candidate.index });
	}
	return { kept, duplicates };
}
