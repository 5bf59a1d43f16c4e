/**
 * Region names checked against the AWS SDK's own partition metadata (the `partitions.json` its endpoint rules use),
 * so a misspelt `--regions` value is refused before a run starts instead of sealing a run of connection errors.
 * Loaded on first use: the metadata comes with the SDK's core package, which a command that never checks a region
 * does not need.
 */
export async function unknownRegions(names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { partition } = await import('@aws-sdk/core/client');
  // A region the partitions list by name carries its description; an unknown name only matches a partition's pattern.
  return names.filter((name) => (partition(name) as { description?: string }).description === undefined);
}

