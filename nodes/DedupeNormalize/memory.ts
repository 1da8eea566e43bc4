/**
 * What Dedupe & Normalize remembers across executions: n8n's processed-data store (it survives
 * restarts and is shared by queue-mode workers through n8n's database), and, in version 2, a claim
 * per key from the check to the step that confirms the row landed.
 *
 * A claim has a short lease that the process holding it renews while its execution works, so a flow
 * of any length keeps its registrations, and a process that dies frees them within one lease. The
 * renewal stops when the execution confirms or releases the keys, is canceled, or reaches Claim
 * Timeout (the longest a flow that never settles its keys can hold them).
 *
 * n8n's store reads and rewrites one list per workflow without a lock, so every change to it runs
 * under one lock per workflow (across workers when Redis coordinates them); otherwise two executions
 * writing at once would lose one's keys.
 *
 * A Memory Key keeps a flow's keys apart from the rest of the workflow's (they are stored under it),
 * so a backfill placed in the same workflow as the live flow cannot make the live flow skip anyone.
 */
import { EventEmitter } from 'node:events';

import type { Redis } from 'ioredis';
import type { IExecuteFunctions } from 'n8n-workflow';

import { keyLocks, type KeyLocks } from '../shared/locks';
import { coordinationRedis } from '../shared/redis/coordination';

export type MemoryScope = 'node' | 'workflow';

/** Longest pause between two looks at a key another execution has claimed. */
const MAX_POLL_MS = 500;
const FIRST_POLL_MS = 20;
/** Tries of the removal that undoes a check's temporary record before giving up. */
const UNDO_TRIES = 3;
/** Between a Memory Key and a dedupe key: a control character no key contains. */
const MEMORY_KEY_SEPARATOR = '\u001e';

export class ClaimWaitError extends Error {}

/**
 * Test seam, not for production code: tests shorten the lease and watch claims through `events`
 * ('refused' with `{ token, keys }` each time a claim finds another execution's, 'renewed' with
 * `{ token, keys, held }` after each renewal). `stopRenewing()` leaves every claim of this process
 * unrenewed and unreleased, as a process that died would.
 */
export const claimTesting = {
	/** A claim's lease; renewed every third of it while its execution works. */
	leaseMs: 60_000,
	events: new EventEmitter(),
	stopRenewing: (): void => {
		for (const renewals of [...renewing.values()])
			for (const renewal of [...renewals]) renewal.stop();
	},
};

/** Claims this process keeps alive, by holder (claim namespace and execution token). */
const renewing = new Map<string, Set<ClaimRenewal>>();

/** Keeps one claim's leases alive until its keys are settled, its execution is canceled, or the cap. */
class ClaimRenewal {
	private readonly timer: ReturnType<typeof setInterval>;

	private readonly cap: ReturnType<typeof setTimeout>;

	constructor(
		private readonly holder: string,
		private readonly keys: Set<string>,
		private readonly claims: KeyLocks,
		private readonly token: string,
		private readonly endsAt: number,
		private readonly signal: AbortSignal | undefined,
		private readonly onLapsed: (keys: string[]) => void,
	) {
		// unref: a claim never keeps n8n (or a test run) alive.
		this.timer = setInterval(() => void this.renew(), claimTesting.leaseMs / 3).unref();
		this.cap = setTimeout(() => this.stop(), Math.max(0, endsAt - Date.now())).unref();
		signal?.addEventListener('abort', this.stop, { once: true });
	}

	/** The execution settled these keys: stop renewing them. */
	settle(keys: string[]): void {
		for (const key of keys) this.keys.delete(key);
		if (this.keys.size === 0) this.stop();
	}

	readonly stop = (): void => {
		clearInterval(this.timer);
		clearTimeout(this.cap);
		this.signal?.removeEventListener('abort', this.stop);
		const set = renewing.get(this.holder);
		set?.delete(this);
		if (set?.size === 0) renewing.delete(this.holder);
	};

