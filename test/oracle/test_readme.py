#!/usr/bin/python3
"""Every SQL example in README.md runs as written: the ```sql blocks of the
sections "Using the statistics", "Reference profiles", "Streaming drift detectors" (on a
table `scored` of predictions whose error rate rises halfway), "Multivariate drift" and "Embedding
drift" (on feature rows and a table `served` of embeddings made here) are executed in order in a fresh database,
on tables filled with a little data, and each must succeed and return rows; the blocks of
"Monitoring models" (whose views may rightly be empty on one logged row) must succeed."""
import os
import re
import sys

import psycopg2

from common import HERE, connect

readme = open(os.path.join(HERE, "..", "..", "README.md")).read()
sections = [readme[readme.index("## Using the statistics"):readme.index("## Function reference")],
            readme[readme.index("## Reference profiles"):readme.index("### Definitions and edge cases")],
            readme[readme.index("## Streaming drift detectors"):readme.index("## Monitoring models")],
            readme[readme.index("## Multivariate drift"):readme.index("## Streaming drift detectors")]]
blocks = [(b, True) for section in sections for b in re.findall(r"```sql\n(.*?)```", section, re.S)]
monitoring = readme[readme.index("## Monitoring models"):readme.index("### The prediction log")]
blocks += [(b, False) for b in re.findall(r"```sql\n(.*?)```", monitoring, re.S)]

admin = connect()
admin.cursor().execute("DROP DATABASE IF EXISTS mlmon_readme")
admin.cursor().execute("CREATE DATABASE mlmon_readme")
conn = psycopg2.connect(dbname="mlmon_readme")
conn.autocommit = True
cur = conn.cursor()
cur.execute("CREATE EXTENSION mlmon")
# the detectors' examples read a model's scored predictions: 1 error in 20, then 1 in 2
cur.execute("""CREATE TABLE scored AS
SELECT 'churn'::text AS model, now() - (2000 - g) * interval '1 minute' AS ts, 'yes'::text AS predicted_label,
       CASE WHEN (g <= 1000 AND g % 20 = 0) OR (g > 1000 AND g % 2 = 0) THEN 'no' ELSE 'yes' END AS label
  FROM generate_series(1, 2000) g""")

# the multivariate examples read float8[] feature rows; the embedding examples a table `served`
# whose embeddings of the last day moved
cur.execute("""CREATE TABLE reference_rows AS
SELECT ARRAY[sin(g), cos(g), sin(g) + cos(2 * g), g % 7, (g * 13) % 11]::float8[] AS features
  FROM generate_series(1, 500) g""")
cur.execute("""CREATE TABLE current_rows AS
SELECT ARRAY[2 * sin(g), cos(g), sin(g) - cos(2 * g), g % 7, (g * 13) % 11]::float8[] AS features
  FROM generate_series(1, 200) g""")
cur.execute("""CREATE TABLE served AS
SELECT now() - g * interval '10 minutes' AS ts,
       ARRAY[sin(g), cos(g), sin(3 * g) + (g < 144)::int, cos(5 * g)]::real[] AS emb
  FROM generate_series(1, 1100) g""")

failures = 0
ran = 0
for block, need_rows in blocks:
    # split on semicolons at line ends; the examples hold no semicolons inside strings
    for stmt in [s.strip() for s in re.split(r";\s*\n", block + "\n") if s.strip()]:
        stmt_sql = "\n".join(l for l in stmt.splitlines() if not l.strip().startswith("--"))
        if not stmt_sql.strip():
            continue
        try:
            cur.execute(stmt_sql)
            ran += 1
            if cur.description is not None:
                rows = cur.fetchall()
                if need_rows and not rows:
                    failures += 1
                    print(f"FAIL (no rows): {stmt_sql[:80]}...")
        except psycopg2.Error as e:
            failures += 1
            print(f"FAIL: {stmt_sql[:80]}...\n  {e.pgerror}")
    if "CREATE TABLE" in block:
        # give the example tables some data: yesterday and today, two features
        cur.execute("""
INSERT INTO predictions SELECT now() - g * interval '1 hour', sin(g) FROM generate_series(1, 200) g;
INSERT INTO feature_values SELECT now() - g * interval '1 hour', f, cos(g) + (g < 100)::int, g < 100
  FROM generate_series(1, 400) g, unnest(ARRAY['age', 'income']) f;
INSERT INTO requests SELECT now() - g * interval '1 minute', (ARRAY['FR', 'DE', 'US'])[1 + g % 3], g % 5 = 0, g < 100
  FROM generate_series(1, 300) g;""")

conn.close()
admin.cursor().execute("DROP DATABASE mlmon_readme")
print(f"README examples: {ran - failures}/{ran} statements ran and returned rows where they select")
sys.exit(1 if failures or ran == 0 else 0)
