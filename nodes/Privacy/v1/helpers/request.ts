/**
 * One Export or Erase per input item, store by store: HubSpot's search first (its contact IDs
 * reach the sync tables and the queues), then PostgreSQL in one transaction, HubSpot, Airtable,
 * Redis, and last the audit row. A store that fails is reported for that item and the others
 * still run: an Erase that stopped at the first failure would leave the rest of the person behind.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { AirtableApi } from '../../../AirtableRegistry/v1/transport';
import type { HubSpotApi } from '../../../HubSpotBatch/v1/transport';
import {
	emitRowOutcomes,
	failedRow,
	fieldError,
	type RowOutcome,
} from '../../../shared/batch/outcomes';
import { inTransaction } from '../../../shared/database/transaction';
import { ensureAuditTable, writeAudit } from '../database/audit';
import { deleteRecords, findRecords } from '../stores/airtable';
import {
	archiveRecord,
	byType,
	findContacts,
	gdprDelete,
	isContactType,
	readRecords,
} from '../stores/hubspot';
import {
	type Action,
	collectPostgres,
	type HubSpotRef,
	plainRow,
	type PostgresFindings,
} from '../stores/postgres';
import { eraseRedis, hitData, objectTypeName, scanRedis } from '../stores/redis';
import { openPrivacy, type PrivacyContext, postgresMessage } from './context';
import { redact, type Subject, subjectOf } from './subject';

/** One item's report, store by store; messages pass through `redact` before they are kept. */
class Report {
	readonly stores: Record<string, IDataObject> = {};

	readonly data: IDataObject = {};

	readonly failures: string[] = [];

	constructor(
		readonly action: Action,
		private readonly subject: Subject,
	) {}

	/** `found` for an Export, `removed` for an Erase. */
	get verb(): 'found' | 'removed' {
		return this.action === 'erase' ? 'removed' : 'found';
	}

	done(store: string, count: number, details: IDataObject = {}): void {
		this.stores[store] = { status: 'done', [this.verb]: count, ...details };
	}

	skip(store: string, reason: string): void {
		this.stores[store] = { status: 'skipped', reason };
	}

	fail(store: string, message: string): void {
		const safe = redact(message, this.subject.email);
		this.stores[store] = { status: 'error', error: safe };
		this.failures.push(`${store}: ${safe}`);
	}

	get total(): number {
		return Object.values(this.stores).reduce(
			(sum, s) => sum + (typeof s[this.verb] === 'number' ? (s[this.verb] as number) : 0),
			0,
		);
	}

	/** What the audit row keeps: statuses and counts only (no messages, no record IDs). */
	counts(): IDataObject {
		const out: IDataObject = {};
		for (const [store, s] of Object.entries(this.stores)) {
			const kept: IDataObject = {};
			for (const [name, value] of Object.entries(s))
				if (name === 'status' || name === 'tables' || typeof value === 'number') kept[name] = value;
			out[store] = kept;
		}
		return out;
	}
}

const unique = (ids: string[]) => [...new Set(ids)];

async function hubspotStep(
	p: PrivacyContext,
	report: Report,
	api: HubSpotApi,
	email: string,
	contacts: string[],
	linked: HubSpotRef[],
): Promise<void> {
	const linkedContacts = linked.filter((r) => isContactType(r.type)).map((r) => r.id);
	const others = linked.filter((r) => !isContactType(r.type));
	if (report.action === 'export') {
		const people = await readRecords(
			api,
			'contacts',
			unique([...contacts, ...linkedContacts]),
			true,
		);
		const synced: IDataObject[] = [];
		for (const [type, ids] of byType(others))
			for (const record of await readRecords(api, type, ids, true))
				synced.push({ objectType: type, ...record });
		report.done('hubspot', people.length + synced.length, {
			contacts: people.length,
			synced_records: synced.length,
		});
		report.data.hubspot = { contacts: people, synced_records: synced };
		return;
	}
	// By email first: HubSpot then also blocklists the address. Contacts the sync linked by ID follow.
	const byEmail = await gdprDelete(api, email, true);
	let removedContacts = byEmail ? contacts.length : 0;
	const rest = byEmail
		? linkedContacts.filter((id) => !contacts.includes(id))
		: unique([...contacts, ...linkedContacts]);
	for (const id of unique(rest)) if (await gdprDelete(api, id, false)) removedContacts++;
	let removedSynced = 0;
	const kept: IDataObject[] = [];
	for (const [type, ids] of byType(others)) {
		const existing = (await readRecords(api, type, ids, false)).map((r) => String(r.id));
		for (const id of existing) {
			if (!p.settings.deleteSyncedRecords) kept.push({ objectType: type, id });
			else if (await archiveRecord(api, { type, id })) removedSynced++;
		}
	}
	report.done('hubspot', removedContacts + removedSynced, {
		contacts: removedContacts,
		synced_records: removedSynced,
		...(kept.length > 0 ? { synced_records_kept: kept } : {}),
	});
}

