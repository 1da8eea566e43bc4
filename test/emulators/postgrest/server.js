'use strict';
// PostgREST-protocol test double (PostgREST itself cannot be installed on these machines).
//
// This is NOT a PostgREST reimplementation. It understands the request shapes that
// @supabase/supabase-js 2.x (its postgrest-js) sends for what this package's nodes do, mounted at
// /rest/v1/ like a Supabase project, and turns each request into parameterized SQL on a REAL
// PostgreSQL, so the data effects tests see are real:
//   - GET/HEAD /rest/v1/<table>?select=&<col>=<op>.<value>&or=(..)&order=&limit=&offset=
//     (Accept: application/vnd.pgrst.object+json for .single(), Prefer: count=exact → Content-Range)
//   - POST /rest/v1/<table>[?columns=..][&on_conflict=..] insert / upsert (Prefer: return=,
//     resolution=merge-duplicates|ignore-duplicates, missing=default): ONE INSERT statement for
//     any number of rows, values converted by Postgres from the JSON body (json_populate_recordset)
//   - PATCH / DELETE /rest/v1/<table>?<filters>
//   - POST (or GET) /rest/v1/rpc/<function> with named arguments
//   - Supabase gateway API-key checks, Accept-Profile / Content-Profile schema switching, and
//     Postgres errors mapped to PostgREST's HTTP statuses and {code, details, hint, message} bodies.
// Unsupported PostgREST features (resource embedding, JSON paths, aggregates, full-text search,
// PUT, CSV, ...) answer 400 PGRST127 "Feature not implemented" instead of guessing.
//
// Identifiers are always double-quoted (embedded quotes doubled, NUL rejected) and table and
// function names are checked against the catalog; values are always bound parameters.
// Plain CommonJS so jest (via server.d.ts) and a bare `node cli.js` can both load it.
const http = require('node:http');
const { listen } = require('../serverLifecycle');
const { createHolds } = require('./requestHold');
const { Pool } = require('pg');

const DEFAULT_SERVICE_ROLE_KEY =
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' +
	'eyJpc3MiOiJta29wcy1wb3N0Z3Jlc3QtZG91YmxlIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwfQ.' +
	'bWtvcHMtcG9zdGdyZXN0LWRvdWJsZS1ub3QtYS1yZWFsLXNpZ25hdHVyZQ';
const REST_PREFIX = '/rest/v1';
const RESERVED_PARAMS = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);
const LOGIC_KEYS = new Set(['or', 'and', 'not.or', 'not.and']);
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const JSON_CT = 'application/json; charset=utf-8';
const OBJECT_CT = 'application/vnd.pgrst.object+json; charset=utf-8';

// ------------------------------------------------------------------------------------------------
// Errors

class HttpError extends Error {
	constructor(status, body, headers) {
		super(body.message);
		this.status = status;
		this.body = body;
		this.headers = headers || {};
	}
}

/** An error in PostgREST's shape: {code, details, hint, message}. */
const pgrst = (status, code, message, details = null, hint = null, headers) =>
	new HttpError(status, { code, details, hint, message }, headers);

const notImplemented = (what) =>
	pgrst(400, 'PGRST127', 'Feature not implemented', `${what} is not supported by the test double`);

const parseError = (what, raw, details) =>
	pgrst(400, 'PGRST100', `"failed to parse ${what} (${raw})" (line 1, column 1)`, details);

const invalidBody = (message) => pgrst(400, 'PGRST102', message);

const columnNotFound = (table, column) =>
	pgrst(400, 'PGRST204', `Could not find the '${column}' column of '${table}' in the schema cache`);

/** PostgREST's PostgreSQL error code → HTTP status table (src/PostgREST/Error.hs, mapSQLtoHTTP). */
function pgErrorStatus(code, message) {
	const c = String(code || '');
	const m = String(message || '');
	if (c.startsWith('08')) return 503;
	if (c.startsWith('09')) return 500;
	if (c.startsWith('0L') || c.startsWith('0P')) return 403;
	if (c === '23503' || c === '23505') return 409;
	if (c === '25006') return 405;
	if (c === '21000') return m.endsWith('requires a WHERE clause') ? 400 : 500;
	if (c === '22023') return m.startsWith('role') && m.endsWith('does not exist') ? 401 : 400;
	if (/^(25|2D|38|39|3B|40)/.test(c)) return 500;
	if (c === '53400') return 500;
	if (c.startsWith('53')) return 503;
	if (c === '57P01') return 503;
	if (/^(54|55|57|58|F0|HV|XX)/.test(c)) return 500;
	if (c === 'P0001') return 400;
	if (c.startsWith('P0')) return 500;
	if (c === '42883') return m.startsWith('function xmlagg(') ? 406 : 404;
	if (c === '42P01') return 404;
	if (c === '42P17') return 500;
	if (c === '42501') return 403; // authenticated (service role) → 403; anonymous would be 401
	if (c.startsWith('PT')) {
		const n = Number(c.slice(2));
		return Number.isInteger(n) && n >= 100 && n <= 599 ? n : 500;
	}
	return 400;
}

function fromPgError(err) {
	if (err instanceof HttpError) return err;
	if (err && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) && err.severity) {
		return pgrst(
			pgErrorStatus(err.code, err.message),
			err.code,
			err.message,
			err.detail ?? null,
			err.hint ?? null,
		);
	}
	const msg = String((err && err.message) || err);
	if (/timeout exceeded when trying to connect/i.test(msg))
		return pgrst(504, 'PGRST003', 'Timed out acquiring connection from connection pool.');
	if (err && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'ENOTFOUND'))
		return pgrst(503, 'PGRST000', 'Database connection error. Retrying the connection.', msg);
	return pgrst(500, 'PGRSTX00', `Test double error: ${msg}`);
}

// ------------------------------------------------------------------------------------------------
// Identifiers and query-string grammar

/** Double-quotes an identifier; embedded quotes are doubled, NUL (which Postgres cannot hold) is refused. */
function ident(name) {
	if (typeof name !== 'string' || name === '' || name.includes('\u0000'))
		throw parseError(
			'identifier',
			String(name),
			'Identifiers must be non-empty and contain no NUL',
		);
	return `"${name.replace(/"/g, '""')}"`;
}

/** Splits on `sep` outside double quotes and parentheses/braces. */
function splitTopLevel(text, sep = ',') {
	const out = [];
	let depth = 0;
	let quoted = false;
	let cur = '';
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (quoted) {
			cur += ch;
			if (ch === '\\' && i + 1 < text.length) cur += text[++i];
			else if (ch === '"') quoted = false;
			continue;
		}
		if (ch === '"') quoted = true;
		else if (ch === '(' || ch === '{' || ch === '[') depth++;
		else if (ch === ')' || ch === '}' || ch === ']') depth--;
		if (ch === sep && depth === 0) {
			out.push(cur);
			cur = '';
		} else cur += ch;
	}
	out.push(cur);
	return out;
}

