import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { redisCredentialsOf, sharedRedis } from '../../../../shared/redis/connection';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import { checkItem, readRules, rulesProperty } from './rules';

const show = { resource: ['queue'], operation: ['check'] };
const connection = { ...show, check: ['connection'] };
const fields = { ...show, check: ['fields'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Check',
		name: 'check',
		type: 'options',
		noDataExpression: true,
		default: 'connection',
		options: [
			{
				name: 'Queue Connection',
				value: 'connection',
				description:
					"Pass the items on when the queue's Redis answers; fail them all when it does not",
			},
			{
				name: 'Input Fields',
				value: 'fields',
				description:
					'Pass on each item whose fields follow the rules; refuse the others, each with its reason. Redis is not asked.',
			},
		],
		description:
			'One kind of check per node, so that each failure can get its own answer on the error output (a 503 for the queue, a 400 for a bad request)',
		displayOptions: { show },
	},
	{
		displayName:
			'Passes the items through unchanged when the queue’s Redis answers, and fails them otherwise. Put it before a create whose follow-up jobs are queued, with the error output answering 503: nothing is then created that could not be followed up.',
		name: 'checkNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: connection },
	},
	{
		displayName:
			'Checks each item without an expression and without Redis. Put it first in a webhook flow, with the error output answering 400 (Respond to Webhook › First Incoming Item after an Edit Fields node that keeps only error).',
		name: 'fieldsNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: fields },
	},
	rulesProperty(fields),
	{
		displayName: 'Options',
		name: 'checkOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: fields },
		options: [
			{
				displayName: 'Output Only Checked Fields',
				name: 'onlyCheckedFields',
				type: 'boolean',
				default: false,
				description:
					"Whether an item passed on holds only the fields the rules name, each under the last part of its path (body.contact_id becomes contact_id). This drops the rest, such as a Webhook node's request headers, and fields a caller added that a later node would send.",
			},
		],
	},
];

/** Each item against the rules; a refused item leaves with its reason and field, never sent anywhere. */
function checkFields(ctx: IExecuteFunctions, items: INodeExecutionData[]): RowOutcome[] {
	const read = readRules(
		(ctx.getNodeParameter('rules.rule', 0, []) as IDataObject[] | undefined) ?? [],
	);
	if ('problem' in read)
		throw new NodeOperationError(ctx.getNode(), `Field 'rules': ${read.problem}`);
	const { rules } = read;
	if (rules.length === 0) {
		throw new NodeOperationError(ctx.getNode(), "Field 'rules': add at least one rule");
	}
	const only = ctx.getNodeParameter('checkOptions.onlyCheckedFields', 0, false) === true;
	return items.map((item, itemIndex) => {
		const result = checkItem(item.json, rules, only);
		if (result.ok) return { itemIndex, json: result.json };
		return failedItem(ctx, items, itemIndex, `Field '${result.field}': ${result.message}`, {
			field: result.field,
		});
	});
}

/** One PING on the connection Enqueue will use; a Redis that is down fails every item. */
async function checkConnection(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<RowOutcome[]> {
	const redis = sharedRedis(redisCredentialsOf(await ctx.getCredentials('redis')));
	try {
		await redis.ping();
	} catch (error) {
		// Worded here: n8n replaces a message naming ECONNREFUSED with one that names no service.
		const detail = (error as Error).message;
		const endpoint = /^Redis at (\S+)/.exec(detail)?.[1];
		throw new NodeOperationError(
			ctx.getNode(),
			`The queue's Redis${endpoint ? ` at ${endpoint}` : ''} did not answer`,
			{ description: detail },
		);
	}
	return items.map((item, itemIndex) => ({ itemIndex, json: item.json }));
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<RowOutcome[]> {
	return this.getNodeParameter('check', 0, 'connection') === 'fields'
		? checkFields(this, items)
		: await checkConnection(this, items);
}
