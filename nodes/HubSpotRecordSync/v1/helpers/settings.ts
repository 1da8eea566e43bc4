import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { quoteIdent } from '../../../shared/database/connection';
import type { SyncSettings } from './engine';
import type { Authority, Direction, FieldRule } from './rules';

const DIRECTIONS: Direction[] = ['both', 'toHubSpot', 'toApp'];
const AUTHORITIES: Authority[] = ['hubspotWins', 'appWins', 'latestWins', 'manual'];
const PROPERTY = /^[a-z0-9_][a-z0-9_-]{0,99}$/i;

/** The node's record settings, every name checked before any SQL or URL is built. */
export function readSettings(ctx: IExecuteFunctions, withRules = true): SyncSettings {
	const text = (name: string, fallback = '') =>
		String(ctx.getNodeParameter(name, 0, fallback) ?? '').trim();
	const fail = (message: string) =>
		new NodeOperationError(ctx.getNode(), message, { itemIndex: 0 });
	const name = (value: string, what: string) => {
		try {
			quoteIdent(value, what);
		} catch (error) {
			throw fail((error as Error).message);
		}
		return value;
	};
	const schema = name(text('schema', 'public') || 'public', 'Schema');
	const app = {
		schema,
		table: name(text('table'), 'App Table'),
		keyColumn: name(text('keyColumn', 'id'), 'Key Column'),
		hubspotIdColumn: name(text('hubspotIdColumn', 'hubspot_id'), 'HubSpot ID Column'),
	};
	const objectType = text('objectType', 'companies');
	if (!PROPERTY.test(objectType))
		throw fail(`HubSpot Object '${objectType}' is not an object type name`);
	const updatedAt = text('options.appUpdatedAtColumn', 'updated_at');

	const rules: FieldRule[] = [];
	if (withRules) {
		const raw = (ctx.getNodeParameter('fieldRules.rule', 0, []) ?? []) as Array<
			Record<string, unknown>
		>;
		const seen = new Set<string>();
		raw.forEach((r, i) => {
			const column = name(
				String(r.column ?? '').trim(),
				`Field Rules › rule ${i + 1} › App Column`,
			);
			const property = String(r.property ?? '').trim();
			if (!PROPERTY.test(property))
				throw fail(
					`Field Rules › rule ${i + 1}: HubSpot Property '${property}' is not a property name`,
				);
			if (seen.has(column) || seen.has(`p:${property}`))
				throw fail(
					`Field Rules › rule ${i + 1}: '${column}' or '${property}' already has a rule: one rule per field`,
				);
			seen.add(column);
			seen.add(`p:${property}`);
			const direction = DIRECTIONS.includes(r.direction as Direction)
				? (r.direction as Direction)
				: 'both';
			const authority = AUTHORITIES.includes(r.authority as Authority)
				? (r.authority as Authority)
				: 'latestWins';
			rules.push({ column, property, direction, authority, immutable: r.immutable === true });
		});
		if (rules.length === 0) throw fail('Add at least one Field Rule: nothing would be synced');
	}
	return {
		app,
		syncSchema: schema,
		objectType,
		rules,
		appUpdatedAtColumn: updatedAt === '' ? undefined : name(updatedAt, 'App Updated-At Column'),
	};
}
