// Numbers as Python prints them. The worker hands the page Python's floats as JS numbers (the same 64 bits); this
// writes them as Python's repr() does, so the page shows, and its elements carry, the text a terminal would print.
// Both languages print the shortest digits that read back to the same double; they differ only in where they switch
// to an exponent and how they write it (Python: below 1e-4 or from 1e16, at least two exponent digits, '1.0' for
// whole numbers). tests/test_pyrepr_js.py compares it with Python on many doubles.

/** `repr(x)` of a Python float. @param {number} x */
export function pyRepr(x) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e'); // the shortest digits, as d.ddd and e±n
  const digits = mantissa.replace('.', '');
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    const shown = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${shown}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  return `${sign}${digits.slice(0, e + 1).padEnd(e + 1, '0')}.${digits.slice(e + 1) || '0'}`;
}

/**
 * A probability or weight, short, for reading at a glance (the exact value is in the element's data).
 * @param {number} p
 */
export function percent(p) {
  if (p >= 0.0995) return `${(p * 100).toFixed(0)}%`;
  if (p >= 0.00995) return `${(p * 100).toFixed(1)}%`;
  return p >= 0.0001 ? `${(p * 100).toFixed(2)}%` : '<0.01%';
}
