// Load nodes.csv and edges.csv into Neo4j: copy both files into the database's
// import folder, then run this file, e.g. cypher-shell -f load.cypher
CREATE CONSTRAINT concept_id IF NOT EXISTS FOR (c:Concept) REQUIRE c.id IS UNIQUE;

LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row
WITH row WHERE row.kind = 'article'
CREATE (:Concept:Article {id: row.`id:ID`, slug: row.`slug`, label: row.`label`, name: row.`name`, kind: row.`kind`, lang: row.`lang`, description: row.`description`, keywords: row.`keywords`, aliases: row.`aliases`, sources: row.`sources`, in_links: toInteger(row.`in_links:int`), out_links: toInteger(row.`out_links:int`), label_ar: row.`label_ar`});

LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row
WITH row WHERE row.kind = 'keyword'
CREATE (:Concept:Keyword {id: row.`id:ID`, slug: row.`slug`, label: row.`label`, name: row.`name`, kind: row.`kind`, lang: row.`lang`, description: row.`description`, keywords: row.`keywords`, aliases: row.`aliases`, sources: row.`sources`, in_links: toInteger(row.`in_links:int`), out_links: toInteger(row.`out_links:int`), label_ar: row.`label_ar`});

LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row
WITH row WHERE row.kind = 'missing'
CREATE (:Concept:Missing {id: row.`id:ID`, slug: row.`slug`, label: row.`label`, name: row.`name`, kind: row.`kind`, lang: row.`lang`, description: row.`description`, keywords: row.`keywords`, aliases: row.`aliases`, sources: row.`sources`, in_links: toInteger(row.`in_links:int`), out_links: toInteger(row.`out_links:int`), label_ar: row.`label_ar`});

LOAD CSV WITH HEADERS FROM 'file:///edges.csv' AS row
WITH row WHERE row.`:TYPE` = 'HAS_KEYWORD'
MATCH (a:Concept {id: row.`:START_ID`}), (b:Concept {id: row.`:END_ID`})
CREATE (a)-[:HAS_KEYWORD {kind: row.`kind`, weight: toInteger(row.`weight:int`), anchors: row.`anchors`}]->(b);

LOAD CSV WITH HEADERS FROM 'file:///edges.csv' AS row
WITH row WHERE row.`:TYPE` = 'LINKS_TO'
MATCH (a:Concept {id: row.`:START_ID`}), (b:Concept {id: row.`:END_ID`})
CREATE (a)-[:LINKS_TO {kind: row.`kind`, weight: toInteger(row.`weight:int`), anchors: row.`anchors`}]->(b);
