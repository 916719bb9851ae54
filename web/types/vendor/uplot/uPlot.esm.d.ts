// vendor/uplot/uPlot.esm.js in the site, copied by build.py from the npm package uplot.
export { default } from 'uplot';
