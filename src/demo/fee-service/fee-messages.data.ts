/**
 * The Customer Fee Unit's words in Finnish, Swedish and English: every string its pages show,
 * by key. A key without all three languages, or a case or consent status without its label,
 * fails the build.
 */
import type { ConsentStatus } from '../../core/consent-event.ts';
import type { PluralForms } from '../../web/i18n.ts';
import type { CaseStatus } from './case-status.ts';

type Text = { fi: string; sv: string; en: string };

/** Every user-visible string of the fee service, by key, in each language. */
export const FEE_MESSAGES = {
  brand: {
    fi: 'Helsingin kaupunki · Asiakasmaksut (demopalvelu)',
    sv: 'Helsingfors stad · Klientavgifter (demotjänst)',
    en: 'City of Helsinki · Customer Fee Unit (demo service)',
  },
  site: { fi: 'Helsingin kaupungin asiakasmaksut', sv: 'Helsingfors stads klientavgifter', en: 'City of Helsinki Customer Fee Unit' },
  skip_to_content: { fi: 'Siirry sisältöön', sv: 'Hoppa till innehållet', en: 'Skip to content' },
  language: { fi: 'Kieli', sv: 'Språk', en: 'Language' },
  form_title: {
    fi: 'Tulojen mukainen varhaiskasvatusmaksu',
    sv: 'Inkomstbunden avgift för småbarnspedagogik',
    en: 'Reduced daycare fee',
  },
  form_intro: {
    fi: 'Molempien huoltajien tulot ratkaisevat maksun. Tulotositteiden postittamisen sijaan kumpikin huoltaja voi antaa valitsemassaan MyData-operaattorissa luvan lukea tulonsa Tulorekisteristä.',
    sv: 'Båda vårdnadshavarnas inkomster avgör avgiften. I stället för att posta inkomstintyg kan var och en ge oss lov, hos den MyData-operatör hen väljer, att läsa inkomsten i Inkomstregistret.',
    en: "Both guardians' income decides the fee. Instead of mailing income proofs, each guardian can consent, at the MyData operator of their choice, to us reading their income from the Incomes Register.",
  },
  child: { fi: 'Lapsi', sv: 'Barn', en: 'Child' },
  child_code: { fi: 'Lapsen henkilötunnus', sv: 'Barnets personbeteckning', en: "Child's personal identity code" },
  family_size: { fi: 'Perheen koko (henkilöä)', sv: 'Personer i familjen', en: 'Persons in the family' },
  guardian_n: { fi: 'Huoltaja {n}', sv: 'Vårdnadshavare {n}', en: 'Guardian {n}' },
  guardian_name: { fi: 'Nimi', sv: 'Namn', en: 'Name' },
  guardian_code: { fi: 'Henkilötunnus', sv: 'Personbeteckning', en: 'Personal identity code' },
  guardian_code_optional: {
    fi: 'Henkilötunnus (jätä tyhjäksi, jos huoltajia on yksi)',
    sv: 'Personbeteckning (lämna tomt om det finns en vårdnadshavare)',
    en: 'Personal identity code (leave empty for one guardian)',
  },
  operator: { fi: 'MyData-operaattori', sv: 'MyData-operatör', en: 'MyData operator' },
  submit: {
    fi: 'Hae ja pyydä huoltajilta lupa',
    sv: 'Ansök och be vårdnadshavarna om samtycke',
    en: 'Apply and ask the guardians for consent',
  },
  application_title: { fi: 'Hakemus', sv: 'Ansökan', en: 'Application' },
  application_child: { fi: 'Lapsi: {child} · jätetty {time}', sv: 'Barn: {child} · inlämnad {time}', en: 'Child: {child} · filed {time}' },
  consents: { fi: 'Suostumukset', sv: 'Samtycken', en: 'Consents' },
  guardian: { fi: 'Huoltaja', sv: 'Vårdnadshavare', en: 'Guardian' },
  status: { fi: 'Tila', sv: 'Status', en: 'Status' },
  fee: { fi: 'Maksu', sv: 'Avgift', en: 'Fee' },
  per_month: { fi: '{fee} kuukaudessa', sv: '{fee} per månad', en: '{fee} per month' },
  per_month_maximum: {
    fi: '{fee} kuukaudessa (enimmäismaksu)',
    sv: '{fee} per månad (högsta avgift)',
    en: '{fee} per month (maximum fee)',
  },
  fee_none: { fi: 'Maksua ei ole vielä päätetty.', sv: 'Avgiften är inte fastställd ännu.', en: 'The fee is not decided yet.' },
  explain_zero: {
    fi: 'Perheen tulot {income} ovat alle tulorajan {limit} ({size} henkilöä) tai lähellä sitä: ei maksua.',
    sv: 'Familjens inkomst {income} är under eller nära inkomstgränsen {limit} för {size} personer: ingen avgift.',
    en: 'Family income {income} is below or close to the limit {limit} for {size} persons: no fee.',
  },
  explain_max: {
    fi: 'Perheen tuloilla {income} maksu on enimmäismaksu {max}.',
    sv: 'Familjens inkomst {income} ger den högsta avgiften {max}.',
    en: 'Family income {income} gives the maximum fee {max}.',
  },
  explain_share: {
    fi: '{percent} tulorajan ylittävästä tulosta: ({income} − {limit}) × {percent} = {fee}.',
    sv: '{percent} av inkomsten över gränsen: ({income} − {limit}) × {percent} = {fee}.',
    en: '{percent} of the income above the limit: ({income} − {limit}) × {percent} = {fee}.',
  },
  fee_law: {
    fi: 'Laki varhaiskasvatuksen asiakasmaksuista 1503/2016, 1.8.2024 alkaen voimassa olevat määrät.',
    sv: 'Lagen om klientavgifter inom småbarnspedagogiken 1503/2016, belopp från 1.8.2024.',
    en: 'Act on Early Childhood Education Client Fees 1503/2016, figures from 1 August 2024.',
  },
  waiting_for: {
    fi: 'Odotetaan, että {names} päättää MyData-operaattorissaan.',
    sv: 'Vi väntar på att {names} beslutar hos sin MyData-operatör.',
    en: 'Waiting for {names} to decide at their MyData operator.',
  },
  reading: { fi: 'Luetaan tuloja Tulorekisteristä…', sv: 'Inkomsterna läses i Inkomstregistret …', en: 'Reading the incomes…' },
  decided: {
    fi: 'Maksu on päätetty tulojen perusteella.',
    sv: 'Avgiften är fastställd utifrån inkomsterna.',
    en: 'The fee is decided from the incomes.',
  },
  ended_withdrawn: {
    fi: '{names} perui suostumuksen {time} – enimmäismaksu on voimassa.',
    sv: '{names} återkallade samtycket den {time} – den högsta avgiften gäller.',
    en: '{names} withdrew consent on {time} — the maximum fee applies.',
  },
  ended_declined: {
    fi: '{names} kieltäytyi antamasta suostumusta {time} – enimmäismaksu on voimassa.',
    sv: '{names} avböjde samtycke den {time} – den högsta avgiften gäller.',
    en: '{names} declined consent on {time} — the maximum fee applies.',
  },
  ended_other: {
    fi: 'Suostumus ({names}) päättyi {time} – enimmäismaksu on voimassa.',
    sv: 'Samtycket ({names}) upphörde {time} – den högsta avgiften gäller.',
    en: "{names}'s consent ended on {time} — the maximum fee applies.",
  },
  ended_refused: {
    fi: 'Tulojen lukeminen ({names}) evättiin {time}, koska voimassa olevaa suostumusta ei ole – enimmäismaksu on voimassa.',
    sv: 'Läsningen av inkomsten ({names}) nekades {time} eftersom inget giltigt samtycke finns – den högsta avgiften gäller.',
    en: "Reading {names}'s income was refused on {time} because no consent is valid — the maximum fee applies.",
  },
  a_guardian: { fi: 'Huoltaja', sv: 'En vårdnadshavare', en: 'A guardian' },
  dropped_fee: {
    fi: 'Tuloista laskettu maksu {fee} ei ole enää voimassa, koska tuloja ei saa enää käyttää.',
    sv: 'Avgiften {fee} som beräknades utifrån inkomsterna gäller inte längre, eftersom inkomsterna inte längre får användas.',
    en: 'The fee of {fee} computed from your income no longer applies: we may no longer use the income.',
  },
  how_to_lower: {
    fi: 'Jos haluatte tuloihin perustuvan maksun, lähettäkää tulotositteet postitse tai suojatulla sähköpostilla asiakasmaksuyksikköön tai hakekaa uudelleen ja antakaa suostumus.',
    sv: 'Om ni vill ha en avgift enligt inkomsterna, skicka inkomstintygen per post eller skyddad e-post till klientavgiftsenheten, eller ansök på nytt och ge samtycke.',
    en: 'For a fee set by income, send the income proofs by post or secure e-mail to the Customer Fee Unit, or apply again and consent.',
  },
  reads_title: {
    fi: 'Tulotietojen haut',
    sv: 'Läsningar av inkomstuppgifter',
    en: 'Reads of income data',
  },
  reads_none: { fi: 'Ei lukuja vielä.', sv: 'Inga läsningar ännu.', en: 'No reads yet.' },
  read_ok: {
    fi: '{name}: vuositulot luettiin lähteestä {source} operaattorin {operator} kautta {time}',
    sv: '{name_s} årsinkomst lästes från {source} via {operator} den {time}',
    en: "{name}'s annual income read from the {source} via {operator} at {time}",
  },
  read_refused: {
    fi: '{name}: vuositulojen lukeminen lähteestä {source} operaattorin {operator} kautta evättiin {time}',
    sv: 'Läsningen av {name_s} årsinkomst från {source} via {operator} nekades den {time}',
    en: "Reading {name}'s annual income from the {source} via {operator} was refused at {time}",
  },
  incomes_register: { fi: 'Tulorekisteri', sv: 'Inkomstregistret', en: 'Incomes Register' },
  new_application: { fi: 'Uusi hakemus', sv: 'Ny ansökan', en: 'New application' },
  check_again: { fi: 'Tarkista uudelleen', sv: 'Kontrollera igen', en: 'Check again' },
  refreshes: {
    fi: 'Sivu päivittyy itsestään muutaman sekunnin välein.',
    sv: 'Sidan uppdateras av sig själv med några sekunders mellanrum.',
    en: 'This page updates itself every few seconds.',
  },
  error_not_found: { fi: 'Sivua ei löytynyt', sv: 'Sidan hittades inte', en: 'Page not found' },
  error_not_found_text: {
    fi: 'Osoitteessa ei ole sivua tai hakemusta. Tarkista osoite.',
    sv: 'Det finns ingen sida eller ansökan på adressen. Kontrollera adressen.',
    en: 'There is no page or application at this address. Check the address.',
  },
  error_bad_request: { fi: 'Tietoja ei voitu käsitellä', sv: 'Uppgifterna kunde inte behandlas', en: 'The form could not be used' },
  error_bad_request_text: {
    fi: 'Tarkista lomakkeen tiedot (henkilötunnukset ja perheen koko) ja yritä uudelleen.',
    sv: 'Kontrollera uppgifterna i formuläret (personbeteckningar och familjens storlek) och försök igen.',
    en: 'Check the form (the identity codes and the family size) and try again.',
  },
  error_server: { fi: 'Jokin meni vikaan', sv: 'Något gick fel', en: 'Something went wrong' },
  error_server_text: {
    fi: 'Palvelu ei juuri nyt pystynyt käsittelemään pyyntöä. Yritä hetken kuluttua uudelleen.',
    sv: 'Tjänsten kunde inte behandla begäran just nu. Försök igen om en stund.',
    en: 'The service could not handle the request just now. Try again in a moment.',
  },
  error_forbidden: { fi: 'Ei käyttöoikeutta', sv: 'Ingen behörighet', en: 'Not allowed' },
  error_forbidden_text: {
    fi: 'Kirjaudu kaupungin työntekijänä nähdäksesi sivun.',
    sv: 'Logga in som stadens anställd för att se sidan.',
    en: 'Sign in as a City employee to see this page.',
  },
  technical: { fi: 'Tekniset tiedot: {code}', sv: 'Tekniska uppgifter: {code}', en: 'Technical details: {code}' },
  go_home: { fi: 'Etusivulle', sv: 'Till startsidan', en: 'To the front page' },
  staff_title: { fi: 'Hakemukset (kaupungin työntekijä)', sv: 'Ansökningar (stadens anställd)', en: 'Applications (City employee)' },
  staff_sign_in: { fi: 'Kirjaudu työntekijänä', sv: 'Logga in som anställd', en: 'Sign in as a City employee' },
  staff_sign_in_note: {
    fi: 'Demossa ei ole henkilöstön tunnistautumista: syötä asetuksissa määritetty työntekijän tunnus (demo.fee_service.staff_token).',
    sv: 'Demon har ingen inloggning för personal: ange den personalnyckel som finns i konfigurationen (demo.fee_service.staff_token).',
    en: 'The demo has no staff sign-in: enter the staff token from the configuration (demo.fee_service.staff_token).',
  },
  staff_token: { fi: 'Työntekijän tunnus', sv: 'Personalnyckel', en: 'Staff token' },
  staff_wrong_token: { fi: 'Tunnus ei kelpaa.', sv: 'Nyckeln gäller inte.', en: 'That token is not valid.' },
  staff_disabled: {
    fi: 'Hakemuslista ei ole käytössä: asetuksista puuttuu demo.fee_service.staff_token.',
    sv: 'Ansökningslistan är inte aktiverad: demo.fee_service.staff_token saknas i konfigurationen.',
    en: 'The case list is not enabled: set demo.fee_service.staff_token in the configuration.',
  },
  sign_in: { fi: 'Kirjaudu', sv: 'Logga in', en: 'Sign in' },
  sign_out: { fi: 'Kirjaudu ulos', sv: 'Logga ut', en: 'Sign out' },
  filter: { fi: 'Näytä', sv: 'Visa', en: 'Show' },
  filter_all: { fi: 'Kaikki', sv: 'Alla', en: 'All' },
  apply_filter: { fi: 'Suodata', sv: 'Filtrera', en: 'Filter' },
  filed: { fi: 'Jätetty', sv: 'Inlämnad', en: 'Filed' },
  still_to_consent: { fi: 'Odottaa suostumusta', sv: 'Väntar på samtycke', en: 'Still to consent' },
  nobody: { fi: '–', sv: '–', en: '–' },
  open: { fi: 'Avaa', sv: 'Öppna', en: 'Open' },
} satisfies Record<string, Text>;

