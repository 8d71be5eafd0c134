import { normalizeAddress, normalizeAddressSet } from '../addresses.js';
import type { RecordType } from '../model.js';
import { canonicalSvcbValues, parseSvcbPresentation, SvcbError } from './svcb.js';

/**
 * The values of one RRset as the planner holds them: addresses normalised and sorted (A, AAAA),
 * HTTPS records in canonical presentation form, sorted. Undefined when a value is not valid for
 * the type, with no partial result.
 */
export function normalizeRecordValues(type: RecordType, values: readonly string[]): string[] | undefined {
  if (type === 'HTTPS') {
    try {
      return canonicalSvcbValues(values.map(parseSvcbPresentation));
    } catch (error) {
      if (error instanceof SvcbError) return undefined;
      throw error;
    }
  }
  if (values.some((value) => normalizeAddress(type, value) === undefined)) return undefined;
  return normalizeAddressSet(type, values);
}

/** One value of an RRset of `type`, normalised, or undefined when it is not valid. */
export function normalizeRecordValue(type: RecordType, value: string): string | undefined {
  return normalizeRecordValues(type, [value])?.[0];
}
