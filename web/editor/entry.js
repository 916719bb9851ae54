// The code editor's packages (CodeMirror 6), bundled by build.py with esbuild into one self-contained ES module,
// site/vendor/codemirror/editor.js: the page's CSP allows no inline import map, so no bare specifier may be left.
// Only web/editor.js imports it, once the Code panel is first opened. Export only what that wrapper uses.
export { basicSetup } from 'codemirror';
export { Compartment, EditorState, StateEffect, StateField } from '@codemirror/state';
export { Decoration, EditorView } from '@codemirror/view';
export { HighlightStyle, indentUnit, syntaxHighlighting } from '@codemirror/language';
export { tags } from '@lezer/highlight';
export { python } from '@codemirror/lang-python';
export { unifiedMergeView } from '@codemirror/merge';
