/** The scripted browser lives with the demo script; tests use the same one. */
export { TestBrowser } from '../../src/demo/scripted-browser.ts';
