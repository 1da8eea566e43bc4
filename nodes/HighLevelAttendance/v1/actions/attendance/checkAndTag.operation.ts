import { performance } from 'node:perf_hooks';

import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { RowOutcome } from '../../../../shared/batch/outcomes';
import { failedRow, fieldError } from '../../../../shared/batch/outcomes';
import type { AttendanceCheckRow, AttendanceStore, Registrant } from '../../database/attendance';
import {
	lookupEmail,
	postgresAttendanceStore,
	supabaseAttendanceStore,
} from '../../database/attendance';
import { postgresCredentials, supabaseCredentials } from '../../../../shared/database/connection';
import { MAX_INT4, parseId } from '../../../../shared/normalize/id';
import { ParameterReader } from '../../../../shared/parameters';
import type { Decision, TagSettings, WhenNotFound } from '../../helpers/decision';
import { decideAttendance, tagSettingsProblem } from '../../helpers/decision';
import type { FatalGate } from '../../helpers/items';
import { emailProblem, highLevelFailure, ms, processItems } from '../../helpers/items';
import { verifyRequestSecret } from '../../helpers/secret';
import { tagSet } from '../../helpers/tags';
import type { CheckField } from '../../helpers/webhookPayload';
import { PAYLOAD_KEYS, readCheckRequest } from '../../helpers/webhookPayload';
import type { HighLevelApi } from '../../transport';
import { contactIdProblem, CREDENTIAL_TYPE } from '../../transport';
import { concurrencyOf, requestOptions, retrySettings } from '../common.descriptions';

const show = { resource: ['attendance'], operation: ['checkAndTag'] };

/**
 * Version 2's Input parameter. Version 1 has none: its Email, Contact ID, Webinar ID and Schedule
 * ID default to expressions reading the webhook body, and saved workflows keep them.
 */
const inputModeProperties: INodeProperties[] = [
	{
		displayName: 'Input',
		name: 'inputMode',
		type: 'options',
		noDataExpression: true,
		default: 'ghlWebhook',
		options: [
			{
				name: 'Field by Field',
				value: 'fields',
				description:
					'Set Email, Contact ID, Webinar ID and Schedule ID yourself, as values or expressions',
			},
			{
				name: 'GoHighLevel Webhook',
				value: 'ghlWebhook',
				description:
					'Read them from the request of a GoHighLevel workflow’s Webhook or Custom Webhook action, as n8n’s Webhook node receives it. No expression is evaluated.',
			},
		],
		description: 'Where the email, the contact and the webinar of each check come from',
		displayOptions: { show },
	},
	{
		displayName:
			'Reads <code>email</code>, <code>contact_id</code> and the Custom Data <code>webinar_id</code> and <code>schedule_id</code> from the request body (<code>customData</code> or the top level; a value missing there is taken from the URL query). A missing or invalid one leaves on the Invalid Input output, naming the key.',
		name: 'ghlWebhookNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { ...show, inputMode: ['ghlWebhook'] } },
	},
];

