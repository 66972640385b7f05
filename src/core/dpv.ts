/**
 * The part of the W3C DPV 2.x purpose taxonomy Portti reasons over: each purpose with its
 * broader purpose (`skos:broader` / `rdfs:subClassOf` in DPV), so that an ODRL `purpose isA P`
 * constraint holds for P itself and every narrower purpose. Purposes outside this table are
 * only `isA` themselves (and dpv:Purpose): an unknown purpose never widens a permission.
 */
export const DPV = 'https://w3id.org/dpv#';

/** narrower → broader (local names in the DPV namespace). */
const BROADER: Record<string, string> = {
  AccountManagement: 'Purpose',
  CommunicationManagement: 'Purpose',
  CustomerManagement: 'Purpose',
  EnforceSecurity: 'Purpose',
  EstablishContractualAgreement: 'Purpose',
  FulfilmentOfObligation: 'Purpose',
  HumanResourceManagement: 'Purpose',
  Marketing: 'Purpose',
  OrganisationGovernance: 'Purpose',
  Personalisation: 'Purpose',
  PublicBenefit: 'Purpose',
  RecordManagement: 'Purpose',
  ResearchAndDevelopment: 'Purpose',
  ServiceProvision: 'Purpose',
  // narrower purposes
  IdentityVerification: 'EnforceSecurity',
  FraudPreventionAndDetection: 'EnforceSecurity',
  LegalCompliance: 'FulfilmentOfObligation',
  FulfilmentOfContractualObligation: 'FulfilmentOfObligation',
  AcademicResearch: 'ResearchAndDevelopment',
  CommercialResearch: 'ResearchAndDevelopment',
  NonCommercialResearch: 'ResearchAndDevelopment',
  PaymentManagement: 'ServiceProvision',
  RequestedServiceProvision: 'ServiceProvision',
  SellProducts: 'ServiceProvision',
  ServiceOptimisation: 'ServiceProvision',
  ServicePersonalisation: 'ServiceProvision',
  ServiceRegistration: 'ServiceProvision',
  ServiceUsageAnalytics: 'ServiceProvision',
  DeliveryOfGoods: 'RequestedServiceProvision',
};

/** Every purpose IRI of the table (for forms), broadest first. */
export const DPV_PURPOSES: string[] = ['Purpose', ...Object.keys(BROADER)].map((n) => DPV + n);

/** True when `purpose` is `ancestor` or narrower than it in the DPV taxonomy. */
export function purposeIsA(purpose: string, ancestor: string): boolean {
  if (purpose === ancestor) return true;
  if (!purpose.startsWith(DPV) || !ancestor.startsWith(DPV)) return false;
  const target = ancestor.slice(DPV.length);
  let current: string | undefined = purpose.slice(DPV.length);
  if (target === 'Purpose') return true;
  for (let depth = 0; current && depth < 16; depth += 1) {
    current = BROADER[current];
    if (current === target) return true;
  }
  return false;
}

/** `ServiceProvision` from `https://w3id.org/dpv#ServiceProvision` (for display). */
export function dpvLocalName(iri: string): string {
  return iri.startsWith(DPV) ? iri.slice(DPV.length) : iri;
}
