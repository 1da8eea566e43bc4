import { randomUUID } from 'node:crypto';

import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readObjectType } from '../../helpers/objectTypes';
import type { RowOutcome } from '../../helpers/outcome';
import { failedItem } from '../../helpers/outcome';
import type { AssociationJob, NoteJob } from '../../helpers/queue';
import { DEFAULT_QUEUE_NAME, openQueues, rescope } from '../../helpers/queue';
import * as association from '../association/batchCreate.operation';
import * as note from '../note/batchCreate.operation';

const show = { resource: ['queue'], operation: ['enqueue'] };

export const queueNameProperty = (operations: string[]): INodeProperties => ({
	displayName: 'Queue Name',
	name: 'queueName',
	type: 'string',
	default: DEFAULT_QUEUE_NAME,
	required: true,
	description:
		'Redis keys start with mkops:queue: followed by this name. Enqueue and Flush must use the same name.',
	displayOptions: { show: { resource: ['queue'], operation: operations } },
});

export const description: INodeProperties[] = [
	{
		displayName:
			'Queued jobs are sent by Queue › Flush: publish the HubSpot queue flush workflow with the same Redis credential and queue name. Run the HubSpot setup workflow once first, so that each queued note is created only once.',
		name: 'flushNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	queueNameProperty(['enqueue']),
	{
		displayName: 'Job',
		name: 'kind',
		type: 'options',
		default: 'association',
		options: [
			{
				name: 'Association',
				value: 'association',
				description: 'A v4 association between two records',
			},
			{ name: 'Note', value: 'note', description: 'A timeline note with its associations' },
		],
		displayOptions: { show },
	},
	...rescope(association.description, { ...show, kind: ['association'] }, (p) =>
		p.name === 'options' ? undefined : p,
	),
	...rescope(note.description, { ...show, kind: ['note'] }, (p) =>
		p.name === 'options'
			? { ...p, options: (p.options ?? []).filter((o) => 'name' in o && o.name === 'ownerId') }
			: p,
	),
];

/**
 * Validates each item like the immediate operation would, stores the HubSpot input in Redis and
 * answers at once; Queue › Flush sends it later in batches.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<RowOutcome[]> {
	const kind = this.getNodeParameter('kind', 0) as 'association' | 'note';
	const outcomes: RowOutcome[] = [];
	const accepted: Array<{ itemIndex: number; job: AssociationJob | NoteJob }> = [];

	if (kind === 'association') {
		const fromType = readObjectType(this, 'fromObjectType');
		const toType = readObjectType(this, 'toObjectType');
		const mode = this.getNodeParameter('associationType', 0, 'default') as string;
		if (mode !== 'default' && mode !== 'labelled') {
			throw new NodeOperationError(
				this.getNode(),
				`Field 'associationType': "${mode}" is not default or labelled`,
			);
		}
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const read = association.readPairInput(this, itemIndex, mode);
			if ('problem' in read) {
				const { field, reason } = read.problem;
				outcomes.push(failedItem(this, items, itemIndex, `Field '${field}': ${reason}`, { field }));
				continue;
			}
			const job: AssociationJob = {
				fromType,
				toType,
				mode,
				from: read.ids.fromId,
				to: read.ids.toId,
				types: read.type ? [read.type] : [],
			};
			accepted.push({ itemIndex, job });
		}
	} else {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const input = note.checkedNoteInput(this, itemIndex);
			if (input instanceof note.RowProblem) {
				outcomes.push(failedItem(this, items, itemIndex, input.message, { field: input.field }));
				continue;
			}
			// A key per note, fixed now: every later try of this note carries the same one.
			accepted.push({ itemIndex, job: { ...input, key: randomUUID() } });
		}
	}

	if (accepted.length === 0) return outcomes;
	const queues = await openQueues(this);
	try {
		const queue = kind === 'association' ? queues.associations : queues.notes;
		const ids = await (queue as { enqueue(p: unknown[]): Promise<string[]> }).enqueue(
			accepted.map((a) => a.job),
		);
		accepted.forEach(({ itemIndex }, i) => {
			outcomes.push({
				itemIndex,
				json: { ...items[itemIndex].json, queued: kind, queue_id: ids[i] },
			});
		});
	} finally {
		await queues.close();
	}
	return outcomes;
}
