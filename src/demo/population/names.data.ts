/**
 * Static word lists for the synthetic population: given names and surnames by language
 * group, and municipalities (Statistics Finland codes) with streets and postal codes.
 * Data only (the employers of the incomes register are in `registers/incomes.data.ts`).
 */

/** A language group's naming conventions. */
export interface NameGroup {
  /** ISO 639-1 mother tongue recorded for people of this group. */
  language: string;
  female: readonly string[];
  male: readonly string[];
  surnames: readonly string[];
  /** Feminine surname form (e.g. Russian -ov → -ova); identity when absent. */
  feminine?: (surname: string) => string;
}

const words = (s: string): readonly string[] => s.trim().split(/\s+/);

/** Finnish-speaking Finns: common given names across generations and the most common surnames. */
export const FINNISH: NameGroup = {
  language: 'fi',
  female: words(`
    Aino Aada Helmi Eevi Emma Sofia Olivia Lilja Venla Ella Enni Isla Pihla Siiri Kerttu Iida Elli Vilja Hilla
    Maria Anna Johanna Laura Anne Sari Tiina Päivi Minna Kirsi Hanna Katja Riikka Satu Heidi Jenni Elina Liisa
    Marjatta Helena Kaarina Tuula Ritva Pirjo Sirpa Eija Leena Anneli Marja Outi Noora Salla Milla Veera`),
  male: words(`
    Eino Väinö Leo Oliver Elias Onni Eelis Toivo Niilo Veeti Aatos Lenni Vilho Otto Juho Mikko Juha Timo Matti
    Kari Jari Antti Tuomas Ville Janne Petri Markku Mika Pekka Jukka Heikki Sami Teemu Lauri Joonas Aleksi Eetu
    Henri Olli Ilkka Hannu Seppo Tapani Johannes Kalle Arttu Aku Paavo Juhani Olavi`),
  surnames: words(`
    Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen Lehtinen
    Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen Tuominen Rantanen
    Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen Hiltunen Leinonen Hirvonen Miettinen Pitkänen
    Laaksonen Aaltonen Hakala Kallio Räsänen Kettunen Koivisto Manninen Ojala Väisänen Leppänen`),
};

/** Swedish-speaking Finns (finlandssvenskar). */
export const SWEDISH: NameGroup = {
  language: 'sv',
  female: words(`
    Ebba Elsa Linnea Alva Ellen Saga Wilma Stella Ingrid Karin Annika Camilla Johanna Maria Sofia Emilia
    Matilda Vera Ida Klara Frida Malin Anna Sara Ella Ester Maja Lovisa Agnes Astrid Elisabeth Cecilia
    Jessica Susanne Monica Christina Birgitta Helena Marina Nina`),
  male: words(`
    Anton Axel Elias Emil Filip Gustav Hugo Isak Jakob Johan Kasper Lucas Max Nils Oskar Rasmus Sebastian
    Theo Viktor William Henrik Mats Stefan Patrik Fredrik Mikael Anders Christian Kristian Erik Magnus
    Tomas Peter Jonas Joakim Robert Daniel Lars Mattias Alexander`),
  surnames: words(`
    Lindqvist Lindholm Nyman Lindström Holmberg Lindroos Sundström Karlsson Johansson Andersson Eriksson
    Forsman Björklund Grönroos Nordström Blomqvist Lundqvist Ekholm Wikström Strömberg Sjöblom Holmström
    Öhman Westerlund Lindberg Nyberg Fagerström Sandberg Åberg Engström Lindfors Rosenqvist Sjöberg
    Backman Granholm Sandell Lönnqvist Mattsson Wiklund Österberg`),
};

