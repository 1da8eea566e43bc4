#!/usr/bin/env node
// npm run bench:normalize: 100k registrations through Dedupe & Normalize and through Code + Remove Duplicates,
// in one execution of real n8n 2.40.7, on the same generated rows. Prints both times and the ratio, and exits
// non-zero when a goal fails.
require('./ts-register');
const { writeFileSync } = require('fs');
const { join } = require('path');
const { installPackage, N8n, sleep } = require('../test/e2e/harness/n8n.ts');
const workflow = require('../test/bench/normalize-workflow.js');

const COUNT = Number(process.env.BENCH_COUNT || 100000);
const ID = 'mkopsBenchNorm01';

(async () => {
	const n8n = await N8n.create();
	try {
		installPackage(n8n.userFolder);
		const file = join(n8n.userFolder, 'bench.json');
		writeFileSync(file, JSON.stringify(workflow(ID)));
		n8n.importWorkflow(file);
		n8n.publish(ID);
		await n8n.start();
		await n8n.login();
		console.log(`n8n ${n8n.baseUrl}, ${COUNT} rows, 10% repeats`);
		const started = Date.now();
		// The webhook answers as soon as the execution starts. Under the 100k-row load n8n has been seen to
		// reset that connection after taking the request; the execution then runs all the same, so only
		// a refusal or an error status stops the bench. The saved execution is the measurement.
		try {
			const res = await fetch(`${n8n.baseUrl}/webhook/bench-normalize`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ count: COUNT }),
			});
			if (!res.ok) throw new Error(`webhook answered ${res.status}`);
		} catch (error) {
			const code = error.cause?.code ?? error.code;
			if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw error;
			console.log(`(the webhook's answer was lost: ${code}; waiting for the execution)`);
		}
		const [execution] = await n8n.waitForExecutions(ID, 1, 900000, { ignoreDataSizeLimit: true });
		const runData = execution.data.resultData.runData;
		if (process.env.BENCH_DEBUG) console.log(execution.status, Object.keys(runData), JSON.stringify(execution.data.resultData.error ?? null).slice(0, 2000));
		if (execution.status !== 'success') throw new Error(`execution ${execution.status}: ${JSON.stringify(execution.data.resultData.error)}`);
		const t = (name) => runData[name][0].executionTime;
		const count = (name, output = 0) => runData[name][0].data.main[output].length;
		const ours = t('Dedupe & Normalize');
		const builtIn = t('Code: normalize') + t('Remove Duplicates');
		console.log(`wall clock (trigger → saved execution): ${Date.now() - started} ms`);
		console.log(`generated rows: ${count('Generate rows')}`);
		console.log(`ours     Dedupe & Normalize: ${ours} ms  (valid ${count('Dedupe & Normalize', 0)}, duplicate ${count('Dedupe & Normalize', 1)}, invalid ${count('Dedupe & Normalize', 2)})`);
		console.log(`built-in Code: normalize ${t('Code: normalize')} ms + Remove Duplicates ${t('Remove Duplicates')} ms = ${builtIn} ms  (kept ${count('Remove Duplicates')})`);
		const ratio = builtIn / ours;
		console.log(`ours per row: ${((ours * 1000) / COUNT).toFixed(1)} µs`);
		const valid = count('Dedupe & Normalize', 0) === count('Remove Duplicates');
		console.log(
			`goals    built-in / ours ≥ 5x: ${ratio >= 5 ? 'PASS' : 'FAIL'} (${ratio.toFixed(2)}x) | same rows kept as the built-in path: ${valid ? 'PASS' : 'FAIL'} (${count('Dedupe & Normalize', 0)} vs ${count('Remove Duplicates')})`,
		);
		if (ratio < 5 || !valid) process.exitCode = 1;
	} finally {
		await sleep(200);
		await n8n.stop();
	}
})().catch((error) => {
	console.error(error);
	process.exit(1);
});
