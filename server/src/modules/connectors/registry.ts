/**
 * Every platform Omnify can connect to: one line per connector. Adding a platform is one folder
 * under connectors/ plus one line here.
 */
import path from 'node:path';
import type { Clock } from '../../platform/clock.ts';
import type { ConnectorDefinition } from './connector.port.ts';
import { gohighlevel } from './gohighlevel/index.ts';
import { googleAds } from './google_ads/index.ts';
import { linkedin } from './linkedin/index.ts';
import { meta } from './meta/index.ts';
import { createFileStore, createSimulator } from './simulator/index.ts';

export function createConnectorRegistry({
  dataDir,
  clock,
}: {
  dataDir: string;
  /** The simulator's "today" (its last day with data unless a connection pins endDate). */
  clock?: Clock;
}): Record<string, ConnectorDefinition> {
  return {
    google_ads: googleAds,
    meta,
    linkedin,
    gohighlevel,
    // The simulator keeps the write-backs it received next to the database, so that paused ads stay paused.
    simulator: createSimulator({
      store: createFileStore(path.join(dataDir, 'simulator')),
      ...(clock ? { clock } : {}),
    }),
  };
}
