// Read a GEXF or GraphML file with graphology and print what it holds as JSON, so the Python
// tests can compare it with what networkx reads: an independent consumer in another language.
// Usage: node read.mjs FILE   (the format is told by the extension: .gexf or .graphml)
import { readFileSync } from 'node:fs';
import Graph from 'graphology';
import gexf from 'graphology-gexf';
import graphml from 'graphology-graphml';

const file = process.argv[2];
const text = readFileSync(file, 'utf8');
const parser = file.endsWith('.gexf') ? gexf : file.endsWith('.graphml') ? graphml : null;
if (!parser) {
  console.error(`read.mjs: ${file}: expected a .gexf or .graphml file`);
  process.exit(2);
}
const graph = parser.parse(Graph, text);
const nodes = {};
graph.forEachNode((key, attributes) => { nodes[key] = attributes; });
const edges = [];
graph.forEachEdge((key, attributes, source, target) => { edges.push({ source, target, attributes }); });
console.log(JSON.stringify({ type: graph.type, order: graph.order, size: graph.size, nodes, edges }));
