/** A flag value that does not parse; reads like pflag's error. */
export class FlagValueError extends Error {
  constructor(flag: string, problem: { value: string; reason: string }) {
    super(`invalid argument "${problem.value}" for "${flag}" flag: ${problem.reason}`);
    this.name = 'FlagValueError';
  }
}

/** Wrap a value parser so its failures name the flag as docker does ("-m, --memory"). */
export function flagParser<T>(flag: string, parse: (value: string, previous: T) => T): (value: string, previous: T) => T {
  return (value, previous) => {
    try {
      return parse(value, previous);
    } catch (err) {
      if (err instanceof FlagValueError) throw err;
      throw new FlagValueError(flag, { value, reason: (err as Error).message });
    }
  };
}
