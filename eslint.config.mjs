// Non-cloud configuration: this package has runtime dependencies (libphonenumber-js, luxon, ...).
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{ ignores: ['dist/**', 'test/**', 'scripts/**', 'workflows/**', 'gulpfile.js', 'jest.config.js', 'eslint.config.mjs'] },
];
