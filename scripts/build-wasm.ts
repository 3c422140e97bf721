/**
 * npm run build:wasm: compiles src/model/kernels.wat to src/model/kernels.wasm with wabt.
 * The .wasm is committed so serving needs no build step; test/model/kernels.test.ts fails while
 * the committed binary differs from what the .wat compiles to.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';
import { parseCommand } from '../src/cli/args.js';

export const WAT = fileURLToPath(new URL('../src/model/kernels.wat', import.meta.url));
export const WASM = fileURLToPath(new URL('../src/model/kernels.wasm', import.meta.url));

export async function compileKernels(): Promise<Uint8Array> {
  const w = await wabt();
  const mod = w.parseWat('kernels.wat', readFileSync(WAT, 'utf8'), { simd: true });
  try {
    mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  parseCommand({
    name: 'build:wasm',
    summary: 'Compiles src/model/kernels.wat to the committed src/model/kernels.wasm (WebAssembly SIMD scoring kernels).',
    options: {},
  });
  const bytes = await compileKernels();
  writeFileSync(WASM, bytes);
  console.log(`wrote ${WASM} (${bytes.length} bytes)`);
}
