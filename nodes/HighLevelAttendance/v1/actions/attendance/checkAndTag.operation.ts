import { performance } from 'node:perf_hooks';

import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	AttendanceCheckRow,
	AttendanceStore,
	Registrant,
} from '../../../../shared/database/attendance';
import {
	normalizeLookupEmail,
	postgresAttendanceStore,
	supabaseAttendanceStore,
} from '../../../../shared/database/attendance';
import { postgresCredentials, supabaseCredentials } from '../../../../shared/database/connection';
import type { Decision, TagSettings, WhenNotFound } from '../../helpers/decision';
import { decideAttendance, tagSettingsProblem } from '../../helpers/decision';
import type { FatalGate } from '../../helpers/items';
import { ms, parameterReader, processItems } from '../../helpers/items';
import type { RowOutcome } from '../../helpers/outcome';
import { failedRow, fieldError } from '../../helpers/outcome';
import { tagSet } from '../../helpers/tags';
import type { HighLevelApi } from '../../transport';
import { HighLevelAttemptError } from '../../transport';
import { concurrencyOf, requestOptions, retrySettings } from '../common.descriptions';

const show = { resource: ['attendance'], operation: ['checkAndTag'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '={{ $json.body.email }}',
		required: true,
		description:
			'The registrant’s email, as in webinar_registrants (trimmed and lowercased before the lookup). The default reads a HighLevel workflow Webhook action received by n8n’s Webhook node.',
		displayOptions: { show },
	},
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '={{ $json.body.contact_id }}',
		description:
			'The HighLevel contact to tag. Leave empty to find the contact by email (one more HighLevel call, made while the database is queried).',
		displayOptions: { show },
	},
	{
		displayName: 'Webinar ID',
		name: 'webinarId',
		type: 'string',
		default: '={{ $json.body.customData?.webinar_id ?? $json.body.webinar_id }}',
		required: true,
		description:
			'The WebinarJam webinar_id. Add it as Custom Data "webinar_id" in the HighLevel Webhook action.',
		displayOptions: { show },
	},
	{
		displayName: 'Schedule ID',
		name: 'scheduleId',
		type: 'string',
		default: '={{ $json.body.customData?.schedule_id ?? $json.body.schedule_id }}',
		description:
			'The WebinarJam schedule_id (Custom Data "schedule_id"). Leave empty to use the newest registration for the webinar, whatever the schedule.',
		displayOptions: { show },
	},
	{
		displayName: 'Use Tags From Payload',
		name: 'useTagsFromPayload',
		type: 'boolean',
		default: true,
		description:
			'Whether to skip adding a tag the contact already has and removing one it does not have, judging by the tags HighLevel sent. Saves up to half the HighLevel calls (the limit is 100 per 10 seconds).',
		displayOptions: { show },
	},
	{
		displayName: 'Contact Tags',
		name: 'contactTags',
		type: 'string',
		default: '={{ $json.body.tags }}',
		description:
			'The contact’s current tags: the comma-separated string HighLevel’s Webhook action sends, or an array. When it resolves to nothing, no call is skipped.',
		displayOptions: { show: { ...show, useTagsFromPayload: [true] } },
	},
	{
		displayName: 'Attended Tag',
		name: 'attendedTag',
		type: 'string',
		default: 'webinar-attended',
		description:
			'Added to attendees and removed from no-shows. Leave empty to leave it alone. HighLevel stores tags lowercased.',
		displayOptions: { show },
	},
	{
		displayName: 'No-Show Tag',
		name: 'noShowTag',
		type: 'string',
		default: 'webinar-no-show',
		description: 'Added to no-shows and removed from attendees. Leave empty to leave it alone.',
		displayOptions: { show },
	},
	{
		displayName: 'When Not Found',
		name: 'whenNotFound',
		type: 'options',
		default: 'noChange',
		options: [
			{
				name: 'No Change',
				value: 'noChange',
				description: 'Leave the contact’s tags as they are (status not_found)',
			},
			{
				name: 'Add Tag',
				value: 'addTag',
				description: 'Add the Not Found Tag (status not_found)',
			},
		],
		description: 'What to do when the email is not registered for the webinar in the database',
		displayOptions: { show },
	},
	{
		displayName: 'Not Found Tag',
		name: 'notFoundTag',
		type: 'string',
		default: 'webinar-not-found',
		displayOptions: { show: { ...show, whenNotFound: ['addTag'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Replay Counts as Attended',
				name: 'replayCountsAsAttended',
				type: 'boolean',
				default: false,
				description: 'Whether a registrant who watched only the replay counts as attended',
			},
			{
				displayName: 'Write Audit Row',
				name: 'writeAuditRow',
				type: 'boolean',
				default: true,
				description:
					'Whether to insert an attendance_checks row for every check (failed checks too, when the database is reachable). The insert runs while the tags are being written.',
			},
			...requestOptions,
		],
	},
];

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_INT4 = 2_147_483_647;

