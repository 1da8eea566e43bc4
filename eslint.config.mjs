// Non-cloud configuration: n8n Cloud cannot install packages with runtime dependencies, and ours has them
// (libphonenumber-js, luxon; later pg and a Redis client) by design, for self-hosted n8n.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{ files: ['package.json'], rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' } },
	{ ignores: ['dist/**', 'test/**', 'scripts/**', 'workflows/**', 'gulpfile.js', 'jest.config.js', 'eslint.config.mjs'] },
];
