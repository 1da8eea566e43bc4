'use strict';
// A test's gate on an emulator: requests that match a hold wait (already logged, not yet answered)
// until the test lets them go. `reached(n)` resolves once n of them wait at the same time, which
// proves they were in flight together without depending on timing. Used by the PostgREST double
// and the HighLevel emulator.

function matcher(filter) {
	if (typeof filter === 'function') return filter;
	const pairs = Object.entries(filter || {});
	return (entry) => pairs.every(([k, v]) => entry[k] === v);
}

function createHolds() {
	const holds = [];

	function add(filter) {
		const matches = matcher(filter);
		const waiting = [];
		const watchers = [];
		let released = false;
		const notify = () => {
			for (const w of watchers.slice())
				if (waiting.length >= w.count) {
					watchers.splice(watchers.indexOf(w), 1);
					w.resolve();
				}
		};
		const hold = {
			matches: (entry) => !released && matches(entry),
			wait: () =>
				new Promise((resolve) => {
					waiting.push(resolve);
					notify();
				}),
			reached: (count) =>
				new Promise((resolve) => {
					watchers.push({ count, resolve });
					notify();
				}),
			held: () => waiting.length,
			releaseNext: () => {
				const next = waiting.shift();
				if (next) next();
				return next !== undefined;
			},
			release: () => {
				released = true;
				const i = holds.indexOf(hold);
				if (i !== -1) holds.splice(i, 1);
				for (const resolve of waiting.splice(0)) resolve();
			},
		};
		holds.push(hold);
		return {
			reached: hold.reached,
			held: hold.held,
			releaseNext: hold.releaseNext,
			release: hold.release,
		};
	}

	return {
		add,
		/** Resolves when no hold keeps the request with this log entry any longer. */
		async pass(entry) {
			for (const hold of holds.slice()) if (hold.matches(entry)) await hold.wait();
		},
		releaseAll() {
			for (const hold of holds.slice()) hold.release();
		},
	};
}

module.exports = { createHolds };
