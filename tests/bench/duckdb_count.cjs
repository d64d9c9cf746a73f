// The DuckDB row: DuckDB's read_json over the archive's files,
// counting the records, on N threads. DuckDB is not packaged for Debian 12;
// its Node.js package is on the npm registry:
//   npm install --prefix DIR @duckdb/node-api
// and the benchmark script runs this when TRAILSWEEP_BENCH_DUCKDB=DIR.
//
// Usage: node duckdb_count.cjs DIR GLOB THREADS
// Prints: records, seconds of the query.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

const [dir, glob, threads] = process.argv.slice(2);
if (!dir || !glob) {
  console.error('usage: node duckdb_count.cjs DIR GLOB [THREADS]');
  process.exit(2);
}
const { DuckDBInstance } = createRequire(path.resolve(dir) + path.sep)('@duckdb/node-api');

(async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads || 2) });
  const connection = await instance.connect();
  const start = performance.now();
  // CloudTrail files are one object each ({"Records":[...]}, up to ~50 MB);
  // records stay JSON (their shapes differ too much for one inferred schema).
  const quoted = glob.replace(/'/g, "''");
  const result = await connection.runAndReadAll(
      `SELECT sum(len(Records)) FROM read_json('${quoted}', columns={'Records': 'JSON[]'}, ` +
      'maximum_object_size=268435456)');
  const records = result.getRows()[0][0];
  console.log(`${records} ${((performance.now() - start) / 1000).toFixed(3)}`);
})().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
