/** HighLevel Attendance: tag parsing, the attended/no-show decision, error classification, SQL and row shapes. */
import type { IExecuteFunctions, INode } from 'n8n-workflow';

import type { TagSettings } from '../../nodes/HighLevelAttendance/v1/helpers/decision';
import {
	decideAttendance,
	isAttended,
	tagSettingsProblem,
} from '../../nodes/HighLevelAttendance/v1/helpers/decision';
import { ms } from '../../nodes/HighLevelAttendance/v1/helpers/items';
import {
	configuredSecretProblem,
	presentedSecret,
	secretsMatch,
	verifyRequestSecret,
} from '../../nodes/HighLevelAttendance/v1/helpers/secret';
import {
	normalizeTag,
	parseTagList,
	tagSet,
} from '../../nodes/HighLevelAttendance/v1/helpers/tags';
import {
	blamedField,
	contactIdProblem,
	HighLevelApi,
	InvalidContactIdError,
	highLevelPolicy,
	requestsPer10s,
} from '../../nodes/HighLevelAttendance/v1/transport';
import {
	lookupEmail,
	lookupSql,
	recordCheckSql,
	toRegistrant,
} from '../../nodes/HighLevelAttendance/v1/database/attendance';
import { normalizeEmail } from '../../nodes/shared/normalize';
import { ParameterReader } from '../../nodes/shared/parameters';
import { AttemptError } from '../../nodes/shared/transport/attempt';
import { forgetLearnedLimits } from '../../nodes/shared/transport/client';
import { resetRateLimiters } from '../../nodes/shared/transport/rateLimiter';

describe('tags', () => {
	it('reads the comma-separated string a HighLevel Webhook action sends', () => {
		expect(parseTagList('vip, webinar-no-show,  ,Newsletter ')).toEqual([
			'vip',
			'webinar-no-show',
			'Newsletter',
		]);
		expect(tagSet('vip, Webinar-No-Show')).toEqual(new Set(['vip', 'webinar-no-show']));
	});

	it('accepts arrays (also nested, or as JSON text) and drops case-insensitive repeats, first spelling kept', () => {
		expect(parseTagList(['VIP', 'vip ', ['Webinar-Attended', 'a,b']])).toEqual([
			'VIP',
			'Webinar-Attended',
			'a',
			'b',
		]);
		expect(parseTagList('["one", "Two"]')).toEqual(['one', 'Two']);
		expect(parseTagList('[not json')).toEqual(['[not json']);
		expect(parseTagList(42)).toEqual(['42']);
	});

	it('tells "no tags" (known: skip removes) from "unknown" (nothing may be skipped)', () => {
		expect(tagSet('')).toEqual(new Set());
		expect(tagSet([])).toEqual(new Set());
		expect(tagSet(undefined)).toBeUndefined();
		expect(tagSet(null)).toBeUndefined();
		expect(tagSet({ tags: 'x' })).toBeUndefined();
	});

	it('compares as HighLevel stores tags: trimmed, lowercased', () => {
		expect(normalizeTag('  Webinar-Attended ')).toBe('webinar-attended');
	});
});