	private async renew(): Promise<void> {
		const keys = [...this.keys];
		// The last lease ends at the cap, never after it.
		const leaseMs = Math.min(claimTesting.leaseMs, this.endsAt - Date.now());
		if (keys.length === 0 || leaseMs <= 0) return this.stop();
		let held: boolean;
		try {
			held = await this.claims.renew(keys, this.token, leaseMs);
		} catch {
			return; // Redis unreachable for a moment: the lease still runs, the next beat tries again.
		}
		claimTesting.events.emit('renewed', { token: this.token, keys, held });
		// A key settled meanwhile is not lost; one still wanted that is no longer ours has lapsed.
		if (!held && keys.every((key) => this.keys.has(key))) {
			this.stop();
			this.onLapsed(keys);
		}
	}
}

const sleep = async (ms: number, signal?: AbortSignal) =>
	await new Promise<void>((resolve, reject) => {
		if (signal?.aborted) return reject(new ClaimWaitError('The execution was canceled'));
		const done = () => {
			signal?.removeEventListener('abort', cancel);
			resolve();
		};
		const timer = setTimeout(done, ms);
		const cancel = () => {
			clearTimeout(timer);
			reject(new ClaimWaitError('The execution was canceled'));
		};
		signal?.addEventListener('abort', cancel, { once: true });
	});

export class ProcessedMemory {
	private readonly storeLock: KeyLocks;

	private readonly claims: KeyLocks;

	/** Names this execution's claims among all of this process's. */
	private readonly holder: string;

	/** Stored keys start with it when a Memory Key is set. */
	private readonly prefix: string;

	constructor(
		private readonly ctx: IExecuteFunctions,
		redis: Redis | undefined,
		memoryKey = '',
	) {
		this.prefix = memoryKey.trim() === '' ? '' : `${memoryKey.trim()}${MEMORY_KEY_SEPARATOR}`;
		const workflowId = String(ctx.getWorkflow().id ?? '');
		this.storeLock = keyLocks(`dedupe-store:${workflowId}`, redis);
		this.claims = keyLocks(`dedupe:${workflowId}`, redis);
		this.holder = `dedupe:${workflowId}|${this.token}`;
	}

	/** The node's memory, through Redis when it coordinates workers (version 2). */
	static async of(ctx: IExecuteFunctions, memoryKey = ''): Promise<ProcessedMemory> {
		const redis = ctx.getNode().typeVersion >= 2 ? await coordinationRedis(ctx) : undefined;
		return new ProcessedMemory(ctx, redis, memoryKey);
	}

	/** This execution: the holder of the claims it takes. */
	get token(): string {
		return `execution:${this.ctx.getExecutionId()}`;
	}

	/** Version 1: the keys seen before, and every key recorded at once. */
	async checkAndRecord(
		keys: string[],
		scope: MemoryScope,
		historySize: number,
	): Promise<Set<string>> {
		const result = await this.underStoreLock(
			scope,
			async () =>
				await this.ctx.helpers.checkProcessedAndRecord(keys, scope, {
					mode: 'entries',
					maxEntries: historySize,
				}),
		);
		return new Set(result.processed.map(String));
	}

	/**
	 * The keys already recorded, recording nothing: by Confirm Processed (the workflow's memory), or
	 * by this node while it was version 1 (its own memory), so upgrading forgets no registration.
	 */
	async processedAmong(keys: string[]): Promise<Set<string>> {
		const stored = await this.recordedIn('workflow', this.stored(keys));
		const confirmed = new Set(keys.filter((key) => stored.has(this.prefix + key)));
		const rest = keys.filter((key) => !confirmed.has(key));
		// Version 1 had no Memory Key: its memory is the workflow's default one.
		if (rest.length === 0 || this.prefix !== '') return confirmed;
		const fromVersion1 = await this.recordedIn('node', rest);
		return new Set([...confirmed, ...fromVersion1]);
	}

	/** Counts the keys as processed (their rows landed), keeping the newest `historySize`. */
	async record(keys: string[], historySize: number): Promise<void> {
		if (keys.length === 0) return;
		await this.underStoreLock('workflow', async () => {
			await this.ctx.helpers.checkProcessedAndRecord(this.stored(keys), 'workflow', {
				mode: 'entries',
				maxEntries: historySize,
			});
		});
	}

	/** Forgets the keys: their next delivery is new again. */
	async forget(keys: string[]): Promise<void> {
		if (keys.length === 0) return;
		await this.underStoreLock('workflow', async () => {
			await this.ctx.helpers.removeProcessed(this.stored(keys), 'workflow', { mode: 'entries' });
		});
	}

