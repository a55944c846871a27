/** Human lines for a bundle's refs and counts. */
export function formatBundleSummary(x: { refs: Record<string, string>; prerequisites: string[]; objects: number; bytes: number }): string[] {
  return [
    ...Object.entries(x.refs).map(([ref, id]) => `${id} ${ref}`),
    `${x.objects} object(s), ${x.bytes} bytes`,
    ...(x.prerequisites.length ? [`needs: ${x.prerequisites.join(' ')}`] : []),
  ];
}
