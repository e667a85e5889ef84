/**
 * Prints one fault case's figures as a JSON line (`{"fault": ..., ...figures}`), so a run of the suite shows
 * what each case measured: runs accepted, terminal, executed twice, recovery time.
 */
export function reportFigures(fault: string, figures: Record<string, number | string | boolean | null>): void {
  process.stdout.write(`${JSON.stringify({ fault, ...figures })}\n`);
}
