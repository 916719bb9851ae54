// Runs Python code inside Pyodide under Node, with the microgpt wheel installed: the core's Pyodide path, no browser.
// Usage: node tests/pyodide_run.mjs WHEEL [STDLIB_ZIP] < code.py   (the code's last expression, a str, is printed)
// STDLIB_ZIP: a standard library other than the package's own, such as the site's precompiled one.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);
const pyodideDir = dirname(require.resolve('../web/node_modules/pyodide/package.json'));
const { loadPyodide } = await import(`${pyodideDir}/pyodide.mjs`);

const stdLibURL = process.argv[3];
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/`, ...(stdLibURL && { stdLibURL }) });
await pyodide.loadPackage(process.argv[2], { messageCallback: () => {} });
const code = readFileSync(0, 'utf8');
process.stdout.write(String(await pyodide.runPythonAsync(code)));