/** Check and Tag's parameters: version 1 as it shipped; version 2 adds Input (see above). */
export function checkAndTagProperties(version: 1 | 2): INodeProperties[] {
	// Version 2 shows the four fields only in Field by Field mode.
	const fieldsShow = version === 1 ? show : { ...show, inputMode: ['fields'] };
	return [
		{
			displayName:
				'Run WebinarJam › Database › Apply Schema once first: it creates the webinar_registrants and attendance_checks tables this check reads and writes.',
			name: 'applySchemaNotice',
			type: 'notice',
			default: '',
			displayOptions: { show },
		},
		{
			displayName: 'Caller Authentication',
			name: 'authentication',
			type: 'options',
			noDataExpression: true,
			default: 'webhookSecret',
			options: [
				{
					name: 'Webhook Secret',
					value: 'webhookSecret',
					description:
						'The request must carry the HighLevel credential’s Webhook Secret in the X-Webhook-Secret header or as ?secret= in the URL; anything else is refused before any lookup or write',
				},
				{
					name: 'None',
					value: 'none',
					description:
						'The workflow authenticates the caller itself before this node (for example the Webhook node’s Header Auth)',
				},
			],
			description:
				'How the incoming webhook request (this node’s input item, as n8n’s Webhook node outputs it) proves it comes from your GoHighLevel workflow',
			displayOptions: { show },
		},
		...(version === 1 ? [] : inputModeProperties),
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '={{ $json.body.email }}',
			required: true,
			description:
				'The registrant’s email, read as the sync stores it in webinar_registrants (trimmed, lower-cased, without angle brackets or mailto:); an address that is not valid is an item error. The default reads a HighLevel workflow Webhook action received by n8n’s Webhook node.',
			displayOptions: { show: fieldsShow },
		},
		{
			displayName: 'Contact ID',
			name: 'contactId',
			type: 'string',
			default: '={{ $json.body.contact_id }}',
			description:
				'The HighLevel contact to tag (its ID: letters and digits). It is read from HighLevel and used only when its email is the Email above. Leave empty to find the contact by email. Either way it is one HighLevel call, made while the database is queried.',
			displayOptions: { show: fieldsShow },
		},
		{
			displayName: 'Webinar ID',
			name: 'webinarId',
			type: 'string',
			default: '={{ $json.body.customData?.webinar_id ?? $json.body.webinar_id }}',
			required: true,
			description:
				'The WebinarJam webinar_id. Add it as Custom Data "webinar_id" in the HighLevel Webhook action.',
			displayOptions: { show: fieldsShow },
		},
		{
			displayName: 'Schedule ID',
			name: 'scheduleId',
			type: 'string',
			default: '={{ $json.body.customData?.schedule_id ?? $json.body.schedule_id }}',
			description:
				'The WebinarJam schedule_id (Custom Data "schedule_id"). Leave empty to use the newest registration for the webinar, whatever the schedule.',
			displayOptions: { show: fieldsShow },
		},
		{
			displayName: 'Skip Tag Calls Not Needed',
			name: 'useTagsFromPayload',
			type: 'boolean',
			default: true,
			description:
				'Whether to skip adding a tag the contact already has and removing one it does not have, judging by the contact’s tags as HighLevel returns them. Saves up to half the HighLevel calls (the limit is 100 per 10 seconds).',
			displayOptions: { show },
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
}

export const description: INodeProperties[] = checkAndTagProperties(1);

interface CheckResult extends IDataObject {
	email: string;
	contact_id: string | null;
	webinar_id: number | null;
	schedule_id: number | null;
	status: string;
	attended: boolean | null;
	tag_added: string | null;
	tag_removed: string | null;
	lookup_ms: number | null;
	response_time_ms: number;
	highlevel_calls: number;
}

/** What one check reads from its item, validated. */
interface CheckInputs {
	webinarId: number;
	scheduleId: number | undefined;
	settings: TagSettings;
	useTagsFromPayload: boolean;
	writeAudit: boolean;
}

/** What the tag calls and the audit insert, made at the same time, came to. */
interface Written {
	/** The first tag call that failed. */
	tagFailure?: PromiseRejectedResult;
	/** The audit insert (its row id), unless the audit row is turned off. */
	audit?: PromiseSettledResult<number>;
}

/**
 * A check's outcome. `invalidInput`: the caller's request is at fault (422); from version 2 such an
 * item leaves on the node's second output as the reply to send (`{status, field, error,
 * http_status}`), not as an item error.
 */
export interface CheckOutcome extends RowOutcome {
	invalidInput?: true;
}

/** How one run reads its checks. */
interface CheckMode {
	/** Version 2's GoHighLevel Webhook input: read the request, not the four field parameters. */
	fromRequest: boolean;
	/** Version 2: invalid input leaves on the second output (see CheckOutcome). */
	invalidInputOutput: boolean;
	/** What a failure calls each field: the parameter, or the payload key it was read from. */
	names: Record<CheckField, string>;
}

const PARAMETER_NAMES: Record<CheckField, string> = {
	email: 'email',
	contactId: 'contactId',
	webinarId: 'webinarId',
	scheduleId: 'scheduleId',
};

/** A check that cannot go on: reported on the item (and in an 'error' audit row when possible). */
class CheckFailure extends Error {
	constructor(
		message: string,
		readonly details: {
			field?: string;
			cause?: unknown;
			databaseDown?: boolean;
			/** The reply's status: 401/403 unauthenticated, 422 bad input, 503 a dependency is down. */
			httpStatus?: number;
			/** What the caller may read: names the field, never a host, location or person. */
			reason?: string;
			/** Refused before anything was looked up: no audit row either. */
			unauthenticated?: boolean;
		} = {},
	) {
		super(message);
	}
}

const HIGHLEVEL_DOWN = { httpStatus: 503, reason: 'HighLevel is unavailable' };

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

/** A WebinarJam id parameter (INTEGER column): undefined when empty, else the id or a failure. */
function idParameter(
	raw: unknown,
	field: string,
	what: string,
	missing: string,
): number | undefined {
	const id = parseId(raw, MAX_INT4);
	if (!id.ok)
		throw new CheckFailure(
			fieldError(field, `"${String(raw)}" is not a WebinarJam ${what} id (a whole number)`),
			{ field },
		);
	if (id.value === null && missing !== '')
		throw new CheckFailure(fieldError(field, missing), { field });
	return id.value ?? undefined;
}

/** The id goes into the tag calls' URL: anything but a HighLevel contact id stops the check before any call. */
function checkContactId(contactId: string, field: string, whose = ''): void {
	const problem = contactIdProblem(contactId);
	if (problem !== undefined)
		throw new CheckFailure(fieldError(field, `${whose}${problem}`), { field });
}

/**
 * One webhook's check, as small steps: validate the inputs, look up the registrant (database and
 * contact search at once), decide, write the tags and the audit row at once, report.
 */
class AttendanceCheck {
	private readonly started = performance.now();

	private registrant: Registrant | null = null;

	private writeAudit = true;

	readonly result: CheckResult = {
		email: '',
		contact_id: null,
		webinar_id: null,
		schedule_id: null,
		status: 'error',
		attended: null,
		tag_added: null,
		tag_removed: null,
		lookup_ms: null,
		response_time_ms: 0,
		highlevel_calls: 0,
	};

	constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly store: AttendanceStore,
		private readonly api: HighLevelApi,
		private readonly gate: FatalGate,
		private readonly itemIndex: number,
		/** The credential's Webhook Secret; undefined when the workflow authenticates the caller. */
		private readonly webhookSecret: string | undefined,
		private readonly mode: CheckMode,
	) {}

	/** What a failure calls a field in this mode. */
	private name(field: CheckField): string {
		return this.mode.names[field];
	}

	async run(parameters: ParameterReader): Promise<CheckOutcome> {
		// A step that cannot go on throws a CheckFailure: the item's error (anything else is a bug).
		return await this.steps(parameters).catch(async (error: unknown) => {
			if (error instanceof CheckFailure) return await this.fail(error);
			throw error;
		});
	}

	private async steps(parameters: ParameterReader): Promise<CheckOutcome> {
		this.authenticate();
		const inputs = this.validateInputs(parameters);
		// The token or location is wrong, or the daily budget is gone: no call can succeed.
		if (this.gate.error !== undefined)
			throw new CheckFailure(this.gate.error.message, HIGHLEVEL_DOWN);
		const currentTags = await this.lookUp(inputs);
		const decision = this.decide(inputs, currentTags);
		const written = await this.writeTagsAndAudit(decision, inputs.writeAudit);
		return await this.report(decision, written);
	}

	private elapsed(): number {
		return performance.now() - this.started;
	}

	/** First of all: a request without the secret is refused before anything is read or written. */
	private authenticate(): void {
		if (this.webhookSecret === undefined) return;
		const request = this.ctx.getInputData()[this.itemIndex]?.json ?? {};
		const verdict = verifyRequestSecret(request, this.webhookSecret);
		if (verdict.ok) return;
		throw new CheckFailure(`Webhook request refused: ${verdict.reason}`, {
			httpStatus: verdict.httpStatus,
			reason: verdict.reason,
			unauthenticated: true,
		});
	}

	/** The item's parameters, checked; the output fields are filled as they become known. */
	private validateInputs(parameters: ParameterReader): CheckInputs {
		const get = (name: string, fallback: unknown = '') =>
			parameters.get<unknown>(name, this.itemIndex, fallback);
		// GoHighLevel Webhook input: the request itself, no parameter (and so no expression) read.
		const request = this.mode.fromRequest
			? readCheckRequest(this.ctx.getInputData()[this.itemIndex]?.json ?? {})
			: undefined;
		const input = (field: CheckField) => (request === undefined ? get(field) : request[field]);
		const options = (get('options', {}) ?? {}) as IDataObject;
		this.writeAudit = options.writeAuditRow !== false;
		const rawEmail = input('email');
		const email = lookupEmail(rawEmail);
		this.result.email = email.ok
			? email.value
			: typeof rawEmail === 'string'
				? rawEmail.trim().toLowerCase()
				: '';
		this.result.contact_id = String(input('contactId') ?? '').trim() || null;
		if (!email.ok)
			throw new CheckFailure(fieldError(this.name('email'), emailProblem(rawEmail, email.reason)), {
				field: this.name('email'),
			});
		if (this.result.contact_id !== null)
			checkContactId(this.result.contact_id, this.name('contactId'));
		const webinarId = idParameter(
			input('webinarId'),
			this.name('webinarId'),
			'webinar',
			'no webinar id given (set Custom Data "webinar_id" in the HighLevel Webhook action)',
		) as number;
		this.result.webinar_id = webinarId;
		const scheduleId = idParameter(input('scheduleId'), this.name('scheduleId'), 'schedule', '');
		this.result.schedule_id = scheduleId ?? null;
		const settings: TagSettings = {
			attendedTag: String(get('attendedTag') ?? ''),
			noShowTag: String(get('noShowTag') ?? ''),
			whenNotFound: (get('whenNotFound', 'noChange') as WhenNotFound) ?? 'noChange',
			notFoundTag: String(get('notFoundTag', '') ?? ''),
			replayCountsAsAttended: options.replayCountsAsAttended === true,
		};
		const problem = tagSettingsProblem(settings);
		// The workflow's own settings, not the caller's input: a 503 that alerts.
		if (problem !== undefined)
			throw new CheckFailure(problem, {
				field: /^Field '(\w+)'/.exec(problem)?.[1],
				httpStatus: 503,
				reason: 'the attendance check is misconfigured',
			});
		const useTagsFromPayload = get('useTagsFromPayload', true) !== false;
		return {
			webinarId,
			scheduleId,
			settings,
			useTagsFromPayload,
			writeAudit: this.writeAudit,
		};
	}

	/**
	 * The registrant from the database and the contact from HighLevel, both at once: by its id when
	 * the request names one (then its email must be the request's), else by the email. Resolves to
	 * the contact's tags as HighLevel returns them.
	 */
	private async lookUp(inputs: CheckInputs): Promise<Set<string> | undefined> {
		const lookupStarted = performance.now();
		const lookup = this.store
			.lookup({
				email: this.result.email,
				webinarId: inputs.webinarId,
				scheduleId: inputs.scheduleId,
			})
			.finally(() => {
				this.result.lookup_ms = ms(performance.now() - lookupStarted);
			});
		const givenId = this.result.contact_id;
		const contactCall =
			givenId === null
				? this.api.findContactByEmail(this.result.email)
				: this.api.getContact(givenId);
		this.result.highlevel_calls++;
		// Both are awaited below; these keep an early failure of one from going unhandled.
		lookup.catch(() => undefined);
		contactCall.catch(() => undefined);

		const found = await lookup.then(
			(registrant) => ({ registrant, error: undefined }),
			(error: unknown) => ({ registrant: null, error }),
		);
		if (found.error !== undefined) {
			await contactCall.catch(() => undefined);
			throw new CheckFailure((found.error as Error).message, {
				field: 'database',
				databaseDown: true,
				httpStatus: 503,
				reason: 'the attendance database is unavailable',
			});
		}
		this.registrant = found.registrant;
		let contact;
		try {
			contact = await contactCall;
		} catch (error) {
			throw this.highLevelFailure(error);
		}
		const emailName = this.name('email');
		const contactName = this.name('contactId');
		if (contact === null)
			throw givenId === null
				? new CheckFailure(fieldError(emailName, 'no HighLevel contact has this email'), {
						field: emailName,
					})
				: new CheckFailure(fieldError(contactName, 'contact not found in HighLevel'), {
						field: contactName,
					});
		if (givenId !== null) {
			// The id alone proves nothing: the contact must be the person the email names.
			const theirs = lookupEmail(contact.email ?? '');
			if (!theirs.ok || theirs.value !== this.result.email)
				throw new CheckFailure(
					fieldError(contactName, 'the contact’s email is not the email in the request'),
					{ field: contactName },
				);
		} else {
			this.result.contact_id = contact.id;
			checkContactId(contact.id, contactName, 'HighLevel’s contact for this email: ');
		}
		return inputs.useTagsFromPayload ? tagSet(contact.tags ?? []) : undefined;
	}

	private decide(inputs: CheckInputs, currentTags: Set<string> | undefined): Decision {
		const decision = decideAttendance(this.registrant, inputs.settings, currentTags);
		this.result.status = decision.status;
		this.result.attended = decision.attended;
		this.result.tag_added = decision.tagAdded;
		this.result.tag_removed = decision.tagRemoved;
		return decision;
	}

	/** The tag calls the decision needs and the audit row, at the same time; all settle. */
	private async writeTagsAndAudit(decision: Decision, writeAudit: boolean): Promise<Written> {
		const contactId = this.result.contact_id as string;
		const calls: Array<Promise<unknown>> = [];
		if (decision.callAdd && decision.tagAdded !== null)
			calls.push(this.api.addTags(contactId, [decision.tagAdded]));
		if (decision.callRemove && decision.tagRemoved !== null)
			calls.push(this.api.removeTags(contactId, [decision.tagRemoved]));
		this.result.highlevel_calls += calls.length;
		const audit = writeAudit
			? this.store.recordCheck(this.auditRow(decision.status, null))
			: undefined;
		const [tags, [written]] = await Promise.all([
			Promise.allSettled(calls),
			Promise.allSettled(audit === undefined ? [] : [audit]),
		]);
		const tagFailure = tags.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		return { tagFailure, audit: written };
	}

	/** The item's outcome once the writes settled: done, a tag call failed, or the audit row did. */
	private async report(decision: Decision, written: Written): Promise<CheckOutcome> {
		if (written.tagFailure !== undefined)
			return await this.reportTagFailure(decision, written.tagFailure.reason, written.audit);
		this.result.response_time_ms = ms(this.elapsed());
		if (written.audit?.status === 'rejected')
			return failedRow(
				this.ctx,
				this.itemIndex,
				fieldError(
					'writeAuditRow',
					`tags written, but the attendance_checks row was not: ${(written.audit.reason as Error).message}`,
				),
				{
					field: 'writeAuditRow',
					base: {
						...this.result,
						status: 'error',
						check_status: decision.status,
						http_status: 503,
						reason: 'the attendance database is unavailable (the tags were written)',
					},
				},
			);
		return { itemIndex: this.itemIndex, json: this.result };
	}

	/** A tag call failed: the audit row written alongside it is turned into an 'error' row. */
	private async reportTagFailure(
		decision: Decision,
		error: unknown,
		audit: PromiseSettledResult<number> | undefined,
	): Promise<CheckOutcome> {
		const failure = this.highLevelFailure(error);
		let message = failure.message;
		if (audit?.status === 'fulfilled') {
			try {
				await this.store.markFailed(audit.value, message, this.elapsed());
			} catch (updateError) {
				message = `${message} (the audit row still says ${decision.status}: ${(updateError as Error).message})`;
			}
		} else if (audit?.status === 'rejected') {
			message = `${message} (the audit row was not written either: ${(audit.reason as Error).message})`;
		}
		return this.failed(message, failure.details);
	}

	private auditRow(status: AttendanceCheckRow['status'], error: string | null): AttendanceCheckRow {
		const r = this.result;
		return {
			registrantId: this.registrant?.id ?? null,
			ghlContactId: r.contact_id,
			email: r.email,
			webinarId: r.webinar_id,
			scheduleId: r.schedule_id,
			attended: r.attended,
			status,
			tagAdded: r.tag_added,
			tagRemoved: r.tag_removed,
			error,
			responseTimeMs: this.elapsed(),
		};
	}

	private highLevelFailure(error: unknown): CheckFailure {
		const failure = highLevelFailure(this.api, this.gate, this.itemIndex, error);
		// A contact HighLevel refuses is the caller's input; anything else means HighLevel is down.
		if (failure.field === undefined)
			return new CheckFailure(failure.message, { ...failure, ...HIGHLEVEL_DOWN });
		const field = failure.field === 'contactId' ? this.name('contactId') : failure.field;
		// The message names the parameter (`Field 'contactId': …`): name the field of this mode.
		const message = failure.message.replace(`Field '${failure.field}'`, `Field '${field}'`);
		return new CheckFailure(message, { ...failure, field });
	}

	/** A check that stopped early: an 'error' audit row when the database is reachable, then the item error. */
	private async fail(failure: CheckFailure): Promise<CheckOutcome> {
		let message = failure.message;
		let details = failure.details;
		const unreachable = details.databaseDown === true;
		if (this.writeAudit && !unreachable && details.unauthenticated !== true) {
			try {
				await this.store.recordCheck(this.auditRow('error', message));
			} catch (error) {
				message = `${message} (the 'error' audit row was not written either: ${(error as Error).message})`;
				// Version 2 answers a refusal from its second output; one it could not record is a
				// database failure instead (503, on the error output), as when a check's row fails.
				if (this.mode.invalidInputOutput && this.httpStatusOf(details) === 422)
					details = {
						...details,
						field: 'database',
						httpStatus: 503,
						reason: 'the attendance database is unavailable',
					};
			}
		}
		// The reply may repeat the refusal, never what the database said about the audit row.
		return this.failed(message, details, failure.message);
	}

	/** Without a named status it is the caller's input (422) only when a field is at fault. */
	private httpStatusOf(details: CheckFailure['details']): number {
		return details.httpStatus ?? (details.field === undefined ? 503 : 422);
	}

	private failed(
		message: string,
		details: CheckFailure['details'],
		readable = message,
	): CheckOutcome {
		this.result.status = 'error';
		this.result.response_time_ms = ms(this.elapsed());
		const httpStatus = this.httpStatusOf(details);
		const reason =
			details.reason ?? (httpStatus === 422 ? readable : 'the check could not be completed');
		if (httpStatus === 422 && this.mode.invalidInputOutput)
			return {
				itemIndex: this.itemIndex,
				// The reply as it is sent: the field and why, nothing of the registrant or the setup.
				json: { status: 'error', field: details.field ?? null, error: reason, http_status: 422 },
				invalidInput: true,
			};
		return failedRow(this.ctx, this.itemIndex, message, {
			field: details.field,
			base: { ...this.result, http_status: httpStatus, reason },
			cause: details.cause,
		});
	}
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	api: HighLevelApi,
): Promise<CheckOutcome[]> {
	const version2 = this.getNode().typeVersion >= 2;
	const fromRequest =
		version2 && this.getNodeParameter('inputMode', 0, 'ghlWebhook') === 'ghlWebhook';
	const mode: CheckMode = {
		fromRequest,
		invalidInputOutput: version2,
		names: fromRequest ? PAYLOAD_KEYS : PARAMETER_NAMES,
	};
	const database = this.getNodeParameter('database', 0, 'postgres') as string;
	const schema = String(this.getNodeParameter('schema', 0, 'public') ?? '').trim() || 'public';
	const store = await openStore(this, database, schema, retrySettings(this).timeoutMs);
	const parameters = new ParameterReader(this);
	const webhookSecret =
		this.getNodeParameter('authentication', 0, 'webhookSecret') === 'none'
			? undefined
			: String((await this.getCredentials(CREDENTIAL_TYPE)).webhookSecret ?? '');
	return await processItems(
		this,
		items.length,
		concurrencyOf(this),
		async (itemIndex, gate) =>
			await new AttendanceCheck(this, store, api, gate, itemIndex, webhookSecret, mode).run(
				parameters,
			),
	);
}
