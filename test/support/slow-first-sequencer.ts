import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The reliability parts take 10–80 s each, most other files a few seconds. Started first, the
 * long ones overlap everything else; started last (a fresh checkout has no timings cached, and
 * vitest then orders by file size), they would run alone at the end.
 */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const slow = (file: TestSpecification): boolean => file.moduleId.includes('/test/reliability/');
    return [...sorted.filter(slow), ...sorted.filter((file) => !slow(file))];
  }
}
