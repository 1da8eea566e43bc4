/**
 * What Dedupe & Normalize remembers across executions: n8n's processed-data store (it survives
 * restarts and is shared by queue-mode workers through n8n's database), and, in version 2, a claim
 * per key from the check to the step that confirms the row landed.
 *
 * n8n's store reads and rewrites one list per workflow without a lock, so every change to it runs
 * under one lock per workflow (across workers when Redis coordinates them); otherwise two executions
 * writing at once would lose one's keys.
 */
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

export class ClaimWaitError extends Error {}

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

	constructor(
		private readonly ctx: IExecuteFunctions,
		redis: Redis | undefined,
	) {
		const workflowId = String(ctx.getWorkflow().id ?? '');
		this.storeLock = keyLocks(`dedupe-store:${workflowId}`, redis);
		this.claims = keyLocks(`dedupe:${workflowId}`, redis);
	}

	/** The node's memory, through Redis when it coordinates workers (version 2). */
	static async of(ctx: IExecuteFunctions): Promise<ProcessedMemory> {
		const redis = ctx.getNode().typeVersion >= 2 ? await coordinationRedis(ctx) : undefined;
		return new ProcessedMemory(ctx, redis);
	}

	/** This execution: the holder of the claims it takes. */
	get token(): string {
		return `execution:${this.ctx.getExecutionId()}`;
	}

	/** Version 1: the keys seen before, and every key recorded at once. */
	async checkAndRecord(keys: string[], scope: MemoryScope, historySize: number): Promise<Set<string>> {
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
		const confirmed = await this.recordedIn('workflow', keys);
		const rest = keys.filter((key) => !confirmed.has(key));
		if (rest.length === 0) return confirmed;
		const fromVersion1 = await this.recordedIn('node', rest);
		return new Set([...confirmed, ...fromVersion1]);
	}

	/** Counts the keys as processed (their rows landed), keeping the newest `historySize`. */
	async record(keys: string[], historySize: number): Promise<void> {
		if (keys.length === 0) return;
		await this.underStoreLock('workflow', async () => {
			await this.ctx.helpers.checkProcessedAndRecord(keys, 'workflow', {
				mode: 'entries',
				maxEntries: historySize,
			});
		});
	}

	/**
	 * Claims every key for this execution, waiting while another execution holds one: until it
	 * confirms or releases it, or its claim times out. All keys are taken together (never some while
	 * waiting for others), so two executions can never wait for each other.
	 */
	async claim(keys: string[], leaseMs: number, signal?: AbortSignal): Promise<void> {
		if (keys.length === 0) return;
		const started = Date.now();
		let poll = FIRST_POLL_MS;
		for (;;) {
			const taken = await this.claims.tryAcquire(keys, this.token, leaseMs);
			if (taken === true) return;
			// Each holder's claim ends within one lease; two in a row means something is badly stuck.
			if (Date.now() - started > 2 * leaseMs)
				throw new ClaimWaitError(
					`Another execution kept the same registration claimed for ${Math.round((Date.now() - started) / 1000)} s`,
				);
			await sleep(Math.min(poll, taken), signal);
			poll = Math.min(MAX_POLL_MS, poll * 2);
		}
	}

	/** Frees this execution's claims on the keys (others' claims are left alone). */
	async release(keys: string[]): Promise<void> {
		if (keys.length === 0) return;
		await this.claims.release(keys, this.token);
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
