// What a bench sets up (n8n processes, emulators, listeners, a hosts line, a schema, temp files) must not outlive
// it, whether it ends, fails or is stopped with Ctrl-C / SIGTERM.
const { mkdtempSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');

/**
 * A cleanup stack: `add(what, fn)` as things are set up; `run()` undoes them last in, first out, once, logging a
 * failing step and going on. SIGINT / SIGTERM set `interrupted`, call `onSignal(signal)`, then the steps added
 * with `{ atSignal: true }` at once and synchronously (what must not wait for n8n to stop, e.g. the hosts line),
 * then run the stack and exit 130.
 */
function cleanupStack({ onSignal } = {}) {
	const steps = [];
	let cleaning;
	const stack = {
		interrupted: false,
		add(what, fn, { atSignal = false } = {}) {
			steps.push([what, fn, atSignal]);
		},
		run() {
			cleaning ??= (async () => {
				while (steps.length) {
					const [what, fn] = steps.pop();
					try {
						await fn();
					} catch (error) {
						console.error(`cleanup (${what}) failed: ${error.message}`);
					}
				}
			})();
			return cleaning;
		},
	};
	for (const signal of ['SIGINT', 'SIGTERM']) {
		process.once(signal, () => {
			stack.interrupted = true;
			onSignal?.(signal);
			for (const [, fn, atSignal] of [...steps].reverse()) if (atSignal) fn();
			stack.run().finally(() => process.exit(130));
		});
	}
	return stack;
}

/** A new temp folder, removed by `cleanups` unless `keep` (then its path is printed instead). */
function tempFolder(cleanups, prefix, { keep = false } = {}) {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	cleanups.add('temp files', () =>
		keep
			? console.log(`kept ${dir} (BENCH_KEEP=1)`)
			: rmSync(dir, { recursive: true, force: true }),
	);
	return dir;
}

/**
 * Ends a bench: a failure of `main` is printed as `<name>: <message>` (the stack too with BENCH_DEBUG) and sets exit
 * code 1; then the stack runs. With `quietAfterSignal`, neither happens once a signal came: its handler owns the exit.
 */
function finish(main, cleanups, name, { quietAfterSignal = false, beforeCleanup } = {}) {
	return main
		.catch((error) => {
			if (quietAfterSignal && cleanups.interrupted) return;
			console.error(`${name}: ${error.message}`);
			if (process.env.BENCH_DEBUG) console.error(error);
			process.exitCode = 1;
		})
		.finally(async () => {
			if (quietAfterSignal && cleanups.interrupted) return;
			await beforeCleanup?.();
			await cleanups.run();
		});
}

module.exports = { cleanupStack, tempFolder, finish };
