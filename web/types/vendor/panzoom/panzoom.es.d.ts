// vendor/panzoom/panzoom.es.js in the site, copied by build.py from the npm package @panzoom/panzoom.
export * from '@panzoom/panzoom';
export { default } from '@panzoom/panzoom';
