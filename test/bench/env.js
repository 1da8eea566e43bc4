// Bench sizes come from the environment; a bad value stops the bench before it sets anything up.

/** Exits 2, naming the variable, unless every `[envName, value]` pair's value is a positive integer. */
function requirePositiveIntegers(pairs) {
	for (const [name, value] of pairs) {
		if (!Number.isInteger(value) || value < 1) {
			console.error(`${name} must be a positive integer, got ${process.env[name]}`);
			process.exit(2);
		}
	}
}

module.exports = { requirePositiveIntegers };
