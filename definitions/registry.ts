/**
 * The definitions a Waakvlam process knows: every version of every definition, validated before use. A trajectory
 * is started with one version and keeps it (it is pinned in the workflow's input); registering a new version never
 * changes a running trajectory.
 */
import { definitionFiles, formatProblems, loadDefinitionFile, SHIPPED_DEFINITIONS_DIR } from './load.js';
import type { Definition } from './schema.js';
import type { ValidateOptions } from './validate.js';

export class DefinitionRegistry {
  private readonly versions = new Map<string, Map<number, Definition>>();

  /** Adds a validated definition; a version registered twice must be identical. */
  register(definition: Definition): void {
    const byVersion = this.versions.get(definition.id) ?? new Map<number, Definition>();
    const existing = byVersion.get(definition.version);
    if (existing && JSON.stringify(existing) !== JSON.stringify(definition)) {
      throw new Error(`definition ${definition.id} version ${definition.version} is already registered with other content`);
    }
    byVersion.set(definition.version, definition);
    this.versions.set(definition.id, byVersion);
  }

  /** The given version, or the latest when none is given. */
  get(id: string, version?: number): Definition | undefined {
    const byVersion = this.versions.get(id);
    if (!byVersion) return undefined;
    if (version !== undefined) return byVersion.get(version);
    return byVersion.get(Math.max(...byVersion.keys()));
  }

  ids(): string[] {
    return [...this.versions.keys()].sort();
  }

  versionsOf(id: string): number[] {
    return [...(this.versions.get(id)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Loads every definition file in a folder; throws listing all problems of all files when any is invalid. */
  static fromDirectory(dir: string, opts: ValidateOptions): DefinitionRegistry {
    const registry = new DefinitionRegistry();
    const failures: string[] = [];
    for (const file of definitionFiles(dir)) {
      const result = loadDefinitionFile(file, opts);
      if (result.ok) registry.register(result.definition);
      else failures.push(formatProblems(file, result.problems));
    }
    if (failures.length) throw new Error(`invalid definitions:\n${failures.join('\n')}`);
    return registry;
  }

  /** The definitions shipped in `definitions/`. */
  static shipped(opts: ValidateOptions): DefinitionRegistry {
    return DefinitionRegistry.fromDirectory(SHIPPED_DEFINITIONS_DIR, opts);
  }
}
