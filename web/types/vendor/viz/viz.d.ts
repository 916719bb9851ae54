// vendor/viz/viz.js in the site, copied by build.py from the npm package @viz-js/viz.
export * from '@viz-js/viz';
