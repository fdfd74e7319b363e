/**
 * The simulator's fixed vocabulary: the kinds of clients an agency has, with their economics, and
 * small word lists for names and creatives. Numbers are in the client's currency units and are
 * plausible rather than sourced; the generator varies them per seed.
 */

export const simPlatforms = ['google_ads', 'meta', 'linkedin'] as const;
export type SimPlatform = (typeof simPlatforms)[number];

export interface ClientProfile {
  key: string;
  name: string;
  slug: string;
  currency: 'USD' | 'EUR' | 'GBP';
  timeZone: string;
  /** Cost per lead on Google Search at a campaign's planned budget. */
  baseCpa: number;
  /** Value the ad platforms are told one lead is worth. */
  leadValue: number;
  /** Median value of a deal in the CRM. */
  dealValue: number;
  winRate: number;
  opportunityRate: number;
  /** Typical daily budget of one campaign. */
  campaignBudget: number;
  /**
   * What a won customer buys again (a recall visit, a renewal): purchases per year while active,
   * the chance of leaving after each purchase, each repeat's value as a share of `dealValue`, and the
   * repeat deal's name. Customers differ (gamma-distributed rates, as BG/NBD assumes).
   */
  repeat: { perYear: number; dropout: number; valueShare: number; name: string };
  themes: string[];
  headlines: string[];
  bodies: string[];
}

/**
 * Clients are taken in this order, starting at a seed-chosen offset: any three consecutive ones
 * (cyclically) bill in USD, EUR and GBP.
 */
