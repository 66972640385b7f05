/** Upstream auth `bearer`: a static bearer token of the gateway at the source. */
import { Type } from 'typebox';
import { defineAuthType } from './credential.ts';

/** `Authorization: Bearer <token>` on every request. */
export const bearerAuth = defineAuthType(
  'bearer',
  { token: Type.String({ minLength: 1 }) },
  (auth) => ({ headers: { authorization: `Bearer ${auth.token}` } }),
  'a static bearer token',
);