describe('attendance decision', () => {
	const settings: TagSettings = {
		attendedTag: 'webinar-attended',
		noShowTag: 'webinar-no-show',
		whenNotFound: 'noChange',
		notFoundTag: 'webinar-not-found',
		replayCountsAsAttended: false,
	};
	const live = { attended_live: true, attended_replay: false };
	const replayOnly = { attended_live: false, attended_replay: true };
	const absent = { attended_live: false, attended_replay: false };

	it('attended live: add the Attended Tag, remove the No-Show Tag', () => {
		expect(decideAttendance(live, settings)).toEqual({
			status: 'attended',
			attended: true,
			tagAdded: 'webinar-attended',
			tagRemoved: 'webinar-no-show',
			callAdd: true,
			callRemove: true,
		});
	});

	it('no-show: the reverse; a replay counts only with the option', () => {
		expect(decideAttendance(absent, settings)).toMatchObject({
			status: 'no_show',
			attended: false,
			tagAdded: 'webinar-no-show',
			tagRemoved: 'webinar-attended',
		});
		expect(decideAttendance(replayOnly, settings).status).toBe('no_show');
		expect(decideAttendance(replayOnly, { ...settings, replayCountsAsAttended: true }).status).toBe(
			'attended',
		);
		expect(isAttended(replayOnly, true)).toBe(true);
		expect(isAttended(replayOnly, false)).toBe(false);
	});

	it('not found: no change by default, or only the Not Found Tag', () => {
		expect(decideAttendance(null, settings)).toEqual({
			status: 'not_found',
			attended: null,
			tagAdded: null,
			tagRemoved: null,
			callAdd: false,
			callRemove: false,
		});
		expect(decideAttendance(null, { ...settings, whenNotFound: 'addTag' })).toEqual({
			status: 'not_found',
			attended: null,
			tagAdded: 'webinar-not-found',
			tagRemoved: null,
			callAdd: true,
			callRemove: false,
		});
	});

	it('known tags skip an add of a tag already there and a remove of a tag already gone', () => {
		const has = (...tags: string[]) => new Set(tags);
		expect(decideAttendance(live, settings, has('webinar-attended'))).toMatchObject({
			callAdd: false,
			callRemove: false,
		});
		expect(decideAttendance(live, settings, has('webinar-no-show'))).toMatchObject({
			callAdd: true,
			callRemove: true,
		});
		expect(decideAttendance(live, settings, has())).toMatchObject({
			callAdd: true,
			callRemove: false,
		});
		expect(
			decideAttendance(live, settings, has('webinar-attended', 'webinar-no-show')),
		).toMatchObject({
			callAdd: false,
			callRemove: true,
		});
		// Tag parameters in any case match HighLevel's lowercased tags.
		expect(
			decideAttendance(
				live,
				{ ...settings, attendedTag: 'Webinar-Attended' },
				has('webinar-attended'),
			),
		).toMatchObject({ tagAdded: 'Webinar-Attended', callAdd: false });
	});

	it('an empty tag parameter leaves that tag alone', () => {
		expect(decideAttendance(live, { ...settings, noShowTag: ' ' })).toMatchObject({
			tagAdded: 'webinar-attended',
			tagRemoved: null,
			callRemove: false,
		});
		expect(decideAttendance(absent, { ...settings, noShowTag: '' })).toMatchObject({
			tagAdded: null,
			callAdd: false,
			tagRemoved: 'webinar-attended',
			callRemove: true,
		});
	});

	it('refuses settings that cannot work, naming the parameter', () => {
		expect(tagSettingsProblem(settings)).toBeUndefined();
		expect(tagSettingsProblem({ ...settings, noShowTag: 'WEBINAR-ATTENDED' })).toMatch(
			/^Field 'noShowTag': the No-Show Tag must differ from the Attended Tag/,
		);
		expect(tagSettingsProblem({ ...settings, whenNotFound: 'addTag', notFoundTag: ' ' })).toBe(
			"Field 'notFoundTag': When Not Found is 'Add Tag' but the Not Found Tag is empty",
		);
		expect(tagSettingsProblem({ ...settings, attendedTag: 'a,b' })).toMatch(/commas/);
		// Both empty is allowed (a check that only logs).
		expect(tagSettingsProblem({ ...settings, attendedTag: '', noShowTag: '' })).toBeUndefined();
	});
});