/** A WebinarJam id (INTEGER column): a whole number given as a number or numeric text. */
function parseId(raw: unknown): number | undefined | null {
	if (raw === undefined || raw === null) return undefined;
	const text = String(raw).trim();
	if (text === '') return undefined;
	if (!/^\d+$/.test(text)) return null;
	const value = Number(text);
	return value >= 0 && value <= MAX_INT4 ? value : null;
}

interface CheckResult extends IDataObject {
	email: string;
	contact_id: string | null;
	webinar_id: number | null;
	schedule_id: number | null;
	status: string;
	attended: boolean | null;
	tag_added: string | null;
	tag_removed: string | null;
	registrant: IDataObject | null;
	lookup_ms: number | null;
	response_time_ms: number;
	highlevel_calls: number;
}

async function openStore(
	ctx: IExecuteFunctions,
	database: string,
	schema: string,
	timeoutMs: number,
): Promise<AttendanceStore> {
	try {
		if (database === 'supabase') {
			const raw = await ctx.getCredentials('supabaseApi');
			return supabaseAttendanceStore(supabaseCredentials(raw), schema, { timeoutMs });
		}
		const raw = await ctx.getCredentials('postgres');
		return postgresAttendanceStore(postgresCredentials(raw), schema);
	} catch (error) {
		// A bad credential field (DatabaseError, no secret in it) or n8n's missing-credential error.
		throw new NodeOperationError(ctx.getNode(), (error as Error).message);
	}
}

