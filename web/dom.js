// The few DOM helpers the panels share. Untrusted text (names, file names, datasets) only ever becomes text nodes.

/**
 * The element with this id (the page's ids are its contract: see README), typed as the caller declares it (a
 * button, an input): index.html's element with that id is one.
 * @template {HTMLElement} [T=HTMLElement] @param {string} id @returns {T}
 */
export const byId = (id) => /** @type {T} */ (document.getElementById(id));

/**
 * A new element with a class and text content.
 * @template {keyof HTMLElementTagNameMap} K @param {K} tag @returns {HTMLElementTagNameMap[K]}
 */
export function element(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** `n noun(s)`, with thousands separators. @param {number} n @param {string} noun */
export function count(n, noun) {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

/** Untrusted text as a short quotation: a file name, a dataset's name. @param {string} text */
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
