'use strict';
// In-memory emulator of the parts of Airtable's Web API (v0) that the Airtable Registry node uses:
// list / create / update (incl. performUpsert) / delete records, the meta API (list bases with `offset`
// pagination and permissionLevel, a base's tables with fields, types and select choices), bearer
// PAT auth, any number of bases (createBase: a test gives the schema),
// 422 validation errors, and the 5 requests/s per base limit with its 30-second penalty (each base
// its own window).
// A write request is applied all or nothing, as Airtable's is: a request refused with 422 (or any
// other error) leaves no record, no auto number and no typecast select option behind.
// Test switches (setFaults): `shuffleResults` answers writes with the records in another order
// (Airtable answers in request order; a client must not rely on it), `holdLookups` holds list
// requests on a table until several have arrived (to make two lookups overlap for certain), and
// `lateAnswers` applies writes at once but answers them late (a client timeout after the write).
// Plain CommonJS so jest (via server.d.ts) and a bare `node cli.js` can both load it.
const http = require('node:http');
const { listen, closeServer } = require('../serverLifecycle');
const https = require('node:https');
const crypto = require('node:crypto');

const DEFAULT_TOKEN = 'patEmulatorToken.airtable-registry';
const DEFAULT_BASE_ID = 'appEmuRegistry001';
const RECORDS_PER_REQUEST = 10;
const MAX_PAGE_SIZE = 100;
const DEFAULT_LIMIT_PER_SECOND = 5;
const DEFAULT_PENALTY_MS = 30000;
const UTM_CAMPAIGN_FORMULA =
	'"event_" & LOWER(SUBSTITUTE({event_name}, " ", "-")) & "_" & DATETIME_FORMAT({event_date}, \'YYYY-MM-DD\')';
const COMPUTED_TYPES = [
	'formula',
	'autoNumber',
	'createdTime',
	'lastModifiedTime',
	'count',
	'rollup',
	'multipleLookupValues',
];
const TEXT_TYPES = ['singleLineText', 'multilineText', 'email', 'url', 'phoneNumber', 'richText'];

class AirtableError extends Error {
	constructor(status, type, message) {
		super(message);
		this.status = status;
		this.type = type;
	}
}

const invalidPermissions = () =>
	new AirtableError(
		403,
		'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND',
		'Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.',
	);

function airtableId(prefix) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = crypto.randomBytes(14);
	let out = prefix;
	for (const b of bytes) out += alphabet[b % alphabet.length];
	return out;
}

const choices = (...names) => names.map((name) => ({ id: airtableId('sel'), name }));

/** The seed's Events and Registrations tables (plus luma_event_id and dedupe_key, which this package adds). */
function seedSchema() {
	const f = (name, type, options, extra) => ({
		id: airtableId('fld'),
		name,
		type,
		...(options ? { options } : {}),
		...extra,
	});
	const select = (name, names, defaultValue) =>
		f(
			name,
			'singleSelect',
			{ choices: choices(...names) },
			defaultValue ? { default: defaultValue } : {},
		);
	const eventsId = airtableId('tbl');
	const registrationsId = airtableId('tbl');
	const events = {
		id: eventsId,
		name: 'Events',
		description: 'Central registry of all events with standardized taxonomy',
		fields: [
			f('event_name', 'singleLineText', undefined, { maxLength: 200 }),
			f('event_id', 'autoNumber'),
			select('event_type', ['Luma Event', 'Partner Event', 'Internal Roundtable', 'Webinar']),
			select('event_tier', ['Tier 1 (Flagship)', 'Tier 2 (Strategic)', 'Tier 3 (Tactical)']),
			f('event_date', 'dateTime', {
				dateFormat: { name: 'iso', format: 'YYYY-MM-DD' },
				timeFormat: { name: '24hour', format: 'HH:mm' },
				timeZone: 'utc',
			}),
			f('event_location', 'singleLineText'),
			select('host', ['Growth', 'Sales', 'Partnerships', 'Customer Success']),
			f('luma_url', 'url'),
			f('luma_event_id', 'singleLineText'),
			f('registration_count', 'count', { linkedTableId: registrationsId }),
			f('attendance_count', 'number', { precision: 0 }),
			f('requires_nurture', 'checkbox', { icon: 'check', color: 'greenBright' }, { default: true }),
			f('utm_campaign', 'formula', {
				formula: UTM_CAMPAIGN_FORMULA,
				isValid: true,
				result: { type: 'singleLineText' },
			}),
			select('utm_source', ['luma', 'partner_stripe', 'partner_mercury', 'direct']),
			select('utm_medium', ['event', 'webinar', 'roundtable', 'partner_event']),
			f('hubspot_campaign_id', 'number', { precision: 0 }),
			f('salesforce_campaign_id', 'singleLineText'),
			select('status', ['Planned', 'Registration Open', 'Completed', 'Cancelled'], 'Planned'),
			f('created_at', 'createdTime'),
			f('updated_at', 'lastModifiedTime'),
		],
	};
	const registrations = {
		id: registrationsId,
		name: 'Registrations',
		description: 'Normalized contact data for all event registrations',
		fields: [
			f('dedupe_key', 'singleLineText'),
			f('registration_id', 'autoNumber'),
			f('event_id', 'multipleRecordLinks', { linkedTableId: eventsId }),
			f('email', 'email'),
			f('first_name', 'singleLineText', undefined, { maxLength: 100 }),
			f('last_name', 'singleLineText', undefined, { maxLength: 100 }),
			f('company', 'singleLineText', undefined, { maxLength: 200 }),
			f('job_title', 'singleLineText', undefined, { maxLength: 150 }),
			f('phone', 'phoneNumber'),
			f('registration_date', 'dateTime', { timeZone: 'utc' }, { default: 'NOW' }),
			select('registration_source', ['Luma API', 'CSV Upload', 'Webinar Platform', 'Manual Entry']),
			select('attendance_status', ['Registered', 'Attended', 'No-Show', 'Cancelled'], 'Registered'),
			f('hubspot_contact_id', 'number', { precision: 0 }),
			f('salesforce_lead_id', 'singleLineText'),
			select('sync_status', ['Pending', 'Synced to HubSpot', 'Synced to SFDC', 'Error'], 'Pending'),
			f('sync_error', 'multilineText'),
			select('enrichment_status', ['Not Enriched', 'Enriched', 'Failed'], 'Not Enriched'),
			f('enriched_company_size', 'number', { precision: 0 }),
			f('enriched_revenue', 'currency', { precision: 2, symbol: '$' }),
			f('utm_source', 'multipleLookupValues', { lookupFieldName: 'utm_source' }),
			f('utm_medium', 'multipleLookupValues', { lookupFieldName: 'utm_medium' }),
			f('utm_campaign', 'multipleLookupValues', { lookupFieldName: 'utm_campaign' }),
			f('created_at', 'createdTime'),
		],
	};
	return [events, registrations];
}

