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

type Label = { fi: string; sv: string; en: string };
const L = (fi: string, sv: string, en: string): Label => ({ fi, sv, en });

/** Names of the purposes for people, in Finnish, Swedish and English. */
const LABELS: Record<string, Label> = {
  Purpose: L('Mikä tahansa käyttötarkoitus', 'Vilket ändamål som helst', 'Any purpose'),
  AccountManagement: L('Käyttäjätilin hallinta', 'Kontohantering', 'Account management'),
  CommunicationManagement: L('Viestinnän hallinta', 'Kommunikationshantering', 'Communication management'),
  CustomerManagement: L('Asiakkuuden hallinta', 'Kundhantering', 'Customer management'),
  EnforceSecurity: L('Turvallisuuden varmistaminen', 'Säkerhet', 'Enforcing security'),
  EstablishContractualAgreement: L('Sopimuksen tekeminen', 'Ingående av avtal', 'Making a contract'),
  FulfilmentOfObligation: L('Velvoitteen täyttäminen', 'Fullgörande av skyldighet', 'Fulfilling an obligation'),
  HumanResourceManagement: L('Henkilöstöhallinto', 'Personaladministration', 'Human resource management'),
  Marketing: L('Markkinointi', 'Marknadsföring', 'Marketing'),
  OrganisationGovernance: L('Organisaation hallinto', 'Organisationsstyrning', 'Organisation governance'),
  Personalisation: L('Personointi', 'Personalisering', 'Personalisation'),
  PublicBenefit: L('Yleinen etu', 'Allmännyttigt ändamål', 'Public benefit'),
  RecordManagement: L('Asiakirjahallinto', 'Dokumenthantering', 'Record management'),
  ResearchAndDevelopment: L('Tutkimus ja kehitys', 'Forskning och utveckling', 'Research and development'),
  ServiceProvision: L('Palvelun tarjoaminen', 'Tillhandahållande av tjänster', 'Service provision'),
  IdentityVerification: L('Henkilöllisyyden todentaminen', 'Identitetskontroll', 'Identity verification'),
  FraudPreventionAndDetection: L('Väärinkäytösten torjunta', 'Förebyggande av bedrägerier', 'Fraud prevention and detection'),
  LegalCompliance: L('Lakisääteisen velvoitteen noudattaminen', 'Efterlevnad av rättsliga krav', 'Legal compliance'),
  FulfilmentOfContractualObligation: L('Sopimusvelvoitteen täyttäminen', 'Fullgörande av avtal', 'Fulfilling a contract'),
  AcademicResearch: L('Akateeminen tutkimus', 'Akademisk forskning', 'Academic research'),
  CommercialResearch: L('Kaupallinen tutkimus', 'Kommersiell forskning', 'Commercial research'),
  NonCommercialResearch: L('Ei-kaupallinen tutkimus', 'Icke-kommersiell forskning', 'Non-commercial research'),
  PaymentManagement: L('Maksujen käsittely', 'Betalningshantering', 'Payment management'),
  RequestedServiceProvision: L('Pyydetyn palvelun tarjoaminen', 'Begärd tjänst', 'Requested service provision'),
  SellProducts: L('Tuotteiden myynti', 'Försäljning av produkter', 'Selling products'),
  ServiceOptimisation: L('Palvelun parantaminen', 'Förbättring av tjänsten', 'Service optimisation'),
  ServicePersonalisation: L('Palvelun personointi', 'Personalisering av tjänsten', 'Service personalisation'),
  ServiceRegistration: L('Palveluun rekisteröityminen', 'Registrering för tjänsten', 'Service registration'),
  ServiceUsageAnalytics: L('Palvelun käytön analysointi', 'Analys av tjänsteanvändning', 'Service usage analytics'),
  DeliveryOfGoods: L('Tavaroiden toimitus', 'Leverans av varor', 'Delivery of goods'),
};

/** A purpose's name for people; an IRI outside the table is shown as its local name. */
export function purposeLabel(iri: string, locale: 'fi' | 'sv' | 'en'): string {
  const name = dpvLocalName(iri);
  return (iri.startsWith(DPV) ? LABELS[name]?.[locale] : undefined) ?? name.replace(/([a-z])([A-Z])/g, '$1 $2');
}

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