/** Counted strings, one form per CLDR plural category. */
export const FEE_PLURALS = {
  applications: {
    fi: { one: '{n} hakemus', other: '{n} hakemusta' },
    sv: { one: '{n} ansökan', other: '{n} ansökningar' },
    en: { one: '{n} application', other: '{n} applications' },
  },
} satisfies Record<string, Record<'fi' | 'sv' | 'en', PluralForms>>;

/** The case list's status words. */
export const CASE_STATUS_LABELS = {
  waiting_for_consents: { fi: 'Odottaa suostumuksia', sv: 'Väntar på samtycken', en: 'Waiting for consents' },
  consented: { fi: 'Suostumukset annettu', sv: 'Samtycken givna', en: 'Both consented' },
  fee_decided: { fi: 'Maksu päätetty', sv: 'Avgift fastställd', en: 'Fee decided' },
  consent_withdrawn: { fi: 'Suostumus peruttu', sv: 'Samtycke återkallat', en: 'Consent withdrawn' },
  consent_declined: { fi: 'Suostumuksesta kieltäydytty', sv: 'Samtycke avböjt', en: 'Consent declined' },
  consent_ended: { fi: 'Suostumus päättynyt', sv: 'Samtycket upphört', en: 'Consent ended' },
} satisfies Record<CaseStatus, Text>;

/** A consent record's status as the family reads it. */
export const CONSENT_STATUS_LABELS = {
  pending: { fi: 'Odottaa päätöstä', sv: 'Väntar på beslut', en: 'Waiting for a decision' },
  active: { fi: 'Voimassa', sv: 'Gäller', en: 'Given' },
  declined: { fi: 'Kieltäydytty', sv: 'Avböjt', en: 'Declined' },
  suspended: { fi: 'Keskeytetty', sv: 'Avbrutet', en: 'Suspended' },
  withdrawn: { fi: 'Peruttu', sv: 'Återkallat', en: 'Withdrawn' },
  expired: { fi: 'Vanhentunut', sv: 'Utgånget', en: 'Expired' },
  moved: { fi: 'Siirretty toiselle operaattorille', sv: 'Flyttat till en annan operatör', en: 'Moved to another operator' },
} satisfies Record<ConsentStatus, Text>;
