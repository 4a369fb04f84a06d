/**
 * A YAML pipeline with a known number of mistakes, for the diagnostics row of the compiler bench: each
 * job makes four (a bad timeout, a negative retry, an unknown network and a need of a job that does
 * not exist: schema, range and graph checks), and valid script lines pad it to the size asked for. Pure.
 */

/** Mistakes per generated job. */
export const ERRORS_PER_JOB = 4;

export function renderErrorYaml(errors: number, bytes: number): string {
  const jobs = Math.ceil(errors / ERRORS_PER_JOB);
  const head = "name: diagnostics-bench\nimage: busybox:1.36\njobs:\n";
  const job = (i: number, padding: number): string => {
    const lines = [`  j${i}:`, "    timeout: forever", "    retry: -1", "    network: bridge", `    depends_on: [missing-${i}]`, "    steps:", `      - echo job ${i}`];
    let text = `${lines.join("\n")}\n`;
    for (let n = 0; ; n++) {
      const line = `      - echo padding line ${n} of job ${i}\n`;
      if (text.length + line.length > padding) break;
      text += line;
    }
    return text;
  };
  const perJob = Math.max(0, Math.floor((bytes - head.length) / jobs));
  let text = head;
  for (let i = 0; i < jobs; i++) text += job(i, perJob);
  // Whole lines leave each job a little short: comments at the end make up the size.
  const comment = "# padding to the size asked for\n";
  while (text.length + comment.length <= bytes) text += comment;
  return text;
}
