import { runBench, stopEverything } from './bench';
import { configFromEnv } from './config';

/** `npm run bench`: see bench/README.md for the variables and how to read the output. */
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the Worker and the stand-in, dropping the database …`);
    void stopEverything().finally(() => process.exit(130));
  });
}

try {
  const config = configFromEnv();
  const { report, markdown, jsonFile, markdownFile } = await runBench(config);
  console.log(`\n${markdown}`);
  console.log(`Written: ${jsonFile}\n         ${markdownFile}`);
  if (report.problems.length > 0) {
    console.error('\n########## BENCHMARK PROBLEMS: the figures above are suspect ##########');
    for (const p of report.problems) console.error(`- ${p}`);
    console.error('######################################################################');
    if (config.failOnErrors) process.exit(1);
  }
} catch (error) {
  console.error(error);
  process.exit(1);
}
