/** Upstream auth `header`: one named header with a fixed value (an API key). */
import { Type } from 'typebox';
import { defineAuthType } from './credential.ts';

/** `<name>: <value>` on every request. */
export const headerAuth = defineAuthType(
  'header',
  { name: Type.String({ pattern: '^[A-Za-z0-9-]+$' }), value: Type.String() },
  (auth) => ({ headers: { [auth.name.toLowerCase()]: auth.value } }),
  'one header with a fixed value, e.g. an API key',
);
