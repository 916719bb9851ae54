// vendor/codemirror/editor.js in the site: build.py bundles it from web/editor/entry.js.
export * from '../../../editor/entry.js';
