// Load nodes.csv and edges.csv into Neo4j 5.23 or later: copy both files into the database's import
// folder, then run cypher-shell -f load.cypher (in Neo4j Browser, put :auto before each statement).
// Each statement commits every 10,000 rows and MERGEs on Concept.id, so running it again updates the
// graph in place; to drop what a new build no longer has, run first:
//   MATCH (c:Concept) CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 10000 ROWS;
// For a large graph into a new database, neo4j-admin database import full is much faster.
CREATE CONSTRAINT concept_id IF NOT EXISTS FOR (c:Concept) REQUIRE c.id IS UNIQUE;
CREATE INDEX concept_slug IF NOT EXISTS FOR (c:Concept) ON (c.slug);

LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row
WITH row WHERE row.kind = 'article'
CALL (row) {
  MERGE (c:Concept {id: row.`id:ID`})
  SET c:Article REMOVE c:Missing:Keyword
  SET c += {slug: row.`slug`, label: row.`label`, name: row.`name`, kind: row.`kind`, lang: row.`lang`, description: row.`description`, keywords: row.`keywords`, aliases: row.`aliases`, sources: row.`sources`, in_links: toInteger(row.`in_links:int`), out_links: toInteger(row.`out_links:int`), label_ar: row.`label_ar`}
} IN TRANSACTIONS OF 10000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row
WITH row WHERE row.kind = 'keyword'
CALL (row) {
  MERGE (c:Concept {id: row.`id:ID`})
  SET c:Keyword REMOVE c:Article:Missing
  SET c += {slug: row.`slug`, label: row.`label`, name: row.`name`, kind: row.`kind`, lang: row.`lang`, description: row.`description`, keywords: row.`keywords`, aliases: row.`aliases`, sources: row.`sources`, in_links: toInteger(row.`in_links:int`), out_links: toInteger(row.`out_links:int`), label_ar: row.`label_ar`}
} IN TRANSACTIONS OF 10000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row
WITH row WHERE row.kind = 'missing'
CALL (row) {
  MERGE (c:Concept {id: row.`id:ID`})
  SET c:Missing REMOVE c:Article:Keyword
  SET c += {slug: row.`slug`, label: row.`label`, name: row.`name`, kind: row.`kind`, lang: row.`lang`, description: row.`description`, keywords: row.`keywords`, aliases: row.`aliases`, sources: row.`sources`, in_links: toInteger(row.`in_links:int`), out_links: toInteger(row.`out_links:int`), label_ar: row.`label_ar`}
} IN TRANSACTIONS OF 10000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///edges.csv' AS row
WITH row WHERE row.`:TYPE` = 'HAS_KEYWORD'
CALL (row) {
  MATCH (a:Concept {id: row.`:START_ID`})
  MATCH (b:Concept {id: row.`:END_ID`})
  MERGE (a)-[r:HAS_KEYWORD]->(b)
  SET r += {kind: row.`kind`, weight: toInteger(row.`weight:int`), anchors: row.`anchors`}
} IN TRANSACTIONS OF 10000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///edges.csv' AS row
WITH row WHERE row.`:TYPE` = 'LINKS_TO'
CALL (row) {
  MATCH (a:Concept {id: row.`:START_ID`})
  MATCH (b:Concept {id: row.`:END_ID`})
  MERGE (a)-[r:LINKS_TO]->(b)
  SET r += {kind: row.`kind`, weight: toInteger(row.`weight:int`), anchors: row.`anchors`}
} IN TRANSACTIONS OF 10000 ROWS;
