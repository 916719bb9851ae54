// runtime.js, which build.py writes into the site: where the Pyodide runtime is, and the sizes of its files.
export { loadPyodide } from 'pyodide';
export const indexURL: string;
export const lockFileURL: string;
export const runtimeBytes: Record<string, number>;
