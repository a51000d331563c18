/**
 * Backend choice for TensorFlow.js: `@tensorflow/tfjs-node` when the user has
 * it installed, else wasm (its binary ships in the npm package), else cpu.
 * FLATCHECK_BACKEND=tensorflow|wasm|cpu forces one.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../field/errors.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let chosen: Promise<BackendName> | undefined;

/** Resolves once a backend is ready; later calls return the same choice. */
export function initTensorBackend(): Promise<BackendName> {
  chosen ??= chooseBackend(process.env.FLATCHECK_BACKEND);
  return chosen;
}

async function loadBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      const optionalPeer = '@tensorflow/tfjs-node'; // a variable, so TypeScript does not require the package
      await import(optionalPeer);
    }
    if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok;
  } catch {
    return false;
  }
}

async function chooseBackend(requested: string | undefined): Promise<BackendName> {
  if (requested !== undefined && requested !== '') {
    if (!BACKENDS.includes(requested as BackendName)) throw new InputError('FLATCHECK_BACKEND', requested, BACKENDS.map((b) => `"${b}"`).join(', '));
    if (!(await loadBackend(requested as BackendName))) throw new InputError('FLATCHECK_BACKEND', requested, 'a backend that loads on this machine');
    return requested as BackendName;
  }
  for (const name of BACKENDS) if (await loadBackend(name)) return name;
  throw new Error('no TensorFlow.js backend could be initialised (tried tensorflow, wasm, cpu)');
}

export { tf };
