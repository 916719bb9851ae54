// A script's output as a terminal shows it: `\n` starts a line, `\r` goes back to the start of the line, and what is
// written then overwrites it (the reference's step counter rewrites one line 1000 times). Drawn at most once a frame,
// the last lines only; the text is the script's, so it is only ever text.

const MAX_LINES = 5000; // drawn; the download keeps every byte

export class TerminalView {
  /** @param {HTMLElement} pre */
  constructor(pre) {
    this.pre = pre;
    this.reset();
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
      } else if (piece) {
        const line = this.lines[this.lines.length - 1];
        this.lines[this.lines.length - 1] = line.slice(0, this.column) + piece + line.slice(this.column + piece.length);
        this.column += piece.length;
      }
    }
    if (this.lines.length > 2 * MAX_LINES) this.lines = this.lines.slice(-MAX_LINES);
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  draw() {
    this.pending = false;
    const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
    this.pre.textContent = this.lines.slice(-MAX_LINES).join('\n');
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight; // follows the output unless the reader scrolled up
  }
}