// ------------------------------------------------------------------------------------------------
// Formulas: the subset this package needs (filterByFormula equality forms and the utm_campaign
// formula): {field}, 'text' / "text", numbers, &, = / !=, AND, OR, NOT, LOWER, UPPER, TRIM,
// SUBSTITUTE, DATETIME_FORMAT, RECORD_ID, BLANK, TRUE, FALSE. Anything else is INVALID_FILTER_BY_FORMULA.

function tokenize(text) {
	const tokens = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (/\s/.test(c)) {
			i++;
		} else if (c === '{') {
			const end = text.indexOf('}', i);
			if (end < 0) throw new Error('unclosed {');
			tokens.push({ t: 'field', v: text.slice(i + 1, end) });
			i = end + 1;
		} else if (c === '"' || c === "'") {
			let j = i + 1;
			let v = '';
			while (j < text.length && text[j] !== c) {
				if (text[j] === '\\' && j + 1 < text.length) j++;
				v += text[j++];
			}
			if (j >= text.length) throw new Error('unclosed string');
			tokens.push({ t: 'str', v });
			i = j + 1;
		} else if (/[0-9.]/.test(c)) {
			const m = /^[0-9]*\.?[0-9]+/.exec(text.slice(i));
			tokens.push({ t: 'num', v: Number(m[0]) });
			i += m[0].length;
		} else if (/[A-Za-z_]/.test(c)) {
			const m = /^[A-Za-z_][A-Za-z_0-9]*/.exec(text.slice(i));
			tokens.push({ t: 'id', v: m[0].toUpperCase() });
			i += m[0].length;
		} else if (text.startsWith('!=', i)) {
			tokens.push({ t: 'op', v: '!=' });
			i += 2;
		} else if ('=&(),'.includes(c)) {
			tokens.push({ t: 'op', v: c });
			i++;
		} else {
			throw new Error(`unexpected ${c}`);
		}
	}
	return tokens;
}

function parseFormula(text) {
	const tokens = tokenize(text);
	let pos = 0;
	const peek = () => tokens[pos];
	const expectOp = (v) => {
		const tok = tokens[pos++];
		if (!tok || tok.t !== 'op' || tok.v !== v) throw new Error(`expected ${v}`);
	};
	const primary = () => {
		const tok = tokens[pos++];
		if (!tok) throw new Error('unexpected end');
		if (tok.t === 'str' || tok.t === 'num') return { k: 'lit', v: tok.v };
		if (tok.t === 'field') return { k: 'field', name: tok.v };
		if (tok.t === 'op' && tok.v === '(') {
			const e = comparison();
			expectOp(')');
			return e;
		}
		if (tok.t === 'id') {
			expectOp('(');
			const args = [];
			if (!(peek() && peek().t === 'op' && peek().v === ')')) {
				args.push(comparison());
				while (peek() && peek().t === 'op' && peek().v === ',') {
					pos++;
					args.push(comparison());
				}
			}
			expectOp(')');
			if (!FUNCTIONS[tok.v]) throw new Error(`unknown function ${tok.v}`);
			return { k: 'call', fn: tok.v, args };
		}
		throw new Error(`unexpected ${tok.v}`);
	};
	const concat = () => {
		let left = primary();
		while (peek() && peek().t === 'op' && peek().v === '&') {
			pos++;
			left = { k: 'concat', a: left, b: primary() };
		}
		return left;
	};
	const comparison = () => {
		const left = concat();
		const tok = peek();
		if (tok && tok.t === 'op' && (tok.v === '=' || tok.v === '!=')) {
			pos++;
			return { k: tok.v === '=' ? 'eq' : 'ne', a: left, b: concat() };
		}
		return left;
	};
	const ast = comparison();
	if (pos !== tokens.length) throw new Error('trailing input');
	return ast;
}

const blank = (v) =>
	v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
const asText = (v) => (blank(v) ? '' : Array.isArray(v) ? v.map(asText).join(', ') : String(v));
const truthy = (v) => !blank(v) && v !== false && v !== 0;

const FUNCTIONS = {
	AND: (args) => args.every(truthy),
	OR: (args) => args.some(truthy),
	NOT: (args) => !truthy(args[0]),
	LOWER: (args) => asText(args[0]).toLowerCase(),
	UPPER: (args) => asText(args[0]).toUpperCase(),
	TRIM: (args) => asText(args[0]).trim(),
	SUBSTITUTE: (args) => asText(args[0]).split(asText(args[1])).join(asText(args[2])),
	BLANK: () => null,
	TRUE: () => true,
	FALSE: () => false,
	RECORD_ID: (args, ctx) => ctx.id,
	DATETIME_FORMAT: (args) => {
		if (blank(args[0])) throw new FormulaValueError();
		const date = new Date(asText(args[0]));
		if (Number.isNaN(date.getTime())) throw new FormulaValueError();
		const iso = date.toISOString();
		const fmt = asText(args[1] === undefined ? 'YYYY-MM-DD' : args[1]);
		return fmt
			.replace('YYYY', iso.slice(0, 4))
			.replace('MM', iso.slice(5, 7))
			.replace('DD', iso.slice(8, 10))
			.replace('HH', iso.slice(11, 13))
			.replace('mm', iso.slice(14, 16));
	},
};

class FormulaValueError extends Error {}