/** `"a \"b\""` → `a "b"`; anything not wrapped in quotes is returned as is. */
function unquote(text) {
	if (text.length >= 2 && text.startsWith('"') && text.endsWith('"'))
		return text.slice(1, -1).replace(/\\(.)/g, '$1');
	return text;
}

/** Reads an identifier at `pos`: a double-quoted one, or bare characters up to one of `stops`. */
function readIdent(text, pos, stops) {
	if (text[pos] === '"') {
		let i = pos + 1;
		let name = '';
		while (i < text.length && text[i] !== '"') {
			if (text[i] === '\\' && i + 1 < text.length) i++;
			name += text[i++];
		}
		if (i >= text.length) return null;
		return { name, end: i + 1 };
	}
	let i = pos;
	while (i < text.length && !stops.includes(text[i])) i++;
	return { name: text.slice(pos, i), end: i };
}

function assertPlainColumn(name, where) {
	if (name.includes('->')) throw notImplemented(`JSON path '${name}' in ${where}`);
}

const CAST_TYPE = /^[A-Za-z_][A-Za-z0-9_]*( [A-Za-z_][A-Za-z0-9_]*)*(\[\])?$/;

/** `select=` → [{star} | {column, alias, cast}] */
function parseSelect(raw) {
	if (raw === undefined || raw === null || raw === '') return [{ star: true }];
	return splitTopLevel(raw).map((piece) => {
		const p = piece.trim();
		if (p === '*') return { star: true };
		if (p === '') throw parseError('select', raw, 'Empty column in select');
		if (/[()]/.test(p.replace(/"[^"]*"/g, '')))
			throw notImplemented(`Resource embedding / aggregates ('${p}') in select`);
		if (p.startsWith('...')) throw notImplemented(`Spread ('${p}') in select`);
		const first = readIdent(p, 0, [':']);
		if (!first || first.name === '') throw parseError('select', raw, `Bad select item '${p}'`);
		let pos = first.end;
		let alias;
		let column = first.name;
		if (p[pos] === ':' && p[pos + 1] !== ':') {
			const second = readIdent(p, pos + 1, [':']);
			if (!second || second.name === '') throw parseError('select', raw, `Bad alias in '${p}'`);
			alias = first.name;
			column = second.name;
			pos = second.end;
		}
		let cast;
		if (p.startsWith('::', pos)) {
			cast = p.slice(pos + 2);
			if (!CAST_TYPE.test(cast)) throw parseError('select', raw, `Bad cast type '${cast}'`);
			pos = p.length;
		}
		if (pos !== p.length) throw parseError('select', raw, `Unexpected '${p.slice(pos)}'`);
		assertPlainColumn(column, 'select');
		return { column, alias: alias ?? column, cast };
	});
}

/** `order=a.desc.nullslast,b` → [{column, dir, nulls}] */
function parseOrder(raw) {
	return splitTopLevel(raw).map((piece) => {
		const id = readIdent(piece, 0, ['.']);
		if (!id || id.name === '')
			throw parseError('order', raw, 'unexpected end of input expecting field name');
		assertPlainColumn(id.name, 'order');
		const mods = piece
			.slice(id.end)
			.split('.')
			.filter((m, i) => i > 0 || m !== '');
		const item = { column: id.name, dir: undefined, nulls: undefined };
		for (const m of mods) {
			if ((m === 'asc' || m === 'desc') && !item.dir && !item.nulls) item.dir = m;
			else if ((m === 'nullsfirst' || m === 'nullslast') && !item.nulls) item.nulls = m;
			else
				throw parseError(
					'order',
					raw,
					`unexpected "${m}" expecting "asc", "desc", "nullsfirst" or "nullslast"`,
				);
		}
		return item;
	});
}

function parseCount(name, raw) {
	if (raw === undefined) return undefined;
	if (!/^\d+$/.test(raw))
		throw parseError(`${name} parameter`, raw, `${name} must be a non-negative integer`);
	return Number(raw);
}

/** `(a,"b,c",d)` or `{a,b}` → ['a', 'b,c', 'd'] */
function parseList(body) {
	if (body.trim() === '') return [];
	return splitTopLevel(body).map((v) => unquote(v));
}

const BINARY_OPS = {
	eq: '=',
	neq: '<>',
	gt: '>',
	gte: '>=',
	lt: '<',
	lte: '<=',
	like: 'LIKE',
	ilike: 'ILIKE',
	match: '~',
	imatch: '~*',
	isdistinct: 'IS DISTINCT FROM',
	cs: '@>',
	cd: '<@',
	ov: '&&',
	sl: '<<',
	sr: '>>',
	nxr: '&<',
	nxl: '&>',
	adj: '-|-',
};
const QUANTIFIABLE = new Set(['eq', 'like', 'ilike', 'gt', 'gte', 'lt', 'lte', 'match', 'imatch']);
const FTS_OPS = new Set(['fts', 'plfts', 'phfts', 'wfts']);
const OPERATOR_LIST =
	'eq, gt, gte, lt, lte, neq, like, ilike, match, imatch, in, is, isdistinct, cs, cd, ov, sl, sr, nxr, nxl, adj';

/** `<col>=<value>` (or `col.value` inside or=()/and=()) → a condition node. */
function parseCondition(column, value, inLogicTree) {
	const m = /^(not\.)?([a-z]+)(?:\(([^)]*)\))?\.([\s\S]*)$/.exec(value);
	if (!m)
		throw parseError(
			'filter',
			value,
			`unexpected "${value.slice(0, 1)}" expecting "not" or operator (${OPERATOR_LIST})`,
		);
	const [, not, op, modifier, rest] = m;
	assertPlainColumn(column, 'filters');
	if (FTS_OPS.has(op)) throw notImplemented(`Full-text search operator '${op}'`);
	const node = { kind: 'cond', column, not: Boolean(not), op };
	if (op === 'in') {
		if (modifier !== undefined || !rest.startsWith('(') || !rest.endsWith(')'))
			throw parseError('filter', value, 'in expects a parenthesized list, e.g. in.(1,2,3)');
		node.values = parseList(rest.slice(1, -1));
		return node;
	}
	if (op === 'is') {
		const v = rest.toLowerCase();
		if (modifier !== undefined || !['null', 'not_null', 'true', 'false', 'unknown'].includes(v))
			throw parseError('filter', value, 'is expects null, not_null, true, false or unknown');
		node.value = v;
		return node;
	}
	if (!BINARY_OPS[op])
		throw parseError(
			'filter',
			value,
			`unexpected "${op}" expecting "not" or operator (${OPERATOR_LIST})`,
		);
	const v = inLogicTree ? unquote(rest) : rest;
	if (modifier !== undefined) {
		if (!(modifier === 'any' || modifier === 'all') || !QUANTIFIABLE.has(op))
			throw parseError('filter', value, `unexpected modifier "(${modifier})"`);
		if (!v.startsWith('{') || !v.endsWith('}'))
			throw parseError('filter', value, `${op}(${modifier}) expects a list like {a,b}`);
		node.quantifier = modifier.toUpperCase();
		node.values = parseList(v.slice(1, -1));
		return node;
	}
	node.value = v;
	return node;
}

/** `or=(a.eq.1,and(b.gt.2,c.is.null))` → a logic node. */
function parseLogic(key, raw) {
	const negate = key.startsWith('not.');
	const op = negate ? key.slice(4) : key;
	if (!raw.startsWith('(') || !raw.endsWith(')'))
		throw parseError('logic tree', raw, 'expecting "(" ... ")"');
	const children = splitTopLevel(raw.slice(1, -1)).map((item) => {
		const nested = /^(not\.)?(and|or)(\([\s\S]*\))$/.exec(item);
		if (nested) return parseLogic(`${nested[1] || ''}${nested[2]}`, nested[3]);
		const id = readIdent(item, 0, ['.']);
		if (!id || id.name === '' || item[id.end] !== '.')
			throw parseError('logic tree', raw, `Bad condition '${item}'`);
		return parseCondition(id.name, item.slice(id.end + 1), true);
	});
	return { kind: 'logic', op: op.toUpperCase(), not: negate, children };
}

class Params {
	constructor() {
		this.values = [];
	}
	add(value) {
		this.values.push(value);
		return `$${this.values.length}`;
	}
}

function likePattern(op, v) {
	return op === 'like' || op === 'ilike' ? v.replace(/\*/g, '%') : v;
}

function conditionSql(node, rel, params) {
	if (node.kind === 'logic') {
		const parts = node.children.map((c) => conditionSql(c, rel, params));
		const joined = parts.length
			? `(${parts.join(` ${node.op} `)})`
			: node.op === 'AND'
				? 'TRUE'
				: 'FALSE';
		return node.not ? `NOT ${joined}` : joined;
	}
	const col = `${rel}.${ident(node.column)}`;
	let sql;
	if (node.op === 'in') sql = `${col} = ANY(${params.add(node.values)})`;
	else if (node.op === 'is')
		sql = `${col} IS ${{ null: 'NULL', not_null: 'NOT NULL', true: 'TRUE', false: 'FALSE', unknown: 'UNKNOWN' }[node.value]}`;
	else if (node.quantifier)
		sql = `${col} ${BINARY_OPS[node.op]} ${node.quantifier}(${params.add(node.values.map((v) => likePattern(node.op, v)))})`;
	else sql = `${col} ${BINARY_OPS[node.op]} ${params.add(likePattern(node.op, node.value))}`;
	return node.not ? `NOT (${sql})` : sql;
}

/** Splits the query string into PostgREST's reserved parameters and filters. */
function parseQuery(url, { rpcArgNames } = {}) {
	const q = { filters: [], reserved: {}, rpcArgs: {} };
	for (const [key, value] of url.searchParams) {
		if (key === 'apikey') continue;
		if (RESERVED_PARAMS.has(key)) {
			if (key === 'order' && q.reserved.order !== undefined) q.reserved.order += `,${value}`;
			else q.reserved[key] = value;
			continue;
		}
		if (LOGIC_KEYS.has(key)) {
			q.filters.push(parseLogic(key, value));
			continue;
		}
		if (/^[^"]+\.(order|limit|offset|or|and|not\.or|not\.and|select)$/.test(key))
			throw notImplemented(`Parameter '${key}' for embedded resources`);
		const column = unquote(key);
		if (rpcArgNames && rpcArgNames.has(column)) {
			q.rpcArgs[column] = value;
			continue;
		}
		q.filters.push(parseCondition(column, value, false));
	}
	return q;
}

function whereSql(filters, rel, params) {
	if (filters.length === 0) return '';
	return ` WHERE ${filters.map((f) => conditionSql(f, rel, params)).join(' AND ')}`;
}

function orderSql(order, rel) {
	if (!order) return '';
	const items = parseOrder(order).map(
		(o) =>
			`${rel}.${ident(o.column)}${o.dir ? ` ${o.dir.toUpperCase()}` : ''}${
				o.nulls ? (o.nulls === 'nullsfirst' ? ' NULLS FIRST' : ' NULLS LAST') : ''
			}`,
	);
	return ` ORDER BY ${items.join(', ')}`;
}

function selectListSql(items, rel) {
	return items
		.map((it) => {
			if (it.star) return `${rel}.*`;
			const expr = `${rel}.${ident(it.column)}`;
			return `${it.cast ? `CAST(${expr} AS ${it.cast})` : expr} AS ${ident(it.alias)}`;
		})
		.join(', ');
}

/** RFC 7240 Prefer header(s), e.g. "return=representation, count=exact" (fetch joins repeats with ", "). */
function parsePrefer(header) {
	const prefer = {};
	const raw = Array.isArray(header) ? header.join(',') : header || '';
	for (const part of raw.split(',')) {
		const [k, v] = part.trim().split('=');
		if (!k) continue;
		prefer[k.trim().toLowerCase()] = (v || '').trim().toLowerCase();
	}
	const out = {};
	if (['minimal', 'representation', 'headers-only'].includes(prefer.return))
		out.return = prefer.return;
	if (['exact', 'planned', 'estimated'].includes(prefer.count)) out.count = prefer.count;
	if (['merge-duplicates', 'ignore-duplicates'].includes(prefer.resolution))
		out.resolution = prefer.resolution;
	if (prefer.missing === 'default' || prefer.missing === 'null') out.missing = prefer.missing;
	return out;
}

function preferenceApplied(prefer, keys) {
	const applied = keys.filter((k) => prefer[k]).map((k) => `${k}=${prefer[k]}`);
	return applied.length ? { 'Preference-Applied': applied.join(', ') } : {};
}

/** Accept → 'array' | 'object' (+ stripNulls), or 406 PGRST107. */
function parseAccept(header) {
	const raw = header || '*/*';
	for (const part of raw.split(',')) {
		const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
		const stripNulls = params.includes('nulls=stripped');
		if (type === 'application/vnd.pgrst.object+json' || type === 'application/vnd.pgrst.object')
			return { shape: 'object', stripNulls };
		if (
			type === 'application/json' ||
			type === 'application/vnd.pgrst.array+json' ||
			type === 'application/*' ||
			type === '*/*'
		)
			return { shape: 'array', stripNulls };
	}
	throw pgrst(406, 'PGRST107', `None of these media types are available: ${raw}`);
}

function singularityError(n) {
	return pgrst(
		406,
		'PGRST116',
		'Cannot coerce the result to a single JSON object',
		`The result contains ${n} rows`,
	);
}

// ------------------------------------------------------------------------------------------------
// Catalog (the double's "schema cache": filled on demand, refreshed on misses and on errors)

const TABLE_META_SQL = `SELECT c.relkind,
  coalesce((SELECT json_agg(json_build_object(
      'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'default', pg_get_expr(d.adbin, d.adrelid),
      'identity', a.attidentity,
      'generated', a.attgenerated,
      'seq', CASE WHEN a.attidentity <> '' THEN pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) END
    ) ORDER BY a.attnum)
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
  coalesce((SELECT json_agg(a.attname ORDER BY array_position(i.indkey::int2[], a.attnum))
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE i.indrelid = c.oid AND i.indisprimary), '[]') AS pk
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'v', 'm', 'f', 'p')`;

const TABLE_NAMES_SQL = `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'f', 'p')`;

const FUNCTION_META_SQL = `SELECT p.proname AS name, p.proretset AS retset, t.typtype AS rettyptype,
  t.typname AS rettypname, p.prorettype = 'pg_catalog.void'::regtype AS returns_void,
  p.pronargdefaults AS nargdefaults, p.provolatile AS volatility,
  coalesce((SELECT json_agg(json_build_object(
      'name', coalesce(p.proargnames[i.n], ''),
      'type', format_type(coalesce(p.proallargtypes[i.n], p.proargtypes[i.n - 1]), NULL),
      'mode', coalesce(p.proargmodes[i.n], 'i')) ORDER BY i.n)
    FROM generate_series(1, coalesce(array_length(p.proallargtypes, 1), p.pronargs)) AS i(n)), '[]') AS args
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_type t ON t.oid = p.prorettype
WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f'`;

const FUNCTION_NAMES_SQL = `SELECT DISTINCT p.proname AS name FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.prokind = 'f'`;

function similarity(a, b) {
	const s = a.toLowerCase();
	const t = b.toLowerCase();
	const d = Array.from({ length: s.length + 1 }, (_, i) => [i]);
	for (let j = 1; j <= t.length; j++) d[0][j] = j;
	for (let i = 1; i <= s.length; i++)
		for (let j = 1; j <= t.length; j++)
			d[i][j] = Math.min(
				d[i - 1][j] + 1,
				d[i][j - 1] + 1,
				d[i - 1][j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1),
			);
	return 1 - d[s.length][t.length] / Math.max(s.length, t.length, 1);
}

/** PostgREST's fuzzy hint: the closest name with at least 0.75 similarity. */
function closest(name, candidates) {
	let best = null;
	let score = 0.75;
	for (const c of candidates) {
		const s = similarity(name, c);
		if (c !== name && s >= score) {
			best = c;
			score = s;
		}
	}
	return best;
}

// ------------------------------------------------------------------------------------------------
// State

class DoubleState {
	constructor(o) {
		if (!o.connection) throw new Error('startPostgrestDouble: connection is required');
		this.defaultSchema = o.schema || 'public';
		const schemas = o.schemas && o.schemas.length ? [...o.schemas] : [this.defaultSchema];
		if (!schemas.includes(this.defaultSchema)) schemas.unshift(this.defaultSchema);
		this.schemas = schemas;
		this.serviceRoleKey = o.serviceRoleKey || DEFAULT_SERVICE_ROLE_KEY;
		this.holds = createHolds();
		const c = o.connection;
		const searchPath = /^[a-z_][a-z0-9_$]*$/.test(this.defaultSchema)
			? `-c search_path=${this.defaultSchema},public`
			: undefined;
		this.pool = new Pool({
			host: c.host,
			port: c.port,
			database: c.database,
			user: c.user,
			password: c.password,
			max: o.poolSize || 10,
			application_name: 'mkops-postgrest-double',
			connectionTimeoutMillis: 10000,
			...(searchPath ? { options: searchPath } : {}),
		});
		this.pool.on('error', () => {}); // idle-client errors surface on the next query instead
		this.log = [];
		this.sqlLog = [];
		this.tables = new Map();
		this.faults = { force5xx: 0, status5xx: 503, latencyMs: 0 };
	}

	async run(client, sql, values, kind, entry) {
		const started = process.hrtime.bigint();
		const stmt = {
			seq: this.sqlLog.length + 1,
			requestSeq: entry ? entry.seq : null,
			kind,
			sql,
			paramCount: values ? values.length : 0,
			rowCount: null,
			durationMs: 0,
		};
		this.sqlLog.push(stmt);
		try {
			const result = await client.query(sql, values);
			stmt.rowCount = result.rowCount;
			return result;
		} catch (err) {
			stmt.error = err && err.code;
			throw err;
		} finally {
			stmt.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
		}
	}

	async tableMeta(client, schema, table, entry, { refresh = false } = {}) {
		const key = `${schema}\u0000${table}`;
		if (!refresh && this.tables.has(key)) return this.tables.get(key);
		const { rows } = await this.run(client, TABLE_META_SQL, [schema, table], 'catalog', entry);
		if (rows.length === 0) {
			this.tables.delete(key);
			const names = await this.run(client, TABLE_NAMES_SQL, [schema], 'catalog', entry);
			const hint = closest(
				table,
				names.rows.map((r) => r.name),
			);
			throw pgrst(
				404,
				'PGRST205',
				`Could not find the table '${schema}.${table}' in the schema cache`,
				null,
				hint ? `Perhaps you meant the table '${schema}.${hint}'` : null,
			);
		}
		const meta = {
			schema,
			table,
			ref: `${ident(schema)}.${ident(table)}`,
			columns: rows[0].columns,
			byName: new Map(rows[0].columns.map((col) => [col.name, col])),
			pk: rows[0].pk,
		};
		this.tables.set(key, meta);
		return meta;
	}

	forget(schema, table) {
		this.tables.delete(`${schema}\u0000${table}`);
	}

	setFaults(patch) {
		const p = patch || {};
		for (const k of ['force5xx', 'status5xx', 'latencyMs'])
			if (p[k] !== undefined) this.faults[k] = Number(p[k]);
		return { ...this.faults };
	}
}

// ------------------------------------------------------------------------------------------------
// Request handling

function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let size = 0;
		req.on('data', (chunk) => {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) {
				reject(pgrst(413, 'PGRST102', 'Request body too large for the test double'));
				req.destroy();
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function header(req, name) {
	const v = req.headers[name];
	return Array.isArray(v) ? v.join(', ') : v;
}

/** Supabase's API gateway checks `apikey`; PostgREST then checks the bearer JWT. */
function authenticate(state, req, url) {
	const apikey = header(req, 'apikey') ?? url.searchParams.get('apikey') ?? undefined;
	if (!apikey)
		throw new HttpError(401, {
			message: 'No API key found in request',
			hint: 'No `apikey` request header or url param was found.',
		});
	if (apikey !== state.serviceRoleKey)
		throw new HttpError(401, {
			message: 'Invalid API key',
			hint: 'Double check your Supabase `anon` or `service_role` API key.',
		});
	const auth = header(req, 'authorization');
	if (!auth)
		throw pgrst(401, 'PGRST302', 'Anonymous access is disabled', null, null, {
			'WWW-Authenticate': 'Bearer',
		});
	const m = /^Bearer\s+(.+)$/i.exec(auth);
	if (!m || m[1].trim() !== state.serviceRoleKey)
		throw pgrst(401, 'PGRST301', 'JWSError JWSInvalidSignature', null, null, {
			'WWW-Authenticate':
				'Bearer error="invalid_token", error_description="JWSError JWSInvalidSignature"',
		});
}

function pickSchema(state, req) {
	const read = req.method === 'GET' || req.method === 'HEAD';
	const requested = header(req, read ? 'accept-profile' : 'content-profile');
	const schema = requested === undefined || requested === '' ? state.defaultSchema : requested;
	if (!state.schemas.includes(schema))
		throw pgrst(
			406,
			'PGRST106',
			`Invalid schema: ${schema}`,
			null,
			`Only the following schemas are exposed: ${state.schemas.join(', ')}`,
		);
	return schema;
}

function parseJsonBody(raw) {
	if (raw.trim() === '') throw invalidBody('Empty or invalid json');
	try {
		return JSON.parse(raw);
	} catch {
		throw invalidBody('Empty or invalid json');
	}
}

function contentRange(offset, n, total) {
	const range = n > 0 ? `${offset}-${offset + n - 1}` : '*';
	return `${range}/${total === undefined || total === null ? '*' : total}`;
}

function aggregateSql(stripNulls) {
	return stripNulls
		? `coalesce(json_agg(json_strip_nulls(row_to_json(_pgrst_t))), '[]')::text`
		: `coalesce(json_agg(_pgrst_t), '[]')::text`;
}

function singleBody(bodyText) {
	const rows = JSON.parse(bodyText);
	return JSON.stringify(rows[0]);
}

async function withClient(state, fn) {
	const client = await state.pool.connect();
	try {
		return await fn(client);
	} finally {
		client.release();
	}
}

async function inTransaction(state, client, entry, mode, fn) {
	await state.run(client, mode ? `BEGIN ${mode}` : 'BEGIN', [], 'tx', entry);
	try {
		const out = await fn();
		await state.run(client, out && out.rollback ? 'ROLLBACK' : 'COMMIT', [], 'tx', entry);
		return out;
	} catch (err) {
		await state.run(client, 'ROLLBACK', [], 'tx', entry).catch(() => {});
		throw err;
	}
}

// ---- GET / HEAD

async function readTable(state, ctx) {
	const { client, meta, query, accept, prefer, entry, head } = ctx;
	const params = new Params();
	const items = parseSelect(query.reserved.select);
	const limit = parseCount('limit', query.reserved.limit);
	const offset = parseCount('offset', query.reserved.offset) ?? 0;
	const where = whereSql(query.filters, meta.ref, params);
	const page =
		`SELECT ${head ? '1' : selectListSql(items, meta.ref)} FROM ${meta.ref}${where}` +
		`${orderSql(query.reserved.order, meta.ref)}` +
		`${limit !== undefined ? ` LIMIT ${limit}` : ''}${offset ? ` OFFSET ${offset}` : ''}`;
	const total = prefer.count ? `(SELECT count(*) FROM ${meta.ref}${where}) AS total, ` : '';
	const sql = `SELECT ${total}count(*) AS page_total${
		head ? '' : `, ${aggregateSql(accept.stripNulls)} AS body`
	} FROM (${page}) _pgrst_t`;
	const { rows } = await state.run(client, sql, params.values, 'data', entry);
	return shapeRead(rows[0], { accept, prefer, offset, head, entry });
}

function shapeRead(row, { accept, prefer, offset, head, entry }) {
	const n = Number(row.page_total);
	const total = row.total === undefined ? undefined : Number(row.total);
	entry.rows = n;
	if (accept.shape === 'object' && n !== 1) throw singularityError(n);
	if (total !== undefined && offset > 0 && offset >= total && total > 0)
		throw pgrst(
			416,
			'PGRST103',
			'Requested range not satisfiable',
			`An offset of ${offset} was requested, but there are only ${total} rows.`,
		);
	const status = total !== undefined && n < total ? 206 : 200;
	const headers = {
		'Content-Type': accept.shape === 'object' ? OBJECT_CT : JSON_CT,
		'Content-Range': contentRange(offset, n, total),
		...preferenceApplied(prefer, ['count']),
	};
	let body = head ? '' : row.body;
	if (!head && accept.shape === 'object') body = singleBody(body);
	return { status, headers, body };
}

// ---- POST (insert / upsert)

function insertColumns(meta, rows, columnsParam) {
	if (columnsParam !== undefined) {
		const cols = [
			...new Set(
				parseList(columnsParam)
					.map((c) => c.trim())
					.filter((c) => c !== ''),
			),
		];
		for (const c of cols) if (!meta.byName.has(c)) throw columnNotFound(meta.table, c);
		return cols;
	}
	const first = Object.keys(rows[0] || {});
	const key = [...first].sort().join('\u0000');
	for (const r of rows)
		if (Object.keys(r).sort().join('\u0000') !== key)
			throw invalidBody('All object keys must match');
	for (const c of first) if (!meta.byName.has(c)) throw columnNotFound(meta.table, c);
	return first;
}

function rowsFromBody(body) {
	const rows = Array.isArray(body) ? body : [body];
	for (const r of rows)
		if (r === null || typeof r !== 'object' || Array.isArray(r))
			throw invalidBody('All object keys must match');
	return rows;
}

/** Runs `INSERT/UPDATE/DELETE ... RETURNING` inside one WITH statement and shapes the response. */
async function mutate(state, ctx, dml, params, okStatus) {
	const { client, meta, query, accept, prefer, entry } = ctx;
	const representation = prefer.return === 'representation';
	const items = parseSelect(query.reserved.select);
	const sql = representation
		? `WITH pgrst_source AS (${dml} RETURNING ${meta.ref}.*) SELECT count(*) AS total, ${aggregateSql(
				accept.stripNulls,
			)} AS body FROM (SELECT ${selectListSql(items, 'pgrst_source')} FROM pgrst_source) _pgrst_t`
		: `WITH pgrst_source AS (${dml} RETURNING 1) SELECT count(*) AS total FROM pgrst_source`;
	const exec = async () => {
		const { rows } = await state.run(client, sql, params.values, 'data', entry);
		const n = Number(rows[0].total);
		entry.rows = n;
		if (accept.shape === 'object' && representation && n !== 1) return { rollback: true, n };
		return { row: rows[0], n };
	};
	const out =
		accept.shape === 'object' && representation
			? await inTransaction(state, client, entry, '', exec)
			: await exec();
	if (out.rollback) throw singularityError(out.n);
	const headers = {
		'Content-Range': contentRange(0, 0, prefer.count ? out.n : undefined),
		...preferenceApplied(prefer, ['resolution', 'missing', 'return', 'count']),
	};
	if (!representation) return { status: okStatus.minimal, headers, body: '' };
	headers['Content-Type'] = accept.shape === 'object' ? OBJECT_CT : JSON_CT;
	return {
		status: okStatus.representation,
		headers,
		body: accept.shape === 'object' ? singleBody(out.row.body) : out.row.body,
	};
}

async function insertRows(state, ctx, raw) {
	const { meta, query, prefer } = ctx;
	const rows = rowsFromBody(parseJsonBody(raw));
	let cols;
	try {
		cols = insertColumns(meta, rows, query.reserved.columns);
	} catch (err) {
		if (!(err instanceof HttpError && err.body.code === 'PGRST204')) throw err;
		ctx.meta = await state.tableMeta(ctx.client, meta.schema, meta.table, ctx.entry, {
			refresh: true,
		});
		cols = insertColumns(ctx.meta, rows, query.reserved.columns);
	}
	const m = ctx.meta;
	ctx.entry.bodyRows = rows.length;
	const params = new Params();
	if (rows.length === 0) {
		return {
			status: 201,
			headers: { 'Content-Range': '*/0', 'Content-Type': JSON_CT },
			body: prefer.return === 'representation' ? '[]' : '',
		};
	}
	let dml;
	if (cols.length === 0) {
		if (rows.length > 1) throw notImplemented('Inserting several rows that set no columns');
		dml = `INSERT INTO ${m.ref} DEFAULT VALUES`;
	} else {
		const colList = cols.map(ident).join(', ');
		let source;
		if (prefer.missing === 'default') {
			const body = params.add(JSON.stringify(rows));
			const exprs = cols.map((c) => {
				const col = m.byName.get(c);
				const dflt = col.seq ? `nextval(${params.add(col.seq)}::regclass)` : col.default || 'NULL';
				return `CASE WHEN _pgrst_e.elem ? ${params.add(c)} THEN _pgrst_r.${ident(c)} ELSE CAST(${dflt} AS ${col.type}) END`;
			});
			source =
				`SELECT ${exprs.join(', ')} FROM jsonb_array_elements(${body}::jsonb) WITH ORDINALITY AS _pgrst_e(elem, ord)` +
				` CROSS JOIN LATERAL jsonb_populate_record(NULL::${m.ref}, _pgrst_e.elem) AS _pgrst_r ORDER BY _pgrst_e.ord`;
		} else {
			const body = params.add(JSON.stringify(rows));
			source = `SELECT ${colList} FROM json_populate_recordset(NULL::${m.ref}, ${body}::json) AS _pgrst_r`;
		}
		dml = `INSERT INTO ${m.ref} (${colList}) ${source}`;
	}
	if (prefer.resolution) {
		const target =
			query.reserved.on_conflict !== undefined
				? parseList(query.reserved.on_conflict).map((c) => c.trim())
				: m.pk;
		if (target.length > 0) {
			dml += ` ON CONFLICT (${target.map(ident).join(', ')}) `;
			dml +=
				prefer.resolution === 'ignore-duplicates' || cols.length === 0
					? 'DO NOTHING'
					: `DO UPDATE SET ${cols.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ')}`;
		}
	}
	return await mutate(state, ctx, dml, params, { minimal: 201, representation: 201 });
}

// ---- PATCH / DELETE

async function updateRows(state, ctx, raw) {
	const { query, prefer } = ctx;
	if (query.reserved.limit !== undefined || query.reserved.order !== undefined)
		throw notImplemented('PATCH with limit/order');
	const body = parseJsonBody(raw);
	if (body === null || typeof body !== 'object' || Array.isArray(body))
		throw invalidBody('Empty or invalid json');
	let keys = Object.keys(body);
	let unknown = keys.find((k) => !ctx.meta.byName.has(k));
	if (unknown !== undefined) {
		ctx.meta = await state.tableMeta(ctx.client, ctx.meta.schema, ctx.meta.table, ctx.entry, {
			refresh: true,
		});
		unknown = keys.find((k) => !ctx.meta.byName.has(k));
		if (unknown !== undefined) throw columnNotFound(ctx.meta.table, unknown);
	}
	const m = ctx.meta;
	if (keys.length === 0) {
		ctx.entry.rows = 0;
		return prefer.return === 'representation'
			? { status: 200, headers: { 'Content-Type': JSON_CT, 'Content-Range': '*/*' }, body: '[]' }
			: { status: 204, headers: { 'Content-Range': '*/*' }, body: '' };
	}
	const params = new Params();
	const src = params.add(JSON.stringify(body));
	keys = keys.map(ident);
	const dml =
		`UPDATE ${m.ref} SET ${keys.map((k) => `${k} = _pgrst_r.${k}`).join(', ')}` +
		` FROM json_populate_record(NULL::${m.ref}, ${src}::json) AS _pgrst_r` +
		whereSql(query.filters, m.ref, params);
	return await mutate(state, ctx, dml, params, { minimal: 204, representation: 200 });
}

async function deleteRows(state, ctx) {
	const { meta, query } = ctx;
	if (query.reserved.limit !== undefined || query.reserved.order !== undefined)
		throw notImplemented('DELETE with limit/order');
	const params = new Params();
	const dml = `DELETE FROM ${meta.ref}${whereSql(query.filters, meta.ref, params)}`;
	return await mutate(state, ctx, dml, params, { minimal: 204, representation: 200 });
}

// ---- RPC

function rpcNotFound(schema, fn, keys, overloads, allNames) {
	const sorted = [...keys].sort();
	const prms = sorted.join(', ');
	const message = `Could not find the function ${schema}.${fn}${
		sorted.length ? `(${prms})` : ' without parameters'
	} in the schema cache`;
	const details = `Searched for the function ${schema}.${fn}${
		sorted.length
			? ` with parameter${sorted.length > 1 ? 's' : ''} ${prms} or with a single unnamed json/jsonb parameter`
			: ' without parameters'
	}, but no matches were found in the schema cache.`;
	let hint = null;
	if (overloads.length) {
		const sig = overloads[0].args
			.filter((a) => a.mode !== 'o' && a.mode !== 't')
			.map((a) => a.name)
			.sort()
			.join(', ');
		hint = `Perhaps you meant to call the function ${schema}.${fn}(${sig})`;
	} else {
		const near = closest(fn, allNames);
		if (near) hint = `Perhaps you meant to call the function ${schema}.${near}`;
	}
	return pgrst(404, 'PGRST202', message, details, hint);
}

function chooseOverload(overloads, keys) {
	const keySet = new Set(keys);
	const candidates = [];
	for (const f of overloads) {
		const inputs = f.args.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
		const required = inputs.slice(0, inputs.length - Number(f.nargdefaults || 0));
		if (
			inputs.length === 1 &&
			inputs[0].name === '' &&
			(inputs[0].type === 'json' || inputs[0].type === 'jsonb')
		) {
			candidates.push({ f, inputs, singleJson: true, score: 1 });
			continue;
		}
		if (inputs.some((a) => a.name === '')) continue;
		const names = new Set(inputs.map((a) => a.name));
		if (keys.every((k) => names.has(k)) && required.every((a) => keySet.has(a.name)))
			candidates.push({ f, inputs, singleJson: false, score: 0 });
	}
	candidates.sort((a, b) => a.score - b.score || a.inputs.length - b.inputs.length);
	return candidates[0];
}

async function callRpc(state, ctx, fnName, raw) {
	const { client, schema, accept, prefer, entry, url, head } = ctx;
	const read = ctx.method === 'GET' || ctx.method === 'HEAD';
	const { rows: overloads } = await state.run(
		client,
		FUNCTION_META_SQL,
		[schema, fnName],
		'catalog',
		entry,
	);
	const argNames = new Set(
		overloads.flatMap((f) =>
			f.args.filter((a) => a.mode !== 'o' && a.mode !== 't').map((a) => a.name),
		),
	);
	const query = parseQuery(url, { rpcArgNames: read ? argNames : undefined });
	let args;
	if (read) args = query.rpcArgs;
	else {
		args = raw.trim() === '' ? {} : parseJsonBody(raw);
		if (args === null || typeof args !== 'object' || Array.isArray(args))
			throw invalidBody('Empty or invalid json');
	}
	const keys = Object.keys(args);
	const choice = chooseOverload(overloads, keys);
	if (!choice) {
		const names = await state.run(client, FUNCTION_NAMES_SQL, [schema], 'catalog', entry);
		throw rpcNotFound(
			schema,
			fnName,
			keys,
			overloads,
			names.rows.map((r) => r.name),
		);
	}
	const { f, inputs } = choice;
	const params = new Params();
	const fnRef = `${ident(schema)}.${ident(fnName)}`;
	let prefix = '';
	let fnCall;
	if (choice.singleJson)
		fnCall = `${fnRef}(${params.add(JSON.stringify(args))}::${inputs[0].type})`;
	else if (keys.length === 0) fnCall = `${fnRef}()`;
	else {
		// Like PostgREST: the JSON arguments become typed columns (json_to_record), passed by name.
		const used = inputs.filter((a) => keys.includes(a.name));
		const defs = used.map((a) => `${ident(a.name)} ${a.type}`).join(', ');
		prefix = `json_to_record(${params.add(JSON.stringify(args))}::json) AS _pgrst_args(${defs}) CROSS JOIN LATERAL `;
		fnCall = `${fnRef}(${used.map((a) => `${ident(a.name)} := _pgrst_args.${ident(a.name)}`).join(', ')})`;
	}
	const from = (alias) => `${prefix}${fnCall} AS ${alias}`;
	const rowType = f.rettyptype === 'c' || f.rettypname === 'record';
	const limit = parseCount('limit', query.reserved.limit);
	const offset = parseCount('offset', query.reserved.offset) ?? 0;
	let sql;
	let kind;
	if (f.returns_void) {
		kind = 'void';
		sql = `SELECT count(*) AS page_total FROM ${from('pgrst_call')}`;
	} else if (rowType) {
		kind = f.retset ? 'rows' : 'row';
		// One call of the function (a CTE), shared by the page and the count.
		const where = whereSql(query.filters, 'pgrst_call', params);
		const items = parseSelect(query.reserved.select);
		const page =
			`SELECT ${selectListSql(items, 'pgrst_call')} FROM pgrst_call${where}` +
			`${orderSql(query.reserved.order, 'pgrst_call')}` +
			`${limit !== undefined ? ` LIMIT ${limit}` : ''}${offset ? ` OFFSET ${offset}` : ''}`;
		const total = prefer.count ? `(SELECT count(*) FROM pgrst_call${where}) AS total, ` : '';
		sql =
			`WITH pgrst_call AS (SELECT pgrst_call.* FROM ${from('pgrst_call')}) ` +
			`SELECT ${total}count(*) AS page_total, ${aggregateSql(accept.stripNulls)} AS body FROM (${page}) _pgrst_t`;
	} else {
		if (query.filters.length) throw notImplemented('Filters on a scalar function result');
		kind = f.retset ? 'scalars' : 'scalar';
		sql = f.retset
			? `SELECT count(*) AS page_total, coalesce(json_agg(pgrst_call.pgrst_scalar), '[]')::text AS body FROM ${from('pgrst_call(pgrst_scalar)')}`
			: `SELECT 1 AS page_total, coalesce(to_json(pgrst_call.pgrst_scalar)::text, 'null') AS body FROM ${from('pgrst_call(pgrst_scalar)')}`;
	}
	// PostgREST runs each request with search_path set to the request's schema (and reads read-only).
	const out = await inTransaction(state, client, entry, read ? 'READ ONLY' : '', async () => {
		await state.run(
			client,
			`SELECT set_config('search_path', $1, true)`,
			[`${ident(schema)}, public`],
			'tx',
			entry,
		);
		const { rows } = await state.run(client, sql, params.values, 'data', entry);
		return { row: rows[0] };
	});
	const row = out.row;
	if (kind === 'void') {
		entry.rows = 0;
		return { status: 204, headers: {}, body: '' };
	}
	if (kind === 'rows') return shapeRead(row, { accept, prefer, offset, head, entry });
	const n = Number(row.page_total);
	entry.rows = n;
	let body = row.body;
	if (kind === 'row') {
		if (accept.shape === 'object' && n !== 1) throw singularityError(n);
		body = JSON.stringify(JSON.parse(body)[0] ?? null);
	} else if (accept.shape === 'object' && kind === 'scalars') {
		const values = JSON.parse(body);
		if (values.length !== 1) throw singularityError(values.length);
		body = JSON.stringify(values[0]);
	}
	return {
		status: 200,
		headers: {
			'Content-Type': accept.shape === 'object' ? OBJECT_CT : JSON_CT,
			'Content-Range': contentRange(0, kind === 'scalars' ? n : 1, prefer.count ? n : undefined),
		},
		body: head ? '' : body,
	};
}

// ---- dispatch

async function route(state, req, url, raw, entry) {
	const rest = url.pathname === REST_PREFIX ? '' : url.pathname.slice(REST_PREFIX.length + 1);
	const segments = rest
		.split('/')
		.filter((s, i, all) => !(s === '' && i === all.length - 1))
		.map((s) => decodeURIComponent(s));
	const method = req.method || 'GET';
	if (segments.length === 0 || segments[0] === '')
		throw pgrst(404, 'PGRST126', 'Root endpoint metadata is disabled');
	const schema = pickSchema(state, req);
	entry.schema = schema;
	const accept = parseAccept(header(req, 'accept'));
	const prefer = parsePrefer(req.headers.prefer);
	const head = method === 'HEAD';
	if (segments[0] === 'rpc' && segments.length === 2) {
		entry.rpc = segments[1];
		if (!['GET', 'HEAD', 'POST'].includes(method))
			throw pgrst(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
		return await withClient(state, (client) =>
			callRpc(
				state,
				{ client, schema, accept, prefer, entry, url, head, method },
				segments[1],
				raw,
			),
		);
	}
	if (segments.length !== 1) throw pgrst(404, 'PGRST125', 'Invalid path specified in request URL');
	const table = segments[0];
	entry.table = table;
	if (method === 'OPTIONS')
		return { status: 200, headers: { Allow: 'OPTIONS,GET,HEAD,POST,PATCH,DELETE' }, body: '' };
	if (!['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'].includes(method)) {
		if (method === 'PUT') throw notImplemented('PUT (single-row upsert)');
		throw pgrst(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
	}
	const query = parseQuery(url);
	return await withClient(state, async (client) => {
		const meta = await state.tableMeta(client, schema, table, entry);
		const ctx = { client, schema, meta, query, accept, prefer, entry, head };
		try {
			if (method === 'GET' || method === 'HEAD') return await readTable(state, ctx);
			if (method === 'POST') return await insertRows(state, ctx, raw);
			if (method === 'PATCH') return await updateRows(state, ctx, raw);
			return await deleteRows(state, ctx);
		} catch (err) {
			if (err && ['42P01', '42703', 'PGRST204'].includes(err.code || (err.body && err.body.code)))
				state.forget(schema, table);
			throw err;
		}
	});
}

function send(res, status, headers, body, head) {
	const h = { ...headers };
	if (body && !h['Content-Type']) h['Content-Type'] = JSON_CT;
	h['Content-Length'] = Buffer.byteLength(body || '');
	res.writeHead(status, h);
	res.end(head || status === 204 ? undefined : body);
}

async function handle(state, req, res) {
	const url = new URL(req.url || '/', 'http://postgrest-double.local');
	const query = {};
	for (const [k, v] of url.searchParams) if (k !== 'apikey') query[k] = v;
	const entry = {
		seq: state.log.length + 1,
		method: req.method,
		path: url.pathname,
		query,
		schema: null,
		table: null,
		rpc: null,
		rows: null,
		status: 0,
		time: Date.now(),
		durationMs: 0,
	};
	state.log.push(entry);
	const started = process.hrtime.bigint();
	const finish = (status, headers, body) => {
		entry.status = status;
		entry.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
		send(res, status, headers, body, req.method === 'HEAD');
	};
	try {
		const raw = await readBody(req);
		if (state.faults.latencyMs > 0) await sleep(state.faults.latencyMs);
		await state.holds.pass(entry);
		if (url.pathname !== REST_PREFIX && !url.pathname.startsWith(`${REST_PREFIX}/`))
			throw new HttpError(404, { message: 'no Route matched with those values' });
		authenticate(state, req, url);
		if (state.faults.force5xx > 0) {
			state.faults.force5xx -= 1;
			entry.forced = true;
			const status = state.faults.status5xx || 503;
			throw status === 503
				? pgrst(
						503,
						'PGRST000',
						'Database connection error. Retrying the connection.',
						'Injected fault',
					)
				: new HttpError(status, {
						message: 'An invalid response was received from the upstream server',
					});
		}
		const out = await route(state, req, url, raw, entry);
		finish(out.status, out.headers, out.body);
	} catch (e) {
		const err = fromPgError(e);
		entry.code = err.body.code;
		const headers = { 'Content-Type': JSON_CT, ...err.headers };
		if (err.body.code) headers['Proxy-Status'] = `PostgREST; error=${err.body.code}`;
		finish(err.status, headers, JSON.stringify(err.body));
	}
}

function filterLog(log, filter) {
	return log.filter((e) => !filter || Object.entries(filter).every(([k, v]) => e[k] === v));
}

async function startPostgrestDouble(opts) {
	const o = opts || {};
	const state = new DoubleState(o);
	const server = http.createServer((req, res) => {
		handle(state, req, res).catch((err) => {
			if (!res.headersSent)
				send(
					res,
					500,
					{},
					JSON.stringify({ code: 'PGRSTX00', details: null, hint: null, message: String(err) }),
				);
		});
	});
	server.keepAliveTimeout = 1000;
	const host = o.host || '127.0.0.1';
	let port;
	try {
		port = await listen(server, o.port, host);
	} catch (err) {
		await state.pool.end();
		throw err;
	}
	const url = `http://${host}:${port}`;
	let closed;
	return {
		url,
		restUrl: `${url}${REST_PREFIX}`,
		port,
		serviceRoleKey: state.serviceRoleKey,
		schema: state.defaultSchema,
		schemas: [...state.schemas],
		pool: state.pool,
		requests: (filter) => filterLog(state.log, filter),
		statements: (filter) => filterLog(state.sqlLog, filter),
		clearLogs: () => {
			state.log.length = 0;
			state.sqlLog.length = 0;
		},
		setFaults: (patch) => state.setFaults(patch),
		hold: (filter) => state.holds.add(filter),
		close: () =>
			(closed ??= (async () => {
				state.holds.releaseAll();
				await new Promise((done) => {
					server.close(() => done());
					server.closeAllConnections();
				});
				await state.pool.end();
			})()),
	};
}

module.exports = {
	startPostgrestDouble,
	DEFAULT_SERVICE_ROLE_KEY,
	pgErrorStatus,
	parseSelect,
	parseOrder,
	parseCondition,
	parseLogic,
};
