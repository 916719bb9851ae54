// The code editor the Code panel uses: CodeMirror 6 with Python highlighting, search (Ctrl/Cmd-F), undo, bracket
// matching and line numbers; one editor state per file, so each file keeps its own undo history and scroll position
// across switches; an error line marked; and the edits shown as a unified diff against the file's original text.
// CodeMirror is one self-contained ES module that build.py bundles from web/editor/entry.js; it loads with the
// first editor, so a visit that never opens the panel never fetches it.
// The editor lives in an open shadow root (of a `div.code-editor` in the parent): CodeMirror writes its styles
// with style-mod, which adds a <style> element to a document, which the page's CSP (style-src 'self') blocks, but
// gives a shadow root a constructed style sheet (adoptedStyleSheets), which no CSP governs. So the whole theme is
// here, page styles do not reach inside (CSS variables do), and Playwright's locators find `.cm-content` through
// the open root. Tab is left to the browser (no indentWithTab): keyboard users leave the editor with Tab as
// anywhere else; Ctrl-] and Ctrl-[ indent and dedent the selection.

const BUNDLE = new URL('./vendor/codemirror/editor.js', import.meta.url).href;
const ANDROID = /Android/.test(navigator.userAgent);

/**
 * @typedef {object} Editor
 * @property {(name: string, text: string, original?: string) => void} show
 *   Shows the file `name`. The first time, its text starts a new state (no undo history); later, its kept state
 *   comes back with its history, selection and scroll, and if `text` differs from it (a revert, a reload), the
 *   text replaces it as one change the user can undo. `original` is the unedited text the diff compares with
 *   (default: the kept one, else `text`).
 * @property {() => string} text The current file's text.
 * @property {(line: number, message?: string) => void} markError
 *   Marks the 1-based `line` (clamped to the file) with the class `cm-error-line` and `message` as its title, puts
 *   the cursor at its start, scrolls it into view and announces the message to screen readers; one error per file,
 *   kept with the file, following its line through edits. Focus stays where it is (call `focus()` to move it).
 * @property {() => void} clearError Removes the current file's error mark.
 * @property {(on: boolean) => void} showDiff
 *   Shows (or hides) the unified diff against the original, for every file shown while on: deleted lines as
 *   `.cm-deletedChunk` blocks, changed and inserted lines as `.cm-changedLine`, live as the user types.
 * @property {() => void} focus
 * @property {() => void} destroy
 */

/**
 * A new editor at the end of `parent` (in the shadow root of a new `div.code-editor`), showing `doc` as file `name`.
 * @param {HTMLElement} parent
 * @param {{label: string, onChange?: (text: string, name: string) => void, name?: string, doc?: string,
 *          original?: string}} options `label` names the editor for screen readers (its aria-label); `onChange`
 *   is called on every edit by the user (typing, pasting, undo), not on `show()`'s own changes.
 * @returns {Promise<Editor>}
 */
