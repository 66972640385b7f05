/** Upstream auth `none`: the source is reached without credentials (e.g. on a private network). */
import { defineAuthType } from './credential.ts';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** No credentials. */
export const noneAuth = defineAuthType('none', {}, () => ({ headers: NO_HEADERS }), 'no credentials');
