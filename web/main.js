// The page's entry: the shell (app.js) and its panels, each owning its part of the page. The page computes nothing
// about the model: it sends requests to the worker and draws the replies (protocol.js).

import { App } from './app.js';
import { byId } from './dom.js';
import { registerOffline } from './offline.js';
import { mountCode } from './panels/code.js';
import { mountCompare } from './panels/compare.js';
import { mountControls } from './panels/controls.js';
import { mountDataset } from './panels/dataset.js';
import { mountInspect } from './panels/inspect.js';
import { mountLoss } from './panels/loss.js';
import { mountNames } from './panels/names.js';
import { mountRuns } from './panels/runs.js';
import { mountScript } from './panels/script.js';
import { mountSettings } from './panels/settings-form.js';

// main.js runs: the hint for a page opened as a file (where module scripts cannot load) is not needed
byId('load-hint').remove();

// the sticky controls must not hide what keyboard focus scrolls to: scrolling keeps clear of their height
const controls = byId('controls');
new ResizeObserver(() => {
  document.documentElement.style.setProperty('--controls-height', `${controls.offsetHeight}px`);
}).observe(controls);

const app = new App(byId('status'));
mountSettings(app);
mountControls(app);
mountDataset(app);
mountLoss(app);
mountCompare(app);
mountNames(app);
mountInspect(app);
mountCode(app);
mountScript(app);
mountRuns(app);
app.render();
registerOffline(app, byId('offline-status'));
