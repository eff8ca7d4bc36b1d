/** The longest delay a Node timer takes; a longer one fires at once (with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: a Docker stop timeout may be years, and Node would turn it into 1 ms.
 * Answers a function that cancels it.
 */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS));
  };
  arm(Math.max(0, ms));
  return () => clearTimeout(timer);
}
