/**
 * LinkedIn Marketing API connector (versioned REST, Rest.li 2.0). See README.md for the endpoints,
 * the field mapping and the pitfalls.
 */
import type { ConnectorDefinition } from '../connector.port.ts';
import { linkedinAds } from './ads.ts';
import { linkedinOAuth } from './oauth.ts';

/** The LinkedIn-Version header: a monthly release, supported for at least a year after it ships. */
export const LINKEDIN_API_VERSION = '202606';

export const linkedin: ConnectorDefinition = {
  platform: 'linkedin',
  displayName: 'LinkedIn Ads',
  defaultSettings: {
    apiBaseUrl: 'https://api.linkedin.com/rest',
    authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    apiVersion: LINKEDIN_API_VERSION,
  },
  oauth: linkedinOAuth,
  ads: linkedinAds,
};