describe('HighLevel errors', () => {
	const http = (status: number, body: object, headers: Record<string, string> = {}) =>
		new AttemptError(
			'HighLevel',
			'http',
			status,
			body as never,
			headers,
			undefined,
			highLevelPolicy.messageOf(body as never),
		);

	it("reads HighLevel's message, also the list a 422 carries", () => {
		expect(http(400, { message: 'Contact with id x not found' }).serverMessage).toBe(
			'Contact with id x not found',
		);
		expect(
			http(422, { message: ['tags must be an array', 'tags should not be empty'] }).serverMessage,
		).toBe('tags must be an array; tags should not be empty');
		expect(http(502, {}).serverMessage).toBeUndefined();
	});

	it('tells the daily limit (fatal) from the burst limit (wait and retry)', () => {
		const burst = http(429, {}, { 'x-ratelimit-daily-remaining': '1999' });
		const daily = http(429, {}, { 'x-ratelimit-daily-remaining': '0' });
		const verdict = (e: AttemptError) => [
			highLevelPolicy.isRateLimited(e),
			highLevelPolicy.isFatal(e),
		];
		expect(verdict(burst)).toEqual([true, false]);
		expect(verdict(daily)).toEqual([false, true]);
	});

	it('401 and 403 end the run; a 400 about the contact blames the Contact ID', () => {
		expect(highLevelPolicy.isFatal(http(401, {}))).toBe(true);
		expect(highLevelPolicy.isFatal(http(403, {}))).toBe(true);
		expect(highLevelPolicy.isFatal(http(400, {}))).toBe(false);
		expect(highLevelPolicy.isFatal(http(503, {}))).toBe(false);
		expect(blamedField(http(400, { message: 'Contact with id x not found' }))).toBe('contactId');
		expect(blamedField(http(400, { message: 'tags must be an array' }))).toBeUndefined();
		expect(blamedField(http(404, { message: 'Contact not found' }))).toBeUndefined();
	});

	it('Requests per 10 Seconds: 100 by default, a whole number of at least 1', () => {
		expect(requestsPer10s({})).toBe(100);
		expect(requestsPer10s({ requestsPer10s: '' })).toBe(100);
		expect(requestsPer10s({ requestsPer10s: 250 })).toBe(250);
		expect(() => requestsPer10s({ requestsPer10s: 0 })).toThrow(/at least 1/);
		expect(() => requestsPer10s({ requestsPer10s: 2.5 })).toThrow(/whole number/);
	});

	describe('the 429 wait', () => {
		afterEach(() => {
			resetRateLimiters();
			forgetLearnedLimits();
		});
		const node = { name: 'HighLevel', type: 't', typeVersion: 1 } as INode;
		const ctx = { getNode: () => node } as unknown as IExecuteFunctions;
		const api = (credentials: Record<string, unknown> = {}) =>
			new HighLevelApi(ctx, { accessToken: 'pit-unit', locationId: 'loc1', ...credentials });

		it('is Retry-After when sent, else the interval HighLevel reports, else 10 s', () => {
			const a = api().client;
			expect(a.rateLimitWaitMs(http(429, {}, { 'retry-after': '3' }))).toBe(3000);
			expect(
				a.rateLimitWaitMs(
					http(429, {}, { 'retry-after': '2', 'x-ratelimit-interval-milliseconds': '10000' }),
				),
			).toBe(2000);
			expect(a.rateLimitWaitMs(http(429, {}, { 'x-ratelimit-interval-milliseconds': '400' }))).toBe(
				400,
			);
			expect(a.rateLimitWaitMs(http(429, {}))).toBe(10_000);
		});

		it('one limiter per token + location, paced to the credential, keyed without the token', () => {
			const a = api().client;
			const b = api().client;
			expect(a.limiter).toBe(b.limiter);
			expect(a.limiter.limit).toBe(100);
			expect(a.limiter.windowMs).toBe(10_000);
			expect(a.budget.key).not.toContain('pit-unit');
			expect(api({ locationId: 'loc2' }).client.limiter).not.toBe(a.limiter);
		});

		it('the tag calls refuse a contact id that could change the URL path, before any request', async () => {
			// ctx has no request helpers: reaching them would fail differently.
			for (const id of ['..', '.', 'a/b', '%2e%2e', '', 'a'.repeat(65)]) {
				const add = api().addTags(id, ['x']);
				await expect(add).rejects.toBeInstanceOf(InvalidContactIdError);
				await expect(api().removeTags(id, ['x'])).rejects.toBeInstanceOf(InvalidContactIdError);
				expect(blamedField(await add.catch((e: unknown) => e))).toBe('contactId');
			}
			expect(contactIdProblem('Ab0123456789xyzABCDE')).toBeUndefined();
			expect(contactIdProblem('a/b')).toBe(
				'"a/b" is not a HighLevel contact id (1 to 64 letters and digits)',
			);
		});

		it('a credential without token or location is refused before any call', () => {
			expect(() => new HighLevelApi(ctx, { locationId: 'x' })).toThrow(
				'The HighLevel credential has no Private Integration token',
			);
			expect(() => new HighLevelApi(ctx, { accessToken: 'pit' })).toThrow(
				'The HighLevel credential has no Location ID',
			);
		});
	});
});