/** Other mother tongues, in rough order of size in Finland, with relative weights. */
export const OTHER_GROUPS: readonly { weight: number; group: NameGroup }[] = [
  {
    weight: 30,
    group: {
      language: 'ru',
      female: words('Olga Natalia Anastasia Tatiana Svetlana Jelena Irina Darja'),
      male: words('Dmitri Aleksei Sergei Ivan Nikolai Andrei Mihail Pavel'),
      surnames: words('Ivanov Smirnov Kuznetsov Popov Volkov Sokolov Morozov Lebedev'),
      feminine: (s) => `${s}a`,
    },
  },
  {
    weight: 18,
    group: {
      language: 'et',
      female: words('Kadri Triin Liis Kristiina Mari Pille Kertu Maarja'),
      male: words('Andres Margus Tanel Rein Priit Jaan Mart Siim'),
      surnames: words('Tamm Saar Sepp Mägi Kask Kukk Rebane Ilves'),
    },
  },
  {
    weight: 15,
    group: {
      language: 'ar',
      female: words('Fatima Maryam Layla Noor Zainab Amira Hiba Rana'),
      male: words('Ahmed Omar Yusuf Karim Hassan Ali Mustafa Khalid'),
      surnames: words('Al-Hassan Haddad Saleh Abbas Mansour Khalil Hamid Jaber'),
    },
  },
  {
    weight: 15,
    group: {
      language: 'uk',
      female: words('Olena Kateryna Iryna Oksana Tetiana Yuliia Sofiia Anastasiia'),
      male: words('Oleksandr Andrii Dmytro Serhii Yurii Taras Bohdan Maksym'),
      surnames: words('Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Melnyk Boiko Savchenko'),
    },
  },
  {
    weight: 12,
    group: {
      language: 'en',
      female: words('Emily Sarah Jessica Rachel Hannah Charlotte Grace Megan'),
      male: words('James Daniel Thomas Michael David Benjamin Samuel Joshua'),
      surnames: words('Smith Brown Wilson Taylor Jones Evans Walker Hughes'),
    },
  },
  {
    weight: 10,
    group: {
      language: 'so',
      female: words('Hodan Ayan Fadumo Hibaq Sahra Ifrah Hamdi Deeqa'),
      male: words('Abdirahman Mohamed Abdullahi Ismail Mahad Liban Abdi Guled'),
      surnames: words('Warsame Farah Jama Osman Hirsi Aden Egal Dirie'),
    },
  },
];

/** One municipality: Statistics Finland code, post office name, relative population, language shares. */
export interface MunicipalityInfo {
  code: string;
  name: string;
  postOffice: string;
  /** Relative population (thousands of residents, rounded). */
  weight: number;
  /** Share of Swedish speakers and of other mother tongues among residents, in percent. */
  svPercent: number;
  otherPercent: number;
  /** Streets and their postal codes. */
  streets: readonly (readonly [street: string, postalCode: string])[];
}

