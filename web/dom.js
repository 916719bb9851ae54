// The few DOM helpers the panels share. Untrusted text (names, file names, datasets) only ever becomes text nodes.

/** The element with this id (the page's ids are its contract: see README). */
export const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** A new element with a class and text content. */
export function element(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** `n noun(s)`, with thousands separators. */
export function count(n, noun) {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

/** Untrusted text as a short quotation: a file name, a dataset's name. */
export function quote(text, max = 60) {
  const flat = String(text).replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Offer text or bytes as a file download. @param {string} name @param {string | ArrayBuffer} data @param {string} type */
export function saveFile(name, data, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