describe('parameter reads (the shared ParameterReader)', () => {
	it('reads plain values once, evaluates per item only what can depend on the item', () => {
		const parameters: Record<string, unknown> = {
			email: '={{ $json.body.email }}',
			attendedTag: 'webinar-attended',
			webinarId: "={{ $('Config').first().json.webinar_id }}",
			options: { writeAuditRow: true, concurrency: 5 },
			perItemOptions: { writeAuditRow: '={{ $json.audit }}' },
		};
		const calls: string[] = [];
		const ctx = {
			getNode: () => ({ parameters }),
			getNodeParameter: (name: string, itemIndex: number, fallback: unknown) => {
				calls.push(`${name}#${itemIndex}`);
				const value = parameters[name] ?? fallback;
				return typeof value === 'string' && value.startsWith('=')
					? `evaluated-${itemIndex}`
					: value;
			},
		} as unknown as IExecuteFunctions;
		const read = new ParameterReader(ctx);
		for (const i of [0, 1, 2]) {
			expect(read.get('attendedTag', i)).toBe('webinar-attended');
			expect(read.get('email', i)).toBe(`evaluated-${i}`);
			expect(read.get('webinarId', i)).toBe('evaluated-0');
			expect(read.get('options', i, {})).toEqual({ writeAuditRow: true, concurrency: 5 });
			read.get('perItemOptions', i, {});
			expect(read.get('missing', i, 'dflt')).toBe('dflt');
		}
		const count = (name: string) => calls.filter((c) => c.startsWith(`${name}#`)).length;
		expect([count('attendedTag'), count('webinarId'), count('options')]).toEqual([1, 1, 1]);
		expect([count('email'), count('perItemOptions')]).toEqual([3, 3]);
		// Not stored on the node: its default may be an expression, so it is read per item.
		expect(count('missing')).toBe(3);
		expect(ms(1.23456)).toBe(1.23);
	});
});

describe('attendance SQL and rows', () => {
	it("is seed 002's lightning query against the schema, with the schedule optional", () => {
		expect(lookupSql('public', true)).toBe(
			'SELECT id, email, first_name, last_name, webinar_name, webinar_id, schedule_id, attended_live, date_live, time_live, purchased_live, revenue_live, attended_replay ' +
				'FROM "public"."webinar_registrants" WHERE email = $1 AND webinar_id = $2 AND schedule_id = $3 ORDER BY event_date DESC LIMIT 1',
		);
		expect(lookupSql('ops', false)).toContain(
			'FROM "ops"."webinar_registrants" WHERE email = $1 AND webinar_id = $2 ORDER BY event_date DESC LIMIT 1',
		);
		expect(() => lookupSql('a"; DROP', true)).toThrow(/not a plain SQL name/);
		expect(recordCheckSql('ops')).toBe(
			'INSERT INTO "ops"."attendance_checks" (registrant_id, ghl_contact_id, email, webinar_id, schedule_id, attended, attendance_status, tag_added, tag_removed, error, response_time_ms) ' +
				'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id',
		);
	});

	it('normalizes emails by the shared rule the sync stores them with', () => {
		expect(lookupEmail('  Ada@Example.COM ')).toEqual({ ok: true, value: 'ada@example.com' });
		expect(lookupEmail('<mailto:Ada@Example.com>')).toEqual({ ok: true, value: 'ada@example.com' });
		for (const raw of [undefined, 42, '', 'jane@example', 'jane@@example.com'])
			expect(lookupEmail(raw)).toEqual({
				ok: false,
				reason: (normalizeEmail(String(raw ?? '')) as { reason: string }).reason,
			});
	});

	it('gives pg rows and PostgREST JSON the same shape', () => {
		const fromPg = toRegistrant({
			id: '9007199254',
			email: 'ada@example.com',
			first_name: 'Ada',
			last_name: null,
			webinar_name: 'Ops',
			webinar_id: 5,
			schedule_id: 1,
			attended_live: true,
			date_live: new Date('2030-03-14T17:02:00Z'),
			time_live: '00:42:10',
			purchased_live: false,
			revenue_live: '497.50',
			attended_replay: false,
		});
		const fromPostgrest = toRegistrant({
			id: 9007199254,
			email: 'ada@example.com',
			first_name: 'Ada',
			last_name: null,
			webinar_name: 'Ops',
			webinar_id: 5,
			schedule_id: 1,
			attended_live: true,
			date_live: '2030-03-14T17:02:00+00:00',
			time_live: '00:42:10',
			purchased_live: false,
			revenue_live: 497.5,
			attended_replay: false,
		});
		expect(fromPg).toEqual(fromPostgrest);
		expect(fromPg).toMatchObject({
			id: 9007199254,
			date_live: '2030-03-14T17:02:00.000Z',
			revenue_live: 497.5,
		});
		expect(toRegistrant({ date_live: null, time_live: null }).date_live).toBeNull();
	});
});

