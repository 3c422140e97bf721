import { describe, expect, it } from 'vitest';
import { serialQueue } from '../../src/lib/serial.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('serialQueue', () => {
  it('runs tasks one at a time in call order, each resolving with its own result', async () => {
    const run = serialQueue();
    const log: string[] = [];
    let active = 0;
    const task = (name: string, ticks: number) => async () => {
      active++;
      expect(active).toBe(1);
      log.push(`start ${name}`);
      for (let i = 0; i < ticks; i++) await tick();
      log.push(`end ${name}`);
      active--;
      return name;
    };
    const results = await Promise.all([run(task('a', 3)), run(task('b', 0)), run(task('c', 1))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('a failed task rejects its own promise and the next task still runs', async () => {
    const run = serialQueue();
    const failed = run(async () => {
      throw new Error('bad file');
    });
    const next = run(async () => 'ran');
    await expect(failed).rejects.toThrow('bad file');
    await expect(next).resolves.toBe('ran');
  });
});
