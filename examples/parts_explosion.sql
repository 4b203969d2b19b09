-- How many of each part one unit of an assembly needs, through up to five levels of sub-assemblies: a recursive CTE
-- under bag semantics (UNION ALL), maintained by propagating signed changes, feeding an aggregate.
CREATE STREAM TABLE parts_explosion WITH (refresh_mode = 'immediate') AS
WITH RECURSIVE explosion(assembly_id, part_id, quantity, depth) AS (
    SELECT assembly_id, part_id, quantity, 1 FROM assembly_parts
    UNION ALL
    SELECT e.assembly_id, p.part_id, e.quantity * p.quantity, e.depth + 1
    FROM explosion e
    JOIN assembly_parts p ON p.assembly_id = e.part_id
    WHERE e.depth < 5
)
SELECT assembly_id, part_id, sum(quantity) AS total_quantity
FROM explosion
GROUP BY assembly_id, part_id
