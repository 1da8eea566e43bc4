/**
 * The person in this package's Redis keys (SCAN by Key Prefix, `mkops:` by default):
 * - queued items: stream entries, list elements, set and sorted-set members, hash values and
 *   string values whose JSON holds the address as a string value (at any depth, JSON kept as text
 *   inside a record included), or that are about one of the person's records: a HubSpot Record
 *   Sync change of one of their app rows, a HubSpot Queue association or note of one of their
 *   HubSpot records. Erase removes each by its own ID or exact value, in one Lua script per key, so
 *   nothing else in the key moves. An item of the package's reliable queues goes from every key of
 *   its queue at once (stream, pending list, attempts, errors, retry and dead-letter sets).
 * - text that mentions the address inside longer text (a queue's last error): in a hash or a
 *   string value the address is replaced by `[erased]` if the value is still the one read; in a
 *   stream entry or a list element it is reported (`mentions_left`), not changed.
 * - keys named by the address's hash (the locks and claims of HubSpot Batch and Dedupe & Normalize
 *   on a key that is the email alone): deleted.
 */
import type { Redis } from 'ioredis';

import { LuaScript } from '../../../shared/redis/luaScript';
import { eraseMentions, holdsEmail, lockHashOf, mentions, parsedJson } from '../helpers/subject';

export type RedisType = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

/** What the person is known by, besides the address. */
export interface RedisSubject {
	email: string;
	/** `schema.table` → the keys of the person's app rows (the sync queue's payload `key`). */
	appRecords: Map<string, Set<string>>;
	/** `contacts:123`, `companies:456`: the person's HubSpot records (type as the v3 API names it). */
	hubspotRecords: Set<string>;
}

export interface RedisHit {
	key: string;
	type: RedisType;
	/** `value`: the person's item; `mention`: text that names the address. */
	match: 'value' | 'mention';
	/** Stream entry ID. */
	id?: string;
	/** Hash field. */
	field?: string;
	/** The stored text as read. */
	raw: string;
}

export interface RedisFindings {
	hits: RedisHit[];
	/** Keys named by the address's hash. */
	hashedKeys: string[];
}

export interface RedisErasure {
	removed: number;
	redacted: number;
	hashedKeys: number;
	/** Mentions in text that cannot be rewritten in place (stream entries, list, set members). */
	mentionsLeft: number;
	/** Per key: items removed or values redacted. */
	keys: Record<string, number>;
}

const SCAN_COUNT = 1000;
const PAGE = 500;

/** `…{name}` and the part of a reliable queue key (shared/queue/reliableQueue.ts). */
const QUEUE_KEY = /^(.*\{[^}]+\}):(stream|attempts|errors|retry|dead|dead:items|counters)$/;
/** HubSpot Record Sync's queue: `hubspot-sync:<schema>.<table>:<object>`. */
const SYNC_QUEUE = /\{hubspot-sync:([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*):[^}]*\}/;
/** HubSpot-defined note association type IDs → the object they attach to. */
const NOTE_TARGETS: Record<number, string> = {
	202: 'contacts',
	190: 'companies',
	214: 'deals',
	228: 'tickets',
};
const TYPE_IDS: Record<string, string> = {
	'0-1': 'contacts',
	'0-2': 'companies',
	'0-3': 'deals',
	'0-5': 'tickets',
};

export const objectTypeName = (type: string) => TYPE_IDS[type] ?? type;

// KEYS: stream, attempts, errors, retry, dead, dead:items. ARGV: ids. Removes each id from every
// part of the queue; an item a consumer holds is acked, so its ack or fail later finds nothing.
const QUEUE_REMOVE = new LuaScript(`
local groups = {}
if redis.call('EXISTS', KEYS[1]) == 1 then
	for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
		for i = 1, #g, 2 do if g[i] == 'name' then groups[#groups + 1] = g[i + 1] end end
	end
end
local n = 0
for _, id in ipairs(ARGV) do
	for _, group in ipairs(groups) do redis.call('XACK', KEYS[1], group, id) end
	local gone = redis.call('XDEL', KEYS[1], id) + redis.call('HDEL', KEYS[6], id)
	redis.call('ZREM', KEYS[5], id)
	redis.call('HDEL', KEYS[2], id)
	redis.call('HDEL', KEYS[3], id)
	redis.call('ZREM', KEYS[4], id)
	if gone > 0 then n = n + 1 end
end
return n
`);

