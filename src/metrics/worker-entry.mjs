// The worker of an isolated metric (isolated.ts): it runs TypeScript sources, so it registers tsx
// itself (loader hooks of the parent thread are not shared with workers on Node 20).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
