/** Catalog: read-only browsing of ad accounts, campaigns, ad groups, ads and CRM records. */
import type { Storage } from '../../storage/db.ts';
import { createCatalog } from './catalog.service.ts';
import { createCrm } from './crm.service.ts';

export { catalogRoutes } from './catalog.routes.ts';
export type { Ad, AdAccount, AdGroup, Campaign, Catalog, Creative } from './catalog.service.ts';
export type { Crm, CrmContact, CrmOpportunity } from './crm.service.ts';

/** Builds the catalog and CRM readers (`services.catalog`, `services.catalog.crm`). */
export function createCatalogModule({ storage }: { storage: Storage }) {
  return { ...createCatalog({ storage }), crm: createCrm({ storage }) };
}

export type CatalogModule = ReturnType<typeof createCatalogModule>;