// A stream that is not one of the package's queues: ack in every group, then delete.
const STREAM_REMOVE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
	for i = 1, #g, 2 do
		if g[i] == 'name' then
			for _, id in ipairs(ARGV) do redis.call('XACK', KEYS[1], g[i + 1], id) end
		end
	end
end
return redis.call('XDEL', KEYS[1], unpack(ARGV))
`);

// ARGV: field, value pairs. Deletes a field only while it still holds the value read.
const HASH_REMOVE = new LuaScript(`
local n = 0
for i = 1, #ARGV, 2 do
	if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return n
`);

// ARGV: field, old, new triples. Rewrites a field only while it still holds the value read.
const HASH_REDACT = new LuaScript(`
local n = 0
for i = 1, #ARGV, 3 do
	if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
		redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
		n = n + 1
	end
end
return n
`);

// ARGV: exact values. Every occurrence of each, nothing else.
const LIST_REMOVE = new LuaScript(`
local n = 0
for _, v in ipairs(ARGV) do n = n + redis.call('LREM', KEYS[1], 0, v) end
return n
`);

// ARGV: old value, then (Erase of a mention) the new one. Acts only while the key holds `old`.
const STRING_REPLACE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == nil then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`);

/** A MATCH pattern for keys starting with `prefix` (glob characters escaped). */
const matchPattern = (prefix: string) => `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;

async function keysUnder(redis: Redis, prefixes: string[]): Promise<string[]> {
	const keys = new Set<string>();
	for (const prefix of prefixes) {
		let cursor = '0';
		do {
			const [next, batch] = await redis.scan(
				cursor,
				'MATCH',
				matchPattern(prefix),
				'COUNT',
				SCAN_COUNT,
			);
			cursor = next;
			for (const key of batch) keys.add(key);
		} while (cursor !== '0');
	}
	return [...keys].sort();
}

/** The person's item, a mention of the address, or neither. */
class Matcher {
	private readonly needles: string[];

	constructor(private readonly subject: RedisSubject) {
		const ids = new Set<string>();
		for (const set of subject.appRecords.values()) for (const id of set) ids.add(id);
		for (const ref of subject.hubspotRecords) ids.add(ref.slice(ref.indexOf(':') + 1));
		this.needles = [subject.email, ...ids].filter((n) => n !== '');
	}

	classify(raw: string, key: string): 'value' | 'mention' | undefined {
		const lower = raw.toLowerCase();
		// Most values name neither the address nor an ID: no JSON is parsed for them.
		if (!this.needles.some((n) => lower.includes(n.toLowerCase()))) return undefined;
		const parsed = parsedJson(raw);
		if (parsed === undefined) {
			if (raw.trim().toLowerCase() === this.subject.email) return 'value';
			return mentions(raw, this.subject.email) ? 'mention' : undefined;
		}
		const table = SYNC_QUEUE.exec(key);
		const appKeys = table ? this.subject.appRecords.get(`${table[1]}.${table[2]}`) : undefined;
		if (holdsEmail(parsed, this.subject.email, (o) => this.isTheirs(o, appKeys))) return 'value';
		return mentions(raw, this.subject.email) ? 'mention' : undefined;
	}

	/** A queued job about one of the person's records (the package's own payload shapes). */
	private isTheirs(o: Record<string, unknown>, appKeys: Set<string> | undefined): boolean {
		const has = (type: unknown, id: unknown) =>
			typeof type === 'string' &&
			(typeof id === 'string' || typeof id === 'number') &&
			this.subject.hubspotRecords.has(`${objectTypeName(type)}:${String(id)}`);
		// HubSpot Record Sync: { key, fields, at }.
		if (appKeys !== undefined && typeof o.key === 'string' && Array.isArray(o.fields))
			return appKeys.has(o.key);
		// HubSpot Queue association: { fromType, toType, from, to }.
		if (typeof o.fromType === 'string' && typeof o.toType === 'string')
			return has(o.fromType, o.from) || has(o.toType, o.to);
		// HubSpot Queue note: { properties, associations: [{ to: { id }, types: [{ associationTypeId }] }] }.
		if (Array.isArray(o.associations) && o.properties !== null && typeof o.properties === 'object')
			return o.associations.some((a) => {
				const association = a as {
					to?: { id?: unknown };
					types?: Array<{ associationTypeId?: unknown }>;
				};
				return (association.types ?? []).some((t) =>
					has(NOTE_TARGETS[Number(t.associationTypeId)], association.to?.id),
				);
			});
		return false;
	}
}

/** Finds the person's items, mentions and hashed keys under the prefixes; changes nothing. */
export async function scanRedis(
	redis: Redis,
	prefixes: string[],
	subject: RedisSubject,
): Promise<RedisFindings> {
	const matcher = new Matcher(subject);
	const lockSuffix = `:${lockHashOf(subject.email)}`;
	const hits: RedisHit[] = [];
	const hashedKeys: string[] = [];
	const keys = await keysUnder(redis, prefixes);
	for (let i = 0; i < keys.length; i += PAGE) {
		const chunk = keys.slice(i, i + PAGE);
		const pipeline = redis.pipeline();
		for (const key of chunk) pipeline.type(key);
		const types = ((await pipeline.exec()) ?? []).map(([, t]) => String(t) as RedisType | 'none');
		for (let k = 0; k < chunk.length; k++) {
			const key = chunk[k];
			const type = types[k];
			if (type === 'none') continue;
			if (type === 'string' && key.endsWith(lockSuffix)) {
				hashedKeys.push(key);
				continue;
			}
			const classify = (raw: string) => matcher.classify(raw, key);
			const push = (raw: string, match: RedisHit['match'], at: Partial<RedisHit> = {}) =>
				hits.push({ key, type, match, raw, ...at });
			await readKey(redis, key, type, classify, push);
		}
	}
	return { hits, hashedKeys };
}

type Classify = (raw: string) => RedisHit['match'] | undefined;
type Push = (raw: string, match: RedisHit['match'], at?: Partial<RedisHit>) => void;

async function readKey(
	redis: Redis,
	key: string,
	type: RedisType,
	classify: Classify,
	push: Push,
): Promise<void> {
	const add = (raw: string, at: Partial<RedisHit> = {}) => {
		const match = classify(raw);
		if (match !== undefined) push(raw, match, at);
	};
	switch (type) {
		case 'string': {
			const value = await redis.get(key);
			if (value !== null) add(value);
			return;
		}
		case 'list': {
			const length = await redis.llen(key);
			for (let start = 0; start < length; start += PAGE)
				for (const value of await redis.lrange(key, start, start + PAGE - 1)) add(value);
			return;
		}
		case 'hash': {
			let cursor = '0';
			do {
				const [next, flat] = await redis.hscan(key, cursor, 'COUNT', PAGE);
				cursor = next;
				for (let j = 0; j + 1 < flat.length; j += 2) add(flat[j + 1], { field: flat[j] });
			} while (cursor !== '0');
			return;
		}
		case 'set': {
			let cursor = '0';
			do {
				const [next, members] = await redis.sscan(key, cursor, 'COUNT', PAGE);
				cursor = next;
				for (const member of members) add(member);
			} while (cursor !== '0');
			return;
		}
		case 'zset': {
			let cursor = '0';
			do {
				const [next, flat] = await redis.zscan(key, cursor, 'COUNT', PAGE);
				cursor = next;
				for (let j = 0; j < flat.length; j += 2) add(flat[j]);
			} while (cursor !== '0');
			return;
		}
		case 'stream': {
			let start = '-';
			for (;;) {
				const entries = (await redis.xrange(key, start, '+', 'COUNT', PAGE)) as Array<
					[string, string[]]
				>;
				for (const [id, fields] of entries) {
					// One hit per entry: the person's when any field is, else a mention if one names them.
					const values = fields.filter((_, j) => j % 2 === 1);
					const matches = values.map(classify);
					const at =
						matches.indexOf('value') !== -1 ? matches.indexOf('value') : matches.indexOf('mention');
					if (at !== -1) push(values[at], matches[at]!, { id });
				}
				if (entries.length < PAGE) return;
				start = `(${entries[entries.length - 1][0]}`;
			}
		}
	}
}

/** Removes the items, rewrites the mentions it can, deletes the hashed keys. */
export async function eraseRedis(
	redis: Redis,
	findings: RedisFindings,
	email: string,
): Promise<RedisErasure> {
	const out: RedisErasure = { removed: 0, redacted: 0, hashedKeys: 0, mentionsLeft: 0, keys: {} };
	const count = (key: string, n: number) => {
		if (n > 0) out.keys[key] = (out.keys[key] ?? 0) + n;
	};
	// Queue items first, per queue: the ids whose errors they take along are not rewritten after.
	const queues = new Map<string, Set<string>>();
	const byKey = new Map<string, RedisHit[]>();
	for (const hit of findings.hits) {
		const queue = QUEUE_KEY.exec(hit.key);
		const queueId =
			queue && hit.match === 'value'
				? queue[2] === 'stream'
					? hit.id
					: queue[2] === 'dead:items'
						? hit.field
						: undefined
				: undefined;
		if (queue && queueId !== undefined) {
			const ids = queues.get(queue[1]) ?? new Set<string>();
			queues.set(queue[1], ids.add(queueId));
			continue;
		}
		byKey.set(hit.key, [...(byKey.get(hit.key) ?? []), hit]);
	}
	for (const [base, ids] of queues) {
		const keys = ['stream', 'attempts', 'errors', 'retry', 'dead', 'dead:items'].map(
			(part) => `${base}:${part}`,
		);
		const n = Number(await QUEUE_REMOVE.run(redis, keys, [...ids]));
		out.removed += n;
		count(`${base}:stream`, n);
	}
	for (const [key, hits] of byKey) {
		const queue = QUEUE_KEY.exec(key);
		const gone = queue ? queues.get(queue[1]) : undefined;
		const values = hits.filter((h) => h.match === 'value');
		// A mention in the errors of an item just removed went with it.
		const mentionsOf = hits.filter(
			(h) => h.match === 'mention' && !(h.field !== undefined && gone?.has(h.field)),
		);
		const type = hits[0].type;
		let removed = 0;
		let redacted = 0;
		if (values.length > 0) {
			if (type === 'stream')
				removed = Number(
					await STREAM_REMOVE.run(
						redis,
						[key],
						values.map((h) => h.id!),
					),
				);
			else if (type === 'hash')
				removed = Number(
					await HASH_REMOVE.run(
						redis,
						[key],
						values.flatMap((h) => [h.field!, h.raw]),
					),
				);
			else if (type === 'list')
				removed = Number(
					await LIST_REMOVE.run(redis, [key], [...new Set(values.map((h) => h.raw))]),
				);
			else if (type === 'set') removed = await redis.srem(key, ...values.map((h) => h.raw));
			else if (type === 'zset') removed = await redis.zrem(key, ...values.map((h) => h.raw));
			else if (type === 'string')
				removed = Number(await STRING_REPLACE.run(redis, [key], [values[0].raw]));
		}
		if (mentionsOf.length > 0) {
			if (type === 'hash')
				redacted = Number(
					await HASH_REDACT.run(
						redis,
						[key],
						mentionsOf.flatMap((h) => [h.field!, h.raw, eraseMentions(h.raw, email)]),
					),
				);
			else if (type === 'string')
				redacted = Number(
					await STRING_REPLACE.run(
						redis,
						[key],
						[mentionsOf[0].raw, eraseMentions(mentionsOf[0].raw, email)],
					),
				);
			else out.mentionsLeft += mentionsOf.length;
		}
		out.removed += removed;
		out.redacted += redacted;
		count(key, removed + redacted);
	}
	if (findings.hashedKeys.length > 0) {
		out.hashedKeys = await redis.del(...findings.hashedKeys);
		for (const key of findings.hashedKeys) count(key, 1);
	}
	return out;
}

/** A hit as export data: the stored value parsed when it is JSON. */
export function hitData(hit: RedisHit): Record<string, unknown> {
	const parsed = parsedJson(hit.raw);
	return {
		key: hit.key,
		type: hit.type,
		match: hit.match,
		...(hit.id !== undefined ? { id: hit.id } : {}),
		...(hit.field !== undefined ? { field: hit.field } : {}),
		value: parsed === undefined ? hit.raw : parsed,
	};
}
