// Lets plain `node` scripts (demo, benchmark) load the TypeScript test harness: transpile on require, no type check.
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = function (module, filename) {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		fileName: filename,
	});
	module._compile(outputText, filename);
};

// Node tries extensions in registration order: `nodes/Luma/Luma.node` must find Luma.node.ts before the
// codex file Luma.node.json next to it.
for (const ext of ['.json', '.node']) {
	const loader = require.extensions[ext];
	delete require.extensions[ext];
	require.extensions[ext] = loader;
}