function evaluate(node, ctx) {
	switch (node.k) {
		case 'lit':
			return node.v;
		case 'field':
			return ctx.value(node.name);
		case 'concat':
			return asText(evaluate(node.a, ctx)) + asText(evaluate(node.b, ctx));
		case 'eq':
		case 'ne': {
			const a = evaluate(node.a, ctx);
			const b = evaluate(node.b, ctx);
			let equal;
			if (typeof a === 'number' || typeof b === 'number') equal = Number(a) === Number(b);
			else if (typeof a === 'boolean' || typeof b === 'boolean') equal = truthy(a) === truthy(b);
			else equal = asText(a) === asText(b);
			return node.k === 'eq' ? equal : !equal;
		}
		case 'call':
			return FUNCTIONS[node.fn](
				node.args.map((a) => evaluate(a, ctx)),
				ctx,
			);
		default:
			throw new Error('bad node');
	}
}

function fieldNamesIn(node, out = new Set()) {
	if (node.k === 'field') out.add(node.name);
	for (const child of [node.a, node.b, ...(node.args || [])]) if (child) fieldNamesIn(child, out);
	return out;
}

// ------------------------------------------------------------------------------------------------

class AirtableState {
	constructor(opts) {
		const o = opts || {};
		this.tokens = new Set(o.tokens || [DEFAULT_TOKEN]);
		this.baseId = o.baseId || DEFAULT_BASE_ID;
		this.defaults = {
			limitPerSecond: o.limitPerSecond || DEFAULT_LIMIT_PER_SECOND,
			penaltyMs: o.penaltyMs === undefined ? DEFAULT_PENALTY_MS : o.penaltyMs,
			seed: o.seed === undefined ? 1 : o.seed,
		};
		this.reset();
	}

	reset() {
		this.tables = seedSchema();
		this.bases = new Map([
			[
				this.baseId,
				{
					id: this.baseId,
					name: 'Event Registry',
					permissionLevel: 'create',
					tables: this.tables,
				},
			],
		]);
		this.records = new Map(this.tables.map((t) => [t.id, new Map()]));
		this.autoNumbers = new Map();
		this.basesPageSize = 1000;
		this.log = [];
		// Airtable's limit is per base: one window (accepted request times, penalty end) per base.
		this.windows = new Map();
		this.revokedTokens = new Set();
		this.limits = {
			limitPerSecond: this.defaults.limitPerSecond,
			penaltyMs: this.defaults.penaltyMs,
		};
		this.faults = defaultFaults();
		this.rng = makeRng(this.defaults.seed);
		this.counters = { requests: 0, accepted: 0, rateLimited: 0, errors5xx: 0, unauthorized: 0 };
		this.releaseLookups();
		this.lookupGate = { waiting: [], timer: undefined };
	}

	/**
	 * Holds a list request while `faults.holdLookups` ({ table, until, maxWaitMs }) is armed: until
	 * `until` lookups wait together, or the first has waited `maxWaitMs`; then all of them go on, and
	 * the switch turns itself off. `entry.held` says which ('together' or 'timeout').
	 */
	async holdLookup(table, entry) {
		const hold = this.faults.holdLookups;
		if (!hold || hold.table !== table.name) return;
		const gate = this.lookupGate;
		await new Promise((resolve) => {
			gate.waiting.push({ entry, resolve });
			const open = (how) => {
				clearTimeout(gate.timer);
				this.faults.holdLookups = null;
				for (const w of gate.waiting.splice(0)) {
					w.entry.held = how;
					w.resolve();
				}
			};
			if (gate.waiting.length >= (hold.until || 2)) open('together');
			else if (gate.waiting.length === 1)
				gate.timer = setTimeout(() => open('timeout'), hold.maxWaitMs || 5000);
		});
	}

	/** Lets every held lookup go (reset, close). */
	releaseLookups() {
		if (!this.lookupGate) return;
		clearTimeout(this.lookupGate.timer);
		for (const w of this.lookupGate.waiting.splice(0)) w.resolve();
	}

	/** Runs a write on `table` all or nothing: when it throws, the table is as it was before. */
	atomically(table, write) {
		const store = this.records.get(table.id);
		const saved = [...store.values()].map((rec) => ({
			...rec,
			fields: JSON.parse(JSON.stringify(rec.fields)),
		}));
		const autoNumber = this.autoNumbers.get(table.id);
		const choices = table.fields.map((f) =>
			f.options && f.options.choices ? f.options.choices.length : 0,
		);
		try {
			return write();
		} catch (err) {
			store.clear();
			for (const rec of saved) store.set(rec.id, rec);
			if (autoNumber === undefined) this.autoNumbers.delete(table.id);
			else this.autoNumbers.set(table.id, autoNumber);
			table.fields.forEach((f, i) => {
				if (f.options && f.options.choices) f.options.choices.length = choices[i];
			});
			throw err;
		}
	}

	/** A write answer's records in another order, when `faults.shuffleResults` is on. */
	answerOrder(records, entry) {
		if (!this.faults.shuffleResults || records.length < 2) return records;
		const out = [...records];
		for (let i = out.length - 1; i > 0; i--) {
			const j = Math.floor(this.rng() * (i + 1));
			[out[i], out[j]] = [out[j], out[i]];
		}
		if (out.every((r, i) => r === records[i])) out.reverse();
		entry.shuffled = true;
		return out;
	}

	setFaults(patch) {
		const p = patch || {};
		for (const k of Object.keys(defaultFaults())) if (k in p) this.faults[k] = p[k];
		if ('limitPerSecond' in p) this.limits.limitPerSecond = p.limitPerSecond;
		if ('penaltyMs' in p) this.limits.penaltyMs = p.penaltyMs;
		if ('basesPageSize' in p) this.basesPageSize = p.basesPageSize;
		if (p.revokeToken) this.revokedTokens.add(p.revokeToken);
		if (p.restoreToken) this.revokedTokens.delete(p.restoreToken);
		return { faults: { ...this.faults }, limits: { ...this.limits } };
	}