/** The parameter a HighLevel 400 blames, when it is about the contact. */
function blamedField(error: unknown): string | undefined {
	if (!(error instanceof HighLevelAttemptError) || error.status !== 400) return undefined;
	return /contact/i.test(error.serverMessage ?? '') ? 'contactId' : undefined;
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HighLevelApi,
): Promise<RowOutcome[]> {
	const database = this.getNodeParameter('database', 0, 'postgres') as string;
	const schema = String(this.getNodeParameter('schema', 0, 'public') ?? '').trim() || 'public';
	const store = await openStore(this, database, schema, retrySettings(this).timeoutMs);
	const read = parameterReader(this);

	const check = async (itemIndex: number, gate: FatalGate): Promise<RowOutcome> => {
		const started = performance.now();
		const get = (name: string, fallback: unknown = '') => read(name, itemIndex, fallback);
		const options = get('options', {}) as IDataObject;
		const writeAudit = options.writeAuditRow !== false;
		const result: CheckResult = {
			email: normalizeLookupEmail(get('email')),
			contact_id: String(get('contactId') ?? '').trim() || null,
			webinar_id: null,
			schedule_id: null,
			status: 'error',
			attended: null,
			tag_added: null,
			tag_removed: null,
			registrant: null,
			lookup_ms: null,
			response_time_ms: 0,
			highlevel_calls: 0,
		};
		let registrant: Registrant | null = null;
		const elapsed = () => performance.now() - started;
		const auditRow = (
			status: AttendanceCheckRow['status'],
			error: string | null,
		): AttendanceCheckRow => ({
			registrantId: registrant?.id ?? null,
			ghlContactId: result.contact_id,
			email: result.email,
			webinarId: result.webinar_id,
			scheduleId: result.schedule_id,
			attended: result.attended,
			status,
			tagAdded: result.tag_added,
			tagRemoved: result.tag_removed,
			error,
			responseTimeMs: elapsed(),
		});
		/** A failed check: an 'error' audit row when the database is reachable, then the item error. */
		const fail = async (
			message: string,
			opts: { field?: string; cause?: unknown; databaseDown?: boolean } = {},
		): Promise<RowOutcome> => {
			let text = message;
			if (writeAudit && !opts.databaseDown) {
				try {
					await store.recordCheck(auditRow('error', message));
				} catch (error) {
					text = `${message} (the 'error' audit row was not written either: ${(error as Error).message})`;
				}
			}
			result.status = 'error';
			result.response_time_ms = ms(elapsed());
			return failedRow(this, itemIndex, text, {
				field: opts.field,
				base: result,
				cause: opts.cause,
			});
		};
		const highLevelFailure = async (error: unknown) => {
			const nodeError = api.toNodeError(error, itemIndex);
			if (error instanceof HighLevelAttemptError && error.isFatal) gate.error ??= nodeError;
			const blamed = blamedField(error);
			return await fail(blamed ? fieldError(blamed, nodeError.message) : nodeError.message, {
				field: blamed,
				cause: blamed ? undefined : nodeError,
			});
		};

		// ---- Inputs.
		if (!EMAIL.test(result.email)) {
			const raw = get('email');
			return await fail(
				fieldError(
					'email',
					raw === undefined || raw === null || String(raw).trim() === ''
						? 'no email given'
						: `"${String(raw).trim()}" is not an email address`,
				),
				{ field: 'email' },
			);
		}
		const webinarId = parseId(get('webinarId'));
		if (webinarId === undefined || webinarId === null) {
			const raw = get('webinarId');
			return await fail(
				fieldError(
					'webinarId',
					webinarId === undefined
						? 'no webinar id given (set Custom Data "webinar_id" in the HighLevel Webhook action)'
						: `"${String(raw)}" is not a WebinarJam webinar id (a whole number)`,
				),
				{ field: 'webinarId' },
			);
		}
		result.webinar_id = webinarId;
		const scheduleId = parseId(get('scheduleId'));
		if (scheduleId === null) {
			return await fail(
				fieldError(
					'scheduleId',
					`"${String(get('scheduleId'))}" is not a WebinarJam schedule id (a whole number)`,
				),
				{ field: 'scheduleId' },
			);
		}
		result.schedule_id = scheduleId ?? null;
		const useTagsFromPayload = get('useTagsFromPayload', true) !== false;
		let currentTags = useTagsFromPayload ? tagSet(get('contactTags', undefined)) : undefined;
		const settings: TagSettings = {
			attendedTag: String(get('attendedTag') ?? ''),
			noShowTag: String(get('noShowTag') ?? ''),
			whenNotFound: (get('whenNotFound', 'noChange') as WhenNotFound) ?? 'noChange',
			notFoundTag: String(get('notFoundTag', '') ?? ''),
			replayCountsAsAttended: options.replayCountsAsAttended === true,
		};
		const problem = tagSettingsProblem(settings);
		if (problem !== undefined) {
			const field = /^Field '(\w+)'/.exec(problem)?.[1];
			return await fail(problem, { field });
		}
		if (gate.error !== undefined) {
			// The token or location is wrong, or the daily budget is gone: no call can succeed.
			return await fail(gate.error.message);
		}

		// ---- Lookup, and the contact search when there is no contact id: both at once.
		const lookupStarted = performance.now();
		const lookup = store
			.lookup({ email: result.email, webinarId, scheduleId: scheduleId ?? undefined })
			.finally(() => {
				result.lookup_ms = ms(performance.now() - lookupStarted);
			});
		const search = result.contact_id === null ? api.findContactByEmail(result.email) : undefined;
		if (search !== undefined) result.highlevel_calls++;
		// Both are awaited below; these keep an early failure of one from going unhandled.
		lookup.catch(() => undefined);
		search?.catch(() => undefined);

		try {
			registrant = await lookup;
		} catch (error) {
			await search?.catch(() => undefined);
			return await fail((error as Error).message, { field: 'database', databaseDown: true });
		}
		result.registrant = registrant as unknown as IDataObject | null;
		if (search !== undefined) {
			let contact;
			try {
				contact = await search;
			} catch (error) {
				return await highLevelFailure(error);
			}
			if (contact === null) {
				return await fail(
					fieldError(
						'email',
						`no HighLevel contact has the email ${result.email} in location ${api.locationId}`,
					),
					{ field: 'email' },
				);
			}
			result.contact_id = contact.id;
			// Fresher than any payload: HighLevel's own answer of a moment ago.
			if (useTagsFromPayload) currentTags = tagSet(contact.tags);
		}

		// ---- Decide, then write the tags and the audit row at the same time.
		const decision: Decision = decideAttendance(registrant, settings, currentTags);
		result.status = decision.status;
		result.attended = decision.attended;
		result.tag_added = decision.tagAdded;
		result.tag_removed = decision.tagRemoved;
		const contactId = result.contact_id as string;
		const calls: Array<Promise<unknown>> = [];
		if (decision.callAdd && decision.tagAdded !== null)
			calls.push(api.addTags(contactId, [decision.tagAdded]));
		if (decision.callRemove && decision.tagRemoved !== null)
			calls.push(api.removeTags(contactId, [decision.tagRemoved]));
		result.highlevel_calls += calls.length;
		const audit = writeAudit ? store.recordCheck(auditRow(decision.status, null)) : undefined;
		const [tagResults, auditResult] = await Promise.all([
			Promise.allSettled(calls),
			audit === undefined ? undefined : Promise.allSettled([audit]).then(([r]) => r),
		]);

		const tagFailure = tagResults.find((r) => r.status === 'rejected');
		if (tagFailure !== undefined) {
			const error = tagFailure.reason as unknown;
			const nodeError = api.toNodeError(error, itemIndex);
			if (error instanceof HighLevelAttemptError && error.isFatal) gate.error ??= nodeError;
			const field = blamedField(error);
			let message = field ? fieldError(field, nodeError.message) : nodeError.message;
			if (auditResult?.status === 'fulfilled') {
				try {
					await store.markFailed(auditResult.value, message, elapsed());
				} catch (updateError) {
					message = `${message} (the audit row still says ${decision.status}: ${(updateError as Error).message})`;
				}
			} else if (auditResult?.status === 'rejected') {
				message = `${message} (the audit row was not written either: ${(auditResult.reason as Error).message})`;
			}
			result.status = 'error';
			result.response_time_ms = ms(elapsed());
			return failedRow(this, itemIndex, message, {
				field,
				base: result,
				cause: field ? undefined : nodeError,
			});
		}
		if (auditResult?.status === 'rejected') {
			result.response_time_ms = ms(elapsed());
			return failedRow(
				this,
				itemIndex,
				fieldError(
					'writeAuditRow',
					`tags written, but the attendance_checks row was not: ${(auditResult.reason as Error).message}`,
				),
				{
					field: 'writeAuditRow',
					base: { ...result, status: 'error', check_status: decision.status },
				},
			);
		}
		result.response_time_ms = ms(elapsed());
		return { itemIndex, json: result };
	};

	return await processItems(this, items.length, concurrencyOf(this), check);
}
