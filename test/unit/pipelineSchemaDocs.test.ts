// The SQL a DBA reviews in docs/database-schema.md is the SQL Apply Schema runs, statement for statement.
import { readFileSync } from 'fs';
import { join } from 'path';

import { cascadeTableStatements } from '../../nodes/shared/pipeline/cascade';
import { pipelineSchemaStatements } from '../../nodes/shared/pipeline/schema';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'database-schema.md'), 'utf8');

it('docs/database-schema.md shows every statement Apply Schema runs for schema marketing', () => {
	const statements = [
		...pipelineSchemaStatements('marketing'),
		...cascadeTableStatements('marketing'),
	];
	expect(statements.length).toBeGreaterThan(15);
	expect(statements.filter((sql) => !doc.includes(`${sql};`))).toEqual([]);
});

it('names in the statements are checked: a schema that is not a plain name is refused', () => {
	expect(() => pipelineSchemaStatements('marketing"; DROP TABLE x; --')).toThrow(
		/not a plain SQL name/,
	);
	expect(pipelineSchemaStatements('other').join('\n')).not.toMatch(/"marketing"/);
});
