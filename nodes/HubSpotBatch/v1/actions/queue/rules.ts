/**
 * Field rules for Queue › Check › Input Fields: each item's fields checked without an expression,
 * so a webhook flow can refuse a bad request (400, naming the field) before anything is created.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { asText, fieldLabel, readInputField } from '../object/inputFields';

export type RuleCheck = 'notEmpty' | 'digits' | 'date' | 'email' | 'pattern' | 'any';

export interface FieldRule {
	field: string;
	check: RuleCheck;
	pattern?: string;
	allowEmpty?: boolean;
	message?: string;
}

/** What an item that breaks no rule becomes, or the first rule it breaks. */
export type RuleResult =
	| { ok: true; json: IDataObject }
	| { ok: false; field: string; message: string };

const DEFAULT_REASONS: Record<RuleCheck, string> = {
	notEmpty: 'missing',
	digits: 'must be digits (a HubSpot ID)',
	date: 'must be a date (YYYY-MM-DD)',
	email: 'must be an email address',
	pattern: 'does not have the expected form',
	any: 'missing',
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const rulesProperty = (show: Record<string, string[]>): INodeProperties => ({
	displayName: 'Rules',
	name: 'rules',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, sortable: true },
	placeholder: 'Add Rule',
	default: {},
	description:
		'Checked in order; an item that breaks one leaves on the error output with error "Field \'name\': reason" and error_field, and the rest of its rules are not checked',
	displayOptions: { show },
	options: [
		{
			displayName: 'Rule',
			name: 'rule',
			values: [
				{
					displayName: 'Field',
					name: 'field',
					type: 'string',
					default: '',
					placeholder: 'body.contact_id',
					description:
						"Input field to check. A dot path reaches into objects: body.contact_id is the contact_id of a Webhook node's JSON body. Errors name the last part of the path.",
				},
				{
					displayName: 'Must Be',
					name: 'check',
					type: 'options',
					default: 'notEmpty',
					options: [
						{
							name: 'Any Value',
							value: 'any',
							description:
								'Only present (or anything, with Pass When Empty); with Output Only Checked Fields the field is kept',
						},
						{
							name: 'Date (YYYY-MM-DD)',
							value: 'date',
							description:
								'Starts with a real calendar date YYYY-MM-DD (an ISO date and time passes); {field:date} in a template then gives the day',
						},
						{
							name: 'Digits',
							value: 'digits',
							description: 'Only digits, like a HubSpot record ID',
						},
						{ name: 'Email Address', value: 'email' },
						{
							name: 'Matching a Pattern',
							value: 'pattern',
							description: 'A regular expression the value must match (^ and $ to match all of it)',
						},
						{ name: 'Not Empty', value: 'notEmpty', description: 'Present and not blank' },
					],
				},
				{
					displayName: 'Pass When Empty',
					name: 'allowEmpty',
					type: 'boolean',
					default: false,
					description:
						'Whether a missing or blank value passes; otherwise it is refused with the reason, or as missing',
					displayOptions: { hide: { check: ['notEmpty'] } },
				},
				{
					displayName: 'Pattern',
					name: 'pattern',
					type: 'string',
					default: '',
					placeholder: '^[A-Z]{2}-\\d{4}$',
					description: 'A JavaScript regular expression, without slashes',
					displayOptions: { show: { check: ['pattern'] } },
				},
				{
					displayName: 'Reason',
					name: 'message',
					type: 'string',
					default: '',
					placeholder: 'must be a HubSpot contact ID (digits)',
					description:
						'What the error says after "Field \'name\': " when the value breaks the rule or is missing. Empty: "missing" for a missing value, otherwise a reason naming the check.',
				},
			],
		},
	],
});

/** The rules as configured, or what is wrong with them (the node then fails before any item). */
export function readRules(
	raw: IDataObject[],
): { rules: Array<FieldRule & { regex?: RegExp }> } | { problem: string } {
	const rules: Array<FieldRule & { regex?: RegExp }> = [];
	for (const [index, r] of raw.entries()) {
		const field = String(r.field ?? '').trim();
		if (field === '') return { problem: `rule ${index + 1} names no field` };
		const check = String(r.check ?? 'notEmpty') as RuleCheck;
		if (!(check in DEFAULT_REASONS))
			return { problem: `rule ${index + 1}: unknown check "${check}"` };
		let regex: RegExp | undefined;
		if (check === 'pattern') {
			try {
				regex = new RegExp(String(r.pattern ?? ''));
			} catch {
				return { problem: `rule ${index + 1}: the pattern is not a regular expression` };
			}
		}
		rules.push({
			field,
			check,
			regex,
			allowEmpty: r.allowEmpty === true,
			message: String(r.message ?? '').trim() || undefined,
		});
	}
	return { rules };
}

/** The calendar day a value starts with, if it is a real one. */
function calendarDay(text: string): string | undefined {
	const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(text);
	if (!match) return undefined;
	const [year, month, day] = match.slice(1).map(Number);
	const date = new Date(Date.UTC(year, month - 1, day));
	const real =
		date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
	return real ? match[0].slice(0, 10) : undefined;
}

/**
 * Checks one item's fields against the rules, in order; the first one broken refuses the item. With
 * `only`, the item passed on holds the checked fields alone, each under the last part of its path.
 */
export function checkItem(
	json: IDataObject,
	rules: Array<FieldRule & { regex?: RegExp }>,
	only: boolean,
): RuleResult {
	const out: IDataObject = {};
	for (const rule of rules) {
		const label = fieldLabel(rule.field);
		const value = readInputField(json, rule.field);
		const text = asText(value)?.trim();
		const refuse = (reason: string) => ({ ok: false as const, field: label, message: reason });
		if (text === undefined) {
			if (rule.check === 'notEmpty' || !rule.allowEmpty) return refuse(rule.message ?? 'missing');
		} else if (!passes(rule, text)) {
			return refuse(rule.message ?? DEFAULT_REASONS[rule.check]);
		}
		if (only && value !== undefined) out[label] = value as IDataObject[string];
	}
	return { ok: true, json: only ? out : json };
}

function passes(rule: FieldRule & { regex?: RegExp }, text: string): boolean {
	switch (rule.check) {
		case 'digits':
			return /^\d+$/.test(text);
		case 'email':
			return EMAIL.test(text);
		case 'pattern':
			return rule.regex!.test(text);
		case 'date':
			return calendarDay(text) !== undefined;
		default:
			return true;
	}
}
