// The worker of an isolated metric (isolated.ts) when flatcheck runs from its TypeScript sources (the
// repository's tests): it registers tsx itself (loader hooks of the parent thread are not shared with
// workers on Node 20). The built package runs the compiled worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