/** The twelve municipalities the synthetic population lives in. */
export const MUNICIPALITIES: readonly MunicipalityInfo[] = [
  {
    code: '091',
    name: 'Helsinki',
    postOffice: 'HELSINKI',
    weight: 680,
    svPercent: 5.5,
    otherPercent: 11,
    streets: [
      ['Mannerheimintie', '00100'],
      ['Fredrikinkatu', '00120'],
      ['Runeberginkatu', '00260'],
      ['Kolmas linja', '00530'],
      ['Hämeentie', '00530'],
      ['Mäkelänkatu', '00550'],
      ['Koskelantie', '00610'],
      ['Malmin kauppatie', '00700'],
      ['Siilitie', '00800'],
      ['Kauppakartanonkatu', '00930'],
      ['Kallvikintie', '00980'],
      ['Pihlajatie', '00270'],
    ],
  },
  {
    code: '049',
    name: 'Espoo',
    postOffice: 'ESPOO',
    weight: 310,
    svPercent: 6.5,
    otherPercent: 12,
    streets: [
      ['Leppävaarankatu', '02600'],
      ['Merituulentie', '02200'],
      ['Kuitinmäentie', '02210'],
      ['Matinkatu', '02230'],
      ['Espoonkatu', '02770'],
      ['Tapionaukio', '02100'],
      ['Soukankaari', '02360'],
      ['Kauklahdenväylä', '02780'],
    ],
  },
  {
    code: '837',
    name: 'Tampere',
    postOffice: 'TAMPERE',
    weight: 260,
    svPercent: 0.5,
    otherPercent: 6,
    streets: [
      ['Hämeenkatu', '33100'],
      ['Satakunnankatu', '33210'],
      ['Pyynikintie', '33230'],
      ['Itsenäisyydenkatu', '33500'],
      ['Sammonkatu', '33540'],
      ['Insinöörinkatu', '33720'],
    ],
  },
  {
    code: '092',
    name: 'Vantaa',
    postOffice: 'VANTAA',
    weight: 250,
    svPercent: 2,
    otherPercent: 14,
    streets: [
      ['Tikkurilantie', '01300'],
      ['Peltolantie', '01300'],
      ['Hakunilantie', '01200'],
      ['Korsontie', '01450'],
      ['Myyrmäenraitti', '01600'],
      ['Martinlaaksontie', '01620'],
    ],
  },
  {
    code: '564',
    name: 'Oulu',
    postOffice: 'OULU',
    weight: 215,
    svPercent: 0.2,
    otherPercent: 3,
    streets: [
      ['Kirkkokatu', '90100'],
      ['Isokatu', '90100'],
      ['Kajaanintie', '90220'],
      ['Yliopistokatu', '90570'],
    ],
  },
  {
    code: '853',
    name: 'Turku',
    postOffice: 'TURKU',
    weight: 205,
    svPercent: 5,
    otherPercent: 8,
    streets: [
      ['Aurakatu', '20100'],
      ['Humalistonkatu', '20100'],
      ['Hämeenkatu', '20500'],
      ['Uudenmaankatu', '20500'],
      ['Lemminkäisenkatu', '20520'],
      ['Itäinen Pitkäkatu', '20700'],
    ],
  },
  {
    code: '179',
    name: 'Jyväskylä',
    postOffice: 'JYVÄSKYLÄ',
    weight: 148,
    svPercent: 0.2,
    otherPercent: 4,
    streets: [
      ['Kauppakatu', '40100'],
      ['Kilpisenkatu', '40100'],
      ['Keskussairaalantie', '40600'],
    ],
  },
  {
    code: '297',
    name: 'Kuopio',
    postOffice: 'KUOPIO',
    weight: 125,
    svPercent: 0.2,
    otherPercent: 3,
    streets: [
      ['Puijonkatu', '70100'],
      ['Kauppakatu', '70100'],
      ['Neulamäentie', '70820'],
    ],
  },
  {
    code: '398',
    name: 'Lahti',
    postOffice: 'LAHTI',
    weight: 121,
    svPercent: 0.3,
    otherPercent: 6,
    streets: [
      ['Aleksanterinkatu', '15110'],
      ['Vesijärvenkatu', '15140'],
    ],
  },
  {
    code: '905',
    name: 'Vaasa',
    postOffice: 'VAASA',
    weight: 68,
    svPercent: 22,
    otherPercent: 7,
    streets: [
      ['Hovioikeudenpuistikko', '65100'],
      ['Kauppapuistikko', '65100'],
      ['Gerbyntie', '65230'],
    ],
  },
  {
    code: '638',
    name: 'Porvoo',
    postOffice: 'PORVOO',
    weight: 51,
    svPercent: 28,
    otherPercent: 5,
    streets: [
      ['Aleksanterinkatu', '06100'],
      ['Piispankatu', '06100'],
      ['Mannerheiminkatu', '06100'],
    ],
  },
  {
    code: '257',
    name: 'Kirkkonummi',
    postOffice: 'KIRKKONUMMI',
    weight: 41,
    svPercent: 15,
    otherPercent: 6,
    streets: [
      ['Gesterbyntie', '02400'],
      ['Kirkkotori', '02400'],
      ['Masalantie', '02430'],
    ],
  },
];
