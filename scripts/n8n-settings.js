// The n8n settings the shipped webhook flows are built for (docs/operations.md#recommended-n8n-settings).
// `npm run demo` and the benchmarks start n8n with them, so what they show is what a user who follows the docs gets.
'use strict';

const RECOMMENDED_N8N_ENV = Object.freeze({
	// An execution that evaluates no expression builds no isolate; one that does builds it on first use.
	N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
});

module.exports = { RECOMMENDED_N8N_ENV };
