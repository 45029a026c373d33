"""The Spark engine (``linkgraph build --engine spark``): one module per stage, like the local
pipeline: read (executors parse), resolve (joins), nodes (graph tables), export (part files),
engine (the job). Importing this package does not import PySpark."""
