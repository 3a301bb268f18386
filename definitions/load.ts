/**
 * Reading definitions from YAML or JSON text and files, with problems located by line and column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Definition } from './schema.js';
import { validateDefinition, type Problem, type ValidateOptions } from './validate.js';

/** A problem with where it is in the file (1-based line and column), when that can be told. */
export interface LocatedProblem extends Problem {
  line?: number;
  column?: number;
}

export type LoadResult = { ok: true; definition: Definition } | { ok: false; problems: LocatedProblem[] };

/** Folder of the definitions shipped with the engine. */
export const SHIPPED_DEFINITIONS_DIR = fileURLToPath(new URL('.', import.meta.url));

function locate(doc: Document, counter: LineCounter, path: string): { line?: number; column?: number } {
  const keys = path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Walk down as far as the path exists; report the deepest node found.
  let node: unknown = doc.contents;
  let range: [number, number, number] | undefined = (doc.contents as { range?: [number, number, number] } | null)?.range;
  for (const key of keys) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === key);
      if (!pair) break;
      node = pair.value;
      range = ((pair.value as { range?: [number, number, number] } | null)?.range ?? (pair.key as { range?: [number, number, number] }).range);
    } else if (isSeq(node)) {
      const item = node.items[Number(key)];
      if (item === undefined) break;
      node = item;
      range = (item as { range?: [number, number, number] }).range;
    } else break;
  }
  if (!range) return {};
  const pos = counter.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function loadDefinitionText(text: string, opts: ValidateOptions): LoadResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = counter.linePos(e.pos[0]);
        return { path: '', message: `not valid YAML/JSON: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
    };
  }
  const result = validateDefinition(doc.toJS(), opts);
  if (result.ok) return { ok: true, definition: result.definition };
  return { ok: false, problems: result.problems.map((p) => ({ ...p, ...locate(doc, counter, p.path) })) };
}

export function loadDefinitionFile(file: string, opts: ValidateOptions): LoadResult {
  return loadDefinitionText(readFileSync(file, 'utf8'), opts);
}

/** Formats problems one per line: `file:line:column path: message (did you mean "x"?)`. */
export function formatProblems(file: string, problems: LocatedProblem[]): string {
  return problems
    .map((p) => {
      const where = p.line !== undefined ? `${file}:${p.line}:${p.column}` : file;
      return `${where} ${p.path || '/'}: ${p.message}${p.suggestion ? ` (did you mean "${p.suggestion}"?)` : ''}`;
    })
    .join('\n');
}

/** Definition files in a folder (`*.yaml`, `*.yml`, `*.json`). */
export function definitionFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f)))
    .sort()
    .map((f) => join(dir, f));
}
