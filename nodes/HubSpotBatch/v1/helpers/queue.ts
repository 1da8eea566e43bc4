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

/** The two queues of one queue name (`<name>:associations`, `<name>:notes`) on the `redis` credential. */
export async function openQueues(
	ctx: IExecuteFunctions,
	options: { claimIdleMs?: number; retryDelayMs?: number } = {},
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
