// Rate limits are per rolling window (HubSpot: 10 s, Airtable: 1 s): the benches check the busiest one.

/** The largest number of requests that arrived within any `windowMs` (`times` in ms, any order). */
function maxPerWindow(times, windowMs) {
	const t = [...times].sort((a, b) => a - b);
	let best = 0;
	for (let i = 0, j = 0; i < t.length; i++) {
		while (t[i] - t[j] >= windowMs) j++;
		best = Math.max(best, i - j + 1);
	}
	return best;
}

module.exports = { maxPerWindow };