	/** A base the token can reach; an unknown one is a 403, as Airtable answers it. */
	base(baseId) {
		const base = this.bases.get(baseId);
		if (!base) throw invalidPermissions();
		return base;
	}

	table(nameOrId, baseId = this.baseId) {
		const t = this.base(baseId).tables.find((x) => x.id === nameOrId || x.name === nameOrId);
		if (!t) throw invalidPermissions();
		return t;
	}

	/** Any base's table by id (links and counts stay within their base). */
	tableById(id) {
		for (const base of this.bases.values()) {
			const t = base.tables.find((x) => x.id === id);
			if (t) return t;
		}
		return undefined;
	}

	/**
	 * A new base with the schema a test gives: `{ id?, name, permissionLevel?, tables: [{ name,
	 * fields: [{ name, type, options?, default? }] }] }`. Select `options.choices` may be plain
	 * names; a link, count or lookup names its table with `options.linkedTable` (a table name).
	 */
	createBase(spec) {
		const id = spec.id || airtableId('app');
		if (this.bases.has(id)) throw new Error(`Base ${id} exists`);
		const tables = spec.tables.map((t) => ({
			id: airtableId('tbl'),
			name: t.name,
			description: t.description,
			fields: [],
		}));
		spec.tables.forEach((t, i) => {
			tables[i].fields = t.fields.map((f) => {
				const options = f.options ? JSON.parse(JSON.stringify(f.options)) : undefined;
				if (options && Array.isArray(options.choices))
					options.choices = options.choices.map((c) =>
						typeof c === 'string' ? { id: airtableId('sel'), name: c } : c,
					);
				if (options && options.linkedTable) {
					const linked = tables.find((x) => x.name === options.linkedTable);
					if (!linked) throw new Error(`No table ${options.linkedTable} in the new base`);
					options.linkedTableId = linked.id;
					delete options.linkedTable;
				}
				return {
					id: airtableId('fld'),
					name: f.name,
					type: f.type,
					...(options ? { options } : {}),
					...(f.default !== undefined ? { default: f.default } : {}),
				};
			});
		});
		for (const t of tables) this.records.set(t.id, new Map());
		const base = {
			id,
			name: spec.name || id,
			permissionLevel: spec.permissionLevel || 'create',
			tables,
		};
		this.bases.set(id, base);
		return { id, name: base.name, tables: metaTables(base).tables };
	}

	tableRecords(nameOrId) {
		return this.records.get(this.table(nameOrId).id);
	}

	/** Record as the API returns it: empty fields omitted, computed fields filled in. */
	view(table, rec) {
		const fields = {};
		for (const def of table.fields) {
			const v = this.cellValue(table, rec, def);
			if (!blank(v) && v !== false) fields[def.name] = v;
		}
		return { id: rec.id, createdTime: rec.createdTime, fields };
	}

	cellValue(table, rec, def) {
		switch (def.type) {
			case 'autoNumber':
				return rec.autoNumber;
			case 'createdTime':
				return rec.createdTime;
			case 'lastModifiedTime':
				return rec.modifiedTime;
			case 'formula':
				try {
					return evaluate(parseFormula(def.options.formula), {
						id: rec.id,
						value: (name) => {
							const d = table.fields.find((x) => x.name === name);
							return d ? this.cellValue(table, rec, d) : null;
						},
					});
				} catch (err) {
					if (err instanceof FormulaValueError) return { error: '#ERROR!' };
					throw err;
				}
			case 'count': {
				const linked = this.tableById(def.options.linkedTableId);
				const link = linked.fields.find(
					(x) => x.type === 'multipleRecordLinks' && x.options.linkedTableId === table.id,
				);
				let n = 0;
				for (const r of this.records.get(linked.id).values())
					if ((r.fields[link.name] || []).includes(rec.id)) n++;
				return n;
			}
			case 'multipleLookupValues': {
				const link = table.fields.find((x) => x.type === 'multipleRecordLinks');
				const linked = this.tableById(link.options.linkedTableId);
				const target = linked.fields.find((x) => x.name === def.options.lookupFieldName);
				const out = [];
				for (const id of rec.fields[link.name] || []) {
					const other = this.records.get(linked.id).get(id);
					if (!other) continue;
					const v = this.cellValue(linked, other, target);
					if (!blank(v)) out.push(v);
				}
				return out;
			}
			default:
				return rec.fields[def.name];
		}
	}

