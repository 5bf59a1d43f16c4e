import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set size, bytes. On Linux it is VmHWM, the high-water mark of this process's own
 * memory since it started. `process.resourceUsage().maxRSS` is not: the kernel carries it across fork and exec, so a
 * child started by a large parent reports at least the parent's size at the fork. Elsewhere, maxRSS is what there is.
 */
export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // No procfs: fall back below.
  }
  return process.resourceUsage().maxRSS * 1024;
}
