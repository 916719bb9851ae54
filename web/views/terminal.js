// A script's output as a terminal shows it: `\n` starts a line, `\r` goes back to the start of the line, and what is
// written then overwrites it (the reference's step counter rewrites one line 1000 times). Drawn at most once a frame,
// the last lines only; the text is the script's, so it is only ever text.

const MAX_LINES = 5000; // drawn; the download keeps every byte
const MAX_COLUMNS = 2000; // of a line, drawn: output without line ends would otherwise cost more with each write
const MAX_CHARS = 100_000; // drawn at most, the last lines: a frame must not lay out megabytes of text

export class TerminalView {
  /** @param {HTMLElement} pre */
  constructor(pre) {
    this.pre = pre;
    /** @type {string[]} the lines written so far (the last MAX_LINES to 2 × MAX_LINES) */
    this.lines = [''];
    this.column = 0; // where the next character goes in the last line
    this.pending = false; // a draw is asked for the next frame
  }

  reset() {
    this.lines = [''];
    this.column = 0;
    this.pending = false;
    this.pre.textContent = '';
  }

  /** @param {string} text what the script wrote, as it wrote it */
  write(text) {
    for (const piece of text.split(/(\r|\n)/)) {
      if (piece === '\n') {
        this.lines.push('');
        this.column = 0;
      } else if (piece === '\r') {
        this.column = 0;
      } else if (piece && this.column < MAX_COLUMNS) {
        const line = this.lines[this.lines.length - 1];
        const kept = piece.slice(0, MAX_COLUMNS - this.column);
        this.lines[this.lines.length - 1] = line.slice(0, this.column) + kept + line.slice(this.column + kept.length);
        this.column += piece.length;
      } else if (piece) {
        this.column += piece.length; // past what is drawn: a later `\r` still goes back to the line's start
      }
    }
    if (this.lines.length > 2 * MAX_LINES) this.lines = this.lines.slice(-MAX_LINES);
    this.drawSoon();
  }

  /** A line of the page's own, after what the script wrote. @param {string} text */
  note(text) {
    if (this.lines[this.lines.length - 1]) this.lines.push(text);
    else this.lines[this.lines.length - 1] = text;
    this.lines.push('');
    this.column = 0;
    this.drawSoon();
  }

  drawSoon() {
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  draw() {
    this.pending = false;
    const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
    let first = Math.max(0, this.lines.length - MAX_LINES);
    for (let i = this.lines.length - 1, chars = 0; i >= first; i -= 1) {
      chars += this.lines[i].length + 1;
      if (chars > MAX_CHARS) {
        first = i + 1;
        break;
      }
    }
    this.pre.textContent = this.lines.slice(first).join('\n');
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight; // follows the output unless the reader scrolled up
  }
}
