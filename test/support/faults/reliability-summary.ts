import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { summaryLines, type PartFigures } from './reliability-figures.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each reliability part writes its figures and outputs for this run. */
    reliabilityRunDir: string;
  }
}

/**
 * Global setup of the test run: the reliability parts run as separate files in parallel worker
 * processes, so their books meet here. Setup makes the run's directory and hands it to every
 * worker; teardown, after the last file, prints the one summary line (and every failed fault
 * check) over the parts that ran. A run without reliability parts leaves nothing behind.
 */
export default function setup(project: TestProject): () => void {
  const dir = path.join(os.tmpdir(), `apexsync-reliability-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  project.provide('reliabilityRunDir', dir);
  return () => {
    const files = readdirSync(dir).filter((name) => name.endsWith('.figures.json'));
    if (files.length === 0) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    const figures = files.sort().map((name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as PartFigures);
    const parts = figures.map((f) => f.part).join(', ');
    console.log(`\n${summaryLines(figures).join('\n')}\n(${figures.length} parts: ${parts}; figures and every captured output: ${dir})`);
  };
}
