/**
 * One dedicated connection that LISTENs for pipeline notifications and reconnects when it drops.
 * A notification only wakes the consumer; after a reconnect the consumer sweeps, because whatever
 * was notified while the connection was down was not delivered.
 */
import pg from 'pg';

import { PIPELINE_CHANNEL } from '../shared/pipeline/schema';

export interface ListenerEvents {
	/** A notification for `schema` (and its event type). */
	notified(eventType: string): void;
	/** The connection is back after a drop. */
	reconnected(): void;
	/** The connection dropped, or a reconnect failed (it keeps trying). */
	problem(error: unknown): void;
}

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

export class PipelineListener {
	private client: pg.Client | undefined;
	private closed = false;
	private retryMs = RECONNECT_MIN_MS;
	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly config: pg.ClientConfig,
		private readonly schema: string,
		private readonly on: ListenerEvents,
	) {}

	/** Connects and listens; throws when the first connection fails (activation reports it). */
	async start(): Promise<void> {
		await this.connect();
	}

	private async connect(): Promise<void> {
		const client = new pg.Client({ ...this.config, keepAlive: true });
		client.on('notification', (message) => this.notification(message));
		client.on('error', (error) => this.dropped(client, error));
		client.on('end', () => this.dropped(client, new Error('connection ended')));
		const failure = await client
			.connect()
			.then(async () => await client.query(`LISTEN ${PIPELINE_CHANNEL}`))
			.then(
				() => undefined,
				(error: unknown) => ({ error }),
			);
		if (failure) {
			client.removeAllListeners();
			client.on('error', () => undefined);
			await client.end().catch(() => undefined);
			throw failure.error;
		}
		if (this.closed) {
			await client.end().catch(() => undefined);
			return;
		}
		this.client = client;
		this.retryMs = RECONNECT_MIN_MS;
	}

	private notification(message: pg.Notification): void {
		if (message.channel !== PIPELINE_CHANNEL || !message.payload) return;
		let parsed: { schema?: string; event_type?: string };
		try {
			parsed = JSON.parse(message.payload) as typeof parsed;
		} catch {
			return;
		}
		if (parsed.schema === this.schema) this.on.notified(String(parsed.event_type ?? ''));
	}

	private dropped(client: pg.Client, error: unknown): void {
		if (this.client !== client) return;
		this.client = undefined;
		client.removeAllListeners();
		client.on('error', () => undefined);
		void client.end().catch(() => undefined);
		if (this.closed) return;
		this.on.problem(error);
		this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		if (this.closed || this.timer) return;
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.connect().then(
				() => {
					if (!this.closed) this.on.reconnected();
				},
				(error: unknown) => {
					this.on.problem(error);
					this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
					this.scheduleReconnect();
				},
			);
		}, this.retryMs);
	}

	get connected(): boolean {
		return this.client !== undefined;
	}

	async close(): Promise<void> {
		this.closed = true;
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		const client = this.client;
		this.client = undefined;
		if (client) {
			client.removeAllListeners();
			client.on('error', () => undefined);
			await client.end().catch(() => undefined);
		}
	}
}
