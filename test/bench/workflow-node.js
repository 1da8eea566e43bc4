// Nodes for the workflows the benches build, with fixed ids: every run imports the same workflow.

/** `<prefix>-0000-4000-8000-0000000000<n, two digits>`: a fixed UUID per bench (prefix) and number. */
const benchId = (prefix, n) => `${prefix}-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;

/** A `node(n, name, type, typeVersion, position, parameters, extra)` builder with ids from `benchId(prefix, n)`. */
function nodeFactory(prefix) {
	return (n, name, type, typeVersion, position, parameters, extra = {}) => ({
		id: benchId(prefix, n),
		name,
		type,
		typeVersion,
		position,
		parameters,
		...extra,
	});
}

module.exports = { benchId, nodeFactory };