async function airtableStep(
	p: PrivacyContext,
	report: Report,
	api: AirtableApi,
	email: string,
): Promise<void> {
	const table = api.registrationsTable;
	const records = await findRecords(api, table, p.settings.airtable.emailField, email);
	if (report.action === 'export') {
		report.done('airtable', records.length, { table });
		report.data.airtable = records as unknown as IDataObject[];
		return;
	}
	const removed = await deleteRecords(
		api,
		table,
		records.map((r) => r.id),
	);
	report.done('airtable', removed, { table });
}

async function handleOne(
	ctx: IExecuteFunctions,
	p: PrivacyContext,
	action: Action,
	itemIndex: number,
): Promise<RowOutcome> {
	const requestedAt = new Date();
	const subject = subjectOf(ctx.getNodeParameter('email', itemIndex, ''));
	if (subject === undefined)
		return failedRow(ctx, itemIndex, fieldError('Email', 'is not a valid email address'), {
			base: { action },
			field: 'email',
		});
	const { email } = subject;
	const report = new Report(action, subject);
	const { settings } = p;

	// 1. The person's HubSpot contacts (IDs only): their webhook events and queued jobs go too.
	let contacts: string[] = [];
	let hubspotFailed = false;
	if (p.hubspot.state === 'ready') {
		try {
			contacts = await findContacts(p.hubspot.client, email);
		} catch (error) {
			report.fail('hubspot', p.hubspot.client.toNodeError(error).message);
			hubspotFailed = true;
		}
	}

	async function otherStores(found: PostgresFindings | undefined): Promise<void> {
		const linked = found?.hubspotRecords ?? [];
		// 3. HubSpot.
		if (p.hubspot.state === 'skipped') report.skip('hubspot', p.hubspot.reason);
		else if (p.hubspot.state === 'failed') report.fail('hubspot', p.hubspot.error);
		else if (!hubspotFailed) {
			try {
				await hubspotStep(p, report, p.hubspot.client, email, contacts, linked);
			} catch (error) {
				report.fail('hubspot', p.hubspot.client.toNodeError(error).message);
			}
		}

		// 4. Airtable.
		if (p.airtable.state === 'skipped') report.skip('airtable', p.airtable.reason);
		else if (p.airtable.state === 'failed') report.fail('airtable', p.airtable.error);
		else {
			try {
				await airtableStep(p, report, p.airtable.client, email);
			} catch (error) {
				report.fail('airtable', p.airtable.client.toNodeError(error).message);
			}
		}

		// 5. Redis.
		if (p.redis.state === 'skipped') report.skip('redis', p.redis.reason);
		else if (p.redis.state === 'failed') report.fail('redis', p.redis.error);
		else {
			const appRecords = new Map<string, Set<string>>();
			for (const r of found?.appRecords ?? []) {
				const key = `${r.schema}.${r.table}`;
				appRecords.set(key, (appRecords.get(key) ?? new Set()).add(r.id));
			}
			const hubspotRecords = new Set([
				...contacts.map((id) => `contacts:${id}`),
				...linked.map((r) => `${objectTypeName(r.type)}:${r.id}`),
			]);
			try {
				const findings = await scanRedis(p.redis.client, settings.keyPrefixes, {
					email,
					appRecords,
					hubspotRecords,
				});
				if (action === 'export') {
					report.done('redis', findings.hits.length + findings.hashedKeys.length, {
						items: findings.hits.filter((h) => h.match === 'value').length,
						mentions: findings.hits.filter((h) => h.match === 'mention').length,
						hashed_keys: findings.hashedKeys.length,
					});
					report.data.redis = {
						items: findings.hits.map(hitData) as IDataObject[],
						hashed_keys: findings.hashedKeys,
					};
				} else {
					const erased = await eraseRedis(p.redis.client, findings, email);
					report.done('redis', erased.removed + erased.redacted + erased.hashedKeys, {
						items: erased.removed,
						redacted: erased.redacted,
						hashed_keys: erased.hashedKeys,
						...(erased.mentionsLeft > 0 ? { mentions_left: erased.mentionsLeft } : {}),
						keys: erased.keys,
					});
				}
			} catch (error) {
				report.fail('redis', (error as Error).message);
			}
		}
	}

	// 2. PostgreSQL: every schema, one transaction (a snapshot for an Export). An Erase runs the other
	//    stores inside it and commits only when they all succeeded: the rows that link the person to
	//    HubSpot records and queued jobs stay until those are gone, so sending the request again after
	//    a store failed still finds everything.
	const rolledBack = new NodeOperationError(ctx.getNode(), 'Another store failed');
	let found: PostgresFindings | undefined;
	let externalsRan = false;
	const externals = async (f: PostgresFindings | undefined) => {
		externalsRan = true;
		await otherStores(f);
	};
	try {
		found = await inTransaction(p.pool, async (client) => {
			if (action === 'export')
				await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
			// A row another session holds locked fails the request instead of holding it forever.
			await client.query(`SET LOCAL lock_timeout = '30s'`);
			const f = await collectPostgres(
				client,
				action,
				email,
				settings.schemas,
				settings.appTables,
				contacts,
			);
			if (action === 'erase') {
				await externals(f);
				if (report.failures.length > 0) throw rolledBack;
			}
			return f;
		});
		const tables = Object.fromEntries(
			Object.entries(found.tables).map(([name, rows]) => [name, rows.length]),
		);
		report.done(
			'postgres',
			Object.values(tables).reduce((a, b) => a + b, 0),
			{ tables },
		);
		if (action === 'export')
			report.data.postgres = Object.fromEntries(
				Object.entries(found.tables).map(([name, rows]) => [name, rows.map(plainRow)]),
			) as IDataObject;
	} catch (error) {
		report.fail(
			'postgres',
			error === rolledBack
				? 'not erased: another store failed, so nothing was deleted here; send the same request again'
				: postgresMessage(p, error),
		);
	}
	if (!externalsRan) await externals(found);

	// 6. The audit row: what was done, for whom only as a hash.
	const storeFailures = report.failures.length;
	const json: IDataObject = {
		action,
		subject_hash: subject.hash,
		status: storeFailures > 0 ? 'partial' : 'done',
		[report.verb]: report.total,
		stores: report.stores,
		requested_at: requestedAt.toISOString(),
	};
	try {
		json.request_id = await writeAudit(p.pool, settings.schemas[0], {
			action,
			subjectHash: subject.hash,
			status: storeFailures > 0 ? 'partial' : 'done',
			counts: report.counts(),
			requestedAt,
			executionId: ctx.getExecutionId(),
			workflowId: String(ctx.getWorkflow().id ?? ''),
		});
	} catch (error) {
		report.fail('audit', postgresMessage(p, error));
	}
	if (action === 'export') json.data = report.data;
	if (report.failures.length === 0) return { itemIndex, json };
	const what = action === 'erase' ? 'erased' : 'exported';
	return failedRow(ctx, itemIndex, `Not every store was ${what}: ${report.failures.join('; ')}`, {
		base: json,
	});
}

/** Runs the operation for every item; each comes out once, done or with its error. */
export async function handleRequests(
	ctx: IExecuteFunctions,
	action: Action,
): Promise<INodeExecutionData[][]> {
	const p = await openPrivacy(ctx);
	try {
		await ensureAuditTable(p.pool, p.settings.schemas[0]);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), postgresMessage(p, error));
	}
	const items = ctx.getInputData();
	const outcomes: RowOutcome[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++)
		outcomes.push(await handleOne(ctx, p, action, itemIndex));
	return emitRowOutcomes(ctx, items, outcomes, {
		missing: (i) => failedRow(ctx, i, 'No result was produced for this item', { base: { action } }),
		landedAs: action === 'erase' ? 'erased' : 'exported',
	});
}
