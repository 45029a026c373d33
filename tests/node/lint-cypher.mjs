// Lint a Cypher file with Neo4j's own parser and semantic analysis (the one behind Neo4j's editors):
// prints the diagnostics as JSON, an empty list when Neo4j 5 would accept the file without a warning.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// the package's ES module build has extensionless imports Node cannot resolve: use its CommonJS build
const { lintCypherQuery } = createRequire(import.meta.url)('@neo4j-cypher/language-support');

const text = readFileSync(process.argv[2], 'utf8');
const diagnostics = lintCypherQuery(text, {});
console.log(JSON.stringify(diagnostics.map((d) => ({
  line: d.range.start.line + 1, severity: d.severity === 1 ? 'error' : 'warning', message: d.message,
}))));
