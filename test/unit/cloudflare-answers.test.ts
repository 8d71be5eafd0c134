import { describe, expect, it } from 'vitest';
import { listingEnvelopeProblem } from '../../providers/cloudflare/envelope.js';
import type { Operation } from '../../providers/cloudflare/operations.js';
import { batchAnswerProblem, recordAnswerProblem } from '../../providers/cloudflare/write-confirm.js';

/** What counts as Cloudflare's answer: the v4 envelope for listings, the records sent for writes. */

const INFO = { page: 1, per_page: 100, count: 0, total_count: 0, total_pages: 0 };
const ID = (n: number) => n.toString(16).padStart(32, '0');

describe('listingEnvelopeProblem', () => {
  it('accepts the v4 envelope, an empty page included', () => {
    expect(listingEnvelopeProblem({ success: true, errors: [], messages: [], result: [], result_info: INFO })).toBeUndefined();
    expect(listingEnvelopeProblem({ success: true, result: [{ id: ID(1), name: 'example.com' }], result_info: { ...INFO, count: 1 } })).toBeUndefined();
  });

  it.each([
    ['an HTML page (the SDK hands over a string)', '<html><body>502</body></html>', 'the body is not JSON'],
    ['an empty body', '', 'the body is not JSON'],
    ['no body at all', undefined, 'the body is not a JSON object'],
    ['JSON null', null, 'the body is not a JSON object'],
    ['a JSON list', [], 'the body is not a JSON object'],
    ['success false', { success: false, result: [], result_info: INFO }, '"success" is not true'],
    ['success as a string', { success: 'true', result: [], result_info: INFO }, '"success" is not true'],
    ['no result', { success: true, result_info: INFO }, '"result" is not an array'],
    ['result null', { success: true, result: null, result_info: INFO }, '"result" is not an array'],
    ['result holding a string', { success: true, result: ['x'], result_info: INFO }, '"result" holds something that is not an object'],
    ['no result_info', { success: true, result: [] }, '"result_info" is missing'],
  ])('refuses %s', (_what, body, problem) => {
    expect(listingEnvelopeProblem(body)).toBe(problem);
  });
});

describe('batchAnswerProblem', () => {
  const sent = { deletes: [ID(1)], patches: [ID(2), ID(3)], posts: 1 };
  const record = (id: string) => ({ id, name: 'example.com', type: 'A', content: '192.0.2.1' });

  it('accepts one record per operation sent, with the ids sent, in any order; lists with nothing sent may be absent, null or empty', () => {
    expect(batchAnswerProblem({ deletes: [{ id: ID(1) }], patches: [record(ID(3)), record(ID(2))], puts: [], posts: [record(ID(9))] }, sent)).toBeUndefined();
    expect(batchAnswerProblem({ posts: [record(ID(9))], patches: null }, { deletes: [], patches: [], posts: 1 })).toBeUndefined();
  });

  it.each([
    ['nothing (the SDK unwrapping an HTML page)', undefined, 'the answer holds no batch result (nothing)'],
    ['a string', '<html>', 'the answer holds no batch result (a string)'],
    ['null', null, 'the answer holds no batch result (null)'],
    ['a missing list', { deletes: [{ id: ID(1) }], posts: [record(ID(9))] }, '"patches" is not a list in the answer'],
    ['too few records', { deletes: [{ id: ID(1) }], patches: [record(ID(2))], posts: [record(ID(9))] }, '"patches" lists 1 records for 2 sent'],
    [
      'records nobody sent',
      { deletes: [{ id: ID(1) }], patches: [record(ID(2)), record(ID(3))], puts: [record(ID(4))], posts: [record(ID(9))] },
      '"puts" lists 1 records for 0 sent',
    ],
    ['a record without an id', { deletes: [{ id: ID(1) }], patches: [record(ID(2)), record(ID(3))], posts: [{ name: 'example.com' }] }, '"posts" holds a record without an id'],
    ['an empty id', { deletes: [{ id: '' }], patches: [record(ID(2)), record(ID(3))], posts: [record(ID(9))] }, '"deletes" holds a record without an id'],
    [
      'another record patched',
      { deletes: [{ id: ID(1) }], patches: [record(ID(2)), record(ID(7))], posts: [record(ID(9))] },
      `"patches" does not list the record ${ID(3)} that was sent`,
    ],
    [
      'another record deleted',
      { deletes: [{ id: ID(8) }], patches: [record(ID(2)), record(ID(3))], posts: [record(ID(9))] },
      `"deletes" does not list the record ${ID(1)} that was sent`,
    ],
  ])('refuses %s', (_what, result, problem) => {
    expect(batchAnswerProblem(result, sent)).toBe(problem);
  });
});

describe('recordAnswerProblem', () => {
  const patch: Operation = { kind: 'patch', name: 'example.com', family: 'A', id: ID(2), content: '192.0.2.1', ttl: 300 };
  const post: Operation = { kind: 'post', name: 'example.com', family: 'A', content: '192.0.2.1', ttl: 300, proxied: false, tags: [], comment: '' };
  const remove: Operation = { kind: 'delete', name: 'example.com', family: 'A', id: ID(3) };

  it('accepts the record (PATCH, POST) or {id} (DELETE) answered', () => {
    expect(recordAnswerProblem(patch, { id: ID(2), content: '192.0.2.1' })).toBeUndefined();
    expect(recordAnswerProblem(post, { id: ID(9), content: '192.0.2.1' })).toBeUndefined();
    expect(recordAnswerProblem(remove, { id: ID(3) })).toBeUndefined();
  });

  it('refuses an answer without a record id, or about another record', () => {
    expect(recordAnswerProblem(post, undefined)).toBe('the answer holds no record id (nothing)');
    expect(recordAnswerProblem(post, '<html>')).toBe('the answer holds no record id (a string)');
    expect(recordAnswerProblem(patch, { content: '192.0.2.1' })).toBe('the answer holds no record id (an object)');
    expect(recordAnswerProblem(remove, [{ id: ID(3) }])).toBe('the answer holds no record id (a list)');
    expect(recordAnswerProblem(patch, { id: ID(5) })).toBe(`the answer is about record ${ID(5)}, not ${ID(2)}`);
    expect(recordAnswerProblem(remove, { id: ID(5) })).toBe(`the answer is about record ${ID(5)}, not ${ID(3)}`);
  });
});
