// Read a GEXF file with graphology-gexf (the parser behind Gephi Lite) and print
// it as JSON: {type, attributes, nodes: [{key, attributes}], edges: [{source,
// target, attributes}]}. The Python tests compare this with what they wrote.
//
// Usage: node tests/js/read_gexf.mjs FILE.gexf
import { readFileSync } from "node:fs";
import Graph from "graphology";
import gexf from "graphology-gexf";

const path = process.argv[2];
if (!path) {
  console.error("usage: node read_gexf.mjs FILE.gexf");
  process.exit(2);
}
const graph = gexf.parse(Graph, readFileSync(path, "utf8"));
const out = {
  type: graph.type,
  attributes: graph.getAttributes(),
  nodes: graph.mapNodes((key, attributes) => ({ key, attributes })),
  edges: graph.mapEdges((edge, attributes, source, target) => ({ source, target, attributes })),
};
process.stdout.write(JSON.stringify(out));