export const clientProfiles: ClientProfile[] = [
  {
    key: 'dental',
    name: 'Bright Smile Dental',
    slug: 'brightsmile',
    currency: 'USD',
    timeZone: 'America/New_York',
    baseCpa: 55,
    leadValue: 120,
    dealValue: 1_800,
    winRate: 0.35,
    opportunityRate: 0.7,
    campaignBudget: 110,
    repeat: { perYear: 2, dropout: 0.2, valueShare: 0.15, name: 'Recall visit' },
    themes: ['Implants', 'Invisalign', 'Whitening', 'Emergency Care', 'New Patients'],
    headlines: [
      'Smile With Confidence',
      'Same-Week Dental Implants',
      'Free Whitening Consultation',
      'Invisalign From $99/Month',
      'Emergency Dentist Open Today',
      'Your Family Dentist, Nearby',
    ],
    bodies: [
      'Book a free consultation with our friendly team.',
      'Flexible payment plans. Most insurance accepted.',
      'Over 2,000 five-star reviews from local patients.',
    ],
  },
  {
    key: 'solar',
    name: 'Nordlicht Solar',
    slug: 'nordlicht',
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    baseCpa: 70,
    leadValue: 250,
    dealValue: 14_000,
    winRate: 0.2,
    opportunityRate: 0.6,
    campaignBudget: 140,
    repeat: { perYear: 0.15, dropout: 0.7, valueShare: 0.2, name: 'Battery or maintenance' },
    themes: ['Rooftop Solar', 'Battery Storage', 'Heat Pumps', 'Subsidy Check', 'Installers'],
    headlines: [
      'Cut Your Power Bill in Half',
      'Solar + Battery, Fully Installed',
      'Check Your Subsidy in 2 Minutes',
      'Heat Pumps Without the Hassle',
      'Free Rooftop Assessment',
      'Energy Independence Starts Here',
    ],
    bodies: [
      'Certified installers, 25-year warranty, financing available.',
      'Get a tailored quote for your home this week.',
      'Join 8,000 households already saving with us.',
    ],
  },
  {
    key: 'saas',
    name: 'Kestrel Analytics',
    slug: 'kestrel',
    currency: 'GBP',
    timeZone: 'Europe/London',
    baseCpa: 95,
    leadValue: 300,
    dealValue: 9_500,
    winRate: 0.25,
    opportunityRate: 0.55,
    campaignBudget: 160,
    repeat: { perYear: 1, dropout: 0.25, valueShare: 0.8, name: 'Renewal' },
    themes: ['Demo Requests', 'Data Teams', 'Finance Leaders', 'Free Trial', 'Whitepaper'],
    headlines: [
      'Dashboards Your CFO Will Trust',
      'From Spreadsheets to Insight in a Day',
      'Book a 20-Minute Demo',
      'The 2026 Data Maturity Report',
      'Start Your Free 14-Day Trial',
      'Analytics Without the Backlog',
    ],
    bodies: [
      'Connect every source in minutes. No engineers required.',
      'Trusted by 400+ finance and operations teams.',
      'SOC 2 Type II certified. Cancel anytime.',
    ],
  },
  {
    key: 'law',
    name: 'Harbor & Pine Law',
    slug: 'harborpine',
    currency: 'USD',
    timeZone: 'America/Chicago',
    baseCpa: 85,
    leadValue: 400,
    dealValue: 6_000,
    winRate: 0.3,
    opportunityRate: 0.65,
    campaignBudget: 150,
    repeat: { perYear: 0.3, dropout: 0.5, valueShare: 0.5, name: 'New matter' },
    themes: ['Personal Injury', 'Family Law', 'Estate Planning', 'Free Case Review', 'Local'],
    headlines: [
      'Injured? Talk to a Lawyer Today',
      'Free, Confidential Case Review',
      'No Fee Unless We Win',
      'Estate Plans Made Simple',
      'Compassionate Family Lawyers',
      'Call Now, 24/7',
    ],
    bodies: [
      'Recovered over $50M for our clients. Speak to an attorney now.',
      'Clear fixed fees for wills and trusts.',
      'Experienced, local and on your side.',
    ],
  },
  {
    key: 'realestate',
    name: 'Maison Verte Immobilier',
    slug: 'maisonverte',
    currency: 'EUR',
    timeZone: 'Europe/Paris',
    baseCpa: 45,
    leadValue: 150,
    dealValue: 8_500,
    winRate: 0.15,
    opportunityRate: 0.6,
    campaignBudget: 100,
    repeat: { perYear: 0.15, dropout: 0.6, valueShare: 1, name: 'Another property' },
    themes: ['Seller Leads', 'Valuations', 'New Builds', 'Buyers', 'Rentals'],
    headlines: [
      'What Is Your Home Worth?',
      'Free Valuation in 24 Hours',
      'New Apartments, Move In 2027',
      'Sell Faster With Local Experts',
      'Find Your Next Home',
      'Rentals Managed For You',
    ],
    bodies: [
      'Local agents with 20 years of sales in your area.',
      'Get an instant estimate, then a visit from an expert.',
      'Browse listings before they go public.',
    ],
  },
  {
    key: 'fitness',
    name: 'Peak Fitness',
    slug: 'peakfitness',
    currency: 'GBP',
    timeZone: 'Europe/London',
    baseCpa: 28,
    leadValue: 60,
    dealValue: 650,
    winRate: 0.4,
    opportunityRate: 0.75,
    campaignBudget: 80,
    repeat: { perYear: 6, dropout: 0.12, valueShare: 0.15, name: 'Membership renewal' },
    themes: ['Free Week Pass', 'Personal Training', 'HIIT Classes', 'New Year', 'Corporate'],
    headlines: [
      'Your First Week Is Free',
      'Coaching That Gets Results',
      'HIIT Classes Every Morning',
      'Join Before Prices Go Up',
      'Strong Starts Here',
      'Book a Free Body Scan',
    ],
    bodies: [
      'Classes for every level, every day of the week.',
      'Personal coaching and nutrition plans included.',
      'No contracts. Cancel anytime.',
    ],
  },
];

export const callsToAction: Record<SimPlatform, string[]> = {
  google_ads: ['Book Now', 'Get Quote', 'Learn More', 'Call Now'],
  meta: ['LEARN_MORE', 'SIGN_UP', 'BOOK_NOW', 'GET_QUOTE', 'CONTACT_US'],
  linkedin: ['LEARN_MORE', 'DOWNLOAD', 'REGISTER', 'REQUEST_DEMO', 'SIGN_UP'],
};

export const firstNames = [
  'Ava',
  'Noah',
  'Mia',
  'Liam',
  'Zoe',
  'Omar',
  'Lena',
  'Jonas',
  'Priya',
  'Mateo',
  'Chloe',
  'Ethan',
  'Sofia',
  'Kenji',
  'Amara',
  'Lukas',
  'Grace',
  'Diego',
  'Hannah',
  'Yusuf',
  'Ella',
  'Felix',
  'Nora',
  'Sam',
];
export const lastNames = [
  'Smith',
  'Garcia',
  'Müller',
  'Nguyen',
  'Okafor',
  'Brown',
  'Rossi',
  'Dubois',
  'Kowalski',
  'Patel',
  'Schmidt',
  'Johnson',
  'Martin',
  'Silva',
  'Walker',
  'Khan',
  'Fischer',
  'Lopez',
  'Moreau',
  'Evans',
];

export const pipelineStageNames = ['New Lead', 'Contacted', 'Appointment Booked', 'Proposal Sent', 'Closed'];
