/**
 * The fixed part of the synthetic population: the demo residents every demo and test
 * relies on (two families in Helsinki and Espoo), and the age bands adults are drawn
 * from. Data only; `population.ts` generates everyone else around them.
 */
import type { Family, Person } from './population.ts';

const HELSINKI = { code: '091', name: 'Helsinki' };
const ESPOO = { code: '049', name: 'Espoo' };
const VIRTANEN_HOME = { street_address: 'Kolmas linja 12 B 7', postal_code: '00530', post_office: 'HELSINKI' };
const LINDQVIST_HOME = { street_address: 'Merituulentie 5 A 3', postal_code: '02200', post_office: 'ESPOO' };

/** The demo residents, by key: Aino and Mikko Virtanen with Eelis, Sara Lindqvist with Ella. */
export const DEMO_PEOPLE = {
  aino: {
    personal_identity_code: '140388-9028',
    given_names: 'Aino Maria',
    calling_name: 'Aino',
    family_name: 'Virtanen',
    birth_date: '1988-03-14',
    sex: 'female',
    mother_tongue: 'fi',
    municipality: HELSINKI,
    address: VIRTANEN_HOME,
  },
  mikko: {
    personal_identity_code: '220986-903S',
    given_names: 'Mikko Juhani',
    calling_name: 'Mikko',
    family_name: 'Virtanen',
    birth_date: '1986-09-22',
    sex: 'male',
    mother_tongue: 'fi',
    municipality: HELSINKI,
    address: VIRTANEN_HOME,
  },
  eelis: {
    personal_identity_code: '110522A9050',
    given_names: 'Eelis Onni',
    calling_name: 'Eelis',
    family_name: 'Virtanen',
    birth_date: '2022-05-11',
    sex: 'male',
    mother_tongue: 'fi',
    municipality: HELSINKI,
    address: VIRTANEN_HOME,
  },
  sara: {
    personal_identity_code: '300790-904C',
    given_names: 'Sara Elisabeth',
    calling_name: 'Sara',
    family_name: 'Lindqvist',
    birth_date: '1990-07-30',
    sex: 'female',
    mother_tongue: 'sv',
    municipality: ESPOO,
    address: LINDQVIST_HOME,
  },
  ella: {
    personal_identity_code: '080223A906X',
    given_names: 'Ella Linnea',
    calling_name: 'Ella',
    family_name: 'Lindqvist',
    birth_date: '2023-02-08',
    sex: 'female',
    mother_tongue: 'sv',
    municipality: ESPOO,
    address: LINDQVIST_HOME,
  },
} satisfies Record<string, Person>;

/** The demo residents' families: the Virtanens with two guardians, the Lindqvists with one. */
export const DEMO_FAMILIES: Family[] = [
  {
    id: 'family-00001',
    guardians: [
      { personal_identity_code: DEMO_PEOPLE.aino.personal_identity_code, relationship: 'mother' },
      { personal_identity_code: DEMO_PEOPLE.mikko.personal_identity_code, relationship: 'father' },
    ],
    children: [DEMO_PEOPLE.eelis.personal_identity_code],
  },
  {
    id: 'family-00002',
    guardians: [{ personal_identity_code: DEMO_PEOPLE.sara.personal_identity_code, relationship: 'mother' }],
    children: [DEMO_PEOPLE.ella.personal_identity_code],
  },
];

/** Age bands (inclusive) with weights, by kind of adult. */
export const AGE_BANDS: Record<'parent' | 'older' | 'single', readonly (readonly [number, number, number])[]> = {
  parent: [
    [25, 29, 3],
    [30, 34, 5],
    [35, 39, 6],
    [40, 44, 5],
    [45, 50, 3],
  ],
  older: [
    [51, 64, 5],
    [65, 74, 5],
    [75, 88, 2],
  ],
  single: [
    [18, 24, 12],
    [25, 34, 11],
    [35, 44, 8],
    [45, 54, 10],
    [55, 64, 11],
    [65, 74, 11],
    [75, 84, 9],
    [85, 97, 4],
  ],
};
