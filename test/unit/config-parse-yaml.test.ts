import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfigYaml, parseSliced, parseWhole, splitRecords } from '../../src/config/parse-yaml.js';

/**
 * The records list is parsed in slices (a 10 000-record file's syntax tree held ~50 MB whole).
 * Sliced or not, the value and every error must be those of one parse of the whole file.
 */

const head = `resolver: { servers: ["127.0.0.1:5300"] }
providers:
  files: { type: zonefile, file: a.zone }
`;

/** Files whose layout can be sliced: each must give exactly the whole parse's value. */
const sliceable: Record<string, string> = {
  'flow items': `${head}records:\n  - { name: a.example.com, target: t1.example.net }\n  - { name: b.example.com, target: t2.example.net, families: [A] }\n  - { name: c.example.com, target: t3.example.net, ttl: { min: 60, max: 600 } }\n`,
  'block items with nested lists and maps': `${head}records:
  - name: a.example.com
    target: t1.example.net
    families:
      - A
      - AAAA
    ttl:
      min: 60
      max: 600
  - name: b.example.com
    target: "t2.example.net"
  -
    name: c.example.com
    target: 't3.example.net'
`,
  'items at column 0, keys after the list': `providers:\n  files: { type: zonefile, file: a.zone }\nrecords:\n- { name: a.example.com, target: t1.example.net }\n- name: b.example.com\n  target: t2.example.net\nschedule: "*/2 * * * *"\ninterval: { min: 1m, max: 5m }\n`,
  'comments, blank lines and a leading document start': `---\n# apexsync\n${head}records: # the managed names\n\n  # first\n  - { name: a.example.com, target: t1.example.net } # trailing\n\n# a comment at column 0 between items\n  - { name: b.example.com,\n      target: t2.example.net }\n\n  - name: c.example.com\n    # inside an item\n    target: t3.example.net\n\nserver: { listen: "127.0.0.1:9797" }\n`,
  'records first, block scalars and strings that look like items': `records:
  - name: a.example.com
    target: t1.example.net
    note: |
      - not an item
      # not a comment
    other: "  - quoted, not an item"
  - name: b.example.com
    target: >-
      folded
      - still folded
${head}`,
};

/** Files that must not be sliced, or whose slices must be refused: the whole parse decides. */
const notSliceable: Record<string, string> = {
  'an alias into the records': `defaults: &d { provider: files }\n${head}records:\n  - { name: a.example.com, target: t1.example.net }\n  - *d\n`,
  'a tag': `${head}records:\n  - { name: !!str a.example.com, target: t1.example.net }\n  - { name: b.example.com, target: t1.example.net }\n`,
  'two documents': `${head}records:\n  - { name: a.example.com, target: t1.example.net }\n---\nrecords: []\n`,
  'a directive': `%YAML 1.2\n---\n${head}records:\n  - { name: a.example.com, target: t1.example.net }\n`,
  'an inline list': `${head}records: [{ name: a.example.com, target: t1.example.net }]\n`,
  'records twice': `${head}records:\n  - { name: a.example.com, target: t1.example.net }\nrecords:\n  - { name: b.example.com, target: t1.example.net }\n`,
  'tabs': `${head}records:\n  - { name: a.example.com,\ttarget: t1.example.net }\n`,
  'CRLF line ends': `${head}records:\r\n  - { name: a.example.com, target: t1.example.net }\r\n`,
  'an item line at a lower indentation': `${head}records:\n    - { name: a.example.com, target: t1.example.net }\n  - { name: b.example.com, target: t1.example.net }\n`,
  "a key at the items' indentation": `${head}records:\n  - { name: a.example.com, target: t1.example.net }\n  schedule: "* * * * *"\n  - { name: b.example.com, target: t1.example.net }\n`,
  'a quoted scalar across an item boundary': `${head}records:\n  - name: "a.example.com\n  - b"\n    target: t1.example.net\n  - { name: c.example.com, target: t1.example.net }\n`,
  'a flow list across an item boundary': `${head}records:\n  - families: [A,\n  - AAAA]\n    name: a.example.com\n  - { name: c.example.com, target: t1.example.net }\n`,
  '"records:" inside a quoted scalar of the head': `note: "x\nrecords:\n  - { name: a.example.com, target: t1.example.net }\nz"\n${head}`,
  'a duplicate key inside an item': `${head}records:\n  - { name: a.example.com, name: b.example.com, target: t1.example.net }\n  - { name: c.example.com, target: t1.example.net }\n`,
  'a syntax error in the head': `${head}  bad: [\nrecords:\n  - { name: a.example.com, target: t1.example.net }\n`,
  'an empty list': `${head}records:\nschedule: "* * * * *"\n`,
};

function outcome(parse: () => unknown): unknown {
  try {
    return { value: parse() };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
}

describe('config YAML: the records list parsed in slices', () => {
  for (const [name, text] of Object.entries(sliceable)) {
    it(`slices ${name} and gets the whole parse's value, at every slice size`, () => {
      const whole = parseWhole('c.yaml', text);
      for (const perSlice of [1, 2, 3, 200]) {
        const layout = splitRecords(text, perSlice);
        expect(layout, `layout at ${perSlice} per slice`).toBeDefined();
        const items = (whole as { records: unknown[] }).records.length;
        expect(layout!.slices).toHaveLength(Math.ceil(items / perSlice));
        // The sliced parse itself succeeds (no silent fall-back to one parse) and agrees.
        expect(parseSliced(layout!)).toEqual(whole);
        expect(parseConfigYaml('c.yaml', text, perSlice)).toEqual(whole);
      }
    });
  }

  for (const [name, text] of Object.entries(notSliceable)) {
    it(`does not slice ${name}: value or errors are the whole parse's`, () => {
      for (const perSlice of [1, 200]) {
        const layout = splitRecords(text, perSlice);
        if (layout !== undefined) expect(parseSliced(layout), `sliced parse at ${perSlice} per slice`).toBeUndefined();
        expect(outcome(() => parseConfigYaml('c.yaml', text, perSlice))).toEqual(outcome(() => parseWhole('c.yaml', text)));
      }
    });
  }

  it('keeps 10 000 records in order, in 200 slices of 50', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `  - { name: d${i}.example.com, target: t${i}.example.net }`);
    const text = `${head}records:\n${lines.join('\n')}\nschedule: "*/5 * * * *"\n`;
    expect(splitRecords(text, 50)?.slices).toHaveLength(200);
    const value = parseConfigYaml('c.yaml', text) as { records: Array<{ name: string }>; schedule: string };
    expect(value.records).toHaveLength(10_000);
    expect(value.records[0]).toEqual({ name: 'd0.example.com', target: 't0.example.net' });
    expect(value.records[9_999]!.name).toBe('d9999.example.com');
    expect(value.schedule).toBe('*/5 * * * *');
    expect(value).toEqual(parseWhole('c.yaml', text));
  });

  it('reports an error inside a slice with the line and column of the whole file', () => {
    const text = `${head}records:\n  - { name: a.example.com, target: t1.example.net }\n  - { name: b.example.com target: t1.example.net\n  - { name: c.example.com, target: t1.example.net }\n`;
    const problems = (outcome(() => parseConfigYaml('c.yaml', text, 1)) as { problems: string[] }).problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^c\.yaml:6:\d+: /);
    expect(problems).toEqual((outcome(() => parseWhole('c.yaml', text)) as { problems: string[] }).problems);
  });

  it('says an empty file is empty', () => {
    expect(outcome(() => parseConfigYaml('c.yaml', '# nothing\n'))).toEqual({ problems: ['c.yaml: the config file is empty'] });
  });
});
