// Executions as n8n's event log has them (<user folder>/.n8n/n8nEventLog*.log, one JSON event a line): n8n writes
// `n8n.workflow.started` and how each ended for every execution, with its time, whether or not the workflow
// saves execution data. A bench that keeps many executions should raise N8N_EVENTBUS_LOGWRITER_KEEPLOGCOUNT so
// the rotated files that hold its first ones are not deleted (n8n keeps 3 of 10 MB by default).
const { existsSync, readdirSync, readFileSync } = require('fs');
const { join } = require('path');

const ENDED = {
	'n8n.workflow.success': 'success',
	'n8n.workflow.failed': 'failed',
	'n8n.workflow.crashed': 'crashed',
	'n8n.workflow.cancelled': 'cancelled',
};

/**
 * Per workflow id in `workflowIds`: `started` (execution id → ms) and `ended` (execution id → { status, ms }),
 * read from every event log file (the current one and the rotated ones).
 */
function workflowRuns(userFolder, workflowIds) {
	const wanted = new Set(workflowIds);
	const runs = new Map(workflowIds.map((id) => [id, { started: new Map(), ended: new Map() }]));
	const dir = join(userFolder, '.n8n');
	if (!existsSync(dir)) return runs;
	const files = readdirSync(dir).filter((f) => /^n8nEventLog(-\d+)?\.log$/.test(f));
	for (const file of files) {
		for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
			if (!line.includes('"n8n.workflow.')) continue;
			let event;
			try {
				event = JSON.parse(line);
			} catch {
				continue; // a line still being written
			}
			if (event.__type === '$$EventMessageConfirm') continue;
			const workflowId = event.payload?.workflowId;
			if (!wanted.has(workflowId)) continue;
			const executionId = String(event.payload?.executionId);
			const ms = Date.parse(event.ts);
			const run = runs.get(workflowId);
			if (event.eventName === 'n8n.workflow.started') run.started.set(executionId, ms);
			else if (ENDED[event.eventName])
				run.ended.set(executionId, { status: ENDED[event.eventName], ms });
		}
	}
	return runs;
}

/** Counts and times of one workflow's runs: started, ended by status, still running, first start, last end. */
function summarize(run) {
	const byStatus = { success: 0, failed: 0, crashed: 0, cancelled: 0 };
	let lastEnd = -Infinity;
	for (const { status, ms } of run.ended.values()) {
		byStatus[status] += 1;
		lastEnd = Math.max(lastEnd, ms);
	}
	let firstStart = Infinity;
	for (const ms of run.started.values()) firstStart = Math.min(firstStart, ms);
	let running = 0;
	for (const id of run.started.keys()) if (!run.ended.has(id)) running += 1;
	return {
		started: run.started.size,
		ended: run.ended.size,
		...byStatus,
		running,
		firstStart: Number.isFinite(firstStart) ? firstStart : null,
		lastEnd: Number.isFinite(lastEnd) ? lastEnd : null,
	};
}

module.exports = { workflowRuns, summarize };
