import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestStorage } from '../storage/testing.ts';
import { runQueueContract } from './queue.contract.ts';

runQueueContract({
  kind: 'in-process',
  async setup({ shared }) {
    // SQLite in memory by default; an on-disk file when child processes must share the database.
    const dir = shared ? mkdtempSync(path.join(tmpdir(), 'omnify-queue-')) : undefined;
    const storage = await createTestStorage(dir ? { file: path.join(dir, 'db.sqlite') } : {});
    return {
      storage,
      queueConfig: { kind: 'in-process' },
      async cleanup() {
        await storage.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