	/** Forgets everything the workflow's Confirm Processed and Release steps recorded, every Memory Key. */
	async forgetAll(): Promise<void> {
		await this.underStoreLock('workflow', async () => {
			await this.ctx.helpers.clearAllProcessedItems('workflow', { mode: 'entries' });
		});
	}

	/**
	 * Claims every key for this execution, waiting while another execution holds one: until it
	 * confirms or releases it, or its claim lapses. All keys are taken together (never some while
	 * waiting for others), so two executions can never wait for each other. The claim is renewed
	 * until this execution settles the keys, is canceled (`signal`), or has held them `capMs`.
	 */
	async claim(keys: string[], capMs: number, signal?: AbortSignal): Promise<void> {
		if (keys.length === 0) return;
		const started = Date.now();
		let poll = FIRST_POLL_MS;
		for (;;) {
			const claimedAt = Date.now();
			const taken = await this.claims.tryAcquire(
				this.stored(keys),
				this.token,
				Math.min(claimTesting.leaseMs, capMs),
			);
			if (taken === true) return this.keepRenewing(this.stored(keys), claimedAt + capMs, signal);
			claimTesting.events.emit('refused', { token: this.token, keys });
			// A holder with the same Claim Timeout has let go by then; longer means something is stuck.
			if (Date.now() - started > capMs + claimTesting.leaseMs)
				throw new ClaimWaitError(
					`Another execution kept the same registration claimed for ${Math.round((Date.now() - started) / 1000)} s`,
				);
			await sleep(Math.min(poll, taken), signal);
			poll = Math.min(MAX_POLL_MS, poll * 2);
		}
	}

	/** Frees this execution's claims on the keys (others' are left alone), and stops renewing them. */
	async release(keys: string[]): Promise<void> {
		if (keys.length === 0) return;
		const stored = this.stored(keys);
		for (const renewal of [...(renewing.get(this.holder) ?? [])]) renewal.settle(stored);
		await this.claims.release(stored, this.token);
	}

	/** The keys as stored: under the Memory Key when there is one. */
	private stored(keys: string[]): string[] {
		return this.prefix === '' ? keys : keys.map((key) => this.prefix + key);
	}

	private keepRenewing(keys: string[], endsAt: number, signal?: AbortSignal): void {
		// Canceled while the claim was being taken: nothing renews it, it ends within one lease.
		if (signal?.aborted) return;
		const warn = (lapsed: string[]) =>
			this.ctx.logger.warn(
				`Dedupe & Normalize: the claim on ${lapsed.length} registration(s) lapsed while this execution was still working (n8n could not renew it in time); another delivery may process them too`,
				{ node: this.ctx.getNode().name, executionId: this.ctx.getExecutionId() },
			);
		const renewal = new ClaimRenewal(
			this.holder,
			new Set(keys),
			this.claims,
			this.token,
			endsAt,
			signal,
			warn,
		);
		const mine = renewing.get(this.holder) ?? new Set<ClaimRenewal>();
		renewing.set(this.holder, mine.add(renewal));
	}

	/**
	 * n8n's store can only check by recording, so the new keys are removed again at once (without
	 * trimming, so a check never pushes old keys out).
	 */
	private async recordedIn(scope: MemoryScope, keys: string[]): Promise<Set<string>> {
		const options = { mode: 'entries' as const };
		return await this.underStoreLock(scope, async () => {
			if (scope === 'node' && (await this.ctx.helpers.getProcessedDataCount(scope, options)) === 0)
				return new Set<string>();
			const result = await this.ctx.helpers.checkProcessedAndRecord(keys, scope, options);
			if (result.new.length > 0) await this.undoRecord(scope, result.new.map(String));
			return new Set(result.processed.map(String));
		});
	}

	private async underStoreLock<T>(scope: MemoryScope, section: () => Promise<T>): Promise<T> {
		const name = scope === 'node' ? `node:${this.ctx.getNode().id}` : 'workflow';
		return await this.storeLock.run([name], section);
	}

	private async undoRecord(scope: MemoryScope, keys: string[]): Promise<void> {
		const remove = async () =>
			await this.ctx.helpers.removeProcessed(keys, scope, { mode: 'entries' });
		for (let attempt = 1; attempt < UNDO_TRIES; attempt++) {
			try {
				return await remove();
			} catch {
				// A busy database: the keys must not stay recorded, so try again.
			}
		}
		await remove();
	}
}
