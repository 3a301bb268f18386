/**
 * Compile-time checks that two types have the same shape: the API's zod schemas against the types the engine and the
 * workflow build their answers with. A check is a type alias that does not compile when the shapes differ, and the
 * error names the difference:
 *
 * ```ts
 * type _ = Checked<SameShape<z.output<typeof TrajectoryState>, ApiTrajectory>>;
 * // Type '[never, "closeReason?"]' does not satisfy the constraint '[never, never]'
 * ```
 *
 * Mutual assignability alone misses optional keys (an object without `closeReason?` is assignable both ways), so the
 * key paths are compared too, with `?` on every optional key.
 */

/** Every key path of `T`, `.`-separated, `[]` for array elements and `?` after an optional key: `openSteps[].paused?.since`. */
export type KeyPaths<T, Prefix extends string = ''> = T extends readonly (infer E)[]
  ? KeyPaths<E, `${Prefix}[]`>
  : T extends object
    ? {
        [K in keyof T & string]-?: `${Prefix}${Prefix extends '' ? '' : '.'}${K}${Pick<T, K> extends Required<Pick<T, K>> ? '' : '?'}` extends infer Path extends string
          ? Path | KeyPaths<NonNullable<T[K]>, Path>
          : never;
      }[keyof T & string]
    : never;

/** The key paths only the first type has, and those only the second has: `[never, never]` when the shapes agree. */
export type ShapeDifference<A, B> = [Exclude<KeyPaths<A>, KeyPaths<B>>, Exclude<KeyPaths<B>, KeyPaths<A>>];

/**
 * The shape difference of `A` and `B`, which must be assignable to each other (else the compiler says which property's
 * type differs; `Self` is `A`, a way to say "B extends A" that the compiler accepts). Wrap it in {@link Checked}.
 */
export type SameShape<A extends B, B extends Self, Self = A> = ShapeDifference<A, B>;

/** Compiles only when the difference is none: else the error shows the key paths only one side has. */
export type Checked<Difference extends [never, never]> = Difference;
