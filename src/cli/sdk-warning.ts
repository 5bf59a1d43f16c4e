/**
 * The AWS SDK warns on every Node 20 start that its 2027 releases need Node 22. Our production image runs Node 24
 * and the README says so, so that one notice is not repeated on every command (or benchmark); every other warning
 * still goes through.
 */
export function silenceSdkNodeVersionWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : `${warning.name} ${warning.message}`;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (/NodeVersionSupportWarning/.test(`${text} ${type ?? ''}`)) return;
    (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
