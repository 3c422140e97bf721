// Worker-thread entry: TypeScript needs tsx's loader registered inside each worker thread.
import { register } from 'tsx/esm/api';

register();
await import('./score-worker.ts');