	/**
	 * Validates one record's fields like Airtable; returns the values to store. Throws a 422
	 * AirtableError for the first problem (Airtable rejects the whole request).
	 */
	coerceFields(table, fields, typecast) {
		if (fields === null || typeof fields !== 'object' || Array.isArray(fields))
			throw new AirtableError(422, 'INVALID_RECORDS', 'Each record must have a "fields" object');
		const out = {};
		for (const [name, raw] of Object.entries(fields)) {
			const def = table.fields.find((x) => x.name === name || x.id === name);
			if (!def) throw new AirtableError(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${name}"`);
			if (COMPUTED_TYPES.includes(def.type))
				throw new AirtableError(
					422,
					'INVALID_VALUE_FOR_COLUMN',
					`Field "${def.name}" cannot accept a value because the field is computed`,
				);
			out[def.name] = this.coerceValue(def, raw, typecast);
		}
		return out;
	}

	coerceValue(def, raw, typecast) {
		const cannot = () =>
			new AirtableError(
				422,
				'INVALID_VALUE_FOR_COLUMN',
				`Field "${def.name}" cannot accept the provided value`,
			);
		if (raw === null || raw === undefined) return null;
		if (TEXT_TYPES.includes(def.type)) {
			if (typeof raw === 'string') return raw;
			if (typecast && (typeof raw === 'number' || typeof raw === 'boolean')) return String(raw);
			throw cannot();
		}
		switch (def.type) {
			case 'number':
			case 'currency': {
				if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
				if (
					typecast &&
					typeof raw === 'string' &&
					raw.trim() !== '' &&
					Number.isFinite(Number(raw))
				)
					return Number(raw);
				throw cannot();
			}
			case 'checkbox':
				if (typeof raw === 'boolean') return raw;
				if (typecast) return ['true', '1', 'yes', 'checked'].includes(String(raw).toLowerCase());
				throw cannot();
			case 'date':
			case 'dateTime': {
				const text =
					typeof raw === 'string'
						? raw
						: typecast && typeof raw === 'number'
							? new Date(raw).toISOString()
							: undefined;
				const time = text === undefined ? NaN : Date.parse(text);
				if (Number.isNaN(time))
					throw new AirtableError(
						422,
						'INVALID_VALUE_FOR_COLUMN',
						`Cannot parse date value ${JSON.stringify(String(raw))} for field ${def.name}`,
					);
				return def.type === 'date'
					? new Date(time).toISOString().slice(0, 10)
					: new Date(time).toISOString();
			}
			case 'singleSelect': {
				if (typeof raw !== 'string') throw cannot();
				const value = raw;
				if (def.options.choices.some((c) => c.name === value)) return value;
				if (typecast) {
					def.options.choices.push({ id: airtableId('sel'), name: value });
					return value;
				}
				throw new AirtableError(
					422,
					'INVALID_MULTIPLE_CHOICE_OPTIONS',
					`Insufficient permissions to create new select option ""${value}""`,
				);
			}
			case 'multipleRecordLinks': {
				let ids = raw;
				if (typecast && typeof raw === 'string')
					ids = raw
						.split(',')
						.map((s) => s.trim())
						.filter(Boolean);
				if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw cannot();
				const linked = this.records.get(def.options.linkedTableId);
				for (const id of ids) {
					if (!linked.has(id))
						throw new AirtableError(
							422,
							'ROW_DOES_NOT_EXIST',
							`Record ID ${id} does not exist (field "${def.name}")`,
						);
				}
				return [...new Set(ids)];
			}
			default:
				throw cannot();
		}
	}

	newRecord(table, values) {
		const now = new Date().toISOString();
		const n = (this.autoNumbers.get(table.id) || 0) + 1;
		this.autoNumbers.set(table.id, n);
		const fields = {};
		for (const def of table.fields) {
			if (def.default === undefined) continue;
			fields[def.name] = def.default === 'NOW' ? now : def.default;
		}
		Object.assign(fields, values);
		return { id: airtableId('rec'), createdTime: now, modifiedTime: now, autoNumber: n, fields };
	}

	tableSnapshot(tables) {
		return Object.fromEntries(
			tables.map((t) => [t.name, [...this.records.get(t.id).values()].map((r) => this.view(t, r))]),
		);
	}

	/** The rate window of a base (the meta API's bases listing has one of its own). */
	window(key) {
		let w = this.windows.get(key);
		if (!w) this.windows.set(key, (w = { hits: [], penaltyUntil: 0 }));
		return w;
	}

	snapshot(opts) {
		const out = {
			baseId: this.baseId,
			limits: { ...this.limits },
			faults: { ...this.faults },
			penaltyUntil: this.window(this.baseId).penaltyUntil,
			counters: { ...this.counters },
			tables: this.tableSnapshot(this.tables),
			bases: Object.fromEntries(
				[...this.bases.values()].map((b) => [
					b.id,
					{ name: b.name, tables: this.tableSnapshot(b.tables) },
				]),
			),
		};
		if (!opts || opts.includeLog !== false) out.log = this.log;
		return out;
	}
}

function defaultFaults() {
	return {
		latencyMs: 0,
		errorRate5xx: 0,
		force5xx: 0,
		status5xx: 503,
		force429: 0,
		shuffleResults: false,
		holdLookups: null,
		lateAnswers: 0,
		lateAnswerMs: 0,
	};
}

function makeRng(seed) {
	let s = seed >>> 0 || 1;
	return () => {
		s ^= s << 13;
		s >>>= 0;
		s ^= s >>> 17;
		s ^= s << 5;
		s >>>= 0;
		return s / 4294967296;
	};
}

// ------------------------------------------------------------------------------------------------
// Routes

function recordsArray(body, requireId, forbidId) {
	const records = body && body.records;
	if (!Array.isArray(records) || records.length === 0 || records.length > RECORDS_PER_REQUEST)
		throw new AirtableError(
			422,
			'INVALID_RECORDS',
			`You must provide an array of up to ${RECORDS_PER_REQUEST} record objects, each with a "fields" object`,
		);
	for (const r of records) {
		if (!r || typeof r !== 'object')
			throw new AirtableError(422, 'INVALID_RECORDS', 'Invalid record');
		if (requireId && typeof r.id !== 'string')
			throw new AirtableError(422, 'INVALID_RECORDS', 'Each record must have an "id" string');
		if (forbidId && r.id !== undefined)
			throw new AirtableError(
				422,
				'INVALID_REQUEST_UNKNOWN',
				'Records in an upsert request must not have an "id"',
			);
	}
	return records;
}

function listRecords(state, table, query) {
	const pageSize = query.pageSize === undefined ? MAX_PAGE_SIZE : Number(query.pageSize);
	if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
		throw new AirtableError(
			422,
			'INVALID_PAGE_SIZE',
			`pageSize must be between 1 and ${MAX_PAGE_SIZE}`,
		);
	let all = [...state.records.get(table.id).values()];
	if (query.filterByFormula) {
		let ast;
		try {
			ast = parseFormula(query.filterByFormula);
			for (const name of fieldNamesIn(ast))
				if (!table.fields.some((x) => x.name === name)) throw new Error(`unknown field ${name}`);
		} catch (err) {
			throw new AirtableError(
				422,
				'INVALID_FILTER_BY_FORMULA',
				`The formula for filtering records is invalid: ${err.message}`,
			);
		}
		all = all.filter((rec) => {
			try {
				return truthy(
					evaluate(ast, {
						id: rec.id,
						value: (name) =>
							state.cellValue(
								table,
								rec,
								table.fields.find((x) => x.name === name),
							),
					}),
				);
			} catch (err) {
				if (err instanceof FormulaValueError) return false;
				throw err;
			}
		});
	}
	if (query.maxRecords !== undefined) all = all.slice(0, Number(query.maxRecords));
	const start = query.offset ? Number(String(query.offset).split('/')[0].replace(/^itr/, '')) : 0;
	if (!Number.isInteger(start) || start < 0)
		throw new AirtableError(422, 'LIST_RECORDS_ITERATOR_NOT_AVAILABLE', 'Invalid offset');
	const page = all.slice(start, start + pageSize);
	const out = { records: page.map((r) => state.view(table, r)) };
	if (start + pageSize < all.length)
		out.offset = `itr${start + pageSize}/${page[page.length - 1].id}`;
	return out;
}

function createRecords(state, table, body, entry) {
	const single = body && body.fields !== undefined && body.records === undefined;
	const inputs = single ? [{ fields: body.fields }] : recordsArray(body, false, false);
	const typecast = Boolean(body.typecast);
	const values = inputs.map((r) => state.coerceFields(table, r.fields, typecast));
	const store = state.records.get(table.id);
	const created = values.map((v) => {
		const rec = state.newRecord(table, v);
		store.set(rec.id, rec);
		return state.view(table, rec);
	});
	return single ? created[0] : { records: state.answerOrder(created, entry) };
}

function updateRecords(state, table, body, destructive, entry) {
	const store = state.records.get(table.id);
	const typecast = Boolean(body && body.typecast);
	const upsert = body && body.performUpsert;
	if (upsert) {
		const merge = upsert.fieldsToMergeOn;
		if (!Array.isArray(merge) || merge.length < 1 || merge.length > 3)
			throw new AirtableError(
				422,
				'INVALID_REQUEST_UNKNOWN',
				'performUpsert.fieldsToMergeOn must be an array of 1 to 3 field names',
			);
		for (const name of merge) {
			const def = table.fields.find((x) => x.name === name || x.id === name);
			if (!def) throw new AirtableError(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${name}"`);
			if (COMPUTED_TYPES.includes(def.type) || def.type === 'multipleRecordLinks')
				throw new AirtableError(
					422,
					'INVALID_MERGE_FIELD',
					`Field "${def.name}" cannot be used in fieldsToMergeOn`,
				);
		}
		const inputs = recordsArray(body, false, true);
		const values = inputs.map((r) => state.coerceFields(table, r.fields, typecast));
		const mergeNames = merge.map(
			(name) => table.fields.find((x) => x.name === name || x.id === name).name,
		);
		for (const v of values) {
			for (const name of mergeNames)
				if (blank(v[name]))
					throw new AirtableError(
						422,
						'INVALID_VALUE_FOR_COLUMN',
						`Field "${name}" is in fieldsToMergeOn and must have a value`,
					);
		}
		const results = [];
		const createdRecords = [];
		const updatedRecords = [];
		for (const v of values) {
			const matches = [...store.values()].filter((rec) =>
				mergeNames.every((name) => asText(rec.fields[name]) === asText(v[name])),
			);
			if (matches.length > 1)
				throw new AirtableError(
					422,
					'INVALID_VALUE_FOR_COLUMN',
					`More than one record matches fieldsToMergeOn (${mergeNames.join(', ')})`,
				);
			if (matches.length === 1) {
				const rec = matches[0];
				Object.assign(rec.fields, v);
				rec.modifiedTime = new Date().toISOString();
				if (!updatedRecords.includes(rec.id) && !createdRecords.includes(rec.id))
					updatedRecords.push(rec.id);
				results.push(rec);
			} else {
				const rec = state.newRecord(table, v);
				store.set(rec.id, rec);
				createdRecords.push(rec.id);
				results.push(rec);
			}
		}
		return {
			records: state.answerOrder(
				results.map((rec) => state.view(table, rec)),
				entry,
			),
			createdRecords,
			updatedRecords,
		};
	}
	const inputs = recordsArray(body, true, false);
	for (const r of inputs)
		if (!store.has(r.id))
			throw new AirtableError(422, 'ROW_DOES_NOT_EXIST', `Record ID ${r.id} does not exist`);
	const values = inputs.map((r) => state.coerceFields(table, r.fields, typecast));
	const updated = inputs.map((r, i) => {
		const rec = store.get(r.id);
		if (destructive) {
			const kept = {};
			rec.fields = Object.assign(kept, values[i]);
		} else Object.assign(rec.fields, values[i]);
		rec.modifiedTime = new Date().toISOString();
		return state.view(table, rec);
	});
	return { records: state.answerOrder(updated, entry) };
}

/** `GET /v0/meta/bases`: `{ bases: [{ id, name, permissionLevel }], offset? }`, a page at a time. */
function metaBases(state, query) {
	const all = [...state.bases.values()];
	const start = query.offset ? Number(String(query.offset).replace(/^itr/, '')) : 0;
	if (!Number.isInteger(start) || start < 0 || start > all.length)
		throw new AirtableError(422, 'INVALID_OFFSET_VALUE', 'The offset is invalid');
	const page = all.slice(start, start + state.basesPageSize);
	const out = {
		bases: page.map((b) => ({ id: b.id, name: b.name, permissionLevel: b.permissionLevel })),
	};
	if (start + state.basesPageSize < all.length) out.offset = `itr${start + state.basesPageSize}`;
	return out;
}

function metaTables(base) {
	return {
		tables: base.tables.map((t) => ({
			id: t.id,
			name: t.name,
			description: t.description,
			primaryFieldId: t.fields[0].id,
			fields: t.fields.map(({ id, name, type, options }) => ({
				id,
				name,
				type,
				...(options ? { options: JSON.parse(JSON.stringify(options)) } : {}),
			})),
			views: [{ id: 'viwGridView00001', name: 'Grid view', type: 'grid' }],
		})),
	};
}

/**
 * `DELETE /v0/{base}/{table}?records[]=rec…` (up to 10) or `DELETE /v0/{base}/{table}/{record}`:
 * Airtable's delete, answered `{records: [{id, deleted: true}]}` (one record: `{id, deleted: true}`)
 * and applied all or nothing. ASSUMED (Airtable documents the success only): an ID the table does
 * not hold refuses the whole request with 404 NOT_FOUND; no ID, or more than 10, is a 422
 * INVALID_RECORDS.
 */
function deleteRecords(state, table, ids, entry, single) {
	if (!single && (ids.length === 0 || ids.length > RECORDS_PER_REQUEST))
		throw new AirtableError(
			422,
			'INVALID_RECORDS',
			`You must provide an array of up to ${RECORDS_PER_REQUEST} record IDs in records[]`,
		);
	entry.recordCount = ids.length;
	const store = state.records.get(table.id);
	for (const id of ids)
		if (!store.has(id)) throw new AirtableError(404, 'NOT_FOUND', `Could not find record ${id}`);
	for (const id of ids) store.delete(id);
	const out = ids.map((id) => ({ id, deleted: true }));
	return single ? out[0] : { records: state.answerOrder(out, entry) };
}

/** Returns [status, payload]; `entry` gets the table and record count for the log. */
async function route(state, method, segments, query, body, entry, params) {
	if (segments[0] === 'meta') {
		if (method === 'GET' && segments[1] === 'bases' && segments.length === 2)
			return [200, metaBases(state, query)];
		if (
			method === 'GET' &&
			segments[1] === 'bases' &&
			segments[3] === 'tables' &&
			segments.length === 4
		)
			return [200, metaTables(state.base(segments[2]))];
		throw new AirtableError(404, 'NOT_FOUND', 'Could not find what you are looking for');
	}
	const [baseId, tableName, recordId] = segments;
	if (!tableName)
		throw new AirtableError(404, 'NOT_FOUND', 'Could not find what you are looking for');
	const table = state.table(tableName, baseId);
	entry.table = table.name;
	if (body && Array.isArray(body.records)) entry.recordCount = body.records.length;
	if (body && body.performUpsert) entry.upsert = true;
	if (recordId !== undefined) {
		if (method === 'DELETE')
			return [
				200,
				state.atomically(table, () => deleteRecords(state, table, [recordId], entry, true)),
			];
		if (method !== 'GET')
			throw new AirtableError(404, 'NOT_FOUND', 'Could not find what you are looking for');
		const rec = state.records.get(table.id).get(recordId);
		if (!rec) throw new AirtableError(404, 'NOT_FOUND', 'Could not find what you are looking for');
		return [200, state.view(table, rec)];
	}
	switch (method) {
		case 'GET':
			await state.holdLookup(table, entry);
			return [200, listRecords(state, table, query)];
		case 'POST':
			return [200, state.atomically(table, () => createRecords(state, table, body || {}, entry))];
		case 'PATCH':
		case 'PUT':
			return [
				200,
				state.atomically(table, () =>
					updateRecords(state, table, body || {}, method === 'PUT', entry),
				),
			];
		case 'DELETE':
			return [
				200,
				state.atomically(table, () =>
					deleteRecords(state, table, params ? params.getAll('records[]') : [], entry, false),
				),
			];
		default:
			throw new AirtableError(404, 'NOT_FOUND', 'Could not find what you are looking for');
	}
}

// ------------------------------------------------------------------------------------------------
// HTTP

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function send(res, status, payload) {
	const text = JSON.stringify(payload);
	res.writeHead(status, {
		'content-type': 'application/json; charset=utf-8',
		'content-length': Buffer.byteLength(text),
	});
	res.end(text);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fingerprint = (token) => crypto.createHash('sha256').update(token).digest('hex').slice(0, 12);

function bearerToken(req) {
	const h = req.headers.authorization || '';
	const m = /^Bearer\s+(.+)$/i.exec(h);
	return m ? m[1].trim() : undefined;
}

const rateLimited = () => ({
	errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }],
});

async function handleApi(state, req, res, url) {
	const query = {};
	for (const [k, v] of url.searchParams) query[k] = v;
	const token = bearerToken(req);
	const entry = {
		seq: state.log.length + 1,
		method: req.method,
		path: url.pathname,
		query,
		tokenFingerprint: token ? fingerprint(token) : null,
		status: 0,
		time: Date.now(),
	};
	state.log.push(entry);
	state.counters.requests += 1;
	const raw = await readBody(req);
	const f = state.faults;
	if (f.latencyMs > 0) await sleep(f.latencyMs);
	const reply = (status, payload) => {
		entry.status = status;
		entry.durationMs = Date.now() - entry.time;
		send(res, status, payload);
	};
	const fail = (err) => {
		entry.errorType = err.type;
		if (err.status >= 500) state.counters.errors5xx += 1;
		return reply(err.status, { error: { type: err.type, message: err.message } });
	};

	if (!token || !state.tokens.has(token) || state.revokedTokens.has(token)) {
		state.counters.unauthorized += 1;
		return fail(new AirtableError(401, 'AUTHENTICATION_REQUIRED', 'Authentication required'));
	}
	const now = Date.now();
	const tooMany = (forced) => {
		state.counters.rateLimited += 1;
		if (forced) entry.forced = true;
		entry.errorType = 'RATE_LIMIT_REACHED';
		return reply(429, rateLimited());
	};
	const [first, second, third] = url.pathname.replace(/^\/v0\//, '').split('/');
	const win = state.window(
		first === 'meta' ? (second === 'bases' && third ? third : 'meta') : first,
	);
	if (now < win.penaltyUntil) {
		entry.inPenalty = true;
		return tooMany(false);
	}
	if (f.force429 > 0) {
		f.force429 -= 1;
		win.penaltyUntil = now + state.limits.penaltyMs;
		return tooMany(true);
	}
	while (win.hits.length && win.hits[0] <= now - 1000) win.hits.shift();
	if (win.hits.length >= state.limits.limitPerSecond) {
		win.penaltyUntil = now + state.limits.penaltyMs;
		return tooMany(false);
	}
	win.hits.push(now);
	if (f.force5xx > 0) {
		f.force5xx -= 1;
		entry.forced = true;
		return fail(
			new AirtableError(
				f.status5xx,
				'SERVER_ERROR',
				'Try again. If the problem persists, contact support.',
			),
		);
	}
	if (f.errorRate5xx > 0 && state.rng() < f.errorRate5xx) {
		entry.forced = true;
		return fail(
			new AirtableError(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable.'),
		);
	}
	state.counters.accepted += 1;
	try {
		let body;
		if (raw !== '') {
			try {
				body = JSON.parse(raw);
			} catch {
				throw new AirtableError(422, 'INVALID_REQUEST_BODY', 'Could not parse request body');
			}
		}
		const segments = url.pathname
			.replace(/^\/v0\//, '')
			.split('/')
			.filter((s) => s !== '')
			.map((s) => decodeURIComponent(s));
		if (!url.pathname.startsWith('/v0/'))
			throw new AirtableError(404, 'NOT_FOUND', 'Could not find what you are looking for');
		const [status, payload] = await route(
			state,
			req.method,
			segments,
			query,
			body,
			entry,
			url.searchParams,
		);
		if (req.method !== 'GET' && f.lateAnswers > 0) {
			// Applied already; the answer comes after the client may have given up.
			f.lateAnswers -= 1;
			entry.late = true;
			await sleep(f.lateAnswerMs);
		}
		return reply(status, payload);
	} catch (err) {
		if (err instanceof AirtableError) return fail(err);
		return fail(new AirtableError(500, 'SERVER_ERROR', `Emulator error: ${err && err.message}`));
	}
}

function filterLog(state, filter) {
	return state.log.filter((e) => !filter || Object.entries(filter).every(([k, v]) => e[k] === v));
}

async function handleControl(state, req, res, url) {
	const raw = await readBody(req);
	try {
		const body = raw ? JSON.parse(raw) : {};
		const key = `${req.method} ${url.pathname}`;
		if (key === 'GET /__emulator/state')
			return send(res, 200, state.snapshot({ includeLog: url.searchParams.get('log') !== '0' }));
		if (key === 'GET /__emulator/requests') {
			const filter = {};
			for (const [k, v] of url.searchParams) filter[k] = k === 'status' ? Number(v) : v;
			return send(res, 200, {
				entries: filterLog(state, Object.keys(filter).length ? filter : undefined),
			});
		}
		if (key === 'POST /__emulator/faults') return send(res, 200, state.setFaults(body));
		if (key === 'POST /__emulator/bases') return send(res, 200, state.createBase(body));
		if (key === 'POST /__emulator/reset') {
			state.reset();
			return send(res, 200, { ok: true });
		}
		const seedMatch = /^POST \/__emulator\/records\/([^/]+)$/.exec(key);
		if (seedMatch)
			return send(res, 200, {
				records: seedRecords(state, decodeURIComponent(seedMatch[1]), body.records || []),
			});
		const recordsMatch = /^GET \/__emulator\/bases\/([^/]+)\/records\/([^/]+)$/.exec(key);
		if (recordsMatch)
			return send(res, 200, {
				records: baseRecords(state, recordsMatch[1], decodeURIComponent(recordsMatch[2])),
			});
		return send(res, 404, {
			error: { type: 'NOT_FOUND', message: 'Unknown emulator control endpoint' },
		});
	} catch (err) {
		if (err instanceof AirtableError)
			return send(res, err.status, { error: { type: err.type, message: err.message } });
		return send(res, 500, {
			error: { type: 'SERVER_ERROR', message: `Emulator control failed: ${err && err.message}` },
		});
	}
}

/** A table's records in any base, as the API returns them. */
function baseRecords(state, baseId, tableName) {
	const t = state.table(tableName, baseId);
	return [...state.records.get(t.id).values()].map((r) => state.view(t, r));
}

/** Test setup: stores records (fields validated with typecast) without touching limits or the log. */
function seedRecords(state, tableName, fieldsList) {
	const table = state.table(tableName);
	const store = state.records.get(table.id);
	return fieldsList.map((fields) => {
		const rec = state.newRecord(table, state.coerceFields(table, fields, true));
		store.set(rec.id, rec);
		return state.view(table, rec);
	});
}

/**
 * Starts the emulator. With `tls: {key, cert, port, host}` the same state (one base, one rate limit) also
 * answers HTTPS, for clients with the fixed https://api.airtable.com base URL (n8n's built-in node).
 */
async function startAirtableEmulator(opts) {
	const o = opts || {};
	const state = new AirtableState(o);
	const handle = (req, res) => {
		const url = new URL(req.url || '/', 'http://emulator.local');
		const handler = url.pathname.startsWith('/__emulator/') ? handleControl : handleApi;
		handler(state, req, res, url).catch((err) =>
			send(res, 500, {
				error: { type: 'SERVER_ERROR', message: `Emulator crashed: ${err && err.message}` },
			}),
		);
	};
	const server = http.createServer(handle);
	server.keepAliveTimeout = 1000;
	const host = o.host || '127.0.0.1';
	const port = await listen(server, o.port, host);
	let tlsServer;
	let httpsUrl;
	if (o.tls) {
		tlsServer = https.createServer({ key: o.tls.key, cert: o.tls.cert }, handle);
		tlsServer.keepAliveTimeout = 1000;
		const tlsHost = o.tls.host || host;
		try {
			httpsUrl = `https://${tlsHost}:${await listen(tlsServer, o.tls.port, tlsHost)}`;
		} catch (err) {
			await closeServer(server);
			throw err;
		}
	}
	return {
		url: `http://${host}:${port}`,
		httpsUrl,
		port,
		baseId: state.baseId,
		defaultToken: DEFAULT_TOKEN,
		state,
		reset: () => state.reset(),
		setFaults: (faults) => state.setFaults(faults),
		requests: (filter) => filterLog(state, filter),
		records: (table, baseId = state.baseId) => baseRecords(state, baseId, table),
		createBase: (spec) => state.createBase(spec),
		seed: (table, fieldsList) => seedRecords(state, table, fieldsList),
		close: async () => {
			state.releaseLookups();
			await Promise.all([closeServer(server), tlsServer ? closeServer(tlsServer) : undefined]);
		},
	};
}

module.exports = {
	startAirtableEmulator,
	DEFAULT_TOKEN,
	DEFAULT_BASE_ID,
	RECORDS_PER_REQUEST,
	MAX_PAGE_SIZE,
	UTM_CAMPAIGN_FORMULA,
	parseFormula,
};