describe('the attendance webhook secret', () => {
	const SECRET = 'a-long-random-webhook-secret-42';

	it('refuses a configured secret that is empty, shorter than 16 characters or the template placeholder', () => {
		expect(configuredSecretProblem('')).toMatch(/no Webhook Secret/);
		expect(configuredSecretProblem('   ')).toMatch(/no Webhook Secret/);
		expect(configuredSecretProblem(undefined)).toMatch(/no Webhook Secret/);
		expect(configuredSecretProblem('fifteen-chars-x')).toMatch(/shorter than 16/);
		expect(configuredSecretProblem('REPLACE_WITH_A_RANDOM_SECRET_OF_32_CHARACTERS')).toMatch(
			/placeholder/,
		);
		expect(configuredSecretProblem('sixteen-chars-xx')).toBeUndefined();
	});

	it('reads the X-Webhook-Secret header in any case, else ?secret=, never another header', () => {
		expect(presentedSecret({ headers: { 'x-webhook-secret': 'h' }, query: { secret: 'q' } })).toBe(
			'h',
		);
		expect(presentedSecret({ headers: { 'X-Webhook-Secret': ['h1', 'h2'] } })).toBe('h1');
		expect(presentedSecret({ headers: {}, query: { secret: 'q' } })).toBe('q');
		expect(presentedSecret({ headers: { 'x-webhook-secret': '' }, query: { secret: 'q' } })).toBe(
			'q',
		);
		expect(presentedSecret({ headers: { authorization: `Bearer ${SECRET}` } })).toBeUndefined();
		expect(presentedSecret({ body: { secret: SECRET } })).toBeUndefined();
	});

	it('compares whole secrets of any length (digests of equal length go to timingSafeEqual)', () => {
		expect(secretsMatch(SECRET, SECRET)).toBe(true);
		expect(secretsMatch(SECRET.slice(0, -1), SECRET)).toBe(false);
		expect(secretsMatch(`${SECRET}x`, SECRET)).toBe(false);
		expect(secretsMatch('', SECRET)).toBe(false);
		expect(secretsMatch(SECRET.toUpperCase(), SECRET)).toBe(false);
	});

	it('401 without a secret, 403 with a wrong one, 503 when none usable is configured; reasons never repeat a secret', () => {
		expect(verifyRequestSecret({ headers: {}, query: {} }, SECRET)).toMatchObject({
			ok: false,
			httpStatus: 401,
		});
		const wrong = verifyRequestSecret({ query: { secret: 'guess-guess-guess' } }, SECRET);
		expect(wrong).toMatchObject({ ok: false, httpStatus: 403 });
		expect(JSON.stringify(wrong)).not.toContain('guess-guess-guess');
		expect(verifyRequestSecret({ query: { secret: SECRET } }, SECRET)).toEqual({ ok: true });
		// The placeholder is refused even when the request sends the placeholder itself.
		const placeholder = 'REPLACE_WITH_A_RANDOM_SECRET_OF_32_CHARACTERS';
		expect(verifyRequestSecret({ query: { secret: placeholder } }, placeholder)).toMatchObject({
			ok: false,
			httpStatus: 503,
		});
		expect(verifyRequestSecret({ query: { secret: '' } }, '')).toMatchObject({ httpStatus: 503 });
	});
});
