/**
 * Which executions n8n started, read from its event log (<user folder>/.n8n/n8nEventLog*.log, one JSON
 * event a line). n8n writes `n8n.workflow.started` there for every execution, whether or not the
 * workflow saves execution data, so "no run started" can be shown for workflows that save nothing.
 * One writer thread appends the events in the order n8n sent them: once an event sent later is in the
 * file, every earlier one is too (`settleEventLog`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { sleep } from '../e2e/harness/n8n';

interface EventLine {
	__type?: string;
	eventName?: string;
	payload?: { workflowId?: string; executionId?: string };
}

/** The events named `eventName` in the log (confirmations of delivery left out). */
function events(userFolder: string, eventName: string): EventLine[] {
	const dir = join(userFolder, '.n8n');
	if (!existsSync(dir)) return [];
	const found: EventLine[] = [];
	// n8nEventLog.log is the current file; n8nEventLog-1.log … hold older events once it rotates.
	const files = readdirSync(dir).filter((f) => /^n8nEventLog(-\d+)?\.log$/.test(f));
	for (const file of files) {
		for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
			if (!line.includes(`"${eventName}"`)) continue;
			let event: EventLine;
			try {
				event = JSON.parse(line) as EventLine;
			} catch {
				continue; // a line still being written
			}
			if (event.eventName === eventName && event.__type !== '$$EventMessageConfirm')
				found.push(event);
		}
	}
	return found;
}

/** Ids of the executions of `workflowId` that n8n logged as started. */
export function startedExecutions(userFolder: string, workflowId: string): string[] {
	const ids = events(userFolder, 'n8n.workflow.started')
		.filter((e) => e.payload?.workflowId === workflowId)
		.map((e) => String(e.payload?.executionId));
	return [...new Set(ids)];
}

/** Ids of the executions of `workflowId` that n8n logged as ended: succeeded, failed, crashed or cancelled. */
export function finishedExecutions(userFolder: string, workflowId: string): string[] {
	const ids = [
		'n8n.workflow.success',
		'n8n.workflow.failed',
		'n8n.workflow.crashed',
		'n8n.workflow.cancelled',
	]
		.flatMap((name) => events(userFolder, name))
		.filter((e) => e.payload?.workflowId === workflowId)
		.map((e) => String(e.payload?.executionId));
	return [...new Set(ids)];
}

const LOGIN = 'n8n.audit.user.login.success';

/**
 * Returns once every event n8n sent before this call is in the log: it logs the owner in again and
 * waits for that login's audit event, which the writer appends after all of them.
 */
export async function settleEventLog(
	n8n: { userFolder: string; login(): Promise<void> },
	timeoutMs = 30000,
): Promise<void> {
	const logins = events(n8n.userFolder, LOGIN).length;
	await n8n.login();
	const deadline = Date.now() + timeoutMs;
	while (events(n8n.userFolder, LOGIN).length <= logins) {
		if (Date.now() > deadline) throw new Error(`n8n did not log the login within ${timeoutMs} ms`);
		await sleep(100);
	}
}