export async function createEditor(parent, { label, onChange = () => {}, name = '', doc = '', original = doc }) {
  const { EditorView, EditorState, Compartment, StateEffect, StateField, Decoration, basicSetup, python,
    indentUnit, unifiedMergeView, HighlightStyle, syntaxHighlighting, tags: t,
  } = /** @type {typeof import('./vendor/codemirror/editor.js')} */ (await import(BUNDLE));

  // CodeMirror's default colours are too faint for text (a comment's #940 on white is under 4.5:1): these are each
  // at least 4.9:1 on white, and the page's tinted error and diff lines keep them above 4.5:1
  const colours = HighlightStyle.define([
    { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword, t.moduleKeyword], color: '#b3261e' },
    { tag: [t.string, t.special(t.string)], color: '#0a3069' },
    { tag: [t.comment, t.lineComment], color: '#4d5560', fontStyle: 'italic' },
    { tag: [t.number, t.bool, t.null, t.atom], color: '#0550ae' },
    { tag: [t.function(t.definition(t.variableName)), t.definition(t.className)], color: '#6639ba' },
    { tag: [t.standard(t.variableName), t.self], color: '#7a3300' },
    { tag: t.invalid, color: '#b3261e', textDecoration: 'underline' },
  ]);

  /** @type {import('@codemirror/state').StateEffectType<{from: number, message: string} | null>} */
  const setError = StateEffect.define(); // an error's line start and message, or null to clear it
  const errorLine = StateField.define({
    create: () => Decoration.none,
    update(marks, tr) {
      marks = marks.map(tr.changes);
      for (const effect of tr.effects) {
        if (!effect.is(setError)) continue;
        marks = !effect.value ? Decoration.none : Decoration.set(Decoration.line({
          class: 'cm-error-line', attributes: { title: effect.value.message } }).range(effect.value.from));
      }
      return marks;
    },
    provide: (field) => EditorView.decorations.from(field),
  });

  const theme = EditorView.theme({
    '&': { maxHeight: '60vh', maxWidth: '100%', fontSize: '13px', backgroundColor: '#fff',
      border: '1px solid var(--line, #d0d7de)', borderRadius: '6px' },
    // the page's focus ring (the accent blue, 6.7:1 against white) around the whole editor, gutter included
    '&.cm-focused': { outline: '3px solid var(--accent, #1d4ed8)', outlineOffset: '2px' },
    // long lines scroll inside the editor's box: it never widens the page, not even a 375 px phone's
    '.cm-scroller': { overflow: 'auto', fontFamily: 'ui-monospace, monospace', lineHeight: '1.45' },
    '.cm-gutters': { backgroundColor: '#f6f8fa', color: 'var(--muted, #57606a)', borderRight: '1px solid #d0d7de' },
    // translucent, so the selection drawn beneath still shows; the bar on the left says it without colour
    '.cm-line.cm-error-line': { backgroundColor: 'rgba(180, 35, 24, 0.14)',
      boxShadow: 'inset 3px 0 0 var(--bad, #b42318)' },
  });

  // Chrome types over a selection that starts in a highlighted token by keeping that token's colour in a style
  // attribute, which the CSP blocks (and reports as an error): such a replacement is made here instead, through
  // the input handlers Chrome's own would have met (closing brackets wrap the selection). Not on Android, where
  // a cancelled beforeinput still edits.
  const typeOverSelection = EditorView.domEventHandlers({
    beforeinput(event, view) {
      const typed = event.data;
      if (event.inputType !== 'insertText' || event.isComposing || !typed || ANDROID
          || view.state.selection.ranges.every((range) => range.empty)) return false;
      event.preventDefault();
      const { from, to } = view.state.selection.main;
      const insert = () => view.state.update(view.state.replaceSelection(typed),
        { userEvent: 'input.type', scrollIntoView: true });
      if (!view.state.facet(EditorView.inputHandler).some((handler) => handler(view, from, to, typed, insert))) {
        view.dispatch(insert());
      }
      return true;
    },
  });

  const diff = new Compartment();
  let diffOn = false;
  /**
   * @typedef {{state: import('./editor/entry.js').EditorState, original: string,
   *            scroll: import('./editor/entry.js').StateEffect<unknown> | null}} Shown
   */
  /** @type {Map<string, Shown>} the files shown, each with its own state */
  const files = new Map();
  let current = name;
  let quiet = false; // set while show() changes the text: that is no edit of the user's

  const diffView = (/** @type {string} */ original) => diffOn
    ? unifiedMergeView({ original, mergeControls: false, highlightChanges: true, gutter: true }) : [];

  /** @param {string} text @param {string} original */
  const newState = (text, original) => EditorState.create({
    doc: text,
    extensions: [
      basicSetup, syntaxHighlighting(colours), python(), indentUnit.of('    '), EditorState.tabSize.of(4),
      EditorView.contentAttributes.of({ 'aria-label': label }), theme, typeOverSelection, errorLine,
      diff.of(diffView(original)),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && !quiet) onChange(update.state.doc.toString(), current);
      }),
    ],
  });

  const host = document.createElement('div');
  host.className = 'code-editor';
  parent.append(host);
  const view = new EditorView({ parent: host.attachShadow({ mode: 'open' }), state: newState(doc, original) });
  files.set(name, { state: view.state, original, scroll: null });

  return {
    show(name, text, original) {
      const shown = /** @type {Shown} */ (files.get(current));
      files.set(current, { ...shown, state: view.state, scroll: view.scrollSnapshot() });
      const kept = files.get(name);
      original ??= kept ? kept.original : text;
      current = name;
      if (!kept) {
        view.setState(newState(text, original));
      } else {
        view.setState(kept.state);
        view.dispatch({ effects: [diff.reconfigure(diffView(original)), ...(kept.scroll ? [kept.scroll] : [])] });
        if (view.state.doc.toString() !== text) {
          quiet = true;
          try {
            view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
          } finally {
            quiet = false;
          }
        }
      }
      files.set(name, { state: view.state, original, scroll: null });
    },

    text: () => view.state.doc.toString(),

    markError(line, message = '') {
      const doc = view.state.doc;
      const at = doc.line(Math.min(Math.max(1, Math.floor(line) || 1), doc.lines));
      view.dispatch({
        selection: { anchor: at.from },
        effects: [setError.of({ from: at.from, message }), EditorView.scrollIntoView(at.from, { y: 'center' }),
          EditorView.announce.of(`Error on line ${at.number}${message ? `: ${message}` : ''}`)],
      });
    },

    clearError() {
      view.dispatch({ effects: setError.of(null) });
    },

    showDiff(on) {
      diffOn = Boolean(on);
      view.dispatch({ effects: diff.reconfigure(diffView(/** @type {Shown} */ (files.get(current)).original)) });
    },

    focus: () => view.focus(),

    destroy() {
      view.destroy();
      host.remove();
      files.clear();
    },
  };
}
