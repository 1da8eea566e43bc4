/**
 * Claims ready events in batches and hands each batch to one workflow execution, at most
 * `maxInFlight` at a time; when an execution ends, settles what it left claimed: done when it
 * succeeded, failed (retry, then dead) when it did not. Woken by notifications, by its sweep timer
 * and after reconnects; the sweep also returns events stuck in `processing` past the timeout.
 */
import { randomUUID } from 'node:crypto';

import {
	claimEvents,
	completeClaimed,
	failEvents,
	type PipelineEvent,
	type Queryable,
	recoverStuckEvents,
	releaseClaimed,
} from '../shared/pipeline/events';

export interface ConsumerOptions {
	schema: string;
	types: string[];
	batchSize: number;
	maxInFlight: number;
	/** Seconds an event may stay claimed before the sweep takes it back. */
	timeoutSeconds: number;
	maxAttempts: number;
	retryDelaySeconds: number;
	/** Events an execution that succeeded left claimed become done (else: failed, "not settled"). */
	completeOnSuccess: boolean;
	/** Who claims: host and process, so pipeline_events shows which n8n took an event. */
	instance: string;
}

/** How the execution that got a batch ended. */
export type RunOutcome =
	| { status: 'success' }
	| { status: 'error'; message: string }
	| { status: 'unknown'; message: string }
	/** Still running, or waiting (a Wait node): its events are left claimed; the sweep takes them back after the timeout. */
	| { status: 'running' };

export type Dispatch = (events: PipelineEvent[], claimedBy: string) => Promise<RunOutcome>;

export interface ConsumerLog {
	warn(message: string): void;
}

export class PipelineConsumer {
	private inFlight = 0;
	private draining: Promise<void> | undefined;
	private again = false;
	private closed = false;
	private readonly running = new Set<Promise<void>>();

	constructor(
		private readonly db: Queryable,
		private readonly o: ConsumerOptions,
		private readonly dispatch: Dispatch,
		private readonly log: ConsumerLog,
	) {}

	/** Claim and dispatch until nothing is ready or every execution slot is taken. */
	wake(): void {
		if (this.closed) return;
		if (this.draining) {
			this.again = true;
			return;
		}
		this.draining = this.drain().finally(() => {
			this.draining = undefined;
		});
	}

	/** Takes back events stuck past the timeout, then claims what is ready. */
	async sweep(): Promise<void> {
		if (this.closed) return;
		try {
			const recovered = await recoverStuckEvents(
				this.db,
				this.o.schema,
				this.o.timeoutSeconds,
				this.o.types,
			);
			if (recovered.length > 0)
				this.log.warn(
					`Pipeline Trigger: ${recovered.length} events had no outcome within ${this.o.timeoutSeconds} s and were taken back`,
				);
		} catch (error) {
			this.log.warn(`Pipeline Trigger: sweep failed: ${(error as Error).message}`);
		}
		this.wake();
	}

	/** Resolves when the current claim round is over (tests, and a clean close). */
	async idle(): Promise<void> {
		while (this.draining) await this.draining;
	}

	/** Resolves when every dispatched batch has been settled. */
	async settled(): Promise<void> {
		while (this.draining || this.running.size > 0) {
			await this.idle();
			if (this.running.size > 0) await Promise.all([...this.running]);
		}
	}

	get busy(): number {
		return this.inFlight;
	}

	/** Stops claiming. Batches already handed to executions settle when those end. */
	async close(): Promise<void> {
		this.closed = true;
		await this.idle();
	}

	private async drain(): Promise<void> {
		do {
			this.again = false;
			while (!this.closed && this.inFlight < this.o.maxInFlight) {
				const claimedBy = `${this.o.instance}/${randomUUID()}`;
				let events: PipelineEvent[];
				try {
					events = await claimEvents(this.db, this.o.schema, {
						types: this.o.types,
						limit: this.o.batchSize,
						claimedBy,
						maxAttempts: this.o.maxAttempts,
					});
				} catch (error) {
					this.log.warn(`Pipeline Trigger: claim failed: ${(error as Error).message}`);
					return;
				}
				if (events.length === 0) break;
				if (this.closed) {
					await releaseClaimed(
						this.db,
						this.o.schema,
						events.map((e) => e.id),
						claimedBy,
					).catch(() => undefined);
					return;
				}
				this.start(events, claimedBy);
				if (events.length < this.o.batchSize) break;
			}
		} while (this.again && !this.closed && this.inFlight < this.o.maxInFlight);
	}

	private start(events: PipelineEvent[], claimedBy: string): void {
		this.inFlight++;
		const run = this.run(events, claimedBy).finally(() => {
			this.running.delete(run);
			this.inFlight--;
			this.wake();
		});
		this.running.add(run);
	}

	private async run(events: PipelineEvent[], claimedBy: string): Promise<void> {
		let outcome: RunOutcome;
		try {
			outcome = await this.dispatch(events, claimedBy);
		} catch (error) {
			outcome = { status: 'error', message: (error as Error).message };
		}
		try {
			await this.settle(events, claimedBy, outcome);
		} catch (error) {
			// The events stay claimed; the sweep takes them back after the timeout.
			this.log.warn(`Pipeline Trigger: settling a batch failed: ${(error as Error).message}`);
		}
	}

	private async settle(events: PipelineEvent[], claimedBy: string, outcome: RunOutcome) {
		const ids = events.map((e) => e.id);
		if (outcome.status === 'running') return;
		if (outcome.status === 'success' && this.o.completeOnSuccess) {
			await completeClaimed(this.db, this.o.schema, ids, claimedBy);
			return;
		}
		const message =
			outcome.status === 'success'
				? 'The execution succeeded without completing or failing this event'
				: outcome.status === 'error'
					? `The execution failed: ${outcome.message}`
					: outcome.message;
		await failEvents(
			this.db,
			this.o.schema,
			ids.map((id) => ({ id, message, severity: 'error', retry: true })),
			this.o.retryDelaySeconds,
			claimedBy,
		);
	}
}
