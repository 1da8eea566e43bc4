/**
 * "Coordinate Workers Through Redis": the one way a node is given Redis, n8n's built-in Redis
 * credential. With it, what must hold across every n8n process (queue-mode workers, webhook
 * processes) does: the vendor's rate-limit window, per-record locks, Dedupe & Normalize's claims.
 * Without it they hold within one n8n process, which is all a single-process n8n needs.
 */
import type { Redis } from 'ioredis';
import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialDescription,
	INodeProperties,
} from 'n8n-workflow';

import { redisCredentialsOf, sharedRedis } from './connection';

export const COORDINATE_WORKERS = 'coordinateWorkers';

/**
 * The node parameter. Operations that always use Redis (`always`, e.g. `{ resource: ['queue'] }`)
 * get it as a hidden `true`, so the one credential entry below serves them too.
 */
export function coordinateWorkersProperties(always?: Record<string, string[]>): INodeProperties[] {
	const visible: INodeProperties = {
		displayName: 'Coordinate Workers Through Redis',
		name: COORDINATE_WORKERS,
		type: 'boolean',
		default: false,
		description:
			"Whether to share rate limits and record locks with every other n8n process (queue-mode workers, webhook processes) through n8n's Redis credential. Leave off for a single n8n process.",
	};
	if (always === undefined) return [visible];
	return [
		{ ...visible, displayOptions: { hide: always } },
		{
			displayName: '',
			name: COORDINATE_WORKERS,
			type: 'hidden',
			default: true,
			displayOptions: { show: always },
		},
	];
}

/** n8n's Redis credential, asked for when the node coordinates workers. */
export const redisCredential: INodeCredentialDescription = {
	name: 'redis',
	required: true,
	displayOptions: { show: { [COORDINATE_WORKERS]: [true] } },
};

/** The process's connection to the node's Redis, when the node coordinates workers. */
export async function coordinationRedis(
	ctx: IExecuteFunctions | ILoadOptionsFunctions,
	always = false,
): Promise<Redis | undefined> {
	const wanted =
		always ||
		('getInputData' in ctx
			? ctx.getNodeParameter(COORDINATE_WORKERS, 0, false)
			: ctx.getNodeParameter(COORDINATE_WORKERS, false)) === true;
	if (!wanted) return undefined;
	return sharedRedis(redisCredentialsOf(await ctx.getCredentials('redis')));
}
