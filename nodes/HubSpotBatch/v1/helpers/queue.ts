import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { Redis } from 'ioredis';

import { ReliableQueue } from '../../../shared/queue/reliableQueue';
import { redisCredentialsOf, sharedRedis } from '../../../shared/redis/connection';
import type { AssociationType } from '../actions/association/batchCreate.operation';
import type { NoteInput } from '../actions/note/batchCreate.operation';

/** What Queue › Enqueue stores: the exact HubSpot input, so a flush needs no node parameters. */
export interface AssociationJob {
	fromType: string;
	toType: string;
	mode: 'default' | 'labelled';
	from: string;
	to: string;
	types: AssociationType[];
}

/**
 * A queued note. `key` (set at enqueue, kept through retries and requeues) goes into the note's
 * NOTE_KEY_PROPERTY when that property is set up: HubSpot then refuses a second note with the same
 * key, and a create whose outcome is unknown is looked up by it instead of being sent blindly.
 */
export type NoteJob = NoteInput & { key?: string };

/** The unique note property that makes a queued note be created once (Property › Ensure for notes). */
export const NOTE_KEY_PROPERTY = 'mkops_note_key';

export interface HubSpotQueues {
	/** The queue name (keys `mkops:queue:{<name>:…}`). */
	name: string;
	redis: Redis;
	associations: ReliableQueue<AssociationJob>;
	notes: ReliableQueue<NoteJob>;
	close(): Promise<void>;
}

export const DEFAULT_QUEUE_NAME = 'hubspot';

/**
 * Queues that only receive jobs (Enqueue), kept per Redis connection and name: they never claim, so
 * they need no consumer of their own to retire, and the consumer group is made once per process,
 * not once per execution. One Redis command per enqueue is what a hot webhook pays.
 */
const producers = new WeakMap<Redis, Map<string, ReliableQueue<AssociationJob | NoteJob>>>();

function producerQueue<T extends AssociationJob | NoteJob>(
	redis: Redis,
	name: string,
): ReliableQueue<T> {
	let byName = producers.get(redis);
	if (byName === undefined) producers.set(redis, (byName = new Map()));
	let queue = byName.get(name);
	if (queue === undefined) {
		queue = new ReliableQueue<AssociationJob | NoteJob>(redis, {
			name,
			consumer: `n8n-${process.pid}-producer`,
		});
		byName.set(name, queue);
	}
	return queue as unknown as ReliableQueue<T>;
}

/**
 * The two queues of one queue name (`<name>:associations`, `<name>:notes`) on the `redis` credential.
 * With `producer` (Enqueue) they are the process's shared producer queues and `close()` has nothing
 * to do; otherwise (Flush, Stats) they consume under a name of this execution's own.
 */
export async function openQueues(
	ctx: IExecuteFunctions,
	options: { claimIdleMs?: number; retryDelayMs?: number; producer?: boolean } = {},
): Promise<HubSpotQueues> {
	const name = String(ctx.getNodeParameter('queueName', 0, DEFAULT_QUEUE_NAME)).trim();
	if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(name)) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Field 'queueName': "${name}" may only contain letters, digits and _ . : -`,
		);
	}
	// The process's one connection to this Redis, shared with the rate limit and the locks.
	const redis = sharedRedis(redisCredentialsOf(await ctx.getCredentials('redis')));
	if (options.producer === true) {
		return {
			name,
			redis,
			associations: producerQueue<AssociationJob>(redis, `${name}:associations`),
			notes: producerQueue<NoteJob>(redis, `${name}:notes`),
			close: async () => undefined,
		};
	}
	const consumer = `n8n-${process.pid}-${ctx.getExecutionId() ?? 'manual'}`;
	const common = { consumer, claimIdleMs: options.claimIdleMs, retryDelayMs: options.retryDelayMs };
	const associations = new ReliableQueue<AssociationJob>(redis, {
		name: `${name}:associations`,
		...common,
	});
	const notes = new ReliableQueue<NoteJob>(redis, { name: `${name}:notes`, ...common });
	return {
		name,
		redis,
		associations,
		notes,
		// The connection stays open for the next execution; only this execution's consumer name goes.
		close: async () => {
			await Promise.all([associations.retire(), notes.retire()]).catch(() => undefined);
		},
	};
}

/** Reuses another operation's fields under Queue › Enqueue for one kind of job. */
export function rescope(
	properties: INodeProperties[],
	show: Record<string, string[]>,
	keep: (property: INodeProperties) => INodeProperties | undefined = (p) => p,
): INodeProperties[] {
	return properties
		.map(keep)
		.filter((p): p is INodeProperties => p !== undefined)
		.map((p) => ({
			...p,
			displayOptions: { ...p.displayOptions, show: { ...(p.displayOptions?.show ?? {}), ...show } },
		}));
}
