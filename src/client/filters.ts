/** Engine API filters: `{"status": {"running": true}}`, the map form every API version accepts. */
export type Filters = Record<string, Record<string, boolean>>;

/** The `filters` query value, or undefined when there is nothing to filter on. */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (!filters || Object.keys(filters).length === 0) return undefined;
  return JSON.stringify(filters);
}

/** Add `key=value` to a filter set (the docker CLI's `--filter` semantics). */
export function addFilter(filters: Filters, key: string, value: string): Filters {
  const values = filters[key] ?? {};
  values[value] = true;
  filters[key] = values;
  return filters;
}
